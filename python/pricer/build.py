"""`pricer build`: run the dbt project on a raw folder with knob overrides."""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from pricer import knobs
from pricer.errors import PricerError, UsageError
from pricer.raw import find_raw_files

DEFAULT_DB = Path("data/pricer.duckdb")
ENGINES = ("duckdb", "spark")


@dataclass
class BuildResult:
    db_path: Path
    seconds: float
    raw_rows: int = 0
    rejects: dict[str, int] = field(default_factory=dict)
    items: int = 0
    sampled: int = 0
    duplicate_groups: dict[str, int] = field(default_factory=dict)
    dedup_dropped: int = 0
    leaked_test_items: int = 0

    @property
    def items_per_second(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0


def dbt_env(db_path: Path, threads: int) -> dict[str, str]:
    """Environment that profiles.yml reads: the DuckDB file and its thread count."""
    return {"PRICER_DB": str(db_path), "PRICER_THREADS": str(threads)}


def run_dbt(args: list[str], env: dict[str, str]) -> None:
    """Run dbt in this process (so Python models' progress reaches this terminal)."""
    from dbt.cli.main import dbtRunner

    project = knobs.project_dir()
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        result = dbtRunner().invoke(
            [*args, "--project-dir", str(project), "--profiles-dir", str(project)]
        )
    finally:
        _release_duckdb()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    if result.exception is not None:
        raise PricerError(f"dbt {args[0]} could not run: {result.exception}")
    if not result.success:
        failed = [
            f"{r.node.name} ({r.status})"
            for r in (result.result or [])
            if str(r.status) in ("error", "fail", "runtime error")
        ]
        shown = ", ".join(failed[:5]) + (" ..." if len(failed) > 5 else "")
        raise PricerError(f"dbt {args[0]} failed: {shown or 'see the dbt output above'}")


def _release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process after a run, so the
    file can be opened again (read-only, or by the next run with other settings)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    env = DuckDBConnectionManager._ENV
    if env is not None:
        env.close()
    DuckDBConnectionManager.close_all_connections()


def build(
    raw_dir: Path,
    db_path: Path = DEFAULT_DB,
    threads: int = 2,
    overrides: dict[str, Any] | None = None,
    select: str | None = None,
    exclude: str | None = None,
    check_split: bool = True,
    engine: str = "duckdb",
    spark_dir: Path | None = None,
    master: str | None = None,
) -> BuildResult:
    """Validate the inputs, run `dbt build` and summarise what it made.

    engine "spark" runs the same project on a Spark session (pricer.spark; `master`, else
    local[threads]) and leaves at `db_path` a DuckDB file of views over the Parquet tables
    Spark wrote."""
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r} (known: {', '.join(ENGINES)})")
    raw_dir = raw_dir.resolve()
    find_raw_files(raw_dir, [c.name for c in knobs.categories()])
    db_path = db_path.resolve()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    dbt_vars = {**(overrides or {}), "raw_dir": str(raw_dir)}
    args = ["build", "--vars", json.dumps(dbt_vars)]
    if select:
        args += ["--select", select]
    if exclude:
        args += ["--exclude", exclude]
    started = time.perf_counter()
    if engine == "spark":
        _build_on_spark(args, raw_dir, dbt_vars, db_path, threads, spark_dir, master)
    else:
        run_dbt(args, dbt_env(db_path, threads))
    result = BuildResult(db_path=db_path, seconds=time.perf_counter() - started)
    summarise(result)
    if check_split and not select and not exclude:
        from pricer.export import build_knobs, check_split_sizes, open_build

        with open_build(db_path) as con:
            check_split_sizes(con, build_knobs(con))
    return result


def _build_on_spark(
    args: list[str],
    raw_dir: Path,
    dbt_vars: dict[str, Any],
    db_path: Path,
    threads: int,
    spark_dir: Path | None,
    master: str | None = None,
) -> None:
    """`dbt build --target spark` in this process, after registering on the Spark session
    what the project's Spark models read (pricer.spark)."""
    from pricer import spark

    env = spark.spark_env(spark_dir or spark.DEFAULT_SPARK_DIR)
    env["PRICER_SPARK_THREADS"] = str(threads)
    if master:
        env["PRICER_SPARK_MASTER"] = master
    # A failed build must not leave the previous build's views file to be read as this one.
    db_path.unlink(missing_ok=True)
    session = spark.get_session(env)
    spark.register_udfs(session, raw_dir, dbt_vars)
    # Unit tests pin the SQL macros with DuckDB-syntax fixtures; on Spark the DuckDB/Spark
    # parity test checks the same macros end to end.
    run_dbt([*args, "--target", "spark", "--exclude-resource-type", "unit_test"], env)
    spark.spark_views(env, db_path)


def summarise(result: BuildResult) -> None:
    """Fill the counts of a finished build from its DuckDB file."""
    with duckdb.connect(str(result.db_path), read_only=True) as con:
        tables = {
            row[0] for row in con.sql("select table_name from information_schema.tables").fetchall()
        }
        if "stg_meta__lines" in tables:
            result.raw_rows = con.sql("select count(*) from stg_meta__lines").fetchall()[0][0]
        if "rejects" in tables:
            result.rejects = dict(
                con.sql(
                    "select reason, count(*) from rejects group by 1 order by 2 desc"
                ).fetchall()
            )
        if "items" in tables:
            result.items = con.sql("select count(*) from items").fetchall()[0][0]
        if "sampled_items" in tables:
            result.sampled = con.sql("select count(*) from sampled_items").fetchall()[0][0]
        if "duplicate_groups" in tables:
            result.duplicate_groups = dict(
                con.sql("select match_kind, count(*) from duplicate_groups group by 1").fetchall()
            )
        if "dropped_duplicates" in tables:
            result.dedup_dropped = con.sql("select count(*) from dropped_duplicates").fetchall()[0][
                0
            ]
        if "leakage" in tables:
            result.leaked_test_items = con.sql("select count(*) from leakage").fetchall()[0][0]


def print_summary(result: BuildResult) -> None:
    rejected = sum(result.rejects.values())
    print(
        f"built {result.db_path} in {result.seconds:.1f}s: {result.raw_rows:,} raw rows, "
        f"{rejected:,} rejected, {result.items:,} items "
        f"({result.raw_rows / result.seconds if result.seconds else 0:,.0f} raw rows/s)",
        file=sys.stderr,
    )
    for reason, count in result.rejects.items():
        print(f"  rejected: {count:,} {reason}", file=sys.stderr)
    if result.duplicate_groups or result.sampled:
        print(
            f"  sampled {result.sampled:,}; duplicate groups: "
            f"{result.duplicate_groups.get('title', 0):,} by title, "
            f"{result.duplicate_groups.get('text', 0):,} by text; dropped by dedup: "
            f"{result.dedup_dropped:,}; test items with a train twin: "
            f"{result.leaked_test_items:,}",
            file=sys.stderr,
        )
