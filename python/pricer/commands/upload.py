"""`pricer upload`: push the exported splits and a dataset card to a Hub dataset repo."""

from __future__ import annotations

import argparse
from pathlib import Path

DESCRIPTION = """\
Push an export folder to a Hugging Face Hub dataset repo in ONE commit, exactly as
`pricer export` laid it out (the files its manifest.json lists): the card README.md (rendered
again with REPO_ID; its configs: are `default`, the train/test(/validation) splits under data/,
and `items`, the metadata under items/), manifest.json, and the report's charts if DIR/charts
has any. Not sent: DIR/__save_to_disk__/ and DIR/finetune/, which are for local use. The Hub's
viewer shows both configs; datasets.load_dataset(REPO_ID) gives the DatasetDict.
The repo is created private unless --public is given; an existing public repo is refused
without --public. A refused or interrupted push commits nothing and can simply be rerun.

Token: $HF_TOKEN, else the login saved by `hf auth login`; it needs write access. It is never
printed, logged or written anywhere. Endpoint: $HF_ENDPOINT (default https://huggingface.co)."""

EPILOG = """\
examples:
  pricer upload --repo-id my-user/pricer-data --dry-run
  HF_TOKEN=hf_... pricer upload --repo-id my-user/pricer-data --out out

exit codes: 0 pushed (or dry run shown), 1 no export / no token / the Hub refused or is
unreachable, 2 bad arguments (e.g. a malformed --repo-id)."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "upload",
        help="push the exported dataset and its card to the Hugging Face Hub",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--repo-id",
        required=True,
        metavar="OWNER/NAME",
        help="the dataset repo to push to, e.g. my-user/pricer-data (created if missing)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("out"),
        metavar="DIR",
        help="the export folder written by `pricer export` (default: out)",
    )
    parser.add_argument(
        "--public", action="store_true", help="create the repo public (default: private)"
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="list the files and sizes that would be sent and print the card; contact nothing",
    )
    parser.add_argument(
        "--license",
        metavar="ID",
        default=None,
        help="a Hub license id for the card (default: 'other', pointing at the source's terms)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pricer.upload import upload

    upload(args.repo_id, args.out, public=args.public, dry_run=args.dry_run, license=args.license)
    return 0
