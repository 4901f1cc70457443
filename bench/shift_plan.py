"""Shift optimiser benchmark: gap to the proven bound and time, against the bar of the issue.

    .venv/bin/python bench/shift_plan.py            (pyworkforce from requirements-bench.txt for part 3)

1. One week (Mon 24 - Mon 31 March 2025 UTC, Dublin and London spring forward on Sunday 30th), 15-minute
   intervals and starts, flexible breaks (2 x 15 min paid + 30 min unpaid lunch on 8.5-hour shifts, one
   15-minute break on 4-hour part-time shifts), 5-of-7 tours with consecutive days off, the sample's 3 sites
   (Dublin, Manila, Austin) and 4 queues with their opening hours, a smooth intraday curve per queue in its
   local time. Peak 1,000 agents (bar: within 0.5% of the bound in <= 60 s) and peak 100 (2% in <= 30 s).
2. The same 1,000-agent week with every break fixed at the middle of its window: agents saved by flexible
   breaks. The same week with a 12% upper band and the sample's overtime rules, for the overtime buffer.
3. pyworkforce's MinRequiredResources (CP-SAT) on a single-site, single-day instance it can express (hourly
   periods, 8-hour shifts without breaks starting on the hour): our cost vs its cost, and solve times.
4. The independent checker (scheduling.plan_check) recomputes coverage and cost of the 1,000-agent plan from
   the exported CSVs.

Timings are wall-clock on whatever machine runs this; they are printed with the load average.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forecasting.queues import load_queues  # noqa: E402
from scheduling.optimiser import plan_shifts  # noqa: E402
from scheduling.plan_check import check_plan  # noqa: E402
from scheduling.plan_export import write_outputs  # noqa: E402
from scheduling.plan_options import PlanOptions  # noqa: E402
from scheduling.sites import load_overtime, load_requirements, load_sites, load_templates  # noqa: E402

DATA = ROOT / "data"
WEEK = "2025-03-24"
SHARE = {"uk_phone": 0.35, "uk_chat": 0.2, "us_phone": 0.35, "email": 0.1}


def week_requirements(peak: float, upper_share: float = 0.0) -> pd.DataFrame:
    """``queue, ds, scheduled, scheduled_upper`` for one week at 15 minutes; the sum over queues peaks at ``peak``."""
    grid = pd.date_range(WEEK, periods=7 * 96, freq="15min", tz="UTC")
    frames = []
    for name, config in load_queues(DATA / "queues.csv").items():
        local = grid.tz_convert(config.timezone)
        hour = local.hour + local.minute / 60
        spans = config.open_spans()
        is_open = np.array([spans[d] is not None and spans[d][0] <= h * 60 < spans[d][1]
                            for d, h in zip(local.weekday, hour)])
        if config.channel == "email":
            shape = 0.5 + 0.5 * np.exp(-((hour - 13) / 5) ** 2)
        else:   # morning and afternoon peaks, a quiet night
            shape = 0.08 + np.exp(-((hour - 10.5) / 2.2) ** 2) + 0.85 * np.exp(-((hour - 15) / 2.5) ** 2)
        frames.append(pd.DataFrame({"queue": name, "ds": grid,
                                    "shape": shape * np.where(local.weekday >= 5, 0.6, 1.0) * is_open * SHARE[name]}))
    frame = pd.concat(frames, ignore_index=True)
    frame["scheduled"] = (frame["shape"] / frame.groupby("ds")["shape"].sum().max() * peak).round(1)
    frame["scheduled_upper"] = (frame["scheduled"] * (1 + upper_share)).round(1)
    return frame.loc[frame["scheduled"] > 0, ["queue", "ds", "scheduled", "scheduled_upper"]]


def inputs(peak: float):
    sites = {name: site.model_copy(update={"max_agents": int(peak * 3)})   # head count is not the constraint here
             for name, site in load_sites(DATA / "sites.csv").items()}
    templates = load_templates(DATA / "shift_templates.csv", sites=sites)
    five_of_seven = {name: t.model_copy(update={"start_step_minutes": 15}) for name, t in templates.items()
                     if t.days_per_week == 5 and t.days_off_rule == "consecutive"}
    return sites, five_of_seven


def solve(peak: float, time_limit: float, *, flexible: bool = True, upper_share: float = 0.0, overtime: bool = False):
    sites, templates = inputs(peak)
    rules = load_overtime(DATA / "overtime.csv", sites=sites) if overtime else {}
    required = load_requirements(week_requirements(peak, upper_share), sites)
    options = PlanOptions(time_limit=time_limit, gap=0.005 if peak >= 1000 else 0.02, flexible_breaks=flexible)
    return plan_shifts(required, sites, templates, rules, options)


def headcount(plan) -> int:
    return int(plan.tours.groupby("week")["count"].sum().max())


def show(label: str, plan, bar_gap: float, bar_seconds: float) -> None:
    r = plan.report
    total = r.build_seconds + r.seconds
    met = r.gap is not None and r.gap <= bar_gap and total <= bar_seconds
    print(f"\n== {label}")
    print(f"model: {r.size['columns']:,} columns ({r.size['integer_columns']:,} integer: {r.size['shift_columns']:,} "
          f"shift starts, {r.size['break_columns']:,} break slots), {r.size['rows']:,} rows, "
          f"{r.size['nonzeros']:,} nonzeros, {r.size['break_classes']} break classes")
    print(f"status {r.status}; objective {r.objective:,.2f}; bound {r.bound:,.2f} (LP relaxation "
          f"{r.lp_relaxation:,.2f}); gap {_pct(r.gap)} (bar {bar_gap:.1%})")
    print(f"time: build {r.build_seconds:.1f} s + solve {r.seconds:.1f} s = {total:.1f} s (bar {bar_seconds:.0f} s); "
          f"first plan after {r.first_solution_seconds} s  -> {'MET' if met else 'NOT MET'}")
    print(f"plan: {int(plan.shifts['count'].sum()):,} shifts, head count {headcount(plan):,}, "
          f"shortfall {plan.coverage['shortfall'].sum() * 0.25:,.1f} agent-hours, peak requirement "
          f"{plan.coverage.groupby('ds')['required'].sum().max():,.0f} agents")
    print("gap over time (s, source, objective, bound, gap):")
    for h in r.history:
        print(f"  {h['seconds']:7.2f}  {h['source']:<14} {_money(h['objective']):>14} {_money(h['bound']):>14} "
              f"{_pct(h['gap']):>8}")


def check(plan) -> None:
    with tempfile.TemporaryDirectory() as folder:
        paths = write_outputs(plan, folder)
        read = {k: pd.read_csv(paths[k]) for k in ("shift_plan", "overtime_blocks", "coverage")}
        summary = json.loads(paths["summary"].read_text())
        started = time.perf_counter()
        result = check_plan(read["shift_plan"], read["overtime_blocks"], read["coverage"], summary, plan.sites,
                            plan.templates)
    print(f"\n== independent check of the 1,000-agent plan ({time.perf_counter() - started:.1f} s): "
          f"{'OK' if result.ok else 'FAILED'}; coverage differs by at most {result.max_coverage_difference:.2e} "
          f"agents, cost by at most {result.max_cost_difference:.2f}")
    for problem in result.problems[:5]:
        print("  ", problem)


def single_day() -> tuple[np.ndarray, dict]:
    """Hourly need of one day and the 8-hour shifts starting 00:00-16:00 (coverage vectors)."""
    hours = np.arange(24)
    need = np.round(2 + 40 * np.exp(-((hours - 11) / 3.0) ** 2) + 30 * np.exp(-((hours - 17) / 2.5) ** 2)).astype(int)
    need[hours < 6] = 2
    return need, {f"s{h:02d}": [1 if h <= p < h + 8 else 0 for p in range(24)] for h in range(0, 17)}


def pyworkforce_solve() -> None:
    """Run in a child process: OR-Tools (under pyworkforce) and highspy ship clashing HiGHS symbols."""
    from pyworkforce.scheduling import MinRequiredResources
    need, coverage = single_day()
    started = time.perf_counter()
    result = MinRequiredResources(num_days=1, periods=24, shifts_coverage=coverage, required_resources=[need.tolist()],
                                  max_period_concurrency=500, max_shift_concurrency=200,
                                  cost_dict={name: 8 * 20 for name in coverage}, max_search_time=60.0,
                                  num_search_workers=2).solve()
    print(json.dumps({"status": result["status"], "cost": result["cost"], "seconds": time.perf_counter() - started}))


def pyworkforce_comparison() -> None:
    child = subprocess.run([sys.executable, __file__, "--pyworkforce"], capture_output=True, text=True)
    if child.returncode != 0:
        print(f"\n== pyworkforce: could not run ({child.stderr.strip().splitlines()[-1] if child.stderr else ''}); "
              "pip install -r requirements-bench.txt")
        return
    theirs = json.loads(child.stdout.strip().splitlines()[-1])
    need, _ = single_day()
    sites = load_sites(pd.DataFrame([{"site": "One", "timezone": "UTC", "queues": "q", "earliest_start": "00:00",
                                      "latest_start": "16:00", "max_agents": 500, "hourly_cost": 20}]))
    templates = load_templates(pd.DataFrame([{"template": "8h", "length_minutes": 480, "start_step_minutes": 60,
                                              "days_per_week": 7, "days_off_rule": "any"}]))
    ds = pd.date_range("2025-06-03", periods=24, freq="60min", tz="UTC")
    required = load_requirements(pd.DataFrame({"queue": "q", "ds": ds, "scheduled": need.astype(float)}), sites)
    started = time.perf_counter()
    ours = plan_shifts(required, sites, templates, None, PlanOptions(time_limit=60, gap=0.0, cyclic=False))
    our_seconds = time.perf_counter() - started
    our_cost = float((ours.shifts["count"] * ours.shifts["cost"]).sum())
    print("\n== pyworkforce MinRequiredResources (CP-SAT), one site, one day, hourly, 8-hour shifts starting 00:00-16:00")
    print(f"pyworkforce: status {theirs['status']}, cost {theirs['cost']:,.2f}, {theirs['seconds']:.2f} s")
    print(f"ours:        status {ours.report.status}, cost {our_cost:,.2f} (shortfall "
          f"{ours.coverage['shortfall'].sum():.1f} agent-hours), {our_seconds:.2f} s")
    print(f"cost ratio ours/theirs {our_cost / theirs['cost']:.4f} (bar <= 1); time ratio ours/theirs "
          f"{our_seconds / theirs['seconds']:.2f}")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def _money(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def main() -> None:
    print(f"shift optimiser bench: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start "
          "(the machine is shared: timings are noisy)")
    big = solve(1000, 60)
    show("peak 1,000 agents, flexible breaks", big, 0.005, 60)
    small = solve(100, 30)
    show("peak 100 agents, flexible breaks", small, 0.02, 30)
    fixed = solve(1000, 60, flexible=False)
    show("peak 1,000 agents, breaks fixed at the middle of their windows", fixed, 0.005, 60)
    saved = 1 - headcount(big) / headcount(fixed)
    hours = lambda p: float((p.shifts["count"] * p.shifts["paid_hours"]).sum())   # noqa: E731
    cost = lambda p: float((p.shifts["count"] * p.shifts["cost"]).sum())   # noqa: E731
    print(f"\nflexible vs fixed breaks: head count {headcount(big):,} vs {headcount(fixed):,} -> {saved:.1%} agents "
          f"saved; paid hours {1 - hours(big) / hours(fixed):.1%} and shift cost {1 - cost(big) / cost(fixed):.1%} "
          "lower")
    buffered = solve(1000, 60, upper_share=0.12, overtime=True)
    show("peak 1,000 agents with a 12% upper band and the sample's overtime rules", buffered, 0.005, 60)
    blocks = buffered.overtime
    print(f"overtime offered: {int(blocks['count'].sum()):,} blocks, {float((blocks['count'] * blocks['minutes']).sum()) / 60:,.0f} "
          f"hours, {float(blocks['cost_if_used'].sum()):,.0f} if all worked; base head count "
          f"{headcount(buffered):,} (vs {headcount(big):,} without the band)")
    check(big)
    pyworkforce_comparison()


if __name__ == "__main__":
    pyworkforce_solve() if sys.argv[1:] == ["--pyworkforce"] else main()
