"""Bench: a 4-scenario comparison on the sample data (4 queues, 1 week), with per-stage times.

    .venv/bin/python bench/scenarios.py

Prints the time of each stage (forecast fits, requirements) for the first run and for the cached
re-runs, then a shrinkage-only scenario that must reuse the cached forecast (fits counted, not timed).
The bar: the whole comparison in under 90 s on 2 cores.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forecasting.calendar import load_events  # noqa: E402
from forecasting.history import load_history  # noqa: E402
from forecasting.queues import load_queues  # noqa: E402
from planning.scenarios import BaseInputs, Scenario, StageCache, compare, comparison_table, run_scenario  # noqa: E402
from scheduling.sites import load_sites  # noqa: E402

BAR_SECONDS = 90.0


def main() -> int:
    started = time.perf_counter()
    queues = load_queues(ROOT / "data" / "queues.csv")
    history = load_history(ROOT / "data" / "history.csv.gz", queues=queues)
    events = load_events(ROOT / "data" / "events.csv", known_queues=list(queues))
    base = BaseInputs(history.frame, history.interval_minutes, queues, events,
                      sites=load_sites(ROOT / "data" / "sites.csv"), horizon_days=7, method="top-down")
    loaded = time.perf_counter() - started
    scenarios = [Scenario(name="Base plan"),
                 Scenario(name="Volume +15%, March launch", volume_growth_percent=15,
                          extra_events=[{"name": "launch", "start": "2026-11-18", "lift_percent": 30}]),
                 Scenario(name="Service 90/20", service_level=0.9, answer_seconds=20),
                 Scenario(name="Chat self-service 20%", deflection_percent={"chat": 20}, hourly_cost={"all": 25})]
    cache = StageCache()
    results = []
    for scenario in scenarios:
        before = dict(cache.seconds)
        t = time.perf_counter()
        results.append(run_scenario(base, scenario, cache))
        stages = ", ".join(f"{k} {cache.seconds[k] - before.get(k, 0):.2f}s" for k in ("forecast", "requirements"))
        print(f"{scenario.name:28s} {time.perf_counter() - t:6.2f}s  ({stages}; fits so far {cache.fits})")
    fits = cache.fits
    t = time.perf_counter()
    run_scenario(base, Scenario(name="Shrinkage 35%", shrinkage_percent=35), cache)
    print(f"{'Shrinkage 35% (alone)':28s} {time.perf_counter() - t:6.2f}s  (fits added: {cache.fits - fits})")
    assert cache.fits == fits, "a shrinkage change refitted the forecast"
    total = time.perf_counter() - started
    print(f"\nloading {loaded:.1f}s; total {total:.1f}s; bar {BAR_SECONDS:.0f}s; ratio {total / BAR_SECONDS:.2f} of the bar")
    print("optimiser stage: not run (scheduling.optimiser has no solve entry point yet)")
    with __import__("pandas").option_context("display.width", 200, "display.max_columns", None,
                                             "display.float_format", "{:,.2f}".format):
        print(comparison_table(compare(results)).to_string(index=False))
    return 0 if total < BAR_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
