"""The agents of a roster: anonymous ones made from a plan's headcount (when there is no agents file),
and who may take which shift (a template inside the agent's contract, nothing in their unavailable time).
"""
from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pandas as pd

from scheduling.agents import Agent
from scheduling.roster_plan import Horizon, Plan
from scheduling.sites import ShiftTemplate


def anonymous_agents(plan: Plan) -> dict[str, Agent]:
    """Agents per site and template from the plan's headcount: the plan's tours if it has them, else
    per week max(ceil(shifts / days per week), most shifts on one day). Each serves every queue of its
    site under a contract that is exactly its template's week."""
    counts: dict[tuple[str, str], int] = {}
    shifts = plan.shifts
    tours = plan.tours
    if tours is not None and {"site", "template", "count"} <= set(tours.columns):
        week = tours["week"] if "week" in tours.columns else 0
        heads = (tours.assign(week=week, count=pd.to_numeric(tours["count"], errors="coerce").fillna(0))
                 .groupby(["site", "template", "week"])["count"].sum())
        for (site, template, _), n in heads.items():
            if site in plan.sites and template in plan.templates:
                counts[(site, template)] = max(counts.get((site, template), 0), int(round(n)))
    for (site, template, week), group in shifts.groupby(["site", "template", "week"]):
        if (site, template) in counts and tours is not None:
            continue
        days = plan.templates[template].days_per_week if template in plan.templates else 5
        per_day = group.groupby("day").size()
        need = max(math.ceil(len(group) / days), int(per_day.max())) if plan.horizon.weeks else int(per_day.max())
        counts[(site, template)] = max(counts.get((site, template), 0), need)
    agents = {}
    for (site, template), n in sorted(counts.items()):
        spec = plan.templates.get(template)
        hours = spec.paid_minutes / 60 * spec.days_per_week if spec else None
        for k in range(n):
            agent_id = f"{site}-{_slug(template)}-{k + 1:03d}"
            agents[agent_id] = Agent(agent_id=agent_id, site=site, queues=plan.sites[site].queues,
                                     name=f"{site} {template} {k + 1}", contract=spec.contract if spec else None,
                                     min_hours=hours or 0.0, max_hours=hours or 48.0,
                                     days_per_week=spec.days_per_week if spec else None)
    return agents


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "", text)


def template_fits(agent: Agent, template: ShiftTemplate, horizon: Horizon) -> bool:
    """The template's week is inside the agent's contract (kind, days per week and weekly paid hours)."""
    if agent.contract is not None and template.contract != agent.contract:
        return False
    if template.sites and agent.site not in template.sites:
        return False
    if not horizon.weeks:
        return template.paid_minutes / 60 <= agent.max_hours + 1e-9
    if agent.days_per_week is not None and template.days_per_week != agent.days_per_week:
        return False
    hours = template.paid_minutes / 60 * template.days_per_week
    return agent.min_hours - 1e-9 <= hours <= agent.max_hours + 1e-9


def blocked(agent: Agent, starts: pd.Series, ends: pd.Series, timezone: str, horizon: Horizon) -> np.ndarray:
    """True where ``[start, end)`` (UTC) overlaps the agent's unavailable time. Real instants: a shift
    is blocked by the dates it really touches, whatever the cyclic week does for rest."""
    out = np.zeros(len(starts), dtype=bool)
    if not agent.unavailable or not len(starts):
        return out
    first = horizon.first_date(timezone) - dt.timedelta(days=1)
    last = horizon.end.tz_convert(timezone).date() + dt.timedelta(days=1)
    s, e = starts.to_numpy(dtype="datetime64[ns]"), ends.to_numpy(dtype="datetime64[ns]")
    for item in agent.unavailable:
        for begin, finish in item.spans(first, last):
            b = pd.Timestamp(begin).tz_localize(timezone, ambiguous=True, nonexistent="shift_forward")
            f = pd.Timestamp(finish).tz_localize(timezone, ambiguous=True, nonexistent="shift_forward")
            b64 = b.tz_convert("UTC").tz_localize(None).to_datetime64()
            f64 = f.tz_convert("UTC").tz_localize(None).to_datetime64()
            out |= (s < f64) & (e > b64)
    return out
