"""The plan a roster is built from: its horizon, one row per planned shift, and reading it.

A plan comes from the optimiser's plan directory (:func:`read_plan`), from its solved plan in memory
(:func:`plan_from_optimiser`) or from frames (:func:`plan_from_frames`). Every planned shift gets its
site-local day and week, its overtime and its kind (:func:`shift_kind`): :data:`SHIFT_COLUMNS`.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from forecasting.safe_csv import undo_neutral
from forecasting.validation import InputError
from scheduling.optimiser import ShiftPlan
from scheduling import plan_export
from scheduling.sites import (OvertimeRule, ShiftTemplate, Site, load_overtime, load_sites, load_templates,
                              parse_clock)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
EARLY_BEFORE = 8 * 60      # a shift starting before 08:00 local is early
LATE_AFTER = 20 * 60       # ... ending after 20:00 local (or past midnight) is late
NIGHT_MINUTES = 180        # ... with 3 h or more inside the site's night hours is a night shift (EU night worker)


@dataclass(frozen=True)
class Horizon:
    """The plan's period: ``days`` whole days from ``start`` (UTC). ``cyclic``: the roster repeats."""

    start: pd.Timestamp
    days: int
    cyclic: bool = True

    @property
    def end(self) -> pd.Timestamp:
        return self.start + pd.Timedelta(days=self.days)

    @property
    def seconds(self) -> float:
        return self.days * 86400.0

    @property
    def weeks(self) -> int:
        """Whole weeks (0 when the horizon is not whole weeks: no tours, hours pro rata)."""
        return self.days // 7 if self.days % 7 == 0 else 0

    def first_date(self, timezone: str) -> dt.date:
        """The site-local date of the horizon's first instant: local day 0 of the site's tours."""
        return self.start.tz_convert(timezone).date()


@dataclass
class Plan:
    """A shift plan ready to roster. ``shifts`` has one row per planned shift (see :data:`SHIFT_COLUMNS`)."""

    shifts: pd.DataFrame
    horizon: Horizon
    sites: dict[str, Site]
    templates: dict[str, ShiftTemplate]
    overtime_rules: dict[str, OvertimeRule]
    coverage: pd.DataFrame | None = None      # the plan's coverage: queue, ds (UTC), required, ...
    tours: pd.DataFrame | None = None         # site, template, week, pattern, count (when the plan has them)
    summary: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    source: str = "plan"


SHIFT_COLUMNS = ["shift_id", "site", "queue", "template", "timezone", "date_local", "day", "lap", "week", "start_utc",
                 "end_utc", "ot_before", "ot_after", "work_start", "work_end", "breaks", "paid_hours",
                 "overtime_hours", "kind", "weekend"]
"""Planned shifts: ``start_utc/end_utc`` the shift itself, ``work_start/work_end`` with overtime
(``ot_before/ot_after`` minutes), ``breaks`` a tuple of (UTC start, minutes, paid), ``paid_hours``
of the shift without overtime, ``day`` the site-local day (0 = the horizon's first local date, modulo
the horizon; ``lap`` 1 when the date is a horizon later, e.g. a Manila Monday 02:00 at the end of a
cyclic UTC week, 0 otherwise), ``week`` = day // 7, ``kind`` early/day/late/night, ``weekend`` a
Saturday or Sunday start."""


def read_plan(directory: str | Path, *, sites: dict[str, Site] | str | Path | None = None,
              templates: dict[str, ShiftTemplate] | str | Path | None = None,
              overtime_rules: dict[str, OvertimeRule] | str | Path | None = None) -> Plan:
    """Read a plan directory: every CSV is recognised by its columns (shift plan, overtime blocks,
    coverage, tours, and copies of the sites / templates / overtime rules), plus ``summary.json``.

    Sites, templates and overtime rules come from the arguments, else from the directory, else from
    the bundled ``data/`` files (with a warning saying so).
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise InputError("the plan directory does not exist.", file=str(folder),
                         fix="give the directory the shift optimiser wrote (python -m scheduling plan --out DIR).")
    found: dict[str, Path] = {}
    for path in sorted(folder.glob("*.csv")):
        kind = _classify(_header(path))
        if kind is not None:
            found.setdefault(kind, path)
    if "shifts" not in found:
        raise InputError("the plan directory has no shift plan CSV (columns site, queue, date_local, start_local, "
                         "template, count, breaks).", file=str(folder), fix="point --plan at the optimiser's output.")
    warnings: list[str] = []

    def config(given, kind: str, default: str, loader, **kwargs):
        if isinstance(given, dict):
            return given
        path = Path(given) if given is not None else found.get(kind)
        if path is None:
            path = DATA_DIR / default
            warnings.append(f"The plan directory has no {default}: the bundled data/{default} was used.")
        return loader(path, **kwargs)

    site_map = config(sites, "sites", "sites.csv", load_sites)
    template_map = config(templates, "templates", "shift_templates.csv", load_templates, sites=site_map)
    rules = (overtime_rules if isinstance(overtime_rules, dict)
             else load_overtime(Path(overtime_rules) if overtime_rules is not None else found.get("overtime_rules"),
                                sites=site_map))
    summary = {}
    if (folder / "summary.json").exists():
        try:
            summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise InputError(f"is not readable JSON ({err}).", file=str(folder / "summary.json")) from None
    read = lambda kind: (pd.read_csv(found[kind], dtype=str, keep_default_na=False, encoding="utf-8-sig")  # noqa: E731
                         if kind in found else None)
    plan = plan_from_frames(read("shifts"), site_map, template_map, overtime=read("overtime"),
                            coverage=read("coverage"), tours=read("tours"), overtime_rules=rules, summary=summary,
                            names={k: p.name for k, p in found.items()})
    plan.warnings[:0] = warnings
    plan.source = str(folder)
    return plan


def plan_from_optimiser(plan: ShiftPlan) -> Plan:
    """The optimiser's solved plan, ready to roster (the same tables its plan directory holds)."""
    return plan_from_frames(plan_export.shift_plan_table(plan), plan.sites, plan.templates,
                            overtime=plan_export.overtime_table(plan), coverage=plan_export.coverage_table(plan),
                            tours=plan_export.tours_table(plan), overtime_rules=plan.overtime_rules,
                            summary=plan_export.summary(plan))


def _header(path: Path) -> set[str]:
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        first = handle.readline()
    return {c.strip().strip('"').lower() for c in first.split(",")}


def _classify(header: set[str]) -> str | None:
    if {"site", "timezone"} <= header:
        return "sites"
    if "sides" in header or "max_hours_per_agent_week" in header:
        return "overtime_rules"
    if {"template", "length_minutes"} <= header and "count" not in header:
        return "templates"
    if {"site", "template", "count"} <= header and ({"start_local"} & header):
        return "shifts"
    if {"site", "template", "count"} <= header and ({"pattern", "days", "days_off", "working_days"} & header):
        return "tours"
    if {"site", "count", "start_local"} <= header and ({"end_local", "minutes", "length_minutes"} & header):
        return "overtime"
    if {"queue", "ds"} <= header and ({"required", "scheduled"} & header):
        return "coverage"
    return None


def plan_from_frames(shifts: pd.DataFrame, sites: dict[str, Site], templates: dict[str, ShiftTemplate], *,
                     overtime: pd.DataFrame | None = None, coverage: pd.DataFrame | None = None,
                     tours: pd.DataFrame | None = None, overtime_rules: dict[str, OvertimeRule] | None = None,
                     summary: dict | None = None, horizon: Horizon | None = None,
                     names: dict[str, str] | None = None) -> Plan:
    """Validate the plan tables and expand them to one row per planned shift.

    ``shifts``: ``site, queue, date_local, start_local, template, count, breaks`` (local times; ``breaks``
    like ``"10:30 15m paid; 12:45 30m unpaid"``); ``start_local`` may also be a full local or offset
    timestamp; an ``end_local`` or ``length_minutes`` column overrides the template length. ``overtime``:
    ``site, queue, date_local, start_local, end_local`` (or ``minutes``), ``count`` [, ``side``].
    """
    names = names or {}
    summary = summary or {}
    label = names.get("shifts", "shift plan")
    frame = _normalise(shifts)
    _require(frame, ["site", "date_local", "start_local", "template", "count"], label)
    cov = _coverage(coverage, names.get("coverage", "coverage")) if coverage is not None else None
    starts = _local_starts(frame, sites, label)
    rows = _shift_rows(frame, starts, sites, templates, label)
    horizon = horizon or _horizon(summary, cov, rows["start_utc"])
    rows = rows.loc[rows.index.repeat(rows["count"])].drop(columns="count").reset_index(drop=True)
    rows["ot_before"], rows["ot_after"] = 0, 0
    warnings: list[str] = []
    if overtime is not None and len(overtime):
        warnings += _attach_overtime(rows, _normalise(overtime), sites, names.get("overtime", "overtime blocks"))
    plan_shifts = _finish(rows, sites, horizon)
    tour_frame = _normalise(tours) if tours is not None and len(tours) else None
    return Plan(plan_shifts, horizon, sites, templates, overtime_rules or {}, cov, tour_frame, summary, warnings)


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame.columns = [undo_neutral(str(c)).strip().lower().replace(" ", "_") for c in frame.columns]
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            frame[column] = frame[column].map(lambda v: undo_neutral(v) if isinstance(v, str) else v)
    if "break_starts" in frame.columns and "breaks" not in frame.columns:
        frame = frame.rename(columns={"break_starts": "breaks"})
    return frame.reset_index(drop=True)


def _require(frame: pd.DataFrame, columns: list[str], label: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"the column(s) {', '.join(missing)} are missing (found: {', '.join(frame.columns)}).",
                         file=label, column=missing[0], fix=f"give the columns {', '.join(columns)}.")


def _local_starts(frame: pd.DataFrame, sites: dict[str, Site], label: str,
                  date_column: str = "date_local", time_column: str = "start_local") -> pd.Series:
    """UTC start of each row: its ``start_utc`` when the plan gives one (exact), else its site-local date
    and time (a repeated wall time: its first occurrence, as the optimiser reads it); a time written
    with a UTC offset is taken as that exact instant."""
    out = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
    for i, record in frame.iterrows():
        site = str(record["site"]).strip()
        if site not in sites:
            raise InputError(f"unknown site (known: {', '.join(sites)}).", file=label, row=i + 2, column="site",
                             value=site, fix="use the sites file the plan was made with.")
        exact = str(record.get("start_utc", "")).strip()
        text = exact or str(record[time_column]).strip()
        zone = sites[site].timezone
        try:
            if re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", text):
                date = dt.date.fromisoformat(str(record[date_column]).strip()[:10])
                wall = pd.Timestamp(dt.datetime.combine(date, dt.time())) + pd.Timedelta(
                    minutes=parse_clock(text[:5], allow_24=False))
                out[i] = wall.tz_localize(zone, ambiguous=True, nonexistent="shift_forward").tz_convert("UTC")
            else:
                stamp = pd.Timestamp(text)
                if stamp.tzinfo is None:
                    stamp = stamp.tz_localize(zone, ambiguous=True, nonexistent="shift_forward")
                out[i] = stamp.tz_convert("UTC")
        except (ValueError, TypeError):
            raise InputError("is not a local date and time.", file=label, row=i + 2,
                             column="start_utc" if exact else time_column, value=text,
                             fix="write the date as YYYY-MM-DD and the time as HH:MM (site-local).") from None
    return out


def _shift_rows(frame: pd.DataFrame, starts: pd.Series, sites: dict[str, Site],
                templates: dict[str, ShiftTemplate], label: str) -> pd.DataFrame:
    records = []
    for i, record in frame.iterrows():
        row = i + 2
        site = sites[str(record["site"]).strip()]
        name = str(record["template"]).strip()
        template = templates.get(name)
        queue = str(record.get("queue", "")).strip()
        if not queue:
            if len(site.queues) != 1:
                raise InputError("the shift has no queue and its site serves several.", file=label, row=row,
                                 column="queue", fix="give the queue of every shift.")
            queue = site.queues[0]
        if queue not in site.queues:
            raise InputError(f"{site.site} does not serve this queue.", file=label, row=row, column="queue",
                             value=queue, fix="use the sites file the plan was made with.")
        try:
            count = float(record["count"])
        except ValueError:
            count = -1.0
        if count < 0 or count != int(count):
            raise InputError("is not a whole number of shifts.", file=label, row=row, column="count",
                             value=record["count"], fix="give the number of agents starting this shift (0 or more).")
        start = starts[i]
        length = _length(record, template, start, site, label, row)
        breaks = _breaks(str(record.get("breaks", "") or ""), template, start, length, site, label, row,
                         str(record.get("break_offsets", "") or ""))
        unpaid = sum(m for _, m, paid in breaks if not paid)
        records.append({"site": site.site, "queue": queue, "template": name, "timezone": site.timezone,
                        "start_utc": start, "end_utc": start + pd.Timedelta(minutes=length), "breaks": breaks,
                        "paid_hours": (length - unpaid) / 60, "count": int(count)})
    return pd.DataFrame(records, columns=["site", "queue", "template", "timezone", "start_utc", "end_utc", "breaks",
                                          "paid_hours", "count"])


def _length(record: pd.Series, template: ShiftTemplate | None, start: pd.Timestamp, site: Site, label: str,
            row: int) -> int:
    """Shift length in elapsed minutes: ``length_minutes``, else ``end_utc``, else ``end_local``, else the
    template's."""
    if str(record.get("length_minutes", "")).strip():
        return int(float(record["length_minutes"]))
    if str(record.get("end_utc", "")).strip():
        try:
            return int((pd.Timestamp(str(record["end_utc"]).strip()).tz_convert("UTC") - start)
                       / pd.Timedelta(minutes=1))
        except (ValueError, TypeError):
            raise InputError("is not a time with a UTC offset.", file=label, row=row, column="end_utc",
                             value=record["end_utc"], fix="write it like 2025-03-24T17:30:00Z.") from None
    if str(record.get("end_local", "")).strip():
        end = local_wall_after(start, str(record["end_local"]).strip(), site.timezone)
        return int((end - start) / pd.Timedelta(minutes=1))
    if template is None:
        raise InputError("unknown shift template.", file=label, row=row, column="template",
                         value=record["template"], fix="use the templates file the plan was made with.")
    return template.length_minutes


def local_wall_after(start: pd.Timestamp, text: str, zone: str) -> pd.Timestamp:
    """The first instant after ``start`` whose local wall time is ``text`` (HH:MM or a full timestamp)."""
    if not re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", text):
        stamp = pd.Timestamp(text)
        return (stamp.tz_localize(zone, ambiguous=True) if stamp.tzinfo is None else stamp).tz_convert("UTC")
    minutes = parse_clock(text[:5], allow_24=True)
    local = start.tz_convert(zone)
    offset = (minutes - (local.hour * 60 + local.minute)) % 1440 or 1440
    guess = start + pd.Timedelta(minutes=offset)
    # a DST change in between moves the wall clock: correct by the change of UTC offset
    shift = guess.tz_convert(zone).utcoffset() - local.utcoffset()
    corrected = guess - shift
    return corrected if corrected > start else guess


BREAK_RE = re.compile(r"(\d{1,2}:\d{2})\s*(?:\(|\s)\s*(\d+)\s*m(?:in)?\s*(paid|unpaid)?\)?", re.I)


def _breaks(text: str, template: ShiftTemplate | None, start: pd.Timestamp, length: int, site: Site, label: str,
            row: int, offsets_text: str = "") -> tuple[tuple[pd.Timestamp, int, bool], ...]:
    """``"10:30 15m paid; 12:45 30m unpaid"`` (local) -> ((UTC start, minutes, paid), ...) inside the shift;
    ``offsets_text`` (``"90;240"``, minutes after the start), when given, places them exactly."""
    items = [part.strip() for part in re.split(r"[;|]", text) if part.strip()]
    offsets = [part.strip() for part in str(offsets_text or "").split(";") if part.strip()]
    if offsets and len(offsets) != len(items):
        raise InputError("break_offsets and the breaks do not match.", file=label, row=row, column="break_offsets",
                         value=offsets_text, fix="give one offset (minutes after the start) per break.")
    out = []
    for position, item in enumerate(items):
        match = BREAK_RE.fullmatch(item)
        if not match:
            raise InputError("is not a list of breaks.", file=label, row=row, column="breaks", value=text,
                             fix="write breaks as local start, minutes and paid/unpaid, e.g. "
                                 "'10:30 15m paid; 12:45 30m unpaid'.")
        minutes = int(match[2])
        if match[3]:
            paid = match[3].lower() == "paid"
        elif template is not None and position < len(template.breaks):
            paid = template.breaks[position].paid
        else:
            paid = True
        if offsets:  # elapsed minutes after the start: exact across a clock change
            begin = start + pd.Timedelta(minutes=int(float(offsets[position])))
        else:
            begin = local_wall_after(start - pd.Timedelta(minutes=1), match[1], site.timezone)
        if not (start <= begin and begin + pd.Timedelta(minutes=minutes) <= start + pd.Timedelta(minutes=length)):
            raise InputError(f"the break at {match[1]} is not inside the shift.", file=label, row=row,
                             column="breaks", value=text, fix="give break starts in the site's local time.")
        out.append((begin, minutes, paid))
    return tuple(out)


def _coverage(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    frame = _normalise(frame)
    _require(frame, ["queue", "ds"], label)
    frame["ds"] = pd.to_datetime(frame["ds"], utc=True, format="mixed")
    for column in frame.columns.difference(["queue", "ds"]):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


def _horizon(summary: dict, coverage: pd.DataFrame | None, starts: pd.Series) -> Horizon:
    """From summary.json (``start``/``horizon_start`` and ``days`` or ``end``), else the coverage's
    intervals, else whole weeks from the UTC midnight before the first shift."""
    cyclic = bool(summary.get("cyclic", True))
    begin = summary.get("horizon_start", summary.get("start"))
    if begin is not None:
        start = pd.Timestamp(begin)
        start = start.tz_localize("UTC") if start.tzinfo is None else start.tz_convert("UTC")
        if "days" in summary:
            return Horizon(start, int(summary["days"]), cyclic)
        finish = summary.get("horizon_end", summary.get("end"))
        if finish is not None:
            end = pd.Timestamp(finish)
            end = end.tz_localize("UTC") if end.tzinfo is None else end.tz_convert("UTC")
            return Horizon(start, int(round((end - start) / pd.Timedelta(days=1))), cyclic)
    if coverage is not None and len(coverage):
        ds = coverage["ds"].sort_values()
        step = ds.diff().dropna().min() if len(ds) > 1 else pd.Timedelta(minutes=15)
        start, end = ds.min().floor("D"), (ds.max() + step).ceil("D")
        return Horizon(start, int((end - start) / pd.Timedelta(days=1)), cyclic)
    if starts.empty:
        raise InputError("the shift plan has no shifts.", file="shift plan", fix="plan at least one shift.")
    start = starts.min().floor("D")
    span = math.ceil((starts.max() - start) / pd.Timedelta(days=1) + 1e-9)
    return Horizon(start, 7 * max(1, math.ceil(span / 7)), cyclic)


def _attach_overtime(rows: pd.DataFrame, blocks: pd.DataFrame, sites: dict[str, Site], label: str) -> list[str]:
    """Give each overtime block to a planned shift it extends (a block ending at a shift's start, or
    starting at its end, same site and queue); blocks without such a shift are reported and left out."""
    _require(blocks, ["site", "date_local", "start_local", "count"], label)
    begin = _local_starts(blocks, sites, label)
    warnings = []
    for i, record in blocks.iterrows():
        row = i + 2
        if str(record.get("minutes", "")).strip() or str(record.get("length_minutes", "")).strip():
            minutes = int(float(record.get("minutes") or record.get("length_minutes")))
        elif str(record.get("end_local", "")).strip():
            end = local_wall_after(begin[i], str(record["end_local"]).strip(), sites[record["site"].strip()].timezone)
            minutes = int((end - begin[i]) / pd.Timedelta(minutes=1))
        else:
            raise InputError("the overtime block has no end.", file=label, row=row, column="end_local",
                             fix="give end_local or minutes.")
        count = int(float(record["count"]))
        finish = begin[i] + pd.Timedelta(minutes=minutes)
        side = str(record.get("side", "")).strip().lower()
        same = (rows["site"] == record["site"].strip())
        if str(record.get("queue", "")).strip():
            same &= rows["queue"] == record["queue"].strip()
        after = same & (rows["end_utc"] == begin[i]) & (rows["ot_after"] == 0) & (side != "before")
        before = same & (rows["start_utc"] == finish) & (rows["ot_before"] == 0) & (side != "after")
        for mask, column in ((after, "ot_after"), (before, "ot_before")):
            index = rows.index[mask][:count]
            rows.loc[index, column] = minutes
            count -= len(index)
        if count > 0:
            warnings.append(f"{label} row {row}: {count} overtime block(s) of {record['site']} "
                            f"{record.get('queue', '')} "
                            f"at {record['date_local']} {record['start_local']} extend no planned shift and are "
                            "left out.")
    return warnings


def _finish(rows: pd.DataFrame, sites: dict[str, Site], horizon: Horizon) -> pd.DataFrame:
    """Add local day, week, overtime span, kind and weekend flags; one id per planned shift."""
    out = rows.copy()
    out["shift_id"] = np.arange(len(out))
    # These can arrive as object columns (the property tests found such plans); pandas then adds them
    # element by element and warns.
    before, after = (pd.to_timedelta(out[c].astype(float), unit="min") for c in ("ot_before", "ot_after"))
    out["work_start"] = pd.to_datetime(out["start_utc"], utc=True) - before
    out["work_end"] = pd.to_datetime(out["end_utc"], utc=True) + after
    out["overtime_hours"] = (out["ot_before"] + out["ot_after"]) / 60
    dates, days, kinds, weekend, laps = [], [], [], [], []
    for record in out.itertuples():
        site = sites[record.site]
        local = record.start_utc.tz_convert(site.timezone)
        dates.append(local.date())
        offset = (local.date() - horizon.first_date(site.timezone)).days
        days.append(offset % horizon.days)
        laps.append(offset // horizon.days)
        kinds.append(shift_kind(site, local, record.end_utc.tz_convert(site.timezone)))
        weekend.append(local.weekday() >= 5)
    out["date_local"], out["day"], out["kind"], out["weekend"], out["lap"] = dates, days, kinds, weekend, laps
    out["day"] = out["day"].astype(int)
    out["week"] = out["day"] // 7
    return out[SHIFT_COLUMNS]


def shift_kind(site: Site, start_local: pd.Timestamp, end_local: pd.Timestamp) -> str:
    """``night`` (3 h or more inside the site's night hours), ``early`` (starts before 08:00),
    ``late`` (ends after 20:00 or on a later day), else ``day``. Local wall times."""
    minute = start_local.hour * 60 + start_local.minute
    length = int((end_local - start_local) / pd.Timedelta(minutes=1))
    if site.night_minutes(minute, length) >= NIGHT_MINUTES:
        return "night"
    if minute < EARLY_BEFORE:
        return "early"
    end_minute = end_local.hour * 60 + end_local.minute
    if end_local.date() > start_local.date() or end_minute > LATE_AFTER:
        return "late"
    return "day"
