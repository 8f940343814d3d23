"""`pricer build --engine spark --master spark://...` on a real Spark standalone cluster (issue 19).

A master and two one-core workers run on 127.0.0.1 from the installed pyspark's own classes
(tests/spark_standalone.py). The executors' Python workers run an interpreter that has pricer's
dependencies but NOT pricer (a bare venv whose .pth points at .venv's site-packages), so the
build works only if the session ships pricer to them (SparkContext.addPyFile). On 10,000
generated rows the build must: run tasks on both workers (the build's Spark event log, per
executor; executor -> worker from the workers' executor directories), and give the same tables
and byte-identical exports as a DuckDB build. Then: a worker Python without pricer's
dependencies fails with one line, and a worker killed during staging never leaves a
mislabelled database. The cluster is stopped whatever happens (process groups killed in a
finally, and at exit). Needs Java 17 and pyspark, which scripts/install_spark.sh installs.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import sysconfig
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from spark_standalone import (
    Cluster,
    java_available,
    read_event_log,
    standalone_cluster,
    tasks_per_worker,
)
from test_spark_parity import COMPARED, KNOBS, ROOT, ROWS

PRICER = Path(sys.executable).parent / "pricer"

# Skipped only without Java (scripts/install_spark.sh installs it where apt can); a missing
# pyspark is a failure, as in the local parity test.
pytestmark = pytest.mark.skipif(
    not java_available(), reason="no Java on PATH or in JAVA_HOME: bash scripts/install_spark.sh"
)


def _env(work: Path, python: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYSPARK_PYTHON": str(python),
        "PYTHONUNBUFFERED": "1",
        "DBT_TARGET_PATH": str(work / "dbt-target"),
        "DBT_LOG_PATH": str(work / "dbt-logs"),
    }


def _run(args: list[object], log: Path, env: dict[str, str] | None = None) -> None:
    with open(log, "wb") as out:
        done = subprocess.run(
            [str(a) for a in args],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            check=False,
        )
    if done.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-4000:]
        pytest.fail(f"{args[1]} failed ({done.returncode}):\n{tail}")


def _venv(path: Path, site_packages: str | None) -> Path:
    """A venv without pip; with `site_packages`, a .pth that puts that folder on its path
    (its own .pth files, pricer's editable install among them, are not read)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    if site_packages:
        purelib = Path(
            sysconfig.get_paths(vars={"base": str(path), "platbase": str(path)})["purelib"]
        )
        (purelib / "pricer_deps.pth").write_text(site_packages + "\n", encoding="utf-8")
    return path / "bin" / "python"


# What Java and Spark print on stderr whenever a session starts (the JVM's notice for the
# vector module Spark 4 adds; Spark's shell greeting, printed before its log settings load).
JVM_NOTICES = (
    "WARNING: Using incubator modules: jdk.incubator.vector",
    'Setting default log level to "WARN".',
    "To adjust logging level use sc.setLogLevel(newLevel).",
)


def _one_error_line(stderr: str) -> str:
    """pricer's error line, which must be all of stderr but Java's start-up notices."""
    lines = [line for line in stderr.strip().splitlines() if not line.startswith(JVM_NOTICES)]
    assert len(lines) == 1 and lines[0].startswith("pricer build: error:"), stderr
    return lines[0]


def _imports(python: Path, module: str) -> bool:
    done = subprocess.run([str(python), "-c", f"import {module}"], capture_output=True)
    return done.returncode == 0


@dataclass
class Inputs:
    """The generated rows, their DuckDB build and export, and the executors' Python."""

    work: Path
    raw: Path
    duckdb: Path
    worker_python: Path


@dataclass
class Builds(Inputs):
    spark: Path
    spark_dir: Path
    per_worker: dict[str, int]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with standalone_cluster(tmp_path_factory.mktemp("cluster"), workers=2, cores=1) as running:
        yield running


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    work = tmp_path_factory.mktemp("cluster-builds")
    worker_python = _venv(work / "worker-venv", sysconfig.get_paths()["purelib"])
    assert _imports(worker_python, "pandas") and _imports(worker_python, "pyarrow")
    assert not _imports(worker_python, "pricer"), "the workers' Python must not have pricer"
    raw = work / "raw"
    _run([PRICER, "generate", raw, "--rows", ROWS, "--seed", 11, "--bad", 0.01], work / "g.log")
    duck_db = work / "duckdb.duckdb"
    _run([PRICER, "build", "--raw", raw, "--db", duck_db, *KNOBS], work / "duckdb.log")
    _run([PRICER, "export", "--db", duck_db, "--out", work / "out-duckdb"], work / "x.log")
    return Inputs(work, raw, duck_db, worker_python)


@pytest.fixture(scope="module")
def builds(cluster: Cluster, inputs: Inputs) -> Builds:
    work = inputs.work
    spark_dir = work / "spark"
    spark_db = spark_dir / "pricer.duckdb"
    build = [PRICER, "build", "--engine", "spark", "--master", cluster.url, "--raw", inputs.raw]
    started = time.perf_counter()
    _run(
        [*build, "--spark-dir", spark_dir, "--db", spark_db, *KNOBS],
        work / "spark.log",
        _env(work, inputs.worker_python),
    )
    print(f"cluster build of {ROWS:,} rows: {time.perf_counter() - started:.0f}s")
    _run([PRICER, "export", "--db", spark_db, "--out", work / "out-spark"], work / "x.log")
    per_worker = tasks_per_worker(cluster, read_event_log(spark_dir / "events"))
    print(f"tasks per worker: {per_worker}")
    return Builds(
        inputs.work,
        inputs.raw,
        inputs.duckdb,
        inputs.worker_python,
        spark_db,
        spark_dir,
        per_worker,
    )


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.sql(sql).fetchall()[0][0])


def _differences(left: Path, right: Path, tables: list[tuple[str, str]]) -> dict[str, tuple]:
    """Per table: (rows only in left, rows only in right, row count difference), EXCEPT ALL."""
    con = duckdb.connect()
    con.execute(f"attach '{left}' as a (read_only)")
    con.execute(f"attach '{right}' as b (read_only)")
    found = {}
    for table, columns in tables:
        rows = _count(con, f"select count(*) from a.{table}")
        only = [
            _count(
                con,
                f"select count(*) from (select {columns} from {x}.{table} "
                f"except all select {columns} from {y}.{table})",
            )
            for x, y in (("a", "b"), ("b", "a"))
        ]
        other = _count(con, f"select count(*) from b.{table}")
        print(f"{table}: {rows:,} rows on DuckDB, {other:,} on the cluster; only {only}")
        assert rows > 0, f"{table} is empty: the comparison would prove nothing"
        found[table] = (only[0], only[1], rows - other)
    return found


def test_tasks_ran_on_both_workers(builds: Builds, cluster: Cluster) -> None:
    print(f"tasks per worker: {builds.per_worker}")
    assert set(builds.per_worker) == {w.name for w in cluster.workers}, builds.per_worker
    assert all(n > 0 for n in builds.per_worker.values()), builds.per_worker
    # The master saw the application finish with the cores of both workers.
    apps = cluster.master_json()["completedapps"]
    assert any(app["cores"] == 2 for app in apps), apps


def test_pricer_reached_the_executors_as_the_shipped_zip(builds: Builds, cluster: Cluster) -> None:
    """Every executor fetched pricer.zip, and it is this checkout's package (the executors'
    Python has no other pricer: the fixture checked)."""
    import zipfile

    source = (ROOT / "python" / "pricer" / "spark.py").read_bytes()
    fetched = []
    for worker in cluster.workers:
        assert worker.work_dir is not None
        for shipped in worker.work_dir.glob("app-*/*/pricer.zip"):
            with zipfile.ZipFile(shipped) as archive:
                assert archive.read("pricer/spark.py") == source
            fetched.append(f"{worker.name}:{shipped.parent.name}")
    print(f"pricer.zip fetched by executors {fetched}")
    assert {f.split(":")[0] for f in fetched} == {w.name for w in cluster.workers}


def test_marts_are_equal_to_a_duckdb_build(builds: Builds) -> None:
    differences = _differences(builds.duckdb, builds.spark, COMPARED)
    assert all(d == (0, 0, 0) for d in differences.values()), differences


def test_exports_are_byte_identical(builds: Builds) -> None:
    for name in (  # the export's Hub layout (issue 17)
        "data/train-00000-of-00001.parquet",
        "data/test-00000-of-00001.parquet",
        "items/items-00000-of-00001.parquet",
    ):
        digests = {
            engine: hashlib.sha256((builds.work / f"out-{engine}" / name).read_bytes()).hexdigest()
            for engine in ("duckdb", "spark")
        }
        print(f"{name}: {digests['duckdb'][:16]} (DuckDB) {digests['spark'][:16]} (cluster)")
        assert digests["duckdb"] == digests["spark"], name


def test_workers_without_pricers_dependencies_fail_with_one_line(
    builds: Builds, cluster: Cluster
) -> None:
    """The executors' Python is a bare venv (no pandas, no pyarrow): the build stops before dbt
    with one line on stderr naming the missing module and the setting, exit code 1."""
    work = builds.work / "bare"
    bare = _venv(work / "bare-venv", None)
    done = subprocess.run(
        [
            str(a)
            for a in [
                PRICER,
                "build",
                "--engine",
                "spark",
                "--master",
                cluster.url,
                "--raw",
                builds.raw,
                "--spark-dir",
                work / "spark",
                *KNOBS,
            ]
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=_env(work, bare),
        check=False,
    )
    print(f"exit {done.returncode}; stderr: {done.stderr.strip()}")
    assert done.returncode == 1
    line = _one_error_line(done.stderr)
    assert line.startswith("pricer build: error: Spark's executors on spark://"), line
    assert "No module named" in line and str(bare) in line, line
    assert not (work / "spark" / "pricer.duckdb").exists()


def test_a_worker_killed_during_staging_leaves_no_mislabelled_database(
    inputs: Inputs, cluster: Cluster
) -> None:
    """Worker 2's process group (its JVM, its executor, their Python workers) is SIGKILLed two
    seconds after dbt starts the first staging model, while its tasks (one raw file each) run
    on both workers. The build either finishes on worker 1 with the same tables as DuckDB, or
    fails with one clear line and no views file; a stale views file at --db from an earlier
    build is never left behind to be read as this one."""
    work = inputs.work / "killed"
    spark_dir = work / "spark"
    db = work / "pricer.duckdb"
    work.mkdir()
    duckdb.connect(str(db)).execute("create table stale_build as select 1 as x").close()
    victim = cluster.workers[1]
    command = [
        PRICER,
        "build",
        "--engine",
        "spark",
        "--master",
        cluster.url,
        "--raw",
        inputs.raw,
        "--spark-dir",
        spark_dir,
        "--db",
        db,
        *KNOBS,
        "--verbose",  # dbt's log on stdout: its START lines tell when staging begins
    ]
    output: list[str] = []
    killed_at: list[int] = []  # index in output when the worker was killed
    process = subprocess.Popen(
        [str(a) for a in command],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(work, inputs.worker_python),
    )
    errors: list[str] = []
    reader = threading.Thread(target=lambda: errors.extend(process.stderr or []), daemon=True)
    reader.start()
    try:
        for line in process.stdout or []:
            output.append(line)
            if not killed_at and "START sql table model" in line and "stg_meta__lines" in line:
                time.sleep(2.0)
                victim.kill()
                killed_at.append(len(output))
        returncode = process.wait(timeout=1800)
    finally:
        if process.poll() is None:
            process.kill()
    reader.join(timeout=10)
    (work / "build.log").write_text("".join(output) + "".join(errors), encoding="utf-8")
    assert killed_at, "dbt never started stg_meta__lines: the worker was not killed"
    staged_before_kill = any(
        "OK created" in x and "stg_meta__rows" in x for x in output[: killed_at[0]]
    )
    assert not staged_before_kill, "staging was over before the worker was killed"
    log = read_event_log(spark_dir / "events")
    where = cluster.executor_workers()
    lost = [e for e in log.removed if where.get(f"{log.app_id}/{e}") == victim.name]
    print(
        f"killed {victim.name} during stg_meta__lines; exit {returncode}; executors removed "
        f"{log.removed}; tasks that did not succeed {log.failed}; succeeded per worker "
        f"{tasks_per_worker(cluster, log)}"
    )
    assert lost, f"the event log does not show {victim.name}'s executor lost: {log.removed}"
    if returncode == 0:
        assert "Completed successfully" in "".join(output[killed_at[0] :])
        differences = _differences(inputs.duckdb, db, COMPARED)
        assert all(d == (0, 0, 0) for d in differences.values()), differences
        with duckdb.connect(str(db), read_only=True) as con:
            tables = {r[0] for r in con.sql("show tables").fetchall()}
        assert "stale_build" not in tables, "the stale views file was left in place"
    else:
        assert returncode == 1
        print(f"one line: {_one_error_line(''.join(errors))}")
        assert not db.exists(), "a failed build left a views file"
