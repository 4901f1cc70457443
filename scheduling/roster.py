"""Roster: every planned shift given to a named agent under the labour rules, fairly.

Input is a shift plan (the optimiser's plan directory, read by :func:`scheduling.roster_plan.read_plan`,
or frames given to :func:`scheduling.roster_plan.plan_from_frames`) and, optionally, an agents file
(:mod:`scheduling.agents`); without one, anonymous agents are created per site and template from the
plan's headcount (:func:`scheduling.roster_agents.anonymous_agents`).

Rules (all hard): one shift per local day; at least ``rest_hours`` (11) of real elapsed time (UTC)
between the end of one shift and the start of the next, overtime included; at most
``max_consecutive_days`` (6) working days in a row; each week one tour of one shift template, i.e.
exactly the template's ``days_per_week`` working days and, for a ``consecutive`` days-off rule, the
days off in one block (the plan's days-off pattern); weekly paid hours (overtime not counted) inside
the agent's contract; overtime hours within the site's weekly cap; only queues the agent serves;
never in the agent's unavailable time. The horizon is cyclic like the plan: the roster repeats, so
Sunday night's shift and Monday morning's shift of the same week are consecutive for rest and
working-day runs.

Overtime is an offer, paid only if worked, while a planned shift left open is a hole in the schedule:
when no one can work a shift with its overtime (the extension breaks someone's rest or the weekly
overtime cap) but someone can work it without, the shift is staffed and the block is not offered
(:attr:`Roster.unoffered_overtime`, with site, date, times, minutes and why).

Each site is solved by the assignment model (:func:`scheduling.roster_assign.solve_site`, whose module
says how). Sites are solved side by side on threads (HiGHS releases the GIL while it solves).

Open shifts come back with a reason per shift in planner words (nobody serves the queue, no contract
fits the template, everyone who could is unavailable, too few people, or the rules leave no one).
"""
from __future__ import annotations

import datetime as dt
import math
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.validation import InputError
from scheduling.agents import Agent, AgentsFile
from scheduling.roster_agents import anonymous_agents, blocked, template_fits
from scheduling.roster_assign import solve_site
from scheduling.roster_options import RosterOptions
from scheduling.roster_plan import Horizon, Plan
from scheduling.sites import ShiftTemplate, Site

INF = math.inf


@dataclass
class Roster:
    """The result. ``shifts`` is :data:`~scheduling.roster_plan.SHIFT_COLUMNS` plus ``agent_id`` (None: open),
    ``name`` and ``unoffered_before/unoffered_after``: minutes of the plan's overtime a rostered shift is
    staffed without (``ot_before/ot_after``, ``work_start/work_end`` and ``overtime_hours`` are then what
    is offered; open shifts keep the plan's)."""

    shifts: pd.DataFrame
    agents: dict[str, Agent]
    open_shifts: pd.DataFrame     # site, queue, template, date_local, start_local, end_local, count, reason
    # one row per planned overtime block not offered, its shift staffed without it: see UNOFFERED_COLUMNS
    unoffered_overtime: pd.DataFrame
    fairness: pd.DataFrame        # per agent: shifts, hours, nights, weekends, lates, earlies, satisfaction
    spread: pd.DataFrame          # per site and kind: min, max, spread (max - min) over rostered agents
    satisfaction: float | None    # share of preference items honoured (None: nobody stated one)
    problems: list[InputError]    # agents left out or unusable, with the reason
    warnings: list[str]
    report: list[dict]            # per site: solver status, objective, bound, seconds, model size
    plan: Plan
    options: RosterOptions

    @property
    def assigned(self) -> pd.DataFrame:
        return self.shifts[self.shifts["agent_id"].notna()].reset_index(drop=True)


UNOFFERED_COLUMNS = ["site", "queue", "template", "date_local", "shift_start", "shift_end", "agent_id", "side",
                     "start_local", "end_local", "minutes", "reason"]
"""Overtime not offered: the planned shift (``shift_start/shift_end`` local, without overtime) and who
works it, the block (``side`` before/after, ``start_local/end_local`` local times, ``minutes``) and why
it could not go with the shift."""


def build_roster(plan: Plan, agents: AgentsFile | dict[str, Agent] | None = None,
                 options: RosterOptions = RosterOptions(), progress=None) -> Roster:
    """Give every planned shift to an agent (see the module docstring). ``agents``: the loaded agents
    file, a dict of agents, or None for anonymous agents from the plan's headcount. ``progress`` is
    called as ``progress(message, fraction)`` between sites."""
    problems: list[InputError] = []
    label = "agents"
    if agents is None:
        pool = anonymous_agents(plan)
    elif isinstance(agents, AgentsFile):
        pool, problems, label = dict(agents.agents), list(agents.problems), agents.label
    else:
        pool = dict(agents)
    usable: dict[str, Agent] = {}
    for agent in pool.values():
        if agent.site not in plan.sites:
            problems.append(InputError(f"agent {agent.agent_id}: the plan has no site '{agent.site}'; this agent is "
                                       "left out.", file=label, row=agent.row, column="site", value=agent.site))
            continue
        templates = [t for t in plan.templates.values() if not t.sites or agent.site in t.sites]
        if not any(template_fits(agent, t, plan.horizon) for t in templates):
            problems.append(_contract_problem(agent, templates, label))
            continue
        usable[agent.agent_id] = agent
    assignment: dict[int, str] = {}
    unoffered: dict[int, tuple[int, int]] = {}
    reports = []
    sites = [s for s in plan.sites if (plan.shifts["site"] == s).any()]
    jobs = {s: (plan.sites[s], plan.shifts[plan.shifts["site"] == s], [a for a in usable.values() if a.site == s])
            for s in sites}
    if options.workers > 1 and len(sites) > 1:
        # threads suffice: HiGHS releases the GIL while it solves, which is most of the time
        with ThreadPoolExecutor(min(options.workers, len(sites))) as pool:
            futures = {pool.submit(solve_site, *jobs[s], plan, options): s for s in sites}
            for k, future in enumerate(as_completed(futures)):
                result, dropped, report = future.result()
                assignment.update(result)
                unoffered.update(dropped)
                reports.append(report)
                if progress:
                    progress(f"Rostered {futures[future]}", (k + 1) / len(sites))
        reports.sort(key=lambda r: sites.index(r["site"]))
    else:
        for k, site_name in enumerate(sites):
            if progress:
                progress(f"Rostering {site_name}…", k / len(sites))
            result, dropped, report = solve_site(*jobs[site_name], plan, options)
            assignment.update(result)
            unoffered.update(dropped)
            reports.append(report)
    shifts = plan.shifts.copy()
    shifts["agent_id"] = shifts["shift_id"].map(assignment)
    shifts["agent_id"] = shifts["agent_id"].astype(object).where(shifts["agent_id"].notna(), None)
    shifts["name"] = shifts["agent_id"].map(lambda a: usable[a].name if a is not None else None)
    shifts = _without_unoffered(shifts, unoffered)
    not_offered = _unoffered_table(shifts, usable, plan, options)
    time_limited = {r["site"] for r in reports if r.get("time_limited")
                    or r.get("tours_status") == "Time limit reached"}
    open_shifts = _open_shifts(shifts, usable, plan, options, time_limited)
    fairness, spread, satisfaction = fairness_table(shifts, usable, plan.horizon, plan.sites)
    warnings = list(plan.warnings)
    if len(open_shifts):
        warnings.append(f"{int(open_shifts['count'].sum())} planned shift(s) stay open: see the open shifts and why.")
    if len(not_offered):
        warnings.append(f"{len(not_offered)} overtime block(s) of the plan ({not_offered['minutes'].sum() / 60:g} h) "
                        "are not offered: no one could work their shift with them under the rules (rest between "
                        "shifts, the weekly overtime cap, unavailability), so the shift is staffed without them; "
                        "see the overtime not offered.")
    idle = fairness[fairness["shifts"] == 0]
    if len(idle):
        owed = idle[idle["min_hours"] > 0]
        warnings.append(f"{len(idle)} agent(s) have no shift in this plan"
                        + (f", {len(owed)} of them with contracted hours" if len(owed) else "")
                        + ": the plan needs fewer people than the agents file lists, or their contracts, queues "
                          "or availability do not match what is open.")
    if progress:
        progress("Roster done", 1.0)
    return Roster(shifts, usable, open_shifts, not_offered, fairness, spread, satisfaction, problems, warnings,
                  reports, plan, options)


def _without_unoffered(shifts: pd.DataFrame, unoffered: dict[int, tuple[int, int]]) -> pd.DataFrame:
    """The rostered shifts staffed without some of their overtime: ``unoffered_before/after`` minutes,
    and ``ot_before/ot_after``, ``work_start/work_end``, ``overtime_hours`` cut to what is offered."""
    out = shifts.copy()
    out["unoffered_before"] = out["shift_id"].map(lambda k: unoffered.get(k, (0, 0))[0]).astype(int)
    out["unoffered_after"] = out["shift_id"].map(lambda k: unoffered.get(k, (0, 0))[1]).astype(int)
    cut = out.index[(out["unoffered_before"] > 0) | (out["unoffered_after"] > 0)]
    if len(cut):
        part = out.loc[cut]
        before = part["ot_before"].astype(int) - part["unoffered_before"]
        after = part["ot_after"].astype(int) - part["unoffered_after"]
        out.loc[cut, "ot_before"], out.loc[cut, "ot_after"] = before, after
        out.loc[cut, "work_start"] = part["start_utc"] - pd.to_timedelta(before, unit="min")
        out.loc[cut, "work_end"] = part["end_utc"] + pd.to_timedelta(after, unit="min")
        out.loc[cut, "overtime_hours"] = (before + after) / 60
    return out


def _unoffered_table(shifts: pd.DataFrame, agents: dict[str, Agent], plan: Plan, options: RosterOptions
                     ) -> pd.DataFrame:
    """One row per planned overtime block not offered (:data:`UNOFFERED_COLUMNS`), with why its shift's
    agent could not work it: read off the finished roster, for that agent."""
    dropped = shifts[(shifts["unoffered_before"] > 0) | (shifts["unoffered_after"] > 0)]
    rows = []
    for record in dropped.sort_values(["site", "start_utc", "queue"]).itertuples():
        zone = record.timezone
        clock = lambda t: t.tz_convert(zone).strftime("%H:%M")  # noqa: E731
        blocks = [("before", record.start_utc - pd.Timedelta(minutes=record.unoffered_before), record.start_utc,
                   record.unoffered_before),
                  ("after", record.end_utc, record.end_utc + pd.Timedelta(minutes=record.unoffered_after),
                   record.unoffered_after)]
        for side, begin, end, minutes in blocks:
            if minutes <= 0:
                continue
            rows.append({"site": record.site, "queue": record.queue, "template": record.template,
                         "date_local": record.date_local, "shift_start": clock(record.start_utc),
                         "shift_end": clock(record.end_utc), "agent_id": record.agent_id, "side": side,
                         "start_local": clock(begin), "end_local": clock(end), "minutes": int(minutes),
                         "reason": _unoffered_reason(record, side, begin, end, shifts, agents, plan, options)})
    return pd.DataFrame(rows, columns=UNOFFERED_COLUMNS)


def _unoffered_reason(shift, side: str, begin: pd.Timestamp, end: pd.Timestamp, shifts: pd.DataFrame,
                      agents: dict[str, Agent], plan: Plan, options: RosterOptions) -> str:
    """Why the shift's agent works it without the block ``[begin, end)`` (UTC): unavailable then, too
    little rest (``rest_hours``, real elapsed hours, the cyclic week wrapping) to their previous or
    next shift, or over the site's weekly overtime cap (hours); else the roster as a whole."""
    agent = agents[shift.agent_id]
    rest = options.rest_hours
    if blocked(agent, pd.Series([begin]), pd.Series([end]), shift.timezone, plan.horizon)[0]:
        return f"unavailability: {agent.agent_id}, who works the shift, is unavailable then."
    own = shifts[(shifts["agent_id"] == shift.agent_id) & (shifts["shift_id"] != shift.shift_id)]
    if len(own):
        # the agent's previous (before) or next (after) shift by start, the cyclic week wrapping; the rest
        # is the time between it and the block (negative: they overlap)
        apart = ((own["start_utc"] - shift.start_utc) / pd.Timedelta(seconds=1)).to_numpy()
        if side == "before":
            apart = -apart
        if plan.horizon.cyclic:
            apart = apart % plan.horizon.seconds
        if (apart > 0).any():
            k = int(np.argmin(np.where(apart > 0, apart, INF)))
            other = own.iloc[k]
            if side == "before":
                gap = apart[k] - (other["work_end"] - other["start_utc"] + shift.start_utc - begin).total_seconds()
            else:
                gap = apart[k] - (end - shift.start_utc + other["start_utc"] - other["work_start"]).total_seconds()
            if gap < rest * 3600.0 - 1e-6:
                when = other["start_utc"].tz_convert(other["timezone"])
                relation = "after their previous" if side == "before" else "before their next"
                return (f"rest: with it {agent.agent_id}, who works the shift, would rest "
                        f"{round(max(gap, 0.0) / 3600, 2):g} h {relation} shift ({when:%a %d %b %H:%M}); "
                        f"at least {rest:g} h.")
    rule = plan.overtime_rules.get(shift.site)
    if rule is not None:
        week = own[own["week"] == shift.week]["overtime_hours"].sum() + shift.overtime_hours
        hours = week + (end - begin) / pd.Timedelta(hours=1)
        if hours > rule.max_hours_per_agent_week + 1e-9:
            return (f"overtime cap: with it {agent.agent_id}, who works the shift, would have {hours:g} h of "
                    f"overtime that week; at most {rule.max_hours_per_agent_week:g} h.")
    return (f"the rules leave no one: no agent could work the shift with it (rest of {rest:g} h, the weekly "
            f"overtime cap, the days-off pattern, unavailability); {agent.agent_id} works it without.")


def _contract_problem(agent: Agent, templates: list[ShiftTemplate], label: str) -> InputError:
    weeks = "; ".join(f"{t.template} ({t.contract}): {t.days_per_week} days x {t.paid_minutes / 60:g} h = "
                      f"{t.days_per_week * t.paid_minutes / 60:g} h" for t in templates)
    contract = ", ".join(p for p in (agent.contract or "any contract",
                                     f"{agent.days_per_week} days" if agent.days_per_week else "",
                                     f"{agent.min_hours:g}-{agent.max_hours:g} h a week") if p)
    return InputError(f"agent {agent.agent_id}: no shift template of {agent.site} fits the contract ({contract}); "
                      f"the templates give {weeks}. This agent is left out.", file=label, row=agent.row,
                      column="contract", fix="correct the contract (hours, days, full_time/part_time) or add a "
                                             "template that fits it.")


def _open_shifts(shifts: pd.DataFrame, agents: dict[str, Agent], plan: Plan, options: RosterOptions,
                 time_limited: set[str]) -> pd.DataFrame:
    """Open planned shifts grouped by site, queue, template, local start and end, with why each is open."""
    columns = ["site", "queue", "template", "date_local", "start_local", "end_local", "count", "reason"]
    missing = shifts[shifts["agent_id"].isna()]
    if missing.empty:
        return pd.DataFrame(columns=columns)
    working_weeks = set(zip(shifts["agent_id"].dropna(), shifts.loc[shifts["agent_id"].notna(), "week"]))
    records = []
    for record in missing.itertuples():
        reason = _reason(record, agents, plan, options, working_weeks)
        if record.site in time_limited and reason.startswith(("too few", "the rules")):
            reason += " (The solver stopped at its time limit for this site; more time may staff it.)"
        zone = record.timezone
        records.append({"site": record.site, "queue": record.queue, "template": record.template,
                        "date_local": record.date_local,
                        "start_local": record.work_start.tz_convert(zone).strftime("%H:%M"),
                        "end_local": record.work_end.tz_convert(zone).strftime("%H:%M"), "reason": reason})
    frame = pd.DataFrame(records)
    keys = [c for c in columns if c not in ("count",)]
    return frame.groupby(keys, sort=True).size().rename("count").reset_index()[columns]


def _reason(shift, agents: dict[str, Agent], plan: Plan, options: RosterOptions,
            working_weeks: set[tuple[str, int]]) -> str:
    site = shift.site
    at_site = [a for a in agents.values() if a.site == site]
    if not at_site:
        return f"no agent works at {site}."
    serving = [a for a in at_site if shift.queue in a.queues]
    if not serving:
        return f"no agent at {site} serves {shift.queue}."
    template = plan.templates.get(shift.template)
    fitting = [a for a in serving if template is not None and template_fits(a, template, plan.horizon)]
    if not fitting:
        week = (f" ({template.contract}, {template.days_per_week} days x {template.paid_minutes / 60:g} h = "
                f"{template.days_per_week * template.paid_minutes / 60:g} h a week)") if template else ""
        return f"no agent at {site} serving {shift.queue} has a contract that fits {shift.template}{week}."
    # the shift itself: the roster would have staffed it without its overtime
    starts, ends = pd.Series([shift.start_utc]), pd.Series([shift.end_utc])
    free = [a for a in fitting if not blocked(a, starts, ends, shift.timezone, plan.horizon)[0]]
    if not free:
        names = ", ".join(a.agent_id for a in fitting[:5]) + (" and others" if len(fitting) > 5 else "")
        return f"unavailability: the {len(fitting)} agent(s) who could work it ({names}) are unavailable then."
    idle = [a for a in free if (a.agent_id, shift.week) not in working_weeks]
    if not idle:
        return (f"too few people: all {len(free)} agent(s) at {site} who serve {shift.queue}, fit {shift.template} "
                "and are available then already have a full week.")
    names = ", ".join(a.agent_id for a in idle[:5]) + (" and others" if len(idle) > 5 else "")
    return (f"the rules leave no one: {names} could take it but not a whole {shift.template} week around it "
            f"(rest of {options.rest_hours:g} h, at most {options.max_consecutive_days} days in a row, the days-off "
            "pattern, or unavailability on the other days).")


def fairness_table(shifts: pd.DataFrame, agents: dict[str, Agent], horizon: Horizon, sites: dict[str, Site]
                   ) -> tuple[pd.DataFrame, pd.DataFrame, float | None]:
    """Per agent: shifts, paid hours (overtime excluded), overtime hours, nights, weekend days, lates,
    earlies, preference items and the share honoured; per site and kind the spread over rostered
    agents; and the overall share of preference items honoured (None when nobody stated one).

    Preference items: each shift of an agent who prefers some kinds (honoured if it is one of them),
    and each preferred day off in the horizon (honoured if not worked)."""
    worked = shifts[shifts["agent_id"].notna()]
    rows = []
    for agent in agents.values():
        own = worked[worked["agent_id"] == agent.agent_id]
        items = honoured = 0
        if agent.prefers:
            items += len(own)
            honoured += int(own["kind"].isin(agent.prefers).sum())
        if agent.days_off:
            first = horizon.first_date(sites[agent.site].timezone)
            wanted = [d for d in range(horizon.days) if (first + dt.timedelta(days=d)).weekday() in agent.days_off]
            items += len(wanted)
            honoured += sum(d not in set(own["day"]) for d in wanted)
        rows.append({"agent_id": agent.agent_id, "name": agent.name, "site": agent.site, "shifts": len(own),
                     "paid_hours": float(own["paid_hours"].sum()), "overtime_hours": float(own["overtime_hours"].sum()),
                     "min_hours": agent.min_hours, "max_hours": agent.max_hours,
                     "nights": int((own["kind"] == "night").sum()), "weekends": int(own["weekend"].sum()),
                     "lates": int((own["kind"] == "late").sum()), "earlies": int((own["kind"] == "early").sum()),
                     "preference_items": items, "preferences_honoured": honoured,
                     "satisfaction": honoured / items if items else np.nan})
    table = pd.DataFrame(rows, columns=["agent_id", "name", "site", "shifts", "paid_hours", "overtime_hours",
                                        "min_hours", "max_hours", "nights", "weekends", "lates", "earlies",
                                        "preference_items", "preferences_honoured", "satisfaction"])
    rostered = table[table["shifts"] > 0]
    spread = []
    for site, group in list(rostered.groupby("site")) + [("all sites", rostered)]:
        for kind in ("nights", "weekends", "lates", "earlies"):
            values = group[kind]
            some = len(values) > 0
            spread.append({"site": site, "kind": kind, "agents": len(values),
                           "mean": float(values.mean()) if some else 0.0, "min": int(values.min()) if some else 0,
                           "max": int(values.max()) if some else 0,
                           "spread": int(values.max() - values.min()) if some else 0})
    items = int(rostered["preference_items"].sum())
    satisfaction = float(rostered["preferences_honoured"].sum() / items) if items else None
    return table, pd.DataFrame(spread), satisfaction
