"""Calendars that move contact volume: public holidays per country and the events file.

Events file (ARCHITECTURE.md contract): ``name, kind, start, end, queues, lift, decay_days``.
``start``/``end`` are local wall-clock times (``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM``) read in each
affected queue's own time zone; ``queues`` is ``;``-separated queue names or ``all``; ``lift`` is a
fraction on the first day (0.25 = +25%), optional; ``decay_days`` how many days the lift takes to fade.
"""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import holidays
import pandas as pd

from forecasting.validation import InputError

EVENT_KINDS = ("launch", "campaign", "holiday", "outage", "other")
EVENT_COLUMNS = ["name", "kind", "start", "end", "queues", "lift", "decay_days"]


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
    if isinstance(source, bytes):
        data = io.BytesIO(source)
        label = name or "events file"
    else:
        path = Path(source)
        if not path.exists():
            raise InputError("the file does not exist.", file=str(path), fix="check the path.")
        data, label = path, name or path.name
    try:
        return pd.read_csv(data, dtype=str, keep_default_na=False, encoding="utf-8-sig"), label
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise InputError(f"cannot be read as CSV ({err}).", file=label,
                         fix="save it as UTF-8 CSV with a header row.") from None
    except pd.errors.EmptyDataError:
        return pd.DataFrame(columns=EVENT_COLUMNS), label


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
                             column="kind", value=rec["kind"])
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
        lift = _number(rec.get("lift", ""), label, row, "lift", low=-1.0)
        decay = _number(rec.get("decay_days", ""), label, row, "decay_days", low=0.0)
        rows.append({"name": rec["name"] or f"{kind} {start:%Y-%m-%d}", "kind": kind, "start": start, "end": end,
                     "queues": queues, "lift": lift, "decay_days": decay})
    return pd.DataFrame(rows, columns=EVENT_COLUMNS)


def _timestamp(text: str, label: str, row: int, column: str) -> pd.Timestamp:
    try:
        value = pd.Timestamp(text)
    except (ValueError, TypeError):
        value = pd.NaT
    if pd.isna(value):
        raise InputError("is not a date.", file=label, row=row, column=column, value=text,
                         fix="write YYYY-MM-DD or YYYY-MM-DD HH:MM (the queue's local time).")
    if value.tzinfo is not None:
        raise InputError("has a UTC offset; event times are local wall-clock times of each queue.", file=label,
                         row=row, column=column, value=text, fix="drop the offset (e.g. 2025-03-12 10:00).")
    return value


def _number(text: str, label: str, row: int, column: str, *, low: float) -> float:
    if text == "":
        return float("nan")
    try:
        value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        raise InputError("is not a number.", file=label, row=row, column=column, value=text) from None
    if not (value > low) or value == float("inf"):
        raise InputError(f"must be a finite number above {low:g}.", file=label, row=row, column=column, value=text)
    return value
