"""`pricer export`: write the sample as Parquet files and a Hugging Face DatasetDict."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pricer.build import DEFAULT_DB
from pricer.export import export

DEFAULT_OUT = Path("out")

HELP = """Export a finished build (spec 6):

  OUT/train.parquet, OUT/test.parquet   columns text (string), price (float64), split order;
                                        train text = prompt, test text = test prompt
  OUT/validation.parquet                when val_size > 0
  OUT/items.parquet                     the sample with its metadata and split
  OUT/hf/                               a datasets.DatasetDict (load_from_disk)
  OUT/manifest.json                     knobs, categories and counts of the build

Fails (exit 1) when the sample is smaller than train_size + test_size (+ val_size)."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="write train/test Parquet files and an HF DatasetDict",
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
        metavar="DIR",
        help=f"output folder (default: {DEFAULT_OUT})",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    summary = export(args.db, args.out)
    counts = summary.counts
    print(
        f"exported to {summary.out_dir}: train {counts['train']:,}, test {counts['test']:,}"
        + (f", validation {counts['validation']:,}" if counts["validation"] else "")
        + f" of {counts['sampled']:,} sampled items",
        file=sys.stderr,
    )
    return 0
