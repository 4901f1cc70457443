"""Contact-history ingestion: read a planner's file, validate it, normalise it to ``queue, ds, y, aht``.

This is the edge where user data enters, so every problem found here becomes an
:class:`~forecasting.validation.InputError` naming the file, row (header = row 1), column,
value and the fix. Nothing past this module re-validates.
Reading the file into cells is :mod:`forecasting.tables`; parsing the time column and converting it
to UTC is :mod:`forecasting.timestamps`.

Two input shapes are accepted (decided by whether a count column is mapped or found):

- **records**: one row per contact (timestamp, optional queue / channel / handle seconds);
  counted into ``interval_minutes`` intervals (default 15), ``aht`` = mean handle seconds.
- **intervals**: pre-counted rows (interval start, count, optional queue / AHT seconds);
  the interval length is the most common positive step per queue, daily (1440) when every
  timestamp is a date or local midnight, or the ``interval_minutes`` argument (coarser than
  the data = summed up).

Output (:class:`History`) is long format in UTC, one row per interval start. The frame holds
every interval that had contacts plus every *open* interval of the queue (zero-filled when it
had none); closed intervals without contacts are left out. Opening hours come from the queue's
:class:`~forecasting.queues.QueueConfig` (in its own time zone) or, without one, are inferred:
an interval-of-week slot is open when it had contacts in at least 10% of the weeks it occurs in.
A whole open local day without a single row is a *gap*: listed in ``History.gaps`` and the notes,
never filled with zeros.

Time: values with a UTC offset are converted as written; naive values need ``tz``. A naive time
in the hour skipped by DST is an error for interval data and moved forward for contact records;
times in the repeated hour are read by file order (first pass summer time, second standard time).
Date-only data without ``tz`` is read as UTC days. Local days and opening hours of a queue are
taken in its configured zone, else ``tz``, else UTC.
"""
from __future__ import annotations

import os
import re
import zoneinfo
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from forecasting.queues import WEEKDAYS, QueueConfig
from forecasting.tables import as_text, first_row, raise_wrong_delimiter, read_table
from forecasting.tables import read_columns  # noqa: F401  (re-exported: ui/history.py imports it from here)
from forecasting.timestamps import dates_to_utc, is_daily, local_midnights, parse_times, sample_kind, to_utc
from forecasting.validation import InputError

INTERVALS = (15, 30, 60, 1440)
"""Supported interval lengths in minutes (1440 = daily)."""
DEFAULT_RECORD_INTERVAL = 15
"""Minutes per interval when contact records are counted and no length is given."""
OPEN_SLOT_SHARE = 0.10
"""An inferred slot of the week is open when it had contacts in at least this share of its weeks."""
MAX_COUNT = 1e9
"""Most contacts one row may hold: larger is a corrupt cell (and 1e308 would sum to infinity)."""
MAX_HANDLE_SECONDS = 1e7
"""Longest handle time of a contact or interval (about 116 days); larger is a corrupt cell."""
_CANDIDATES: dict[str, tuple[str, ...]] = {
    # Order matters: the first name present wins. Full timestamps before bare dates/clock times.
    "time": ("ds", "timestamp", "datetime", "interval_start", "start", "opened_at", "created_at",
             "created", "date", "time", "interval"),
    "count": ("y", "count", "calls", "contacts", "volume", "offered", "n"),
    "queue": ("queue", "skill", "split"),
    "channel": ("channel", "media", "contact_type"),
    "handle": ("aht", "handle_time", "handle_seconds", "talk_time", "duration"),
}
_FLAGS = {"time": "--time-col", "count": "--count-col", "queue": "--queue-col",
          "channel": "--channel-col", "handle": "--aht-col"}
_ROLE_WORDS = {"time": "time", "count": "count", "queue": "queue", "channel": "channel",
               "handle": "handle time (AHT)"}
_TOTAL_ROW = r"(?i)^(?:grand\s+)?(?:totals?|sum|summary)$"  # a string, so pandas runs it in Arrow, not Python


@dataclass(frozen=True)
class ColumnMap:
    """The user's column names for our roles; ``None`` = auto-detect by common names (case-insensitive)."""

    time: str | None = None     # timestamp of a contact, or start of a counted interval, or a date
    count: str | None = None    # contacts in the interval (absent => one row per contact)
    queue: str | None = None
    channel: str | None = None
    handle: str | None = None   # handle seconds of one contact, or AHT seconds of the interval


@dataclass
class History:
    """A validated, normalised contact history.

    ``frame``: columns ``queue`` (str), ``ds`` (datetime64[us, UTC], interval start), ``y`` (float,
    contacts), ``aht`` (float seconds, NaN where ``y == 0`` or unknown); sorted by queue, ds.
    Holds every interval with contacts plus every open interval (zero-filled); closed intervals
    without contacts and the intervals of gap days are left out.
    ``gaps``: ``queue, start, end`` (UTC; ``end`` exclusive) of open local days without any row.
    """

    frame: pd.DataFrame
    interval_minutes: int
    source_kind: str
    source_name: str
    timezone: str
    notes: list[str] = field(default_factory=list)
    gaps: pd.DataFrame = field(default_factory=lambda: _empty_gaps())


# ----------------------------------------------------------------------------------------------
# public API
# ----------------------------------------------------------------------------------------------


def load_history(
    source: str | os.PathLike | bytes | pd.DataFrame,
    *,
    name: str | None = None,
    tz: str | None = None,
    columns: ColumnMap | dict | None = None,
    interval_minutes: int | None = None,
    queues: dict[str, QueueConfig] | None = None,
    default_queue: str = "all",
    max_bytes: int = 200_000_000,
    max_rows: int = 20_000_000,
) -> History:
    """Read, validate and normalise a contact history.

    ``source``: a path (CSV, ``.csv.gz``, ``.xlsx``), the bytes of an upload (``name`` is then its
    file name and picks CSV vs Excel) or a DataFrame. ``tz``: IANA zone of naive timestamps.
    ``interval_minutes``: 15, 30, 60 or 1440. ``queues``: configs giving each queue's opening hours
    and zone. ``max_bytes`` (file size, bytes) and ``max_rows`` guard against oversized uploads.
    Raises :class:`InputError` for any bad input; never prints.
    """
    notes: list[str] = []
    tz = _check_zone(tz)
    _check_interval_argument(interval_minutes)
    column_map = _column_map(columns)
    queues = queues or {}

    raw, label, delimiter = read_table(source, name, max_bytes, max_rows, notes)
    roles = _resolve_columns(raw, column_map, label, delimiter)
    time_text = _combine_date_and_clock(raw, roles, column_map, notes)
    raw = _drop_empty_and_total_rows(raw, roles["time"], time_text, label, notes)
    if time_text is not None:
        time_text = time_text.loc[raw.index]
    kind = "intervals" if roles.get("count") else "records"

    times = parse_times(raw[roles["time"]] if time_text is None else time_text, roles["time"], label, notes)
    queue = _queue_labels(raw, roles, default_queue, notes)
    channel = as_text(raw[roles["channel"]]) if roles.get("channel") else None
    handle = _seconds(raw[roles["handle"]], roles["handle"], label, delimiter) if roles.get("handle") else None
    counts = _counts(raw[roles["count"]], roles["count"], label, delimiter) if kind == "intervals" else None

    daily = is_daily(times, kind, interval_minutes, label, roles["time"], notes)
    zones = _day_zones(queue, queues, tz, daily, notes)
    if daily:
        ds = dates_to_utc(times.clock(), queue, zones)
    else:
        ds = to_utc(times, tz, kind, queue, label, roles["time"], notes)

    if kind == "intervals":
        if channel is not None and roles.get("queue"):
            _note_mixed_channels(queue, channel, notes)
        _check_duplicates(queue, channel if roles.get("queue") else None, ds, times.text, label, roles["time"])
        step, counted = _intervals_to_grid(queue, ds, counts, handle, daily, interval_minutes, zones, label,
                                           roles["time"], times.text, notes)
    else:
        step = 1440 if daily else (interval_minutes or DEFAULT_RECORD_INTERVAL)
        if not daily and interval_minutes is None:
            notes.append(f"Contact records counted into {step}-minute intervals (the default; "
                         f"use --interval-minutes to change).")
        counted = _count_records(queue, ds, handle, step, zones)

    if not (counted["y"] > 0).any():
        raise InputError("every count is 0: there are no contacts to learn from.", file=label,
                         column=roles.get("count"), fix="check that the right column holds the counts (--count-col).")
    frame, gaps = _complete(counted, step, zones, queues, notes)
    # Daily dates without --tz were placed in the queues' configured zone when there is one.
    day_zone = next(iter(set(zones.values()))) if daily and len(set(zones.values())) == 1 else "UTC"
    return History(frame=frame, interval_minutes=step, source_kind=kind, source_name=label,
                   timezone=tz or day_zone, notes=notes, gaps=gaps)


def summarise(history: History) -> pd.DataFrame:
    """One row per queue: coverage, volume, peak, AHT and the share of open intervals with no contacts.

    Columns: ``queue, first, last`` (UTC interval starts), ``days`` (distinct local days with intervals,
    in ``history.timezone``), ``intervals``, ``contacts`` (total y), ``mean_daily`` (contacts per day),
    ``peak_interval`` (UTC start of the busiest interval), ``peak_volume``, ``aht`` (volume-weighted
    mean seconds, NaN when unknown), ``zero_share`` (fraction 0..1 of emitted intervals with y == 0;
    emitted zero intervals are open ones by construction).
    """
    rows = []
    for queue, part in history.frame.groupby("queue", sort=True):
        local_days = part["ds"].dt.tz_convert(history.timezone).dt.tz_localize(None).dt.normalize()
        days = int(local_days.nunique())
        contacts = float(part["y"].sum())
        peak = part["y"].idxmax()
        known = part["aht"].notna() & (part["y"] > 0)
        weight = float(part.loc[known, "y"].sum())
        aht = float((part.loc[known, "aht"] * part.loc[known, "y"]).sum() / weight) if weight else float("nan")
        rows.append({
            "queue": queue, "first": part["ds"].iloc[0], "last": part["ds"].iloc[-1], "days": days,
            "intervals": len(part), "contacts": contacts, "mean_daily": contacts / days if days else float("nan"),
            "peak_interval": part.at[peak, "ds"], "peak_volume": float(part.at[peak, "y"]), "aht": aht,
            "zero_share": float((part["y"] == 0).mean()),
        })
    columns = ["queue", "first", "last", "days", "intervals", "contacts", "mean_daily", "peak_interval",
               "peak_volume", "aht", "zero_share"]
    return pd.DataFrame(rows, columns=columns)


# ----------------------------------------------------------------------------------------------
# arguments
# ----------------------------------------------------------------------------------------------


def _check_zone(tz: str | None) -> str | None:
    """Validate an IANA zone name early, before any reading."""
    if tz is None or str(tz).strip() == "":
        return None
    tz = str(tz).strip()
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InputError("is not a time zone name I know.", value=tz,
                         fix="give an IANA zone such as Europe/Dublin, Europe/London or America/New_York.") from None
    return tz


def _check_interval_argument(interval_minutes: int | None) -> None:
    if interval_minutes is not None and interval_minutes not in INTERVALS:
        raise InputError("is not a supported interval length in minutes.", value=interval_minutes,
                         fix="use 15, 30, 60 or 1440 (daily).")


def _column_map(columns: ColumnMap | dict | None) -> ColumnMap:
    if columns is None:
        return ColumnMap()
    if isinstance(columns, ColumnMap):
        return columns
    allowed = [f.name for f in fields(ColumnMap)]
    unknown = [k for k in columns if k not in allowed]
    if unknown:
        raise InputError(f"unknown column role '{unknown[0]}'.", fix=f"use the roles {', '.join(allowed)}.")
    return ColumnMap(**{k: (None if v in (None, "") else str(v)) for k, v in columns.items()})


# ----------------------------------------------------------------------------------------------
# columns
# ----------------------------------------------------------------------------------------------


def _normal(name: str) -> str:
    """Header as compared: case-insensitive, spaces and hyphens as underscores."""
    return re.sub(r"[\s\-]+", "_", str(name).strip().lstrip("\ufeff").lower())


def _resolve_columns(frame: pd.DataFrame, column_map: ColumnMap, label: str,
                     delimiter: str | None) -> dict[str, str | None]:
    """Role -> actual column name, from the map or the common names; errors list what was found."""
    by_normal: dict[str, str] = {}
    for column in frame.columns:
        by_normal.setdefault(_normal(column), column)
    found = ", ".join(f"'{c}'" for c in frame.columns)
    roles: dict[str, str | None] = {}
    order = ("time", "count", "queue", "channel", "handle")
    for role in order:
        given = getattr(column_map, role)
        if given is not None:
            actual = by_normal.get(_normal(given))
            if actual is None:
                raise InputError(f"there is no column '{given}' for the {_ROLE_WORDS[role]} (found: {found}).",
                                 file=label, fix=f"give the exact header with {_FLAGS[role]}.")
            roles[role] = actual
    # Guessing comes second, and never takes a column the planner mapped to another role.
    mapped = set(roles.values())
    for role in order:
        if role not in roles:
            roles[role] = next((by_normal[c] for c in _CANDIDATES[role] if c in by_normal and by_normal[c] not in mapped),
                               None)
    roles = {role: roles[role] for role in order}
    if roles["time"] is None:
        raise_wrong_delimiter(frame, label, delimiter)
        names = ", ".join(_CANDIDATES["time"])
        raise InputError(f"no time column found (found: {found}).", file=label,
                         fix=f"name it one of {names}, or map it with --time-col NAME.")
    used = [c for c in roles.values() if c is not None]
    duplicate = next((c for c in used if used.count(c) > 1), None)
    if duplicate is not None:
        which = [r for r, c in roles.items() if c == duplicate]
        raise InputError(f"the column '{duplicate}' is used for both {which[0]} and {which[1]}.", file=label,
                         fix="map each role to its own column.")
    return roles


def _combine_date_and_clock(frame: pd.DataFrame, roles: dict[str, str | None], column_map: ColumnMap,
                            notes: list[str]) -> pd.Series | None:
    """Exports often split the timestamp into a date column and a clock-time column: join them.

    Only when the time column was auto-detected. May point ``roles["time"]`` at a better column (a full
    timestamp beats a bare date); returns the joined text, or None to use that column as is.
    """
    if column_map.time is not None:
        return None
    used = {c for c in roles.values() if c is not None}
    present = [c for c in frame.columns if _normal(c) in _CANDIDATES["time"]]
    others = [c for c in present if c == roles["time"] or c not in used]
    if len(others) < 2:
        return None
    kinds = {c: sample_kind(frame[c]) for c in others}
    if kinds[roles["time"]] == "datetime":
        return None
    full = next((c for c in others if kinds[c] == "datetime"), None)
    if full is not None:
        roles["time"] = full
        return None
    date_col = next((c for c in others if kinds[c] == "date"), None)
    clock_col = next((c for c in others if kinds[c] == "clock"), None)
    if date_col is None or clock_col is None:
        return None
    date_text = as_text(frame[date_col]).str.replace(r"[T ]00:00(:00)?$", "", regex=True)
    # "08:00-08:15" style interval labels: the start is the label of the interval.
    clock_text = as_text(frame[clock_col]).str.replace(r"\s*-\s*\d{1,2}:\d{2}(:\d{2})?(\s*[AaPp][Mm])?$", "",
                                                     regex=True)
    roles["time"] = date_col
    notes.append(f"Joined the date column '{date_col}' and the time column '{clock_col}' into one timestamp.")
    joined = (date_text + " " + clock_text).where(clock_text != "", date_text)
    return joined.rename(f"{date_col} + {clock_col}")


def _drop_empty_and_total_rows(frame: pd.DataFrame, time_col: str, time_text: pd.Series | None, label: str,
                               notes: list[str]) -> pd.DataFrame:
    """Blank rows and a trailing 'Total' row are export artefacts, not history: drop them, say so."""
    cells = frame.apply(as_text)
    empty = (cells == "").all(axis=1)
    times = cells[time_col] if time_text is None else time_text
    total = times.str.match(_TOTAL_ROW) & ~empty
    if empty.any():
        rows = _row_numbers(empty)
        notes.append(f"Skipped {int(empty.sum())} empty row(s) (first: row {rows[0]}).")
    if total.any():
        rows = _row_numbers(total)
        notes.append(f"Left out {int(total.sum())} totals row(s) (row {', '.join(map(str, rows[:3]))}: "
                     f"'{times[total].iloc[0]}').")
    keep = ~(empty | total)
    if not keep.any():
        raise InputError("has a header but no data rows.", file=label, fix="export the history including its rows.")
    return frame.loc[keep]


def _row_numbers(mask: pd.Series, limit: int = 3) -> list[int]:
    """Spreadsheet rows of the first True entries: header is row 1, so index i is row i + 2."""
    return [int(i) + 2 for i in mask.index[mask.to_numpy()][:limit]]


# ----------------------------------------------------------------------------------------------
# numbers
# ----------------------------------------------------------------------------------------------


def _numbers(values: pd.Series, delimiter: str | None) -> tuple[pd.Series, pd.Series]:
    """Cells -> (floats, text); decimal commas accepted when the comma is not the delimiter."""
    text = as_text(values)
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return values.astype(float), text
    plain = text
    if delimiter != "," and text.str.contains(",", regex=False).any():
        plain = text.str.replace(r"^(-?\d+),(\d+)$", r"\1.\2", regex=True)
    numbers = pd.to_numeric(plain.where(plain != "", None), errors="coerce").astype(float)
    return numbers, text


def _counts(values: pd.Series, column: str, label: str, delimiter: str | None) -> pd.Series:
    """Contacts per interval: present, numeric, finite, not negative."""
    numbers, text = _numbers(values, delimiter)
    empty = text == ""
    if empty.any():
        row, _ = first_row(empty, text)
        raise InputError("the count is empty.", file=label, row=row, column=column,
                         fix="enter 0 for an interval without contacts, or delete the row.")
    _reject_bad_numbers(numbers, text, column, label, "count",
                        "counts are whole numbers of contacts, e.g. 12 (no letters, no units).", MAX_COUNT)
    return numbers


def _seconds(values: pd.Series, column: str, label: str, delimiter: str | None) -> pd.Series:
    """Handle time in seconds; 'H:MM:SS' / 'M:SS' also read. Empty = unknown (NaN)."""
    numbers, text = _numbers(values, delimiter)
    clock = text.str.match(r"^\d+:\d{2}(:\d{2}(\.\d+)?)?$")
    if clock.any():
        padded = text[clock].where(text[clock].str.count(":") == 2, "0:" + text[clock])
        numbers = numbers.copy()
        numbers[clock] = pd.to_timedelta(padded, errors="coerce").dt.total_seconds()
    if pd.api.types.infer_dtype(values, skipna=True) in ("time", "timedelta", "mixed"):
        # Excel duration cells arrive as datetime.time / timedelta objects.
        numbers = numbers.where(numbers.notna(), _object_seconds(values))
    known = text != ""
    _reject_bad_numbers(numbers.where(known, 0.0), text, column, label, "handle time",
                        "give handle time in seconds (e.g. 245) or as H:MM:SS.", MAX_HANDLE_SECONDS)
    return numbers.where(known)


def _object_seconds(values: pd.Series) -> pd.Series:
    import datetime as dt

    def one(value: Any) -> float:
        if isinstance(value, dt.time):
            return value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        if isinstance(value, (dt.timedelta, pd.Timedelta)):
            return value.total_seconds()
        return np.nan

    return values.map(one).astype(float)


def _reject_bad_numbers(numbers: pd.Series, text: pd.Series, column: str, label: str, what: str, fix: str,
                        high: float) -> None:
    not_number = numbers.isna()  # "nan", "NULL", "12a" all come out of to_numeric as NaN
    if not_number.any():
        row, value = first_row(not_number, text)
        raise InputError(f"the {what} is not a number.", file=label, row=row, column=column, value=value, fix=fix)
    infinite = ~np.isfinite(numbers)
    if infinite.any():
        row, value = first_row(infinite, text)
        raise InputError(f"the {what} is not a finite number.", file=label, row=row, column=column, value=value,
                         fix=fix)
    negative = numbers < 0
    if negative.any():
        row, value = first_row(negative, text)
        raise InputError(f"the {what} is negative.", file=label, row=row, column=column, value=value,
                         fix=f"{what}s cannot be below 0; correct the row or delete it.")
    too_big = numbers > high
    if too_big.any():
        row, value = first_row(too_big, text)
        raise InputError(f"the {what} is larger than {high:,.0f}, which cannot be real.", file=label, row=row,
                         column=column, value=value, fix=f"correct the row or delete it; {fix}")


# ----------------------------------------------------------------------------------------------
# queues
# ----------------------------------------------------------------------------------------------


def _queue_labels(frame: pd.DataFrame, roles: dict[str, str | None], default_queue: str,
                  notes: list[str]) -> pd.Series:
    """Queue of each row: the queue column, else the channel column, else ``default_queue``."""
    source = roles.get("queue") or roles.get("channel")
    if source is None:
        notes.append(f"No queue or channel column: every row is queue '{default_queue}'.")
        return pd.Series(default_queue, index=frame.index, dtype=str)
    labels = as_text(frame[source])
    if not roles.get("queue"):
        notes.append(f"No queue column: queues are the channels in '{source}' "
                     f"({', '.join(sorted(labels[labels != ''].unique())[:8])}).")
    empty = labels == ""
    if empty.any():
        notes.append(f"{int(empty.sum())} row(s) without a {'queue' if roles.get('queue') else 'channel'} "
                     f"(first: row {_row_numbers(empty)[0]}) were put in queue '{default_queue}'.")
        labels = labels.where(~empty, default_queue)
    return labels


def _note_mixed_channels(queue: pd.Series, channel: pd.Series, notes: list[str]) -> None:
    """Queue and channel both given: one queue with several channels is counted as one series."""
    per_queue = pd.DataFrame({"q": queue, "c": channel}).groupby("q")["c"].nunique()
    mixed = per_queue[per_queue > 1]
    if len(mixed):
        notes.append(f"Queue(s) {', '.join(map(str, mixed.index[:5]))} hold several channels; their counts were "
                     f"added together. Give each channel its own queue to forecast them apart.")


# ----------------------------------------------------------------------------------------------
# time zones
# ----------------------------------------------------------------------------------------------


def _day_zones(queue: pd.Series, queues: dict[str, QueueConfig], tz: str | None, daily: bool,
               notes: list[str]) -> dict[str, str]:
    """Zone of each queue's local days and opening hours: its config, else ``tz``, else UTC.

    Daily dates are written in the file's zone, so ``tz`` wins over the config for daily data.
    """
    zones = {}
    for q in pd.unique(queue):
        config_zone = queues[q].timezone if q in queues else None
        zones[q] = (tz or config_zone or "UTC") if daily else (config_zone or tz or "UTC")
    if daily and tz is None and any(z == "UTC" for z in zones.values()):
        notes.append("The dates have no time zone: read as UTC days. Pass --tz to use local days.")
    return zones


# ----------------------------------------------------------------------------------------------
# intervals
# ----------------------------------------------------------------------------------------------


def _check_duplicates(queue: pd.Series, channel: pd.Series | None, ds: pd.Series, text: pd.Series, label: str,
                      column: str) -> None:
    """Interval data may hold each (queue, interval) once; name both rows of the first clash."""
    keys = pd.DataFrame({"q": queue, "ds": ds})
    if channel is not None:
        keys["c"] = channel
    clash = keys.duplicated(keep=False)
    if not clash.any():
        return
    first = keys[clash].iloc[0]
    same = keys[clash & (keys["q"] == first["q"]) & (keys["ds"] == first["ds"])]
    if channel is not None:
        same = same[same["c"] == first["c"]]
    rows = [int(i) + 2 for i in same.index[:2]]
    raise InputError(f"rows {rows[0]} and {rows[1]} are the same interval of queue '{first['q']}' "
                     f"({first['ds']:%Y-%m-%d %H:%M} UTC).", file=label, row=rows[1], column=column,
                     value=text.loc[same.index[1]],
                     fix="keep one row per queue and interval (sum them if both are real), then reload.")


def _intervals_to_grid(queue: pd.Series, ds: pd.Series, counts: pd.Series, handle: pd.Series | None, daily: bool,
                       interval_minutes: int | None, zones: dict[str, str], label: str, column: str,
                       text: pd.Series, notes: list[str]) -> tuple[int, pd.DataFrame]:
    """Pre-counted rows -> (interval minutes, queue/ds/y/aht) on one grid, summing finer data up."""
    frame = pd.DataFrame({"queue": queue, "ds": ds, "y": counts,
                          "aht": handle if handle is not None else np.nan})
    if daily:
        return 1440, _sum_intervals(frame)
    steps = _steps_per_queue(frame, label, interval_minutes)
    if interval_minutes is not None:
        target = interval_minutes
    else:
        target = max(_smallest_supported(step, q, label) for q, step in steps.items())
        notes.append(f"Interval length detected from the timestamps: {target} minutes.")
    for q, step in steps.items():
        if target % step and target != 1440:
            raise InputError(f"queue '{q}' has {step}-minute intervals, which do not fit {target}-minute "
                             f"intervals.", file=label, column=column,
                             fix="pass an --interval-minutes that is a multiple of the data's interval.")
        if step < target:
            notes.append(f"Queue '{q}': {step}-minute intervals summed into {target}-minute intervals.")
    _check_alignment(frame, steps, label, column, text)
    if target == 1440:
        frame["ds"] = _bin_days(frame["ds"], frame["queue"], zones)
    elif any(step < target for step in steps.values()):
        frame["ds"] = _bin_intraday(frame["ds"], target, _data_phase(frame["ds"], target))
    return target, _sum_intervals(frame)


def _steps_per_queue(frame: pd.DataFrame, label: str, target: int | None) -> dict[str, int]:
    """Interval length (minutes) of each queue's rows: the most common positive step between starts.

    Exports that leave out empty intervals have irregular steps; then the greatest common divisor of
    the steps is the interval (unless it is under 5 minutes, which means off-grid rows, reported later).
    When ``target`` is given and every step is a multiple of it, the queue is already at ``target``.
    """
    steps = {}
    for q, part in frame.groupby("queue", sort=True):
        starts = part["ds"].drop_duplicates().sort_values()
        diffs = (starts.diff().dropna() / pd.Timedelta(minutes=1)).round().astype(np.int64)
        diffs = diffs[diffs > 0]
        if diffs.empty:
            continue
        if target is not None and (diffs % target == 0).all():
            steps[q] = target
            continue
        mode = int(diffs.mode().min())
        common = int(np.gcd.reduce(diffs.to_numpy()))
        steps[q] = mode if (diffs % mode == 0).all() or common < 5 else common
    if not steps:
        if target is not None:
            return {q: target for q in pd.unique(frame["queue"])}
        raise InputError("has a single time per queue, so the interval length cannot be told.", file=label,
                         fix="pass --interval-minutes (15, 30, 60 or 1440).")
    fallback = target or min(steps.values())
    return {q: steps.get(q, fallback) for q in pd.unique(frame["queue"])}


def _smallest_supported(step: int, queue: str, label: str) -> int:
    for target in INTERVALS:
        if target % step == 0 and step <= target:
            return target
    raise InputError(f"queue '{queue}' has rows {step} minutes apart; supported intervals are 15, 30 and 60 "
                     f"minutes or daily.", file=label, fix="re-export the history at 15, 30 or 60 minutes, or "
                                                           "daily.")


def _minutes(ds: pd.Series) -> pd.Series:
    return (ds - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(minutes=1)


def _data_phase(ds: pd.Series, step: int) -> int:
    """Offset (minutes) of the data's grid from the UTC grid: non-zero for e.g. +05:30 zones at 60 minutes."""
    return int((_minutes(ds) % step).mode().iloc[0])


def _check_alignment(frame: pd.DataFrame, steps: dict[str, int], label: str, column: str, text: pd.Series) -> None:
    """Every interval start must sit on its queue's grid: whole minutes, same phase as the other rows."""
    for q, step in steps.items():
        part = frame.loc[frame["queue"] == q, "ds"]
        off_minute = part != part.dt.floor("min")
        phase = _minutes(part) % step
        off_grid = off_minute | (phase != phase.mode().iloc[0])
        if off_grid.any():
            row, value = first_row(off_grid, text.loc[part.index])
            raise InputError(f"this interval start is off the {step}-minute grid of the other rows of queue "
                             f"'{q}'.", file=label, row=row, column=column, value=value,
                             fix="interval starts must be whole multiples of the interval (e.g. 08:00, 08:15); "
                                 "correct the row.")


def _bin_intraday(ds: pd.Series, step: int, phase: int) -> pd.Series:
    """Floor UTC times onto a ``step``-minute grid shifted by ``phase`` minutes."""
    shift = pd.Timedelta(minutes=phase)
    return (ds - shift).dt.floor(f"{step}min") + shift


def _zone_phase(zone: str, at: pd.Timestamp, step: int) -> int:
    """Minutes the local grid of ``zone`` sits off the UTC grid (0 except for :30 / :45 zones at long steps)."""
    offset = at.tz_convert(zone).utcoffset() or pd.Timedelta(0)
    return int(offset / pd.Timedelta(minutes=1)) % step


def _bin_days(ds: pd.Series, queue: pd.Series, zones: dict[str, str]) -> pd.Series:
    """UTC times -> UTC start of their local day in the queue's zone."""
    out = pd.Series(pd.NaT, index=ds.index, dtype="datetime64[us, UTC]")
    for zone in set(zones.values()):
        mask = queue.isin([q for q, z in zones.items() if z == zone])
        dates = ds[mask].dt.tz_convert(zone).dt.tz_localize(None).dt.normalize()
        out[mask] = local_midnights(dates, zone)
    return out


def _sum_intervals(frame: pd.DataFrame) -> pd.DataFrame:
    """Sum counts per (queue, ds); AHT volume-weighted over the rows where it is known."""
    frame = frame.assign(known=frame["y"].where(frame["aht"].notna(), 0.0),
                         work=(frame["aht"] * frame["y"]).fillna(0.0))
    out = frame.groupby(["queue", "ds"], sort=True).agg(y=("y", "sum"), work=("work", "sum"),
                                                        known=("known", "sum")).reset_index()
    out["aht"] = (out["work"] / out["known"]).where(out["known"] > 0)
    return out[["queue", "ds", "y", "aht"]]


def _count_records(queue: pd.Series, ds: pd.Series, handle: pd.Series | None, step: int,
                   zones: dict[str, str]) -> pd.DataFrame:
    """One row per contact -> contacts and mean handle seconds per (queue, interval)."""
    if step == 1440:
        bins = _bin_days(ds, queue, zones)
    else:
        bins = pd.Series(pd.NaT, index=ds.index, dtype="datetime64[us, UTC]")
        for zone in set(zones.values()):
            mask = queue.isin([q for q, z in zones.items() if z == zone])
            bins[mask] = _bin_intraday(ds[mask], step, _zone_phase(zone, ds[mask].iloc[0], step))
    frame = pd.DataFrame({"queue": queue, "ds": bins, "h": handle if handle is not None else np.nan})
    out = frame.groupby(["queue", "ds"], sort=True).agg(y=("ds", "size"), aht=("h", "mean")).reset_index()
    out["y"] = out["y"].astype(float)
    return out


# ----------------------------------------------------------------------------------------------
# opening hours, zero-fill and gaps
# ----------------------------------------------------------------------------------------------


def _complete(counted: pd.DataFrame, step: int, zones: dict[str, str], queues: dict[str, QueueConfig],
              notes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per queue: zero-fill open intervals, keep every interval with contacts, report whole missing days."""
    parts, gaps = [], []
    for q, data in counted.groupby("queue", sort=True):
        config = queues.get(q)
        if queues and config is None:
            notes.append(f"Queue '{q}' is not in the queues file: its opening hours were inferred from the data.")
        part, queue_gaps = _complete_queue(q, data.drop(columns="queue"), step, zones[q], config, notes)
        parts.append(part)
        gaps.extend(queue_gaps)
    frame = pd.concat(parts, ignore_index=True)
    frame["queue"] = frame["queue"].astype(str)
    frame["ds"] = frame["ds"].astype("datetime64[us, UTC]")
    frame["y"] = frame["y"].astype(float)
    frame["aht"] = frame["aht"].astype(float).where(frame["y"] > 0)
    gap_frame = pd.DataFrame(gaps, columns=["queue", "start", "end"]) if gaps else _empty_gaps()
    if gaps:
        gap_frame["queue"] = gap_frame["queue"].astype(str)
        gap_frame[["start", "end"]] = gap_frame[["start", "end"]].astype("datetime64[us, UTC]")
    return frame.sort_values(["queue", "ds"], ignore_index=True), gap_frame


def _empty_gaps() -> pd.DataFrame:
    return pd.DataFrame({"queue": pd.Series(dtype=str), "start": pd.Series(dtype="datetime64[us, UTC]"),
                         "end": pd.Series(dtype="datetime64[us, UTC]")})


def _grid(first: pd.Timestamp, last: pd.Timestamp, step: int, zone: str) -> pd.DatetimeIndex:
    """Every interval start (UTC) from ``first`` to ``last``; daily = each local day's start."""
    if step == 1440:
        days = pd.date_range(first.tz_convert(zone).tz_localize(None).normalize(),
                             last.tz_convert(zone).tz_localize(None).normalize(), freq="D")
        return local_midnights(days, zone)
    return pd.date_range(first, last, freq=f"{step}min").as_unit("us")


def _complete_queue(queue: str, data: pd.DataFrame, step: int, zone: str, config: QueueConfig | None,
                    notes: list[str]) -> tuple[pd.DataFrame, list[tuple]]:
    grid = _grid(data["ds"].min(), data["ds"].max(), step, zone)
    local = grid.tz_convert(zone)
    weekday = np.asarray(local.day_of_week)
    minute = np.asarray(local.hour * 60 + local.minute)
    day = local.tz_localize(None).normalize()
    has_contacts = grid.isin(data.loc[data["y"] > 0, "ds"])
    if config is not None:
        is_open = _configured_open(config, weekday, minute, step)
        closed_contacts = float(data.loc[~data["ds"].isin(grid[is_open]), "y"].sum())
        if closed_contacts:
            notes.append(f"Queue '{queue}': {closed_contacts:,.0f} contact(s) fall outside its opening hours in "
                         f"the queues file; kept.")
    else:
        is_open = _inferred_open(weekday, minute, has_contacts)
        hours = _describe_open(weekday, minute, is_open, step)
        notes.append(f"Queue '{queue}': opening hours inferred from the data ({hours}, local time {zone}).")
    row_days = pd.DatetimeIndex(data["ds"]).tz_convert(zone).tz_localize(None).normalize()
    open_days = pd.Series(is_open).groupby(day).any()
    missing = open_days & ~open_days.index.isin(row_days)
    stretches = _stretches(missing[open_days])
    if stretches:
        missing_days = sum((end - start).days for start, end in stretches)
        shown = "; ".join(_describe_stretch(s, e) for s, e in stretches[:3])
        notes.append(f"Queue '{queue}': {len(stretches)} missing stretch(es), {missing_days} open day(s) without "
                     f"any data ({shown}{'; ...' if len(stretches) > 3 else ''}); left out, not filled with zeros.")
    in_gap = np.asarray(day.isin(missing.index[missing]))
    keep = has_contacts | (is_open & ~in_gap)
    dropped = int((~data["ds"].isin(grid[keep])).sum())
    if dropped:
        notes.append(f"Queue '{queue}': {dropped:,} row(s) with 0 contacts in closed hours left out.")
    out = data.set_index("ds").reindex(grid[keep])
    out = out.rename_axis("ds").reset_index()
    zero_filled = int(out["y"].isna().sum())
    out["y"] = out["y"].fillna(0.0)
    out.insert(0, "queue", queue)
    if zero_filled:
        notes.append(f"Queue '{queue}': {zero_filled:,} open interval(s) without contacts set to 0.")
    gaps = [(queue, local_midnights(pd.DatetimeIndex([s]), zone)[0], local_midnights(pd.DatetimeIndex([e]), zone)[0])
            for s, e in stretches]
    return out[["queue", "ds", "y", "aht"]], gaps


def _configured_open(config: QueueConfig, weekday: np.ndarray, minute: np.ndarray, step: int) -> np.ndarray:
    """Open where the interval overlaps the weekday's span in the queue's local time."""
    is_open = np.zeros(len(weekday), dtype=bool)
    for wd, span in config.open_spans().items():
        if span is None:
            continue
        start, end = span
        if step == 1440:
            is_open |= weekday == wd
        else:
            is_open |= (weekday == wd) & (minute < end) & (minute + step > start)
    return is_open


def _inferred_open(weekday: np.ndarray, minute: np.ndarray, has_contacts: np.ndarray) -> np.ndarray:
    """A (weekday, local time) slot is open when it had contacts in >= 10% of the weeks it occurs in."""
    slot = weekday * 1440 + minute
    share = pd.Series(has_contacts.astype(float)).groupby(slot).mean()
    return np.asarray(pd.Series(slot).map(share) >= OPEN_SLOT_SHARE)


def _describe_open(weekday: np.ndarray, minute: np.ndarray, is_open: np.ndarray, step: int) -> str:
    """'mon 08:00-20:00, ..., sun closed' from the open slots (earliest start to latest end per weekday)."""
    parts = []
    for wd in range(7):
        mask = is_open & (weekday == wd)
        if not mask.any():
            parts.append("closed")
        elif step == 1440:
            parts.append("open")
        else:
            start, end = int(minute[mask].min()), int(minute[mask].max()) + step
            parts.append(f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}")
    if set(parts) == {"closed"}:
        return "no slot had contacts in 10% of its weeks, so only intervals with contacts are kept"
    if len(set(parts)) == 1:
        return f"every day {parts[0]}"
    return ", ".join(f"{name} {part}" for name, part in zip(WEEKDAYS, parts))


def _stretches(missing: pd.Series) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Runs of missing open days (closed days between them do not break a run) -> (first day, day after last)."""
    if not missing.any():
        return []
    run = (missing != missing.shift()).cumsum()
    out = []
    for _, days in missing[missing].groupby(run[missing]):
        out.append((days.index[0], days.index[-1] + pd.Timedelta(days=1)))
    return out


def _describe_stretch(start: pd.Timestamp, end: pd.Timestamp) -> str:
    last = end - pd.Timedelta(days=1)
    return f"{start:%Y-%m-%d}" if last == start else f"{start:%Y-%m-%d} to {last:%Y-%m-%d}"
