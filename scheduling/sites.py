"""Inputs of the shift optimiser, validated at the edge: sites, shift templates, overtime rules, requirements.

Every loader takes a path, bytes (an upload) or a DataFrame (an edited table) and raises
:class:`forecasting.validation.InputError` naming the file, spreadsheet row, column and value.

Formats (one header row, one record per row; spreadsheet-friendly, see ``data/``):

``sites.csv``
    ``site, timezone, queues, earliest_start, latest_start, max_agents, max_agents_kind, hourly_cost,
    night_premium, night_hours, overtime_multiplier, holiday_country, holiday_premium``.
    ``queues`` is ``;``-separated. Starts are local ``HH:MM`` (the latest start is the last allowed start,
    on the same local day). ``max_agents`` caps ``headcount`` (people in the weekly tours) or ``seats``
    (agents on site at once). ``hourly_cost`` is currency per paid hour, every site in the same currency.
    ``night_premium`` is the extra fraction of ``hourly_cost`` paid per hour worked inside the local
    ``night_hours`` (``22:00-06:00``); ``overtime_multiplier`` multiplies ``hourly_cost`` for overtime
    hours (this is the overtime premium); ``holiday_premium`` is the extra fraction paid for shifts
    starting on a public holiday of ``holiday_country`` (optional).

``shift_templates.csv`` (or ``.yaml``: a list of the same keys, ``breaks`` may be a list)
    ``template, contract, length_minutes, breaks, start_step_minutes, allowed_days, days_per_week,
    days_off_rule, sites``. ``breaks`` is ``|``-separated ``MINUTES paid|unpaid @ H:MM-H:MM`` where the
    window is the range of break *start* times after the shift start. ``allowed_days`` (``Mon-Sun``,
    ``Mon-Fri``, ``Mon;Wed;Fri``) are local days a shift may start on. ``days_off_rule`` is
    ``consecutive`` (the ``7 - days_per_week`` days off are consecutive, the week wrapping round) or
    ``any``. ``sites`` is ``all`` or ``;``-separated site names.

``overtime.csv``
    ``site, sides, min_minutes, max_minutes, step_minutes, max_hours_per_agent_week``: extensions
    before and/or after a shift. ``site`` ``all`` is the default row, a named site overrides it.
    Overtime is paid at the site's ``overtime_multiplier``. No file means no overtime.

Requirements (the staffing stage's frame, or a CSV of it)
    ``queue, ds, scheduled`` (+ optional ``scheduled_upper``): agents to schedule per interval, ``ds``
    the interval start in UTC, 15, 30 or 60-minute intervals. Intervals that are missing need nobody.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from forecasting.calendar import check_country
from forecasting.tables import as_text, decode_text, read_config_csv
from forecasting.timestamps import parse_times
from forecasting.validation import InputError, check_timezone

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
# Every minute field is a multiple of this, so one 15-minute grid holds every start, break and extension.
QUANTUM = 15
INTERVALS = (15, 30, 60)
_MAX_NUMBER = 1e9  # no count, cost or minute in these files is larger
MAX_SITE_AGENTS = 1_000_000
MAX_REQUIRED_AGENTS = 1_000_000  # agents needed on one queue in one interval

Source = str | Path | bytes | pd.DataFrame


# ----------------------------------------------------------------------------------------------
# small parsers (raise ValueError; the loaders turn it into an InputError with the location)
# ----------------------------------------------------------------------------------------------


def parse_clock(text: Any, *, allow_24: bool = False) -> int:
    """``"07:30"`` -> 450 minutes after local midnight (``"7:30"`` too)."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", str(text).strip())
    if not match:
        raise ValueError(f"'{text}' is not a time of day; write HH:MM, e.g. 07:30")
    hours, minutes = int(match[1]), int(match[2])
    if minutes >= 60 or hours > 24 or (hours == 24 and (minutes or not allow_24)):
        raise ValueError(f"'{text}' is not a time of day between 00:00 and {'24:00' if allow_24 else '23:59'}")
    return hours * 60 + minutes


def parse_duration(text: Any) -> int:
    """``"1:30"`` (hours:minutes) or ``"90"`` (minutes) -> 90 minutes."""
    text = str(text).strip()
    if re.fullmatch(r"\d+", text):
        return int(text)
    match = re.fullmatch(r"(\d+):(\d{2})", text)
    if not match or int(match[2]) >= 60:
        raise ValueError(f"'{text}' is not a duration; write H:MM (e.g. 1:30) or minutes (e.g. 90)")
    return int(match[1]) * 60 + int(match[2])


def parse_days(text: Any) -> tuple[int, ...]:
    """``"Mon-Fri"``, ``"Sat;Sun"``, ``"Mon-Sun"``, ``"Fri-Mon"`` -> weekday numbers (Monday = 0)."""
    days: set[int] = set()
    for part in re.split(r"[;,]", str(text).strip().lower()):
        part = part.strip()
        if not part:
            continue
        ends = [p.strip()[:3] for p in part.split("-")]
        if len(ends) > 2 or any(e not in WEEKDAYS for e in ends):
            raise ValueError(f"'{text}' is not a list of days; write e.g. Mon-Fri, Sat;Sun or Mon-Sun")
        first, last = WEEKDAYS.index(ends[0]), WEEKDAYS.index(ends[-1])
        days.update((first + i) % 7 for i in range((last - first) % 7 + 1))
    if not days:
        raise ValueError("no days given; write e.g. Mon-Sun")
    return tuple(sorted(days))


def _minute_of_day(value: Any) -> int:
    """A start already in minutes after local midnight (an edited table's number): 0 to 1439."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value) or value != int(value) or not 0 <= value < DAY_MINUTES:
        raise ValueError(f"'{value}' is not a time of day; write HH:MM, e.g. 07:30")
    return int(value)


def _whole_minutes(value: Any, what: str) -> int:
    """Minutes given as a YAML / table number or text (``"90"``, ``"1:30"``), checked before int() can overflow."""
    if isinstance(value, str):
        return parse_duration(value)
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value) or value != int(value) or abs(value) > _MAX_NUMBER:
        raise ValueError(f"'{value}' is not {what} in whole minutes")
    return int(value)


def _multiple(value: int, what: str) -> int:
    if value % QUANTUM:
        raise ValueError(f"{what} must be a multiple of {QUANTUM} minutes (got {value})")
    return value


# ----------------------------------------------------------------------------------------------
# sites
# ----------------------------------------------------------------------------------------------


class Site(BaseModel):
    """One contact-centre site. Times are minutes after local midnight; money is currency per hour."""

    model_config = ConfigDict(extra="ignore", frozen=True, allow_inf_nan=False)

    site: str = Field(min_length=1)
    timezone: str
    queues: tuple[str, ...]
    earliest_start: int
    latest_start: int
    max_agents: int = Field(ge=0, le=MAX_SITE_AGENTS)
    max_agents_kind: Literal["headcount", "seats"] = "headcount"
    hourly_cost: float = Field(ge=0, le=1e6)
    night_premium: float = Field(default=0.0, ge=0, le=10)
    night_hours: tuple[int, int] = (22 * 60, 6 * 60)
    overtime_multiplier: float = Field(default=1.5, ge=1, le=10)
    holiday_country: str = ""
    holiday_premium: float = Field(default=0.0, ge=0, le=10)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("queues", mode="before")
    @classmethod
    def _queues(cls, value: Any) -> tuple[str, ...]:
        names = value if isinstance(value, (list, tuple)) else str(value).replace(",", ";").split(";")
        names = tuple(dict.fromkeys(str(n).strip() for n in names if str(n).strip()))
        if not names:
            raise ValueError("list at least one queue the site serves, separated by ';'")
        return names

    @field_validator("earliest_start", "latest_start", mode="before")
    @classmethod
    def _clock(cls, value: Any) -> int:
        return _multiple(parse_clock(value) if isinstance(value, str) else _minute_of_day(value), "a start time")

    @field_validator("latest_start")
    @classmethod
    def _window(cls, value: int, info: ValidationInfo) -> int:
        earliest = info.data.get("earliest_start")
        if earliest is not None and value < earliest:
            raise ValueError(f"the latest start ({_hhmm(value)}) is before the earliest start ({_hhmm(earliest)}); "
                             "both are local times on the same day")
        return value

    @field_validator("night_hours", mode="before")
    @classmethod
    def _night(cls, value: Any) -> tuple[int, int]:
        if isinstance(value, (list, tuple)):
            return int(value[0]), int(value[1])
        text = str(value).strip()
        if text.lower() in ("", "none", "-"):
            return 0, 0
        parts = text.split("-")
        if len(parts) != 2:
            raise ValueError(f"'{text}' is not a span of night hours; write e.g. 22:00-06:00")
        return (_multiple(parse_clock(parts[0]), "a night-hours boundary"),
                _multiple(parse_clock(parts[1], allow_24=True), "a night-hours boundary"))

    @field_validator("holiday_country")
    @classmethod
    def _country(cls, value: str) -> str:
        return check_country(value)

    def night_minutes(self, start_local: int, length: int) -> int:
        """Minutes of ``[start_local, start_local + length)`` (local wall minutes) inside the night hours."""
        begin, end = self.night_hours
        if begin == end:
            return 0
        spans = [(begin, end)] if begin < end else [(begin, DAY_MINUTES), (0, end)]
        total = 0
        for day in range(0, (start_local + length) // DAY_MINUTES + 1):
            for lo, hi in spans:
                lo, hi = lo + day * DAY_MINUTES, hi + day * DAY_MINUTES
                total += max(0, min(hi, start_local + length) - max(lo, start_local))
        return total


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


SITE_COLUMNS = ["site", "timezone", "queues", "earliest_start", "latest_start", "max_agents", "max_agents_kind",
                "hourly_cost", "night_premium", "night_hours", "overtime_multiplier", "holiday_country",
                "holiday_premium"]
SITE_FIXES = {
    "timezone": "use an IANA name such as Europe/Dublin, Asia/Manila or America/Chicago.",
    "queues": "list the queue names the site serves, separated by ';' (e.g. uk_phone;email).",
    "earliest_start": "write the local time as HH:MM on a 15-minute step (e.g. 07:00).",
    "latest_start": "write the local time as HH:MM on a 15-minute step, not before earliest_start.",
    "max_agents": "give a whole number of agents (0 or more).",
    "max_agents_kind": "write headcount (people on the weekly plan) or seats (agents on site at once).",
    "hourly_cost": "give the loaded cost per paid hour as a number, 0 or more (e.g. 27.50).",
    "night_premium": "give the extra share per night hour as a fraction, 0 or more (0.25 = +25%).",
    "night_hours": "write the local night span as HH:MM-HH:MM (e.g. 22:00-06:00), or leave it empty.",
    "overtime_multiplier": "give the overtime pay multiplier, 1 or more (e.g. 1.5).",
    "holiday_country": "give a country code such as IE, PH, US or GB-ENG, or leave it empty.",
    "holiday_premium": "give the extra share paid on public holidays as a fraction, 0 or more (1.0 = double).",
}


def load_sites(source: Source, *, name: str | None = None) -> dict[str, Site]:
    """Read and validate ``sites.csv``: site name -> :class:`Site`."""
    frame, label = _read_table(source, name, "sites table")
    _require_columns(frame, ["site", "timezone", "queues", "earliest_start", "latest_start", "max_agents",
                             "hourly_cost"], label, SITE_COLUMNS)
    sites: dict[str, Site] = {}
    for row, record in _records(frame):
        for column in ("max_agents", "hourly_cost", "night_premium", "overtime_multiplier", "holiday_premium"):
            if column in record:
                record[column] = _number(record[column], label, row, column, SITE_FIXES[column],
                                         integer=column == "max_agents")
        site = _validated(Site, record, label, row, SITE_FIXES)
        if site.site in sites:
            raise InputError("this site appears twice.", file=label, row=row, column="site", value=site.site,
                             fix="give each site one row.")
        sites[site.site] = site
    if not sites:
        raise InputError("the file has no sites.", file=label, fix="add one row per site (see data/sites.csv).")
    return sites


# ----------------------------------------------------------------------------------------------
# shift templates
# ----------------------------------------------------------------------------------------------


class Break(BaseModel):
    """One break: ``minutes`` long, starting between ``window_start`` and ``window_end`` minutes after shift start."""

    model_config = ConfigDict(frozen=True)

    minutes: int = Field(gt=0)
    paid: bool
    window_start: int = Field(ge=0)
    window_end: int

    @model_validator(mode="after")
    def _order(self) -> "Break":
        for value, what in ((self.minutes, "a break length"), (self.window_start, "a break window"),
                            (self.window_end, "a break window")):
            _multiple(value, what)
        if self.window_end < self.window_start:
            raise ValueError(f"the break window {self.text()} ends before it starts")
        return self

    def text(self) -> str:
        def hm(m: int) -> str:
            return f"{m // 60}:{m % 60:02d}"
        return f"{self.minutes} {'paid' if self.paid else 'unpaid'} @ {hm(self.window_start)}-{hm(self.window_end)}"


def parse_breaks(value: Any) -> tuple[Break, ...]:
    """``"15 paid @ 1:30-2:45 | 30 unpaid @ 3:30-5:00"`` (or a YAML list of strings/dicts) -> breaks."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "-")):
        return ()
    items = value if isinstance(value, list) else str(value).split("|")
    try:
        return tuple(_break(item) for item in items)
    except ValidationError as err:
        raise ValueError(err.errors()[0]["msg"].removeprefix("Value error, ")) from None
    except (KeyError, TypeError) as err:
        raise ValueError(f"a break needs minutes, paid, window_start and window_end ({err})") from None


def _break(item: Any) -> Break:
    if isinstance(item, dict):
        return Break(minutes=parse_duration(item["minutes"]), paid=bool(item.get("paid", True)),
                     window_start=parse_duration(item["window_start"]), window_end=parse_duration(item["window_end"]))
    match = re.fullmatch(r"\s*(\d+)\s*(?:min\s*)?(paid|unpaid)\s*@\s*([\d:]+)\s*-\s*([\d:]+)\s*", str(item), flags=re.I)
    if not match:
        raise ValueError(f"'{str(item).strip()}' is not a break; write MINUTES paid|unpaid @ H:MM-H:MM, "
                         "e.g. 15 paid @ 1:30-2:45")
    return Break(minutes=int(match[1]), paid=match[2].lower() == "paid", window_start=parse_duration(match[3]),
                 window_end=parse_duration(match[4]))


class ShiftTemplate(BaseModel):
    """A shift pattern. Minutes throughout; ``paid_minutes`` is the length less unpaid breaks."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    template: str = Field(min_length=1)
    contract: Literal["full_time", "part_time"] = "full_time"
    length_minutes: int = Field(gt=0)
    breaks: tuple[Break, ...] = ()
    start_step_minutes: int = 15
    allowed_days: tuple[int, ...] = tuple(range(7))
    days_per_week: int = Field(default=5, ge=1, le=7)
    days_off_rule: Literal["consecutive", "any"] = "consecutive"
    sites: tuple[str, ...] = ()  # empty = every site

    @field_validator("length_minutes", mode="before")
    @classmethod
    def _length(cls, value: Any) -> int:
        minutes = _whole_minutes(value, "a shift length")
        if minutes > DAY_MINUTES:
            raise ValueError(f"a shift of {minutes} minutes is longer than 24 hours; split it into two templates")
        return _multiple(minutes, "the shift length")

    @field_validator("breaks", mode="before")
    @classmethod
    def _breaks(cls, value: Any, info: ValidationInfo) -> tuple[Break, ...]:
        breaks = value if isinstance(value, tuple) else parse_breaks(value)
        length = info.data.get("length_minutes")
        previous_end = 0
        for brk in breaks:
            if brk.window_start < previous_end:
                raise ValueError(f"the break {brk.text()} may overlap the break before it; list breaks in order "
                                 "with windows that cannot overlap")
            if length is not None and brk.window_end + brk.minutes > length:
                raise ValueError(f"the break {brk.text()} can end after the end of the {length}-minute shift")
            previous_end = brk.window_end + brk.minutes
        if length is not None and sum(b.minutes for b in breaks if not b.paid) >= length:
            raise ValueError("the unpaid breaks take the whole shift")
        return breaks

    @field_validator("start_step_minutes", mode="before")
    @classmethod
    def _step(cls, value: Any) -> int:
        text = str(value).strip()
        if not re.fullmatch(r"\d+(\.0+)?", text):
            raise ValueError(f"the start step must be 15, 30 or 60 minutes (got '{text}')")
        step = int(float(text))
        if step not in INTERVALS:
            raise ValueError(f"the start step must be 15, 30 or 60 minutes (got {step})")
        return step

    @field_validator("allowed_days", mode="before")
    @classmethod
    def _days(cls, value: Any) -> tuple[int, ...]:
        if isinstance(value, (list, tuple)):
            if all(isinstance(d, int) and not isinstance(d, bool) for d in value):  # weekday numbers, Monday = 0
                if not value or any(not 0 <= d <= 6 for d in value):
                    raise ValueError(f"{list(value)} are not weekday numbers 0 (Monday) to 6 (Sunday)")
                return tuple(sorted(set(value)))
            return parse_days(";".join(str(d) for d in value))  # a YAML list such as [Mon, Wed, Fri]
        return parse_days(value)

    @field_validator("days_per_week")
    @classmethod
    def _fits(cls, value: int, info: ValidationInfo) -> int:
        allowed = info.data.get("allowed_days")
        if allowed is not None and value > len(allowed):
            raise ValueError(f"{value} working days do not fit in the {len(allowed)} allowed days")
        return value

    @field_validator("days_off_rule", mode="before")
    @classmethod
    def _rule(cls, value: Any, info: ValidationInfo) -> str:
        # "2 consecutive" (the first draft's wording) reads as "consecutive": the count is 7 - days_per_week.
        text = re.sub(r"^\d+\s*", "", str(value).strip().lower()) or "consecutive"
        days, allowed = info.data.get("days_per_week"), info.data.get("allowed_days")
        if text == "consecutive" and days is not None and allowed is not None and not _patterns(days, allowed):
            raise ValueError(f"no week of {days} working days with the other days off in one block fits the "
                             "allowed days")
        return text

    @field_validator("sites", mode="before")
    @classmethod
    def _sites(cls, value: Any) -> tuple[str, ...]:
        names = value if isinstance(value, (list, tuple)) else str(value or "").replace(",", ";").split(";")
        names = tuple(str(n).strip() for n in names if str(n).strip())
        return () if names in ((), ("all",)) else names

    @property
    def paid_minutes(self) -> int:
        return self.length_minutes - sum(b.minutes for b in self.breaks if not b.paid)

    def day_patterns(self) -> list[tuple[int, ...]]:
        """Working weekdays (Monday = 0) of each allowed week under a ``consecutive`` days-off rule."""
        return _patterns(self.days_per_week, self.allowed_days)


def _patterns(days: int, allowed: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Blocks of ``days`` consecutive weekdays (wrapping Sunday to Monday) inside ``allowed``; the rest is off."""
    blocks = {tuple(sorted((first + i) % 7 for i in range(days))) for first in range(7)}
    return sorted(b for b in blocks if set(b) <= set(allowed))


TEMPLATE_COLUMNS = ["template", "contract", "length_minutes", "breaks", "start_step_minutes", "allowed_days",
                    "days_per_week", "days_off_rule", "sites"]
TEMPLATE_FIXES = {
    "contract": "write full_time or part_time.",
    "length_minutes": "give the shift length in minutes on a 15-minute step, at most 1440 (e.g. 510 for 8:30).",
    "breaks": "write breaks as MINUTES paid|unpaid @ H:MM-H:MM separated by '|', windows inside the shift "
              "(e.g. 15 paid @ 1:30-2:45 | 30 unpaid @ 3:30-5:00).",
    "start_step_minutes": "write 15, 30 or 60.",
    "allowed_days": "write days as Mon-Sun, Mon-Fri or Mon;Wed;Fri.",
    "days_per_week": "give a whole number of working days from 1 to 7, no more than the allowed days.",
    "days_off_rule": "write consecutive or any.",
    "sites": "write all, or site names from the sites file separated by ';'.",
}


def load_templates(source: Source, *, name: str | None = None,
                   sites: dict[str, Site] | None = None) -> dict[str, ShiftTemplate]:
    """Read and validate shift templates from CSV or YAML: template name -> :class:`ShiftTemplate`."""
    frame, label = _read_table(source, name, "shift templates table")
    _require_columns(frame, ["template", "length_minutes"], label, TEMPLATE_COLUMNS)
    templates: dict[str, ShiftTemplate] = {}
    for row, record in _records(frame):
        for column in ("days_per_week",):
            if column in record:
                record[column] = _number(record[column], label, row, column, TEMPLATE_FIXES[column], integer=True)
        template = _validated(ShiftTemplate, record, label, row, TEMPLATE_FIXES)
        if template.template in templates:
            raise InputError("this template appears twice.", file=label, row=row, column="template",
                             value=template.template, fix="give each template one row.")
        unknown = [s for s in template.sites if sites is not None and s not in sites]
        if unknown:
            raise InputError(f"unknown site '{unknown[0]}' (known: {', '.join(sites or {})}).", file=label, row=row,
                             column="sites", value=record.get("sites"), fix=TEMPLATE_FIXES["sites"])
        templates[template.template] = template
    if not templates:
        raise InputError("the file has no shift templates.", file=label,
                         fix="add one row per template (see data/shift_templates.csv).")
    return templates


# ----------------------------------------------------------------------------------------------
# overtime
# ----------------------------------------------------------------------------------------------


class OvertimeRule(BaseModel):
    """Overtime extensions of a site: ``min..max`` minutes in ``step`` steps, before and/or after a shift."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    site: str = "all"
    sides: tuple[Literal["before", "after"], ...] = ("before", "after")
    min_minutes: int = Field(default=30, gt=0)
    max_minutes: int = Field(default=120, gt=0)
    step_minutes: int = Field(default=15, gt=0)
    max_hours_per_agent_week: float = Field(default=8, ge=0, le=168)

    @field_validator("sides", mode="before")
    @classmethod
    def _sides(cls, value: Any) -> tuple[str, ...]:
        text = str(value).strip().lower()
        if text in ("both", ""):
            return ("before", "after")
        return tuple(dict.fromkeys(s.strip() for s in re.split(r"[;,]", text) if s.strip()))

    @field_validator("min_minutes", "max_minutes", "step_minutes")
    @classmethod
    def _quantum(cls, value: int, info: ValidationInfo) -> int:
        _multiple(value, info.field_name)
        low = info.data.get("min_minutes")
        if info.field_name == "max_minutes" and low is not None and value < low:
            raise ValueError(f"max_minutes ({value}) is below min_minutes ({low})")
        if info.field_name == "max_minutes" and value > 4 * 60:
            raise ValueError(f"an extension of {value} minutes is longer than 4 hours; plan a shift instead")
        return value

    def lengths(self) -> list[int]:
        """Extension lengths offered, minutes."""
        return list(range(self.min_minutes, self.max_minutes + 1, self.step_minutes))


OVERTIME_COLUMNS = ["site", "sides", "min_minutes", "max_minutes", "step_minutes", "max_hours_per_agent_week"]
OVERTIME_FIXES = {
    "sides": "write before, after or before;after.",
    "min_minutes": "give minutes on a 15-minute step (e.g. 30).",
    "max_minutes": "give minutes on a 15-minute step, not below min_minutes and at most 240 (e.g. 120).",
    "step_minutes": "give minutes on a 15-minute step (e.g. 15 or 30).",
    "max_hours_per_agent_week": "give hours per agent per week, 0 or more (e.g. 8).",
    "site": "write all, or a site name from the sites file.",
}


def load_overtime(source: Source | None, *, name: str | None = None,
                  sites: dict[str, Site] | None = None) -> dict[str, OvertimeRule]:
    """Read ``overtime.csv``: site -> rule (sites without a row and no ``all`` row get no overtime)."""
    if source is None:
        return {}
    frame, label = _read_table(source, name, "overtime table")
    _require_columns(frame, ["site"], label, OVERTIME_COLUMNS)
    rules: dict[str, OvertimeRule] = {}
    for row, record in _records(frame):
        for column in ("min_minutes", "max_minutes", "step_minutes", "max_hours_per_agent_week"):
            if column in record:
                record[column] = _number(record[column], label, row, column, OVERTIME_FIXES[column],
                                         integer=column != "max_hours_per_agent_week")
        rule = _validated(OvertimeRule, record, label, row, OVERTIME_FIXES)
        if rule.site != "all" and sites is not None and rule.site not in sites:
            raise InputError(f"unknown site (known: {', '.join(sites)}).", file=label, row=row, column="site",
                             value=rule.site, fix=OVERTIME_FIXES["site"])
        if rule.site in rules:
            raise InputError("this site has two overtime rows.", file=label, row=row, column="site",
                             value=rule.site, fix="keep one row per site.")
        rules[rule.site] = rule
    if sites is None:
        return rules
    default = rules.get("all")
    return {s: rules.get(s, default).model_copy(update={"site": s}) for s in sites if rules.get(s, default) is not None}


# ----------------------------------------------------------------------------------------------
# back to tables (the page edits them; a plan directory keeps a copy of what it was made with)
# ----------------------------------------------------------------------------------------------


def sites_frame(sites: dict[str, Site]) -> pd.DataFrame:
    """Sites in the ``sites.csv`` format."""
    return pd.DataFrame([{
        "site": s.site, "timezone": s.timezone, "queues": ";".join(s.queues), "earliest_start": _hhmm(s.earliest_start),
        "latest_start": _hhmm(s.latest_start), "max_agents": s.max_agents, "max_agents_kind": s.max_agents_kind,
        "hourly_cost": s.hourly_cost, "night_premium": s.night_premium,
        "night_hours": f"{_hhmm(s.night_hours[0])}-{_hhmm(s.night_hours[1])}" if s.night_hours[0] != s.night_hours[1] else "",
        "overtime_multiplier": s.overtime_multiplier, "holiday_country": s.holiday_country,
        "holiday_premium": s.holiday_premium} for s in sites.values()], columns=SITE_COLUMNS)


def templates_frame(templates: dict[str, ShiftTemplate]) -> pd.DataFrame:
    """Templates in the ``shift_templates.csv`` format."""
    return pd.DataFrame([{
        "template": t.template, "contract": t.contract, "length_minutes": t.length_minutes,
        "breaks": " | ".join(b.text() for b in t.breaks), "start_step_minutes": t.start_step_minutes,
        "allowed_days": ";".join(WEEKDAYS[d].title() for d in t.allowed_days), "days_per_week": t.days_per_week,
        "days_off_rule": t.days_off_rule, "sites": ";".join(t.sites) or "all"} for t in templates.values()],
        columns=TEMPLATE_COLUMNS)


def overtime_frame(rules: dict[str, OvertimeRule]) -> pd.DataFrame:
    """Overtime rules (one row per site) in the ``overtime.csv`` format."""
    return pd.DataFrame([{
        "site": site, "sides": ";".join(r.sides), "min_minutes": r.min_minutes, "max_minutes": r.max_minutes,
        "step_minutes": r.step_minutes, "max_hours_per_agent_week": r.max_hours_per_agent_week}
        for site, r in rules.items()], columns=OVERTIME_COLUMNS)


# ----------------------------------------------------------------------------------------------
# requirements
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirements:
    """Validated requirements: ``frame`` has ``queue, ds (UTC), scheduled, scheduled_upper`` (agents).

    ``start``/``end`` bound the planning horizon (UTC, whole UTC days, end exclusive);
    ``interval_minutes`` is 15, 30 or 60.
    """

    frame: pd.DataFrame
    interval_minutes: int
    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def days(self) -> int:
        return int((self.end - self.start) / pd.Timedelta(days=1))


def load_requirements(source: Source, sites: dict[str, Site], *, name: str | None = None) -> Requirements:
    """Validate a requirements table against the sites. Upper band defaults to ``scheduled``."""
    frame, label = _read_table(source, name, "requirements table")
    _require_columns(frame, ["queue", "ds", "scheduled"], label, ["queue", "ds", "scheduled", "scheduled_upper"])
    if frame.empty:
        raise InputError("the requirements have no rows.", file=label, fix="give agents per queue and interval.")
    frame = frame.reset_index(drop=True)
    rows = pd.Series(np.arange(len(frame)) + 2, index=frame.index)
    queue = as_text(frame["queue"])
    if (queue == "").any():
        i = int(np.argmax((queue == "").to_numpy()))
        raise InputError("the queue is empty.", file=label, row=int(rows.iloc[i]), column="queue",
                         fix="give the queue of every row, or delete the row.")
    ds = _utc(frame["ds"], label, rows)
    scheduled = _agents(frame["scheduled"], label, rows, "scheduled")
    upper = _agents(frame["scheduled_upper"], label, rows, "scheduled_upper") if "scheduled_upper" in frame else scheduled
    served = {q for site in sites.values() for q in site.queues}
    for q, first in queue.groupby(queue, sort=False).groups.items():
        if q not in served:
            raise InputError(f"no site serves this queue (sites serve: {', '.join(sorted(served))}).", file=label,
                             row=int(rows[first[0]]), column="queue", value=q,
                             fix="add the queue to a site's 'queues' in the sites file, or drop its rows.")
    clean = pd.DataFrame({"queue": queue, "ds": ds, "scheduled": scheduled, "scheduled_upper": np.maximum(upper, scheduled)})
    duplicated = clean.duplicated(["queue", "ds"])
    if duplicated.any():
        i = duplicated.idxmax()
        raise InputError("this queue and interval appear twice.", file=label, row=int(rows[i]), column="ds",
                         value=str(frame["ds"][i]), fix="give one row per queue and interval.")
    interval = _interval(clean, label, rows)
    minutes = (clean["ds"] - clean["ds"].dt.floor("D")).dt.total_seconds() // 60
    off_grid = (minutes % interval) != 0
    if off_grid.any():
        i = off_grid.idxmax()
        raise InputError(f"the interval does not start on a {interval}-minute boundary.", file=label,
                         row=int(rows[i]), column="ds", value=str(frame["ds"][i]),
                         fix=f"label each interval by its start (e.g. 09:00, 09:{interval % 60:02d}).")
    start = clean["ds"].min().floor("D")
    end = (clean["ds"].max() + pd.Timedelta(minutes=interval)).ceil("D")
    clean = clean.sort_values(["queue", "ds"], ignore_index=True)
    return Requirements(clean, interval, start, end)


def _utc(values: pd.Series, label: str, rows: pd.Series) -> pd.Series:
    """Interval starts -> UTC, read like a history's times (ISO, d/m/Y or m/d/Y decided by the whole column,
    years 1970 to 2100); times without an offset are UTC."""
    try:
        times = parse_times(values.reset_index(drop=True), "ds", label, [])
    except InputError as err:
        raise InputError(f"is not a timestamp ({err.problem.rstrip('.')}).", file=label, row=err.row, column="ds",
                         value=err.value, fix="write the interval start in UTC, e.g. 2025-03-24 09:00 or "
                                              "2025-03-24T09:00:00Z.") from None
    parsed = times.utc if times.utc is not None else times.clock().dt.tz_localize("UTC")
    return pd.Series(parsed.to_numpy(), index=values.index).astype("datetime64[ns, UTC]")


def _agents(values: pd.Series, label: str, rows: pd.Series, column: str) -> np.ndarray:
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(numbers) | (numbers < 0) | (numbers > MAX_REQUIRED_AGENTS)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(f"is not a number of agents (0 to {MAX_REQUIRED_AGENTS:,}).", file=label, row=int(rows.iloc[i]),
                         column=column, value=str(values.iloc[i]), fix="give agents as a number, e.g. 12 or 12.4.")
    return numbers


def _interval(clean: pd.DataFrame, label: str, rows: pd.Series) -> int:
    steps = clean.sort_values("ds").groupby("queue")["ds"].diff().dt.total_seconds().div(60).dropna()
    if steps.empty:
        # One row per queue: the interval is whatever the timestamps' minutes allow, at most 60.
        minutes = int(clean["ds"].dt.minute.max())
        return 15 if minutes % 30 else 30 if minutes else 60
    interval = int(steps.min())
    if interval not in INTERVALS:
        i = steps.idxmin()
        raise InputError(f"intervals are {interval} minutes apart; the optimiser plans 15, 30 or 60-minute intervals.",
                         file=label, row=int(rows[i]), column="ds", value=str(clean["ds"][i]),
                         fix="aggregate or resample the requirements to 15, 30 or 60 minutes.")
    uneven = steps % interval != 0
    if uneven.any():
        i = uneven.idxmax()
        raise InputError(f"this interval is not on the {interval}-minute grid of the other rows.", file=label,
                         row=int(rows[i]), column="ds", value=str(clean["ds"][i]),
                         fix="give all queues the same interval length.")
    return interval


# ----------------------------------------------------------------------------------------------
# shared table plumbing
# ----------------------------------------------------------------------------------------------


def _read_table(source: Source, name: str | None, default: str) -> tuple[pd.DataFrame, str]:
    if isinstance(source, pd.DataFrame):
        frame, label = source.copy(), name or default
    else:
        label = name or (Path(source).name if not isinstance(source, bytes) else default)
        if isinstance(source, bytes):
            data = source
        else:
            path = Path(source)
            if not path.exists():
                raise InputError("the file does not exist.", file=str(path), fix="check the path.")
            data = path.read_bytes()
        frame = _parse(data, label)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    return frame, label


def _parse(data: bytes, label: str) -> pd.DataFrame:
    if label.lower().endswith((".yaml", ".yml")):
        text = decode_text(data, label)
        try:
            records = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise InputError(f"is not readable YAML ({err}).", file=label, fix="check the indentation.") from None
        if isinstance(records, dict):
            records = next(iter(records.values()), None)  # accept {templates: [...]}
        if not isinstance(records, list) or not records or not all(isinstance(r, dict) for r in records):
            raise InputError("must be a list of templates, one mapping each.", file=label,
                             fix="write '- template: FT 8h' entries with the same keys as the CSV.")
        return pd.DataFrame(records)
    return read_config_csv(data, label, empty_fix="save it as CSV (comma-separated, UTF-8) with a header row.")


def _require_columns(frame: pd.DataFrame, required: list[str], label: str, expected: list[str]) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(f"the column(s) {', '.join(missing)} are missing (found: {', '.join(frame.columns)}).",
                         file=label, column=missing[0], fix=f"use the columns {', '.join(expected)}.")


def _records(frame: pd.DataFrame):
    """(spreadsheet row, record without blank cells) per row."""
    for i, record in enumerate(frame.to_dict("records")):
        clean = {}
        for key, value in record.items():
            if isinstance(value, str):
                value = value.strip()
            if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
                continue
            clean[key] = value
        if clean:
            yield i + 2, clean


def _number(value: Any, label: str, row: int, column: str, fix: str, *, integer: bool = False) -> float | int:
    try:
        number = float(str(value).strip())
    except ValueError:
        number = float("nan")
    if not np.isfinite(number) or (integer and number != int(number)):
        raise InputError(f"is not {'a whole number' if integer else 'a number'}.", file=label, row=row,
                         column=column, value=value, fix=fix)
    if abs(number) > _MAX_NUMBER:
        raise InputError(f"is larger than {_MAX_NUMBER:,.0f}, which cannot be real.", file=label, row=row,
                         column=column, value=value, fix=fix)
    return int(number) if integer else number


def _validated(model: type[BaseModel], record: dict, label: str, row: int, fixes: dict[str, str]):
    try:
        return model(**record)
    except ValidationError as err:
        first = err.errors()[0]
        column = str(first["loc"][0]) if first["loc"] else None
        message = first["msg"].removeprefix("Value error, ")
        value = record.get(column) if column else None
        raise InputError(message.rstrip(".") + ".", file=label, row=row, column=column, value=value,
                         fix=fixes.get(column or "", "correct the value.")) from None
