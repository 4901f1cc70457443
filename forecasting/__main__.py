"""Command line: ``python -m forecasting SUBCOMMAND ...``.

The subcommands (validate, forecast, backtest) live in :mod:`forecasting.commands`; ``func(args)``
returns the exit code. Bad input (:class:`InputError`) prints one planner-readable line on stderr and
exits with code 2, never a traceback.
"""
from __future__ import annotations

import argparse
import sys

from forecasting.commands import add_commands
from forecasting.validation import InputError

EXIT_BAD_INPUT = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m forecasting", description="Contact-volume forecasting tools.")
    add_commands(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
