"""`pricer build --raw DIR`: run the dbt project (stage, curate, tokenize, sample)."""

from __future__ import annotations

import argparse
from pathlib import Path

from pricer import knobs
from pricer.build import ENGINES, build, print_summary
from pricer.constants import DEFAULT_DB, DEFAULT_SPARK_DIR
from pricer.errors import UsageError

HELP = """Run `dbt build` on a folder of raw meta_<Category>.jsonl[.gz] files.

Stages every raw line (or rejects it with a reason), applies the course's item rules,
tokenizes, computes slots and the sample, and runs every dbt data test. Knobs are the
dbt vars of dbt_project.yml; override any of them with --set KNOB=VALUE:

  --set slot_cap=300                     numbers as typed
  --set 'price_prefix=It sells for USD ' text as typed, spaces kept
  --set 'details_removals=["Item", ":"]' a list knob takes a JSON list of strings
  --set tokenizer=/path/tokenizer.json   a local file or folder (must exist), or a hub name
                                         owner/name (downloaded on first use: needs a network)

Every value is checked (type, bounds, allowed values: vars.knob_rules of dbt_project.yml)
before dbt starts.

The build is atomic: dbt writes DB.building/pricer.duckdb, and only a build whose every
model, test and split check passed replaces DB (os.replace, after fsync). An interrupted or
failed build (Ctrl-C, SIGKILL, a full disk) leaves DB as the last complete build wrote it;
export, report and upload refuse until a build completes.

Incremental: the build records its inputs (knobs, a hash of each seed, each raw file's
size and mtime, a hash of the models and macros). The next build runs only the models that
read what changed and everything after them, in a copy of the last build (a sampling or
split knob: the models after the items; an item rule or the tokenizer: from that rule on);
with nothing changed it says so and runs nothing; a changed, new or removed raw file, or a
code change, rebuilds everything. --full-refresh rebuilds everything. The result equals a
fresh build's with the same inputs.

Output: one line per model, then the funnel (raw rows, rejects by reason, each rule's
survivors, items, sample, splits). dbt's own log goes to DBT_LOG_PATH/dbt.log (default
logs/dbt.log); --verbose shows it on the terminal too.

Memory: DuckDB's cap is PRICER_MEMORY_LIMIT (default 1500MB, 4GB for more than 8 GB of raw
files; it spills to disk past it), e.g. PRICER_MEMORY_LIMIT=8GB pricer build ... for very long
raw lines."""


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
        help="DuckDB threads and tokenizer workers (default: 2); dbt itself runs one model "
        "at a time (its log's 'Concurrency: 1 threads')",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KNOB=VALUE",
        help="override a knob (repeatable), e.g. --set slot_cap=300; a list knob takes "
        "JSON: --set 'details_removals=[\"Item\"]'",
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
        help="with --engine spark: warehouse, metastore and temp files "
        f"(default: {DEFAULT_SPARK_DIR})",
    )
    parser.add_argument(
        "--select",
        metavar="SELECTOR",
        help="dbt node selection, e.g. +items (default: everything); a selected build "
        "starts from a copy of the last build and is published as partial, which export, "
        "report and upload refuse",
    )
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild everything; by default a build runs only what changed since the last "
        "complete build (knobs, seeds/categories.csv, raw files, the project's code), and "
        "nothing when nothing did",
    )
    parser.add_argument(
        "--verbose", action="store_true", help="print dbt's log on the terminal as it runs"
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
        db = (args.spark_dir or DEFAULT_SPARK_DIR) / "pricer.duckdb"
    result = build(
        args.raw,
        db,
        args.threads,
        overrides,
        args.select,
        engine=args.engine,
        spark_dir=args.spark_dir,
        verbose=args.verbose,
        full_refresh=args.full_refresh,
        master=args.master,
    )
    print_summary(result)
    return 0
