"""Reading a contact-history source (path, upload bytes or DataFrame) into a raw table of text cells.

Checks size and row limits, unpacks gzip, reads Excel workbooks (also an .xlsx saved under a .csv
name), detects the text encoding (BOMs, UTF-8, UTF-16, Windows-1252 / Latin-1 fallback) and the CSV
delimiter. Every problem is an :class:`~forecasting.validation.InputError` naming the file and, where
known, the row (header = row 1). Types are not converted here: cells stay text.
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
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecasting.validation import InputError

_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_SNIFF_LINES = 50
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


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


# ----------------------------------------------------------------------------------------------
# public API
# ----------------------------------------------------------------------------------------------


def read_table(source: str | os.PathLike | bytes | pd.DataFrame, name: str | None, max_bytes: int, max_rows: int,
               notes: list[str]) -> tuple[pd.DataFrame, str, str | None]:
    """Any accepted source -> (cells as a DataFrame with a RangeIndex, label for messages, CSV delimiter).

    CSV cells come back as text; Excel cells as openpyxl gives them; a DataFrame as it is (delimiter None for
    both). ``name`` labels bytes and DataFrames; ``max_bytes`` / ``max_rows`` are the limits. Appends to ``notes``
    what a planner should know (encoding guessed, sheet picked); raises :class:`InputError`.
    """
    if isinstance(source, pd.DataFrame):
        label = name or "table"
        if len(source) > max_rows:
            raise InputError(f"has {len(source):,} rows, more than the limit of {max_rows:,}.", file=label,
                             fix="load a shorter period or raise max_rows.")
        frame = source.reset_index(drop=True).copy()
        frame.columns = [str(c) for c in frame.columns]
        check_unique_columns(list(frame.columns), label)
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


def read_columns(source: str | os.PathLike | bytes | pd.DataFrame, *, name: str | None = None,
                 max_bytes: int = 200_000_000) -> list[str]:
    """The column headers of a history file, for a column-mapping form (reads the header row only).

    Same sources and checks as :func:`~forecasting.history.load_history` up to the header; raises :class:`InputError`.
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
# reading files
# ----------------------------------------------------------------------------------------------


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
    check_unique_columns(header, label)
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
    check_unique_columns(_header_fields(text, delimiter), label)
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


def _header_fields(text: str, delimiter: str) -> list[str]:
    """The header row's fields as written (before pandas renames a repeated name to 'name.1')."""
    lines = text.lstrip("\r\n").splitlines()
    if not lines:
        return []
    try:
        return next(csv.reader(lines[:1], delimiter=delimiter))
    except (csv.Error, StopIteration):  # an unbalanced quote in the header is reported by the parser
        return []


def check_unique_columns(header: list[Any], label: str) -> None:
    """Two columns with the same name (case and spaces ignored) are ambiguous: say which, never pick one."""
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        key = str(name).strip().lstrip("\ufeff").lower()
        if not key:
            continue
        if key in seen:
            raise InputError(f"the column '{str(name).strip()}' appears twice (columns {seen[key]} and {position} "
                             f"of the header).", file=label, row=1, column=str(name).strip(),
                             fix="rename or delete one of the two columns, then load the file again.")
        seen[key] = position


def read_config_csv(source: str | os.PathLike | bytes, label: str, *, empty_fix: str | None = None) -> pd.DataFrame:
    """A small comma-separated configuration file (queues, events, sites...) -> DataFrame of text cells.

    Decoded like a history file (BOMs, UTF-16, UTF-8, then Windows-1252 / Latin-1); a NUL byte, a row with more
    fields than the header, an unbalanced quote or a repeated header raise :class:`InputError` naming ``label``
    and the row. An empty file raises with ``empty_fix`` as the fix, or gives a frame without columns when
    ``empty_fix`` is None. Missing cells are ''.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        path = Path(source)
        if not path.is_file():
            raise InputError("the file does not exist." if not path.exists() else "is a folder, not a file.",
                             file=str(path), fix="check the path.")
        data = path.read_bytes()
    text = _decode(data, label, [])
    if not text.strip():
        if empty_fix is None:
            return pd.DataFrame()
        raise InputError("is empty.", file=label, fix=empty_fix)
    check_unique_columns(_header_fields(text, ","), label)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(io.StringIO(text), sep=",", dtype=str, keep_default_na=False, na_filter=False,
                                skipinitialspace=True, index_col=False, engine="c")
    except pd.errors.ParserWarning:
        raise _extra_fields_error(text, label, ",") from None
    except pd.errors.EmptyDataError:
        if empty_fix is None:
            return pd.DataFrame()
        raise InputError("is empty.", file=label, fix=empty_fix) from None
    except pd.errors.ParserError as err:
        raise _parser_error(err, label, ",") from None
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    return frame.fillna("")


def decode_text(data: bytes, label: str) -> str:
    """A configuration file's bytes -> text, decoded like a history file (see :func:`read_config_csv`)."""
    return _decode(data, label, [])

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
                         row=line, fix="save it again as CSV (UTF-8); a contact history may also be .xlsx.")
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


def raise_wrong_delimiter(frame: pd.DataFrame, label: str, delimiter: str | None) -> None:
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
# cells
# ----------------------------------------------------------------------------------------------


def as_text(values: pd.Series) -> pd.Series:
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


def first_row(mask: pd.Series, values: pd.Series) -> tuple[int, Any]:
    """Spreadsheet row and value of the first True entry of ``mask``."""
    index = mask.index[np.argmax(mask.to_numpy())]
    return int(index) + 2, values.loc[index]
