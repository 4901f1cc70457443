"""The shift plan's outputs: shift plan, overtime blocks and coverage as CSV, and a summary as JSON.

``shift_plan.csv``: ``site, queue, date_local, start_local, template, count, break_starts`` then
``end_local, break_offsets, start_utc, end_utc, paid_hours, cost`` (cost per shift, currency).
``break_starts`` lists the breaks in local time, ``10:30 15m paid; 12:45 30m unpaid``; ``break_offsets``
are the same breaks in elapsed minutes after the shift start (unambiguous across DST changes). A
repeated wall time (the fall-back hour) means its first occurrence.

``tours.csv``: ``site, template, week, pattern, count``: agents per weekly days-off pattern (the
local weekdays worked), i.e. the head count the plan needs.

The directory also keeps the ``sites.csv``, ``shift_templates.csv`` and ``overtime.csv`` the plan was
made with, so it can be checked and rostered on its own.

``overtime_blocks.csv``: ``site, date_local, queue, side, start_local, end_local, minutes, count,
start_utc, cost_if_used``: extensions to offer, by site and day.

``coverage.csv``: ``queue, ds, required, scheduled, on_break, overtime, shortfall`` then
``required_upper, upper_shortfall, over``; agents, averaged over each interval (``ds`` UTC start).

Cells are spreadsheet-safe (:func:`forecasting.safe_csv.to_safe_csv`).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from forecasting.safe_csv import to_safe_csv
from scheduling.optimiser import ShiftPlan
from scheduling.sites import QUANTUM, ShiftTemplate, overtime_frame, sites_frame, templates_frame

def shift_plan_table(plan: ShiftPlan) -> pd.DataFrame:
    """The shift plan as planners read it (see the module docstring)."""
    shifts = plan.shifts
    columns = ["site", "queue", "date_local", "start_local", "template", "count", "break_starts", "end_local",
               "break_offsets", "start_utc", "end_utc", "paid_hours", "cost"]
    if shifts.empty:
        return pd.DataFrame(columns=columns)
    table = shifts.assign(
        date_local=shifts["date_local"].map(lambda d: d.isoformat()),
        break_starts=[_breaks_text(times, plan.templates[name]) for times, name in
                      zip(shifts["break_starts_local"], shifts["template"])],
        break_offsets=shifts["break_offsets"].map(lambda offsets: ";".join(str(o) for o in offsets)),
        start_utc=shifts["start_utc"].map(_iso), end_utc=shifts["end_utc"].map(_iso),
        cost=shifts["cost"].round(2))
    return table.sort_values(["site", "date_local", "start_local", "queue", "template"], ignore_index=True)[columns]


def _breaks_text(times: tuple[str, ...], template: ShiftTemplate) -> str:
    return "; ".join(f"{t} {b.minutes}m {'paid' if b.paid else 'unpaid'}" for t, b in zip(times, template.breaks))


def tours_table(plan: ShiftPlan) -> pd.DataFrame:
    """Agents per site, template, week and days-off pattern."""
    return plan.tours.sort_values(["site", "template", "week", "pattern"], ignore_index=True)


def overtime_table(plan: ShiftPlan) -> pd.DataFrame:
    """Overtime blocks to offer, by site and local day."""
    columns = ["site", "date_local", "queue", "side", "start_local", "end_local", "minutes", "count", "start_utc",
               "cost_if_used"]
    blocks = plan.overtime
    if blocks.empty:
        return pd.DataFrame(columns=columns)
    table = blocks.assign(date_local=blocks["date_local"].map(lambda d: d.isoformat()),
                          start_utc=blocks["start_utc"].map(_iso), cost_if_used=blocks["cost_if_used"].round(2))
    return table.sort_values(["site", "date_local", "start_local", "queue"], ignore_index=True)[columns]


def coverage_table(plan: ShiftPlan) -> pd.DataFrame:
    """Coverage per queue and interval (agents; ``ds`` as ISO UTC)."""
    columns = ["queue", "ds", "required", "scheduled", "on_break", "overtime", "shortfall", "required_upper",
               "upper_shortfall", "over"]
    table = plan.coverage.assign(ds=plan.coverage["ds"].map(_iso))
    return table[columns].round(4)


def summary(plan: ShiftPlan) -> dict:
    """Costs, hours, FTE and head count by site; under/over-staffing; the solver's report."""
    shifts, blocks, cover = plan.shifts, plan.overtime, plan.coverage
    weeks = plan.timeline.slots * QUANTUM / (7 * 24 * 60)
    hours = plan.interval_minutes / 60
    by_site = {}
    for name, site in plan.sites.items():
        own = shifts[shifts["site"] == name]
        extra = blocks[blocks["site"] == name]
        paid = float((own["count"] * own["paid_hours"]).sum())
        ot_hours = float((extra["count"] * extra["minutes"]).sum() / 60) if len(extra) else 0.0
        heads = plan.tours[plan.tours["site"] == name]
        by_site[name] = {
            "shifts": int(own["count"].sum()), "paid_hours": round(paid, 2),
            "fte": round(paid / (plan.options.fte_hours_per_week * weeks), 2) if weeks else None,
            "headcount": int(heads.groupby("week")["count"].sum().max()) if len(heads) else None,
            "cost": round(float((own["count"] * own["cost"]).sum()), 2),
            "night_hours": round(float((own["count"] * own["night_hours"]).sum()), 2),
            "overtime_hours_offered": round(ot_hours, 2),
            "overtime_cost_if_used": round(float(extra["cost_if_used"].sum()) if len(extra) else 0.0, 2),
        }
    day = cover["ds"].dt.strftime("%Y-%m-%d")
    staffing = {}
    for queue, group in cover.groupby("queue"):
        daily = group.groupby(day[group.index])
        staffing[queue] = {
            "required_agent_hours": round(float(group["required"].sum() * hours), 2),
            "scheduled_agent_hours": round(float(group["scheduled"].sum() * hours), 2),
            "under_agent_hours": round(float(group["shortfall"].sum() * hours), 2),
            "over_agent_hours": round(float(group["over"].sum() * hours), 2),
            "upper_band_under_agent_hours": round(float(group["upper_shortfall"].sum() * hours), 2),
            "under_agent_hours_by_utc_day": {d: round(float(v * hours), 2)
                                             for d, v in daily["shortfall"].sum().items() if v > 1e-9},
        }
    report = plan.report
    return {
        "cost": {"shifts": round(sum(s["cost"] for s in by_site.values()), 2),
                 "overtime_if_all_used": round(sum(s["overtime_cost_if_used"] for s in by_site.values()), 2)},
        "sites": by_site,
        "paid_hours": round(sum(s["paid_hours"] for s in by_site.values()), 2),
        "fte": round(sum(s["fte"] or 0 for s in by_site.values()), 2),
        "staffing": staffing,
        "solver": {"name": report.solver, "status": report.status, "objective": _number(report.objective),
                   "bound": _number(report.bound), "lp_relaxation": _number(report.lp_relaxation),
                   "gap": _number(report.gap), "seconds": report.seconds, "build_seconds": report.build_seconds,
                   "first_solution_seconds": report.first_solution_seconds, "gap_over_time": report.history,
                   "model_size": report.size},
        "horizon_start": _iso(plan.timeline.start), "days": plan.timeline.days, "cyclic": plan.timeline.cyclic,
        "interval_minutes": plan.interval_minutes,
        "warnings": plan.warnings,
    }


def write_outputs(plan: ShiftPlan, folder: str | Path) -> dict[str, Path]:
    """Write the plan's files into ``folder`` (created if needed); returns name -> path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tables = {"shift_plan": shift_plan_table(plan), "overtime_blocks": overtime_table(plan),
              "coverage": coverage_table(plan), "tours": tours_table(plan), "sites": sites_frame(plan.sites),
              "shift_templates": templates_frame(plan.templates), "overtime": overtime_frame(plan.overtime_rules)}
    paths = {}
    for name, table in tables.items():
        paths[name] = folder / f"{name}.csv"
        paths[name].write_bytes(to_safe_csv(table))
    paths["summary"] = folder / "summary.json"
    paths["summary"].write_text(json.dumps(summary(plan), indent=2, default=str), encoding="utf-8")
    return paths


def _iso(value: pd.Timestamp) -> str:
    return pd.Timestamp(value).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), 4)
