"""Parsing the time column of a contact history and converting it to UTC.

Formats are detected per value shape (ISO 8601, d/m/Y vs m/d/Y, d-m-Y, date-only, Excel serial
days, UTC offsets); a column mixing values with and without an offset is refused. Naive times are
localised in the given zone, resolving the hour skipped and the hour repeated by DST; daily dates
become the UTC instant of their local midnight.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format

from forecasting.calendar import YEARS
from forecasting.tables import as_text, first_row
from forecasting.validation import InputError

_OFFSET_TAIL = r"\s*(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)$"
# Shapes are the values with every digit run replaced by "9"; an offset only counts after a clock time.
_OFFSET_SHAPE = re.compile(r"9:9(?::9)?(?:[.,]9)?\s*(?:Z|UTC|GMT|[+-]9(?::?9)?)$")
_CLOCK_SHAPE = re.compile(r"^9:9(?::9)?(?:\s*[AaPp][Mm])?(?:\s*-\s*9:9(?::9)?(?:\s*[AaPp][Mm])?)?$")
_NUMBER_SHAPE = re.compile(r"^-?9(?:[.,]9)?$")
_YEAR_FIRST = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:$|[T ])")
_DAY_MONTH = re.compile(
    r"^(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})"
    r"(?:(?P<tsep>[T ]\s*)(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?P<frac>[.,]\d+)?)?"
    r"(?P<psp>\s*)(?P<ampm>[AaPp][Mm])?(?P<osp>\s*)(?P<off>Z|[+-]\d{2}:?\d{2})?)?$"
)
_DATE_NAME = re.compile(r"date|time|day|^ds$|stamp|start|created|opened", re.IGNORECASE)
# Excel serial days 25569..73051 = 1970-01-01..2100-01-01: outside that a number is no contact-centre date.
_SERIAL_RANGE = (25569.0, 73051.0)
_EXCEL_EPOCH = "1899-12-30"


# ----------------------------------------------------------------------------------------------
# time parsing
# ----------------------------------------------------------------------------------------------


@dataclass
class Times:
    """Parsed timestamps. ``utc`` is set when every value carried a UTC offset."""

    text: pd.Series                        # values as written, for messages
    utc: pd.Series | None                  # tz-aware UTC, or None for naive values
    date_only: bool                        # no value had a clock time
    clock: Callable[[], pd.Series]         # naive wall-clock time as written (computed on demand)


def parse_times(values: pd.Series, column: str, label: str, notes: list[str]) -> Times:
    """Any time column -> :class:`Times`, vectorised with one detected format per value shape.

    Every time must fall in the years :data:`~forecasting.calendar.YEARS` (1970 to 2100): a year like 9999
    or 1500 is a typo, and pandas cannot do arithmetic on such times.
    """
    times = _parse_times(values, column, label, notes)
    instants = times.utc if times.utc is not None else times.clock()
    years = instants.dt.year
    outside = (years < YEARS[0]) | (years > YEARS[1])
    if outside.any():
        row, value = first_row(outside, times.text)
        raise InputError(f"is outside the years {YEARS[0]} to {YEARS[1]}.", file=label, row=row, column=column,
                         value=value, fix="check the year; write times like 2024-03-31 08:15.")
    return times


def _parse_times(values: pd.Series, column: str, label: str, notes: list[str]) -> Times:
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return _from_datetimes(values, column, label)
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in ("datetime", "datetime64", "date"):
        try:
            return _from_datetimes(pd.to_datetime(values), column, label)
        except (ValueError, TypeError):
            pass  # mixed zones or odd objects: fall back to reading them as text
    if pd.api.types.is_numeric_dtype(values.dtype) or kind in ("integer", "floating", "mixed-integer-float"):
        return _from_serials(pd.to_numeric(values, errors="coerce"), as_text(values), column, label, notes)
    return _from_text(as_text(values), column, label, notes)


def sample_kind(values: pd.Series) -> str:
    """'datetime', 'date', 'clock' or 'other' from the first non-empty values."""
    sample = as_text(values.iloc[:500])
    sample = sample[sample != ""]
    if sample.empty:
        return "other"
    shapes = sample.str.replace(r"\d+", "9", regex=True)
    if shapes.map(lambda s: bool(_CLOCK_SHAPE.match(s))).all():
        return "clock"
    # Excel date cells come through as "2024-03-31 00:00:00": a date.
    if (~sample.str.contains(":") | sample.str.contains(r"[T ]00:00(?::00)?$")).all():
        return "date"
    if sample.str.contains(":").all():
        return "datetime"
    return "other"


def _from_datetimes(values: pd.Series, column: str, label: str) -> Times:
    if values.isna().any():
        row, _ = first_row(values.isna(), values)
        raise InputError("the time is empty.", file=label, row=row, column=column,
                         fix="fill in the time or delete the row.")
    text = values.astype(str)
    if values.dt.tz is not None:
        local = values.dt.tz_localize(None)
        return Times(text, values.dt.tz_convert("UTC"), False, lambda: local)
    date_only = bool((values == values.dt.normalize()).all())
    return Times(text, None, date_only, lambda: values)


def _from_serials(numbers: pd.Series, text: pd.Series, column: str, label: str, notes: list[str]) -> Times:
    """Excel serial day numbers, accepted only in a date-named column with every value in a plausible range."""
    empty = text == ""
    if empty.any():
        row, _ = first_row(empty, text)
        raise InputError("the time is empty.", file=label, row=row, column=column,
                         fix="fill in the time or delete the row.")
    low, high = _SERIAL_RANGE
    outside = numbers.isna() | (numbers < low) | (numbers > high)
    if not _DATE_NAME.search(str(column)) or outside.any():
        row, value = first_row(outside if outside.any() else ~outside, text)
        raise InputError("holds numbers, not dates.", file=label, row=row, column=column, value=value,
                         fix="map the time column with --time-col, or write dates like 2024-03-31 08:15.")
    naive = (pd.to_datetime(numbers, unit="D", origin=_EXCEL_EPOCH)).dt.round("s")
    notes.append(f"Read the numbers in '{column}' as Excel serial dates (e.g. {text.iloc[0]} = {naive.iloc[0]}).")
    date_only = bool((numbers % 1 == 0).all())
    return Times(text, None, date_only, lambda: naive)


def _from_text(text: pd.Series, column: str, label: str, notes: list[str]) -> Times:
    """Text timestamps: classify each distinct shape once, then parse each family with one format."""
    empty = text == ""
    if empty.any():
        row, _ = first_row(empty, text)
        raise InputError("the time is empty.", file=label, row=row, column=column,
                         fix="fill in the time or delete the row.")
    shapes = text.str.replace(r"\d+", "9", regex=True)
    unique = pd.unique(shapes)
    if all(_NUMBER_SHAPE.match(s) for s in unique):
        numbers = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
        return _from_serials(numbers, text, column, label, notes)
    if all(_CLOCK_SHAPE.match(s) for s in unique):
        row, value = int(text.index[0]) + 2, text.iloc[0]
        raise InputError("is a time of day without a date.", file=label, row=row, column=column, value=value,
                         fix="give full timestamps (2024-03-31 08:15), or a date column beside the time column.")
    offset_shapes = {s for s in unique if _OFFSET_SHAPE.search(s)}
    has_offset = shapes.isin(offset_shapes) if offset_shapes else pd.Series(False, index=text.index)
    _reject_mixed_offsets(has_offset, text, column, label)
    firsts = shapes.drop_duplicates()
    representative = dict(zip(firsts, text.loc[firsts.index]))
    family = {s: _family(representative[s]) for s in unique}
    row_family = shapes.map(family)
    main = row_family.value_counts().idxmax()
    stray = row_family != main
    if stray.any():
        row, value = first_row(stray, text)
        raise _bad_time(label, row, column, value, "does not look like a date in the format of the other rows.")
    date_only = not any(":" in s for s in unique)
    if main == "ymd":
        return _parse_year_first(text, has_offset, column, label, date_only)
    if main == "dmy":
        return _parse_day_month(text, shapes, representative, column, label, notes, date_only)
    return _parse_guessed(text, shapes, representative, column, label, date_only)


def _family(value: str) -> str:
    if _YEAR_FIRST.match(value):
        return "ymd"
    if _DAY_MONTH.match(value):
        return "dmy"
    return "other"


def _bad_time(label: str, row: int, column: str, value: Any, problem: str) -> InputError:
    return InputError(problem, file=label, row=row, column=column, value=value,
                      fix="write it like the other rows, e.g. 2024-03-31 08:15 (ISO) or 31/03/2024 08:15.")


def _reject_mixed_offsets(has_offset: pd.Series, text: pd.Series, column: str, label: str) -> None:
    """All values with a UTC offset, or none: a mix would put rows on two different clocks."""
    with_offset = int(has_offset.sum())
    if 0 < with_offset < len(has_offset):
        minority = has_offset if with_offset <= len(has_offset) / 2 else ~has_offset
        row, value = first_row(minority, text)
        kind = "has a UTC offset" if with_offset <= len(has_offset) / 2 else "has no UTC offset"
        raise InputError(f"mixed offsets: this time {kind}, unlike most rows "
                         f"({with_offset:,} of {len(has_offset):,} carry one).", file=label, row=row, column=column,
                         value=value, fix="give every time an offset (e.g. +01:00), or none and declare the zone "
                                          "with --tz.")


def _raise_unparsed(parsed: pd.Series, text: pd.Series, column: str, label: str, how: str) -> None:
    bad = parsed.isna()
    if bad.any():
        row, value = first_row(bad, text)
        raise _bad_time(label, row, column, value, f"is not a valid date/time (read as {how}).")


def _parse_year_first(text: pd.Series, has_offset: pd.Series, column: str, label: str,
                      date_only: bool) -> Times:
    """ISO 8601 and other year-first values; pandas' ISO parser is vectorised and takes T or space."""
    if has_offset.all():
        utc = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
        _raise_unparsed(utc, text, column, label, "ISO 8601 with offset")

        def clock() -> pd.Series:
            stripped = text.str.replace(_OFFSET_TAIL, "", regex=True)
            return pd.to_datetime(stripped, format="ISO8601", errors="coerce")

        return Times(text, utc, False, _cached(clock))
    naive = pd.to_datetime(text, format="ISO8601", errors="coerce")
    _raise_unparsed(naive, text, column, label, "year-month-day")
    return Times(text, None, date_only, lambda: naive)


def _parse_day_month(text: pd.Series, shapes: pd.Series, representative: dict[str, str], column: str, label: str,
                     notes: list[str], date_only: bool) -> Times:
    """d/m/Y or m/d/Y (/, - or .): day-first unless the values prove month-first; ambiguous -> day-first + note."""
    day_first = _parse_by_shape(text, shapes, representative, day_first=True)
    if day_first.notna().all():
        if (day_first.dt.day > 12).any():
            notes.append(f"Dates in '{column}' read as day-month-year (e.g. '{text.iloc[0]}' = "
                         f"{day_first.iloc[0]:%d %B %Y}).")
        else:
            notes.append(f"Dates in '{column}' such as '{text.iloc[0]}' could be day-first or month-first; "
                         f"read as day-first ({day_first.iloc[0]:%d %B %Y}). If they are month-first, export "
                         f"ISO dates (2024-02-01) instead.")
        return _with_offsets(day_first, text, date_only)
    month_first = _parse_by_shape(text, shapes, representative, day_first=False)
    if month_first.notna().all():
        notes.append(f"Dates in '{column}' read as month-day-year (e.g. '{text.iloc[0]}' = "
                     f"{month_first.iloc[0]:%d %B %Y}).")
        return _with_offsets(month_first, text, date_only)
    better, how = ((day_first, "day-month-year") if day_first.notna().sum() >= month_first.notna().sum()
                   else (month_first, "month-day-year"))
    _raise_unparsed(better, text, column, label, how)
    raise AssertionError("unreachable")


def _with_offsets(parsed: pd.Series, text: pd.Series, date_only: bool) -> Times:
    """Formats built with %z yield aware values: split them into UTC and the clock as written."""
    if parsed.dt.tz is not None:
        local = parsed.dt.tz_localize(None)
        return Times(text, parsed.dt.tz_convert("UTC"), False, lambda: local)
    return Times(text, None, date_only, lambda: parsed)


def _parse_by_shape(text: pd.Series, shapes: pd.Series, representative: dict[str, str], *,
                    day_first: bool) -> pd.Series:
    """Parse each group of same-shaped values with the strptime format built from its first value."""
    parts = []
    for shape, positions in shapes.groupby(shapes, sort=False).indices.items():
        subset = text.iloc[positions]
        fmt = _day_month_format(representative[shape], day_first)
        parsed = pd.to_datetime(subset, format=fmt, errors="coerce", utc="%z" in fmt) if fmt else \
            pd.Series(pd.NaT, index=subset.index, dtype="datetime64[us]")
        parts.append(parsed)
    if len(parts) == 1:
        return parts[0].reindex(text.index)
    if len({str(p.dtype) for p in parts}) > 1:
        parts = [p.dt.tz_localize(None) if getattr(p.dt, "tz", None) is not None else p for p in parts]
    return pd.concat(parts).reindex(text.index)


def _day_month_format(value: str, day_first: bool) -> str | None:
    """strptime format reproducing ``value``'s separators, e.g. '1-1-2013 8:05 PM' -> '%d-%m-%Y %I:%M %p'."""
    match = _DAY_MONTH.match(value)
    if match is None:
        return None
    g = match.groupdict()
    sep = g["sep"]
    year = "%Y" if len(g["year"]) == 4 else "%y"
    fmt = f"%d{sep}%m{sep}{year}" if day_first else f"%m{sep}%d{sep}{year}"
    if g["h"] is not None:
        fmt += g["tsep"] + ("%I" if g["ampm"] else "%H") + ":%M"
        if g["s"] is not None:
            fmt += ":%S" + (g["frac"][0] + "%f" if g["frac"] else "")
        if g["ampm"]:
            fmt += g["psp"] + "%p"
        if g["off"]:
            fmt += g["osp"] + "%z"
    return fmt


def _parse_guessed(text: pd.Series, shapes: pd.Series, representative: dict[str, str], column: str, label: str,
                   date_only: bool) -> Times:
    """Other spellings ('05-Jan-2024 08:00', 'Jan 5, 2024'): pandas guesses a format per shape, parsed vectorised."""
    parts = []
    for shape, positions in shapes.groupby(shapes, sort=False).indices.items():
        subset = text.iloc[positions]
        parsed = _parse_with_guessed_format(subset, representative[shape])
        if getattr(parsed.dt, "tz", None) is not None:
            parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
        parts.append(parsed)
    naive = pd.concat(parts).reindex(text.index)
    _raise_unparsed(naive, text, column, label, "a date")
    return Times(text, None, date_only and bool((naive == naive.dt.normalize()).all()), lambda: naive)


def _parse_with_guessed_format(subset: pd.Series, example: str) -> pd.Series:
    """Parse with the format pandas guesses from one example; NaT where it does not fit."""
    fmt = guess_datetime_format(example, dayfirst=True)
    if fmt:
        try:
            return pd.to_datetime(subset, format=fmt, errors="coerce")
        except (ValueError, TypeError):  # a guessed format pandas then refuses: treat as unreadable
            pass
    return pd.Series(pd.NaT, index=subset.index, dtype="datetime64[us]")


def _cached(compute: Callable[[], pd.Series]) -> Callable[[], pd.Series]:
    box: list[pd.Series] = []

    def get() -> pd.Series:
        if not box:
            box.append(compute())
        return box[0]

    return get


# ----------------------------------------------------------------------------------------------
# time zones
# ----------------------------------------------------------------------------------------------


def is_daily(times: Times, kind: str, interval_minutes: int | None, label: str, column: str,
              notes: list[str]) -> bool:
    """Dates (or local midnights only) are daily data; splitting them into shorter intervals is refused."""
    if not _all_midnight(times):
        return False
    if interval_minutes is not None and interval_minutes != 1440:
        raise InputError(f"holds dates only (daily data), which cannot be split into {interval_minutes}-minute "
                         f"intervals.", file=label, column=column,
                         fix="leave out --interval-minutes (daily is used), or load interval data.")
    if kind == "records":
        notes.append("The contact records carry dates only: counted per day (interval 1440 minutes).")
    return True


def _all_midnight(times: Times) -> bool:
    """True when every time is a date or a local midnight; checks the first rows before the whole column."""
    if times.date_only:
        return True
    if times.utc is not None:
        # Read the clock from the text: stripping offsets from every row would cost more than this match.
        pattern = r"[T ]0?0:00(?::00(?:[.,]0+)?)?\s*(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)$"
        head = times.text.iloc[:1000]
        return bool(head.str.contains(pattern).all()) and bool(times.text.str.contains(pattern).all())
    clock = times.clock()
    head = clock.iloc[:1000]
    return bool((head == head.dt.normalize()).all()) and bool((clock == clock.dt.normalize()).all())


def dates_to_utc(clock: pd.Series, queue: pd.Series, zones: dict[str, str]) -> pd.Series:
    """Local dates -> UTC instant of each local midnight, per queue zone."""
    dates = clock.dt.normalize()
    out = pd.Series(pd.NaT, index=clock.index, dtype="datetime64[us, UTC]")
    for zone in set(zones.values()):
        mask = queue.isin([q for q, z in zones.items() if z == zone])
        out[mask] = local_midnights(dates[mask], zone)
    return out


def local_midnights(dates: pd.Series | pd.DatetimeIndex, zone: str) -> pd.Series | pd.DatetimeIndex:
    """Naive dates -> UTC start of that local day (a midnight skipped by DST starts at the next valid time)."""
    flags = np.ones(len(dates), dtype=bool)
    if isinstance(dates, pd.Series):
        local = dates.dt.tz_localize(zone, ambiguous=flags, nonexistent="shift_forward")
        return local.dt.tz_convert("UTC").astype("datetime64[us, UTC]")
    local = dates.tz_localize(zone, ambiguous=flags, nonexistent="shift_forward")
    return local.tz_convert("UTC").as_unit("us")


def to_utc(times: Times, tz: str | None, kind: str, queue: pd.Series, label: str, column: str,
            notes: list[str]) -> pd.Series:
    """Intraday times -> UTC. Offsets are honoured; naive times need ``tz`` and get DST handled by file order."""
    if times.utc is not None:
        utc = times.utc
        if tz is None and _has_nonzero_offset(times.text):
                notes.append("Times carry UTC offsets and were converted to UTC; local days and hours are "
                             "taken in UTC. Pass --tz to use a local zone.")
        return utc.astype("datetime64[us, UTC]")
    if tz is None:
        raise InputError("the times have no UTC offset (like +01:00), so their time zone is unknown.", file=label,
                         column=column, value=times.text.iloc[0],
                         fix="declare the zone they were recorded in, e.g. --tz Europe/Dublin "
                             "(tz='Europe/Dublin' in Python).")
    return _localise(times.clock(), times.text, tz, kind, queue, label, column, notes)


def _has_nonzero_offset(text: pd.Series) -> bool:
    """Whether any offset differs from +00:00; the distinct 6-character tails are few, so this is cheap."""
    tails = pd.unique(text.str.slice(start=-6))
    return any(re.search(r"[+-](?!00:?00$)\d{2}:?\d{2}$|[+-](?!00$)\d{2}$", str(t)) for t in tails)


def _localise(naive: pd.Series, text: pd.Series, tz: str, kind: str, queue: pd.Series, label: str, column: str,
              notes: list[str]) -> pd.Series:
    """Wall-clock times in ``tz`` -> UTC, resolving the DST gap and the repeated hour.

    Skipped times (spring forward) cannot exist: an error for interval data, shifted forward for
    contact records. Repeated times (fall back) are read by file order: the first pass is summer time.
    """
    n = len(naive)
    as_dst = naive.dt.tz_localize(tz, ambiguous=np.ones(n, dtype=bool), nonexistent="NaT")
    as_std = naive.dt.tz_localize(tz, ambiguous=np.zeros(n, dtype=bool), nonexistent="NaT")
    skipped = as_dst.isna()
    if skipped.any():
        row, value = first_row(skipped, text)
        if kind == "intervals":
            raise InputError(f"this local time does not exist in {tz}: the clocks jump forward over it.",
                             file=label, row=row, column=column, value=value,
                             fix="remove the row (an interval cannot start in the skipped hour), or check --tz.")
        notes.append(f"{int(skipped.sum())} contact(s) stamped in the hour skipped when clocks went forward "
                     f"(first: row {row}, {value}) were moved to the first valid time.")
        shifted = naive[skipped].dt.tz_localize(tz, nonexistent="shift_forward", ambiguous="NaT")
        as_dst = as_dst.where(~skipped, shifted)
        as_std = as_std.where(~skipped, shifted)
    repeated = (as_dst != as_std) & ~skipped
    if repeated.any():
        first_pass = _first_pass(naive[repeated], queue[repeated], kind)
        as_dst = as_dst.where(~repeated, as_dst[repeated].where(first_pass, as_std[repeated]))
        days = sorted({f"{d:%Y-%m-%d}" for d in naive[repeated].dt.normalize().unique()})
        notes.append(f"{int(repeated.sum())} row(s) fall in the hour repeated when clocks went back "
                     f"({', '.join(days[:4])}{'...' if len(days) > 4 else ''}); read by file order: first pass "
                     f"summer time, second pass standard time ({int((~first_pass).sum())} row(s)).")
    return as_dst.dt.tz_convert("UTC").astype("datetime64[us, UTC]")


def _first_pass(naive: pd.Series, queue: pd.Series, kind: str) -> pd.Series:
    """For times in a repeated hour: True where the row is the first (summer-time) occurrence.

    Interval data: the first row of a queue with that wall-clock time is the first pass, the next the second.
    Records: within a queue and day, every row after the clock first steps backwards is the second pass.
    """
    if kind == "intervals":
        return naive.groupby([queue, naive]).cumcount() == 0
    day = naive.dt.normalize()
    keys = [queue, day]
    stepped_back = naive.groupby(keys).diff() < pd.Timedelta(0)
    return stepped_back.astype(int).groupby(keys).cumsum() == 0
