"""Where the 100-agent gap of bench/shift_plan.py comes from: the plan against tighter bounds than the LP.

    .venv/bin/python bench/shift_plan_gap.py [--peak 100] [--cut-seconds 60] [--site-seconds 60]

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
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from shift_plan import inputs, week_requirements  # noqa: E402

from scheduling.optimiser import PlanOptions, _highs_lp, build_model, slot_counts, solve  # noqa: E402
from scheduling.shifts import fold_into_weeks  # noqa: E402
from scheduling.sites import load_requirements  # noqa: E402


def highs(seconds: float):
    import highspy
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(seconds))
    h.setOptionValue("threads", 1)
    return h


def start_from(h, v: np.ndarray) -> None:
    import highspy
    solution = highspy.HighsSolution()
    solution.col_value = list(v)
    solution.value_valid = True
    h.setSolution(solution)


def lp_solution(model) -> tuple[float, np.ndarray]:
    h = highs(600)
    h.setOptionValue("solver", "ipm")
    h.setOptionValue("run_crossover", "off")
    h.passModel(_highs_lp(model.arrays(), integer=False))
    h.run()
    return float(h.getInfo().objective_function_value), np.array(h.getSolution().col_value)


def root_cuts(model, v: np.ndarray, seconds: float) -> float:
    h = highs(seconds)
    h.setOptionValue("mip_lp_solver", "ipm")
    h.passModel(_highs_lp(model.arrays(), integer=True))
    start_from(h, v)
    h.run()
    return float(h.getInfo().mip_dual_bound)


def site_mip(model, v: np.ndarray, site: str, seconds: float) -> tuple[float, float, float]:
    """(best found, its bound, seconds) of ``site``'s MIP with the other sites' shifts and tours fixed."""
    a = model.arrays()
    fixed = [model.columns.loc[model.columns["site"] != site, "var"].to_numpy()]
    fixed += [np.atleast_1d(t["vars"]) for t in model.tours if t["site"] != site]
    fixed = np.concatenate(fixed)
    lb, ub = a["lb"].copy(), a["ub"].copy()
    lb[fixed] = ub[fixed] = np.round(v[fixed])
    h = highs(seconds)
    h.passModel(_highs_lp(dict(a, lb=lb, ub=ub), integer=True))
    start_from(h, v)
    began = time.perf_counter()
    h.run()
    info = h.getInfo()
    return float(info.objective_function_value), float(info.mip_dual_bound), time.perf_counter() - began


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
    parser.add_argument("--site-seconds", type=float, default=60)
    args = parser.parse_args()
    sites, templates = inputs(args.peak)
    required, _ = fold_into_weeks(load_requirements(week_requirements(args.peak), sites))
    options = PlanOptions(time_limit=30, gap=0.02)
    model = build_model(required, sites, templates, {}, options)
    v, report = solve(model, options)
    objective = float(model.arrays()["cost"] @ v)
    print(f"== peak {args.peak:g} agents: plan {objective:,.0f} ({report.status}, {report.seconds:.1f} s); "
          f"LP bound {report.bound:,.0f}; gap {report.gap:.2%}")

    cut_bound = root_cuts(model, v, args.cut_seconds)
    lifted = "-" if not math.isfinite(cut_bound) else f"{cut_bound:,.0f} ({cut_bound / report.bound - 1:+.2%} on the LP)"
    print(f"HiGHS root cuts for {args.cut_seconds:g} s: bound {lifted}; gap to the plan "
          f"{(objective - max(cut_bound, report.bound)) / objective:.2%}")

    print("per site, the others fixed at the plan (best found / its proven bound):")
    for site in sorted(s for s in sites if (model.columns["site"] == s).any()):
        best, bound, seconds = site_mip(model, v, site, args.site_seconds)
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
