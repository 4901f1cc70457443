"""Calendars that move contact volume: public holidays per country and the events file.

Events file (ARCHITECTURE.md contract): ``name, kind, start, end, queues, lift, decay_days``.
``start``/``end`` are local wall-clock times (``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM``) read in each
affected queue's own time zone; ``queues`` is ``;``-separated queue names or ``all``; ``lift`` is a
fraction on the first day (0.25 = +25%), optional; ``decay_days`` how many days the lift takes to fade.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import holidays
import pandas as pd

from forecasting.tables import read_config_csv
from forecasting.validation import InputError

EVENT_KINDS = ("launch", "campaign", "holiday", "outage", "other")
EVENT_COLUMNS = ["name", "kind", "start", "end", "queues", "lift", "decay_days"]
YEARS = (1970, 2100)
"""First and last calendar year a date in an input may fall in (also the range of Excel serial dates read)."""
MAX_LIFT = 100.0  # +10,000%: anything larger is a typo, and would overflow the forecast
MAX_DECAY_DAYS = 3660.0
_NUMBER_FIXES = {"lift": "write the lift as a fraction (0.25 or 25% = +25%), or leave it empty.",
                 "decay_days": "write how many days the lift takes to fade (e.g. 7), or leave it empty."}
_DAY_MONTH = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})\b")


def parse_country(code: str) -> tuple[str, str | None, tuple[str, ...]]:
    """``"GB-ENG"`` -> ("GB", "ENG", ("public",)); ``"BR+optional"`` -> ("BR", None, ("public", "optional")).

    A ``+category`` suffix adds holiday categories of the ``holidays`` package that the centre also
    observes (Brazil's optional days such as Corpus Christi, bank holidays...). Raises ValueError.
    """
    base, *extra = code.strip().split("+")
    country, _, subdiv = base.strip().upper().partition("-")
    supported = holidays.list_supported_countries()
    if country not in supported:
        raise ValueError(f"'{code}' is not a country code the holidays package knows (e.g. GB, US, IE)")
    if subdiv and subdiv not in supported[country]:
        raise ValueError(f"'{code}': {country} has no subdivision '{subdiv}' (known: {', '.join(supported[country])})")
    categories = ("public", *(c.strip().lower() for c in extra if c.strip()))
    known = holidays.country_holidays(country).supported_categories
    unknown = [c for c in categories if c not in known]
    if unknown:
        raise ValueError(f"'{code}': {country} has no holiday category '{unknown[0]}' (known: {', '.join(known)})")
    return country, subdiv or None, categories


def check_country(code: str | None) -> str:
    """A holiday-country code as configs store it (upper case, "" for none); ValueError if unknown."""
    code = (code or "").strip().upper()
    if code:
        parse_country(code)
    return code


def country_holidays(code: str, years: range | list[int]) -> dict[dt.date, str]:
    """Public holidays (plus any ``+category``) of ``GB``, ``GB-ENG``, ``BR+optional``... for the years: date -> name."""
    if not code:
        return {}
    country, subdiv, categories = parse_country(code)
    return dict(holidays.country_holidays(country, subdiv=subdiv, years=list(years), categories=categories))


def _read(source: str | Path | bytes | pd.DataFrame, name: str | None) -> tuple[pd.DataFrame, str]:
    if isinstance(source, pd.DataFrame):
        return source.copy(), name or "events table"
    label = name or ("events file" if isinstance(source, bytes) else Path(source).name)
    frame = read_config_csv(source, label)  # an empty file is no events
    return (frame if len(frame.columns) else pd.DataFrame(columns=EVENT_COLUMNS)), label


def load_events(
    source: str | Path | bytes | pd.DataFrame,
    *,
    known_queues: list[str] | None = None,
    name: str | None = None,
) -> pd.DataFrame:
    """Read and validate an events table.

    Returns ``name, kind, start, end, queues, lift, decay_days`` with ``start``/``end`` as naive local
    timestamps, ``queues`` as a tuple of queue names (empty tuple = all queues), ``lift`` a float or NaN.
    Raises :class:`InputError` naming file, row, column and value.
    """
    frame, label = _read(source, name)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in ("name", "kind", "start") if c not in frame.columns]
    if missing:
        raise InputError(f"the column(s) {', '.join(missing)} are missing (found: {', '.join(frame.columns)}).",
                         file=label, fix=f"use the columns {', '.join(EVENT_COLUMNS)}.")
    rows = []
    for i, rec in enumerate(frame.to_dict("records")):
        row = i + 2
        rec = {k: ("" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v).strip()) for k, v in rec.items()}
        kind = rec["kind"].lower()
        if kind not in EVENT_KINDS:
            raise InputError(f"unknown event kind; use one of {', '.join(EVENT_KINDS)}.", file=label, row=row,
                             column="kind", value=rec["kind"], fix="write one of the kinds above in the kind column.")
        start = _timestamp(rec["start"], label, row, "start")
        end = _timestamp(rec.get("end", "") or rec["start"], label, row, "end")
        if end < start:
            raise InputError(f"the event ends before it starts ({start:%Y-%m-%d %H:%M}).", file=label, row=row,
                             column="end", value=rec.get("end"), fix="swap start and end, or correct the date.")
        queues = tuple(q.strip() for q in rec.get("queues", "").replace(",", ";").split(";") if q.strip())
        if queues in ((), ("all",)):
            queues = ()
        elif known_queues is not None:
            unknown = [q for q in queues if q not in known_queues]
            if unknown:
                raise InputError(f"unknown queue '{unknown[0]}' (known: {', '.join(known_queues)}).", file=label,
                                 row=row, column="queues", value=rec.get("queues"),
                                 fix="use queue names from the queues file, separated by ';', or 'all'.")
        lift = _number(rec.get("lift", ""), label, row, "lift", low=-1.0, high=MAX_LIFT)
        decay = _number(rec.get("decay_days", ""), label, row, "decay_days", low=0.0, high=MAX_DECAY_DAYS)
        rows.append({"name": rec["name"] or f"{kind} {start:%Y-%m-%d}", "kind": kind, "start": start, "end": end,
                     "queues": queues, "lift": lift, "decay_days": decay})
    return pd.DataFrame(rows, columns=EVENT_COLUMNS)


def _timestamp(text: str, label: str, row: int, column: str) -> pd.Timestamp:
    def bad(problem: str) -> InputError:
        return InputError(problem, file=label, row=row, column=column, value=text,
                          fix="write YYYY-MM-DD or YYYY-MM-DD HH:MM (the queue's local time).")

    if not any(ch.isdigit() for ch in text):  # pandas reads 'now', 'today' as the moment the file is loaded
        raise bad("is not a date.")
    day_month = _DAY_MONTH.match(text)
    if day_month and int(day_month[1]) <= 12 and int(day_month[2]) <= 12 and day_month[1] != day_month[2]:
        raise bad("could be day-month or month-day (e.g. 01/02 is 1 February or 2 January).")
    try:
        # A first number above 12 can only be the day; pandas alone would read 01/02 month-first but 13/02 day-first.
        value = pd.Timestamp(pd.to_datetime(text, dayfirst=bool(day_month and int(day_month[1]) > 12)))
    except (ValueError, TypeError, OverflowError):
        value = pd.NaT
    if pd.isna(value):
        raise bad("is not a date.")
    if value.tzinfo is not None:
        raise InputError("has a UTC offset; event times are local wall-clock times of each queue.", file=label,
                         row=row, column=column, value=text, fix="drop the offset (e.g. 2025-03-12 10:00).")
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise bad(f"is outside the years {YEARS[0]} to {YEARS[1]}.")
    return value


def _number(text: str, label: str, row: int, column: str, *, low: float, high: float) -> float:
    if text == "":
        return float("nan")
    try:
        value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        raise InputError("is not a number.", file=label, row=row, column=column, value=text,
                         fix=_NUMBER_FIXES[column]) from None
    if not (low < value <= high):
        raise InputError(f"must be a finite number above {low:g} and at most {high:g}.", file=label, row=row,
                         column=column, value=text, fix=_NUMBER_FIXES[column])
    return value
