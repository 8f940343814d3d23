"""`pricer generate`: write seeded raw-format data (the embedded default data and test data)."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

from pricer.errors import UsageError
from pricer.generate import BAD_KINDS, MANIFEST_NAME, MAX_BAD_FRACTION, generate

DESCRIPTION = f"""\
Write seeded, realistic Amazon Reviews 2023 item metadata in the raw format: one
meta_<Category>.jsonl (or .jsonl.gz) per category of seeds/categories.csv, ROWS lines in all,
split in the real corpus' proportions (each file gets a few rows even for a tiny ROWS).

The rows follow the real schema (~3 KB a row, most of it image URLs), with realistic text
lengths, a skewed price distribution (~40% without a price) and, at a steady rate, every edge
case of the curation contract (Unicode whitespace, scrub characters, non-ASCII digits, exotic
JSON numbers in details, price strings, duplicates, multi-byte characters near the cuts).

--bad F turns a share F of the lines into bad lines of every kind, spread over all files:
{textwrap.fill(", ".join(BAD_KINDS) + ".", width=92)}
Their kinds and 1-based line numbers go to OUT_DIR/{MANIFEST_NAME}, with the rows per file.
A price "None" is not a bad line: it is how the course's loader shows a null price.
Rows planted on a rule's edge (boundary prices, 300/301-character contents) are listed there too.

Calibrated to the lecture's figures (pricer.generate.LECTURE): each category keeps its share of
items under the course's rules, and the price mix makes the default knobs draw a sample of about
408,635 from the full 8,284,738 rows.

The same ROWS, SEED, F and --gzip give byte-identical files. A folder that already holds
meta_* files is refused unless they are exactly what this command would write (its
{MANIFEST_NAME} names the same ROWS, SEED, F and --gzip, and the files are unchanged):
--force replaces them."""

EXAMPLES = """\
examples:
  pricer generate data/default --rows 20000 --seed 42 --bad 0.01
  pricer generate /tmp/big --rows 1000000 --seed 1 --gzip"""


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="write seeded raw-format test data (meta_<Category>.jsonl files)",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("out_dir", metavar="OUT_DIR", type=Path, help="folder to write into")
    parser.add_argument(
        "--rows",
        metavar="N",
        type=int,
        required=True,
        help="lines to write in all, bad lines included (>= 1)",
    )
    parser.add_argument(
        "--seed", metavar="S", type=int, required=True, help="random seed (any integer)"
    )
    parser.add_argument(
        "--bad",
        metavar="F",
        type=float,
        default=0.0,
        help=f"share of bad lines, 0 to {MAX_BAD_FRACTION} (default: 0)",
    )
    parser.add_argument(
        "--gzip", action="store_true", help="write meta_<Category>.jsonl.gz instead of .jsonl"
    )
    parser.add_argument(
        "--workers",
        metavar="W",
        type=int,
        default=None,
        help="processes to use (default: one per CPU for large runs); output does not change",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace meta_* files already in OUT_DIR (default: refuse, unless they are this "
        "very command's output)",
    )
    parser.set_defaults(run=run)


def _same_output(out_dir: Path, existing: list[Path], settings: dict[str, Any]) -> bool:
    """Whether the meta_* files in out_dir are what generate with these settings writes."""
    try:
        manifest = json.loads((out_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
        files = manifest["files"]
        if any(manifest.get(key) != value for key, value in settings.items()):
            return False
        return sorted(files) == sorted(p.name for p in existing) and all(
            (out_dir / name).stat().st_size == info["bytes"] for name, info in files.items()
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def check_overwrite(
    out_dir: Path, *, rows: int, seed: int, bad_fraction: float, gzip: bool, force: bool
) -> None:
    """Refuse (exit 2) to write over meta_* files in out_dir unless force, or unless they are
    byte for byte what these settings generate (then rewriting them changes nothing)."""
    if force or not out_dir.is_dir():
        return
    existing = sorted(out_dir.glob("meta_*"))
    if not existing:
        return
    settings = {"rows": rows, "seed": seed, "bad_fraction": bad_fraction, "gzip": gzip}
    if _same_output(out_dir, existing, settings):
        return
    raise UsageError(
        f"{out_dir} already holds {len(existing)} meta_* file(s) ({existing[0].name}, ...) "
        "that this command did not write: pass --force to replace them, or another folder"
    )


def run(args: argparse.Namespace) -> int:
    if args.rows >= 1 and 0 <= args.bad <= MAX_BAD_FRACTION:  # else generate() says what is wrong
        check_overwrite(
            args.out_dir,
            rows=args.rows,
            seed=args.seed,
            bad_fraction=args.bad,
            gzip=args.gzip,
            force=args.force,
        )
    summary = generate(
        args.out_dir,
        rows=args.rows,
        seed=args.seed,
        bad_fraction=args.bad,
        gzip=args.gzip,
        progress=sys.stderr.isatty(),
        workers=args.workers,
    )
    print(
        f"generated {len(summary.files)} files in {summary.out_dir}: {summary.rows:,} rows, "
        f"{summary.bad_lines:,} bad lines, {summary.bytes / 1e6:,.1f} MB "
        f"in {summary.seconds:.1f} s"
    )
    return 0
