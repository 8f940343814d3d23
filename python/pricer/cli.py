"""The `pricer` command line: argument parsing, messages and exit codes only."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from pricer import __version__, commands
from pricer.errors import PricerError

EPILOG = """exit codes:
  0  success
  1  data or run failure (a failed dbt build, a missing export, ...)
  2  usage error (bad arguments, unknown knob, invalid knob value, no input files)

Every failure prints one line on stderr; add --debug for the traceback."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pricer",
        description=(
            "Curate Amazon Reviews 2023 item metadata into a balanced price-prediction "
            "dataset: generate data, build it with dbt + DuckDB, export, report, upload."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"pricer {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on failure")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"pricer.commands.{info.name}")
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.run(args))
    except PricerError as err:
        if args.debug:
            raise
        print(f"pricer {args.command}: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print(f"pricer {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
