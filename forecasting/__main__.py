"""Command line: ``python -m forecasting SUBCOMMAND ...``.

The subcommands (validate, forecast, backtest) live in :mod:`forecasting.commands`; ``func(args)``
returns the exit code. Bad input (:class:`InputError`) prints one planner-readable line on stderr and
exits with code 2, never a traceback.
"""
from __future__ import annotations

import argparse
import sys

from forecasting.commands import add_commands
from forecasting.validation import run_command


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m forecasting", description="Contact-volume forecasting tools.")
    add_commands(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    return parser


def main(argv: list[str] | None = None) -> int:
    return run_command(build_parser(), argv)


if __name__ == "__main__":
    sys.exit(main())
