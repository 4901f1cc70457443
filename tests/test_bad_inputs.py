"""Bad-input corpus: every input of the product fed malformed, mis-encoded, extreme and hostile content.

One case per line of the tables below (pytest ids read ``<input>-<what>``). Each case expects exactly one
kind of outcome:

- ``Err(problem, row=, column=, value=)``: an :class:`InputError` (that class, nothing else) whose message
  names the file and, where they apply, the row, column and value, and says how to fix it;
- ``Ok(check)``: the documented fallback: the input loads and ``check`` proves nothing was lost or misread
  (totals kept, names verbatim, dates read the documented way);
- ``Dropped(...)`` (agents only): the documented per-row fallback: the row is left out of the roster and
  reported as an InputError naming file, row, column and value, the other agents load.

Content comes from ``tests/bad_inputs/`` (files named for what they are), from ``data/`` with one cell
changed, or is generated here (encodings, binary junk, Excel workbooks, DataFrames, scenario dicts, ten
years of 15-minute data). A representative subset also runs through the command line (exit code 2, the
message on stderr, no traceback) and the History page of the app (``st.error``, no exception).
"""
from __future__ import annotations

import gzip
import io
import json
import math
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest

from forecasting.calendar import load_events
from forecasting.history import History, load_history
from forecasting.queues import load_queues
from forecasting.safe_csv import to_safe_csv
from forecasting.validation import InputError
from planning.scenarios import make_scenario
from planning.store import ScenarioStore, parse_export
from scheduling.agents import AgentsFile, load_agents
from scheduling.sites import load_overtime, load_requirements, load_sites, load_templates
from tests.conftest import DATA, ROOT

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
SITES = load_sites(DATA / "sites.csv")
QUEUES = ["uk_phone", "uk_chat", "us_phone", "email"]
ANY = object()  # "some value": the case does not pin it


# ---------------------------------------------------------------------------------------------- expectations


@dataclass(frozen=True)
class Err:
    """An InputError: ``problem`` is part of its problem text; file/row/column/value must match exactly."""

    problem: str
    row: int | None = None
    column: str | None = None
    value: Any = None
    file: Any = ANY  # ANY = the case's file name


@dataclass(frozen=True)
class Ok:
    """Loads; ``check(result)`` asserts what must survive."""

    check: Callable[[Any], None]


@dataclass(frozen=True)
class Dropped:
    """Agents: the row is left out, with one InputError naming it; the other agents load."""

    problem: str
    row: int
    column: str
    value: Any
    kept: tuple[str, ...] = ("D2",)


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def assert_input_error(err: BaseException, expect: Err | Dropped, file: str | None) -> None:
    """The exact kind: InputError with the named file, row, column and value, all shown in the message."""
    assert type(err) is InputError, f"{type(err).__name__}: {err}"
    message = str(err)
    assert expect.problem in err.problem, message
    if file is not None:
        assert err.file == file and message.startswith(file), message
    else:
        assert err.file is None, message
    assert err.row == expect.row, message
    if expect.row is not None:
        assert f"row {expect.row}" in message
    assert err.column == expect.column, message
    if expect.column is not None:
        assert f"column '{expect.column}'" in message
    if expect.value is not ANY:
        assert same(err.value, expect.value), message
    if err.value is not None:
        shown = repr(err.value) if isinstance(err.value, str) else str(err.value)
        assert shown[:60] in message
    assert "Traceback" not in message
    assert err.fix and message.endswith(f"Fix: {err.fix}"), f"no fix: {message}"


# ---------------------------------------------------------------------------------------------- sources


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def data_with(name: str, old: str, new: str) -> bytes:
    """``data/<name>`` with the first ``old`` replaced by ``new`` (one bad cell in an otherwise good file)."""
    text = (DATA / name).read_text(encoding="utf-8")
    assert old in text, (name, old)
    return text.replace(old, new, 1).encode("utf-8")


def templates_with(old: str, new: str) -> bytes:
    return data_with("shift_templates.csv", old, new)


def xlsx(*rows: list, merge: str | None = None, title: str | None = None) -> Callable[[], bytes]:
    """An .xlsx built with openpyxl: ``title`` in a merged first row, or ``merge`` header cells (e.g. B1:C1)."""
    def build() -> bytes:
        book = openpyxl.Workbook()
        sheet = book.active
        if title:
            sheet.append([title])
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[0]))
        for row in rows:
            sheet.append(row)
        if merge:
            sheet.merge_cells(merge)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    return build


BOM = b"\xef\xbb\xbf"
BINARY_JUNK = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
ACCENTS = "ds,y,queue\n2024-01-08 08:00:00+00:00,3,Réclamations\n2024-01-08 08:15:00+00:00,4,Réclamations\n"
QUEUES_HEAD = "queue,channel,timezone,target_sl,answer_seconds\n"
EVENTS_HEAD = "name,kind,start,end,queues,lift,decay_days\n"
OVERTIME_HEAD = "site,sides,min_minutes,max_minutes,step_minutes,max_hours_per_agent_week\n"
REQ_HEAD = "queue,ds,scheduled,scheduled_upper\n"
AGENTS_HEAD = (DATA / "agents.csv").read_text(encoding="utf-8").splitlines()[0] + "\n"
GOOD_AGENT = "D2,Bea,Dublin,,,,,,,,\n"
EXPORT = {"format": "wfm-scenarios", "schema": 2}


def export(*scenarios: dict) -> bytes:
    return json.dumps({**EXPORT, "scenarios": list(scenarios)}, ensure_ascii=False).encode("utf-8")


def growth_export(extra: bytes = b"") -> bytes:
    """An export of one scenario 'Growth', with ``extra`` JSON members written by hand (NaN, Infinity...)."""
    body = export({"name": "Growth"})
    return body.replace(b"}]", b", " + extra + b"}]") if extra else body


def ten_years_local() -> bytes:
    """Ten years of 15-minute counts as a London wall-clock export: the autumn hour twice, the spring hour never."""
    utc = pd.date_range("2015-01-01", "2024-12-31 23:45", freq="15min", tz="UTC")
    counts = np.random.default_rng(7).poisson(20, len(utc))
    local = pd.Series(utc.tz_convert("Europe/London").strftime("%Y-%m-%d %H:%M"))
    return ("ds,y\n" + (local + "," + pd.Series(counts).astype(str)).str.cat(sep="\n") + "\n").encode()


# ---------------------------------------------------------------------------------------------- checks (Ok)


def history(total: float, *, queues: set[str] | None = None, kind: str | None = None, step: int | None = None,
            note: str | None = None, rows: int | None = None) -> Callable[[History], None]:
    def check(h: History) -> None:
        assert isinstance(h, History)
        assert h.frame["y"].sum() == total and np.isfinite(h.frame["y"]).all()
        assert h.frame["aht"].dropna().between(0, 1e7).all()
        if queues is not None:
            assert set(h.frame["queue"]) == queues
        if kind is not None:
            assert h.source_kind == kind
        if step is not None:
            assert h.interval_minutes == step
        if note is not None:
            assert any(note in n for n in h.notes), h.notes
        if rows is not None:
            assert len(h.frame) == rows
    return check


def local_days(zone: str, *days: str) -> Callable[[History], None]:
    """The contacts fall on exactly these local days (dates read the documented way)."""
    def check(h: History) -> None:
        got = sorted({f"{d:%Y-%m-%d}" for d in h.frame.loc[h.frame["y"] > 0, "ds"].dt.tz_convert(zone)})
        assert got == sorted(days), got
    return check


def both(*checks: Callable[[Any], None]) -> Callable[[Any], None]:
    def check(result: Any) -> None:
        for one in checks:
            one(result)
    return check


def formulas_stay_text(h: History) -> None:
    """Formula-like queue names load verbatim (never evaluated) and leave every CSV neutralised."""
    names = {"=cmd|' /C calc'!A0", "+1", "@SUM(A1:A2)", "-2+3"}
    assert set(h.frame["queue"]) == names
    written = to_safe_csv(h.frame[["queue", "y"]]).decode()
    assert all(f"'{name}" in written for name in names)


def ten_years(h: History) -> None:
    utc = pd.date_range("2015-01-01", "2024-12-31 23:45", freq="15min", tz="UTC")
    assert len(h.frame) == len(utc) and (h.frame["ds"].to_numpy() == utc.to_numpy()).all()
    assert h.frame["y"].sum() == np.random.default_rng(7).poisson(20, len(utc)).sum()
    assert any("repeated when clocks went back" in n for n in h.notes)


def events(**expected: Any) -> Callable[[pd.DataFrame], None]:
    """Events by name -> start date (YYYY-MM-DD) or the queues tuple; ``rows=n`` pins the count."""
    def check(frame: pd.DataFrame) -> None:
        assert list(frame.columns) == ["name", "kind", "start", "end", "queues", "lift", "decay_days"]
        wanted = dict(expected)
        rows = wanted.pop("rows", None)
        if rows is not None:
            assert len(frame) == rows
        for name, want in wanted.items():
            row = frame.set_index("name").loc[name.replace("_", " ")]
            got = row["queues"] if isinstance(want, tuple) else f"{row['start']:%Y-%m-%d %H:%M}".removesuffix(" 00:00")
            assert got == want, (name, got)
    return check


def names(*expected: str) -> Callable[[Any], None]:
    """The loaded config's keys (queues, sites, templates, overtime sites, agent ids, scenario names)."""
    def check(result: Any) -> None:
        if isinstance(result, AgentsFile):
            assert not result.problems, result.problems
            result = result.agents
        if isinstance(result, list):
            result = [s.name for s in result]
        elif hasattr(result, "name") and not isinstance(result, dict):
            result = [result.name]
        assert list(result) == list(expected)
    return check


def requirement_starts(*expected: str) -> Callable[[Any], None]:
    def check(req: Any) -> None:
        assert [f"{t:%Y-%m-%d %H:%M}" for t in req.frame["ds"]] == list(expected)
    return check


def template_days(name: str, days: tuple[int, ...]) -> Callable[[dict], None]:
    def check(templates: dict) -> None:
        assert templates[name].allowed_days == days
    return check


def agent_name(agent_id: str, name: str) -> Callable[[AgentsFile], None]:
    def check(result: AgentsFile) -> None:
        assert result.agents[agent_id].name == name and not result.problems
    return check


# ---------------------------------------------------------------------------------------------- the corpus


def case(kind: str, file: str, source: Any, expect: Err | Ok | Dropped, **kwargs: Any):
    """One row: ``kind`` picks the loader, ``file`` names the file (and the case), ``source`` is its content.

    ``source``: None = ``tests/bad_inputs/<file>``; str / bytes / a callable returning them = written to a file
    of that name; a DataFrame or dict = passed as it is.
    """
    stem = file.rsplit(".", 2)[0] if file.endswith(".gz") else file.rsplit(".", 1)[0]
    prefix = {"templates": "shift_templates_", "import": "scenario_import_"}.get(kind, kind + "_")
    return pytest.param(kind, file, source, expect, kwargs, id=f"{kind}-{stem.removeprefix(prefix)}")


UTC = {"tz": "UTC"}
DUBLIN = {"tz": "Europe/Dublin"}
LONDON = {"tz": "Europe/London"}

HISTORY = [
    case("history", "history_ragged_row.csv", None, Err("has 4 fields but the header has 3", row=4), **UTC),
    case("history", "history_unclosed_quote.csv", None, Err("could not be read as CSV (unbalanced quotes"), **UTC),
    case("history", "history_utf16_bom.csv", ACCENTS.encode("utf-16"), Ok(history(7, queues={"Réclamations"}))),
    case("history", "history_utf16le_no_bom.csv", ACCENTS.encode("utf-16-le"),
         Ok(history(7, queues={"Réclamations"}, note="read as UTF-16-LE"))),
    case("history", "history_latin1_accents.csv", ACCENTS.encode("latin-1"),
         Ok(history(7, queues={"Réclamations"}, note="not UTF-8"))),
    case("history", "history_utf8_bom.csv", BOM + ACCENTS.encode(), Ok(history(7, queues={"Réclamations"}))),
    case("history", "history_utf8_bom_bad_byte.csv", BOM + ACCENTS.encode() + b"2024-01-08 08:30:00+00:00,\xff,a\n",
         Err("not valid UTF-8", row=4, value="0xFF")),
    case("history", "history_merged_title_row.xlsx",
         xlsx(["ds", "y", "queue"], ["2024-01-08 08:00", 3, "a"], ["2024-01-08 08:15", 4, "a"],
              title="Contacts report"),
         Err("no time column found (found: 'Contacts report', 'column_2', 'column_3')"), **UTC),
    case("history", "history_merged_header_cells.xlsx",
         xlsx(["ds", "y", None], ["2024-01-08 08:00", 3, 1], ["2024-01-08 08:15", 4, 1], merge="B1:C1"),
         Ok(history(7, step=15)), **UTC),
    case("history", "history_duplicate_header.xlsx", xlsx(["ds", "y", "Y"], ["2024-01-08 08:00", 3, 1]),
         Err("the column 'Y' appears twice (columns 2 and 3", row=1, column="Y"), **UTC),
    case("history", "history_records_dates_iso.csv", None,
         Ok(both(history(4, kind="records"), local_days("Europe/London", "2024-02-05", "2024-02-06"))), **LONDON),
    case("history", "history_records_dates_ddmmyyyy.csv", None,
         Ok(both(history(4, note="read as day-month-year"), local_days("Europe/London", "2024-02-05", "2024-02-13"))),
         **LONDON),
    case("history", "history_records_dates_mmddyyyy.csv", None,
         Ok(both(history(4, note="read as month-day-year"),
                 local_days("America/New_York", "2024-02-05", "2024-02-13"))), tz="America/New_York"),
    case("history", "history_records_dates_ambiguous.csv", None,
         Ok(both(history(4, note="could be day-first or month-first"),
                 local_days("Europe/London", "2024-05-02", "2024-05-03"))), **LONDON),
    case("history", "history_dst_gap_intervals_dublin.csv", None,
         Err("does not exist in Europe/Dublin", row=4, column="ds", value="2024-03-31 01:00"), **DUBLIN),
    case("history", "history_dst_gap_records_dublin.csv", None,
         Ok(history(4, note="2 contact(s) stamped in the hour skipped")), **DUBLIN),
    case("history", "history_dst_repeated_hour_dublin.csv", None,
         Ok(history(26, rows=11, note="repeated when clocks went back")), **DUBLIN),
    case("history", "history_single_row.csv", None, Err("single time per queue"), **UTC),
    case("history", "history_single_row_with_interval.csv", corpus("history_single_row.csv"), Ok(history(5, step=15)),
         tz="UTC", interval_minutes=15),
    case("history", "history_single_contact_record.csv", "timestamp\n2024-01-08 08:00\n", Ok(history(1)), **UTC),
    case("history", "history_all_zeros.csv", None, Err("every count is 0", column="y"), **UTC),
    case("history", "history_extreme_spike.csv", None, Ok(history(50_084, rows=8)), **UTC),
    case("history", "history_nan_count.csv", None, Err("not a number", row=3, column="y", value="NaN"), **UTC),
    case("history", "history_inf_count.csv", None, Err("not a finite number", row=4, column="y", value="inf"), **UTC),
    case("history", "history_huge_count_1e308.csv", None,
         Err("larger than 1,000,000,000", row=2, column="y", value="1e308"), **UTC),
    case("history", "history_huge_aht_1e308.csv", None,
         Err("handle time is larger than", row=2, column="aht", value="1e308"), **UTC),
    case("history", "history_negative_count.csv", None, Err("negative", row=3, column="y", value="-4"), **UTC),
    case("history", "history_unicode_queue_names.csv", None,
         Ok(history(15, queues={"Réclamations été", "📞 support 🚀", "שירות לקוחות"})), **UTC),
    case("history", "history_formula_like_strings.csv", None, Ok(formulas_stay_text), **UTC),
    case("history", "history_formula_in_count.csv", None, Err("not a number", row=3, column="y", value="=1+1"), **UTC),
    case("history", "history_formula_in_time.csv", "ds,y\n2024-01-08 08:00,1\n=NOW(),1\n",
         Err("does not look like a date", row=3, column="ds", value="=NOW()"), **UTC),
    case("history", "history_empty.csv", None, Err("is empty")),
    case("history", "history_header_only.csv", None, Err("has a header (ds, y, queue) but no data rows")),
    case("history", "history_binary_junk.csv", BINARY_JUNK, Err("NUL bytes", row=3)),
    case("history", "history_duplicate_columns.csv", None, Err("the column 'y' appears twice", row=1, column="y"),
         **UTC),
    case("history", "history_duplicate_columns_frame",
         pd.DataFrame([["2024-01-08 08:00", 1, 2]], columns=["ds", "y", "y"]),
         Err("appears twice", row=1, column="y", file="table"), **UTC),
    case("history", "history_unknown_time_zone.csv", corpus("history_nan_count.csv"),
         Err("not a time zone name I know", value="Mars/Olympus", file=None), tz="Mars/Olympus"),
    case("history", "history_naive_without_zone.csv", "ds,y\n2024-01-08 08:00,3\n2024-01-08 08:15,4\n",
         Err("have no UTC offset", column="ds", value="2024-01-08 08:00")),
    case("history", "history_year_9999.csv", None, Err("outside the years 1970 to 2100", row=2, column="ds",
                                                        value="9999-12-31 23:30"), **UTC),
    case("history", "history_daily_year_1500.csv", "date,calls\n1500-04-11,3\n1500-04-12,4\n",
         Err("outside the years 1970 to 2100", row=2, column="date", value="1500-04-11")),
    case("history", "history_mixed_offsets.csv", None,
         Err("mixed offsets", row=4, column="ds", value="2024-01-08T08:30:00")),
    case("history", "history_inf_in_frame", pd.DataFrame({"ds": ["2024-01-08 08:00", "2024-01-08 08:15"],
                                                          "y": [1.0, math.inf]}),
         Err("not a finite number", row=3, column="y", value="inf", file="table"), **UTC),
    case("history", "history_not_really.csv.gz", ACCENTS, Err("not a valid gzip file")),
    case("history", "history_gzip_ok.csv.gz", gzip.compress(ACCENTS.encode()), Ok(history(7))),
    case("history", "history_csv_named.xlsx", ACCENTS, Err("not a real Excel workbook")),
    case("history", "history_tilde_delimited.csv", "ds~y\n2024-01-08 08:00~3\n", Err("one column 'ds~y'"), **UTC),
    case("history", "history_semicolon_decimal_comma.csv",
         "ds;y;aht\n2024-01-08 08:00;3;240,5\n2024-01-08 08:15;4;250,5\n", Ok(history(7)), **UTC),
]

EVENTS = [
    case("events", "events_ragged_row.csv", None, Err("has 9 fields but the header has 7", row=2)),
    case("events", "events_unclosed_quote.csv", None, Err("could not be read as CSV (unbalanced quotes")),
    case("events", "events_utf16.csv", (EVENTS_HEAD + "Lancement été,launch,2025-02-11,,,,\n").encode("utf-16"),
         Ok(events(Lancement_été="2025-02-11"))),
    case("events", "events_latin1.csv", (EVENTS_HEAD + "Lancement été,launch,2025-02-11,,,,\n").encode("latin-1"),
         Ok(events(Lancement_été="2025-02-11"))),
    case("events", "events_utf8_bom.csv", BOM + (EVENTS_HEAD + "Sale,campaign,2025-02-11,,,,\n").encode(),
         Ok(events(Sale="2025-02-11"))),
    case("events", "events_empty.csv", b"", Ok(events(rows=0))),
    case("events", "events_header_only.csv", EVENTS_HEAD, Ok(events(rows=0))),
    case("events", "events_dates_three_formats.csv", None,
         Ok(events(ISO="2025-03-03", Day_first="2025-03-13", Month_first="2025-03-13"))),
    case("events", "events_ambiguous_date.csv", None,
         Err("could be day-month or month-day", row=3, column="start", value="01/02/2025")),
    case("events", "events_relative_word.csv", EVENTS_HEAD + "Sale,campaign,now,,,,\n",
         Err("is not a date", row=2, column="start", value="now")),
    case("events", "events_year_9999.csv", EVENTS_HEAD + "Sale,campaign,9999-02-11,,,,\n",
         Err("outside the years 1970 to 2100", row=2, column="start", value="9999-02-11")),
    case("events", "events_huge_lift.csv", EVENTS_HEAD + "Sale,campaign,2025-02-11,,,1e308,\n",
         Err("at most 100", row=2, column="lift", value="1e308")),
    case("events", "events_nan_lift.csv", EVENTS_HEAD + "Sale,campaign,2025-02-11,,,NaN,\n",
         Err("finite number", row=2, column="lift", value="NaN")),
    case("events", "events_infinite_decay.csv", EVENTS_HEAD + "Sale,campaign,2025-02-11,,,0.2,inf\n",
         Err("finite number", row=2, column="decay_days", value="inf")),
    case("events", "events_unknown_kind.csv", EVENTS_HEAD + "Party,party,2025-02-11,,,,\n",
         Err("unknown event kind", row=2, column="kind", value="party")),
    case("events", "events_unknown_queue.csv", EVENTS_HEAD + "Sale,campaign,2025-02-11,,fr_phone,,\n",
         Err("unknown queue 'fr_phone'", row=2, column="queues", value="fr_phone"), known_queues=QUEUES),
    case("events", "events_unicode_queue_names.csv", EVENTS_HEAD + "Été,launch,2025-02-11,,café;📞;דעה,,\n",
         Ok(events(Été=("café", "📞", "דעה"))), known_queues=["café", "📞", "דעה"]),
    case("events", "events_formula_like_name.csv", EVENTS_HEAD + "\"=cmd|' /C calc'!A0\",launch,2025-02-11,,,,\n",
         Ok(events(**{"=cmd|' /C calc'!A0": "2025-02-11"}))),
    case("events", "events_duplicate_columns.csv", "name,kind,start,start\nSale,campaign,2025-02-11,2025-03-01\n",
         Err("the column 'start' appears twice", row=1, column="start")),
    case("events", "events_binary_junk.csv", BINARY_JUNK, Err("NUL bytes", row=3)),
    case("events", "events_dst_gap_start.csv", EVENTS_HEAD + "Outage,outage,2025-03-30 01:30,2025-03-30 03:00,,,\n",
         Ok(events(Outage="2025-03-30 01:30"))),
    case("events", "events_ends_before_start.csv", EVENTS_HEAD + "Sale,campaign,2025-02-11,2025-02-01,,,\n",
         Err("ends before it starts", row=2, column="end", value="2025-02-01")),
    case("events", "events_utc_offset.csv", EVENTS_HEAD + "Sale,campaign,2025-02-11T09:00+01:00,,,,\n",
         Err("has a UTC offset", row=2, column="start", value="2025-02-11T09:00+01:00")),
]

QUEUES_CASES = [
    case("queues", "queues_empty.csv", b"", Err("is empty")),
    case("queues", "queues_header_only.csv", QUEUES_HEAD, Err("the file has no queues")),
    case("queues", "queues_unclosed_quote.csv", None, Err("could not be read as CSV (unbalanced quotes")),
    case("queues", "queues_utf16.csv", (QUEUES_HEAD + "réclamations,phone,Europe/Paris,0.8,20\n").encode("utf-16"),
         Ok(names("réclamations"))),
    case("queues", "queues_latin1.csv", (QUEUES_HEAD + "réclamations,phone,Europe/Paris,0.8,20\n").encode("latin-1"),
         Ok(names("réclamations"))),
    case("queues", "queues_binary_junk.csv", BINARY_JUNK, Err("NUL bytes", row=3)),
    case("queues", "queues_ragged_row.csv", QUEUES_HEAD + "uk_phone,phone,Europe/London,0.8,20,x,y\n",
         Err("has 7 fields but the header has 5", row=2)),
    case("queues", "queues_unknown_time_zone.csv", data_with("queues.csv", "Europe/London", "Europe/Atlantis"),
         Err("not an IANA time zone", row=2, column="timezone", value="Europe/Atlantis")),
    case("queues", "queues_unknown_country.csv", data_with("queues.csv", "GB-ENG", "XX"),
         Err("not a country code", row=2, column="country", value="XX")),
    case("queues", "queues_unknown_subdivision.csv", data_with("queues.csv", "GB-ENG", "GB-ZZZ"),
         Err("no subdivision 'ZZZ'", row=2, column="country", value="GB-ZZZ")),
    case("queues", "queues_infinite_answer_time.csv", data_with("queues.csv", ",0.8,20,", ",0.8,inf,"),
         Err("finite number", row=2, column="answer_seconds", value="inf")),
    case("queues", "queues_nan_target.csv", data_with("queues.csv", ",0.8,20,", ",NaN,20,"),
         Err("finite number", row=2, column="target_sl", value="NaN")),
    case("queues", "queues_huge_concurrency.csv", data_with("queues.csv", ",0.05,1,150", ",0.05,1e308,150"),
         Err("less than or equal to 100", row=2, column="concurrency", value="1e308")),
    case("queues", "queues_unicode_names.csv", None,
         Ok(names("Réclamations été", "📞 support 🚀", "שירות לקוחות", "=cmd|' /C calc'!A0"))),
    case("queues", "queues_duplicate_columns.csv", "queue,channel,timezone,Queue\nuk_phone,phone,UTC,x\n",
         Err("the column 'Queue' appears twice", row=1, column="Queue")),
    case("queues", "queues_duplicate_queue.csv", QUEUES_HEAD + "a,phone,UTC,0.8,20\na,chat,UTC,0.8,20\n",
         Err("appears twice", row=3, column="queue", value="a")),
    case("queues", "queues_opening_span_words.csv", data_with("queues.csv", "08:00-20:00", "8am-8pm"),
         Err("not an opening span", row=2, column="open_mon", value="8am-8pm")),
]

SITES_CASES = [
    case("sites", "sites_ragged_row.csv", data_with("sites.csv", "IE,1.0", "IE,1.0,x,y"),
         Err("has 15 fields but the header has 13", row=2)),
    case("sites", "sites_unclosed_quote.csv", data_with("sites.csv", "Dublin,", '"Dublin,'), Err("unbalanced quotes")),
    case("sites", "sites_latin1_accents.csv",
         (DATA / "sites.csv").read_text().replace("Dublin,", "Málaga,", 1).encode("latin-1"),
         Ok(names("Málaga", "Manila", "Austin"))),
    case("sites", "sites_utf16.csv", (DATA / "sites.csv").read_text().encode("utf-16"),
         Ok(names("Dublin", "Manila", "Austin"))),
    case("sites", "sites_utf8_bom.csv", BOM + (DATA / "sites.csv").read_bytes(),
         Ok(names("Dublin", "Manila", "Austin"))),
    case("sites", "sites_unicode_names.csv", data_with("sites.csv", "Dublin,", "Dublín 📞 דבלין,"),
         Ok(names("Dublín 📞 דבלין", "Manila", "Austin"))),
    case("sites", "sites_unknown_time_zone.csv", data_with("sites.csv", "Europe/Dublin", "Dublin/Ireland"),
         Err("not an IANA time zone", row=2, column="timezone", value="Dublin/Ireland")),
    case("sites", "sites_unknown_country.csv", data_with("sites.csv", ",IE,", ",ZZ,"),
         Err("not a country code", row=2, column="holiday_country", value="ZZ")),
    case("sites", "sites_huge_cost.csv", data_with("sites.csv", "32.00", "1e308"),
         Err("larger than 1,000,000,000", row=2, column="hourly_cost", value="1e308")),
    case("sites", "sites_cost_above_cap.csv", data_with("sites.csv", "32.00", "5000000"),
         Err("less than or equal to 1000000", row=2, column="hourly_cost", value=5_000_000.0)),
    case("sites", "sites_nan_headcount.csv", data_with("sites.csv", ",260,", ",NaN,"),
         Err("not a whole number", row=2, column="max_agents", value="NaN")),
    case("sites", "sites_infinite_start_frame", pd.DataFrame({
        "site": ["A"], "timezone": ["UTC"], "queues": ["q"], "earliest_start": [math.inf], "latest_start": ["20:00"],
        "max_agents": [3], "hourly_cost": [10.0]}),
         Err("not a time of day", row=2, column="earliest_start", value=math.inf, file="sites table")),
    case("sites", "sites_duplicate_columns.csv", (DATA / "sites.csv").read_text().replace("holiday_premium", "site", 1),
         Err("the column 'site' appears twice (columns 1 and 13", row=1, column="site")),
    case("sites", "sites_empty.csv", b"", Err("is empty")),
    case("sites", "sites_header_only.csv", (DATA / "sites.csv").read_text().splitlines()[0] + "\n",
         Err("the file has no sites")),
]

TEMPLATES = [
    case("templates", "shift_templates_ragged_row.csv", templates_with(",consecutive,all", ",consecutive,all,x"),
         Err("has 10 fields but the header has 9", row=2)),
    case("templates", "shift_templates_unclosed_quote.csv", templates_with("FT 8h,", '"FT 8h,'),
         Err("unbalanced quotes")),
    case("templates", "shift_templates_latin1.csv",
         (DATA / "shift_templates.csv").read_text().replace("FT 8h", "Journée été", 1).encode("latin-1"),
         Ok(names("Journée été", "FT 10h", "PT 4h", "PT 6h"))),
    case("templates", "shift_templates_nan_length.csv", templates_with(",510,", ",NaN,"),
         Err("not a duration", row=2, column="length_minutes", value="NaN")),
    case("templates", "shift_templates_start_step_words.csv", templates_with(",15,Mon-Sun", ",abc,Mon-Sun"),
         Err("the start step must be 15, 30 or 60", row=2, column="start_step_minutes", value="abc")),
    case("templates", "shift_templates_break_words.csv", templates_with("15 paid @ 1:30-2:45 |", "fifteen |"),
         Err("'fifteen' is not a break", row=2, column="breaks", value=ANY)),
    case("templates", "shift_templates_unknown_site.csv", templates_with(",consecutive,all", ",consecutive,Paris"),
         Err("unknown site 'Paris'", row=2, column="sites", value="Paris")),
    case("templates", "shift_templates_formula_name.csv", templates_with("FT 8h,", "\"=cmd|' /C calc'!A0\","),
         Ok(names("=cmd|' /C calc'!A0", "FT 10h", "PT 4h", "PT 6h"))),
    case("templates", "shift_templates_header_only.csv", (DATA / "shift_templates.csv").read_text().splitlines()[0],
         Err("the file has no shift templates")),
    case("templates", "shift_templates_bad_indent.yaml", None, Err("is not readable YAML")),
    case("templates", "shift_templates_empty_mapping.yaml", "{}\n", Err("must be a list of templates")),
    case("templates", "shift_templates_empty.yaml", "", Err("must be a list of templates")),
    case("templates", "shift_templates_length_list.yaml", "- template: FT\n  length_minutes: [480]\n",
         Err("not a shift length in whole minutes", row=2, column="length_minutes", value=[480])),
    case("templates", "shift_templates_length_infinite.yaml", "- template: FT\n  length_minutes: .inf\n",
         Err("not a shift length in whole minutes", row=2, column="length_minutes", value=math.inf)),
    case("templates", "shift_templates_weekday_numbers_out_of_range.yaml", None,
         Err("not weekday numbers", row=2, column="allowed_days", value=[9, 10, 11])),
    case("templates", "shift_templates_weekday_names_list.yaml",
         "- template: FT\n  length_minutes: 480\n  allowed_days: [Mon, Wed, Fri]\n  days_per_week: 3\n"
         "  days_off_rule: any\n",
         Ok(template_days("FT", (0, 2, 4)))),
    case("templates", "shift_templates_python_tag.yaml", "!!python/object/apply:os.system ['echo pwned']\n",
         Err("is not readable YAML")),
    case("templates", "shift_templates_utf16.yaml", "- template: Journée\n  length_minutes: 480\n".encode("utf-16"),
         Ok(names("Journée"))),
]

OVERTIME = [
    case("overtime", "overtime_ragged_row.csv", OVERTIME_HEAD + "all,before;after,30,120,30,8,9\n",
         Err("has 7 fields but the header has 6", row=2)),
    case("overtime", "overtime_huge_hours.csv", OVERTIME_HEAD + "all,before,30,120,30,1e308\n",
         Err("larger than 1,000,000,000", row=2, column="max_hours_per_agent_week", value="1e308")),
    case("overtime", "overtime_more_hours_than_a_week.csv", OVERTIME_HEAD + "all,before,30,120,30,500\n",
         Err("less than or equal to 168", row=2, column="max_hours_per_agent_week", value=500.0)),
    case("overtime", "overtime_infinite_hours.csv", OVERTIME_HEAD + "all,before,30,120,30,inf\n",
         Err("is not a number", row=2, column="max_hours_per_agent_week", value="inf")),
    case("overtime", "overtime_unknown_site.csv", OVERTIME_HEAD + "Paris,before,30,120,30,8\n",
         Err("unknown site", row=2, column="site", value="Paris")),
    case("overtime", "overtime_empty.csv", b"", Err("is empty")),
    case("overtime", "overtime_header_only.csv", OVERTIME_HEAD, Ok(names())),
    case("overtime", "overtime_utf16.csv", (OVERTIME_HEAD + "all,before,30,120,30,8\n").encode("utf-16"),
         Ok(names("Dublin", "Manila", "Austin"))),
]

REQUIREMENTS = [
    case("requirements", "requirements_ragged_row.csv", REQ_HEAD + "uk_phone,2025-03-24T09:00:00Z,3,4,5\n",
         Err("has 5 fields but the header has 4", row=2)),
    case("requirements", "requirements_huge_agents.csv", REQ_HEAD + "uk_phone,2025-03-24T09:00:00Z,1e308,1e308\n",
         Err("not a number of agents", row=2, column="scheduled", value="1e308")),
    case("requirements", "requirements_nan_agents.csv", REQ_HEAD + "uk_phone,2025-03-24T09:00:00Z,NaN,4\n",
         Err("not a number of agents", row=2, column="scheduled", value="NaN")),
    case("requirements", "requirements_negative_agents.csv", REQ_HEAD + "uk_phone,2025-03-24T09:00:00Z,3,-4\n",
         Err("not a number of agents", row=2, column="scheduled_upper", value="-4")),
    case("requirements", "requirements_formula_agents.csv", REQ_HEAD + "uk_phone,2025-03-24T09:00:00Z,=1+2,4\n",
         Err("not a number of agents", row=2, column="scheduled", value="=1+2")),
    case("requirements", "requirements_dates_ambiguous.csv",
         REQ_HEAD + "uk_phone,01/03/2025 09:00,3,4\nuk_phone,01/03/2025 09:30,3,4\n",
         Ok(requirement_starts("2025-03-01 09:00", "2025-03-01 09:30"))),
    case("requirements", "requirements_dates_ddmmyyyy.csv",
         REQ_HEAD + "uk_phone,24/03/2025 09:00,3,4\nuk_phone,24/03/2025 09:30,3,4\n",
         Ok(requirement_starts("2025-03-24 09:00", "2025-03-24 09:30"))),
    case("requirements", "requirements_year_9999.csv", REQ_HEAD + "uk_phone,9999-03-24T09:00:00Z,3,4\n",
         Err("outside the years 1970 to 2100", row=2, column="ds", value="9999-03-24T09:00:00Z")),
    case("requirements", "requirements_duplicate_columns.csv",
         "queue,ds,scheduled,scheduled\nuk_phone,2025-03-24T09:00Z,3,40\n",
         Err("the column 'scheduled' appears twice", row=1, column="scheduled")),
    case("requirements", "requirements_missing_queue_frame",
         pd.DataFrame({"queue": [None], "ds": ["2025-03-24T09:00:00Z"], "scheduled": [3]}),
         Err("the queue is empty", row=2, column="queue", file="requirements table")),
    case("requirements", "requirements_numeric_times_frame",
         pd.DataFrame({"queue": ["uk_phone"], "ds": [5], "scheduled": [3]}),
         Err("not a timestamp", row=2, column="ds", value="5", file="requirements table")),
    case("requirements", "requirements_unicode_queue.csv", REQ_HEAD + "📞 support,2025-03-24T09:00:00Z,3,4\n",
         Err("no site serves this queue", row=2, column="queue", value="📞 support")),
    case("requirements", "requirements_utf16.csv", (REQ_HEAD + "uk_phone,2025-03-24T09:00:00Z,3,4\n").encode("utf-16"),
         Ok(requirement_starts("2025-03-24 09:00"))),
    case("requirements", "requirements_empty.csv", b"", Err("is empty")),
]

AGENTS = [
    case("agents", "agents_ragged_row.csv", AGENTS_HEAD + "D1,Ana,Dublin,uk_phone,part_time,20,24,,,,,x,y\n",
         Err("has 13 fields but the header has 11", row=2)),
    case("agents", "agents_latin1_accents.csv", (AGENTS_HEAD + "D1,Zoë Núñez,Dublin,,,,,,,,\n").encode("latin-1"),
         Ok(agent_name("D1", "Zoë Núñez"))),
    case("agents", "agents_utf16.csv", (AGENTS_HEAD + "D1,Zoë Núñez,Dublin,,,,,,,,\n").encode("utf-16"),
         Ok(agent_name("D1", "Zoë Núñez"))),
    case("agents", "agents_unicode_names.csv", AGENTS_HEAD + "D1,Zoë 😀 דוד,Dublin,,,,,,,,\n",
         Ok(agent_name("D1", "Zoë 😀 דוד"))),
    case("agents", "agents_formula_like_id.csv", AGENTS_HEAD + "\"=cmd|' /C calc'!A0\",+1,Dublin,,,,,,,,\n",
         Ok(both(names("=cmd|' /C calc'!A0"), agent_name("=cmd|' /C calc'!A0", "+1")))),
    case("agents", "agents_empty.csv", b"", Err("is empty")),
    case("agents", "agents_binary_junk.csv", BINARY_JUNK, Err("NUL bytes", row=3)),
    case("agents", "agents_duplicate_columns.csv", AGENTS_HEAD.strip() + ",Site\n" + "D1,Ana,Dublin,,,,,,,,,Manila\n",
         Err("the column 'Site' appears twice", row=1, column="Site")),
    case("agents", "agents_infinite_hours.csv", AGENTS_HEAD + "D1,Ana,Dublin,,,20,inf,,,,\n" + GOOD_AGENT,
         Dropped("is not a number", row=2, column="max_hours", value="inf")),
    case("agents", "agents_huge_hours.csv", AGENTS_HEAD + "D1,Ana,Dublin,,,20,1e308,,,,\n" + GOOD_AGENT,
         Dropped("more than the 168 hours of a week", row=2, column="max_hours", value="1e308")),
    case("agents", "agents_nan_days.csv", AGENTS_HEAD + "D1,Ana,Dublin,,,20,30,NaN,,,\n" + GOOD_AGENT,
         Dropped("is not a number", row=2, column="days_per_week", value="NaN")),
    case("agents", "agents_dmy_unavailability.csv", AGENTS_HEAD + "D1,Ana,Dublin,,,,,,26/03/2025,,\n" + GOOD_AGENT,
         Dropped("is not a list of days", row=2, column="unavailable", value="26/03/2025")),
    case("agents", "agents_every_row_bad.csv", AGENTS_HEAD + "D1,Ana,Cork,,,,,,,,\n",
         Err("unknown site", row=2, column="site", value="Cork")),
]

SCENARIOS = [
    case("scenario", "scenario_infinite_growth", {"name": "x", "volume_growth_percent": math.inf},
         Err("finite number", column="volume_growth_percent", value=math.inf, file="scenario")),
    case("scenario", "scenario_huge_growth", {"name": "x", "volume_growth_percent": 1e308},
         Err("less than or equal to 10000", column="volume_growth_percent", value=1e308, file="scenario")),
    case("scenario", "scenario_nan_cost", {"name": "x", "hourly_cost": {"all": math.nan}},
         Err("finite number", column="hourly_cost.all", value=math.nan, file="scenario")),
    case("scenario", "scenario_huge_cost", {"name": "x", "hourly_cost": {"Dublin": 1e308}},
         Err("'Dublin' (1e+308) must be at most 1,000,000", column="hourly_cost", file="scenario")),
    case("scenario", "scenario_nan_overtime", {"name": "x", "overtime_multiplier": {"all": math.nan}},
         Err("finite number", column="overtime_multiplier.all", value=math.nan, file="scenario")),
    case("scenario", "scenario_huge_event_lift",
         {"name": "x", "extra_events": [{"name": "L", "start": "2025-06-02", "lift_percent": 1e308}]},
         Err("less than or equal to 10000", column="extra_events.0.lift_percent", value=1e308, file="scenario")),
    case("scenario", "scenario_event_ends_before_start",
         {"name": "x", "extra_events": [{"name": "L", "start": "2025-06-10", "end": "2025-06-01", "lift_percent": 5}]},
         Err("ends (2025-06-01) before it starts", column="extra_events.0", file="scenario")),
    case("scenario", "scenario_event_year_9999",
         {"name": "x", "extra_events": [{"name": "L", "start": "9999-06-02", "lift_percent": 5}]},
         Err("outside the years 1970 to 2100", column="extra_events.0.start", value="9999-06-02", file="scenario")),
    case("scenario", "scenario_event_ambiguous_date",
         {"name": "x", "extra_events": [{"name": "L", "start": "01/02/2025", "lift_percent": 5}]},
         Err("valid date", column="extra_events.0.start", value="01/02/2025", file="scenario")),
    case("scenario", "scenario_opening_hours_words", {"name": "x", "opening_hours": {"uk_phone": {"mon": "8am-8pm"}}},
         Err("not an opening span", column="opening_hours", file="scenario")),
    case("scenario", "scenario_blank_name", {"name": "   "}, Err("the name is blank", column="name", value="   ",
                                                                   file="scenario")),
    case("scenario", "scenario_unknown_field", {"name": "x", "growth": 5},
         Err("Extra inputs are not permitted", column="growth", value=5, file="scenario")),
    case("scenario", "scenario_not_a_mapping", ["growth", 5], Err("must be a set of named fields", file="scenario")),
    case("scenario", "scenario_none", None, Err("must be a set of named fields", file="scenario")),
    case("scenario", "scenario_unicode_name", {"name": "Croissance été 📈 צמיחה", "volume_growth_percent": 5},
         Ok(names("Croissance été 📈 צמיחה"))),
    case("scenario", "scenario_formula_like_name", {"name": "=cmd|' /C calc'!A0"}, Ok(names("=cmd|' /C calc'!A0"))),
]

IMPORTS = [
    case("import", "scenario_import_empty.json", b"", Err("not valid JSON (line 1, column 1)", file="scenario import")),
    case("import", "scenario_import_truncated.json", None, Err("not valid JSON (line 1", file="scenario import")),
    case("import", "scenario_import_nan.json", None,
         Err("finite number", column="volume_growth_percent", value=math.nan, file="scenario import, scenario 1")),
    case("import", "scenario_import_infinity.json", growth_export(b'"aht_change_percent": Infinity'),
         Err("finite number", column="aht_change_percent", value=math.inf, file="scenario import, scenario 1")),
    case("import", "scenario_import_1e999.json", growth_export(b'"aht_change_percent": 1e999'),
         Err("finite number", column="aht_change_percent", value=math.inf, file="scenario import, scenario 1")),
    case("import", "scenario_import_deep_nesting.json", b"[" * 100_000 + b"]" * 100_000,
         Err("not valid JSON", file="scenario import")),
    case("import", "scenario_import_5000_digit_number.json",
         growth_export(b'"aht_change_percent": 1' + b"0" * 5000),
         Err("not valid JSON", file="scenario import")),
    case("import", "scenario_import_utf16.json", growth_export().decode().encode("utf-16"), Ok(names("Growth"))),
    case("import", "scenario_import_text_with_bom", "\ufeff" + growth_export().decode(), Ok(names("Growth"))),
    case("import", "scenario_import_latin1.json", export({"name": "Été"}).decode().encode("latin-1"),
         Err("not UTF-8 text", file="scenario import")),
    case("import", "scenario_import_duplicate_names.json", None,
         Err("both called 'Growth'", column="name", value="Growth", file="scenario import, scenario 2")),
    case("import", "scenario_import_unicode_names.json", export({"name": "📈 צמיחה"}, {"name": "Été"}),
         Ok(names("📈 צמיחה", "Été"))),
    case("import", "scenario_import_none", None, Err("not valid JSON", file="scenario import")),
    case("import", "scenario_import_binary_junk.json", BINARY_JUNK, Err("not valid JSON", file="scenario import")),
    case("import", "scenario_import_wrong_format.json", json.dumps({"format": "csv", "scenarios": []}),
         Err("not a scenario export", file="scenario import")),
]

CORPUS_CASES = HISTORY + EVENTS + QUEUES_CASES + SITES_CASES + TEMPLATES + OVERTIME + REQUIREMENTS + AGENTS \
    + SCENARIOS + IMPORTS

LOADERS: dict[str, Callable[..., Any]] = {
    "history": lambda src, **kw: load_history(src, **kw),
    "events": lambda src, **kw: load_events(src, **kw),
    "queues": lambda src, **kw: load_queues(src),
    "sites": lambda src, **kw: load_sites(src),
    "templates": lambda src, **kw: load_templates(src, sites=SITES),
    "overtime": lambda src, **kw: load_overtime(src, sites=SITES),
    "requirements": lambda src, **kw: load_requirements(src, SITES),
    "agents": lambda src, **kw: load_agents(src, SITES),
    "scenario": lambda src, **kw: make_scenario(src),
    "import": lambda src, **kw: parse_export(src),
}


def materialise(kind: str, file: str, source: Any, folder: Path) -> Any:
    """The loader's argument: a file under ``folder`` named ``file``, or the object itself."""
    if source is None and (CORPUS / file).exists():
        source = corpus(file)
    if callable(source):
        source = source()
    if kind in ("scenario", "import") or source is None or isinstance(source, pd.DataFrame):
        return source.encode("utf-8") if kind == "import" and isinstance(source, str) and file.endswith(".json") \
            else source
    path = folder / file
    path.write_bytes(source if isinstance(source, bytes) else source.encode("utf-8"))
    return path


@pytest.mark.parametrize("kind, file, source, expect, kwargs", CORPUS_CASES)
def test_bad_input(tmp_path, kind, file, source, expect, kwargs):
    argument = materialise(kind, file, source, tmp_path)
    expected_file = file if getattr(expect, "file", ANY) is ANY else expect.file
    if isinstance(expect, Err):
        with pytest.raises(Exception) as caught:
            LOADERS[kind](argument, **kwargs)
        assert_input_error(caught.value, expect, expected_file)
        return
    result = LOADERS[kind](argument, **kwargs)  # anything raised here fails the case: it should have loaded
    if isinstance(expect, Dropped):
        assert isinstance(result, AgentsFile) and tuple(result.agents) == expect.kept
        assert len(result.problems) == 1
        assert_input_error(result.problems[0], expect, expected_file)
        assert "left out of the roster" in result.problems[0].problem
        return
    expect.check(result)


def test_the_corpus_is_big_and_covers_every_input():
    kinds = {p.values[0] for p in CORPUS_CASES}
    assert kinds == set(LOADERS)
    assert len(CORPUS_CASES) >= 60
    ids = [p.id for p in CORPUS_CASES]
    assert len(ids) == len(set(ids)), "case ids are unique"
    unused = {p.name for p in CORPUS.iterdir()} - {p.values[1] for p in CORPUS_CASES} - {"README.md"}
    assert not unused, f"fixtures no case reads: {unused}"


@pytest.mark.slow  # ~5 s of CPU (generating and loading); well over 10 s on a busy machine
def test_ten_years_of_15_minute_data_loads_whole():
    """About 350,000 wall-clock rows in Europe/London, every DST change of ten years: loads, nothing lost."""
    ten_years(load_history(ten_years_local(), name="ten_years_15min.csv", tz="Europe/London"))


def test_a_bad_scenario_in_an_import_saves_nothing(tmp_path):
    store = ScenarioStore(f"sqlite:///{tmp_path / 'scenarios.sqlite'}")
    bad = export({"name": "Fine", "volume_growth_percent": 5}, {"name": "Broken", "hourly_cost": {"all": math.inf}})
    with pytest.raises(InputError) as caught:
        store.import_json(bad)
    assert str(caught.value).startswith("scenario import, scenario 2, column 'hourly_cost.all'")
    assert store.names() == []


# ---------------------------------------------------------------------------------------------- command line

GOOD_HISTORY = "ds,y,queue\n" + "".join(f"2024-01-{d:02d} {h:02d}:00:00+00:00,{d + h},uk_phone\n"
                                          for d in range(1, 29) for h in range(8, 18))
GOOD_REQUIREMENTS = REQ_HEAD + "uk_phone,2025-03-24T09:00:00Z,3,4\nuk_phone,2025-03-24T09:30:00Z,3,4\n"
VALIDATE = ["-m", "forecasting", "validate", "{file}", "--tz", "UTC"]
FORECAST = ["-m", "forecasting", "forecast", "--history", "{good_history}", "--tz", "UTC", "--events", "{file}",
            "--horizon-days", "7", "--out", "{out}/forecast.csv"]
PLAN = ["-m", "scheduling", "plan", "--requirements", "{requirements}", "--sites", "{sites}", "--shifts",
        "{shifts}", "--overtime", "{overtime}", "--out", "{out}/plan"]


def cli(name: str, file: str, content: Any, argv: list[str], *words: str, **roles: str):
    """A command-line case: ``content`` goes to ``file``; ``roles`` puts it in place of a good input of the plan."""
    return pytest.param(file, content, argv, roles, words, id=name)


CLI_CASES = [
    cli("validate-ragged-row", "history_ragged_row.csv", corpus("history_ragged_row.csv"), VALIDATE, "row 4",
        "4 fields"),
    cli("validate-huge-count", "history_huge_count_1e308.csv", corpus("history_huge_count_1e308.csv"), VALIDATE,
        "row 2, column 'y': value '1e308'"),
    cli("validate-dst-gap", "history_dst_gap_intervals_dublin.csv", corpus("history_dst_gap_intervals_dublin.csv"),
        [*VALIDATE[:4], "--tz", "Europe/Dublin"], "row 4, column 'ds': value '2024-03-31 01:00'"),
    cli("validate-year-9999", "history_year_9999.csv", corpus("history_year_9999.csv"), VALIDATE,
        "row 2, column 'ds'", "outside the years"),
    cli("validate-unknown-time-zone", "history_negative_count.csv", corpus("history_negative_count.csv"),
        [*VALIDATE[:4], "--tz", "Mars/Olympus"], "'Mars/Olympus'", "not a time zone"),
    cli("validate-bad-queues-file", "queues_unclosed_quote.csv", corpus("queues_unclosed_quote.csv"),
        ["-m", "forecasting", "validate", "{good_history}", "--queues", "{file}"], "unbalanced quotes"),
    cli("forecast-ambiguous-event-date", "events_ambiguous_date.csv", corpus("events_ambiguous_date.csv"), FORECAST,
        "row 3, column 'start': value '01/02/2025'"),
    cli("requirements-empty-queues", "queues_empty.csv", b"",
        ["-m", "scheduling", "requirements", "--forecast", "{good_history}", "--queues", "{file}", "--out",
         "{out}/requirements.csv"], "is empty"),
    cli("requirements-binary-queues", "queues_binary_junk.csv", BINARY_JUNK,
        ["-m", "scheduling", "requirements", "--forecast", "{good_history}", "--queues", "{file}", "--out",
         "{out}/requirements.csv"], "row 3", "NUL bytes"),
    cli("plan-huge-site-cost", "sites_huge_cost.csv", data_with("sites.csv", "32.00", "1e308"), PLAN,
        "row 2, column 'hourly_cost': value '1e308'", sites="{file}"),
    cli("plan-unknown-site-time-zone", "sites_unknown_time_zone.csv",
        data_with("sites.csv", "Europe/Dublin", "Dublin/Ireland"), PLAN,
        "row 2, column 'timezone': value 'Dublin/Ireland'", sites="{file}"),
    cli("plan-latin1-sites-unknown-country", "sites_latin1_unknown_country.csv",
        (DATA / "sites.csv").read_text().replace("Dublin,", "Málaga,", 1).replace(",IE,", ",ZZ,", 1).encode("latin-1"),
        PLAN, "row 2, column 'holiday_country': value 'ZZ'", sites="{file}"),
    cli("plan-empty-yaml-mapping", "shift_templates_empty_mapping.yaml", "{}\n", PLAN, "must be a list of templates",
        shifts="{file}"),
    cli("plan-infinite-yaml-length", "shift_templates_length_infinite.yaml", "- template: FT\n  length_minutes: .inf\n",
        PLAN, "row 2, column 'length_minutes'", shifts="{file}"),
    cli("plan-ragged-overtime", "overtime_ragged_row.csv", OVERTIME_HEAD + "all,before;after,30,120,30,8,9\n", PLAN,
        "row 2", "7 fields", overtime="{file}"),
    cli("plan-requirements-year-9999", "requirements_year_9999.csv", REQ_HEAD + "uk_phone,9999-03-24T09:00:00Z,3,4\n",
        PLAN, "row 2, column 'ds'", "outside the years", requirements="{file}"),
    cli("roster-binary-agents", "agents_binary_junk.csv", BINARY_JUNK,
        ["-m", "scheduling", "roster", "--plan", "{plan}", "--agents", "{file}", "--out", "{out}/roster"], "NUL bytes"),
]


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory) -> dict[str, Any]:
    """Start every command-line case at once (a few at a time); each test then waits for its own."""
    from tests.test_roster import line, make_plan

    folder = tmp_path_factory.mktemp("cli")
    (folder / "good_history.csv").write_text(GOOD_HISTORY)
    (folder / "requirements.csv").write_text(GOOD_REQUIREMENTS)
    plan = make_plan(folder / "roster_plan", line("Dublin", "phone", range(5), "08:00"))
    defaults = {"good_history": folder / "good_history.csv", "requirements": folder / "requirements.csv",
                "sites": DATA / "sites.csv", "shifts": DATA / "shift_templates.csv", "overtime": DATA / "overtime.csv",
                "plan": plan}
    pool = ThreadPoolExecutor(max_workers=4)
    runs = {}
    for param in CLI_CASES:
        file, content, argv, roles, _ = param.values
        case_dir = folder / param.id
        case_dir.mkdir()
        content = content() if callable(content) else content
        path = case_dir / file
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        values = {**defaults, **{role: path for role in roles}, "file": path, "out": case_dir}
        args = [sys.executable, *(a.format(**values) for a in argv)]
        runs[param.id] = (path.name, pool.submit(subprocess.run, args, cwd=ROOT, capture_output=True, text=True,
                                                 timeout=300))
    yield runs
    pool.shutdown(wait=True)


@pytest.mark.parametrize("file, content, argv, roles, words", CLI_CASES)
def test_command_line_exits_2_with_the_message(request, cli_runs, file, content, argv, roles, words):
    name, future = cli_runs[request.node.callspec.id]
    result = future.result()
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()  # notes may come first; the error is one line, the last
    assert lines[-1].startswith("error: ") and sum(line.startswith("error: ") for line in lines) == 1, result.stderr
    assert name in lines[-1] or "Mars/Olympus" in lines[-1], result.stderr
    for word in words:
        assert word in lines[-1], result.stderr


# ---------------------------------------------------------------------------------------------- the app


@pytest.fixture(scope="module")
def app_in_upload_mode():
    """The app on its History page, switched to 'Upload a file' (one app for every case of this module).

    The bundled two-year sample is swapped for a two-interval history: these cases are about uploads, and the
    sample would cost seconds before the upload form even shows.
    """
    from streamlit.testing.v1 import AppTest

    from ui import state

    tiny = load_history(ACCENTS.encode(), name="tiny.csv")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(state, "sample",
                      lambda: (tiny, load_events(pd.DataFrame(columns=["name", "kind", "start"]))))
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.run()
        assert not at.exception, at.exception
        at.radio[0].set_value("Upload a file").run()
        yield at


@pytest.fixture()
def history_page(app_in_upload_mode):
    """The upload form with nothing uploaded (the previous case's files removed)."""
    at = app_in_upload_mode
    if at.file_uploader and at.file_uploader[0].value is not None:
        at.file_uploader[0].set_value(None).run()
    assert not at.exception and not at.error and len(at.file_uploader) == 1
    return at


def upload(name: str, content: Any) -> tuple[str, bytes, str]:
    content = content() if callable(content) else content
    return name, content if isinstance(content, bytes) else content.encode("utf-8"), "application/octet-stream"


APP_CASES = [
    pytest.param("history_ragged_row.csv", corpus("history_ragged_row.csv"), None, None, ["row 4", "4 fields"],
                 id="ragged-row"),
    pytest.param("history_huge_count_1e308.csv", corpus("history_huge_count_1e308.csv"), None, None,
                 ["row 2, column 'y': value '1e308'"], id="huge-count"),
    pytest.param("history_year_9999.csv", corpus("history_year_9999.csv"), None, None, ["outside the years"],
                 id="year-9999"),
    pytest.param("history_empty.csv", b"", None, None, ["history_empty.csv: is empty"], id="empty-file"),
    pytest.param("history_binary_junk.csv", BINARY_JUNK, None, None, ["row 3", "NUL bytes"], id="binary-junk"),
    pytest.param("history_merged_title_row.xlsx", xlsx(["ds", "y"], ["2024-01-08 08:00", 3], title="Contacts report"),
                 None, None, ["no time column found"], id="merged-title-xlsx"),
    pytest.param("history_duplicate_columns.csv", corpus("history_duplicate_columns.csv"), None, None,
                 ["column 'y'", "appears twice"], id="duplicate-columns"),
    pytest.param("history_good.csv", GOOD_HISTORY, ("queues_unclosed_quote.csv", corpus("queues_unclosed_quote.csv")),
                 None, ["queues_unclosed_quote.csv", "unbalanced quotes"], id="bad-queues-upload"),
    pytest.param("history_good.csv", GOOD_HISTORY, None,
                 ("events_ambiguous_date.csv", corpus("events_ambiguous_date.csv")),
                 ["events_ambiguous_date.csv, row 3, column 'start'"], id="ambiguous-event-date-upload"),
]


@pytest.mark.parametrize("name, content, queues, events_file, words", APP_CASES)
def test_history_page_shows_the_error(history_page, name, content, queues, events_file, words):
    at = history_page
    at.file_uploader[0].set_value(upload(name, content)).run()
    for index, extra in ((1, queues), (2, events_file)):
        if extra is not None:
            assert not at.error, [e.value for e in at.error]
            at.file_uploader[index].set_value(upload(*extra)).run()
    assert not at.exception, at.exception
    assert len(at.error) == 1, [e.value for e in at.error]
    message = at.error[0].value
    assert "Traceback" not in message and "Fix:" in message
    for word in words:
        assert word in message, message


def test_history_page_unknown_time_zone_typed(history_page):
    at = history_page
    at.file_uploader[0].set_value(upload("history_good.csv", GOOD_HISTORY)).run()
    at.selectbox[0].select("other...").run()
    at.text_input[0].input("Mars/Olympus").run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["'Mars/Olympus' is not an IANA time zone. Fix: pick one from the list or "
                                           "type e.g. Europe/Berlin."]
