"""The one error type for bad user input, shared by every stage's edge.

Messages are written for planners: they name the file, row, column and value that
are wrong and say what to do. Rows are numbered as a spreadsheet shows them
(header = row 1, first data row = row 2).
"""
from __future__ import annotations

import argparse
import sys
import zoneinfo
from typing import Any


def check_timezone(value: str) -> str:
    """``value`` if it is an IANA time zone; ValueError in planner's words otherwise (for pydantic validators)."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"'{value}' is not an IANA time zone (e.g. Europe/Dublin, America/New_York, "
                         "Asia/Manila)") from None
    return value


class InputError(ValueError):
    """Bad input found at the edge. ``str(err)`` is the full planner-facing message."""

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: Any = None,
        fix: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = file
        self.row = row
        self.column = column
        self.value = value
        self.fix = fix
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        text = ", ".join(where)
        if self.value is not None:
            shown = repr(self.value) if isinstance(self.value, str) else str(self.value)
            if len(shown) > 80:
                shown = shown[:77] + "..."
            text = f"{text}: value {shown}" if text else f"value {shown}"
        text = f"{text}: {self.problem}" if text else self.problem
        if self.fix:
            text = f"{text} Fix: {self.fix}"
        return text


EXIT_BAD_INPUT = 2


def run_command(parser: argparse.ArgumentParser, argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen subcommand's ``func(args)``; bad input (:class:`InputError`)
    prints one planner-readable line on stderr and returns :data:`EXIT_BAD_INPUT`, never a traceback.
    The one entry point of ``python -m forecasting``, ``scheduling`` and ``planning``."""
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
