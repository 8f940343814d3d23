"""`pricer fetch` against a local stand-in of the Hub, with the real huggingface_hub client."""

from __future__ import annotations

import json
import logging
import socket
import traceback
from pathlib import Path

import pytest

from hub_standin import HubStandIn, point_client_at
from pricer import knobs
from pricer.cli import main
from pricer.errors import PricerError

SOURCE = "McAuley-Lab/Amazon-Reviews-2023"
TOKEN = "hf_TESTTOKEN_x9qF3tH8kJ2dS5aQ"


def raw_file(category: str, rows: int = 40) -> bytes:
    """A small meta_<Category>.jsonl, one JSON object a line (plus a bad line, as in the wild)."""
    lines = [
        json.dumps(
            {"parent_asin": f"B{i:09d}", "title": f"{category} item {i} ünï", "price": i + 0.99}
        )
        for i in range(rows)
    ]
    return ("\n".join([*lines, '{"truncated": '])).encode("utf-8") + b"\n"


def remote(category: str) -> str:
    return f"raw/meta_categories/meta_{category}.jsonl"


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with HubStandIn(max_lifetime=60) as standin:
        point_client_at(monkeypatch, standin.url, tmp_path / "hf_home", token=None)
        monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        yield standin


def run(capfd: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["fetch", *args])
    captured = capfd.readouterr()
    return code, captured.out, captured.err


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("pricer fetch: error:")]


def test_fetch_downloads_flat_files_for_build(hub, tmp_path, capfd):
    files = {remote(c): raw_file(c) for c in ("Appliances", "Musical_Instruments")}
    hub.add_dataset(SOURCE, files)
    out = tmp_path / "raw"
    code, stdout, err = run(
        capfd, "--out", str(out), "--categories", "Appliances", "Musical_Instruments"
    )
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == [
        "meta_Appliances.jsonl",
        "meta_Musical_Instruments.jsonl",
    ]
    for c in ("Appliances", "Musical_Instruments"):
        assert (out / f"meta_{c}.jsonl").read_bytes() == files[remote(c)]
    assert [(r.method, r.route) for r in hub.requests] == [
        ("HEAD", "resolve"),
        ("GET", "resolve"),
    ] * 2
    assert all(
        "/datasets/McAuley-Lab/Amazon-Reviews-2023/resolve/main/raw/" in r.path
        for r in hub.requests
    )
    assert all("authorization" not in r.headers for r in hub.requests)  # public data, no login
    assert "2 downloaded" in stdout


def test_default_categories_are_the_seed(hub, tmp_path, capfd):
    names = [c.name for c in knobs.categories()]
    assert len(names) == 8
    hub.add_dataset(SOURCE, {remote(c): raw_file(c, rows=3) for c in names})
    out = tmp_path / "raw"
    code, _, err = run(capfd, "--out", str(out))
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == sorted(f"meta_{c}.jsonl" for c in names)


def test_a_download_cut_by_the_network_resumes_with_a_range_request(
    hub, tmp_path, capfd, monkeypatch
):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", 512)  # write to disk often
    content = raw_file("Appliances", rows=400)
    hub.add_dataset(SOURCE, {remote("Appliances"): content})
    hub.cut_downloads.append(5000)  # the first GET dies after 5000 bytes
    out = tmp_path / "raw"
    code, _, err = run(capfd, "--out", str(out), "--categories", "Appliances")
    assert code == 0, err
    assert (out / "meta_Appliances.jsonl").read_bytes() == content
    gets = [r for r in hub.requests if r.method == "GET"]
    assert len(gets) == 2
    assert "range" not in gets[0].headers
    start = int(gets[1].headers["range"].removeprefix("bytes=").rstrip("-"))
    assert 0 < start <= 5000 and gets[1].status == 206


def test_files_already_there_are_kept_and_force_fetches_again(hub, tmp_path, capfd):
    hub.add_dataset(SOURCE, {remote(c): raw_file(c) for c in ("Appliances", "Toys_and_Games")})
    out = tmp_path / "raw"
    out.mkdir()
    (out / "meta_Appliances.jsonl").write_bytes(b"local copy\n")
    code, stdout, err = run(capfd, "--out", str(out), "--categories", "Appliances,Toys_and_Games")
    assert code == 0, err
    assert (out / "meta_Appliances.jsonl").read_bytes() == b"local copy\n"
    assert all("Toys_and_Games" in r.path for r in hub.requests)
    assert "1 downloaded, 1 already there" in stdout

    code, _, err = run(capfd, "--out", str(out), "--categories", "Appliances", "--force")
    assert code == 0, err
    assert (out / "meta_Appliances.jsonl").read_bytes() == raw_file("Appliances")


def test_unknown_category_on_the_hub(hub, tmp_path, capfd):
    hub.add_dataset(SOURCE, {remote("Appliances"): raw_file("Appliances")})
    code, _, err = run(capfd, "--out", str(tmp_path / "raw"), "--categories", "Appliances", "Nope")
    assert code == 1
    assert error_lines(err) == [
        f"pricer fetch: error: downloading {remote('Nope')}: {SOURCE} has no such file; "
        "is 'Nope' an Amazon Reviews 2023 category?"
    ]
    assert (tmp_path / "raw" / "meta_Appliances.jsonl").is_file()  # what was fetched stays


@pytest.mark.parametrize("name", ["../etc", "Office Products", "meta/x", "_x"])
def test_malformed_category_is_a_usage_error_before_any_contact(hub, tmp_path, capfd, name):
    code, _, err = run(capfd, "--out", str(tmp_path / "raw"), "--categories", name)
    assert code == 2 and len(error_lines(err)) == 1 and "invalid category" in err
    assert hub.requests == []


@pytest.mark.parametrize("status", [403, 500])
def test_hub_refusing(hub, tmp_path, capfd, monkeypatch, status):
    import huggingface_hub.utils._http as http

    monkeypatch.setattr(http.time, "sleep", lambda _: None)  # the client backs off on 5xx
    hub.add_dataset(SOURCE, {remote("Appliances"): raw_file("Appliances")})
    hub.fail("resolve", status)
    code, _, err = run(capfd, "--out", str(tmp_path / "raw"), "--categories", "Appliances")
    assert code == 1
    lines = error_lines(err)
    assert len(lines) == 1 and f"answered HTTP {status}" in lines[0], err
    assert not (tmp_path / "raw" / "meta_Appliances.jsonl").exists()


def test_network_down(hub, tmp_path, capfd, monkeypatch):
    import huggingface_hub.utils._http as http

    monkeypatch.setattr(http.time, "sleep", lambda _: None)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    monkeypatch.setenv("HF_ENDPOINT", dead)
    code, _, err = run(capfd, "--out", str(tmp_path / "raw"), "--categories", "Appliances")
    assert code == 1
    assert error_lines(err) == [
        f"pricer fetch: error: downloading {remote('Appliances')}: cannot reach the Hub at {dead} "
        "(ConnectError); rerun to continue (files already fetched are kept)"
    ]


def test_gzipped_copy_counts_as_there_and_other_categories_get_a_note(hub, tmp_path, capfd):
    hub.add_dataset(SOURCE, {remote(c): raw_file(c) for c in ("Appliances", "All_Beauty")})
    out = tmp_path / "raw"
    out.mkdir()
    (out / "meta_Appliances.jsonl.gz").write_bytes(b"gzipped local copy")
    code, stdout, err = run(capfd, "--out", str(out), "--categories", "Appliances", "All_Beauty")
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == [
        "meta_All_Beauty.jsonl",
        "meta_Appliances.jsonl.gz",
    ]
    assert "note: All_Beauty is not in seeds/categories.csv" in stdout


def test_token_is_sent_as_a_header_only_and_never_printed_or_written(
    hub, tmp_path, capfd, caplog, monkeypatch
):
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    caplog.set_level(logging.DEBUG, logger="huggingface_hub")
    hub.add_dataset(SOURCE, {remote(c): raw_file(c) for c in ("Appliances", "Toys_and_Games")})
    out = tmp_path / "raw"
    code, stdout, err = run(capfd, "--out", str(out), "--categories", "Appliances", "Nope")
    assert code == 1 and "Nope" in err
    hub.fail("resolve", 403, echo_auth=True)  # a server that echoes the Authorization header
    code, stdout2, err2 = run(capfd, "--out", str(out), "--categories", "Toys_and_Games")
    assert code == 1 and "HTTP 403" in err2
    with pytest.raises(PricerError) as raised:  # --debug shows the traceback: scrubbed too
        main(["--debug", "fetch", "--out", str(out), "--categories", "Toys_and_Games"])
    debug_text = "".join(traceback.format_exception(raised.value))
    assert "HTTP 403" in debug_text

    assert TOKEN not in stdout + err + stdout2 + err2 + caplog.text + debug_text
    assert TOKEN not in capfd.readouterr().err
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
    assert hub.requests
    for request in hub.requests:
        assert request.headers.get("authorization") == f"Bearer {TOKEN}"
        assert TOKEN not in request.path
