"""Issue 15 (atomic and interrupted builds): a build that does not complete leaves the last
complete build byte for byte as it was, and export, report and upload refuse until a build
completes; a rebuild after any interruption exports byte-identical files."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pricer.cli import main
from pricer.generate import generate

ROWS = 2000
SEED = 11
KNOBS_A = ["--set", "train_size=300", "--set", "test_size=50"]
# new knobs for the interrupted rebuilds
KNOBS_B = ["--set", "slot_cap=3", "--set", "train_size=100", "--set", "test_size=20"]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1"}


def pricer(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pricer", *args],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=600,
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def exported(out: Path) -> dict[str, str]:
    """Every Parquet file of an export (the splits under data/, the items config)."""
    files = {str(path.relative_to(out)): digest(path) for path in sorted(out.rglob("*.parquet"))}
    assert any(name.startswith("data/train") for name in files), files
    return files


def refusal(capsys: pytest.CaptureFixture[str], args: list[str], *names: str) -> None:
    """`pricer ARGS` (in this process) exits 1 with one line on stderr naming every name."""
    capsys.readouterr()
    code = main(args)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 1, err
    assert len(lines) == 1 and "Traceback" not in err, err
    for name in names:
        assert name in lines[0], (name, lines[0])


def interrupted_build(
    raw: Path, db: Path, after_model: str | None, sig: int = signal.SIGKILL, while_running=None
) -> subprocess.Popen[str]:
    """Start `pricer build` with new knobs; send `sig` as soon as the progress line of
    `after_model` appears (None: as soon as dbt has started writing the new file)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "pricer", "build", "--raw", str(raw), "--db", str(db), *KNOBS_B],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    work = db.with_name(db.name + ".building") / "pricer.duckdb"
    assert proc.stdout is not None
    if after_model is None:
        deadline = time.monotonic() + 120
        while not work.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
    else:
        for line in proc.stdout:
            if f" {after_model} " in line:
                break
    assert proc.poll() is None, "the build ended before it could be interrupted"
    if while_running is not None:
        while_running()
    proc.send_signal(sig)
    proc.wait(timeout=120)
    return proc


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory):
    """Raw data; a reference build (knobs A) exported; a copy of it as the database under
    test, with its own export (the one upload would push)."""
    root = tmp_path_factory.mktemp("atomic")
    raw = root / "raw"
    generate(raw, rows=ROWS, seed=SEED, bad_fraction=0.01, progress=False)
    ref = root / "ref.duckdb"
    done = pricer("build", "--raw", str(raw), "--db", str(ref), *KNOBS_A)
    assert done.returncode == 0, done.stderr
    assert pricer("export", "--db", str(ref), "--out", str(root / "ref_out")).returncode == 0
    db = root / "db" / "pricer.duckdb"
    db.parent.mkdir()
    shutil.copyfile(ref, db)
    assert pricer("export", "--db", str(db), "--out", str(root / "db_out")).returncode == 0
    return root, raw, db


def assert_last_complete_build_kept(capsys, root: Path, db: Path, before: str) -> None:
    """The published file is unchanged, and the three readers refuse it in one line."""
    assert digest(db) == before
    leftover = str(db.with_name(db.name + ".building"))
    refusal(capsys, ["export", "--db", str(db), "--out", str(root / "x_out")], "did not complete",
            leftover, "pricer build")  # fmt: skip
    assert not (root / "x_out").exists()
    refusal(capsys, ["report", "--db", str(db), "--out", str(root / "x.html")], "did not complete")
    refusal(
        capsys,
        ["upload", "--repo-id", "someone/data", "--out", str(root / "db_out"), "--dry-run"],
        "did not complete",
        str(db),
    )


def test_interrupted_builds_leave_the_last_complete_build(setup, capsys) -> None:
    root, raw, db = setup
    before = digest(db)
    # SIGKILL early (dbt just opened the new file), mid-staging (stg_meta__rows running),
    # mid-sampling (int_items_sampled running) and during tests (items' tests running)
    for point in (None, "stg_meta__lines", "int_items_weighted", "items"):
        proc = interrupted_build(raw, db, point)
        assert proc.returncode == -signal.SIGKILL
        assert_last_complete_build_kept(capsys, root, db, before)

    # Ctrl-C mid-staging: exit 130 and one line; meanwhile a second build is refused
    def second_build() -> None:
        refusal(capsys, ["build", "--raw", str(raw), "--db", str(db)], "another build", str(db))

    proc = interrupted_build(raw, db, "stg_meta__lines", signal.SIGINT, second_build)
    assert proc.returncode == 130, proc.stderr.read() if proc.stderr else ""
    err = [line for line in proc.stderr.read().splitlines() if line.strip()]  # type: ignore[union-attr]
    assert err == [f"pricer build: interrupted: the last complete build in {db} is unchanged"]
    assert_last_complete_build_kept(capsys, root, db, before)

    # a full disk: no file of the build may grow past 3 MB (the DuckDB file needs ~5.5 MB);
    # dbt's log starts empty so that only the database hits the limit
    def small_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (3_000_000, 3_000_000))

    full = subprocess.run(
        [sys.executable, "-m", "pricer", "build", "--raw", str(raw), "--db", str(db), *KNOBS_B],
        capture_output=True, text=True, preexec_fn=small_disk, timeout=600,
        env={**_env(), "DBT_LOG_PATH": str(root / "full_disk_logs")},
    )  # fmt: skip
    lines = [line for line in full.stderr.splitlines() if line.strip()]
    assert full.returncode == 1 and len(lines) == 1, full.stderr
    assert f"the last complete build in {db} is unchanged" in lines[0]
    assert_last_complete_build_kept(capsys, root, db, before)

    # then a rebuild with the reference's knobs: byte-identical exports
    done = pricer("build", "--raw", str(raw), "--db", str(db), *KNOBS_A)
    assert done.returncode == 0, done.stderr
    assert not db.with_name(db.name + ".building").exists()
    assert pricer("export", "--db", str(db), "--out", str(root / "re_out")).returncode == 0
    assert exported(root / "re_out") == exported(root / "ref_out")
    manifest = json.loads((root / "re_out" / "manifest.json").read_text())
    reference = json.loads((root / "ref_out" / "manifest.json").read_text())
    assert manifest["knobs"] == reference["knobs"] and manifest["counts"] == reference["counts"]
    assert manifest["build"]["build_id"] != reference["build"]["build_id"]


def test_a_database_without_completion_record_is_refused(setup, tmp_path: Path, capsys) -> None:
    """What a plain `dbt build` (or an older pricer) leaves: the tables but no record."""
    import duckdb

    _, _, db = setup
    copy = tmp_path / "plain.duckdb"
    shutil.copyfile(db, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("drop table pricer_build_record")
    refusal(
        capsys, ["export", "--db", str(copy), "--out", str(tmp_path / "o")], "no completed build"
    )
