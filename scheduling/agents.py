"""The agents file: who can be rostered, where, on which queues, under which contract and when not.

One row per agent (spreadsheet-friendly, see ``data/agents.csv``)::

    agent_id, name, site, queues, contract, min_hours, max_hours, days_per_week, unavailable, prefers, days_off

* ``queues``: ``;``-separated queues the agent serves; empty or ``all`` = every queue of the site.
* ``contract``: ``full_time`` or ``part_time`` (empty: any). Only shift templates of the same contract
  are given to the agent.
* ``min_hours`` / ``max_hours``: paid hours per week (overtime not counted), default 0 and 48.
  ``days_per_week``: working days per week (empty: whatever the template says).
* ``unavailable``: ``;``-separated items in the site's local time, each a date (``2025-03-26``), a date
  range (``2025-03-26..2025-03-28``) or weekdays (``Sun``, ``Mon-Wed``: every week), optionally
  followed by a time window (``Tue 18:00-22:00``, ``2025-03-26 00:00-12:00``). A shift that overlaps
  any of it is not given to the agent.
* ``prefers``: ``;``-separated shift kinds the agent would rather work: ``early``, ``day``, ``late``,
  ``night`` (see :func:`scheduling.roster_plan.shift_kind`). ``days_off``: weekdays the agent would rather have off.

Row problems (unknown site or queue, a contract that cannot add up, a duplicate id, unreadable
unavailability) do not stop the roster: :func:`load_agents` drops the row and returns an
:class:`~forecasting.validation.InputError` for it, so the planner sees every problem at once and
still gets a roster for everybody else. Problems with the file itself (unreadable, columns missing,
no usable agent at all) raise.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from forecasting.tables import read_config_csv
from forecasting.validation import InputError
from scheduling.sites import Site, parse_clock, parse_days

Source = str | Path | bytes | pd.DataFrame
KINDS: tuple[str, ...] = ("early", "day", "late", "night")
CONTRACTS = ("full_time", "part_time")
COLUMNS = ["agent_id", "name", "site", "queues", "contract", "min_hours", "max_hours", "days_per_week",
           "unavailable", "prefers", "days_off"]
DEFAULT_MAX_HOURS = 48.0  # the EU Working Time Directive's weekly average limit
WEEK_HOURS = 168
FIXES = {
    "agent_id": "give every agent a unique id.",
    "site": "use a site name from the sites file.",
    "queues": "list queues the agent's site serves, separated by ';', or leave it empty for all of them.",
    "contract": "write full_time or part_time, or leave it empty.",
    "min_hours": "give paid hours per week as a number, 0 or more, not above max_hours.",
    "max_hours": "give paid hours per week as a number above 0 (e.g. 40).",
    "days_per_week": "give a whole number of working days from 1 to 7, or leave it empty.",
    "unavailable": "write dates (2025-03-26), ranges (2025-03-26..2025-03-28) or weekdays (Sun, Mon-Wed), "
                   "each optionally with a local time window (Tue 18:00-22:00), separated by ';'.",
    "prefers": "write early, day, late or night (several separated by ';'), or leave it empty.",
    "days_off": "write weekdays such as Sat;Sun, or leave it empty.",
}


# ----------------------------------------------------------------------------------------------
# unavailability
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unavailable:
    """A span the agent cannot work, in site-local wall time.

    Either dates ``first..last`` (inclusive) or recurring ``weekdays`` (Monday = 0); ``window`` is
    ``(start, end)`` minutes after local midnight (end may be 1440), None for the whole day.
    """

    first: dt.date | None = None
    last: dt.date | None = None
    weekdays: tuple[int, ...] = ()
    window: tuple[int, int] | None = None

    def spans(self, first_day: dt.date, last_day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The blocked local wall-time spans ``[start, end)`` on days ``first_day..last_day``."""
        out = []
        day = first_day
        while day <= last_day:
            applies = (self.first <= day <= self.last) if self.first is not None else day.weekday() in self.weekdays
            if applies:
                begin, end = self.window or (0, 24 * 60)
                midnight = dt.datetime.combine(day, dt.time())
                out.append((midnight + dt.timedelta(minutes=begin), midnight + dt.timedelta(minutes=end)))
            day += dt.timedelta(days=1)
        return out

def parse_unavailable(text: Any) -> tuple[Unavailable, ...]:
    """``"2025-03-26; Sun; Tue 18:00-22:00; 2025-04-01..2025-04-03"`` -> spans (ValueError if unreadable)."""
    items = [part.strip() for part in str(text or "").split(";") if part.strip()]
    out = []
    for item in items:
        window = None
        match = re.fullmatch(r"(.+?)\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})", item)
        if match:
            item = match[1].strip()
            begin, end = parse_clock(match[2]), parse_clock(match[3], allow_24=True)
            if end <= begin:
                raise ValueError(f"the time window {match[2]}-{match[3]} must end after it starts on the same day")
            window = (begin, end)
        dates = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:\s*(?:\.\.|to)\s*(\d{4}-\d{2}-\d{2}))?", item)
        if dates:
            try:
                first = dt.date.fromisoformat(dates[1])
                last = dt.date.fromisoformat(dates[2]) if dates[2] else first
            except ValueError:
                raise ValueError(f"'{item}' is not a real date") from None
            if last < first:
                raise ValueError(f"the range '{item}' ends before it starts")
            out.append(Unavailable(first=first, last=last, window=window))
        else:
            out.append(Unavailable(weekdays=parse_days(item), window=window))
    return tuple(out)


# ----------------------------------------------------------------------------------------------
# agents
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Agent:
    """One agent. Hours are paid hours per week (overtime not counted); ``row`` is the file row, if any."""

    agent_id: str
    site: str
    queues: tuple[str, ...]
    name: str = ""
    contract: str | None = None
    min_hours: float = 0.0
    max_hours: float = DEFAULT_MAX_HOURS
    days_per_week: int | None = None
    unavailable: tuple[Unavailable, ...] = ()
    prefers: tuple[str, ...] = ()
    days_off: tuple[int, ...] = ()
    row: int | None = field(default=None, compare=False)

@dataclass
class AgentsFile:
    """The usable agents (id -> agent) and one planner-facing error per row that was left out."""

    agents: dict[str, Agent]
    problems: list[InputError]
    label: str = "agents file"


def load_agents(source: Source, sites: dict[str, Site], *, name: str | None = None) -> AgentsFile:
    """Read and check an agents table against the sites (see the module docstring)."""
    frame, label = _read(source, name)
    if "agent_id" not in frame.columns or "site" not in frame.columns:
        missing = [c for c in ("agent_id", "site") if c not in frame.columns]
        raise InputError(f"the column(s) {', '.join(missing)} are missing (found: {', '.join(frame.columns)}).",
                         file=label, column=missing[0], fix=f"use the columns {', '.join(COLUMNS)}.")
    agents: dict[str, Agent] = {}
    problems: list[InputError] = []
    for i, record in enumerate(frame.to_dict("records")):
        row = i + 2
        record = {k: str(v).strip() for k, v in record.items() if str(v).strip() not in ("", "nan")}
        if not record:
            continue
        try:
            agent = _agent(record, sites, label, row)
            if agent.agent_id in agents:
                first = agents[agent.agent_id].row
                raise InputError(f"this agent id is already used on row {first}; this row is left out.", file=label,
                                 row=row, column="agent_id", value=agent.agent_id, fix=FIXES["agent_id"])
            agents[agent.agent_id] = agent
        except InputError as err:
            problems.append(err)
    if not agents:
        if problems:
            raise problems[0]
        raise InputError("the file has no agents.", file=label, fix="add one row per agent (see data/agents.csv).")
    return AgentsFile(agents, problems, label)


def _agent(record: dict[str, str], sites: dict[str, Site], label: str, row: int) -> Agent:
    def bad(column: str, problem: str) -> InputError:
        return InputError(f"{problem}; this agent is left out of the roster.", file=label, row=row, column=column,
                          value=record.get(column), fix=FIXES[column])

    agent_id = record.get("agent_id")
    if not agent_id:
        raise bad("agent_id", "the agent has no id")
    site_name = record.get("site", "")
    if site_name not in sites:
        raise bad("site", f"unknown site (known: {', '.join(sites)})")
    site = sites[site_name]
    text = record.get("queues", "")
    queues = tuple(dict.fromkeys(q.strip() for q in re.split(r"[;,]", text) if q.strip()))
    if not queues or queues == ("all",):
        queues = site.queues
    unknown = [q for q in queues if q not in site.queues]
    if unknown:
        raise bad("queues", f"{site_name} does not serve the queue '{unknown[0]}' (it serves "
                            f"{', '.join(site.queues)})")
    contract = record.get("contract", "").lower().replace("-", "_").replace(" ", "_") or None
    if contract is not None and contract not in CONTRACTS:
        raise bad("contract", "is not a contract type")
    numbers: dict[str, float] = {}
    for column, default in (("min_hours", 0.0), ("max_hours", DEFAULT_MAX_HOURS), ("days_per_week", None)):
        if column not in record:
            numbers[column] = default
            continue
        try:
            numbers[column] = float(record[column])
        except ValueError:
            raise bad(column, "is not a number") from None
        if not math.isfinite(numbers[column]):
            raise bad(column, "is not a number")
        if numbers[column] > WEEK_HOURS:
            raise bad(column, f"is more than the {WEEK_HOURS} hours of a week")
    days = numbers["days_per_week"]
    if days is not None and (days != int(days) or not 1 <= days <= 7):
        raise bad("days_per_week", "is not a whole number of days from 1 to 7")
    low, high = numbers["min_hours"], numbers["max_hours"]
    if low < 0:
        raise bad("min_hours", "is below 0")
    if high <= 0:
        raise bad("max_hours", "is not above 0")
    if low > high:
        raise bad("min_hours", f"the contract cannot add up: at least {low:g} h but at most {high:g} h a week")
    if days is not None and low > days * 24:
        raise bad("min_hours", f"the contract cannot add up: {low:g} h a week do not fit in {days:g} days")
    try:
        unavailable = parse_unavailable(record.get("unavailable"))
    except ValueError as err:
        raise bad("unavailable", str(err)) from None
    prefers = tuple(dict.fromkeys(p.strip().lower() for p in record.get("prefers", "").split(";") if p.strip()))
    if any(p not in KINDS for p in prefers):
        raise bad("prefers", "is not a shift kind")
    try:
        days_off = parse_days(record["days_off"]) if "days_off" in record else ()
    except ValueError as err:
        raise bad("days_off", str(err)) from None
    return Agent(agent_id=agent_id, site=site_name, queues=queues, name=record.get("name", ""), contract=contract,
                 min_hours=low, max_hours=high, days_per_week=None if days is None else int(days),
                 unavailable=unavailable, prefers=prefers, days_off=days_off, row=row)


def _read(source: Source, name: str | None) -> tuple[pd.DataFrame, str]:
    if isinstance(source, pd.DataFrame):
        frame, label = source.astype(str).copy(), name or "agents table"
    else:
        label = name or (Path(source).name if not isinstance(source, bytes) else "agents file")
        frame = read_config_csv(source, label, empty_fix="save it as CSV (comma-separated, UTF-8) with a header row "
                                                         "(see data/agents.csv).")
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    return frame, label
