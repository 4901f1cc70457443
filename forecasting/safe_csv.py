"""Spreadsheet-safe CSV: the one writer behind every CSV the product hands to a person.

Text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return, the OWASP list) get a leading apostrophe; numbers, including negative ones, stay
numbers. ``bom`` adds the UTF-8 byte-order mark Excel needs to read accents right. It lives in the
lowest stage so forecasting, scheduling, planning and the pages all write CSV the same way.
"""
from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def to_safe_csv(frame: pd.DataFrame, *, bom: bool = False, float_format: str | None = None) -> bytes:
    """CSV bytes (UTF-8, ``\\n`` line ends, no index) of ``frame`` with formula-like text neutralised."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutral)
    safe.columns = [neutral(str(c)) for c in safe.columns]
    text = safe.to_csv(index=False, lineterminator="\n", float_format=float_format)
    return ("\ufeff" + text).encode("utf-8") if bom else text.encode("utf-8")


def neutral(value):
    """``value`` with a leading apostrophe when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def undo_neutral(text: str) -> str:
    """The text before :func:`to_safe_csv` neutralised it (only the apostrophe it adds is removed)."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text
