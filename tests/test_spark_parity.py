"""The same generated data built on DuckDB and on Spark gives the same results (issue 8).

Both builds run `pricer build` as a subprocess on 10,000 generated rows with every edge case
and 1% bad lines of every kind, with a slot cap small enough that sampling cuts slots. The
Spark build's tables are Parquet files that DuckDB reads through the views file pricer writes,
so one DuckDB connection compares both builds row by row (EXCEPT ALL both ways: duplicates
count). Needs pyspark (pip install -e '.[spark]') and Java 17, which scripts/test.sh installs.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
PRICER = Path(sys.executable).parent / "pricer"
ROWS = 10_000
KNOBS = ["--set", "slot_cap=4", "--set", "train_size=300", "--set", "test_size=40"]

# (table, columns compared): every column a user reads from these marts.
COMPARED = [
    (
        "items",
        "item_key, category, source_file, line_number, parent_asin, title, price, slot, "
        "prompt, test_prompt, token_count",
    ),
    ("rejects", "source_file, category, line_number, reason, detail"),
    (
        "sampled_items",
        "item_key, category, source_file, line_number, price, slot, token_count, "
        "cast(slot_rank as bigint), split, cast(split_rank as bigint)",
    ),
    ("int_items_weighted", "item_key, category, slot, weight"),
    ("duplicate_groups", "match_kind, group_key, cast(items as bigint), item_keys"),
    ("slot_category_counts", "*"),
    ("category_counts", "*"),
]


def _run(args: list[object], log: Path) -> None:
    with open(log, "wb") as out:
        done = subprocess.run(
            [str(a) for a in args], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, check=False
        )
    if done.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-4000:]
        pytest.fail(f"{args[1]} failed ({done.returncode}):\n{tail}")


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("engines")
    raw = work / "raw"
    _run([PRICER, "generate", raw, "--rows", ROWS, "--seed", 11, "--bad", 0.01], work / "g.log")
    duck_db = work / "duckdb.duckdb"
    spark_db = work / "spark" / "pricer.duckdb"
    _run([PRICER, "build", "--raw", raw, "--db", duck_db, *KNOBS], work / "duckdb.log")
    _run(
        [
            PRICER,
            "build",
            "--engine",
            "spark",
            "--raw",
            raw,
            "--spark-dir",
            work / "spark",
            "--db",
            spark_db,
            *KNOBS,
        ],
        work / "spark.log",
    )
    for engine, db in (("duckdb", duck_db), ("spark", spark_db)):
        _run([PRICER, "export", "--db", db, "--out", work / f"out-{engine}"], work / "x.log")
    _run([PRICER, "report", "--db", spark_db, "--out", work / "spark.html"], work / "r.log")
    return {"raw": raw, "duckdb": duck_db, "spark": spark_db, "work": work}


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.sql(sql).fetchall()[0][0])


def test_marts_are_equal_on_both_engines(two_builds: dict[str, Path]) -> None:
    con = duckdb.connect()
    con.execute(f"attach '{two_builds['duckdb']}' as duck (read_only)")
    con.execute(f"attach '{two_builds['spark']}' as spark (read_only)")
    differences = {}
    for table, columns in COMPARED:
        rows = _count(con, f"select count(*) from duck.{table}")
        only = {}
        for left, right in (("duck", "spark"), ("spark", "duck")):
            only[left] = _count(
                con,
                f"select count(*) from (select {columns} from {left}.{table} "
                f"except all select {columns} from {right}.{table})",
            )
        spark_rows = _count(con, f"select count(*) from spark.{table}")
        print(
            f"{table}: {rows:,} rows on DuckDB, {spark_rows:,} on Spark; "
            f"only on DuckDB {only['duck']}, only on Spark {only['spark']} ({columns})"
        )
        assert rows > 0, f"{table} is empty: the comparison would prove nothing"
        differences[table] = (only["duck"], only["spark"], rows - spark_rows)
    assert all(d == (0, 0, 0) for d in differences.values()), differences


def test_sampling_keys_agree_to_the_last_bits_of_ln(two_builds: dict[str, Path]) -> None:
    """u is exact on both engines (md5 hex, then doubles); -ln(u)/weight may differ by the
    last bit of ln (Java's Math.log vs DuckDB's), never more. Two keys of a slot would have to
    be that close for the engines to rank them differently."""
    con = duckdb.connect()
    con.execute(f"attach '{two_builds['duckdb']}' as duck (read_only)")
    con.execute(f"attach '{two_builds['spark']}' as spark (read_only)")
    items, differing, worst = con.sql(
        """
        select
            count(*),
            count(*) filter (where duck.sampling_key <> spark.sampling_key),
            max(abs(duck.sampling_key - spark.sampling_key) / duck.sampling_key)
        from duck.int_items_weighted as duck
        inner join spark.int_items_weighted as spark using (item_key)
        """
    ).fetchall()[0]
    print(f"sampling keys: {items:,} items, {differing:,} differ in the last bits, max {worst:.2e}")
    assert items > 0
    assert worst <= 4.5e-16  # 2 ulps of ln's result, relative


def test_the_comparison_covers_every_edge(two_builds: dict[str, Path]) -> None:
    """The data compared holds every kind of bad line and a sample that cuts slots."""
    manifest = json.loads((two_builds["raw"] / "_generated.json").read_text(encoding="utf-8"))
    planted = {
        (name, line)
        for name, per_file in manifest["files"].items()
        for lines in per_file["bad"].values()
        for line in lines
    }
    con = duckdb.connect(str(two_builds["spark"]), read_only=True)
    rejected = set(con.sql("select source_file, line_number from rejects").fetchall())
    reasons = {row[0] for row in con.sql("select distinct reason from rejects").fetchall()}
    items = _count(con, "select count(*) from items")
    sampled = _count(con, "select count(*) from sampled_items")
    print(f"planted bad lines {len(planted)}, reasons {sorted(reasons)}; {items} items, {sampled}")
    assert planted and planted <= rejected
    assert len(reasons) >= 9
    assert 0 < sampled < items


def test_exports_are_byte_identical(two_builds: dict[str, Path]) -> None:
    work = two_builds["work"]
    for name in (  # the export's Hub layout (issue 17)
        "data/train-00000-of-00001.parquet",
        "data/test-00000-of-00001.parquet",
        "items/items-00000-of-00001.parquet",
    ):
        digests = {
            engine: hashlib.sha256((work / f"out-{engine}" / name).read_bytes()).hexdigest()
            for engine in ("duckdb", "spark")
        }
        print(f"{name}: {digests['duckdb'][:16]} (DuckDB) {digests['spark'][:16]} (Spark)")
        assert digests["duckdb"] == digests["spark"], name


def test_the_report_reads_a_spark_build(two_builds: dict[str, Path]) -> None:
    html = (two_builds["work"] / "spark.html").read_text(encoding="utf-8")
    assert "<svg" in html and "Automotive" in html


def test_spark_state_stays_under_the_spark_dir(two_builds: dict[str, Path]) -> None:
    """Warehouse, metastore, temp files and derby.log under --spark-dir; nothing in the
    checkout (the builds ran with the checkout as working directory)."""
    spark_dir = two_builds["spark"].parent
    assert {"warehouse", "metastore_db", "tmp", "derby.log"} <= {
        p.name for p in spark_dir.iterdir()
    }
    for stray in ("spark-warehouse", "metastore_db", "derby.log"):
        assert not (ROOT / stray).exists(), stray
