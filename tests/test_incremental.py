"""Issue 15: a rebuild runs only what its changes touch, and gives exactly what a fresh build
with the same knobs and files gives (the exported Parquet files, byte for byte)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pricer.cli import main
from pricer.generate import generate

ROWS = 2000
BASE = ["--set", "train_size=300", "--set", "test_size=50"]


def _exported(out: Path) -> dict[str, str]:
    files = {
        str(path.relative_to(out)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(out.rglob("*.parquet"))
    }
    assert any(name.startswith("data/train") for name in files), files
    return files


def _build(capsys: pytest.CaptureFixture[str], raw: Path, db: Path, *args: str) -> str:
    capsys.readouterr()
    assert main(["build", "--raw", str(raw), "--db", str(db), *BASE, *args]) == 0
    return capsys.readouterr().err


def _export(db: Path, out: Path) -> dict[str, str]:
    assert main(["export", "--db", str(db), "--out", str(out)]) == 0
    return _exported(out)


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("incremental") / "raw"
    generate(folder, rows=ROWS, seed=5, bad_fraction=0.01, progress=False)
    return folder


@pytest.mark.parametrize(
    ("change", "runs", "skips"),
    [
        # a sampling knob: only what follows the items
        (["--set", "slot_cap=20"], "int_items_sampled+", "int_items_tokenized"),
        # the dedup knob
        (["--set", "dedup=title"], "int_items_deduplicated+", "int_items_tokenized"),
        # an item rule: from that rule on (the tokenized items again), staging reused
        (["--set", "min_chars=400"], "int_items_described+", "stg_meta__rows"),
    ],
)
def test_a_knob_change_runs_what_it_touches_and_equals_a_fresh_build(
    capsys: pytest.CaptureFixture[str],
    raw: Path,
    tmp_path: Path,
    change: list[str],
    runs: str,
    skips: str,
) -> None:
    db = tmp_path / "pricer.duckdb"
    _build(capsys, raw, db)
    again = _build(capsys, raw, db)
    assert "nothing changed" in again and "built " not in again
    err = _build(capsys, raw, db, *change)
    out = capsys.readouterr().out
    assert "incremental:" in err and runs in err, err
    assert f" {skips} " not in out, out  # the model lines of the run
    fresh = tmp_path / "fresh.duckdb"
    _build(capsys, raw, fresh, *change, "--full-refresh")
    assert _export(db, tmp_path / "inc") == _export(fresh, tmp_path / "fresh")


def test_a_changed_raw_file_reads_the_files_again(
    capsys: pytest.CaptureFixture[str], raw: Path, tmp_path: Path
) -> None:
    local = tmp_path / "raw"
    local.mkdir()
    for path in raw.glob("meta_*"):
        (local / path.name).write_bytes(path.read_bytes())
    db = tmp_path / "pricer.duckdb"
    _build(capsys, local, db)
    first = sorted(local.glob("meta_*"))[0]
    first.write_bytes(first.read_bytes() + b'{"title": "late", "price": 3}\n')
    err = _build(capsys, local, db)
    assert "full build" in err and f"changed {first.name}" in err, err
    fresh = tmp_path / "fresh.duckdb"
    _build(capsys, local, fresh, "--full-refresh")
    assert _export(db, tmp_path / "inc") == _export(fresh, tmp_path / "fresh")
