"""`pricer upload` against a local stand-in of the Hub, with the real huggingface_hub client."""

from __future__ import annotations

import json
import logging
import socket
import traceback
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hub_standin import HubStandIn, point_client_at
from pricer.card import parse_card
from pricer.cli import main
from pricer.errors import PricerError
from pricer.upload import human_size, local_card


def split_file(split: str) -> str:
    return f"data/{split}-00000-of-00001.parquet"


TOKEN = "hf_TESTTOKEN_x9qL7vR2mN4pW8zK"
REPO = "some-user/pricer-data"
CATEGORIES = [("Automotive", 1.0), ("Electronics", 5.0), ("Appliances", 5.0)]


# -- fixtures --------------------------------------------------------------------------------------
def make_export(
    out: Path,
    *,
    train: int = 30,
    test: int = 6,
    validation: int = 0,
    charts: bool = True,
    price_type: pa.DataType | None = None,
) -> Path:
    """An export folder as `pricer export` writes it (rules section 6, issue 17's layout), small."""
    (out / "data").mkdir(parents=True, exist_ok=True)
    (out / "items").mkdir(exist_ok=True)
    hub_files = ["README.md", "manifest.json", "items/items-00000-of-00001.parquet"]
    sizes = {"train": train, "test": test, "validation": validation}
    n = 0
    keys, cats, splits = [], [], []
    for split, size in sizes.items():
        if size == 0:
            continue
        texts = [
            f"How much does this cost to the nearest dollar?\n\nItem {n + i} ünïcode\n\nPrice is $"
            + ("" if split != "train" else f"{n + i}.00")
            for i in range(size)
        ]
        prices = [float(n + i) + 0.25 for i in range(size)]
        table = pa.table(
            {
                "text": pa.array(texts, pa.string()),
                "price": pa.array(prices).cast(price_type or pa.float64(), safe=False),
            }
        )
        pq.write_table(table, out / split_file(split))
        hub_files.append(split_file(split))
        for i in range(size):
            keys.append(f"{CATEGORIES[(n + i) % 3][0]}:{n + i + 1}")
            cats.append(CATEGORIES[(n + i) % 3][0])
            splits.append(split)
        n += size
    for i in range(4):  # sampled but in no split
        keys.append(f"Automotive:{1000 + i}")
        cats.append("Automotive")
        splits.append(None)
    pq.write_table(
        pa.table(
            {
                "item_key": keys,
                "category": cats,
                "split": pa.array(splits, pa.string()),
            }
        ),
        out / "items" / "items-00000-of-00001.parquet",
    )
    manifest = {
        "pricer_version": "0.1.0",
        "created_at": "2025-06-01T12:00:00+00:00",
        "knobs": {"min_price": 0.5, "max_price": 999.49, "sample_seed": 42, "split_seed": 7},
        "categories": [{"category": c, "weight": w} for c, w in CATEGORIES],
        "counts": {
            "raw_rows": 500,
            "rejects": 3,
            "items": 120,
            "sampled": len(keys),
            "train": train,
            "test": test,
            "validation": validation,
        },
        "hub_files": sorted(hub_files),
        "local_files": [],
    }
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    try:
        card = local_card(out)
    except PricerError:  # a deliberately broken export: the card cannot be rendered either
        card = "---\n---\n"
    (out / "README.md").write_text(card, encoding="utf-8")
    if charts:
        (out / "charts").mkdir(exist_ok=True)
        (out / "charts" / "price_histogram.svg").write_text(
            "<svg xmlns='http://www.w3.org/2000/svg'><rect width='1' height='1'/></svg>"
        )
        (out / "charts" / "notes.txt").write_text("not a chart")
    return out


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with HubStandIn(token=TOKEN, max_lifetime=60) as standin:
        point_client_at(monkeypatch, standin.url, tmp_path / "hf_home", TOKEN)
        yield standin


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return make_export(tmp_path / "out")


def run(capfd: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["upload", *args])
    captured = capfd.readouterr()
    return code, captured.out, captured.err


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("pricer upload: error:")]


def repo_snapshot(hub: HubStandIn, dest: Path) -> Path:
    """The repo's files as a local folder, the way a clone would have them."""
    for path, content in hub.repos[REPO].files.items():
        target = dest / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return dest


# -- success ---------------------------------------------------------------------------------------
def test_upload_is_one_private_commit_that_loads_as_a_datasetdict(hub, out, tmp_path, capfd):
    code, stdout, err = run(capfd, "--repo-id", REPO, "--out", str(out))
    assert code == 0, err

    repo = hub.repos[REPO]
    assert repo.private is True
    assert len(repo.commits) == 1
    assert sorted(repo.files) == [
        "README.md",
        "charts/price_histogram.svg",
        "data/test-00000-of-00001.parquet",
        "data/train-00000-of-00001.parquet",
        "items/items-00000-of-00001.parquet",
        "manifest.json",
    ]
    assert repo.files[split_file("train")] == (out / split_file("train")).read_bytes()
    # The calls the client makes, in order: nothing is committed before the last one.
    assert hub.routes() == ["repo_info", "create_repo", "validate_yaml", "preupload", "commit"]
    create = json.loads(next(r for r in hub.requests if r.route == "create_repo").body)
    assert create == {
        "name": "pricer-data",
        "organization": "some-user",
        "visibility": "private",
        "type": "dataset",
    }
    assert "pushed:" in stdout and "data/train-00000-of-00001.parquet" in stdout

    # The card's YAML is what the viewer and load_dataset read.
    meta, body = parse_card(repo.files["README.md"].decode("utf-8"))
    assert meta["configs"] == [
        {
            "config_name": "default",
            "data_files": [
                {"split": "train", "path": "data/train-00000-of-00001.parquet"},
                {"split": "test", "path": "data/test-00000-of-00001.parquet"},
            ],
        },
        {
            "config_name": "items",
            "data_files": [{"split": "train", "path": "items/items-00000-of-00001.parquet"}],
        },
    ]
    info, items_info = meta["dataset_info"]
    assert info["config_name"] == "default" and items_info["config_name"] == "items"
    assert items_info["splits"][0]["num_examples"] == 40
    assert items_info["features"] == [
        {"name": "item_key", "dtype": "string"},
        {"name": "category", "dtype": "string"},
        {"name": "split", "dtype": "string"},
    ]
    assert info["features"] == [
        {"name": "text", "dtype": "string"},
        {"name": "price", "dtype": "float64"},
    ]
    assert [(s["name"], s["num_examples"]) for s in info["splits"]] == [("train", 30), ("test", 6)]
    assert all(isinstance(s["num_bytes"], int) and s["num_bytes"] > 0 for s in info["splits"])
    assert (
        info["download_size"]
        == (out / split_file("train")).stat().st_size + (out / split_file("test")).stat().st_size
    )
    assert meta["license"] == "other" and meta["license_link"].endswith(
        "McAuley-Lab/Amazon-Reviews-2023"
    )
    assert meta["task_categories"] == ["text-generation"]
    assert meta["size_categories"] == ["n<1K"]
    assert "pricer" in meta["tags"]
    # The body: counts per split and category, knobs and seeds, how it was made, the chart.
    assert "| `train` | 30 |" in body and "| `test` | 6 |" in body
    assert "| Automotive | 1.0 | 16 | 10 | 2 |" in body  # 10 train + 2 test + 4 unused
    assert "`split_seed` = 7" in body and "| `max_price` | `999.49` |" in body
    assert "pricer 0.1.0" in body and "staging" in body and "marts" in body
    assert "![price histogram](charts/price_histogram.svg)" in body
    assert "notes.txt" not in body

    # What arrived loads back as the exported DatasetDict.
    import datasets

    loaded = datasets.load_dataset(
        str(repo_snapshot(hub, tmp_path / "clone")), cache_dir=str(tmp_path / "ds")
    )
    assert isinstance(loaded, datasets.DatasetDict)
    assert sorted(loaded) == ["test", "train"]
    assert loaded["train"].num_rows == 30 and loaded["test"].num_rows == 6
    assert loaded["train"].features == datasets.Features(
        {"text": datasets.Value("string"), "price": datasets.Value("float64")}
    )
    assert loaded["test"].to_list() == pq.read_table(out / split_file("test")).to_pylist()
    items = datasets.load_dataset(
        str(tmp_path / "clone"), "items", split="train", cache_dir=str(tmp_path / "ds2")
    )
    assert items.num_rows == 40 and items.column_names == ["item_key", "category", "split"]


def test_public_flag_and_validation_split(hub, tmp_path, capfd):
    out = make_export(tmp_path / "out", validation=4, charts=False)
    code, _, err = run(capfd, "--repo-id", REPO, "--out", str(out), "--public")
    assert code == 0, err
    repo = hub.repos[REPO]
    assert repo.private is False
    assert "data/validation-00000-of-00001.parquet" in repo.files
    assert not any(p.startswith("charts/") for p in repo.files)
    meta, body = parse_card(repo.files["README.md"].decode())
    assert [f["split"] for f in meta["configs"][0]["data_files"]] == ["train", "test", "validation"]
    assert "## Distributions" not in body

    import datasets

    loaded = datasets.load_dataset(
        str(repo_snapshot(hub, tmp_path / "clone")), cache_dir=str(tmp_path / "ds")
    )
    assert {k: v.num_rows for k, v in loaded.items()} == {"train": 30, "test": 6, "validation": 4}


def test_rerun_with_nothing_changed_makes_no_second_commit(hub, out, capfd):
    assert run(capfd, "--repo-id", REPO, "--out", str(out))[0] == 0
    code, stdout, err = run(capfd, "--repo-id", REPO, "--out", str(out))
    assert code == 0, err
    assert len(hub.repos[REPO].commits) == 1
    assert "nothing to push" in stdout


def test_existing_public_repo_is_refused_without_public(hub, out, capfd):
    hub.add_dataset(REPO, {"README.md": b"---\nlicense: mit\n---\n"}, private=False)
    code, _, err = run(capfd, "--repo-id", REPO, "--out", str(out))
    assert code == 1
    assert error_lines(err) == [
        f"pricer upload: error: dataset repo {REPO} already exists and is public; "
        "pass --public to push to it, or make it private on the Hub first"
    ]
    assert hub.routes() == ["repo_info"]
    assert len(hub.repos[REPO].commits) == 1  # only the seed


# -- dry run ---------------------------------------------------------------------------------------
def test_dry_run_lists_files_prints_card_and_contacts_nothing(hub, out, capfd, monkeypatch):
    monkeypatch.delenv("HF_TOKEN")  # a dry run needs no token either
    code, stdout, err = run(capfd, "--repo-id", REPO, "--out", str(out), "--dry-run")
    assert code == 0, err
    assert hub.requests == []
    assert "dry run: nothing is sent" in stdout
    size = human_size((out / split_file("train")).stat().st_size)
    assert any(
        "data/train-00000-of-00001.parquet" in line and size in line and "30 rows" in line
        for line in stdout.splitlines()
    )
    assert "charts/price_histogram.svg" in stdout and "manifest.json" in stdout
    assert "(private)" in stdout
    assert "token: none found" in stdout
    assert "--- README.md ---" in stdout and "config_name: default" in stdout


# -- errors ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "repo_id",
    ["noslash", "a/b/c", "/name", "owner/", "-owner/name", "owner/na--me", "own er/x", "o/x.git"],
)
def test_malformed_repo_id_is_a_usage_error_before_any_contact(hub, out, capfd, repo_id):
    code, _, err = run(capfd, f"--repo-id={repo_id}", "--out", str(out))
    assert code == 2
    assert len(error_lines(err)) == 1 and "invalid --repo-id" in err
    assert hub.requests == []


def test_no_token(hub, out, capfd, monkeypatch):
    monkeypatch.delenv("HF_TOKEN")
    code, _, err = run(capfd, "--repo-id", REPO, "--out", str(out))
    assert code == 1
    assert error_lines(err) == [
        "pricer upload: error: no Hugging Face token: set HF_TOKEN to a token with write access "
        "(or log in with `hf auth login`)"
    ]
    assert hub.requests == []


def test_no_export_names_the_missing_files(hub, tmp_path, capfd):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "train.parquet").write_bytes(b"")  # the flat layout of an older pricer
    code, _, err = run(capfd, "--repo-id", REPO, "--out", str(empty))
    assert code == 1
    assert error_lines(err) == [
        f"pricer upload: error: no export to upload in {empty}: missing manifest.json; "
        "it has the flat layout of an older pricer: run `pricer export` first"
    ]
    out = make_export(tmp_path / "out")
    (out / split_file("test")).unlink()
    code, _, err = run(capfd, "--repo-id", REPO, "--out", str(out))
    assert code == 1
    assert error_lines(err) == [
        f"pricer upload: error: export in {out} is incomplete: missing "
        "data/test-00000-of-00001.parquet; re-run `pricer export`"
    ]
    (out / "manifest.json").write_text('{"pricer_version": "0.1.0", "unfinished": true}')
    code, _, err = run(capfd, "--repo-id", REPO, "--out", str(out))
    assert error_lines(err) == [
        f"pricer upload: error: the export in {out} did not finish; re-run `pricer export`"
    ]
    assert hub.requests == []


def test_inconsistent_or_mistyped_export_is_refused(hub, tmp_path, capfd):
    out = make_export(tmp_path / "a")
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["counts"]["train"] = 31
    (out / "manifest.json").write_text(json.dumps(manifest))
    code, _, err = run(capfd, "--repo-id", REPO, "--out", str(out))
    assert code == 1
    assert "manifest.json counts 31 train rows, data/train-00000-of-00001.parquet has 30" in err

    out = make_export(tmp_path / "b", price_type=pa.int64())
    code, _, err = run(capfd, "--repo-id", REPO, "--out", str(out))
    assert code == 1 and "price (int64); expected text (string), price (double)" in err
    assert hub.requests == []


@pytest.mark.parametrize(
    ("route", "status"),
    [
        ("create_repo", 500),
        ("create_repo", 403),
        ("validate_yaml", 403),
        ("commit", 403),
        ("commit", 500),
    ],
)
def test_endpoint_refusing_gives_one_line_with_the_status(hub, out, capfd, route, status):
    hub.fail(route, status)
    code, _, err = run(capfd, "--repo-id", REPO, "--out", str(out))
    assert code == 1
    lines = error_lines(err)
    assert len(lines) == 1 and f"HTTP {status}" in lines[0], err
    assert REPO not in hub.repos or hub.repos[REPO].commits == []
    assert "commit" not in hub.routes() or hub.routes()[-1] == "commit"


def test_a_proxy_answering_html_still_gives_one_line(hub, out, capfd):
    hub.fail("commit", 502, html=True)
    code, _, err = run(capfd, "--repo-id", REPO, "--out", str(out))
    assert code == 1
    assert error_lines(err) == [
        f"pricer upload: error: committing to dataset repo {REPO}: the Hub at {hub.url} "
        "answered HTTP 502 (Bad Gateway)"
    ]
    # validate-yaml reads the body as JSON before it looks at the status (huggingface_hub 2.4)
    hub.fail("validate_yaml", 502, html=True)
    code, _, err = run(capfd, "--repo-id", REPO, "--out", str(out))
    assert code == 1
    assert error_lines(err) == [
        f"pricer upload: error: committing to dataset repo {REPO}: the Hub at {hub.url} answered "
        "with something that is not JSON (an outage or a proxy in the way?)"
    ]
    assert hub.repos[REPO].commits == []


def test_invalid_token(hub, out, capfd, monkeypatch):
    wrong = "hf_WRONGTOKEN_a1b2c3d4e5f6g7h8i9j0k1l2m3"
    monkeypatch.setenv("HF_TOKEN", wrong)
    code, stdout, err = run(capfd, "--repo-id", REPO, "--out", str(out))
    assert code == 1
    assert error_lines(err) == [
        f"pricer upload: error: creating dataset repo {REPO}: the Hub at {hub.url} answered "
        "HTTP 401 (Invalid credentials in Authorization header); check that the token is valid"
    ]
    assert wrong not in stdout + err
    assert REPO not in hub.repos


def test_network_down(hub, out, capfd, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    monkeypatch.setenv("HF_ENDPOINT", dead)
    code, _, err = run(capfd, "--repo-id", REPO, "--out", str(out))
    assert code == 1
    assert error_lines(err) == [
        f"pricer upload: error: checking dataset repo {REPO}: cannot reach the Hub at {dead} "
        "(ConnectError: [Errno 111] Connection refused)"
    ]


def test_push_interrupted_at_the_commit_leaves_nothing_and_can_be_rerun(hub, out, capfd):
    hub.fail("commit", 500, times=1)
    code, _, err = run(capfd, "--repo-id", REPO, "--out", str(out))
    assert code == 1 and "HTTP 500" in err
    assert hub.repos[REPO].commits == [] and hub.repos[REPO].files == {}

    code, _, err = run(capfd, "--repo-id", REPO, "--out", str(out))
    assert code == 0, err
    assert len(hub.repos[REPO].commits) == 1
    assert len(hub.repos[REPO].files) == 6  # card, 2 splits, items, manifest, chart
    assert hub.routes().count("create_repo") == 1  # the rerun found the repo


# -- the token -------------------------------------------------------------------------------------
@pytest.mark.parametrize("scenario", ["success", "refused-leaky-server", "dry-run"])
def test_token_is_never_printed_logged_or_written(
    hub, out, tmp_path, capfd, caplog, monkeypatch, scenario
):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_DEBUG", True)  # the client logs every request as curl
    caplog.set_level(logging.INFO)
    for name in ("huggingface_hub", "pricer"):
        caplog.set_level(logging.DEBUG, logger=name)
    # Not httpcore2 at DEBUG: it logs response headers verbatim, so a server that echoes the
    # Authorization header back would show up there; pricer never turns that logger on.
    if scenario == "refused-leaky-server":
        hub.fail(
            "commit", 403, echo_auth=True
        )  # the server puts our Authorization header in its error
    args = ["--repo-id", REPO, "--out", str(out)] + (["--dry-run"] if scenario == "dry-run" else [])
    code, stdout, err = run(capfd, *args)
    assert code == (1 if scenario == "refused-leaky-server" else 0), err
    if scenario == "refused-leaky-server":
        assert "you sent: Bearer ***" in err  # it was there, and scrubbed
        with pytest.raises(PricerError) as raised:  # --debug shows the traceback: clean too
            main(["--debug", "upload", *args])
        err += "".join(traceback.format_exception(raised.value)) + capfd.readouterr().err
        assert "HTTP 403" in err

    assert TOKEN not in stdout + err
    assert TOKEN not in caplog.text
    assert caplog.records or scenario == "dry-run"  # the client did log
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
    for request in hub.requests:  # only ever in the Authorization header, to the Hub
        assert TOKEN not in request.path and TOKEN.encode() not in request.body
        assert {k for k, v in request.headers.items() if TOKEN in v} <= {"authorization"}
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
