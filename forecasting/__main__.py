"""Command line: ``python -m forecasting SUBCOMMAND ...``.

Subcommands register themselves in :data:`SUBCOMMANDS` (a function adding its parser and setting
``func``); ``func(args)`` returns the exit code. Bad input (:class:`InputError`) prints one
planner-readable line on stderr and exits with code 2, never a traceback.

    python -m forecasting validate FILE [--tz ZONE] [--time-col C --count-col C --queue-col C
        --channel-col C --aht-col C] [--interval-minutes N] [--queues data/queues.csv]
"""
from __future__ import annotations

import argparse
import sys
from typing import Callable

import pandas as pd

from forecasting.validation import InputError

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def add_column_options(parser: argparse.ArgumentParser) -> None:
    """The history-reading options shared by every subcommand that loads a history file."""
    parser.add_argument("file", help="contact history: CSV (, ; tab |), .csv.gz or .xlsx")
    parser.add_argument("--tz", help="IANA time zone of timestamps without an offset, e.g. Europe/Dublin")
    parser.add_argument("--time-col", help="column with the contact time or interval start (default: auto)")
    parser.add_argument("--count-col", help="column with contacts per interval (absent: one row per contact)")
    parser.add_argument("--queue-col", help="column with the queue name (default: auto)")
    parser.add_argument("--channel-col", help="column with the channel (used as queue when there is no queue)")
    parser.add_argument("--aht-col", help="column with handle / AHT seconds (default: auto)")
    parser.add_argument("--interval-minutes", type=int, choices=(15, 30, 60, 1440),
                        help="interval length; default: detected, or 15 for contact records")
    parser.add_argument("--queues", help="queues file (e.g. data/queues.csv) with opening hours and zones")


def load_history_from_args(args: argparse.Namespace):
    """Run :func:`forecasting.history.load_history` with the options of :func:`add_column_options`."""
    from forecasting.history import ColumnMap, load_history
    from forecasting.queues import load_queues

    queues = load_queues(args.queues) if args.queues else None
    columns = ColumnMap(time=args.time_col, count=args.count_col, queue=args.queue_col,
                        channel=args.channel_col, handle=args.aht_col)
    return load_history(args.file, tz=args.tz, columns=columns, interval_minutes=args.interval_minutes,
                        queues=queues)


def _validate(args: argparse.Namespace) -> int:
    """Load and check a history file; print the per-queue summary and the notes."""
    from forecasting.history import summarise

    history = load_history_from_args(args)
    summary = summarise(history)
    print(f"{history.source_name}: {history.source_kind}, {history.interval_minutes}-minute intervals, "
          f"times in {history.timezone} ({len(history.frame):,} intervals, {len(summary)} queue(s))")
    with pd.option_context("display.width", 250, "display.max_columns", None, "display.precision", 3):
        print(summary.to_string(index=False))
    if history.notes:
        print("\nNotes:")
        for note in history.notes:
            print(f"- {note}")
    if len(history.gaps):
        print(f"\nMissing stretches ({len(history.gaps)}; not filled):")
        print(history.gaps.head(20).to_string(index=False))
        if len(history.gaps) > 20:
            print(f"... and {len(history.gaps) - 20} more")
    return EXIT_OK


def _add_validate(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("validate", help="check a contact-history file and summarise it",
                                   description="Check a contact-history file and print a summary per queue.")
    add_column_options(parser)
    parser.set_defaults(func=_validate)


SUBCOMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [_add_validate]
"""Each entry adds one subcommand; append new ones (forecast, backtest) here."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m forecasting", description="Contact-volume forecasting tools.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in SUBCOMMANDS:
        add(subparsers)
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
