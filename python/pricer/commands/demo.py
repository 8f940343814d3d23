"""`pricer demo`: generate -> build -> export -> report, scaled to a few minutes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pricer.commands.generate import check_overwrite
from pricer.constants import DEFAULT_DB
from pricer.demo import demo
from pricer.errors import UsageError

HELP = """Run the whole pipeline on generated data, sized to finish in a few minutes on 2 cores:

  1. pricer generate RAW --rows N --seed S --bad F
  2. dbt build up to the sample, with slot_cap scaled by N / 8,284,738 real rows
  3. dbt build of the split and marts, with train/test sizes scaled to the sample
     in the course's proportions (400,000 + 2,000 of 408,635)
  4. pricer export to OUT, and the report OUT/report.html when available

With N of 8,284,738 (the real corpus) or more, steps 2 and 3 are one build with the course's
knobs as they are (slot_cap 1200, 400,000 + 2,000): the generator is calibrated to the
lecture's figures, so that run rehearses the course's own at full scale.

Prints the knobs it used and where every output is."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="generate, build, export and report in one command",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--rows",
        type=int,
        default=100_000,
        metavar="N",
        help="raw rows to generate (default: 100000)",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("out"), metavar="DIR", help="export folder (default: out)"
    )
    parser.add_argument(
        "--raw",
        type=Path,
        default=Path("data/default"),
        metavar="DIR",
        help="where the raw files are generated (default: data/default, "
        "the raw_dir of a plain `dbt build`)",
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=DEFAULT_DB,
        metavar="PATH",
        help=f"DuckDB file (default: {DEFAULT_DB})",
    )
    parser.add_argument("--seed", type=int, default=42, help="generator seed (default: 42)")
    parser.add_argument(
        "--bad",
        type=float,
        default=0.01,
        metavar="F",
        help="share of bad raw lines (default: 0.01)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=2,
        metavar="N",
        help="DuckDB threads and tokenizer workers (default: 2)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace meta_* files in --raw that the demo did not generate (default: refuse)",
    )
    parser.add_argument(
        "--verbose", action="store_true", help="print dbt's log on the terminal as it runs"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.rows < 100:
        raise UsageError(f"--rows must be at least 100, got {args.rows}")
    if args.threads < 1:
        raise UsageError(f"--threads must be >= 1, got {args.threads}")
    check_overwrite(
        args.raw,
        rows=args.rows,
        seed=args.seed,
        bad_fraction=args.bad,
        gzip=False,
        force=args.force,
    )
    result = demo(
        args.rows,
        args.out,
        args.raw,
        args.db,
        args.seed,
        args.bad,
        args.threads,
        verbose=args.verbose,
    )
    counts = result.export.counts
    knobs_used = ", ".join(f"{name}={value}" for name, value in result.vars.items()) or "none"
    lines = [
        f"demo: done in {result.seconds:.0f}s; knobs set: {knobs_used} (others default)",
        f"  raw rows {counts['raw_rows']:,}, rejects {counts['rejects']:,}, "
        f"items {counts['items']:,}, sampled {counts['sampled']:,}, "
        f"train {counts['train']:,}, test {counts['test']:,}",
        f"  raw data:  {result.raw_dir}",
        f"  database:  {result.db_path}  (see README: Querying the results)",
        f"  export:    {result.out_dir}  (a Hub-shaped folder: README.md, data/, items/, "
        "__save_to_disk__/; load_dataset(OUT))",
    ]
    if result.report is not None:
        lines.append(f"  report:    {result.report}")
    print("\n".join(lines), file=sys.stderr)
    return 0
