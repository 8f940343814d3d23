"""Errors that the CLI turns into one clear line and an exit code."""


class PricerError(Exception):
    """A data or run failure: exit code 1."""

    exit_code = 1


class UsageError(PricerError):
    """Bad arguments, an unknown knob or an invalid value: exit code 2."""

    exit_code = 2


class Interrupted(PricerError):
    """Ctrl-C (SIGINT): exit code 130, the message says what was left as it was."""

    exit_code = 130
