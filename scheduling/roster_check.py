"""An independent recount of a roster against the labour rules and the plan.

It shares no code with the builder (:mod:`scheduling.roster`): it reads the exported roster table
(:func:`scheduling.export.roster_table`: ``agent_id, site, queue, template, date_local, start_utc,
end_utc, overtime, paid_hours``; times are the whole working span, overtime included), the agents, the
templates and the horizon, and recounts from those facts alone. Rules checked:

``site``, ``queue``           the agent works at the shift's site and serves its queue
``one_per_day``               one shift per site-local day
``rest``                      at least ``rest_hours`` between consecutive shifts, real elapsed time (UTC)
``consecutive_days``          at most ``max_consecutive_days`` working days in a row
``hours``                     weekly paid hours without overtime inside ``[min_hours, max_hours]``
``overtime``                  weekly overtime hours within the site's cap
``tour``                      per week one template on its allowed days, its ``days_per_week`` days, consecutive days
                              off if its rule says so
``unavailable``               no shift overlaps the agent's unavailable time
``coverage``                  every planned shift is rostered once or reported open, nothing else is rostered; a
                              shift rostered without some of its overtime counts as rostered when the builder's
                              frame says so (``unoffered_before/unoffered_after`` minutes: the overtime not offered)

Days are site-local dates counted from the horizon's first local date; with a cyclic horizon the
roster repeats, so days, rest and runs wrap from the last day to the first (Sunday night to Monday).
Runs of working days wrap only in a horizon of whole weeks: a shorter one (a single day) is counted
as a one-off period, or everyone who works a one-day plan would work every day.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
import pandas as pd

from scheduling.agents import Agent
from scheduling.roster_plan import Horizon
from scheduling.sites import OvertimeRule, ShiftTemplate, Site

EPS = 1e-6
COLUMNS = ["rule", "agent_id", "detail"]


def check_roster(roster: pd.DataFrame, agents: dict[str, Agent], templates: dict[str, ShiftTemplate],
                 horizon: Horizon, sites: dict[str, Site], *, overtime_rules: dict[str, OvertimeRule] | None = None,
                 rest_hours: float = 11.0, max_consecutive_days: int = 6, plan_shifts: pd.DataFrame | None = None,
                 open_shifts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Violations, one row each: ``rule, agent_id, detail`` (empty frame: the roster keeps every rule).

    ``roster``: the roster table (or the builder's shift frame, whose ``work_start/work_end`` are then
    the working span). ``plan_shifts`` / ``open_shifts``: the plan's shifts and those left open, to check
    coverage (frames with ``site, queue, template`` and ``work_start/work_end``).
    """
    table = _table(roster)
    out: list[dict] = []
    if table.empty:
        out += _coverage(table, plan_shifts, open_shifts)
        return pd.DataFrame(out, columns=COLUMNS)
    first = {s: horizon.start.tz_convert(site.timezone).date() for s, site in sites.items()}
    table["daykey"] = [(d - first[s]).days % horizon.days if horizon.cyclic else (d - first[s]).days
                       for d, s in zip(table["date_local"], table["site"])]
    table["weekkey"] = table["daykey"] // 7
    for agent_id, own in table.groupby("agent_id", sort=True):
        agent = agents.get(agent_id)
        if agent is None:
            out.append(_v("site", agent_id, "the agent is not in the agents list"))
            continue
        out += _membership(agent, own)
        out += _days(agent, own, horizon, max_consecutive_days)
        out += _rest(agent, own, horizon, rest_hours)
        out += _hours(agent, own, horizon, (overtime_rules or {}).get(agent.site))
        out += _tours(agent, own, templates, horizon, sites[agent.site])
        out += _unavailable(agent, own, horizon, sites[agent.site])
    out += _coverage(table, plan_shifts, open_shifts)
    return pd.DataFrame(out, columns=COLUMNS)


def _v(rule: str, agent_id: str | None, detail: str) -> dict:
    return {"rule": rule, "agent_id": agent_id, "detail": detail}


def _table(roster: pd.DataFrame) -> pd.DataFrame:
    table = roster.copy()
    if "work_start" in table.columns:  # the builder's frame: the working span is work_start..work_end
        table = table[table["agent_id"].notna()].copy()
        table["start_utc"], table["end_utc"] = table["work_start"], table["work_end"]
        table["overtime"] = table["overtime_hours"]
        table["paid_hours"] = table["paid_hours"] + table["overtime_hours"]
        if "unoffered_before" in table.columns:  # the planned span: with the overtime not offered
            table["planned_start"], table["planned_end"] = table["work_start"], table["work_end"]
            cut = (table["unoffered_before"] > 0) | (table["unoffered_after"] > 0)
            minutes = lambda col: pd.to_timedelta(table.loc[cut, col].astype(float), unit="min")  # noqa: E731
            span = lambda col: pd.to_datetime(table.loc[cut, col], utc=True)  # noqa: E731
            table.loc[cut, "planned_start"] = span("work_start") - minutes("unoffered_before")
            table.loc[cut, "planned_end"] = span("work_end") + minutes("unoffered_after")
    table["start_utc"] = pd.to_datetime(table["start_utc"], utc=True)
    table["end_utc"] = pd.to_datetime(table["end_utc"], utc=True)
    table["date_local"] = [d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)[:10])
                           for d in table["date_local"]]
    return table.reset_index(drop=True)


def _membership(agent: Agent, own: pd.DataFrame) -> list[dict]:
    out = []
    for row in own.itertuples():
        if row.site != agent.site:
            out.append(_v("site", agent.agent_id, f"{row.date_local} shift at {row.site}, agent works at {agent.site}"))
        if row.queue not in agent.queues:
            out.append(_v("queue", agent.agent_id, f"{row.date_local} shift on {row.queue}, agent serves "
                                                   f"{', '.join(agent.queues)}"))
    return out


def _days(agent: Agent, own: pd.DataFrame, horizon: Horizon, most: int) -> list[dict]:
    out = []
    for day, n in own["daykey"].value_counts().items():
        if n > 1:
            out.append(_v("one_per_day", agent.agent_id, f"{n} shifts on local day {day}"))
    worked = sorted(set(own["daykey"]))
    if horizon.cyclic and horizon.days >= 7:   # shorter cyclic horizons are counted as one-off periods
        if len(worked) == horizon.days:
            run = float("inf")
        else:
            flags = np.zeros(horizon.days, bool)
            flags[worked] = True
            start = int(np.flatnonzero(~flags)[0])
            rolled = np.roll(flags, -start)
            run = _longest(rolled)
    else:
        flags = np.zeros(max(worked) + 1, bool)
        flags[worked] = True
        run = _longest(flags)
    if run > most:
        out.append(_v("consecutive_days", agent.agent_id, f"{run} working days in a row (at most {most})"))
    return out


def _longest(flags: np.ndarray) -> int:
    best = current = 0
    for f in flags:
        current = current + 1 if f else 0
        best = max(best, current)
    return best


def _rest(agent: Agent, own: pd.DataFrame, horizon: Horizon, rest_hours: float) -> list[dict]:
    begin = ((own["start_utc"] - horizon.start) / pd.Timedelta(hours=1)).to_numpy()
    length = ((own["end_utc"] - own["start_utc"]) / pd.Timedelta(hours=1)).to_numpy()
    period = horizon.days * 24.0
    if horizon.cyclic:
        begin = begin % period
    order = np.argsort(begin, kind="stable")
    begin, end = begin[order], begin[order] + length[order]
    dates = own["date_local"].to_numpy()[order]
    out = []
    pairs = list(zip(range(len(begin) - 1), range(1, len(begin))))
    if horizon.cyclic and len(begin) > 1:
        pairs.append((len(begin) - 1, 0))
    for a, b in pairs:
        gap = begin[b] - end[a] + (period if b <= a else 0.0)
        if gap < rest_hours - EPS:
            out.append(_v("rest", agent.agent_id, f"{gap:.2f} h between the shift of {dates[a]} and the one of "
                                                  f"{dates[b]} (at least {rest_hours:g} h)"))
    return out


def _hours(agent: Agent, own: pd.DataFrame, horizon: Horizon, rule: OvertimeRule | None) -> list[dict]:
    out = []
    base = own["paid_hours"] - own["overtime"]
    if horizon.days % 7:
        total, cap = float(base.sum()), agent.max_hours * horizon.days / 7
        if total > cap + EPS:
            out.append(_v("hours", agent.agent_id, f"{total:g} paid hours, at most {cap:g} pro rata"))
        return out
    for week, hours in base.groupby(own["weekkey"]).sum().items():
        if not agent.min_hours - EPS <= hours <= agent.max_hours + EPS:
            out.append(_v("hours", agent.agent_id, f"week {week + 1}: {hours:g} paid hours, contract "
                                                   f"{agent.min_hours:g}-{agent.max_hours:g}"))
    if rule is not None:
        for week, hours in own["overtime"].groupby(own["weekkey"]).sum().items():
            if hours > rule.max_hours_per_agent_week + EPS:
                out.append(_v("overtime", agent.agent_id, f"week {week + 1}: {hours:g} overtime hours, at most "
                                                          f"{rule.max_hours_per_agent_week:g}"))
    return out


def _tours(agent: Agent, own: pd.DataFrame, templates: dict[str, ShiftTemplate], horizon: Horizon,
           site: Site) -> list[dict]:
    if horizon.days % 7 or "template" not in own.columns:
        return []
    out = []
    first_weekday = horizon.start.tz_convert(site.timezone).weekday()
    for week, part in own.groupby("weekkey"):
        used = set(part["template"])
        if len(used) > 1:
            out.append(_v("tour", agent.agent_id, f"week {week + 1}: several templates ({', '.join(sorted(used))})"))
            continue
        template = templates[used.pop()]
        worked = {(first_weekday + d) % 7 for d in part["daykey"]}
        if not worked <= set(template.allowed_days):
            out.append(_v("tour", agent.agent_id, f"week {week + 1}: {template.template} worked on a day it does "
                                                  "not allow"))
        elif len(worked) != template.days_per_week:
            out.append(_v("tour", agent.agent_id, f"week {week + 1}: {len(worked)} days of {template.template}, "
                                                  f"the template works {template.days_per_week}"))
        elif template.days_off_rule == "consecutive" and 0 < 7 - len(worked) < 7:
            off = [d not in worked for d in range(7)]
            blocks = sum(1 for d in range(7) if off[d] and not off[d - 1])  # off blocks on the weekly circle
            if blocks != 1:
                out.append(_v("tour", agent.agent_id, f"week {week + 1}: the days off are not consecutive"))
    return out


def _unavailable(agent: Agent, own: pd.DataFrame, horizon: Horizon, site: Site) -> list[dict]:
    if not agent.unavailable:
        return []
    zone = site.timezone
    first = horizon.start.tz_convert(zone).date() - dt.timedelta(days=1)
    last = (horizon.start + pd.Timedelta(days=horizon.days)).tz_convert(zone).date() + dt.timedelta(days=1)
    spans = []
    for item in agent.unavailable:
        for b, e in item.spans(first, last):
            spans.append((pd.Timestamp(b).tz_localize(zone, ambiguous=True, nonexistent="shift_forward"),
                          pd.Timestamp(e).tz_localize(zone, ambiguous=True, nonexistent="shift_forward")))
    out = []
    for row in own.itertuples():
        for b, e in spans:
            if row.start_utc < e and row.end_utc > b:  # real instants: the dates the shift really touches
                out.append(_v("unavailable", agent.agent_id, f"the shift of {row.date_local} overlaps unavailable "
                                                             f"time {b:%Y-%m-%d %H:%M} to {e:%Y-%m-%d %H:%M} ({zone})"))
                break
    return out


def _coverage(table: pd.DataFrame, plan: pd.DataFrame | None, open_shifts: pd.DataFrame | None) -> list[dict]:
    if plan is None:
        return []

    def keys(frame: pd.DataFrame | None, start: str, end: str) -> Counter:
        if frame is None or frame.empty:
            return Counter()
        return Counter(zip(frame["site"], frame["queue"], frame["template"],
                           pd.to_datetime(frame[start], utc=True), pd.to_datetime(frame[end], utc=True)))

    planned = keys(plan, "work_start", "work_end")
    spans = ("planned_start", "planned_end") if "planned_start" in table.columns else ("start_utc", "end_utc")
    given = keys(table, *spans) + keys(open_shifts, "work_start", "work_end")
    out = []
    for key, n in (planned - given).items():
        out.append(_v("coverage", None, f"{n} planned shift(s) {key[0]} {key[1]} {key[2]} at {key[3]} are neither "
                                        "rostered nor reported open"))
    for key, n in (given - planned).items():
        out.append(_v("coverage", None, f"{n} shift(s) {key[0]} {key[1]} {key[2]} at {key[3]} are rostered or "
                                        "open but not in the plan"))
    return out
