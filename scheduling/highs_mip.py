"""HiGHS for the shift model's arrays, and its MIP in a child process so that the time limit holds.

HiGHS checks its time limit and its interrupt callback between steps but not inside some root-node
heuristics: given a start plan, its line-search rounding ran 47 s past a 15 s limit on a one-week,
one-site model. So the MIP runs in a child process that is stopped at the deadline; every better plan
the child finds is sent to the parent as it is found, so stopping it loses nothing.

This module imports only numpy and highspy, so the child starts in a fraction of a second.
"""
from __future__ import annotations

import io
import json
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

GRACE_SECONDS = 1.0       # after the deadline, for the child's last message, before it is stopped
REPORT_SECONDS = 0.5      # between the child's reports of its bound


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
    import highspy
    held = np.ones(len(a["lb"]), dtype=bool)
    held[free] = False
    held &= a["integer"].astype(bool)
    lb, ub = a["lb"].copy(), a["ub"].copy()
    lb[held] = ub[held] = np.round(v[held])
    h = new_highs(seconds, threads)
    h.passModel(highs_model({**a, "lb": lb, "ub": ub}, integer=True))
    h.run()
    if h.getInfo().primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible:
        return None
    return np.array(h.getSolution().col_value)


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


def run_mip(a: dict, start: np.ndarray | None, seconds: float, gap: float, threads: int | None,
            report: Callable[[str, float | None, float | None], None]) -> np.ndarray | None:
    """HiGHS's MIP of arrays ``a`` from plan ``start`` for at most ``seconds`` (wall clock, the child's
    start-up included), stopping at relative ``gap``. ``report(source, objective, bound)`` sees every
    better plan and bound, ``("working", None, None)`` while there is no news and ``("failed", None, None)``
    if the child ended without finishing (it crashed or could not start). Returns the best plan
    the MIP found (which may cost more than ``start``), or None.

    The child is ``python -m scheduling.highs_mip`` (not multiprocessing, which would re-run a caller's
    script without a main guard): the problem goes in on stdin as an ``.npz``, messages come back as JSON
    lines (no pickles either way)."""
    deadline = time.time() + seconds
    problem = io.BytesIO()
    np.savez(problem, **a, start_plan=np.zeros(0) if start is None else start,
             settings=np.array([deadline, gap, threads or 0, start is not None], dtype=float))
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

    best = None
    try:
        child.stdin.write(problem.getbuffer())
        child.stdin.close()
        threading.Thread(target=listen, daemon=True).start()
        while time.time() < deadline + GRACE_SECONDS:
            try:
                message = messages.get(timeout=REPORT_SECONDS)
            except queue.Empty:
                report("working", None, None)
                continue
            if message is None:       # ended without its last word: it crashed or could not start
                report("failed", None, None)
                break
            if message["solution"] is not None:
                best = np.array(message["solution"], dtype=float)
            done = message["source"] == "done"
            report("MIP" if done else message["source"], message["objective"], message["bound"])
            if done:
                break
    except OSError:                   # the child could not start or read the problem
        report("failed", None, None)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
    return best


def _main() -> None:
    # Messages go to a private copy of stdout; HiGHS (a banner in some versions) writes to the real one.
    out = os.fdopen(os.dup(1), "w")
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    data = np.load(io.BytesIO(sys.stdin.buffer.read()), allow_pickle=False)
    deadline, gap, threads, has_start = data["settings"]
    a = {key: data[key] for key in data.files if key not in ("start_plan", "settings")}

    def send(source: str, objective: float | None, bound: float | None, solution: np.ndarray | None) -> None:
        out.write(json.dumps({"source": source, "objective": objective, "bound": bound,
                              "solution": None if solution is None else solution.tolist()}) + "\n")
        out.flush()

    _child(a, data["start_plan"] if has_start else None, float(deadline), float(gap), int(threads) or None, send)


if __name__ == "__main__":
    _main()
