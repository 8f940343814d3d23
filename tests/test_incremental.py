"""Issue 15: a rebuild runs only what its changes touch, and gives exactly what a fresh build
with the same knobs and files gives (the exported Parquet files, byte for byte)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import duckdb
import pytest

from pricer.build import dbt_env, run_dbt
from pricer.cli import main
from pricer.generate import generate
from pricer.knobs import copy_project

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
    ("change", "runs", "skips", "parse_reused"),
    [
        # a sampling knob: only what follows the items, on the last build's parse
        (["--set", "slot_cap=20"], "int_items_sampled+", "int_items_tokenized", True),
        # the dedup knob
        (["--set", "dedup=title"], "int_items_deduplicated+", "int_items_tokenized", True),
        # an item rule: from that rule on (the tokenized items again), staging reused; the
        # Python model's config renders it, so dbt parses again
        (["--set", "min_chars=400"], "int_items_described+", "stg_meta__rows", False),
    ],
)
def test_a_knob_change_runs_what_it_touches_and_equals_a_fresh_build(
    capsys: pytest.CaptureFixture[str],
    raw: Path,
    tmp_path: Path,
    change: list[str],
    runs: str,
    skips: str,
    parse_reused: bool,
) -> None:
    db = tmp_path / "pricer.duckdb"
    _build(capsys, raw, db)
    again = _build(capsys, raw, db)
    assert "nothing changed" in again and "built " not in again
    err = _build(capsys, raw, db, *change)
    out = capsys.readouterr().out
    assert "incremental:" in err and runs in err, err
    assert ("dbt parsed only what changed" in err) == parse_reused, err
    assert f" {skips} " not in out, out  # the model lines of the run
    fresh = tmp_path / "fresh.duckdb"
    _build(capsys, raw, fresh, *change, "--full-refresh")
    assert _export(db, tmp_path / "inc") == _export(fresh, tmp_path / "fresh")


def _copy_raw(raw: Path, local: Path, skip: str | None = None) -> Path:
    local.mkdir()
    for path in raw.glob("meta_*"):
        if path.name != skip:
            (local / path.name).write_bytes(path.read_bytes())
    return local


def _rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()


def test_a_changed_raw_file_is_the_only_one_read(
    capsys: pytest.CaptureFixture[str], raw: Path, tmp_path: Path
) -> None:
    """One file changes, another is overwritten in place with its size and modification time
    kept: the rebuild reads the changed file alone (the other's rows stay as they were), and
    its exports equal a fresh build's of the changed file and the other's real content."""
    local = _copy_raw(raw, tmp_path / "raw")
    db = tmp_path / "pricer.duckdb"
    _build(capsys, local, db)
    first, other = sorted(local.glob("meta_*"))[:2]
    first.write_bytes(first.read_bytes() + b'{"title": "late", "price": 3}\n')
    fresh = tmp_path / "fresh.duckdb"
    _build(capsys, local, fresh, "--full-refresh")
    stat = other.stat()
    other.write_bytes(b"x" * stat.st_size)  # not JSON: read again, every line would reject
    os.utime(other, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    err = _build(capsys, local, db)
    assert f"changed {first.name}" in err and f"read {first.name};" in err, err
    assert _export(db, tmp_path / "inc") == _export(fresh, tmp_path / "fresh")
    keys = "select source_file, count(*), count(distinct file_key) from stg_meta__rows group by 1"
    assert sorted(_rows(db, keys)) == sorted(_rows(fresh, keys))


def test_a_new_and_a_removed_file_touch_only_their_rows(
    capsys: pytest.CaptureFixture[str], raw: Path, tmp_path: Path
) -> None:
    last = sorted(raw.glob("meta_*"))[-1].name
    local = _copy_raw(raw, tmp_path / "raw", skip=last)
    db = tmp_path / "pricer.duckdb"
    _build(capsys, local, db)
    (local / last).write_bytes((raw / last).read_bytes())
    err = _build(capsys, local, db)
    assert f"new {last}" in err and f"read {last};" in err, err
    fresh = tmp_path / "fresh.duckdb"
    _build(capsys, local, fresh, "--full-refresh")
    assert _export(db, tmp_path / "added") == _export(fresh, tmp_path / "fresh")
    gone = sorted(local.glob("meta_*"))[0]
    gone.unlink()
    err = _build(capsys, local, db)
    assert f"removed {gone.name}" in err and "read no raw file" in err, err
    assert not _rows(db, f"select 1 from int_items_tokenized where source_file = '{gone.name}'")
    fresh_again = tmp_path / "fresh_again.duckdb"
    _build(capsys, local, fresh_again, "--full-refresh")
    assert _export(db, tmp_path / "removed") == _export(fresh_again, tmp_path / "fresh_again")


def test_plain_dbt_build_keeps_the_incremental_models_right(
    capsys: pytest.CaptureFixture[str], raw: Path, tmp_path: Path
) -> None:
    """`dbt build` without pricer on a built file: after a raw file and an item rule changed,
    the incremental models hold what a fresh build with those inputs holds."""
    local = _copy_raw(raw, tmp_path / "raw")
    db = tmp_path / "pricer.duckdb"
    _build(capsys, local, db)
    first = sorted(local.glob("meta_*"))[0]
    first.write_bytes(first.read_bytes() + b'{"title": "late", "price": 3}\n')
    plain = tmp_path / "plain.duckdb"
    plain.write_bytes(db.read_bytes())
    dbt_vars = {
        "raw_dir": str(local.resolve()),
        "train_size": 300,
        "test_size": 50,
        "min_chars": 400,
    }
    run_dbt(["build", "--vars", json.dumps(dbt_vars)], dbt_env(plain, 2))
    fresh = tmp_path / "fresh.duckdb"
    _build(capsys, local, fresh, "--set", "min_chars=400", "--full-refresh")
    con = duckdb.connect()
    try:
        con.sql(f"attach '{plain}' as plain (read_only)")
        con.sql(f"attach '{fresh}' as fresh (read_only)")
        for table in ("stg_meta__rows", "int_items_tokenized", "sampled_items"):
            # DuckDB's set operations treat NaN prices as equal, unlike Python's ==
            differ = con.sql(
                f"select count(*) from ((from plain.{table} except all from fresh.{table}) "
                f"union all (from fresh.{table} except all from plain.{table}))"
            ).fetchall()[0][0]
            rows = con.sql(f"select count(*) from fresh.{table}").fetchall()[0][0]
            assert differ == 0 and rows > 0, (table, differ, rows)
    finally:
        con.close()


def test_a_file_and_a_staging_knob_changed_together_read_every_file(
    capsys: pytest.CaptureFixture[str], raw: Path, tmp_path: Path
) -> None:
    """A staging knob makes every file's rows stale, so the rebuild must not be told to scan
    the changed file alone: it reads every file and equals a fresh build."""
    local = _copy_raw(raw, tmp_path / "raw")
    db = tmp_path / "pricer.duckdb"
    _build(capsys, local, db)
    first = sorted(local.glob("meta_*"))[0]
    first.write_bytes(first.read_bytes() + b'{"title": "late", "price": 3}\n')
    err = _build(capsys, local, db, "--set", "min_price=2")
    assert f"changed {first.name}" in err and "read every raw file" in err, err
    fresh = tmp_path / "fresh.duckdb"
    _build(capsys, local, fresh, "--set", "min_price=2", "--full-refresh")
    assert _export(db, tmp_path / "inc") == _export(fresh, tmp_path / "fresh")


def test_a_weight_change_reparses_only_the_seed_and_equals_a_fresh_build(
    capsys: pytest.CaptureFixture[str],
    raw: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A new weight in seeds/categories.csv: only what follows the items runs, dbt parses
    only the seed again (on the last build's parse), and the exports are a fresh build's."""
    project = copy_project(tmp_path / "project")
    monkeypatch.setenv("PRICER_PROJECT_DIR", str(project))
    capped = ("--set", "slot_cap=5")  # weights decide the sample only in capped slots
    db = tmp_path / "pricer.duckdb"
    _build(capsys, raw, db, *capped)
    before = _export(db, tmp_path / "before")
    seed = project / "seeds" / "categories.csv"
    text = seed.read_text(encoding="utf-8")
    assert "\nAutomotive,1\n" in text
    seed.write_text(text.replace("\nAutomotive,1\n", "\nAutomotive,40\n"), encoding="utf-8")
    err = _build(capsys, raw, db, *capped)
    assert "seeds changed: categories" in err and "stg_meta__rows" not in err, err
    assert "dbt parsed only what changed" in err, err
    fresh = tmp_path / "fresh.duckdb"
    _build(capsys, raw, fresh, *capped, "--full-refresh")
    after = _export(db, tmp_path / "after")
    assert after == _export(fresh, tmp_path / "fresh")
    assert after != before  # the weight reached the sample


def test_a_rebuild_gets_duckdbs_larger_checkpoint_threshold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """checkpoint_env reaches DuckDB through the project's plugin; a full build keeps the
    default."""
    from dbt.cli.main import dbtRunner

    from pricer.build import CHECKPOINT_ENV, _release_duckdb, checkpoint_env
    from pricer.knobs import project_dir

    monkeypatch.delenv(CHECKPOINT_ENV, raising=False)
    assert checkpoint_env(full=True) == {}

    def setting(env: dict[str, str]) -> str:
        monkeypatch.delenv(CHECKPOINT_ENV, raising=False)
        for name, value in {**dbt_env(tmp_path / "x.duckdb", 1), **env}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
        monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))
        project = str(project_dir())
        sql = "select current_setting('checkpoint_threshold') as t"
        result = dbtRunner().invoke(
            [
                "show",
                "--inline",
                sql,
                "--project-dir",
                project,
                "--profiles-dir",
                project,
                "-q",
                "--vars",
                json.dumps({"raw_dir": str(tmp_path)}),
            ]
        )
        _release_duckdb()  # the next invocation opens DuckDB with its own settings
        assert result.success, result.exception
        return result.result.results[0].agate_table.rows[0][0]

    assert setting(checkpoint_env(full=False)) == "1.0 GiB"
    assert setting({}) == "16.0 MiB"
    monkeypatch.setenv(CHECKPOINT_ENV, "64MB")
    assert checkpoint_env(full=False) == {}


def test_a_bad_checkpoint_threshold_is_one_line_naming_the_variable(
    capsys: pytest.CaptureFixture[str], raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRICER_CHECKPOINT_THRESHOLD", "bogus")
    assert main(["build", "--raw", str(raw), "--db", str(tmp_path / "p.duckdb"), *BASE]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "PRICER_CHECKPOINT_THRESHOLD='bogus'" in err[0], err
