"""Roster files: the roster CSV (all sites and one per site), calendars (.ics per agent, zipped), coverage.

Every CSV goes through :func:`forecasting.safe_csv.to_safe_csv` (formula-like text neutralised,
optional UTF-8 byte-order mark for Excel).

Roster CSV (the contract of ARCHITECTURE.md), one row per rostered shift::

    agent_id, site, queue, date_local, start_local, end_local, start_utc, end_utc, breaks, overtime, paid_hours

``date_local`` is the site-local date the shift belongs to (YYYY-MM-DD); the four times are ISO 8601
with their UTC offset and span the whole working time, overtime included; ``breaks`` lists each break
as ``HH:MM 15m paid`` in site-local time, ``; ``-separated; ``overtime`` is hours of overtime and
``paid_hours`` all paid hours of the shift, overtime included (unpaid breaks excluded).
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
import zoneinfo
from pathlib import Path

import icalendar
import numpy as np
import pandas as pd

from forecasting.safe_csv import to_safe_csv, undo_neutral
from forecasting.validation import InputError
from scheduling.roster import Roster
from scheduling.roster_coverage import interval_coverage
from scheduling.roster_plan import Horizon, local_wall_after
from scheduling.sites import Site

ROSTER_COLUMNS = ["agent_id", "site", "queue", "date_local", "start_local", "end_local", "start_utc", "end_utc",
                  "breaks", "overtime", "paid_hours"]
PRODID = "-//Contact-centre WFM//Roster//EN"


# ----------------------------------------------------------------------------------------------
# the roster table and its CSVs
# ----------------------------------------------------------------------------------------------


def roster_table(roster: Roster | pd.DataFrame) -> pd.DataFrame:
    """The roster contract with typed values (tz-aware timestamps, a date, numbers), plus ``template``
    and ``name``; one row per rostered shift, sorted by site, agent and start."""
    shifts = roster.shifts if isinstance(roster, Roster) else roster
    worked = shifts[shifts["agent_id"].notna()]
    rows = []
    for record in worked.itertuples():
        zone = record.timezone
        rows.append({
            "agent_id": record.agent_id, "site": record.site, "queue": record.queue,
            "date_local": record.date_local,
            "start_local": record.work_start.tz_convert(zone), "end_local": record.work_end.tz_convert(zone),
            "start_utc": record.work_start, "end_utc": record.work_end,
            "breaks": break_text(record.breaks, zone),
            "overtime": round(float(record.overtime_hours), 4),
            "paid_hours": round(float(record.paid_hours + record.overtime_hours), 4),
            "template": record.template, "name": record.name if isinstance(record.name, str) else "",
        })
    table = pd.DataFrame(rows, columns=ROSTER_COLUMNS + ["template", "name"])
    if table.empty:
        return table
    return table.sort_values(["site", "agent_id", "start_utc"], ignore_index=True)


def break_text(breaks, zone: str) -> str:
    """((UTC start, minutes, paid), ...) -> ``"10:30 15m paid; 12:45 30m unpaid"`` in local time."""
    return "; ".join(f"{start.tz_convert(zone):%H:%M} {minutes}m {'paid' if paid else 'unpaid'}"
                     for start, minutes, paid in breaks)


def roster_csv(table: pd.DataFrame, *, bom: bool = False) -> bytes:
    """The contract columns as spreadsheet-safe CSV, times as ISO 8601 with offsets."""
    return to_safe_csv(_as_text(table), bom=bom)


def _as_text(table: pd.DataFrame) -> pd.DataFrame:
    out = table[ROSTER_COLUMNS].copy()
    out["date_local"] = [d.isoformat() for d in out["date_local"]]
    for column in ("start_local", "end_local", "start_utc", "end_utc"):
        out[column] = [t.isoformat() for t in out[column]]
    return out


def site_csvs(table: pd.DataFrame, *, bom: bool = False) -> dict[str, bytes]:
    """One roster CSV per site: file name (``roster_<site>.csv``) -> bytes."""
    return {f"roster_{_file_name(site)}.csv": roster_csv(part, bom=bom)
            for site, part in table.groupby("site", sort=True)}


def _file_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", str(text)).strip("._") or "unnamed"


def read_roster_csv(source: str | Path | bytes, sites: dict[str, Site] | None = None,
                    *, name: str | None = None) -> pd.DataFrame:
    """Read a roster CSV back into the builder's shift frame (``queue, site, timezone, work_start,
    work_end, start_utc, end_utc, breaks, paid_hours, overtime_hours, agent_id, date_local``), e.g. to
    replay it. Break times are read in the site's zone when ``sites`` has it, else in the UTC offset
    of the shift's start."""
    label = name or (Path(source).name if not isinstance(source, bytes) else "roster file")
    try:
        frame = pd.read_csv(io.BytesIO(source) if isinstance(source, bytes) else source, dtype=str,
                            keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("the file does not exist.", file=label, fix="check the path.") from None
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as err:
        raise InputError(f"is not a readable CSV file ({err}).", file=label, fix="save it as CSV (UTF-8).") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in ("agent_id", "site", "queue", "start_utc", "end_utc") if c not in frame.columns]
    if missing:
        raise InputError(f"the column(s) {', '.join(missing)} are missing (found: {', '.join(frame.columns)}).",
                         file=label, column=missing[0], fix=f"give the roster columns {', '.join(ROSTER_COLUMNS)}.")
    records = []
    for i, row in frame.iterrows():
        try:
            start = pd.Timestamp(row["start_utc"]).tz_convert("UTC")
            end = pd.Timestamp(row["end_utc"]).tz_convert("UTC")
        except (ValueError, TypeError):
            raise InputError("is not a time with a UTC offset.", file=label, row=i + 2, column="start_utc",
                             value=row["start_utc"], fix="write times like 2026-03-23T08:00:00+00:00.") from None
        site = undo_neutral(row["site"])
        if sites and site in sites:
            zone = sites[site].timezone
        else:
            local = pd.Timestamp(row.get("start_local") or row["start_utc"])
            zone = local.tzinfo if local.tzinfo is not None else "UTC"
        breaks = []
        for item in [b.strip() for b in str(row.get("breaks", "")).split(";") if b.strip()]:
            match = re.fullmatch(r"(\d{1,2}:\d{2})\s+(\d+)m\s+(paid|unpaid)", item)
            if not match:
                raise InputError("is not a list of breaks.", file=label, row=i + 2, column="breaks",
                                 value=row["breaks"], fix="write breaks like '10:30 15m paid; 12:45 30m unpaid'.")
            at = local_wall_after(start - pd.Timedelta(minutes=1), match[1], zone)
            breaks.append((at, int(match[2]), match[3] == "paid"))
        overtime = float(row.get("overtime") or 0)
        records.append({"agent_id": undo_neutral(row["agent_id"]), "site": site,
                        "queue": undo_neutral(row["queue"]), "timezone": str(zone),
                        "date_local": row.get("date_local", ""),
                        "start_utc": start, "end_utc": end, "work_start": start, "work_end": end,
                        "breaks": tuple(breaks), "paid_hours": float(row.get("paid_hours") or 0) - overtime,
                        "overtime_hours": overtime})
    return pd.DataFrame(records)


def roster_horizon(shifts: pd.DataFrame, within: pd.Series | None = None) -> Horizon:
    """A linear horizon over whole UTC days covering every shift, cut to the days of ``within`` (UTC
    times, e.g. a forecast's intervals) when given: the period a roster CSV can be replayed over."""
    start = shifts["work_start"].min().floor("D")
    end = shifts["work_end"].max().ceil("D")
    if within is not None and len(within):
        start = max(start, within.min().floor("D"))
        end = min(end, within.max().floor("D") + pd.Timedelta(days=1))
    return Horizon(start, max(1, int((end - start) / pd.Timedelta(days=1))), cyclic=False)


# ----------------------------------------------------------------------------------------------
# calendars
# ----------------------------------------------------------------------------------------------


def agent_calendars(table: pd.DataFrame, *, stamp: dt.datetime | None = None) -> dict[str, bytes]:
    """One iCalendar file per agent: file name (``<agent_id>.ics``) -> bytes.

    Each shift is an event in the site's time zone (``DTSTART;TZID=Europe/Dublin``) with the zone's
    VTIMEZONE definition included, so calendar apps place it right across DST changes; breaks,
    overtime and paid hours are in the description. ``stamp`` (UTC) is the DTSTAMP, now by default.
    """
    stamp = stamp or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    out = {}
    for agent_id, part in table.groupby("agent_id", sort=True):
        calendar = icalendar.Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        label = part["name"].iloc[0] if "name" in part and part["name"].iloc[0] else agent_id
        calendar.add("x-wr-calname", f"Roster: {label}")
        for row in part.itertuples():
            zone = zoneinfo.ZoneInfo(str(row.start_local.tz))
            event = icalendar.Event()
            event.add("uid", f"{agent_id}-{row.start_utc:%Y%m%dT%H%M%SZ}@wfm-roster")
            event.add("dtstamp", stamp)
            event.add("dtstart", row.start_local.to_pydatetime().astimezone(zone))
            event.add("dtend", row.end_local.to_pydatetime().astimezone(zone))
            event.add("summary", f"Shift: {row.queue} ({row.site})")
            event.add("location", row.site)
            details = [f"Queue: {row.queue}", f"Paid hours: {row.paid_hours:g}"]
            if row.breaks:
                details.append(f"Breaks: {row.breaks}")
            if row.overtime:
                details.append(f"Overtime: {row.overtime:g} h")
            event.add("description", "\n".join(details))
            calendar.add_component(event)
        calendar.add_missing_timezones()
        out[f"{_file_name(agent_id)}.ics"] = calendar.to_ical()
    return out


def calendar_zip(table: pd.DataFrame, *, stamp: dt.datetime | None = None) -> bytes:
    """The agents' calendars in one zip file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in agent_calendars(table, stamp=stamp).items():
            archive.writestr(name, data)
    return buffer.getvalue()


# ----------------------------------------------------------------------------------------------
# coverage
# ----------------------------------------------------------------------------------------------


def coverage_table(roster: Roster) -> pd.DataFrame:
    """Per queue and interval (the plan's coverage intervals, else 15 minutes; UTC): ``required`` (the
    plan's, NaN without one), ``scheduled`` (rostered agents working, not on a break), ``on_break``,
    ``overtime`` (agents on overtime), ``open`` (what open shifts would add) and ``gap`` = scheduled +
    overtime - required (negative: short). Agents are averages over the interval."""
    plan = roster.plan
    minutes = 15
    required = None
    if plan.coverage is not None and len(plan.coverage) and "required" in plan.coverage.columns:
        steps = plan.coverage.sort_values("ds").groupby("queue")["ds"].diff().dropna()
        if len(steps):
            minutes = int(steps.min() / pd.Timedelta(minutes=1))
        required = plan.coverage[["queue", "ds", "required"]]
    cover = interval_coverage(roster.shifts, plan.horizon, minutes=minutes).rename(columns={"working": "scheduled"})
    if required is not None:
        cover = cover.merge(required, on=["queue", "ds"], how="outer")
        cover[["scheduled", "on_break", "overtime", "open"]] = cover[["scheduled", "on_break", "overtime",
                                                                       "open"]].fillna(0.0)
    else:
        cover["required"] = np.nan
    cover["gap"] = cover["scheduled"] + cover["overtime"] - cover["required"]
    return cover[["queue", "ds", "required", "scheduled", "on_break", "overtime", "open", "gap"]].sort_values(
        ["queue", "ds"], ignore_index=True)


def coverage_csv(roster: Roster, *, bom: bool = False) -> bytes:
    frame = coverage_table(roster)
    frame["ds"] = [t.isoformat() for t in frame["ds"]]
    return to_safe_csv(frame.round(4), bom=bom)


# ----------------------------------------------------------------------------------------------
# everything at once
# ----------------------------------------------------------------------------------------------


def write_roster(roster: Roster, out: str | Path, *, bom: bool = False) -> list[Path]:
    """Write ``roster.csv``, ``roster_<site>.csv``, ``calendars.zip``, ``coverage.csv``,
    ``open_shifts.csv``, ``overtime_not_offered.csv`` (planned overtime blocks whose shift is staffed
    without them, and why), ``fairness.csv`` and ``problems.csv`` (agents left out and why) to ``out``."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    table = roster_table(roster)
    files = {"roster.csv": roster_csv(table, bom=bom), **site_csvs(table, bom=bom),
             "calendars.zip": calendar_zip(table), "coverage.csv": coverage_csv(roster, bom=bom),
             "open_shifts.csv": to_safe_csv(roster.open_shifts.astype({"date_local": str}), bom=bom),
             "overtime_not_offered.csv": unoffered_csv(roster, bom=bom),
             "fairness.csv": to_safe_csv(roster.fairness.round(4), bom=bom),
             "problems.csv": to_safe_csv(problems_table(roster), bom=bom)}
    written = []
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data)
        written.append(path)
    return written


def unoffered_csv(roster: Roster, *, bom: bool = False) -> bytes:
    """The overtime not offered (:data:`scheduling.roster.UNOFFERED_COLUMNS`), one row per planned block."""
    return to_safe_csv(roster.unoffered_overtime.astype({"date_local": str}), bom=bom)


def problems_table(roster: Roster) -> pd.DataFrame:
    """The agents file problems, one row each: ``file, row, column, value, problem, fix``."""
    return pd.DataFrame([{"file": p.file, "row": p.row, "column": p.column,
                          "value": None if p.value is None else str(p.value), "problem": p.problem, "fix": p.fix}
                         for p in roster.problems], columns=["file", "row", "column", "value", "problem", "fix"])
