"""`pricer export`: write the sample as a Hub-shaped dataset folder, plus fine-tuning files."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from pricer.constants import DEFAULT_DB

DEFAULT_OUT = Path("out")

HELP = """Export a finished build (rules 6) into a folder laid out as a Hugging Face dataset repo:

  OUT/README.md                             dataset card; its configs: are `default` and `items`
  OUT/data/train-00000-of-00001.parquet     columns text (string), price (float64), split order;
  OUT/data/test-00000-of-00001.parquet      train text = prompt, test text = test prompt
  OUT/data/validation-00000-of-00001.parquet  when val_size > 0
  OUT/items/items-00000-of-00001.parquet    the sample with its metadata and split
  OUT/manifest.json                         knobs, categories, counts and the file list
  OUT/__save_to_disk__/                     the same splits as a datasets.DatasetDict

  load_dataset(OUT), load_dataset("parquet", data_dir=OUT/"data") and
  load_from_disk(OUT/"__save_to_disk__") all give the DatasetDict; load_dataset(OUT, "items")
  the metadata. `pricer upload` sends the folder minus __save_to_disk__/ and finetune/.

--format adds fine-tuning files (rules 10), under OUT/finetune/FORMAT/:
  openai-chat        train.jsonl, validation.jsonl: {"messages": [system, user, assistant]}
                     from the first --chat-train-rows train rows and the next --chat-val-rows
  prompt-completion  SPLIT.jsonl for each split: {"prompt": test prompt,
                     "completion": the rest of the training prompt}, every row
The strings are the openai_chat_* vars in dbt_project.yml.

Files that an earlier export wrote and this one does not (an old validation split, a
fine-tuning format not asked for again) are removed; other files in OUT are left alone.

Exit codes: 0 written; 1 no finished build, or the sample is smaller than
train_size + test_size (+ val_size), or too few train rows for --chat-train-rows +
--chat-val-rows; 2 bad arguments, or OUT holds files of something that is not an export."""


def _count(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    return parse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from pricer.export import FORMATS
    from pricer.knobs import default_vars

    defaults = default_vars()
    parser = subparsers.add_parser(
        "export",
        help="write the dataset as Parquet laid out as a Hub repo, and fine-tuning files",
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
    parser.add_argument(
        "--format",
        dest="formats",
        action="append",
        choices=FORMATS,
        default=[],
        metavar="FORMAT",
        help=f"also write fine-tuning files: {' or '.join(FORMATS)} (repeat for both)",
    )
    parser.add_argument(
        "--chat-train-rows",
        type=_count(1),
        default=None,
        metavar="N",
        help="openai-chat: train rows for its train.jsonl, the first in split order "
        f"(default: openai_chat_train_rows = {defaults['openai_chat_train_rows']})",
    )
    parser.add_argument(
        "--chat-val-rows",
        type=_count(0),
        default=None,
        metavar="N",
        help="openai-chat: the next train rows, for its validation.jsonl; 0 writes none "
        f"(default: openai_chat_val_rows = {defaults['openai_chat_val_rows']})",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pricer.errors import UsageError
    from pricer.export import export

    chat_sizes = args.chat_train_rows is not None or args.chat_val_rows is not None
    if chat_sizes and "openai-chat" not in args.formats:
        raise UsageError("--chat-train-rows and --chat-val-rows need --format openai-chat")
    summary = export(
        args.db,
        args.out,
        formats=args.formats,
        chat_train_rows=args.chat_train_rows,
        chat_val_rows=args.chat_val_rows,
    )
    counts = summary.counts
    extra = [f for f in summary.local_files if f.startswith("finetune/")]
    print(
        f"exported to {summary.out_dir}: train {counts['train']:,}, test {counts['test']:,}"
        + (f", validation {counts['validation']:,}" if counts["validation"] else "")
        + f" of {counts['sampled']:,} sampled items"
        + (f"; fine-tuning files {', '.join(extra)}" if extra else ""),
        file=sys.stderr,
    )
    return 0
