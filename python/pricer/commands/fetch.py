"""`pricer fetch`: download the raw Amazon Reviews 2023 item-metadata files from the Hub."""

from __future__ import annotations

import argparse
from pathlib import Path

DESCRIPTION = """\
Download raw/meta_categories/meta_<Category>.jsonl of the Hub dataset
McAuley-Lab/Amazon-Reviews-2023 for each category into DIR/meta_<Category>.jsonl, the flat
layout `pricer build --raw DIR` reads. The full 8 categories are about 25 GB.

A file already in DIR is kept, so rerunning after an interruption fetches only what is
missing; a download cut by a network error resumes within the run. Progress bars come from
huggingface_hub (HF_HUB_DISABLE_PROGRESS_BARS=1 hides them). The dataset is public: no token is
needed, but HF_TOKEN or a saved login is used if present. Endpoint: $HF_ENDPOINT."""

EPILOG = """\
examples:
  pricer fetch --out data/raw
  pricer fetch --out data/raw --categories Appliances Musical_Instruments
  pricer build --raw data/raw

exit codes: 0 done, 1 the Hub is unreachable or refused / a file is missing on the Hub,
2 bad arguments (e.g. a malformed category name)."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "fetch",
        help="download the raw meta_<Category>.jsonl files from the Hugging Face Hub",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="folder to download into (created if missing)",
    )
    parser.add_argument(
        "--categories",
        nargs="+",
        metavar="CATEGORY",
        default=None,
        help="categories to fetch, e.g. Appliances Toys_and_Games (default: the categories seed, "
        "seeds/categories.csv)",
    )
    parser.add_argument(
        "--revision",
        default=None,
        metavar="REV",
        help="branch, tag or commit of the dataset repo to fetch (default: main)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="download again even if DIR already has the file",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pricer.fetch import fetch
    from pricer.upload import human_size

    results = fetch(args.out, args.categories, revision=args.revision, force=args.force)
    fetched = [r for r in results if not r.skipped]
    total = sum(r.size for r in results)
    print(
        f"{args.out}: {len(results)} files, {human_size(total)} "
        f"({len(fetched)} downloaded, {len(results) - len(fetched)} already there)"
    )
    return 0
