"""The shift stage (:func:`plan_shifts`): the MILP of :mod:`scheduling.shift_model` solved with a reported gap,
and the plan's tables read from the solution (:mod:`scheduling.plan_tables`).

Solve (:func:`solve`): the LP relaxation (HiGHS interior point on large models) gives the bound; the
LP is rounded (tours first, then starts along time, then breaks along the LP's cumulative break count),
any rest the rounding broke is repaired, and local search improves it without taking rest away; small
models then go to the HiGHS MIP from that start, which proves the gap or closes it. On large models,
whose MIP cannot start in time, the last share of the time re-solves the plan part by part with HiGHS
(one queue's shifts starting within 8 hours of a day, tours held: :func:`_polish`). Rest the search
could not give is repaired in the last moments (:func:`_rest_repaired`). Every solve reports status,
objective, bound, LP relaxation, gap and gap over time.

The rounding is :mod:`scheduling.plan_rounding`, the local search :mod:`scheduling.local_search`, and the
HiGHS MIP and part-by-part re-solving run in child processes of :mod:`scheduling.highs_mip`.
"""
from __future__ import annotations

import math
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np
import pandas as pd

from scheduling.highs_mip import highs_model, new_highs, run_mip, run_polish, solve_free_part
from scheduling.local_search import LocalSearch, improve
from scheduling.plan_options import PlanOptions
from scheduling.plan_rounding import round_solution
from scheduling.plan_tables import read_coverage, read_overtime, read_shifts, read_tours
from scheduling.shift_model import ShiftModel, build_model, complete, violation
from scheduling.shifts import QUANTUM, Timeline, fold_into_weeks
from scheduling.sites import OvertimeRule, Requirements, ShiftTemplate, Site

INF = math.inf


# ----------------------------------------------------------------------------------------------
# results
# ----------------------------------------------------------------------------------------------


# What each solve status means, in a planner's words (the page and the CLI show it beside the status).
STATUS_MEANING = {
    "optimal": "no cheaper plan exists",
    "gap reached": "within the gap asked for of the cheapest possible plan",
    "time limit": "stopped at the time limit: more time may find a cheaper plan",
    "stalled": "stopped before the time limit because its last tries found no cheaper plan: more time is "
               "unlikely to help",
    "no bound": "the LP relaxation did not finish, so the distance from the cheapest plan is unknown: allow more time",
    "no solution": "no plan was found within the time limit: allow more time",
}


@dataclass
class SolveReport:
    """What the solver proved. Money in currency; times in seconds; gap as a fraction of the objective."""

    solver: str
    status: str
    objective: float | None
    bound: float | None
    lp_relaxation: float | None
    gap: float | None
    seconds: float
    build_seconds: float
    first_solution_seconds: float | None
    history: list[dict] = field(default_factory=list)   # {seconds, objective, bound, gap} per new incumbent
    size: dict = field(default_factory=dict)


@dataclass
class ShiftPlan:
    """A solved plan. Frames are described in :mod:`scheduling.plan_export`."""

    shifts: pd.DataFrame          # one row per (site, queue, template, start, break times) with count
    overtime: pd.DataFrame        # one row per offered overtime block with count
    coverage: pd.DataFrame        # queue, ds, required, required_upper, scheduled, on_break, overtime, shortfall
    tours: pd.DataFrame           # site, template, week, pattern (weekdays worked), count (agents)
    report: SolveReport
    warnings: list[str]
    sites: dict[str, Site]
    templates: dict[str, ShiftTemplate]
    overtime_rules: dict[str, OvertimeRule]
    timeline: Timeline
    interval_minutes: int
    options: PlanOptions


Progress = Callable[[str, float], None]   # (message, fraction done 0..1)


# ----------------------------------------------------------------------------------------------
# solving: LP relaxation (the bound), rounding (a first plan), MIP from that start (better plans)
# ----------------------------------------------------------------------------------------------

# Above this many rows the LP goes to the interior-point solver without crossover (on these
# time-expanded models several times faster than simplex; the bound needs no vertex), and the MIP
# is skipped: its root LP alone, by dual simplex, takes minutes, so local search gets the time.
LARGE_ROWS = 15_000
TICK_SECONDS = 0.5      # between progress reports while a solver runs without news


class _Tracker:
    """Incumbents and bounds over time (seconds since the solve started)."""

    def __init__(self, start: float, progress: Progress | None, time_limit: float) -> None:
        self.start, self.progress, self.time_limit = start, progress, time_limit
        self.best: float | None = None
        self.bound: float | None = None
        self.first: float | None = None
        self.history: list[dict] = []
        self.ticked = -INF

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def gap(self) -> float | None:
        if self.best is None or self.bound is None:
            return None
        return max(self.best - self.bound, 0.0) / max(abs(self.best), 1e-9)

    def tick(self, activity: str) -> None:
        """Progress while a solver works without news (the LP can take a minute): at most every
        :data:`TICK_SECONDS`, the activity and the seconds so far."""
        now = self.elapsed()
        if self.progress and now - self.ticked >= TICK_SECONDS:
            self.ticked = now
            self.progress(f"{activity}, {now:.0f} s", min(now / max(self.time_limit, 1e-9), 0.99))

    def note(self, source: str, objective: float | None = None, bound: float | None = None) -> None:
        raised = bound is not None and math.isfinite(bound) and (
            self.bound is None or bound > self.bound + 1e-4 * max(abs(self.bound), 1.0))
        if raised:
            self.bound = bound
        improved = objective is not None and math.isfinite(objective) and (self.best is None or objective < self.best - 1e-9)
        if improved:
            self.best = objective
            if self.first is None:
                self.first = self.elapsed()
        if improved or raised:
            self.history.append({"seconds": round(self.elapsed(), 2), "source": source, "objective": self.best,
                                 "bound": self.bound, "gap": self.gap()})
        if self.progress:
            gap = self.gap()
            text = f"{source}: " + (f"gap {gap:.2%}" if gap is not None else "working")
            self.progress(text, min(self.elapsed() / max(self.time_limit, 1e-9), 0.99))


def solve(model: ShiftModel, options: PlanOptions = PlanOptions(), progress: Progress | None = None,
          build_seconds: float = 0.0) -> tuple[np.ndarray, SolveReport]:
    """Solve the model: LP bound, rounded first plan, then MIP from it until the gap or the time limit.

    HiGHS is driven through highspy directly (the model is already in arrays, and this exposes the
    callbacks for progress, time to first solution and the gap over time); its MIP runs in a child
    process stopped at the time limit (:mod:`scheduling.highs_mip`). CBC goes through PuLP. If HiGHS
    is not installed, CBC is used.
    """
    solver = options.solver
    if solver == "highs" and not _highs_installed():
        solver = "cbc"
        model.warnings.append("HiGHS (highspy) is not installed: solved with CBC instead.")
    tracker = _Tracker(time.perf_counter(), progress, options.time_limit)
    solve_with = _solve_highs if solver == "highs" else _solve_cbc
    rest = bool(model.tours) and options.rest_hours > 0
    main = replace(options, time_limit=options.time_limit * (1 - REST_SHARE)) if rest else options
    v, lp_value = solve_with(model, main, tracker)
    if rest and tracker.best is not None:
        v = _rest_repaired(model, v, options, tracker, tracker.start + options.time_limit)
    gap = tracker.gap()
    if tracker.best is None:
        status = "no solution"
    elif gap is None:
        status = "no bound"          # the LP did not finish: the plan's distance from the optimum is unknown
    elif gap <= 1e-6:
        status = "optimal"
    elif gap <= options.gap:
        status = "gap reached"
    elif tracker.elapsed() >= 0.95 * options.time_limit:
        status = "time limit"
    else:
        status = "stalled"           # the heuristics ran out of improving moves before the time limit
    if status in ("no bound", "no solution"):
        model.warnings.append(f"The LP relaxation did not finish within the time limit of {options.time_limit:g} s, so "
                              "the plan is a heuristic's with no proven distance from the best: allow more time.")
    report = SolveReport(solver=solver, status=status, objective=tracker.best, bound=tracker.bound,
                         lp_relaxation=lp_value, gap=gap, seconds=round(tracker.elapsed(), 2),
                         build_seconds=round(build_seconds, 2),
                         first_solution_seconds=None if tracker.first is None else round(tracker.first, 2),
                         history=tracker.history, size=model.size)
    return v, report


REST_SHARE = 0.05    # of the time limit kept for rest the search could not give (rarely used)


def _rest_slots(model: ShiftModel, options: PlanOptions) -> int:
    """The least rest between a tour's consecutive days, in slots (0: no tours or no rule)."""
    return int(round(options.rest_hours * 60 / QUANTUM)) if model.tours and options.rest_hours > 0 else 0


def _rest_repaired(model: ShiftModel, v: np.ndarray, options: PlanOptions, tracker: _Tracker,
                   stop: float) -> np.ndarray:
    """The plan with starts moved where the tours would otherwise make someone work consecutive days
    with less than ``options.rest_hours`` between shifts (the roster could not staff those shifts).

    The model's rest rows let a plan pay for rest it lacks (a MIP plan may, and so may one from a
    rounding the first repair could not fully mend). Here the shifts that break it are moved at the
    least coverage cost; then local search and repair alternate until ``stop`` (the moves cost coverage,
    the search wins most of it back), and the cheapest plan that gives everyone their rest is kept."""
    rest = int(round(options.rest_hours * 60 / QUANTUM))
    search = LocalSearch(model, v, options.weights)
    if not any(search.rest_deficit(u, d, rest) for u, d in search.rest_pairs()):
        return v
    cost = model.arrays()["cost"]
    stop = max(stop, time.perf_counter() + 2.0)      # a repair needs a moment even after a late solve
    best, fewest = None, (INF, INF)                   # least rest left, then least cost
    while True:
        left = search.repair_rest(rest, stop)
        repaired = search.solution()
        if violation(model, repaired) <= 1e-6 and (left, float(cost @ repaired)) < fewest:
            best, fewest = repaired, (left, float(cost @ repaired))
        remaining = stop - time.perf_counter()
        if left or remaining < 1.0:
            break
        improved = improve(model, repaired, options.weights, remaining / 2, rest_slots=rest)
        if cost @ improved >= cost @ repaired - 1e-6:
            break                 # the search finds nothing more to win back
        search = LocalSearch(model, improved, options.weights)
    if best is None:
        return v
    if fewest[0]:
        model.warnings.append(f"{fewest[0]} agent-day(s) of the tours still cannot have {options.rest_hours:g} hours' "
                              "rest between consecutive working days: the roster will list those shifts as open.")
    tracker.best = None          # the plan with rest replaces the incumbent even though it costs a little more
    tracker.note("rest between days", float(cost @ best))
    return best


def _first_plan(model: ShiftModel, lp: np.ndarray | None, tracker: _Tracker, options: PlanOptions) -> np.ndarray | None:
    """A first plan: the LP rounded (or, when the LP did not finish, nothing), then local search,
    which adds whole agents where they pay. ``None`` if it breaks a constraint (seat limits can)."""
    if lp is not None:
        v = round_solution(model, lp)
        source = "rounded LP"
    else:
        v = complete(model, np.zeros(len(model.arrays()["lb"])))
        source = "empty plan"
    if violation(model, v) > 1e-6:
        return None
    cost = model.arrays()["cost"]
    tracker.note(source, float(cost @ v))
    placed = _breaks_placed(model, v, options, tracker.start + options.time_limit) if lp is not None else None
    if placed is not None and cost @ placed < cost @ v - 1e-6:
        # Breaks rounded from the LP's leave queues short where the shifts were rounded differently:
        # placed exactly for the rounded shifts, the 100-agent bench week starts at 124k instead of 139k.
        v = placed
        tracker.note("break placement", float(cost @ v))
    rest = _rest_slots(model, options)
    if rest:
        # Rest first, while moving starts is cheap: the search then keeps it and wins the cost back.
        search = LocalSearch(model, v, options.weights, rest)
        search.repair_rest(rest, time.perf_counter() + 0.1 * options.time_limit)
        v = search.solution()
    budget = options.time_limit - tracker.elapsed() - 0.5
    if len(model.arrays()["row_lb"]) <= LARGE_ROWS:
        budget = min(0.3 * options.time_limit, budget)   # leave the MIP time to prove optimality
    if budget > 0 and (tracker.gap() is None or tracker.gap() > options.gap):
        v = _searched(model, v, tracker, options, time.perf_counter() + budget, rest, lp)
    return v


def _searched(model: ShiftModel, v: np.ndarray, tracker: _Tracker, options: PlanOptions, stop: float,
              rest: int, lp: np.ndarray | None = None) -> np.ndarray:
    """The cheapest plan local search and exact break placement find from ``v`` by ``stop``.

    First placement: the tours stay as rounded from the LP while shifts move and breaks are placed,
    the two in turn until neither gains, so that agents are then bought only where placement cannot
    cover. Then the whole search, in turn with break placement. The search places breaks one agent at
    a time; placing all of them at once (a small MIP) wins more and lets a stalled search move on.
    Measured: the 100-agent bench week went from 2.77% to 2.22% from the bound, the page's sample week
    from 2.33% to 2.08%, the 1,000-agent week from 0.31% to 0.29%."""
    target = tracker.bound / (1 - options.gap) if tracker.bound is not None else -INF
    cost = model.arrays()["cost"]
    best = [v, float(cost @ v)]
    polish = lp is not None and len(model.arrays()["row_lb"]) > LARGE_ROWS and _highs_installed()   # no MIP follows
    search_stop = stop - POLISH_SHARE * options.time_limit if polish else stop

    def keep(plan: np.ndarray, source: str = "local search") -> bool:
        # The search judges cover per 15-minute slot, the objective per interval: a plan is kept (and
        # reported) only if the objective agrees it is better, so the report is always the plan's cost.
        value = float(cost @ plan)
        if value < best[1] - 1e-6 and violation(model, plan) <= 1e-6:
            best[:] = [plan, value]
            tracker.note(source, value)
            return True
        return False

    for whole_agents in (False, True):
        while time.perf_counter() < search_stop and best[1] > target:
            keep(improve(model, best[0], options.weights, search_stop - time.perf_counter(), target,
                         rest_slots=rest, whole_agents=whole_agents))
            placed = _breaks_placed(model, best[0], options, search_stop)
            if placed is None or not keep(placed, "break placement"):
                break
    if polish and best[1] > target:
        _polish(model, best[0], lp, options, tracker, stop, keep)
    return best[0]


POLISH_SHARE = 0.2   # of the time limit kept from local search for re-solving parts exactly (:func:`_polish`)


def _highs_installed() -> bool:
    try:
        import highspy  # noqa: F401
    except ImportError:
        return False
    return True


def _polish(model: ShiftModel, v: np.ndarray, lp: np.ndarray, options: PlanOptions, tracker: _Tracker,
            stop: float, keep: Callable[[np.ndarray, str], bool]) -> None:
    """One queue's shifts starting within 8 hours of one day, and their breaks, re-solved exactly by HiGHS,
    the rest of ``v`` held (tours too, so each site's shifts per day stay as they are), part after part
    until ``stop``; ``keep`` sees every better plan. Local search moves one agent at a time; this moves
    a part's worth at once, and finds exact covers of a queue's curve that single moves cannot reach.

    With the tours held each part keeps its shift count, so what a part can win is its shortfall and
    over-staffing beyond the LP's in the same hours: parts are tried in order of that per column
    (a small MIP solves fast), and parts with nothing to win are left out."""
    seconds = stop - time.perf_counter()
    if seconds < 1.0:
        return
    a = model.arrays()

    def improved(plan: np.ndarray) -> bool:
        keep(complete(model, np.where(a["integer"], np.round(plan), plan)), "neighbourhood MIP")
        return tracker.gap() is not None and tracker.gap() <= options.gap

    def report(source: str, objective: float | None, bound: float | None) -> None:
        if source == "working":
            tracker.tick("re-solving each queue's day exactly")

    parts, groups, excess = _neighbourhoods(model, v, lp)
    worth = excess > PART_WORTH
    order = np.argsort(-excess / np.array([len(part) for part in parts]), kind="stable")
    order = order[worth[order]]
    if len(order):
        workers = min(options.threads or os.cpu_count() or 1, POLISH_WORKERS)
        run_polish(a, v, [parts[i] for i in order], groups[order], seconds, workers, improved, report)


PART_WORTH = 1.0   # currency: parts whose excess shortfall and over-staffing is less are not re-solved
PART_SLOTS = 8 * 60 // QUANTUM   # a part's shifts start within these many slots of the same day
POLISH_WORKERS = 2  # processes re-solving parts at once (each queue's parts in one of them)


def _neighbourhoods(model: ShiftModel, v: np.ndarray, lp: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Per queue, tour day and ``PART_SLOTS`` window of start times: the queue's shift columns there and
    the break columns its break classes have under those shifts; the part's queue; and the cost of the
    shortfall and over-staffing of ``v`` beyond the ``lp``'s in the hours those shifts can cover."""
    cols = model.columns
    T = model.timeline.slots
    var, first, length = cols["var"].to_numpy(), (cols["slot"] - cols["lap"] * T).to_numpy(), cols["length"].to_numpy()
    cost = model.arrays()["cost"]
    k = model.interval_slots
    parts, groups, excess = [], [], []
    window = ((first - first.min()) % (24 * 60 // QUANTUM)) // PART_SLOTS
    for (q, _, _), index in cols.assign(window=window).groupby(["q", "day", "window"]).indices.items():
        lo, hi = first[index].min(), (first[index] + length[index]).max()
        free = [var[index]]
        for group in model.break_groups:
            if group["b"] is not None and group["queue"] == model.queues[q]:
                taus = group["taus"]
                under = (taus - lo) % T < hi - lo if model.timeline.cyclic else (taus >= lo) & (taus < hi)
                free.append(group["b"][under])
        parts.append(np.concatenate(free))
        groups.append(q)
        intervals = np.unique((np.arange(lo, hi) % T if model.timeline.cyclic else np.arange(lo, min(hi, T))) // k)
        slack = np.concatenate([model.slack["short"][q, intervals], model.slack["over"][q, intervals]])
        excess.append(float(cost[slack] @ (v[slack] - lp[slack])))
    return parts, np.array(groups, dtype=np.int64), np.array(excess)


def _breaks_placed(model: ShiftModel, v: np.ndarray, options: PlanOptions, stop: float) -> np.ndarray | None:
    """``v`` with every break placed at once, its shifts, tours and overtime kept: a MIP over the break
    columns alone, whose LP is nearly always integral (under a second for a week of 15-minute slots).
    None without flexible breaks, without HiGHS, or when no plan came back by ``stop``."""
    free = [g["b"] for g in model.break_groups if g["b"] is not None]
    seconds = stop - time.perf_counter()
    if not free or seconds < 0.5 or not _highs_installed():
        return None
    a = model.arrays()
    placed = solve_free_part(a, v, np.concatenate(free), seconds, options.threads)
    if placed is None:
        return None
    return complete(model, np.where(a["integer"], np.round(placed), placed))


def _solve_highs(model: ShiftModel, options: PlanOptions, tracker: _Tracker) -> tuple[np.ndarray, float | None]:
    import highspy
    a = model.arrays()
    # 1. LP relaxation: its optimum bounds every plan from below.
    large = len(a["row_lb"]) > LARGE_ROWS
    h = new_highs(0.75 * options.time_limit, options.threads)
    if large:
        h.setOptionValue("solver", "ipm")
        h.setOptionValue("run_crossover", "off")
    h.passModel(highs_model(a, integer=False))

    def lp_tick(event) -> None:
        tracker.tick("solving the LP relaxation (the bound)")

    h.cbSimplexInterrupt.subscribe(lp_tick)
    h.cbIpmInterrupt.subscribe(lp_tick)
    h.run()
    lp_value, lp = None, None
    if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
        lp_value = float(h.getInfo().objective_function_value)
        lp = np.array(h.getSolution().col_value)
        tracker.note("LP relaxation", bound=lp_value)
    # 2. A first plan from the LP.
    start = _first_plan(model, lp, tracker, options)
    best = start
    remaining = options.time_limit - tracker.elapsed()
    if large or remaining <= 0.5 or (tracker.gap() is not None and tracker.gap() <= options.gap):
        return (best if best is not None else np.zeros(len(a["lb"]))), lp_value
    # 3. MIP from the rounded plan, in a child process that is stopped at the time limit.
    def report(source: str, objective: float | None, bound: float | None) -> None:
        if source == "working":
            tracker.tick("MIP search")
        elif source == "failed":
            model.warnings.append("The MIP stopped early (its process ended without finishing): the plan is the "
                                  "local search's, and the gap is measured against the LP relaxation.")
        else:
            tracker.note(source, objective, bound)

    mip = run_mip(a, start, remaining, options.gap, options.threads, report)
    if mip is not None and (tracker.best is None or float(a["cost"] @ mip) <= tracker.best + 1e-6):
        best = mip
    if best is None:
        return np.zeros(len(a["lb"])), lp_value
    # Integer columns come back as 2.9999999: round them, then recompute the continuous part exactly.
    return complete(model, np.where(a["integer"], np.round(best), best)), lp_value


def _solve_cbc(model: ShiftModel, options: PlanOptions, tracker: _Tracker) -> tuple[np.ndarray, float | None]:
    import pulp
    a = model.arrays()
    problem, variables = _pulp_problem(a)
    # 1. LP relaxation.
    relaxed = pulp.COIN_CMD(path=_cbc_path(), msg=False, mip=False, timeLimit=max(1, int(0.4 * options.time_limit)))
    problem.solve(relaxed)
    lp_value, lp = None, None
    if pulp.LpStatus[problem.status] == "Optimal":
        lp = np.array([var.varValue or 0.0 for var in variables])
        lp_value = float(a["cost"] @ lp)
        tracker.note("LP relaxation", bound=lp_value)
    # 2. A first plan from the LP, given to CBC as its start.
    start = _first_plan(model, lp, tracker, options)
    if start is not None:
        for var, value in zip(variables, start):
            var.setInitialValue(value)
    remaining = max(1, int(options.time_limit - tracker.elapsed()))
    started = tracker.elapsed()
    with tempfile.TemporaryDirectory() as folder:
        log = f"{folder}/cbc.log"
        solver = pulp.COIN_CMD(path=_cbc_path(), msg=False, timeLimit=remaining, gapRel=options.gap,
                               warmStart=start is not None, threads=options.threads, logPath=log)
        problem.solve(solver)
        first, bound = _read_cbc_log(log)
    values = np.array([var.varValue if var.varValue is not None else np.nan for var in variables])
    if not np.isnan(values).any():
        values = complete(model, np.where(a["integer"], np.round(values), values))
        if violation(model, values) <= 1e-6:
            tracker.note("MIP", float(a["cost"] @ values))
            start = values if start is None or a["cost"] @ values <= a["cost"] @ start else start
    if first is not None:
        tracker.first = min(tracker.first or INF, started + first)
    if bound is not None:
        tracker.note("MIP bound", bound=bound)
    return (start if start is not None else np.zeros(len(a["lb"]))), lp_value


def _cbc_path() -> str:
    """A CBC on the PATH, else the one bundled with PuLP."""
    from pulp.apis.coin_api import pulp_cbc_path
    return shutil.which("cbc") or pulp_cbc_path


def _pulp_problem(a: dict):
    """The arrays as a PuLP problem (one variable per column, one constraint per row)."""
    import pulp
    problem = pulp.LpProblem("shift_plan", pulp.LpMinimize)
    variables = [problem.add_variable(f"c{i}", lowBound=a["lb"][i], upBound=None if np.isinf(a["ub"][i]) else a["ub"][i],
                                      cat=pulp.LpInteger if a["integer"][i] else pulp.LpContinuous)
                 for i in range(len(a["lb"]))]
    problem += pulp.LpAffineExpression([(variables[i], c) for i, c in enumerate(a["cost"]) if c != 0])
    col = np.repeat(np.arange(len(a["lb"])), np.diff(a["start"]))
    order = np.argsort(a["index"], kind="stable")
    row_start = np.searchsorted(a["index"][order], np.arange(len(a["row_lb"]) + 1))
    for r in range(len(a["row_lb"])):
        span = order[row_start[r]:row_start[r + 1]]
        expression = pulp.LpAffineExpression([(variables[c], v) for c, v in zip(col[span], a["value"][span])])
        lo, hi = a["row_lb"][r], a["row_ub"][r]
        if lo == hi:
            problem += expression == lo, f"r{r}"
        else:
            if np.isfinite(lo):
                problem += expression >= lo, f"r{r}l"
            if np.isfinite(hi):
                problem += expression <= hi, f"r{r}u"
    return problem, variables


def _read_cbc_log(path: str) -> tuple[float | None, float | None]:
    """(seconds to CBC's first integer solution, CBC's best bound) from its log, when it printed them."""
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return None, None
    first = re.search(r"Integer solution of \S+ found .*?\(([\d.]+) seconds\)", text)
    bounds = re.findall(r"best possible ([-\d.e+]+)", text) + re.findall(r"Lower bound:\s+([-\d.e+]+)", text)
    return (float(first[1]) if first else None), (float(bounds[-1]) if bounds else None)


# ----------------------------------------------------------------------------------------------
# the whole stage
# ----------------------------------------------------------------------------------------------


def plan_shifts(requirements: Requirements, sites: dict[str, Site], templates: dict[str, ShiftTemplate],
                overtime: dict[str, OvertimeRule] | None = None, options: PlanOptions = PlanOptions(), *,
                progress: Progress | None = None, fixed_coverage: pd.DataFrame | None = None) -> ShiftPlan:
    """Validated inputs -> a solved :class:`ShiftPlan` (shifts, overtime blocks, coverage, solver report)."""
    started = time.perf_counter()
    if progress:
        progress("building the model", 0.0)
    note = None
    if options.cyclic:
        requirements, note = fold_into_weeks(requirements)
    model = build_model(requirements, sites, templates, overtime, options, fixed_coverage)
    if note:
        model.warnings.insert(0, note)
    built = time.perf_counter() - started
    # The time limit is the planner's wait for the whole plan, so building the model comes out of it.
    solving = replace(options, time_limit=max(options.time_limit - built, 1.0))
    v, report = solve(model, solving, progress, build_seconds=built)
    if progress:
        progress(f"{report.status}", 1.0)
    return ShiftPlan(shifts=read_shifts(model, v, sites, templates), overtime=read_overtime(model, v, sites),
                     coverage=read_coverage(model, v), tours=read_tours(model, v), report=report, warnings=model.warnings,
                     sites=sites, templates=templates, overtime_rules=overtime or {}, timeline=model.timeline, interval_minutes=requirements.interval_minutes,
                     options=options)
