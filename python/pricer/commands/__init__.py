"""Sub-commands of the `pricer` CLI.

Each module here defines `add_parser(subparsers) -> None` and `run(args) -> int`; the CLI
discovers them, so a new command is a new module and nothing else.
"""
