"""`pricer report`: the lecture's charts and key numbers of a build as one offline HTML page."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pricer.constants import DEFAULT_DB

DEFAULT_OUT = Path("out/report.html")

HELP = """Render a finished build into one self-contained HTML page (rules 8) that opens offline:

  token counts of all items, prices of all items (log scale, the tail to $999),
  items per category; after sampling: prices, category bars and pie; prompt length
  against price; beside them raw rows, rejects by reason, items, sample, train and
  test, per-category shares before and after, and the knobs of the build.

Each chart is also written as OUT_DIR/charts/<name>.svg (the dataset card embeds them)."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="render the charts and key numbers of a build as one HTML page",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=DEFAULT_DB,
        metavar="PATH",
        help=f"DuckDB file of a finished build (default: {DEFAULT_DB})",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        metavar="FILE",
        help=f"HTML file to write; charts go to its folder's charts/ (default: {DEFAULT_OUT})",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pricer.report import write_report

    path = write_report(args.db, args.out)
    print(f"report: wrote {path} and its charts in {path.parent / 'charts'}", file=sys.stderr)
    return 0
