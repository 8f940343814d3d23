"""The export folder as the Hub and `datasets` read it (rules 6, 7), the fine-tuning files
(rules 10), stale files of an earlier export, and the upload of exactly that layout.

Paths, strings and rules are written out here from the spec and issue 17, not imported from
pricer, so a change to the code cannot silently change what is checked."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from conftest import BuiltProject
from hub_standin import HubStandIn, point_client_at
from pricer.build import build
from pricer.cli import main
from pricer.export import export

SPLIT_FILE = "data/{split}-00000-of-00001.parquet"
ITEMS_FILE = "items/items-00000-of-00001.parquet"
DISK_DIR = "__save_to_disk__"
# Rules 6: the items table's metadata columns.
ITEMS_COLUMNS = {
    "item_key",
    "category",
    "source_file",
    "line_number",
    "parent_asin",
    "price",
    "slot",
    "token_count",
    "split",
}
# Rules 10, openai-chat, written out.
SYSTEM = "You estimate prices of items. Reply only with the price, no explanation"
COURSE_TRAIN, COURSE_VAL = 200, 50
VAL_ROWS = 5  # the validation split of the second build


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Nothing here may reach the real Hub: datasets load from local paths only."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))


def expected_splits(db_path: Path) -> dict[str, list[tuple[str, float]]]:
    """Rules 6 from the marts: train text = prompt, test/validation text = test prompt, in
    split order."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = con.sql(
            """select sampled_items.split, items.prompt, items.test_prompt, sampled_items.price
            from sampled_items inner join items using (item_key)
            where sampled_items.split is not null order by split_rank"""
        ).fetchall()
    out: dict[str, list[tuple[str, float]]] = {}
    for split, prompt, test_prompt, price in rows:
        out.setdefault(split, []).append((prompt if split == "train" else test_prompt, price))
    return out


def prompts(db_path: Path, split: str) -> list[tuple[str, str, float]]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.sql(
            f"""select items.prompt, items.test_prompt, sampled_items.price
            from sampled_items inner join items using (item_key)
            where sampled_items.split = '{split}' order by split_rank"""
        ).fetchall()


@pytest.fixture(scope="module")
def val_build(built_project: BuiltProject, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's build with VAL_ROWS train rows moved to a validation split."""
    root = tmp_path_factory.mktemp("val_build")
    db = root / "pricer.duckdb"
    shutil.copy(built_project.db_path, db)
    dbt_vars = {
        **built_project.vars,
        "train_size": built_project.vars["train_size"] - VAL_ROWS,
        "val_size": VAL_ROWS,
        "raw_dir": str(built_project.raw_dir.resolve()),
    }
    # A rebuild of the copy: only the split and what follows it run (pricer.incremental).
    build(
        built_project.raw_dir,
        db,
        overrides={k: v for k, v in dbt_vars.items() if k != "raw_dir"},
    )
    return db


@pytest.fixture(scope="module")
def val_export(val_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("val_export") / "out"
    assert main(["export", "--db", str(val_build), "--out", str(out),
                 "--format", "openai-chat", "--format", "prompt-completion"]) == 0  # fmt: skip
    return out


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


# -- rules 6: the three ways to load it ---------------------------------------------------------
@pytest.mark.parametrize("which", ["session export (no validation)", "with validation"])
def test_load_dataset_parquet_data_dir_and_load_from_disk_agree(
    which: str, built_project: BuiltProject, val_build: Path, val_export: Path, tmp_path: Path
) -> None:
    import datasets

    db, out = (
        (built_project.db_path, built_project.out_dir)
        if which.startswith("session")
        else (val_build, val_export)
    )
    expected = expected_splits(db)
    names = ["train", "test", "validation"] if "validation" in expected else ["train", "test"]
    assert sorted(expected) == sorted(names)
    loaded = {
        "load_dataset(OUT)": datasets.load_dataset(str(out), cache_dir=str(tmp_path / "a")),
        "load_dataset(parquet, data_dir)": datasets.load_dataset(
            "parquet", data_dir=str(out / "data"), cache_dir=str(tmp_path / "b")
        ),
        "load_from_disk": datasets.load_from_disk(str(out / DISK_DIR)),
    }
    features = datasets.Features(
        {"text": datasets.Value("string"), "price": datasets.Value("float64")}
    )
    for how, dataset_dict in loaded.items():
        assert isinstance(dataset_dict, datasets.DatasetDict), how
        assert sorted(dataset_dict) == sorted(names), how
        for split in names:
            ds = dataset_dict[split]
            assert ds.features == features, (how, split)
            assert ds.num_rows == len(expected[split]), (how, split)
            rows = list(zip(ds["text"], ds["price"], strict=True))
            assert rows == expected[split], (how, split)
    for split in names:
        assert (out / SPLIT_FILE.format(split=split)).is_file()


def test_items_config_loads_on_its_own(val_build: Path, val_export: Path, tmp_path: Path) -> None:
    import datasets

    items = datasets.load_dataset(
        str(val_export), "items", split="train", cache_dir=str(tmp_path / "c")
    )
    assert ITEMS_COLUMNS <= set(items.column_names)
    with duckdb.connect(str(val_build), read_only=True) as con:
        keys = [r[0] for r in con.sql("select item_key from sampled_items order by split_rank")
                .fetchall()]  # fmt: skip
        splits = dict(con.sql("select item_key, split from sampled_items").fetchall())
    assert items["item_key"] == keys
    assert dict(zip(items["item_key"], items["split"], strict=True)) == splits
    assert items.features["price"].dtype == "float64"


def test_card_declares_both_configs_and_their_files(val_export: Path) -> None:
    text = (val_export / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    meta = yaml.safe_load(text[4:].split("\n---\n", 1)[0])
    configs = {c["config_name"]: c["data_files"] for c in meta["configs"]}
    assert configs == {
        "default": [
            {"split": s, "path": SPLIT_FILE.format(split=s)}
            for s in ("train", "test", "validation")
        ],
        "items": [{"split": "train", "path": ITEMS_FILE}],
    }
    infos = {i["config_name"]: i for i in meta["dataset_info"]}
    assert [s["num_examples"] for s in infos["default"]["splits"]][2] == VAL_ROWS
    assert ITEMS_COLUMNS <= {f["name"] for f in infos["items"]["features"]}


# -- rules 10: fine-tuning files ------------------------------------------------------------------
def course_messages(test_prompt: str, price: float) -> dict:
    """Rules 10, independently: every ' to the nearest dollar' and every '\\n\\nPrice is $'
    removed from the test prompt; the answer 'Price is $' + the price with two decimals."""
    user = test_prompt.replace(" to the nearest dollar", "").replace("\n\nPrice is $", "")
    return {
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": user},
            {"role": "assistant", "content": "Price is $" + f"{price:.2f}"},
        ]
    }


def read_jsonl(path: Path) -> list[dict]:
    raw = path.read_text(encoding="utf-8")
    assert raw.endswith("\n")
    return [json.loads(line) for line in raw.splitlines()]


def test_openai_chat_every_line_follows_the_course(val_build: Path, val_export: Path) -> None:
    train = prompts(val_build, "train")
    folder = val_export / "finetune" / "openai-chat"
    assert sorted(p.name for p in folder.iterdir()) == ["train.jsonl", "validation.jsonl"]
    for name, rows in (
        ("train.jsonl", train[:COURSE_TRAIN]),
        ("validation.jsonl", train[COURSE_TRAIN : COURSE_TRAIN + COURSE_VAL]),
    ):
        lines = read_jsonl(folder / name)
        assert len(lines) == len(rows)
        for line, (_, test_prompt, price) in zip(lines, rows, strict=True):
            assert line == course_messages(test_prompt, price)
            user = line["messages"][1]["content"]
            assert " to the nearest dollar" not in user and "\n\nPrice is $" not in user
    # The data has prices with cents, so the check above tells .2f from rounding.
    assert any(price != round(price) for _, _, price in train[:COURSE_TRAIN])


def test_openai_chat_sizes_are_options(val_build: Path, tmp_path: Path, capfd) -> None:
    out = tmp_path / "out"
    args = ["export", "--db", str(val_build), "--out", str(out), "--format", "openai-chat"]
    assert main([*args, "--chat-train-rows", "7", "--chat-val-rows", "0"]) == 0
    train = prompts(val_build, "train")
    folder = out / "finetune" / "openai-chat"
    assert sorted(p.name for p in folder.iterdir()) == ["train.jsonl"]
    assert read_jsonl(folder / "train.jsonl") == [course_messages(t, p) for _, t, p in train[:7]]
    capfd.readouterr()
    # Too many rows: exit 1, one line naming the numbers, the earlier export left whole.
    before = {p: (out / p).read_bytes() for p in files_under(out)}
    assert main([*args, "--chat-train-rows", str(len(train)), "--chat-val-rows", "1"]) == 1
    err = capfd.readouterr().err.strip().splitlines()
    assert err == [
        f"pricer export: error: openai-chat needs {len(train):,} + 1 train rows, the export "
        f"has {len(train):,}; lower --chat-train-rows / --chat-val-rows"
    ]
    assert {p: (out / p).read_bytes() for p in files_under(out)} == before
    # Sizes without the format, or a negative size: usage errors.
    assert main(["export", "--db", str(val_build), "--out", str(out), "--chat-val-rows", "3"]) == 2
    for bad in (["--chat-val-rows", "-1"], ["--chat-train-rows", "0"], ["--format", "csv"]):
        with pytest.raises(SystemExit) as stop:  # argparse: usage and one line, exit 2
            main([*args, *bad])
        assert stop.value.code == 2, bad


def test_prompt_completion_round_trip(val_build: Path, val_export: Path) -> None:
    folder = val_export / "finetune" / "prompt-completion"
    assert sorted(p.name for p in folder.iterdir()) == [
        "test.jsonl",
        "train.jsonl",
        "validation.jsonl",
    ]
    for split in ("train", "test", "validation"):
        rows = prompts(val_build, split)
        lines = read_jsonl(folder / f"{split}.jsonl")
        assert len(lines) == len(rows) > 0
        for line, (prompt, test_prompt, _) in zip(lines, rows, strict=True):
            assert set(line) == {"prompt", "completion"}
            assert line["prompt"] == test_prompt
            assert line["prompt"] + line["completion"] == prompt
            assert line["completion"]  # the price digits at least


# -- an earlier export's files ------------------------------------------------------------------
def test_re_export_removes_what_it_does_not_write(
    built_project: BuiltProject, val_export: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(val_export, out)
    # The flat layout of an older pricer, and a file of the user's that must survive.
    (out / "train.parquet").write_bytes(b"old")
    (out / "hf").mkdir()
    (out / "hf" / "dataset_dict.json").write_text("{}")
    (out / "notes.txt").write_text("mine")
    export(built_project.db_path, out, log=False)
    assert files_under(out) - {"notes.txt"} == files_under(built_project.out_dir)
    assert (out / "notes.txt").read_text() == "mine"
    assert not (out / "data" / "validation-00000-of-00001.parquet").exists()
    assert not (out / "finetune").exists() and not (out / "hf").exists()
    assert not (out / DISK_DIR / "validation").exists()


def test_a_folder_that_is_no_export_is_not_cleared(
    built_project: BuiltProject, tmp_path: Path, capfd
) -> None:
    (tmp_path / "README.md").write_text("# my project\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "keep.duckdb").write_bytes(b"x")
    code = main(["export", "--db", str(built_project.db_path), "--out", str(tmp_path)])
    assert code == 2
    err = capfd.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is not an earlier export" in err[0]
    assert (tmp_path / "README.md").read_text() == "# my project\n"
    assert (tmp_path / "data" / "keep.duckdb").exists()


# -- rules 7: the upload sends exactly this layout ---------------------------------------------
def test_upload_sends_the_export_layout(val_export: Path, tmp_path: Path, monkeypatch) -> None:
    import datasets

    token = "hf_TESTTOKEN_layout00000000000000000"
    repo = "some-user/pricer-layout"
    with HubStandIn(token=token, max_lifetime=120) as hub:
        point_client_at(monkeypatch, hub.url, tmp_path / "hf_home", token)
        assert main(["upload", "--repo-id", repo, "--out", str(val_export)]) == 0
        sent = set(hub.repos[repo].files)
        stored = hub.repos[repo].files
    layout = {p for p in files_under(val_export) if not p.startswith((f"{DISK_DIR}/", "finetune/"))}
    assert sent == layout
    assert {
        "README.md",
        "manifest.json",
        ITEMS_FILE,
        *(SPLIT_FILE.format(split=s) for s in ("train", "test", "validation")),
    } == layout
    for path in layout - {"README.md"}:
        assert stored[path] == (val_export / path).read_bytes(), path
    # What arrived loads as both configs.
    clone = tmp_path / "clone"
    for path, content in stored.items():
        (clone / path).parent.mkdir(parents=True, exist_ok=True)
        (clone / path).write_bytes(content)
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    loaded = datasets.load_dataset(str(clone), cache_dir=str(tmp_path / "d"))
    assert {k: v.num_rows for k, v in loaded.items()}["validation"] == VAL_ROWS
    items = datasets.load_dataset(str(clone), "items", split="train", cache_dir=str(tmp_path / "e"))
    assert ITEMS_COLUMNS <= set(items.column_names)


def test_fine_tuning_vars_are_no_build_knobs() -> None:
    from pricer.errors import UsageError
    from pricer.knobs import parse_overrides

    with pytest.raises(UsageError, match="option of `pricer export --format openai-chat`"):
        parse_overrides(["openai_chat_train_rows=5"])
