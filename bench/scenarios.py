"""Bench: a 4-scenario comparison on the sample data (4 queues, 1 week), with per-stage times.

    .venv/bin/python bench/scenarios.py [--optimiser-seconds 25] [--no-optimiser]

Every scenario runs the whole pipeline: forecast (cached across scenarios), requirements, and the
shift optimiser on the scenario's week (hourly starts, stopped at a 1% gap or the time limit).
Prints the time of each stage for the first run and for the cached re-runs, then a shrinkage-only
scenario that must reuse the cached forecast (fits counted, not timed).
The bar: the whole comparison in under 90 s on 2 cores.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forecasting.calendar import load_events  # noqa: E402
from forecasting.history import load_history  # noqa: E402
from forecasting.queues import load_queues  # noqa: E402
from planning.scenarios import BaseInputs, Scenario, StageCache, compare, comparison_table, run_scenario, run_scenarios  # noqa: E402
from scheduling.sites import load_overtime, load_sites, load_templates  # noqa: E402

BAR_SECONDS = 90.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--optimiser-seconds", type=float, default=25.0, help="shift optimiser limit per scenario")
    parser.add_argument("--no-optimiser", action="store_true", help="stop at requirements (no shift plans)")
    args = parser.parse_args()
    started = time.perf_counter()
    queues = load_queues(ROOT / "data" / "queues.csv")
    history = load_history(ROOT / "data" / "history.csv.gz", queues=queues)
    events = load_events(ROOT / "data" / "events.csv", known_queues=list(queues))
    sites = load_sites(ROOT / "data" / "sites.csv")
    optimise = not args.no_optimiser
    base = BaseInputs(history.frame, history.interval_minutes, queues, events, sites=sites, horizon_days=7,
                      method="top-down", optimise=optimise, optimiser_time_limit=args.optimiser_seconds,
                      templates=load_templates(ROOT / "data" / "shift_templates.csv", sites=sites) if optimise else {},
                      overtime=load_overtime(ROOT / "data" / "overtime.csv", sites=sites) if optimise else {})
    loaded = time.perf_counter() - started
    scenarios = [Scenario(name="Base plan"),
                 Scenario(name="Volume +15%, March launch", volume_growth_percent=15,
                          extra_events=[{"name": "launch", "start": "2026-11-18", "lift_percent": 30}]),
                 Scenario(name="Service 90/20", service_level=0.9, answer_seconds=20),
                 Scenario(name="Chat self-service 20%", deflection_percent={"chat": 20}, hourly_cost={"all": 25})]
    cache = StageCache()
    t = time.perf_counter()
    results = run_scenarios(base, scenarios, cache)   # shift plans solved side by side, one per core
    comparison = time.perf_counter() - started
    stages = ", ".join(f"{k} {cache.seconds.get(k, 0):.2f}s" for k in ("forecast", "requirements", "optimise"))
    print(f"{len(scenarios)} scenarios: {time.perf_counter() - t:6.2f}s  ({stages}; fits {cache.fits})")
    for result in results:
        plan = result.plan
        if plan is not None:
            gap = "no bound" if plan.report.gap is None else f"gap {plan.report.gap:.1%}"
            print(f"  {result.name:28s} plan {plan.report.status}, {gap}, {plan.report.seconds:.1f}s")
    fits = cache.fits
    t = time.perf_counter()
    run_scenario(base, Scenario(name="Shrinkage 35%", shrinkage_percent=35), cache)
    print(f"{'Shrinkage 35% (alone)':28s} {time.perf_counter() - t:6.2f}s  (fits added: {cache.fits - fits})")
    assert cache.fits == fits, "a shrinkage change refitted the forecast"
    total = time.perf_counter() - started
    print(f"\nloading {loaded:.1f}s; the 4-scenario comparison (loading included) {comparison:.1f}s; bar "
          f"{BAR_SECONDS:.0f}s; ratio {comparison / BAR_SECONDS:.2f} of the bar; with the shrinkage re-run {total:.1f}s")
    with __import__("pandas").option_context("display.width", 200, "display.max_columns", None,
                                             "display.float_format", "{:,.2f}".format):
        print(comparison_table(compare(results)).to_string(index=False))
    return 0 if comparison < BAR_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
