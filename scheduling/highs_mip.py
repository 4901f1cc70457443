"""HiGHS for the shift model's arrays, and its MIPs in child processes so that the time limit holds.

HiGHS checks its time limit and its interrupt callback between steps but not inside some root-node
heuristics: given a start plan, its line-search rounding ran 47 s past a 15 s limit on a one-week,
one-site model. So the MIP (:func:`run_mip`), and the part-by-part re-solving of a plan (:func:`run_polish`),
run in child processes that are stopped at the deadline; every better plan a child finds is sent to
the parent as it is found, so stopping it loses nothing.

This module imports only numpy and highspy, so the child starts in a fraction of a second.
"""
from __future__ import annotations

import io
import json
import math
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parent.parent      # so that ``-m scheduling.highs_mip`` finds the package

INF = math.inf
GRACE_SECONDS = 1.0       # after the deadline, for the child's last message, before it is stopped
REPORT_SECONDS = 0.5      # between the child's reports of its bound
PART_SECONDS = 0.75       # time for one part of a plan re-solved exactly (:func:`_polish`), doubled
MAX_PART_SECONDS = 6.0    # each round that finds nothing better, up to this
MIN_PART_SECONDS = 0.3    # no part is started with less time left
PART_GAP = 1.0            # currency: a part's plan within this of its optimum counts as proved optimal


def highs_model(a: dict, integer: bool):
    """A ``highspy.HighsLp`` of the model arrays (``ShiftModel.arrays()``); integer columns kept if ``integer``."""
    import highspy
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(a["lb"]), len(a["row_lb"])
    inf = highspy.kHighsInf
    lp.col_cost_ = a["cost"]
    lp.col_lower_, lp.col_upper_ = a["lb"], np.where(np.isinf(a["ub"]), inf, a["ub"])
    lp.row_lower_ = np.where(np.isinf(a["row_lb"]), -inf, a["row_lb"])
    lp.row_upper_ = np.where(np.isinf(a["row_ub"]), inf, a["row_ub"])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = a["start"], a["index"], a["value"]
    if integer:
        kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
        lp.integrality_ = [kinds[int(i)] for i in a["integer"]]
    return lp


def new_highs(time_limit: float, threads: int | None = None):
    """A quiet, seeded ``highspy.Highs`` with a time limit (seconds)."""
    import highspy
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(float(time_limit), 0.5))
    h.setOptionValue("random_seed", 0)
    if threads:
        h.setOptionValue("threads", int(threads))
    return h


def solve_free_part(a: dict, v: np.ndarray, free: np.ndarray, seconds: float, threads: int | None) -> np.ndarray | None:
    """HiGHS's MIP of arrays ``a`` over the integer columns ``free`` (indices) and the continuous ones,
    every other integer column held at its value in ``v``. Returns the optimum (or the best plan found
    within ``seconds``), or None if there is none.

    It runs in this process: without a start plan HiGHS does not run the root rounding that overruns
    its time limit (see the module docstring), and the free part is meant to be small."""
    return _free_part(a, v, free, seconds, threads)[0]


def _free_part(a: dict, v: np.ndarray, free: np.ndarray, seconds: float, threads: int | None,
               start: bool = False, abs_gap: float = 0.0) -> tuple[np.ndarray | None, float, bool]:
    """(solution or None, its objective, proved optimal within ``abs_gap``) of the MIP over ``free``,
    from ``v`` as the start plan if ``start``."""
    import highspy
    held = np.ones(len(a["lb"]), dtype=bool)
    held[free] = False
    held &= a["integer"].astype(bool)
    lb, ub = a["lb"].copy(), a["ub"].copy()
    lb[held] = ub[held] = np.round(v[held])
    h = new_highs(seconds, threads)
    h.setOptionValue("mip_abs_gap", abs_gap)
    h.passModel(highs_model({**a, "lb": lb, "ub": ub}, integer=True))
    if start:
        solution = highspy.HighsSolution()
        solution.col_value = list(v)
        solution.value_valid = True
        h.setSolution(solution)
    h.run()
    info = h.getInfo()
    if info.primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible:
        return None, INF, False
    proved = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return np.array(h.getSolution().col_value), float(info.objective_function_value), proved


def _child(a: dict, start: np.ndarray | None, deadline: float, gap: float, threads: int | None,
           send: Callable) -> None:
    """The MIP from ``start`` until the gap or the wall-clock ``deadline`` (``time.time()``). Calls
    ``send("MIP", objective, bound, solution)`` per better plan, ``send("MIP bound", None, bound, None)``
    now and then, and ``send("done", objective, bound, solution or None)`` at the end."""
    import highspy
    h = new_highs(deadline - time.time(), threads)
    h.setOptionValue("mip_rel_gap", gap)
    h.passModel(highs_model(a, integer=True))
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = list(start)
        solution.value_valid = True
        h.setSolution(solution)
    reported = [0.0]

    def improving(event) -> None:
        out = event.data_out
        send("MIP", float(out.objective_function_value), float(out.mip_dual_bound), np.array(out.mip_solution))

    def interrupt(event) -> None:
        out = event.data_out
        objective, bound = float(out.objective_function_value), float(out.mip_dual_bound)
        if time.time() - reported[0] >= REPORT_SECONDS:
            reported[0] = time.time()
            send("MIP bound", None, bound, None)
        if time.time() >= deadline or (np.isfinite(objective) and np.isfinite(bound)
                                       and objective - bound <= gap * max(abs(objective), 1e-9)):
            event.data_in.user_interrupt = True

    h.cbMipImprovingSolution.subscribe(improving)
    h.cbMipInterrupt.subscribe(interrupt)
    h.run()
    info = h.getInfo()
    found = info.primal_solution_status == 2
    send("done", float(info.objective_function_value) if found else None, float(info.mip_dual_bound),
         np.array(h.getSolution().col_value) if found else None)


def _polish(a: dict, start: np.ndarray, parts: list[np.ndarray], groups: np.ndarray, deadline: float,
            threads: int | None, send: Callable) -> None:
    """Re-solve one part of the plan at a time exactly (the integer columns ``parts[i]`` free, all others
    held), from ``start``, in the order given and round again, until the wall-clock ``deadline`` or
    until every part is proved optimal. A part proved optimal is skipped until a part of its
    ``groups[i]`` (e.g. its queue) changes. ``send`` as for :func:`_child`, per better plan."""
    v = start.copy()
    integer = a["integer"].astype(bool)
    value = float(a["cost"] @ v)
    proved = np.zeros(len(parts), dtype=bool)
    changed, limit = True, PART_SECONDS
    while changed and not proved.all() and time.time() < deadline - MIN_PART_SECONDS:
        changed = False                 # a round without a better plan would only repeat itself
        for i in np.flatnonzero(~proved):
            seconds = min(limit, deadline - time.time())
            if seconds < MIN_PART_SECONDS:
                break
            solution, objective, optimal = _free_part(a, v, parts[i], seconds, threads, start=True, abs_gap=PART_GAP)
            proved[i] = optimal
            if solution is not None and objective < value - PART_GAP:
                v = np.where(integer, np.round(solution), solution)
                value = objective
                proved[groups == groups[i]] = False
                proved[i] = optimal
                changed = True
                send("neighbourhood MIP", value, None, v)
        if not changed and limit < MAX_PART_SECONDS:
            changed, limit = True, 2 * limit       # the parts that ran out of time get longer
    send("done", None, None, None)


def run_mip(a: dict, start: np.ndarray | None, seconds: float, gap: float, threads: int | None,
            report: Callable[[str, float | None, float | None], None]) -> np.ndarray | None:
    """HiGHS's MIP of arrays ``a`` from plan ``start`` for at most ``seconds`` (wall clock, the child's
    start-up included), stopping at relative ``gap``. ``report(source, objective, bound)`` sees every
    better plan and bound, ``("working", None, None)`` while there is no news and ``("failed", None, None)``
    if the child ended without finishing (it crashed or could not start). Returns the best plan
    the MIP found (which may cost more than ``start``), or None."""
    best = [None]

    def heard(message: dict) -> None:
        if message["solution"] is not None:
            best[0] = np.array(message["solution"], dtype=float)
        done = message["source"] == "done"
        report("MIP" if done else message["source"], message["objective"], message["bound"])

    deadline = time.time() + seconds
    _in_child({**a, "start_plan": np.zeros(0) if start is None else start,
               "settings": np.array([deadline, gap, threads or 0, start is not None], dtype=float)},
              deadline, heard, report)
    return best[0]


def run_polish(a: dict, start: np.ndarray, parts: list[np.ndarray], groups: np.ndarray, seconds: float,
               workers: int, improved: Callable[[np.ndarray], bool],
               report: Callable[[str, float | None, float | None], None]) -> None:
    """:func:`_polish` of plan ``start`` for at most ``seconds``, in ``workers`` child processes (one
    HiGHS thread each) that share out the ``groups`` and so never re-solve the same columns.
    ``improved(plan)`` per better plan of any of them, merged with the others' best so far (integer
    columns whole, the continuous ones from ``start``: the caller recomputes them), which returns True
    when the plan is good enough to stop; ``report`` as for :func:`run_mip` while there is no news or if
    a child failed. Both are called in this thread."""
    deadline = time.time() + seconds
    shares = _share_out(parts, groups, workers)
    integer = a["integer"].astype(bool)
    merged = np.where(integer, np.round(start), start)
    messages: queue.Queue = queue.Queue()
    enough = threading.Event()

    def work(share: list[int]) -> None:
        owned = np.concatenate([parts[i] for i in share])
        _in_child({**a, "start_plan": start, "parts": owned, "groups": groups[share],
                   "part_ends": np.cumsum([len(parts[i]) for i in share]).astype(np.int64),
                   "settings": np.array([deadline, 0.0, 1 if workers > 1 else 0, 1.0], dtype=float)},
                  deadline, lambda message: messages.put((owned, message)),
                  lambda source, *_: messages.put((None, source)) if source == "failed" else None, enough)
        messages.put(None)

    running = [threading.Thread(target=work, args=(share,), daemon=True) for share in shares]
    for thread in running:
        thread.start()
    left = len(running)
    while left and time.time() < deadline + 2 * GRACE_SECONDS:
        try:
            item = messages.get(timeout=REPORT_SECONDS)
        except queue.Empty:
            report("working", None, None)
            continue
        if item is None:
            left -= 1
        elif item[0] is None:
            report("failed", None, None)
        elif item[1]["solution"] is not None:
            owned = item[0]
            merged[owned] = np.round(np.array(item[1]["solution"], dtype=float)[owned])
            if improved(merged.copy()):
                break
    enough.set()
    for thread in running:                    # each stops its child within REPORT_SECONDS
        thread.join(timeout=REPORT_SECONDS + GRACE_SECONDS)


def _share_out(parts: list[np.ndarray], groups: np.ndarray, workers: int) -> list[list[int]]:
    """Part indices per worker, whole groups to one worker, the groups' first parts dealt out in turn
    (so each worker starts with its most promising parts); empty shares dropped."""
    firsts = {}
    for i, g in enumerate(groups):
        firsts.setdefault(int(g), i)
    owner = {g: n % max(workers, 1) for n, g in enumerate(sorted(firsts, key=firsts.get))}
    shares = [[i for i, g in enumerate(groups) if owner[int(g)] == w] for w in range(max(workers, 1))]
    return [share for share in shares if share]


def _in_child(payload: dict, deadline: float, heard: Callable[[dict], None],
              report: Callable[[str, float | None, float | None], None], stop: threading.Event | None = None) -> None:
    """Run :func:`_main` in a child on ``payload`` until it says it is done, the ``deadline`` (wall
    clock) passes or ``stop`` is set, then stop it; ``heard(message)`` per message.

    The child is ``python -m scheduling.highs_mip`` (not multiprocessing, which would re-run a caller's
    script without a main guard): the problem goes in on stdin as an ``.npz``, messages come back as JSON
    lines (no pickles either way)."""
    problem = io.BytesIO()
    np.savez(problem, **payload)
    child = subprocess.Popen([sys.executable, "-m", "scheduling.highs_mip"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT)
    messages: queue.Queue = queue.Queue()

    def listen() -> None:
        try:
            for line in child.stdout:
                messages.put(json.loads(line))
        except (ValueError, OSError):
            pass
        messages.put(None)              # the child ended, with or without its last word

    try:
        child.stdin.write(problem.getbuffer())
        child.stdin.close()
        threading.Thread(target=listen, daemon=True).start()
        while time.time() < deadline + GRACE_SECONDS and not (stop and stop.is_set()):
            try:
                message = messages.get(timeout=REPORT_SECONDS)
            except queue.Empty:
                report("working", None, None)
                continue
            if message is None:       # ended without its last word: it crashed or could not start
                report("failed", None, None)
                break
            heard(message)
            if message["source"] == "done":
                break
    except OSError:                   # the child could not start or read the problem
        report("failed", None, None)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()


def _main() -> None:
    # Messages go to a private copy of stdout; HiGHS (a banner in some versions) writes to the real one.
    out = os.fdopen(os.dup(1), "w")
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    data = np.load(io.BytesIO(sys.stdin.buffer.read()), allow_pickle=False)
    deadline, gap, threads, has_start = data["settings"]
    a = {key: data[key] for key in data.files if key not in ("start_plan", "settings", "parts", "part_ends", "groups")}

    def send(source: str, objective: float | None, bound: float | None, solution: np.ndarray | None) -> None:
        out.write(json.dumps({"source": source, "objective": objective, "bound": bound,
                              "solution": None if solution is None else solution.tolist()}) + "\n")
        out.flush()

    if "parts" in data.files:
        parts = np.split(data["parts"], data["part_ends"][:-1])
        _polish(a, data["start_plan"], parts, data["groups"], float(deadline), int(threads) or None, send)
    else:
        _child(a, data["start_plan"] if has_start else None, float(deadline), float(gap), int(threads) or None, send)


if __name__ == "__main__":
    _main()
