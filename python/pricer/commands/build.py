"""`pricer build --raw DIR`: run the dbt project (stage, curate, tokenize, sample)."""

from __future__ import annotations

import argparse
from pathlib import Path

from pricer import knobs
from pricer.build import DEFAULT_DB, ENGINES, build, print_summary
from pricer.errors import UsageError

HELP = """Run `dbt build` on a folder of raw meta_<Category>.jsonl[.gz] files.

Stages every raw line (or rejects it with a reason), applies the course's item rules,
tokenizes, computes slots and the sample, and runs every dbt data test. Knobs are the
dbt vars of dbt_project.yml; override any of them with --set KNOB=VALUE."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "build",
        help="run the dbt project on a raw folder",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--raw",
        type=Path,
        required=True,
        metavar="DIR",
        help="folder of meta_<Category>.jsonl or .jsonl.gz files",
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=DEFAULT_DB,
        metavar="PATH",
        help=f"DuckDB file to build (default: {DEFAULT_DB})",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=2,
        metavar="N",
        help="DuckDB threads and tokenizer workers (default: 2)",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KNOB=VALUE",
        help="override a knob (repeatable), e.g. --set slot_cap=300",
    )
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="duckdb",
        help="duckdb (default) or spark: the same models on a local Spark session "
        "(needs pip install -e '.[spark]' and Java 17; README, Running on Spark). With spark, "
        "--db is a DuckDB file of views over the Parquet tables Spark writes (default: "
        "SPARK_DIR/pricer.duckdb), and --threads the cores of local[N]",
    )
    parser.add_argument(
        "--master",
        metavar="URL",
        default=None,
        help="with --engine spark: the Spark master, e.g. spark://host:7077 for a standalone "
        "cluster (default: spark.master of profiles.yml's spark target, local[--threads])",
    )
    parser.add_argument(
        "--spark-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="with --engine spark: warehouse, metastore and temp files (default: data/spark)",
    )
    parser.add_argument(
        "--select", metavar="SELECTOR", help="dbt node selection, e.g. +items (default: everything)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.threads < 1:
        raise UsageError(f"--threads must be >= 1, got {args.threads}")
    if args.master and args.engine != "spark":
        raise UsageError("--master needs --engine spark")
    overrides = knobs.parse_overrides(args.overrides)
    db = args.db
    if args.engine == "spark" and db == DEFAULT_DB:
        db = (args.spark_dir or Path("data/spark")) / "pricer.duckdb"
    result = build(
        args.raw,
        db,
        args.threads,
        overrides,
        args.select,
        engine=args.engine,
        spark_dir=args.spark_dir,
        master=args.master,
    )
    print_summary(result)
    return 0
