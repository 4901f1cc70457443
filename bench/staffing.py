"""Staffing benchmark: prints ratios against a bound, a peer and the simulation, all from one run.

    .venv/bin/python bench/staffing.py

1. Requirements for 4 queues x 6 weeks x 15-minute intervals (the bundled sample's recent-weeks
   forecast) against the 1 s bound.
2. Raw required agents against pyworkforce's ErlangC (bench-only peer) on a grid from 10 to
   1,000,000 calls per hour and AHT 180-600 s, three service targets: agreement, speed ratio,
   and every difference with its reason.
3. The computed staffing simulated on a grid of loads: simulated service level against target.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

GRID_CALLS = np.unique(np.round(np.geomspace(10, 1_000_000, 16)))
GRID_AHTS = np.array([180.0, 240.0, 300.0, 420.0, 600.0])
GRID_TARGETS = [(0.8, 20.0), (0.9, 30.0), (0.5, 120.0)]


def peer_grid() -> None:
    """Child process: pyworkforce's raw agents on the grid, as JSON on stdout.

    pyworkforce pulls in ortools, whose bundled HiGHS and highspy's (loaded by our modules through
    pulp) break each other's symbols in one process, so the peer runs on its own.
    """
    from pyworkforce.queuing import ErlangC

    grid_c, grid_h = (g.ravel() for g in np.meshgrid(GRID_CALLS, GRID_AHTS))
    began = time.perf_counter()
    agents = [[int(ErlangC(transactions=c, aht=h / 60, asa=answer / 60, interval=60)
                   .required_positions(sl)["raw_positions"]) for c, h in zip(grid_c, grid_h)]
              for sl, answer in GRID_TARGETS]
    print(json.dumps({"seconds": time.perf_counter() - began, "agents": agents}))


if __name__ == "__main__" and sys.argv[1:] == ["--peer"]:
    peer_grid()
    sys.exit(0)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forecasting.baselines import recent_weeks_average  # noqa: E402
from forecasting.queues import load_queues  # noqa: E402
from scheduling import erlang  # noqa: E402
from scheduling.requirements import requirements  # noqa: E402
from scheduling.simulation import simulate  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "data"


def bench_requirements() -> None:
    queues = load_queues(DATA / "queues.csv")
    history = pd.read_csv(DATA / "history.csv.gz")
    history["ds"] = pd.to_datetime(history["ds"], utc=True)
    start = history["ds"].max().floor("D") - pd.Timedelta(weeks=6)
    forecast = recent_weeks_average(history, start, 42, zones={q: c.timezone for q, c in queues.items()})
    requirements(forecast.head(500), queues)  # warm caches (imports, zoneinfo)
    began = time.perf_counter()
    result = requirements(forecast, queues)
    took = time.perf_counter() - began
    print(f"1. requirements: {len(result):,} intervals ({result['queue'].nunique()} queues x 6 weeks x 15 min) "
          f"in {took:.3f} s = {took / 1.0:.2f} x the 1 s bound")


def _why(calls: float, aht: float, sl: float, answer: float, ours: int, theirs: int) -> str:
    a = calls * aht / 3600
    start = round(a + 1)
    if theirs > ours and start > ours:
        return (f"its search starts at round(traffic + 1) = {start} and never tries {ours}, which already gives "
                f"{float(erlang.service_level(calls, aht, 3600, ours, answer)):.4f} >= {sl}")
    return "floating-point rounding at a tie"


def bench_pyworkforce() -> None:
    child = subprocess.run([sys.executable, __file__, "--peer"], capture_output=True, text=True)
    if child.returncode:
        print(f"2. pyworkforce did not run ({child.stderr.strip().splitlines()[-1]}); `make bench` installs it: "
              "comparison skipped")
        return
    peer = json.loads(child.stdout)
    targets = GRID_TARGETS
    grid_c, grid_h = (g.ravel() for g in np.meshgrid(GRID_CALLS, GRID_AHTS))
    ours = []
    began = time.perf_counter()
    for sl, answer in targets:
        ours.append(erlang.required_agents(grid_c, grid_h, 3600, target_sl=sl, answer_time=answer))
    ours_time = time.perf_counter() - began
    theirs, their_time = [np.array(a) for a in peer["agents"]], peer["seconds"]
    points = len(targets) * grid_c.size
    same = sum(int((o == t).sum()) for o, t in zip(ours, theirs))
    print(f"2. pyworkforce grid: {points} points (10 to 1,000,000 calls/hour x AHT 180-600 s x {len(targets)} targets)")
    print(f"   identical raw agents: {same}/{points}; time ours {ours_time:.4f} s vs pyworkforce {their_time:.2f} s "
          f"= {their_time / ours_time:.0f}x faster")
    for (sl, answer), o, t in zip(targets, ours, theirs):
        for i in np.flatnonzero(o != t):
            c, h = grid_c[i], grid_h[i]
            print(f"   differs: {c:,.0f} calls/h, AHT {h:.0f} s, {sl:.0%} in {answer:.0f} s: ours {o[i]}, "
                  f"pyworkforce {t[i]} -- {_why(c, h, sl, answer, int(o[i]), int(t[i]))}")


def bench_simulation() -> None:
    interval, answer, target = 1800.0, 20.0, 0.8
    cases = [(calls, aht, patience) for calls in (20, 60, 200, 600) for aht in (180.0, 420.0)
             for patience in (None, 240.0)]
    worst = 0.0
    print(f"3. simulation of the computed staffing ({target:.0%} in {answer:.0f} s, 200 x 30-minute intervals each):")
    for calls, aht, patience in cases:
        agents = int(erlang.required_agents(calls, aht, interval, target_sl=target, answer_time=answer,
                                            patience=patience))
        formula = float(erlang.service_level(calls, aht, interval, agents, answer, patience))
        result = simulate(calls, aht, np.full(200, agents), interval=interval, answer_time=answer,
                          patience=patience, seed=7).total(start=2)
        gap = result["service_level"] - target
        worst = min(worst, gap)
        model = "Erlang C" if patience is None else f"Erlang A, patience {patience:.0f} s"
        print(f"   {calls:>4} calls, AHT {aht:.0f} s, {model:<24} {agents:>3} agents: simulated "
              f"{result['service_level']:.3f} (formula {formula:.3f}), target {target:.2f} -> "
              f"{gap * 100:+.1f} points")
    print(f"   worst shortfall against target: {min(worst, 0) * 100:.1f} points (bound: 2 points)")


if __name__ == "__main__":
    bench_requirements()
    bench_pyworkforce()
    bench_simulation()
