"""The `pricer` command line: argument parsing, messages and exit codes only."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from typing import NoReturn

from pricer import __version__, commands
from pricer.errors import Interrupted, PricerError

EPILOG = """exit codes:
  0  success
  1  data or run failure (a failed dbt build, a missing export, ...)
  2  usage error (bad arguments, unknown knob, invalid knob value, no input files)
  130 interrupted (Ctrl-C); a build leaves the last complete build unchanged

Every failure prints one line on stderr; add --debug for the traceback.

environment:
  PRICER_MEMORY_LIMIT   DuckDB's memory cap for a build (default 1500MB, profiles.yml; 4GB
                        for more than 8 GB of raw files); DuckDB spills to disk past it.
                        Raise it (e.g. 8GB) for very long raw lines, lower it on a small
                        machine.
  PRICER_THREADS        set by --threads; DBT_LOG_PATH, DBT_TARGET_PATH: dbt's log and
                        target folders (default logs/ and target/ in the checkout, or in
                        the working directory with the project installed in the package)
  PRICER_PROJECT_DIR    the dbt project to run (default: the checkout, else the installed
                        copy)"""


class OneLineParser(argparse.ArgumentParser):
    """argparse whose usage errors are one line on stderr (exit 2), like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


DEBUG_HELP = "show the traceback of a failure (otherwise one line on stderr)"


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="pricer",
        description=(
            "Curate Amazon Reviews 2023 item metadata into a balanced price-prediction "
            "dataset: generate data, build it with dbt + DuckDB, export, report, upload."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"pricer {__version__}")
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"pricer.commands.{info.name}")
        module.add_parser(sub)
    for command in sub.choices.values():  # `pricer COMMAND --debug` works too
        command.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.run(args))
    except Interrupted as err:
        if args.debug:
            raise
        print(f"pricer {args.command}: interrupted: {_one_line(err)}", file=sys.stderr)
        return err.exit_code
    except PricerError as err:
        if args.debug:
            raise
        print(f"pricer {args.command}: error: {_one_line(err)}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        if args.debug:
            raise
        print(f"pricer {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # a bug or an unforeseen failure: still one line
        if args.debug:
            raise
        print(
            f"pricer {args.command}: error: {type(err).__name__}: {_one_line(err)} "
            "(an unexpected failure; rerun with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


if __name__ == "__main__":
    raise SystemExit(main())
