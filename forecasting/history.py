"""Contact-history ingestion: read a planner's file, validate it, normalise it to ``queue, ds, y, aht``.

This is the edge where user data enters, so every problem found here becomes an
:class:`~forecasting.validation.InputError` naming the file, row (header = row 1), column,
value and the fix. Nothing past this module re-validates.

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

import codecs
import csv
import gzip
import io
import os
import re
import warnings
import zlib
import zoneinfo
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format

from forecasting.queues import WEEKDAYS, QueueConfig
from forecasting.validation import InputError

INTERVALS = (15, 30, 60, 1440)
"""Supported interval lengths in minutes (1440 = daily)."""
DEFAULT_RECORD_INTERVAL = 15
"""Minutes per interval when contact records are counted and no length is given."""
OPEN_SLOT_SHARE = 0.10
"""An inferred slot of the week is open when it had contacts in at least this share of its weeks."""

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
_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_SNIFF_LINES = 50
_TOTAL_ROW = r"(?i)^(?:grand\s+)?(?:totals?|sum|summary)$"  # a string, so pandas runs it in Arrow, not Python
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
_ZIP_MAGIC = b"PK\x03\x04"


def _make_text_dtype() -> pd.StringDtype:
    """Arrow-backed strings with NaN for missing (pandas 3's default ``str``; also on pandas 2.3).

    Spelled out so that string work stays vectorised whatever the installed pandas defaults to.
    """
    try:
        import pyarrow  # noqa: F401  (only checks it is there)

        return pd.StringDtype("pyarrow", na_value=np.nan)
    except ImportError:
        return pd.StringDtype("python", na_value=np.nan)


_TEXT = _make_text_dtype()
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


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

    raw, label, delimiter = _read_source(source, name, max_bytes, max_rows, notes)
    roles = _resolve_columns(raw, column_map, label, delimiter)
    time_text = _combine_date_and_clock(raw, roles, column_map, notes)
    raw = _drop_empty_and_total_rows(raw, roles["time"], time_text, label, notes)
    if time_text is not None:
        time_text = time_text.loc[raw.index]
    kind = "intervals" if roles.get("count") else "records"

    times = _parse_times(raw[roles["time"]] if time_text is None else time_text, roles["time"], label, notes)
    queue = _queue_labels(raw, roles, default_queue, notes)
    channel = _text(raw[roles["channel"]]) if roles.get("channel") else None
    handle = _seconds(raw[roles["handle"]], roles["handle"], label, delimiter) if roles.get("handle") else None
    counts = _counts(raw[roles["count"]], roles["count"], label, delimiter) if kind == "intervals" else None

    daily = _is_daily(times, kind, interval_minutes, label, roles["time"], notes)
    zones = _day_zones(queue, queues, tz, daily, notes)
    if daily:
        ds = _dates_to_utc(times.clock(), queue, zones)
    else:
        ds = _to_utc(times, tz, kind, queue, label, roles["time"], notes)

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


def read_columns(source: str | os.PathLike | bytes | pd.DataFrame, *, name: str | None = None,
                 max_bytes: int = 200_000_000) -> list[str]:
    """The column headers of a history file, for a column-mapping form (reads the header row only).

    Same sources and checks as :func:`load_history` up to the header; raises :class:`InputError`.
    """
    if isinstance(source, pd.DataFrame):
        return [str(c) for c in source.columns]
    data, label = _source_bytes(source, name, max_bytes)
    lower = label.lower()
    if lower.endswith(".gz"):
        data = _gunzip(data, label, max_bytes)
        lower = lower[:-3]
    if lower.endswith((".xlsx", ".xlsm")) or data.startswith(_ZIP_MAGIC):
        return [str(c) for c in _read_excel(data, label, 0, [], header_only=True).columns]
    if lower.endswith(".xls") or data.startswith(_OLE_MAGIC):
        raise InputError("is an old-style .xls workbook, which cannot be read.", file=label,
                         fix="open it in Excel and save it as .xlsx or as CSV (UTF-8).")
    text = _decode(data, label, [])
    if not text.strip():
        raise InputError("is empty.", file=label, fix="export the history with a header row and data rows.")
    header = next(csv.reader([text.lstrip("\r\n").splitlines()[0]], delimiter=_sniff_delimiter(text)))
    return [c.strip().lstrip("\ufeff") for c in header]


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
# reading files
# ----------------------------------------------------------------------------------------------


def _read_source(source: Any, name: str | None, max_bytes: int, max_rows: int,
                 notes: list[str]) -> tuple[pd.DataFrame, str, str | None]:
    """Any accepted source -> (cells as a DataFrame with a RangeIndex, label for messages, CSV delimiter)."""
    if isinstance(source, pd.DataFrame):
        label = name or "table"
        if len(source) > max_rows:
            raise InputError(f"has {len(source):,} rows, more than the limit of {max_rows:,}.", file=label,
                             fix="load a shorter period or raise max_rows.")
        frame = source.reset_index(drop=True).copy()
        frame.columns = [str(c) for c in frame.columns]
        _check_not_empty(frame, label)
        return frame, label, None
    data, label = _source_bytes(source, name, max_bytes)
    lower = label.lower()
    if lower.endswith(".gz"):
        data = _gunzip(data, label, max_bytes)
        lower = lower[:-3]
    if lower.endswith((".xlsx", ".xlsm")):
        return _read_excel(data, label, max_rows, notes), label, None
    if lower.endswith(".xls") or data.startswith(_OLE_MAGIC):
        raise InputError("is an old-style .xls workbook, which cannot be read.", file=label,
                         fix="open it in Excel and save it as .xlsx or as CSV (UTF-8).")
    if data.startswith(_ZIP_MAGIC):
        notes.append(f"{label} is an Excel workbook despite its name; read as Excel.")
        return _read_excel(data, label, max_rows, notes), label, None
    return _read_csv(data, label, max_rows, notes)


def _source_bytes(source: Any, name: str | None, max_bytes: int) -> tuple[bytes, str]:
    """Path or upload -> its bytes, checking the size before reading."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, label = bytes(source), name or "upload"
        if len(data) > max_bytes:
            raise _too_big(label, len(data), max_bytes)
        return data, label
    if not isinstance(source, (str, os.PathLike)):
        raise InputError(f"cannot read a {type(source).__name__}.",
                         fix="give a file path, the bytes of an uploaded file, or a DataFrame.")
    path = Path(source)
    label = name or path.name
    if not path.exists():
        raise InputError("the file does not exist.", file=str(path), fix="check the path and the file name.")
    if not path.is_file():
        raise InputError("is a folder, not a file.", file=str(path), fix="give the path of the history file.")
    size = path.stat().st_size
    if size > max_bytes:
        raise _too_big(label, size, max_bytes)
    try:
        return path.read_bytes(), label
    except OSError as err:
        raise InputError(f"could not be read ({err.strerror}).", file=str(path),
                         fix="check that the file is readable and not open elsewhere.") from None


def _too_big(label: str, size: int, max_bytes: int) -> InputError:
    return InputError(f"is {_size(size)}, more than the limit of {_size(max_bytes)}.", file=label,
                      fix="load a shorter period, gzip the CSV, or raise the size limit.")


def _size(n: int) -> str:
    return f"{n / 1e6:,.1f} MB" if n >= 1e6 else f"{n:,} bytes"


def _gunzip(data: bytes, label: str, max_bytes: int) -> bytes:
    """Decompress, stopping past ``max_bytes`` so a small .gz cannot expand without bound."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as handle:
            out = handle.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error):
        raise InputError("is not a valid gzip file.", file=label,
                         fix="re-compress it with gzip, or remove the .gz ending if it is plain CSV.") from None
    if len(out) > max_bytes:
        raise _too_big(label + " (unpacked)", len(out), max_bytes)
    return out


def _read_excel(data: bytes, label: str, max_rows: int, notes: list[str], *,
                header_only: bool = False) -> pd.DataFrame:
    """First worksheet of an .xlsx -> DataFrame; date cells arrive as datetimes."""
    import itertools

    import openpyxl

    if not data.startswith(_ZIP_MAGIC):
        raise InputError("is not a real Excel workbook (.xlsx); the content is something else.", file=label,
                         fix="if it is a CSV, rename it to .csv; otherwise open it in Excel and save as .xlsx.")
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = list(itertools.islice(sheet.iter_rows(values_only=True), max_rows + 2))
        sheet_names = book.sheetnames
        book.close()
    except Exception:  # openpyxl raises many unrelated types for a damaged workbook; all mean the same here
        raise InputError("could not be opened as an Excel workbook (it may be damaged or password-protected).",
                         file=label, fix="open it in Excel and save it again as .xlsx, or export it as CSV.") from None
    if len(sheet_names) > 1:
        notes.append(f"{label}: read the first worksheet '{sheet_names[0]}' of {len(sheet_names)}.")
    if not rows or all(cell is None for cell in rows[0]):
        raise InputError("is empty.", file=label, fix="export the history with a header row and data rows.")
    header = [str(c).strip() if c is not None else f"column_{i + 1}" for i, c in enumerate(rows[0])]
    if header_only:
        return pd.DataFrame(columns=header)
    body = rows[1:]
    if len(body) > max_rows:
        raise InputError(f"has more than the limit of {max_rows:,} rows.", file=label,
                         fix="load a shorter period or raise max_rows.")
    frame = pd.DataFrame(body, columns=header, dtype=object)
    _check_not_empty(frame, label)
    return frame


def _read_csv(data: bytes, label: str, max_rows: int, notes: list[str]) -> tuple[pd.DataFrame, str, str]:
    """Decode, sniff the delimiter and parse every cell as text (we convert types ourselves)."""
    text = _decode(data, label, notes)
    if not text.strip():
        raise InputError("is empty.", file=label, fix="export the history with a header row and data rows.")
    delimiter = _sniff_delimiter(text)
    try:
        with warnings.catch_warnings():
            # index_col=False stops pandas turning a first row with an extra field into an index; it then
            # only warns and drops the extra field, which we want as an error naming the row.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=_TEXT, keep_default_na=False,
                                na_filter=False, skip_blank_lines=False, nrows=max_rows + 1, engine="c",
                                index_col=False)
    except pd.errors.ParserWarning:
        raise _extra_fields_error(text, label, delimiter) from None
    except pd.errors.EmptyDataError:
        raise InputError("is empty.", file=label, fix="export the history with a header row and data rows.") from None
    except pd.errors.ParserError as err:
        raise _parser_error(err, label, delimiter) from None
    if len(frame) > max_rows:
        raise InputError(f"has more than the limit of {max_rows:,} rows.", file=label,
                         fix="load a shorter period or raise max_rows.")
    # Trailing blank lines are artefacts of the export, not rows; inner blank rows are dropped later with a note.
    frame = _strip_trailing_blank_rows(frame)
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    frame = frame.fillna("")
    _check_not_empty(frame, label)
    return frame, label, delimiter


def _decode(data: bytes, label: str, notes: list[str]) -> str:
    """Bytes -> text: BOMs first, then UTF-8, then Windows-1252 / Latin-1 (never fails on legacy exports)."""
    if data.startswith(codecs.BOM_UTF8):
        return _strict_decode(data, "utf-8-sig", label)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict_decode(data, "utf-16", label)
    utf16 = _utf16_without_bom(data)
    if utf16:
        notes.append(f"{label} was read as {utf16.upper()} (it has no byte-order mark).")
        return _strict_decode(data, utf16, label)
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise InputError("contains bytes that are not text (NUL bytes); it is not a CSV file.", file=label,
                         row=line, fix="export the history as CSV (UTF-8) or .xlsx.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
        notes.append(f"{label} is not UTF-8; read as Windows-1252. Check accented names came out right.")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        notes.append(f"{label} is not UTF-8; read as Latin-1. Check accented names came out right.")
    return text


def _strict_decode(data: bytes, encoding: str, label: str) -> str:
    """Decode a file whose encoding is declared (BOM) or detected; a bad byte is named with its row."""
    skip = len(codecs.BOM_UTF8) if encoding == "utf-8-sig" else 0
    try:
        return data[skip:].decode("utf-8" if skip else encoding)
    except UnicodeDecodeError as err:
        at = skip + err.start
        # Count line breaks before the bad byte (for UTF-16 a newline is "\n\0" or "\0\n").
        line = data[:at].replace(b"\x00", b"").count(b"\n") + 1
        shown = encoding.upper().replace("-SIG", "")
        raise InputError(f"has a byte that is not valid {shown} (byte {at:,} of the file).", file=label, row=line,
                         value=data[at:at + 1].hex(" ").upper().join(["0x", ""]),
                         fix="re-save the file as CSV UTF-8 (in Excel: Save As > CSV UTF-8).") from None


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a BOM shows as NUL in every other byte of ASCII text."""
    sample = data[:4000]
    if len(sample) < 4 or len(sample) % 2:
        return None
    if sample[1::2].count(0) > 0.9 * (len(sample) // 2):
        return "utf-16-le"
    if sample[0::2].count(0) > 0.9 * (len(sample) // 2):
        return "utf-16-be"
    return None


def _sniff_delimiter(text: str) -> str:
    """Pick the delimiter giving the most columns with the same field count on most of the first lines."""
    lines = [line for line in text.splitlines()[: _SNIFF_LINES * 2] if line.strip()][:_SNIFF_LINES]
    best, best_score = ",", (0.0, 1)
    for delimiter in _DELIMITERS:
        counts = [len(fields_) for fields_ in csv.reader(lines, delimiter=delimiter)]
        if not counts or counts[0] < 2:
            continue
        consistency = sum(c == counts[0] for c in counts) / len(counts)
        score = (consistency, counts[0])
        if consistency >= 0.5 and score > best_score:
            best, best_score = delimiter, score
    return best


def _parser_error(err: Exception, label: str, delimiter: str) -> InputError:
    match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(err))
    if match:
        expected, line, saw = (int(g) for g in match.groups())
        return InputError(f"has {saw} fields but the header has {expected} "
                          f"(delimiter {_DELIMITER_NAMES[delimiter]}).", file=label, row=line,
                          fix=f"quote values that contain a {_DELIMITER_NAMES[delimiter]}, or remove the extra "
                              f"{_DELIMITER_NAMES[delimiter]}s on that row.")
    return InputError("could not be read as CSV (unbalanced quotes or a damaged file).", file=label,
                      fix="open it in a spreadsheet and export it again as CSV.")


def _extra_fields_error(text: str, label: str, delimiter: str) -> InputError:
    """The first row longer than the header, found with the csv module (only the first lines are read)."""
    lines = text.splitlines()[: _SNIFF_LINES * 2]
    counts = [len(f) for f in csv.reader(lines, delimiter=delimiter)]
    row = next((i + 1 for i, c in enumerate(counts[1:], 1) if c > counts[0]), 2)
    name = _DELIMITER_NAMES[delimiter]
    return InputError(f"has {counts[row - 1] if row - 1 < len(counts) else 'more'} fields but the header has "
                      f"{counts[0]} (delimiter {name}).", file=label, row=row,
                      fix=f"quote values that contain a {name}, or remove the extra {name}s on that row.")


def _strip_trailing_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    filled = (frame.fillna("") != "").any(axis=1).to_numpy()
    last = np.flatnonzero(filled)
    return frame.iloc[: (last[-1] + 1 if len(last) else 0)]


def _check_not_empty(frame: pd.DataFrame, label: str) -> None:
    if frame.shape[1] == 0:
        raise InputError("is empty.", file=label, fix="export the history with a header row and data rows.")
    if len(frame) == 0:
        raise InputError(f"has a header ({', '.join(map(str, frame.columns))}) but no data rows.", file=label,
                         fix="export the history including its rows.")


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
    for role in ("time", "count", "queue", "channel", "handle"):
        given = getattr(column_map, role)
        if given is not None:
            actual = by_normal.get(_normal(given))
            if actual is None:
                raise InputError(f"there is no column '{given}' for the {_ROLE_WORDS[role]} (found: {found}).",
                                 file=label, fix=f"give the exact header with {_FLAGS[role]}.")
            roles[role] = actual
        else:
            roles[role] = next((by_normal[c] for c in _CANDIDATES[role] if c in by_normal), None)
    if roles["time"] is None:
        _raise_wrong_delimiter(frame, label, delimiter)
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


def _raise_wrong_delimiter(frame: pd.DataFrame, label: str, delimiter: str | None) -> None:
    """Everything in one column usually means a delimiter we did not split on: say which one it looks like."""
    if frame.shape[1] != 1:
        return
    header = str(frame.columns[0])
    marks = [ch for ch in header if not (ch.isalnum() or ch in "_\ufeff")]
    if not marks:
        return
    likely = max(set(marks), key=marks.count)
    shown = {" ": "spaces", "\t": "tabs"}.get(likely, f"'{likely}'")
    if delimiter is None:
        fix = f"read the file with sep='{likely}' before passing the table."
    else:
        fix = "save the file with commas, semicolons, tabs or | between columns (e.g. Excel: Save As > CSV)."
    raise InputError(f"all values are in one column '{header}'; the columns seem to be separated by {shown}, "
                     f"which is not a supported delimiter.", file=label, fix=fix)


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
    kinds = {c: _sample_kind(frame[c]) for c in others}
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
    date_text = _text(frame[date_col]).str.replace(r"[T ]00:00(:00)?$", "", regex=True)
    # "08:00-08:15" style interval labels: the start is the label of the interval.
    clock_text = _text(frame[clock_col]).str.replace(r"\s*-\s*\d{1,2}:\d{2}(:\d{2})?(\s*[AaPp][Mm])?$", "",
                                                     regex=True)
    roles["time"] = date_col
    notes.append(f"Joined the date column '{date_col}' and the time column '{clock_col}' into one timestamp.")
    joined = (date_text + " " + clock_text).where(clock_text != "", date_text)
    return joined.rename(f"{date_col} + {clock_col}")


def _sample_kind(values: pd.Series) -> str:
    """'datetime', 'date', 'clock' or 'other' from the first non-empty values."""
    sample = _text(values.iloc[:500])
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


def _drop_empty_and_total_rows(frame: pd.DataFrame, time_col: str, time_text: pd.Series | None, label: str,
                               notes: list[str]) -> pd.DataFrame:
    """Blank rows and a trailing 'Total' row are export artefacts, not history: drop them, say so."""
    cells = frame.apply(_text)
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


def _first(mask: pd.Series, values: pd.Series) -> tuple[int, Any]:
    """Spreadsheet row and value of the first True entry of ``mask``."""
    index = mask.index[np.argmax(mask.to_numpy())]
    return int(index) + 2, values.loc[index]


def _text(values: pd.Series) -> pd.Series:
    """Cell values as stripped text, '' when empty; whole floats lose their '.0' (Excel stores numbers as floats)."""
    if pd.api.types.is_string_dtype(values.dtype) and not pd.api.types.is_object_dtype(values.dtype):
        return values.astype(_TEXT).fillna("").str.strip()
    if pd.api.types.is_object_dtype(values.dtype) and pd.api.types.infer_dtype(values, skipna=True) == "string":
        return values.astype(_TEXT).fillna("").str.strip()
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype(str).astype(_TEXT)
    if pd.api.types.is_numeric_dtype(values.dtype):
        whole = values.notna() & np.isfinite(values.astype(float)) & (values.astype(float) % 1 == 0)
        out = values.astype(str)
        out[whole] = values[whole].astype(np.int64).astype(str)
        return out.where(values.notna(), "").astype(_TEXT)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.astype(str).where(values.notna(), "").astype(_TEXT)
    return values.map(_cell_text).astype(_TEXT)


def _cell_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# ----------------------------------------------------------------------------------------------
# numbers
# ----------------------------------------------------------------------------------------------


def _numbers(values: pd.Series, delimiter: str | None) -> tuple[pd.Series, pd.Series]:
    """Cells -> (floats, text); decimal commas accepted when the comma is not the delimiter."""
    text = _text(values)
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
        row, _ = _first(empty, text)
        raise InputError("the count is empty.", file=label, row=row, column=column,
                         fix="enter 0 for an interval without contacts, or delete the row.")
    _reject_bad_numbers(numbers, text, column, label, "count",
                        "counts are whole numbers of contacts, e.g. 12 (no letters, no units).")
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
                        "give handle time in seconds (e.g. 245) or as H:MM:SS.")
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


def _reject_bad_numbers(numbers: pd.Series, text: pd.Series, column: str, label: str, what: str, fix: str) -> None:
    not_number = numbers.isna()  # "nan", "NULL", "12a" all come out of to_numeric as NaN
    if not_number.any():
        row, value = _first(not_number, text)
        raise InputError(f"the {what} is not a number.", file=label, row=row, column=column, value=value, fix=fix)
    infinite = ~np.isfinite(numbers)
    if infinite.any():
        row, value = _first(infinite, text)
        raise InputError(f"the {what} is not a finite number.", file=label, row=row, column=column, value=value,
                         fix=fix)
    negative = numbers < 0
    if negative.any():
        row, value = _first(negative, text)
        raise InputError(f"the {what} is negative.", file=label, row=row, column=column, value=value,
                         fix=f"{what}s cannot be below 0; correct the row or delete it.")


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
    labels = _text(frame[source])
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
# time parsing
# ----------------------------------------------------------------------------------------------


@dataclass
class _Times:
    """Parsed timestamps. ``utc`` is set when every value carried a UTC offset."""

    text: pd.Series                        # values as written, for messages
    utc: pd.Series | None                  # tz-aware UTC, or None for naive values
    date_only: bool                        # no value had a clock time
    clock: Callable[[], pd.Series]         # naive wall-clock time as written (computed on demand)


def _parse_times(values: pd.Series, column: str, label: str, notes: list[str]) -> _Times:
    """Any time column -> :class:`_Times`, vectorised with one detected format per value shape."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return _from_datetimes(values, column, label)
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in ("datetime", "datetime64", "date"):
        try:
            return _from_datetimes(pd.to_datetime(values), column, label)
        except (ValueError, TypeError):
            pass  # mixed zones or odd objects: fall back to reading them as text
    if pd.api.types.is_numeric_dtype(values.dtype) or kind in ("integer", "floating", "mixed-integer-float"):
        return _from_serials(pd.to_numeric(values, errors="coerce"), _text(values), column, label, notes)
    return _from_text(_text(values), column, label, notes)


def _from_datetimes(values: pd.Series, column: str, label: str) -> _Times:
    if values.isna().any():
        row, _ = _first(values.isna(), values)
        raise InputError("the time is empty.", file=label, row=row, column=column,
                         fix="fill in the time or delete the row.")
    text = values.astype(str)
    if values.dt.tz is not None:
        local = values.dt.tz_localize(None)
        return _Times(text, values.dt.tz_convert("UTC"), False, lambda: local)
    date_only = bool((values == values.dt.normalize()).all())
    return _Times(text, None, date_only, lambda: values)


def _from_serials(numbers: pd.Series, text: pd.Series, column: str, label: str, notes: list[str]) -> _Times:
    """Excel serial day numbers, accepted only in a date-named column with every value in a plausible range."""
    empty = text == ""
    if empty.any():
        row, _ = _first(empty, text)
        raise InputError("the time is empty.", file=label, row=row, column=column,
                         fix="fill in the time or delete the row.")
    low, high = _SERIAL_RANGE
    outside = numbers.isna() | (numbers < low) | (numbers > high)
    if not _DATE_NAME.search(str(column)) or outside.any():
        row, value = _first(outside if outside.any() else ~outside, text)
        raise InputError("holds numbers, not dates.", file=label, row=row, column=column, value=value,
                         fix="map the time column with --time-col, or write dates like 2024-03-31 08:15.")
    naive = (pd.to_datetime(numbers, unit="D", origin=_EXCEL_EPOCH)).dt.round("s")
    notes.append(f"Read the numbers in '{column}' as Excel serial dates (e.g. {text.iloc[0]} = {naive.iloc[0]}).")
    date_only = bool((numbers % 1 == 0).all())
    return _Times(text, None, date_only, lambda: naive)


def _from_text(text: pd.Series, column: str, label: str, notes: list[str]) -> _Times:
    """Text timestamps: classify each distinct shape once, then parse each family with one format."""
    empty = text == ""
    if empty.any():
        row, _ = _first(empty, text)
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
        row, value = _first(stray, text)
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
        row, value = _first(minority, text)
        kind = "has a UTC offset" if with_offset <= len(has_offset) / 2 else "has no UTC offset"
        raise InputError(f"mixed offsets: this time {kind}, unlike most rows "
                         f"({with_offset:,} of {len(has_offset):,} carry one).", file=label, row=row, column=column,
                         value=value, fix="give every time an offset (e.g. +01:00), or none and declare the zone "
                                          "with --tz.")


def _raise_unparsed(parsed: pd.Series, text: pd.Series, column: str, label: str, how: str) -> None:
    bad = parsed.isna()
    if bad.any():
        row, value = _first(bad, text)
        raise _bad_time(label, row, column, value, f"is not a valid date/time (read as {how}).")


def _parse_year_first(text: pd.Series, has_offset: pd.Series, column: str, label: str,
                      date_only: bool) -> _Times:
    """ISO 8601 and other year-first values; pandas' ISO parser is vectorised and takes T or space."""
    if has_offset.all():
        utc = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
        _raise_unparsed(utc, text, column, label, "ISO 8601 with offset")

        def clock() -> pd.Series:
            stripped = text.str.replace(_OFFSET_TAIL, "", regex=True)
            return pd.to_datetime(stripped, format="ISO8601", errors="coerce")

        return _Times(text, utc, False, _cached(clock))
    naive = pd.to_datetime(text, format="ISO8601", errors="coerce")
    _raise_unparsed(naive, text, column, label, "year-month-day")
    return _Times(text, None, date_only, lambda: naive)


def _parse_day_month(text: pd.Series, shapes: pd.Series, representative: dict[str, str], column: str, label: str,
                     notes: list[str], date_only: bool) -> _Times:
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


def _with_offsets(parsed: pd.Series, text: pd.Series, date_only: bool) -> _Times:
    """Formats built with %z yield aware values: split them into UTC and the clock as written."""
    if parsed.dt.tz is not None:
        local = parsed.dt.tz_localize(None)
        return _Times(text, parsed.dt.tz_convert("UTC"), False, lambda: local)
    return _Times(text, None, date_only, lambda: parsed)


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
                   date_only: bool) -> _Times:
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
    return _Times(text, None, date_only and bool((naive == naive.dt.normalize()).all()), lambda: naive)


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


def _is_daily(times: _Times, kind: str, interval_minutes: int | None, label: str, column: str,
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


def _all_midnight(times: _Times) -> bool:
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


def _dates_to_utc(clock: pd.Series, queue: pd.Series, zones: dict[str, str]) -> pd.Series:
    """Local dates -> UTC instant of each local midnight, per queue zone."""
    dates = clock.dt.normalize()
    out = pd.Series(pd.NaT, index=clock.index, dtype="datetime64[us, UTC]")
    for zone in set(zones.values()):
        mask = queue.isin([q for q, z in zones.items() if z == zone])
        out[mask] = _local_midnights(dates[mask], zone)
    return out


def _local_midnights(dates: pd.Series | pd.DatetimeIndex, zone: str) -> pd.Series | pd.DatetimeIndex:
    """Naive dates -> UTC start of that local day (a midnight skipped by DST starts at the next valid time)."""
    flags = np.ones(len(dates), dtype=bool)
    if isinstance(dates, pd.Series):
        local = dates.dt.tz_localize(zone, ambiguous=flags, nonexistent="shift_forward")
        return local.dt.tz_convert("UTC").astype("datetime64[us, UTC]")
    local = dates.tz_localize(zone, ambiguous=flags, nonexistent="shift_forward")
    return local.tz_convert("UTC").as_unit("us")


def _to_utc(times: _Times, tz: str | None, kind: str, queue: pd.Series, label: str, column: str,
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
        row, value = _first(skipped, text)
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
            row, value = _first(off_grid, text.loc[part.index])
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
        out[mask] = _local_midnights(dates, zone)
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
        return _local_midnights(days, zone)
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
    gaps = [(queue, _local_midnights(pd.DatetimeIndex([s]), zone)[0], _local_midnights(pd.DatetimeIndex([e]), zone)[0])
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
