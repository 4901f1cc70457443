"""Every CSV the product writes is safe to open in a spreadsheet: formula-like text neutralised, numbers kept."""
from __future__ import annotations

import io

import pandas as pd

from forecasting.safe_csv import to_safe_csv, undo_neutral

FORMULA = '=HYPERLINK("http://example.com/x","click")'


def test_to_safe_csv_neutralises_formulas_and_keeps_everything_else():
    frame = pd.DataFrame({"queue": [FORMULA, "+33 1 23", "-sum", "@cmd", "\tx", "Dublin", "Siobhán"],
                          "paid_hours": [8.0, -1.5, 0.25, 4.0, 6.0, 7.5, 10.0], "count": [1, 2, 3, 4, 5, 6, -7]})
    data = to_safe_csv(frame)
    back = pd.read_csv(io.BytesIO(data), keep_default_na=False)
    assert back["queue"].tolist() == ["'" + FORMULA, "'+33 1 23", "'-sum", "'@cmd", "'\tx", "Dublin", "Siobhán"]
    assert not any(v.startswith(("=", "+", "-", "@")) for v in back["queue"])
    pd.testing.assert_frame_equal(back[["paid_hours", "count"]], frame[["paid_hours", "count"]])  # numbers untouched
    with_bom = to_safe_csv(frame, bom=True)
    assert with_bom.startswith(b"\xef\xbb\xbf") and with_bom[3:] == data
    assert pd.read_csv(io.BytesIO(with_bom), encoding="utf-8-sig", keep_default_na=False).equals(back)


def test_headers_are_neutralised_and_the_apostrophe_comes_off_again():
    frame = pd.DataFrame({"=cmd": ["'quoted", "=1+1"]})
    back = pd.read_csv(io.BytesIO(to_safe_csv(frame)), keep_default_na=False)
    assert list(back.columns) == ["'=cmd"]
    assert [undo_neutral(v) for v in back["'=cmd"]] == ["'quoted", "=1+1"]  # a real leading apostrophe is kept
