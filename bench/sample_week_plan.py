"""The Schedule page's default flow, end to end: the sample week planned and rostered as a planner first sees it.

    .venv/bin/python bench/sample_week_plan.py [--time-limit 120]

The sample week's requirements (``ui.schedule.sample_requirements``: a recent-weeks forecast of the
sample history staffed at the base and the 90th percentile), the sample sites, templates and overtime
rules, the page's default options; then the roster with anonymous agents from the plan's tours.
Prints the plan's gap over time, the agent-days the tours leave without rest between days, and the
shifts the roster leaves open or staffs without their overtime.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

# The page modules and st.cache_data outside a Streamlit run log a warning on every call (Streamlit resets
# its loggers' level when it reads its config, so setting the level is not enough).
logging.disable(logging.WARNING)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scheduling.optimiser import plan_shifts  # noqa: E402
from scheduling.plan_options import PlanOptions  # noqa: E402
from scheduling.roster import build_roster  # noqa: E402
from scheduling.roster_options import RosterOptions  # noqa: E402
from scheduling.roster_plan import plan_from_optimiser  # noqa: E402
from scheduling.sites import load_overtime, load_requirements, load_sites, load_templates  # noqa: E402
from ui import schedule, state  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=120.0)
    args = parser.parse_args()
    print(f"sample week plan and roster: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    sites = load_sites(state.SAMPLE_SITES)
    templates = load_templates(state.SAMPLE_TEMPLATES, sites=sites)
    overtime = load_overtime(schedule.SAMPLE_OVERTIME, sites=sites)
    required = load_requirements(schedule.sample_requirements(), sites)
    started = time.perf_counter()
    plan = plan_shifts(required, sites, templates, overtime, PlanOptions(time_limit=args.time_limit))
    r = plan.report
    print(f"plan: {time.perf_counter() - started:.1f} s, status {r.status}, objective {r.objective:,.0f}, "
          f"bound {r.bound:,.0f}, gap {r.gap:.2%}")
    print("  seconds  source             objective        bound")
    for h in r.history:
        print(f"  {h['seconds']:7.1f}  {h['source']:<18} {_money(h['objective']):>9} {_money(h['bound']):>12}")
    print("warnings:", plan.warnings or "none")
    started = time.perf_counter()
    roster = build_roster(plan_from_optimiser(plan), None, RosterOptions())
    open_shifts = int(roster.open_shifts["count"].sum()) if len(roster.open_shifts) else 0
    unoffered = roster.unoffered_overtime
    print(f"roster: {time.perf_counter() - started:.1f} s, {len(roster.assigned):,} shifts staffed, {open_shifts} open, "
          f"{len(unoffered)} overtime blocks not offered ({unoffered['minutes'].sum() / 60:.1f} h)")
    if open_shifts:
        print(roster.open_shifts.groupby(["site", "template"])["count"].sum().to_string())


def _money(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


if __name__ == "__main__":
    main()
