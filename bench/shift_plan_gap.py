"""Where the 100-agent gap of bench/shift_plan.py comes from: the plan against tighter bounds than the LP.

    .venv/bin/python bench/shift_plan_gap.py [--peak 100] [--cut-seconds 60] [--site-seconds 150]

The instance is bench/shift_plan.py's week (15-minute starts, flexible breaks, 5-of-7 tours, 3 sites).

1. The plan of ``solve`` with the bar's 30 s, its objective and the LP bound (with the rounding cuts).
2. HiGHS's own cutting planes: the MIP root of the whole model (its LP by interior point, as the
   simplex does not finish the root LP in minutes) for ``--cut-seconds``: how far generic cuts lift
   the bound.
3. Per site, every other site fixed at the plan: that site's MIP (shifts, breaks, tours) from the plan,
   for ``--site-seconds``: how far the plan is from the best that site can do around the others,
   proven by the sub-MIP's own bound.
4. Over-coverage: agent-hours above the whole number of agents each interval needs (the rounding
   cuts make the LP pay for whole agents), in the LP and in the plan, by queue. What the plan carries
   beyond the LP is the price of whole agents covering whole breaks at quiet hours: the LP covers a
   break with a quarter of an agent spread over the window.
"""
from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from shift_plan import inputs, week_requirements  # noqa: E402

from scheduling.highs_mip import highs_model, new_highs  # noqa: E402
from scheduling.optimiser import solve  # noqa: E402
from scheduling.plan_options import PlanOptions  # noqa: E402
from scheduling.shift_model import build_model, slot_counts  # noqa: E402
from scheduling.shifts import fold_into_weeks  # noqa: E402
from scheduling.sites import load_requirements  # noqa: E402


def start_from(h, v: np.ndarray) -> None:
    import highspy
    solution = highspy.HighsSolution()
    solution.col_value = list(v)
    solution.value_valid = True
    h.setSolution(solution)


def lp_solution(model) -> tuple[float, np.ndarray]:
    h = new_highs(600, threads=1)
    h.setOptionValue("solver", "ipm")
    h.setOptionValue("run_crossover", "off")
    h.passModel(highs_model(model.arrays(), integer=False))
    h.run()
    return float(h.getInfo().objective_function_value), np.array(h.getSolution().col_value)


def mip(a: dict, v: np.ndarray, seconds: float, root_by_ipm: bool) -> tuple[float, float]:
    """(best found, proven bound) of the MIP of arrays ``a`` started from plan ``v`` (runs in a child)."""
    h = new_highs(seconds, threads=1)
    if root_by_ipm:
        h.setOptionValue("mip_lp_solver", "ipm")
    h.passModel(highs_model(a, integer=True))
    start_from(h, v)
    h.run()
    info = h.getInfo()
    return float(info.objective_function_value), float(info.mip_dual_bound)


def bounded_mip(a: dict, v: np.ndarray, seconds: float, root_by_ipm: bool = False) -> tuple[float, float, float] | None:
    """:func:`mip` in a child process that is stopped at ``seconds`` + 30 s: HiGHS does not check its own
    time limit inside the root's cut separation and can run on for many minutes. (best, bound, seconds)
    or None when it was stopped."""
    began = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        job = pool.apply_async(mip, (a, v, seconds, root_by_ipm))
        try:
            best, bound = job.get(timeout=seconds + 30)
        except multiprocessing.TimeoutError:
            return None
    return best, bound, time.perf_counter() - began


def site_arrays(model, v: np.ndarray, site: str) -> dict:
    """The model's arrays with every other site's shifts and tours fixed at the plan."""
    a = model.arrays()
    fixed = [model.columns.loc[model.columns["site"] != site, "var"].to_numpy()]
    fixed += [np.atleast_1d(t["vars"]) for t in model.tours if t["site"] != site]
    fixed = np.concatenate(fixed)
    lb, ub = a["lb"].copy(), a["ub"].copy()
    lb[fixed] = ub[fixed] = np.round(v[fixed])
    return dict(a, lb=lb, ub=ub)


def over_coverage(model, v: np.ndarray) -> dict[str, float]:
    """Agent-hours of cover above ceil(requirement) per queue."""
    counts = slot_counts(model, v)
    cover = counts["on_shift"] - counts["on_break"]
    out = {}
    for i, queue in enumerate(model.queues):
        need = np.ceil(np.repeat(model.requirement[queue][0], model.interval_slots) - 1e-9)
        out[queue] = float(np.maximum(cover[i] - need, 0).sum() * 0.25)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peak", type=float, default=100)
    parser.add_argument("--cut-seconds", type=float, default=60)
    parser.add_argument("--site-seconds", type=float, default=150)
    args = parser.parse_args()
    sites, templates = inputs(args.peak)
    required, _ = fold_into_weeks(load_requirements(week_requirements(args.peak), sites))
    options = PlanOptions(time_limit=30, gap=0.02)
    model = build_model(required, sites, templates, {}, options)
    v, report = solve(model, options)
    objective = float(model.arrays()["cost"] @ v)
    print(f"== peak {args.peak:g} agents: plan {objective:,.0f} ({report.status}, {report.seconds:.1f} s); "
          f"LP bound {report.bound:,.0f}; gap {report.gap:.2%}")

    cuts = bounded_mip(model.arrays(), v, args.cut_seconds, root_by_ipm=True)
    if cuts is None or not cuts[1] >= report.bound:
        print(f"HiGHS root cuts: no bound within {args.cut_seconds:g} s (+30 s grace)")
    else:
        print(f"HiGHS root cuts for {args.cut_seconds:g} s: bound {cuts[1]:,.0f} ({cuts[1] / report.bound - 1:+.2%} on "
              f"the LP); gap to the plan {(objective - cuts[1]) / objective:.2%} ({cuts[2]:.0f} s)")

    print("per site, the others fixed at the plan (best found / its proven bound):")
    for site in sorted(s for s in sites if (model.columns["site"] == s).any()):
        result = bounded_mip(site_arrays(model, v, site), v, args.site_seconds)
        # a restriction of the model: a bound below the LP's means its root did not finish
        if result is None or not result[1] >= report.bound:
            print(f"  {site:<8} no bound: its root did not finish within {args.site_seconds:g} s (+30 s grace)")
            continue
        best, bound, seconds = result
        print(f"  {site:<8} best {best:,.0f} ({best / objective - 1:+.2%} on the plan), bound {bound:,.0f}: the plan "
              f"is within {(objective - bound) / objective:.2%} of this site's best ({seconds:.0f} s)")

    lp_value, lp = lp_solution(model)
    ours, theirs = over_coverage(model, v), over_coverage(model, lp)
    print(f"over-coverage above whole agents needed, agent-hours (plan vs LP {lp_value:,.0f}):")
    for queue in model.queues:
        print(f"  {queue:<9} {ours[queue]:8.1f} vs {theirs[queue]:8.1f}")
    print(f"  all       {sum(ours.values()):8.1f} vs {sum(theirs.values()):8.1f}")


if __name__ == "__main__":
    main()
