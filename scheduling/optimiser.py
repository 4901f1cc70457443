"""The shift-plan MILP: data -> variables -> constraints -> objective, then a solve with a reported gap.

Variables (agent counts on the 15-minute UTC timeline of :mod:`scheduling.shifts`):

- ``x[c]`` integer: agents starting candidate shift ``c`` = (site, queue, template, start instant). One
  queue per shift, so a site serving three queues has three columns per start; no two columns are equal.
- ``y[q, t]`` continuous: agents on shift for queue ``q`` in slot ``t``, defined by a running count
  (``y[t] = y[t-1] + starts[t] - ends[t]``), so a shift sits in two rows instead of one row per slot it
  covers (8.5-hour shifts at 15-minute slots: 34).
- ``b[g, tau]`` integer, ``p[g, tau]`` continuous: implicit flexible breaks (Bechtold-Jacobs / Aykin
  style). A break class ``g`` is a queue, a break length and a window relative to the start; it pools
  every site and template with that window, because which site's agent is on break does not change the
  queue's coverage. ``b`` counts breaks starting in slot ``tau``; ``p`` counts agents whose window has
  opened and who have not had the break: ``p[tau] = p[tau-1] + opened[tau] - b[tau] >= 0`` (nobody
  breaks before the window opens) and at each window's close ``p`` may hold only agents whose windows
  opened later (nobody breaks after it closes). All windows of a class are equally long, so these are
  Hall's conditions for ordered intervals: breaks can always be matched to agents first come, first
  served, which is how the plan's break times are read. No break combinations are enumerated.
- ``o[s, q, side, anchor, L]`` integer: overtime extensions of ``L`` slots before a start or after an
  end, at most as many as shifts starting/ending there; only those whose last added part reaches the
  upper band are generated (the others cost more and cover nothing more than a shorter one).
- ``w[s, template, week, pattern]`` integer: weekly tours (days-off patterns); ``n[s, template, week]``
  for an ``any`` rule. Shifts per local day = agents whose pattern works that day.
- ``cover``, ``overtime`` per queue and interval (defined from ``y``, ``b`` and ``o``), and the slacks
  ``short``, ``over``, ``short_up``.
- running sums of each tour day's starts and ``rest deficit`` slacks for the rest between days.

Constraints: coverage (cover + short - over = scheduled; cover + overtime + short + short_up >=
scheduled_upper) with their mixed-integer rounding cuts, running counts, break chains, overtime links
and weekly caps, tours with ``rest_hours`` (11) between the shifts of consecutive days (Hall's conditions
on start times, :func:`_rest_rows`), and the site limits (head count per week, or seats per slot).

Objective (currency): shift costs (paid hours, night and holiday premiums) + overtime cost x expected
use + penalties per agent-hour for shortfall, upper-band shortfall and over-staffing; an agent-day
without its rest costs that shift's hours of shortfall (the roster would leave the shift open).

Solve (:func:`solve`): the LP relaxation (HiGHS interior point on large models) gives the bound; the
LP is rounded (tours first, then starts along time, then breaks along the LP's cumulative break count),
any rest the rounding broke is repaired, and local search improves it without taking rest away; small
models then go to the HiGHS MIP from that start, which proves the gap or closes it. On large models,
whose MIP cannot start in time, the last share of the time re-solves the plan part by part with HiGHS
(one queue's shifts starting within 8 hours of a day, tours held: :func:`_polish`). Rest the search
could not give is repaired in the last moments (:func:`_rest_repaired`). Every solve reports status,
objective, bound, LP relaxation, gap and gap over time.
"""
from __future__ import annotations

import math
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Literal

import numpy as np
import pandas as pd

from scheduling.highs_mip import highs_model, new_highs, run_mip, run_polish, solve_free_part
from scheduling.shifts import (QUANTUM, SLOT, Timeline, break_windows, candidate_shifts, fold_into_weeks,
                               slot_requirements, uncoverable)
from scheduling.sites import OvertimeRule, Requirements, ShiftTemplate, Site

INF = math.inf


# ----------------------------------------------------------------------------------------------
# options and results
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Weights:
    """Objective weights, currency per agent-hour (``overtime_use`` is a share)."""

    shortfall: float = 400.0          # per agent-hour below ``scheduled``
    upper_shortfall: float = 60.0     # per agent-hour below ``scheduled_upper`` (the overtime band)
    overstaffing: float = 2.0         # per agent-hour above ``scheduled`` (base shifts only)
    overtime_use: float = 0.5         # expected share of offered overtime that is called: weights its cost


@dataclass(frozen=True)
class PlanOptions:
    """How to plan and solve. ``gap`` is the relative gap at which the solver stops (0.005 = 0.5%)."""

    solver: Literal["highs", "cbc"] = "highs"
    time_limit: float = 60.0
    gap: float = 0.005
    threads: int | None = None
    cyclic: bool = True
    flexible_breaks: bool = True
    weights: Weights = field(default_factory=Weights)
    fte_hours_per_week: float = 40.0
    rest_hours: float = 11.0          # least rest between one agent's shifts on consecutive days (0: not enforced)


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
# a small sparse model: blocks of variables and rows, entries as triplets
# ----------------------------------------------------------------------------------------------


class SparseModel:
    """Columns and rows added block by block; ``entries`` are (row, column, value) triplets."""

    def __init__(self) -> None:
        self.n_cols = 0
        self.n_rows = 0
        self._cols: list[tuple[np.ndarray, np.ndarray, np.ndarray, bool]] = []   # lb, ub, cost, integer
        self._rows: list[tuple[np.ndarray, np.ndarray]] = []
        self._entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.blocks: dict[str, tuple[str, int, int]] = {}   # name -> (kind, first index, count)

    def variables(self, name: str, count: int, *, lb: float | np.ndarray = 0.0, ub: float | np.ndarray = INF,
                  cost: float | np.ndarray = 0.0, integer: bool = False) -> np.ndarray:
        first = self.n_cols
        self._cols.append((np.broadcast_to(np.asarray(lb, float), count), np.broadcast_to(np.asarray(ub, float), count),
                           np.broadcast_to(np.asarray(cost, float), count), integer))
        self.n_cols += count
        self.blocks[name] = ("columns", first, count)
        return np.arange(first, first + count)

    def rows(self, name: str, count: int, *, lb: float | np.ndarray = -INF, ub: float | np.ndarray = INF) -> np.ndarray:
        first = self.n_rows
        self._rows.append((np.broadcast_to(np.asarray(lb, float), count), np.broadcast_to(np.asarray(ub, float), count)))
        self.n_rows += count
        self.blocks[name] = ("rows", first, count)
        return np.arange(first, first + count)

    def add(self, rows: np.ndarray, cols: np.ndarray, values: float | np.ndarray) -> None:
        rows, cols = np.asarray(rows, np.int64), np.asarray(cols, np.int64)
        self._entries.append((rows, cols, np.broadcast_to(np.asarray(values, float), rows.shape).copy()))

    def arrays(self) -> dict[str, np.ndarray]:
        """Column bounds/costs/integrality, row bounds and the CSC matrix (duplicate entries summed)."""
        lb = np.concatenate([c[0] for c in self._cols]) if self._cols else np.zeros(0)
        ub = np.concatenate([c[1] for c in self._cols]) if self._cols else np.zeros(0)
        cost = np.concatenate([c[2] for c in self._cols]) if self._cols else np.zeros(0)
        integer = np.concatenate([np.full(len(c[0]), c[3]) for c in self._cols]) if self._cols else np.zeros(0, bool)
        row_lb = np.concatenate([r[0] for r in self._rows]) if self._rows else np.zeros(0)
        row_ub = np.concatenate([r[1] for r in self._rows]) if self._rows else np.zeros(0)
        rows = np.concatenate([e[0] for e in self._entries]) if self._entries else np.zeros(0, np.int64)
        cols = np.concatenate([e[1] for e in self._entries]) if self._entries else np.zeros(0, np.int64)
        vals = np.concatenate([e[2] for e in self._entries]) if self._entries else np.zeros(0)
        key = cols * max(self.n_rows, 1) + rows
        unique, inverse = np.unique(key, return_inverse=True)
        summed = np.bincount(inverse, weights=vals, minlength=len(unique))
        keep = summed != 0
        unique, summed = unique[keep], summed[keep]
        col_of, row_of = unique // max(self.n_rows, 1), unique % max(self.n_rows, 1)
        start = np.searchsorted(col_of, np.arange(self.n_cols + 1))
        return {"lb": lb, "ub": ub, "cost": cost, "integer": integer, "row_lb": row_lb, "row_ub": row_ub,
                "start": start.astype(np.int32), "index": row_of.astype(np.int32), "value": summed}


# ----------------------------------------------------------------------------------------------
# the model
# ----------------------------------------------------------------------------------------------


@dataclass
class ShiftModel:
    """The built model plus what is needed to round, complete and read a solution."""

    sparse: SparseModel
    timeline: Timeline
    interval_slots: int                   # slots per requirement interval
    interval_minutes: int
    queues: list[str]
    columns: pd.DataFrame                 # shift columns: candidate fields + queue, q, var
    break_groups: list[dict]              # per break class: members, window, b/p variables
    tours: list[dict]                     # per (site, template, week): pattern or agent variables
    overtime: pd.DataFrame                # overtime columns: site, queue, side, anchor, length, first, var, cost
    requirement: dict[str, tuple[np.ndarray, np.ndarray]]
    slack: dict[str, np.ndarray]          # short / over / short_up variable per (queue, interval), -1 = none
    on_shift: np.ndarray                  # running-count variables per (queue, slot)
    on_overtime: np.ndarray | None
    overtime_caps: list[dict]             # per (site, week): overtime columns, headcount variables, hours cap
    windows: dict[str, list]              # template -> its BreakWindows (in slots) as modelled
    seat_sites: set[str]                  # sites limited by seats rather than headcount
    headcount_caps: dict[str, int]        # site -> most agents on its weekly tours
    warnings: list[str]
    size: dict
    rest: list[dict] = field(default_factory=list)   # running sums of starts and rest conditions (_rest_rows)
    _arrays: dict | None = field(default=None, repr=False)

    def arrays(self) -> dict[str, np.ndarray]:
        """The solver arrays (built once)."""
        if self._arrays is None:
            self._arrays = self.sparse.arrays()
        return self._arrays


def build_model(requirements: Requirements, sites: dict[str, Site], templates: dict[str, ShiftTemplate],
                overtime: dict[str, OvertimeRule] | None = None, options: PlanOptions = PlanOptions(),
                fixed_coverage: pd.DataFrame | None = None) -> ShiftModel:
    """Data -> variables -> constraints -> objective. ``fixed_coverage`` (``queue, ds, agents``) is
    coverage already given by the neighbouring weeks' fixed shifts (open horizon); it is subtracted."""
    timeline = Timeline.for_requirements(requirements, cyclic=options.cyclic)
    k = requirements.interval_minutes // QUANTUM
    requirement = _net_requirement(slot_requirements(requirements, timeline), fixed_coverage, timeline, k)
    queues = sorted(requirement)
    used_sites = {s: site for s, site in sites.items() if set(site.queues) & set(queues)}
    candidates = candidate_shifts(used_sites, templates, timeline)
    warnings = uncoverable(requirements, timeline, candidates, used_sites)
    if timeline.weeks == 0:
        warnings.append(f"The horizon is {timeline.slots * QUANTUM / 1440:g} days, not whole weeks: weekly tours "
                        "(days per week, days off) are not applied.")

    m = SparseModel()
    columns = _shift_columns(m, candidates, used_sites, queues)
    slack, cover_rows, overtime_rows = _coverage_rows(m, requirement, queues, k, options.weights,
                                                      requirements.interval_minutes)
    on_shift = _running_counts(m, "on shift", columns["q"].to_numpy(), columns["slot"].to_numpy(),
                               columns["length"].to_numpy(), columns["var"].to_numpy(), len(queues), timeline, k,
                               [cover_rows])
    groups = _break_chains(m, columns, templates, timeline, k, cover_rows, queues, options.flexible_breaks)
    tours, headcount = _tours(m, columns, templates, used_sites, timeline, candidates)
    rest = _rest_rows(m, columns, tours, timeline, options.rest_hours, options.weights)
    extensions, on_overtime, caps = _overtime(m, columns, overtime or {}, used_sites, timeline, k, requirement,
                                              overtime_rows, queues, options.weights, headcount)
    _site_limits(m, columns, used_sites, timeline, headcount, extensions)
    size = {"columns": m.n_cols, "rows": m.n_rows, "integer_columns": int(sum(len(c[0]) for c in m._cols if c[3])),
            "nonzeros": int(sum(len(e[0]) for e in m._entries)), "shift_columns": len(columns),
            "break_columns": int(sum(len(g["b"]) for g in groups if g["b"] is not None)),
            "overtime_columns": len(extensions), "break_classes": len(groups)}
    return ShiftModel(m, timeline, k, requirements.interval_minutes, queues, columns, groups, tours, extensions,
                      requirement, slack, on_shift, on_overtime, caps,
                      {name: break_windows(t, flexible=options.flexible_breaks) for name, t in templates.items()},
                      {s for s, site in used_sites.items() if site.max_agents_kind == "seats"},
                      {s: site.max_agents for s, site in used_sites.items() if site.max_agents_kind == "headcount"},
                      warnings, size, rest)


def _net_requirement(requirement: dict[str, tuple[np.ndarray, np.ndarray]], fixed: pd.DataFrame | None,
                     timeline: Timeline, k: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    if fixed is None or fixed.empty:
        return requirement
    out = {}
    for queue, (base, upper) in requirement.items():
        rows = fixed[fixed["queue"] == queue]
        index = ((pd.to_datetime(rows["ds"], utc=True) - timeline.start) // (SLOT * k)).to_numpy(dtype=np.int64)
        given = np.zeros(len(base))
        inside = (index >= 0) & (index < len(base))
        np.add.at(given, index[inside], rows["agents"].to_numpy(dtype=float)[inside])
        out[queue] = (np.maximum(base - given, 0), np.maximum(upper - given, 0))
    return out


def _shift_columns(m: SparseModel, candidates: pd.DataFrame, sites: dict[str, Site], queues: list[str]) -> pd.DataFrame:
    """One integer column per candidate shift and queue its site serves; bound by the site's agent cap."""
    parts = []
    for site_name, site in sites.items():
        own = candidates[candidates["site"] == site_name]
        for queue in site.queues:
            if queue in queues:
                parts.append(own.assign(queue=queue))
    columns = pd.concat(parts, ignore_index=True) if parts else candidates.assign(queue=pd.Series(dtype=str))
    cap = columns["site"].map({s: site.max_agents for s, site in sites.items()}).to_numpy(dtype=float)
    columns["var"] = m.variables("x shifts", len(columns), ub=cap, cost=columns["cost"].to_numpy(), integer=True)
    columns["q"] = columns["queue"].map({q: i for i, q in enumerate(queues)}).astype(int)
    return columns


def _coverage_rows(m: SparseModel, requirement: dict, queues: list[str], k: int, weights: Weights,
                   interval_minutes: int) -> tuple[dict, np.ndarray, np.ndarray]:
    """Per queue and interval: cover + short - over = scheduled; where the upper band is above it,
    cover + overtime + short + short_up >= scheduled_upper.

    ``cover`` (agents working and not on break, averaged over the interval) and ``overtime`` are
    variables defined by rows that the other blocks fill (returned: ``cover_rows``, ``overtime_rows``).
    Because k x cover is a whole number of agent-slots, each row also gets its mixed-integer rounding
    cut: with f the fraction of k x requirement, f x cover + shortfall >= f x ceil(k x requirement) / k.
    It is what makes the LP bound see that 12.4 required agents cost 13 agents or a shortfall.
    """
    n_int = len(next(iter(requirement.values()))[0]) if requirement else 0
    base = np.stack([requirement[q][0] for q in queues]) if queues else np.zeros((0, n_int))
    upper = np.stack([requirement[q][1] for q in queues]) if queues else np.zeros((0, n_int))
    hours = interval_minutes / 60
    cover = m.variables("cover", base.size).reshape(base.shape)
    cover_rows = m.rows("cover definition", base.size, lb=0.0, ub=0.0).reshape(base.shape)
    m.add(cover_rows.ravel(), cover.ravel(), -1.0)
    rows = m.rows("coverage", base.size, lb=base.ravel(), ub=base.ravel())
    short = m.variables("shortfall", base.size, ub=base.ravel(), cost=weights.shortfall * hours).reshape(base.shape)
    over = m.variables("over-staffing", base.size, cost=weights.overstaffing * hours).reshape(base.shape)
    m.add(rows, cover.ravel(), 1.0)
    m.add(rows, short.ravel(), 1.0)
    m.add(rows, over.ravel(), -1.0)
    _rounding_cuts(m, "coverage rounding", base, k, [cover], [short])

    band = upper > base + 1e-9
    overtime = np.full(base.shape, -1, dtype=np.int64)
    overtime[band] = m.variables("overtime cover", int(band.sum()))
    overtime_rows = np.full(base.shape, -1, dtype=np.int64)
    overtime_rows[band] = m.rows("overtime definition", int(band.sum()), lb=0.0, ub=0.0)
    m.add(overtime_rows[band], overtime[band], -1.0)
    short_up = np.full(base.shape, -1, dtype=np.int64)
    short_up[band] = m.variables("upper-band shortfall", int(band.sum()), ub=(upper - base)[band],
                                 cost=weights.upper_shortfall * hours)
    upper_rows = m.rows("coverage upper band", int(band.sum()), lb=upper[band])
    for parts in (cover, overtime, short, short_up):     # a base shortfall is also short of the band
        m.add(upper_rows, parts[band], 1.0)
    _rounding_cuts(m, "upper band rounding", np.where(band, upper, 0.0), k, [cover, overtime], [short, short_up])
    slack = {"short": short, "over": over, "short_up": short_up, "cover": cover, "overtime": overtime}
    return slack, cover_rows, overtime_rows


def _rounding_cuts(m: SparseModel, name: str, need: np.ndarray, k: int, whole: list[np.ndarray],
                   slack: list[np.ndarray]) -> None:
    """f x sum(whole) + sum(slack) >= f x ceil(k x need) / k where sum(whole) x k is an integer and f the
    fraction of k x need: the mixed-integer rounding cut of sum(whole) + sum(slack) >= need."""
    scaled = need * k
    fraction = scaled - np.floor(scaled)
    cut = fraction > 1e-6
    rows = m.rows(name, int(cut.sum()), lb=fraction[cut] * np.ceil(scaled[cut]) / k)
    for part in whole:
        m.add(rows, part[cut], fraction[cut])
    for part in slack:
        m.add(rows, part[cut], 1.0)


def _cover(m: SparseModel, rows_by_queue: np.ndarray, q: np.ndarray, slots: np.ndarray, cols: np.ndarray,
           value: float, timeline: Timeline, k: int) -> None:
    """Add ``value / k`` for column ``cols`` in the coverage row of queue ``q`` holding (unwrapped) slot ``slots``."""
    slots = np.asarray(slots, np.int64)
    if timeline.cyclic:
        slots = slots % timeline.slots
        keep = np.ones(len(slots), bool)
    else:
        keep = (slots >= 0) & (slots < timeline.slots)
    rows = rows_by_queue[q[keep], slots[keep] // k]
    use = rows >= 0
    m.add(rows[use], np.asarray(cols)[keep][use], value / k)


def _running_counts(m: SparseModel, name: str, q: np.ndarray, first: np.ndarray, length: np.ndarray,
                    cols: np.ndarray, n_queues: int, timeline: Timeline, k: int, rows_by_queue: list[np.ndarray]) -> np.ndarray:
    """Agents per queue and slot of the columns covering ``[first, first + length)`` (unwrapped slots),
    as ``y[q, t] = y[q, t-1] + starting[t] - ending[t]`` with slot 0 anchored to the columns covering it.

    Each column then has two entries instead of one per slot; ``y`` goes into the given coverage rows.
    """
    T = timeline.slots
    y = m.variables(f"{name} per slot", n_queues * T).reshape(n_queues, T)
    rows = m.rows(f"{name} running count", n_queues * T, lb=0.0, ub=0.0).reshape(n_queues, T)
    m.add(rows.ravel(), y.ravel(), 1.0)
    m.add(rows[:, 1:].ravel(), y[:, :-1].ravel(), -1.0)
    if timeline.cyclic:
        begin = first % T
        end = begin + length
        wraps = end > T
        m.add(rows[q, begin], cols, -1.0)                    # begins (slot 0: the anchor row)
        m.add(rows[q[wraps], 0], cols[wraps], -1.0)          # from the horizon's end round to slot 0
        m.add(rows[q[wraps], end[wraps] - T], cols[wraps], 1.0)
        inside = end < T
        m.add(rows[q[inside], end[inside]], cols[inside], 1.0)
    else:
        begin, end = np.maximum(first, 0), np.minimum(first + length, T)
        use = begin < end
        m.add(rows[q[use], begin[use]], cols[use], -1.0)
        inside = use & (end < T)
        m.add(rows[q[inside], end[inside]], cols[inside], 1.0)
    for target in rows_by_queue:
        _cover(m, target, np.repeat(np.arange(n_queues), T), np.tile(np.arange(T), n_queues), y.ravel(), 1.0,
               timeline, k)
    return y


def _break_chains(m: SparseModel, columns: pd.DataFrame, templates: dict[str, ShiftTemplate], timeline: Timeline,
                  k: int, cover_rows: np.ndarray, queues: list[str], flexible: bool) -> list[dict]:
    """Implicit break placement per break class (site, queue, length, window); fixed breaks need no variables."""
    windows = {name: break_windows(t, flexible=flexible) for name, t in templates.items()}
    members: dict[tuple, list[tuple[np.ndarray, int]]] = {}
    # Which site's agent is on break does not matter to a queue's coverage, so one class pools every site
    # and template with the same break length and window: still exact, and half the chains.
    for (queue, name), group in columns.groupby(["queue", "template"], sort=True):
        for position, window in enumerate(windows[name]):
            key = (queue, window.length, window.first, window.last)
            members.setdefault(key, []).append((group.index.to_numpy(), position))
    groups = []
    for (queue, length, first, last), parts in members.items():
        index = np.concatenate([idx for idx, _ in parts])
        position = {columns.at[idx[0], "template"]: pos for idx, pos in parts}   # which break of each template
        q = queues.index(queue)
        opens = columns.loc[index, "slot"].to_numpy() + first
        order = np.argsort(opens, kind="stable")
        index, opens = index[order], opens[order]
        var = columns.loc[index, "var"].to_numpy()
        width = last - first + 1
        group = {"queue": queue, "length": length, "first": first, "last": last, "members": index,
                 "opens": opens, "position": position, "var": var}
        if width == 1:
            # A fixed break: the break count is the shift count, straight into coverage.
            for offset in range(length):
                _cover(m, cover_rows, np.full(len(var), q), opens + offset, var, -1.0, timeline, k)
            group["taus"], group["b"], group["p"] = None, None, None
            groups.append(group)
            continue
        taus = np.unique((opens[:, None] + np.arange(width)).ravel())
        n = len(taus)
        b = m.variables(f"b breaks {queue}/{length}@{first}", n, integer=True)
        p = m.variables(f"p waiting {queue}/{length}@{first}", n)
        balance = m.rows(f"break balance {queue}/{length}@{first}", n, lb=0.0, ub=0.0)
        m.add(balance, p, 1.0)
        m.add(balance, b, 1.0)
        previous = np.searchsorted(taus, taus - 1)
        has_previous = (previous < n) & (taus[np.minimum(previous, n - 1)] == taus - 1)
        m.add(balance[has_previous], p[previous[has_previous]], -1.0)
        m.add(balance[np.searchsorted(taus, opens)], var, -1.0)
        # At each window's close, agents still waiting must have windows that opened later.
        distinct = np.unique(opens)
        forward = m.rows(f"break deadline {queue}/{length}@{first}", len(distinct), ub=0.0)
        m.add(forward, p[np.searchsorted(taus, distinct + width - 1)], 1.0)
        lo = np.searchsorted(opens, distinct, side="right")
        hi = np.searchsorted(opens, distinct + width - 1, side="right")
        counts = hi - lo
        later = np.repeat(lo, counts) + (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
        m.add(np.repeat(forward, counts), var[later], -1.0)
        for offset in range(length):
            _cover(m, cover_rows, np.full(n, q), taus + offset, b, -1.0, timeline, k)
        group["taus"], group["b"], group["p"] = taus, b, p
        groups.append(group)
    return groups


def _tours(m: SparseModel, columns: pd.DataFrame, templates: dict[str, ShiftTemplate], sites: dict[str, Site],
           timeline: Timeline, candidates: pd.DataFrame) -> tuple[list[dict], dict]:
    """Weekly tours per (site, template, week): shifts on each local day = agents whose pattern works it.

    Returns the tour records (for rounding and reading) and, per (site, week), the variables whose sum
    is the site's headcount (without whole weeks: per (site, day), the shifts that day).
    """
    tours: list[dict] = []
    headcount: dict[tuple[str, int], list[np.ndarray]] = {}
    if timeline.weeks == 0:
        for (site, day), group in columns.groupby(["site", "day"]):
            headcount.setdefault((site, int(day)), []).append(group["var"].to_numpy())
        return tours, headcount
    for (site_name, name), group in columns.groupby(["site", "template"], sort=True):
        template = templates[name]
        weekday_of = [(_first_weekday(candidates, site_name) + j) % 7 for j in range(7)]
        for week in range(timeline.weeks):
            days = group[(group["day"] // 7) == week]
            day, var = (days["day"] % 7).to_numpy(), days["var"].to_numpy()
            record = {"site": site_name, "template": name, "week": week, "rule": template.days_off_rule,
                      "days": template.days_per_week, "index": days.index.to_numpy(), "day": day}
            if template.days_off_rule == "consecutive":
                patterns = [[j for j in range(7) if weekday_of[j] in p] for p in template.day_patterns()]
                w = m.variables(f"w tours {site_name}/{name}/w{week}", len(patterns), integer=True,
                                ub=sites[site_name].max_agents)
                day_rows = m.rows(f"tour days {site_name}/{name}/w{week}", 7, lb=0.0, ub=0.0)
                m.add(day_rows[day], var, 1.0)
                for w_var, works in zip(w, patterns):
                    m.add(day_rows[works], np.full(len(works), w_var), -1.0)
                record.update(vars=w, patterns=patterns)
            else:
                # Any days off: daily counts are staffable by n people working d days each iff no day
                # needs more than n and the days add up to d * n.
                n = m.variables(f"n agents {site_name}/{name}/w{week}", 1, integer=True, ub=sites[site_name].max_agents)
                cap = m.rows(f"tour day cap {site_name}/{name}/w{week}", 7, ub=0.0)
                m.add(cap[day], var, 1.0)
                m.add(cap, np.repeat(n, 7), -1.0)
                total = m.rows(f"tour total {site_name}/{name}/w{week}", 1, lb=0.0, ub=0.0)
                m.add(np.repeat(total, len(var)), var, 1.0)
                m.add(total, n, -float(template.days_per_week))
                record.update(vars=n, patterns=None)
            tours.append(record)
            headcount.setdefault((site_name, week), []).append(record["vars"])
    return tours, headcount


def _rest_rows(m: SparseModel, columns: pd.DataFrame, tours: list[dict], timeline: Timeline,
               rest_hours: float, weights: Weights) -> list[dict]:
    """Rest between consecutive working days of a tour, as Hall's conditions on start times.

    On days d and d + 1 of a tour with days-off patterns, the agents working d + 1 are those off on d
    (fresh, any start) and those who worked d, who need a day d shift that ended ``rest_hours`` before.
    Starts and ends are an interval order, so the day d + 1 shifts can be staffed iff for every start
    slot s: (day d + 1 starts up to s) <= fresh + (day d starts up to s - length - rest) + deficit.
    Running sums of starts per day keep each condition to a few entries, and a condition is written
    only at the last start before the day d term grows (the others are implied). The deficit is an
    agent-day the roster cannot staff: it costs that shift's hours at the shortfall weight.

    Returns per running sum ``{"total", "var", "position"}`` and per condition block ``{"after",
    "before" (-1: none), "fresh", "deficit"}`` for :func:`complete`.
    """
    if timeline.weeks == 0 or rest_hours <= 0:
        return []
    rest = int(round(rest_hours * 60 / QUANTUM))
    T = timeline.slots
    wrap = timeline.cyclic and timeline.weeks == 1
    start = (columns["slot"] - columns["lap"] * T).to_numpy()      # a wrapped shift beside the rest of its day
    blocks = []
    for tour in tours:
        if tour["patterns"] is None:
            continue
        index, day, name = tour["index"], tour["day"], f"{tour['site']}/{tour['template']}/w{tour['week']}"
        running = {}
        for d in range(7):
            own = index[day == d]
            if not len(own):
                continue
            slots, position = np.unique(start[own], return_inverse=True)
            total = m.variables(f"starts so far {name}/d{d}", len(slots))
            rows = m.rows(f"starts so far {name}/d{d}", len(slots), lb=0.0, ub=0.0)
            m.add(rows, total, 1.0)
            m.add(rows[1:], total[:-1], -1.0)
            var = columns.loc[own, "var"].to_numpy()
            m.add(rows[position], var, -1.0)
            hours = float(columns.at[own[0], "length"]) * QUANTUM / 60
            running[d] = (slots, total, int(columns.at[own[0], "length"]), hours)
            blocks.append({"total": total, "var": var, "position": position})
        for d in range(7 if wrap else 6):
            if d not in running or (d + 1) % 7 not in running:
                continue
            before, before_total, length, _ = running[d]
            after, after_total, _, hours = running[(d + 1) % 7]
            after = after + (T if d == 6 else 0)
            ready = np.searchsorted(before, after - length - rest, side="right")   # day d starts in time
            last = np.r_[ready[1:] != ready[:-1], True]     # the tightest condition for each day d term
            n = int(last.sum())
            rows = m.rows(f"rest {name}/d{d}", n, ub=0.0)
            deficit = m.variables(f"rest deficit {name}/d{d}", n, cost=weights.shortfall * hours)
            m.add(rows, after_total[last], 1.0)
            m.add(rows, deficit, -1.0)
            earlier = np.where(ready[last] > 0, before_total[np.maximum(ready[last] - 1, 0)], -1)
            m.add(rows[earlier >= 0], earlier[earlier >= 0], -1.0)
            fresh = np.array([w for w, works in zip(tour["vars"], tour["patterns"])
                              if (d + 1) % 7 in works and d not in works], dtype=np.int64)
            for w in fresh:
                m.add(rows, np.full(n, w), -1.0)
            blocks.append({"after": after_total[last], "before": earlier, "fresh": fresh, "deficit": deficit})
    return blocks


def _first_weekday(candidates: pd.DataFrame, site: str) -> int:
    """Weekday of tour day 0 at a site (the local date of the horizon's start)."""
    own = candidates[candidates["site"] == site]
    row = own.iloc[0]
    return int((row["weekday"] - row["day"]) % 7)


def _overtime(m: SparseModel, columns: pd.DataFrame, rules: dict[str, OvertimeRule], sites: dict[str, Site],
              timeline: Timeline, k: int, requirement: dict, overtime_rows: np.ndarray, queues: list[str],
              weights: Weights, headcount: dict) -> tuple[pd.DataFrame, np.ndarray | None, list[dict]]:
    """Extensions before a start / after an end that reach into the upper band; linked to the shifts there."""
    parts = []
    T = timeline.slots
    for (site_name, queue), group in columns.groupby(["site", "queue"], sort=True):
        rule = rules.get(site_name)
        if rule is None or rule.max_hours_per_agent_week <= 0:
            continue
        base, upper = requirement[queue]
        band = np.repeat(upper > base + 1e-9, k)
        if not band.any():
            continue
        lengths = np.array(rule.lengths()) // QUANTUM
        step, shortest = rule.step_minutes // QUANTUM, rule.min_minutes // QUANTUM
        for side in rule.sides:
            anchors = np.unique(group["slot"] + (group["length"] if side == "after" else 0))
            a, length = np.repeat(anchors, len(lengths)), np.tile(lengths, len(anchors))
            first = a if side == "after" else a - length      # first slot covered (unwrapped)
            # Keep an extension only if the part it adds over the next shorter one lies in the band.
            extra_first = first + length - step if side == "after" else first
            extra_first = np.where(length == shortest, first, extra_first)
            extra_len = np.where(length == shortest, length, step)
            useful = np.zeros(len(a), bool)
            for offset in range(int(extra_len.max())):
                s = extra_first + offset
                inside = (offset < extra_len) & (timeline.cyclic | ((s >= 0) & (s < T)))
                useful |= inside & band[s % T]
            if not useful.any():
                continue
            parts.append(pd.DataFrame({"site": site_name, "queue": queue, "side": side, "anchor": a[useful],
                                       "length": length[useful], "first": first[useful]}))
    columns_ot = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["site", "queue", "side", "anchor", "length", "first"])
    if columns_ot.empty:
        columns_ot["var"] = pd.Series(dtype=np.int64)
        columns_ot["cost"] = pd.Series(dtype=float)
        return columns_ot, None, []
    rate = columns_ot["site"].map({s: site.hourly_cost * site.overtime_multiplier for s, site in sites.items()})
    columns_ot["cost"] = rate.to_numpy() * columns_ot["length"].to_numpy() * QUANTUM / 60
    columns_ot["var"] = m.variables("o overtime", len(columns_ot), integer=True,
                                    cost=columns_ot["cost"].to_numpy() * weights.overtime_use)
    q = columns_ot["queue"].map({name: i for i, name in enumerate(queues)}).to_numpy()
    on_overtime = _running_counts(m, "overtime", q, columns_ot["first"].to_numpy(), columns_ot["length"].to_numpy(),
                                  columns_ot["var"].to_numpy(), len(queues), timeline, k, [overtime_rows])
    # Links: extensions at an anchor <= shifts starting (before) or ending (after) there.
    keys = columns_ot[["site", "queue", "side", "anchor"]].drop_duplicates().reset_index(drop=True)
    links = m.rows("overtime link", len(keys), ub=0.0)
    keys["row"] = links
    on = columns_ot.merge(keys, on=["site", "queue", "side", "anchor"])
    m.add(on["row"].to_numpy(), on["var"].to_numpy(), 1.0)
    shifts = pd.concat([columns.assign(side="before", anchor=columns["slot"]),
                        columns.assign(side="after", anchor=columns["slot"] + columns["length"])])
    linked = shifts.merge(keys, on=["site", "queue", "side", "anchor"])
    m.add(linked["row"].to_numpy(), linked["var"].to_numpy(), -1.0)
    # Weekly cap: overtime hours <= max hours per agent x the site's headcount that week.
    week_slots = 7 * 24 * 60 // QUANTUM
    period = (columns_ot["anchor"].to_numpy() % T) // (week_slots if timeline.weeks else 24 * 60 // QUANTUM)
    columns_ot["period"] = period
    caps = []
    for (site_name, when), group in columns_ot.groupby(["site", "period"]):
        heads = headcount.get((site_name, int(when)), [])
        limit = rules[site_name].max_hours_per_agent_week
        row = m.rows(f"overtime cap {site_name}/{when}", 1, ub=0.0)
        m.add(np.repeat(row, len(group)), group["var"].to_numpy(), group["length"].to_numpy() * QUANTUM / 60)
        for h in heads:
            m.add(np.repeat(row, len(h)), h, -limit)
        caps.append({"rows": group.index.to_numpy(), "heads": np.concatenate(heads) if heads else np.zeros(0, np.int64),
                     "limit": limit})
    return columns_ot, on_overtime, caps


def _site_limits(m: SparseModel, columns: pd.DataFrame, sites: dict[str, Site], timeline: Timeline,
                 headcount: dict, extensions: pd.DataFrame) -> None:
    """Headcount per week (or shifts per day without whole weeks), or seats per slot (breaks keep their seat)."""
    T = timeline.slots
    for site_name, site in sites.items():
        if site.max_agents_kind == "headcount":
            for (name, when), heads in headcount.items():
                if name == site_name:
                    row = m.rows(f"headcount {site_name}/{when}", 1, ub=float(site.max_agents))
                    for h in heads:
                        m.add(np.repeat(row, len(h)), h, 1.0)
            continue
        rows = m.rows(f"seats {site_name}", T, ub=float(site.max_agents))
        for part in (columns[columns["site"] == site_name], extensions[extensions["site"] == site_name]):
            first = (part["slot"] if "slot" in part else part["first"]).to_numpy()
            length, var = part["length"].to_numpy(), part["var"].to_numpy()
            for offset in range(int(length.max()) if len(part) else 0):
                inside = offset < length
                slots = first[inside] + offset
                keep = np.ones(len(slots), bool) if timeline.cyclic else (slots >= 0) & (slots < T)
                m.add(rows[slots[keep] % T], var[inside][keep], 1.0)


# ----------------------------------------------------------------------------------------------
# integer solutions: slot counts, completion of the continuous part, rounding of the LP
# ----------------------------------------------------------------------------------------------


def _add_spans(counts: np.ndarray, q: np.ndarray, first: np.ndarray, length: np.ndarray, weight: np.ndarray,
               timeline: Timeline) -> None:
    """Add ``weight`` to ``counts[q, first:first+length]`` (unwrapped slots; wrap or drop per the horizon)."""
    T = timeline.slots
    diff = np.zeros((counts.shape[0], T + 1))
    if timeline.cyclic:
        begin = first % T
        end = begin + length
        np.add.at(diff, (q, begin), weight)
        np.add.at(diff, (q, np.minimum(end, T)), -weight)
        wraps = end > T
        np.add.at(diff, (q[wraps], 0), weight[wraps])
        np.add.at(diff, (q[wraps], end[wraps] - T), -weight[wraps])
    else:
        begin, end = np.clip(first, 0, T), np.clip(first + length, 0, T)
        np.add.at(diff, (q, begin), weight)
        np.add.at(diff, (q, end), -weight)
    counts += np.cumsum(diff, axis=1)[:, :T]


def slot_counts(model: ShiftModel, v: np.ndarray) -> dict[str, np.ndarray]:
    """Agents per (queue, slot) of a solution: ``on_shift`` (breaks included), ``on_break``, ``overtime``."""
    shape = (len(model.queues), model.timeline.slots)
    cols = model.columns
    x = v[cols["var"].to_numpy()]
    on_shift, on_break, overtime = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    _add_spans(on_shift, cols["q"].to_numpy(), cols["slot"].to_numpy(), cols["length"].to_numpy(), x, model.timeline)
    for g in model.break_groups:
        q = model.queues.index(g["queue"])
        if g["b"] is None:
            starts, counts = g["opens"], v[g["var"]]
        else:
            starts, counts = g["taus"], v[g["b"]]
        _add_spans(on_break, np.full(len(starts), q), starts, np.full(len(starts), g["length"]), counts, model.timeline)
    ot = model.overtime
    if len(ot):
        q = ot["queue"].map({name: i for i, name in enumerate(model.queues)}).to_numpy()
        _add_spans(overtime, q, ot["first"].to_numpy(), ot["length"].to_numpy(), v[ot["var"].to_numpy()], model.timeline)
    return {"on_shift": on_shift, "on_break": on_break, "overtime": overtime}


def interval_coverage(model: ShiftModel, counts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Average agents per (queue, requirement interval): working, on break, overtime, and the slacks."""
    k = model.interval_slots
    def mean(a: np.ndarray) -> np.ndarray:
        return a.reshape(a.shape[0], -1, k).mean(axis=2)
    working = mean(counts["on_shift"] - counts["on_break"])
    extra = mean(counts["overtime"])
    base = np.stack([model.requirement[q][0] for q in model.queues])
    upper = np.stack([model.requirement[q][1] for q in model.queues])
    short = np.maximum(base - working, 0)
    return {"working": working, "on_break": mean(counts["on_break"]), "overtime": extra, "required": base,
            "required_upper": upper, "short": short, "over": np.maximum(working - base, 0),
            "short_up": np.clip(upper - working - extra - short, 0, upper - base)}


def complete(model: ShiftModel, v: np.ndarray) -> np.ndarray:
    """Fill the continuous variables (running counts, break queues, slacks) implied by the integer ones."""
    v = v.copy()
    counts = slot_counts(model, v)
    v[model.on_shift.ravel()] = counts["on_shift"].ravel()
    if model.on_overtime is not None:
        v[model.on_overtime.ravel()] = counts["overtime"].ravel()
    for g in model.break_groups:
        if g["b"] is not None:
            opened = np.zeros(len(g["taus"]))
            np.add.at(opened, np.searchsorted(g["taus"], g["opens"]), v[g["var"]])
            v[g["p"]] = np.cumsum(opened - v[g["b"]])
    cover = interval_coverage(model, counts)
    for name, value in (("short", "short"), ("over", "over"), ("cover", "working")):
        v[model.slack[name].ravel()] = cover[value].ravel()
    band = model.slack["short_up"] >= 0
    v[model.slack["short_up"][band]] = cover["short_up"][band]
    v[model.slack["overtime"][band]] = cover["overtime"][band]
    for block in model.rest:      # running sums first: the conditions after them read them
        if "total" in block:
            v[block["total"]] = np.cumsum(np.bincount(block["position"], weights=v[block["var"]],
                                                      minlength=len(block["total"])))
        else:
            earlier = np.where(block["before"] >= 0, v[np.maximum(block["before"], 0)], 0.0)
            v[block["deficit"]] = np.maximum(v[block["after"]] - earlier - v[block["fresh"]].sum(), 0.0)
    return v


def violation(model: ShiftModel, v: np.ndarray) -> float:
    """Largest bound or row violation of a full solution vector (0 = feasible)."""
    a = model.arrays()
    col = np.repeat(np.arange(len(a["lb"])), np.diff(a["start"]))
    activity = np.bincount(a["index"], weights=a["value"] * v[col], minlength=len(a["row_lb"]))
    worst = [np.max(a["lb"] - v, initial=0), np.max(v - a["ub"], initial=0),
             np.max(a["row_lb"] - activity, initial=0), np.max(activity - a["row_ub"], initial=0)]
    return float(max(worst))


def round_solution(model: ShiftModel, lp: np.ndarray, weights: Weights = Weights()) -> np.ndarray:
    """An integer plan near an LP solution: tours, then starts, then breaks, then overtime.

    Tours are rounded first because they fix each day's shift count; starts are then rounded along
    time per (site, template, day, queue) with cumulative (systematic) rounding, so the number of
    agents on shift never strays more than one from the LP's within a group; breaks are placed
    agent by agent in the window slot with the most spare cover; overtime is rounded and trimmed to
    its links and weekly caps.
    """
    v = np.zeros_like(lp)
    cols = model.columns
    x_lp = np.maximum(lp[cols["var"].to_numpy()], 0)
    targets = _day_targets(model, lp, v, x_lp)
    need = _column_need(model)
    x = np.zeros(len(cols))
    for key, index in cols.groupby(["site", "template", "day"]).indices.items():
        x[index] = _spread(targets.get(key, 0), x_lp[index], cols["q"].to_numpy()[index],
                           cols["slot"].to_numpy()[index], need[index])
    v[cols["var"].to_numpy()] = x
    _round_overtime(model, lp, v)
    _round_breaks(model, lp, v)
    return complete(model, v)


def improve(model: ShiftModel, v: np.ndarray, weights: Weights, seconds: float, target: float = -INF,
            rest_slots: int = 0, whole_agents: bool = True) -> np.ndarray:
    """Local search on an integer plan (see :class:`_LocalSearch`) for at most ``seconds``, or until its
    cost is at most ``target`` (currency), or until no move pays. With ``rest_slots``, no move leaves
    more tour agents without that rest between days; without ``whole_agents``, agents are not bought,
    let go or given other days (their shifts and breaks move)."""
    search = _LocalSearch(model, v, weights, rest_slots, whole_agents)
    search.run(time.perf_counter() + seconds, target - float(model.arrays()["cost"] @ v))
    return search.solution()


class _LocalSearch:
    """Moves on individual agents, each kept only when it lowers the cost:

    - a break to the best slot of its window;
    - a shift to the best start and queue of its site on the same tour day;
    - one more agent on a weekly tour: for each pattern, the best shift on each of its days (without
      whole weeks: one more shift on a day);
    - one agent fewer: the least useful shift on each day of a pattern (or one shift fewer);
    - one agent to other days off (its shifts on the days it stops working go, new ones come);
    - one fewer and one more at once, when neither pays alone (e.g. an agent moved to a cheaper site);
    - an overtime block more or fewer where the upper band is worth more than its expected cost.

    Shifts and breaks are placed until that stops paying before agents are bought or let go.

    With ``whole_agents=False`` the agents and their days stay as they are: only shifts and breaks move.

    With ``rest_slots``, a move that leaves more agent-days of the tours without that rest between
    consecutive days (shifts without their overtime, see :meth:`rest_deficit`) is undone, so a plan once
    given its rest keeps it.

    Coverage penalties are judged per slot (they bound the interval-level ones from above). Shifts
    carrying overtime keep their start, and sites limited by seats are left as they are.
    """

    def __init__(self, model: ShiftModel, v: np.ndarray, weights: Weights, rest_slots: int = 0,
                 whole_agents: bool = True) -> None:
        self.model, self.v = model, v
        self.whole_agents = whole_agents
        cols = model.columns
        T, k = model.timeline.slots, model.interval_slots
        self.T, self.cyclic = T, model.timeline.cyclic
        width = T if self.cyclic else T + 2 * 24 * 60 // QUANTUM
        Q = len(model.queues)
        self.base, self.upper, self.live = np.zeros((Q, width)), np.zeros((Q, width)), np.zeros(width)
        self.live[:T] = QUANTUM / 60        # agent-hours per slot; slots past an open horizon cost nothing
        for i, q in enumerate(model.queues):
            self.base[i, :T] = np.repeat(model.requirement[q][0], k)
            self.upper[i, :T] = np.repeat(model.requirement[q][1], k)
        self.weights = weights
        counts = slot_counts(model, v)
        self.cover = np.zeros((Q, width))
        self.cover[:, :T] = counts["on_shift"] - counts["on_break"]
        # Overtime is not moved here and counts only towards the upper band: lower the band by it.
        self.upper[:, :T] -= counts["overtime"]
        self.site, self.template = cols["site"].to_numpy(), cols["template"].to_numpy()
        self.queue = cols["q"].to_numpy()
        self.slot, self.length = cols["slot"].to_numpy(), cols["length"].to_numpy()
        self.day, self.cost = cols["day"].to_numpy(), cols["cost"].to_numpy()
        self.unwrapped = self.slot - cols["lap"].to_numpy() * T   # a wrapped shift beside the rest of its day
        self.where = {key: j for j, key in enumerate(zip(self.site, self.template, self.queue, self.slot))}
        self.site_queues = {s: sorted(set(g)) for s, g in cols.groupby("site")["q"]}
        self.day_columns = {key: idx for key, idx in cols.groupby(["site", "template", "day"]).indices.items()}
        self.start_local = cols["start_local"].to_numpy()
        self.steady: dict[int, np.ndarray] = {}   # per tour unit: (queue, local start) x day -> column or -1
        self.pinned = set(model.seat_sites)
        # agents: column and break start slots; None once removed
        self.col: list[int | None] = []
        self.brk: list[np.ndarray] = []
        self.on_day: dict[tuple, set[int]] = {}
        for j, slots in _agent_breaks(model, v).items():
            for row in slots:
                self._register(j, row.copy())
        self._overtime_limits(v)
        # Units that gain or lose whole agents: the weekly tours, or without whole weeks single days.
        if model.tours:
            self.units = [{"site": t["site"], "template": t["template"], "week": t["week"], "tour": u,
                           "days": [t["week"] * 7 + d for d in range(7)], "patterns": t["patterns"], "any": t["days"]}
                          for u, t in enumerate(model.tours)]
            self.counts = [np.round(v[np.atleast_1d(t["vars"])]).astype(np.int64) for t in model.tours]
        else:
            self.units = [{"site": site, "template": name, "week": day, "tour": None, "days": [day], "patterns": [[0]]}
                          for site, name, day in self.day_columns]
            self.counts = [np.array([len(self.on_day.get((u["site"], u["template"], u["days"][0]), ()))])
                           for u in self.units]
        self.rest_slots = rest_slots
        self.unit_day = {(unit["site"], unit["template"], day): (u, d) for u, unit in enumerate(self.units)
                         for d, day in enumerate(unit["days"])}
        self.rest_cache: dict[tuple[int, int], int] = {}
        self._rest_refresh()

    # -- bookkeeping -------------------------------------------------------------------------

    def _register(self, j: int, breaks: np.ndarray) -> int:
        self.col.append(j)
        self.brk.append(breaks)
        key = (self.site[j], self.template[j], self.day[j])
        self.on_day.setdefault(key, set()).add(len(self.col) - 1)
        return len(self.col) - 1

    def _overtime_limits(self, v: np.ndarray) -> None:
        """Shifts per overtime anchor, the overtime there, and each site-week's overtime hours vs cap."""
        model = self.model
        self.anchor_shifts: dict[tuple, int] = {}
        for j in self.col:
            for key in self._anchors(j):
                self.anchor_shifts[key] = self.anchor_shifts.get(key, 0) + 1
        self.anchor_overtime: dict[tuple, float] = {}
        ot = model.overtime
        self.ot_count = np.round(v[ot["var"].to_numpy()]) if len(ot) else np.zeros(0)
        self.ot_q = ot["queue"].map({name: i for i, name in enumerate(model.queues)}).to_numpy() if len(ot) else np.zeros(0, int)
        self.ot_keys = [(site, q, side, int(a)) for site, q, side, a in zip(ot["site"], self.ot_q, ot["side"], ot["anchor"])] \
            if len(ot) else []
        for key, n in zip(self.ot_keys, self.ot_count):
            if n > 0:
                self.anchor_overtime[key] = self.anchor_overtime.get(key, 0) + n
        self.ot_hours = ot["length"].to_numpy() * QUANTUM / 60 if len(ot) else np.zeros(0)
        # Per cap (site and week): its overtime columns, the tours whose agents raise it, its limit per agent.
        self.caps = []
        self.cap_of_column = np.full(len(ot), -1)
        for c, cap in enumerate(model.overtime_caps):
            tours = [u for u, t in enumerate(model.tours) if np.isin(np.atleast_1d(t["vars"]), cap["heads"]).any()]
            self.caps.append({"limit": cap["limit"], "tours": tours,
                              "used": float((self.ot_count[cap["rows"]] * self.ot_hours[cap["rows"]]).sum())})
            self.cap_of_column[cap["rows"]] = c
        self.cap_of_tour = {u: c for c, cap in enumerate(self.caps) for u in cap["tours"]}

    def _anchors(self, j: int) -> tuple[tuple, tuple]:
        return ((self.site[j], self.queue[j], "before", int(self.slot[j])),
                (self.site[j], self.queue[j], "after", int(self.slot[j] + self.length[j])))

    def _movable(self, j: int) -> bool:
        """True when the shift's start and end carry no overtime that would lose its shift."""
        return not self.anchor_overtime or all(self.anchor_shifts.get(key, 0) > self.anchor_overtime.get(key, 0) for key in self._anchors(j))

    def wrap(self, slots: np.ndarray) -> np.ndarray:
        return slots % self.T if self.cyclic else np.minimum(slots, self.cover.shape[1] - 1)

    def penalty(self, q: int, slots: np.ndarray, c: np.ndarray) -> np.ndarray:
        b, u, w = self.base[q, slots], self.upper[q, slots], self.weights
        return self.live[slots] * (w.shortfall * np.maximum(b - c, 0) + w.upper_shortfall * np.maximum(u - np.maximum(c, b), 0)
                                   + w.overstaffing * np.maximum(c - b, 0))

    def marginal(self, q: int | np.ndarray, slots: np.ndarray, change: float) -> np.ndarray:
        """Cost change per slot of ``change`` (+1/-1) agents at ``slots`` of queue(s) ``q``."""
        c, b, u, w = self.cover[q, slots], self.base[q, slots], self.upper[q, slots], self.weights
        return self.live[slots] * (
            w.shortfall * (np.maximum(b - c - change, 0) - np.maximum(b - c, 0))
            + w.upper_shortfall * (np.maximum(u - np.maximum(c + change, b), 0) - np.maximum(u - np.maximum(c, b), 0))
            + w.overstaffing * (np.maximum(c + change - b, 0) - np.maximum(c - b, 0)))

    def delta(self, q: int, slots: np.ndarray, change: np.ndarray) -> float:
        """Cost change of adding ``change`` agents at ``slots`` of queue ``q`` (slots distinct)."""
        now = self.cover[q, slots]
        return float((self.penalty(q, slots, now + change) - self.penalty(q, slots, now)).sum())

    def profile(self, j: int, breaks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Slots of shift column ``j`` and +1 working / 0 on break in each."""
        span = self.wrap(self.slot[j] + np.arange(self.length[j]))
        work = np.ones(self.length[j])
        for start, window in zip(breaks, self.model.windows[self.template[j]]):
            offset = int(start - self.slot[j])
            work[offset:offset + window.length] = 0
        return span, work

    # -- moves -----------------------------------------------------------------------------

    def place_breaks(self, i: int) -> float:
        """Re-place each break of agent ``i`` greedily; returns the cost change (<= 0)."""
        j, change = self.col[i], 0.0
        q = self.queue[j]
        for p, window in enumerate(self.model.windows[self.template[j]]):
            if window.first == window.last:
                continue
            now = self.wrap(self.brk[i][p] + np.arange(window.length))
            change += float(self.marginal(q, now, +1.0).sum())
            self.cover[q, now] += 1
            options = self.wrap(self.slot[j] + window.first + np.arange(window.last - window.first + 1)[:, None]
                                + np.arange(window.length))
            loss = self.marginal(q, options, -1.0).sum(axis=1)
            # Equal costs (e.g. short everywhere in the window): take the slot with the most cover.
            spare = (self.cover[q, options] - self.base[q, options]).sum(axis=1)
            best = int(np.argmin(loss - TIE * spare))
            self.cover[q, options[best]] -= 1
            change += float(loss[best])
            self.brk[i][p] = self.slot[j] + window.first + best
        return change

    def relocate(self, i: int) -> float:
        """Move agent ``i`` to the best start and queue of the same site, template and tour day."""
        j = self.col[i]
        if self.site[j] in self.pinned or not self._movable(j):
            return 0.0
        index = self.day_columns[(self.site[j], self.template[j], self.day[j])]
        breaks = self.brk[i].copy()
        change = self.remove_agent(i)
        # One more agent's cost change over the slots this day's shifts can cover, summed along time.
        first, start, end = self.slot[index].min(), self.slot[index], self.slot[index] + self.length[index]
        queues = np.unique(self.queue[index])
        slots = self.wrap(np.arange(first, end.max()))
        gain = self.marginal(queues[:, None], slots[None, :], +1.0)
        prefix = np.concatenate([np.zeros((len(queues), 1)), np.cumsum(gain, axis=1)], axis=1)
        row = np.searchsorted(queues, self.queue[index])
        scores = self.cost[index] + prefix[row, end - first] - prefix[row, start - first]
        best = int(index[int(np.argmin(scores))])
        if best == j:
            self._restore(i, j, breaks)
            return 0.0
        k, added = self.add_agent(best)
        if change + added >= -1e-9 or not self._rest_holds([self._key(j)]):
            self.remove_agent(k)
            self._restore(i, j, breaks)
            return 0.0
        return change + added

    def _restore(self, i: int, j: int, breaks: np.ndarray) -> None:
        """Put a removed agent back exactly as it was."""
        self.col[i], self.brk[i] = j, breaks
        slots, work = self.profile(j, breaks)
        self.cover[self.queue[j], slots] += work
        for key in self._anchors(j):
            self.anchor_shifts[key] += 1
        self.on_day[(self.site[j], self.template[j], self.day[j])].add(i)

    def add_agent(self, j: int) -> tuple[int, float]:
        """A new shift on column ``j`` with greedily placed breaks; returns (agent, cost change)."""
        windows = self.model.windows[self.template[j]]
        breaks = np.array([self.slot[j] + w.first for w in windows], dtype=np.int64)
        slots = self.wrap(self.slot[j] + np.arange(self.length[j]))
        q = self.queue[j]
        change = self.cost[j] + self.delta(q, slots, np.ones(len(slots)))
        self.cover[q, slots] += 1
        for start, window in zip(breaks, windows):   # take the breaks out where they are, then place them
            brk = self.wrap(start + np.arange(window.length))
            change += self.delta(q, brk, -np.ones(window.length))
            self.cover[q, brk] -= 1
        i = self._register(j, breaks)
        for key in self._anchors(j):
            self.anchor_shifts[key] = self.anchor_shifts.get(key, 0) + 1
        return i, change + self.place_breaks(i)

    def remove_agent(self, i: int) -> float:
        j = self.col[i]
        slots, work = self.profile(j, self.brk[i])
        change = self.delta(self.queue[j], slots, -work) - self.cost[j]
        self.cover[self.queue[j], slots] -= work
        for key in self._anchors(j):
            self.anchor_shifts[key] -= 1
        self.on_day[(self.site[j], self.template[j], self.day[j])].discard(i)
        self.col[i] = None
        return change

    def _span_sums(self, change: float) -> tuple[np.ndarray, np.ndarray]:
        """Per (queue, slot) cost change of one agent more (+1) or fewer (-1), and its prefix sums
        over the unwrapped slots, so a shift's change is two look-ups."""
        slots = np.arange(self.cover.shape[1])
        g = self.marginal(np.arange(len(self.cover))[:, None], slots[None, :], change)
        unwrapped = np.concatenate([g, g], axis=1) if self.cyclic else g
        return g, np.concatenate([np.zeros((len(g), 1)), np.cumsum(unwrapped, axis=1)], axis=1)

    def _best_additions(self, unit: dict, prefix: np.ndarray) -> list[tuple[float, int | None]]:
        """Per day of the unit: estimated cost change and column of the best shift to add there."""
        out = []
        for day in unit["days"]:
            index = self.day_columns.get((unit["site"], unit["template"], day))
            if index is None:
                out.append((INF, None))
                continue
            q, start = self.queue[index], self.slot[index]
            scores = self.cost[index] + prefix[q, start + self.length[index]] - prefix[q, start]
            best = int(np.argmin(scores))
            out.append((float(scores[best]), int(index[best])))
        return out

    def _steady_additions(self, u: int, unit: dict, prefix: np.ndarray) -> list[tuple]:
        """One more agent per pattern starting at the same local time on the same queue every day it works,
        the best such start: it has a day's rest between shifts wherever the best start of each day alone
        (:meth:`_best_additions`) would not, so an agent can still be bought where rest is enforced (from
        an empty plan, every agent with the best start of each day broke someone's rest and none was)."""
        if unit["patterns"] is None:
            return []
        if u not in self.steady:
            keys, at = {}, []
            for d, day in enumerate(unit["days"]):
                index = self.day_columns.get((unit["site"], unit["template"], day), np.zeros(0, np.int64))
                for j in index:
                    at.append((keys.setdefault((self.queue[j], self.start_local[j]), len(keys)), d, j))
            table = np.full((len(keys), len(unit["days"])), -1, dtype=np.int64)
            for key, d, j in at:
                table[key, d] = j
            self.steady[u] = table
        table = self.steady[u]
        if not len(table):
            return []
        j = np.maximum(table, 0)
        q, start = self.queue[j], self.slot[j]
        scores = np.where(table >= 0, self.cost[j] + prefix[q, start + self.length[j]] - prefix[q, start], INF)
        moves = []
        for p, works in enumerate(unit["patterns"]):
            total = scores[:, works].sum(axis=1)
            best = int(np.argmin(total))
            if math.isfinite(total[best]):
                moves.append((float(total[best]), "add", u, p, [int(table[best, d]) for d in works]))
        return moves

    def _best_removals(self, unit: dict, gain: np.ndarray, prefix: np.ndarray) -> list[tuple[float, int | None]]:
        """Per day of the unit: estimated cost change and agent of the least useful shift to take away."""
        out = []
        windows = self.model.windows[unit["template"]]
        for day in unit["days"]:
            agents = [i for i in self.on_day.get((unit["site"], unit["template"], day), ()) if self._movable(self.col[i])]
            if not agents:
                out.append((INF, None))
                continue
            j = np.array([self.col[i] for i in agents])
            q, start = self.queue[j], self.slot[j]
            score = prefix[q, start + self.length[j]] - prefix[q, start] - self.cost[j]
            if windows:
                breaks = np.array([self.brk[i] for i in agents])
                for p, window in enumerate(windows):    # off the phone then anyway: no change there
                    slots = self.wrap(breaks[:, p, None] + np.arange(window.length))
                    score -= gain[q[:, None], slots].sum(axis=1)
            best = int(np.argmin(score))
            out.append((float(score[best]), agents[best]))
        return out

    def _day_sets(self, u: int, unit: dict, scores: list[float], adding: bool) -> list[tuple[int, list[int]]]:
        """Candidate (pattern index, day positions) for one agent more or fewer on unit ``u``."""
        counts = self.counts[u]
        if unit["patterns"] is not None:
            return [(p, days) for p, days in enumerate(unit["patterns"]) if adding or counts[p] > 0]
        n, need = int(counts[0]), unit["any"]
        daily = [len(self.on_day.get((unit["site"], unit["template"], day), ())) for day in unit["days"]]
        usable = [d for d in np.argsort(scores, kind="stable") if math.isfinite(scores[d])]
        if adding:
            return [(0, sorted(usable[:need]))] if len(usable) >= need else []
        forced = [d for d in range(len(daily)) if daily[d] >= n > 0]     # days at the cap must lose a shift
        chosen = forced + [d for d in usable if d not in forced][:max(need - len(forced), 0)]
        return [(0, sorted(chosen))] if n > 0 and len(chosen) == need else []

    def _headroom(self, unit: dict) -> bool:
        cap = self.model.headcount_caps.get(unit["site"])
        if cap is None:
            return True
        same = [u for u, other in enumerate(self.units) if other["site"] == unit["site"] and other["week"] == unit["week"]]
        return sum(int(self.counts[u].sum()) for u in same) < cap

    def _heads(self, cap: dict) -> int:
        return sum(int(self.counts[u].sum()) for u in cap["tours"])

    def _can_lose_agent(self, unit: dict) -> bool:
        if unit["tour"] is None:   # without tours the overtime cap counts shifts: keep them where overtime is used
            return not any(key[0] == unit["site"] for key in self.anchor_overtime)
        c = self.cap_of_tour.get(unit["tour"])
        if c is None:
            return True
        cap = self.caps[c]
        return cap["used"] <= cap["limit"] * (self._heads(cap) - 1) + 1e-9

    def overtime_moves(self, stop: float) -> float:
        """Offer one more overtime block, or one fewer, while the upper band it covers is worth more than its
        expected cost; within the shifts it extends and the site's weekly cap. Best first."""
        ot = self.model.overtime
        if not len(ot) or not self.model.tours:
            return 0.0
        first = ot["first"].to_numpy()
        first = first % self.T if self.cyclic else first
        end = first + ot["length"].to_numpy()
        price = ot["cost"].to_numpy() * self.weights.overtime_use
        gained = 0.0
        while time.perf_counter() < stop:
            floor = np.maximum(self.cover, self.base)       # the band starts above max(cover, base)

            def band_value(change: float) -> np.ndarray:
                left = self.upper - floor
                g = self.live * self.weights.upper_shortfall * (np.maximum(left - change, 0) - np.maximum(left, 0))
                g = np.concatenate([g, g], axis=1) if self.cyclic else g
                return np.concatenate([np.zeros((len(g), 1)), np.cumsum(g, axis=1)], axis=1)
            more, fewer = band_value(+1.0), band_value(-1.0)
            start = np.maximum(first, 0)
            add = price + more[self.ot_q, end] - more[self.ot_q, start]
            drop = -price + fewer[self.ot_q, end] - fewer[self.ot_q, start]
            free = np.array([self.anchor_shifts.get(k, 0) - self.anchor_overtime.get(k, 0) for k in self.ot_keys])
            room = np.array([c < 0 or self.caps[c]["used"] + h <= self.caps[c]["limit"] * self._heads(self.caps[c]) + 1e-9
                             for c, h in zip(self.cap_of_column, self.ot_hours)])
            add = np.where((free > 0) & room, add, INF)
            drop = np.where(self.ot_count > 0, drop, INF)
            # Apply the best moves whose blocks do not overlap in a queue (their values do not interact).
            moves = sorted([(v, j, +1) for j, v in enumerate(add) if v < -1e-9]
                           + [(v, j, -1) for j, v in enumerate(drop) if v < -1e-9])
            if not moves:
                return gained
            taken = np.zeros(self.cover.shape, dtype=bool)
            for value, j, change in moves[:OVERTIME_BATCH]:
                slots = self.wrap(np.arange(start[j], end[j]))
                if taken[self.ot_q[j], slots].any() or (change > 0 and not self._overtime_room(j)):
                    continue
                taken[self.ot_q[j], slots] = True
                self._change_overtime(j, change)
                gained += value
        return gained

    def _overtime_room(self, j: int) -> bool:
        key, c = self.ot_keys[j], self.cap_of_column[j]
        linked = self.anchor_shifts.get(key, 0) > self.anchor_overtime.get(key, 0)
        return linked and (c < 0 or self.caps[c]["used"] + self.ot_hours[j]
                           <= self.caps[c]["limit"] * self._heads(self.caps[c]) + 1e-9)

    def _change_overtime(self, j: int, change: float) -> None:
        """``change`` more blocks of overtime column ``j``: the band left to shifts, its link and its cap."""
        ot = self.model.overtime
        first, length = int(ot["first"].iat[j]), int(ot["length"].iat[j])
        slots = np.arange(first, first + length)
        slots = slots % self.T if self.cyclic else slots[slots >= 0]
        self.ot_count[j] += change
        self.upper[self.ot_q[j], slots] -= change
        self.anchor_overtime[self.ot_keys[j]] = self.anchor_overtime.get(self.ot_keys[j], 0) + change
        if self.cap_of_column[j] >= 0:
            self.caps[self.cap_of_column[j]]["used"] += change * self.ot_hours[j]

    def tour_moves(self, stop: float) -> float:
        """Add or take away whole agents (a shift on each day of a pattern), best estimate first, while it pays.

        Estimates ignore breaks and overlapping shifts, so each move is applied, measured and undone
        if it does not lower the cost; then the next best estimate is tried.
        """
        gained = 0.0
        while self.whole_agents and time.perf_counter() < stop:
            add_gain, add_prefix = self._span_sums(+1.0)
            rem_gain, rem_prefix = self._span_sums(-1.0)
            moves = []
            for u, unit in enumerate(self.units):
                if unit["site"] in self.pinned:
                    continue
                if self._headroom(unit):
                    days = self._best_additions(unit, add_prefix)
                    for p, chosen in self._day_sets(u, unit, [d[0] for d in days], adding=True):
                        moves.append((sum(days[d][0] for d in chosen), "add", u, p, [days[d][1] for d in chosen]))
                    moves.extend(self._steady_additions(u, unit, add_prefix))
                removals = self._best_removals(unit, rem_gain, rem_prefix)
                if self._can_lose_agent(unit):
                    for p, chosen in self._day_sets(u, unit, [d[0] for d in removals], adding=False):
                        if all(removals[d][1] is not None for d in chosen):
                            moves.append((sum(removals[d][0] for d in chosen), "remove", u, p,
                                          [removals[d][1] for d in chosen]))
                moves.extend(self._day_changes(u, unit, removals, self._best_additions(unit, add_prefix)))
            single = sorted((m for m in moves if m[0] < -1e-9), key=lambda m: m[0])
            # Several moves per round, each measured as it is applied: estimating all of them anew after
            # every move took 37 s to build the Staffing page's two weeks from nothing; batches take 23 s.
            applied, taken = 0.0, 0
            for value, kind, u, p, items in single[:BATCH_TRIES]:
                change = self._apply(kind, u, p, items)
                applied += change
                taken += change < 0
                if taken == BATCH_MOVES:
                    break
            gained += applied
            if applied >= 0:
                # No single agent more or fewer pays: try one fewer here and one more there
                # (a cheaper site, another template or other days off).
                change = self._swap(sorted((m for m in moves if m[1] == "remove"), key=lambda m: m[0])[:PAIRS],
                                    sorted((m for m in moves if m[1] == "add"), key=lambda m: m[0])[:PAIRS])
                if change >= 0:
                    return gained
                gained += change
        return gained

    def _swap(self, removals: list, additions: list) -> float:
        """The first (removal, addition) pair whose estimate and then real effect lower the cost."""
        pairs = sorted((r[0] + a[0], r, a) for r in removals for a in additions if r[0] + a[0] < -1e-9)
        for _, (_, _, ur, pr, agents), (_, _, ua, pa, columns) in pairs[:PAIRS]:
            if any(self.col[i] is None for i in agents):
                continue
            kept = [(self.col[i], self.brk[i].copy()) for i in agents]
            change = sum(self.remove_agent(i) for i in agents)
            added = [self.add_agent(j) for j in columns]
            change += sum(c for _, c in added)
            if change < -1e-9:
                self.counts[ur][pr] -= 1
                self.counts[ua][pa] += 1
                if self._rest_holds([self._key(j) for j, _ in kept] + [self._key(j) for j in columns]):
                    return change
                self.counts[ur][pr] += 1
                self.counts[ua][pa] -= 1
            for i, _ in added:
                self.remove_agent(i)
            for i, (j, breaks) in zip(agents, kept):
                self._restore(i, j, breaks)
        return 0.0

    def _day_changes(self, u: int, unit: dict, removals: list, additions: list) -> list[tuple]:
        """Moves of one agent to other days off: the shifts on days it stops working go, shifts on the
        days it starts working come (for an ``any`` rule: one shift from one day to another)."""
        moves = []
        counts = self.counts[u]
        if unit["patterns"] is not None:
            for p, old in enumerate(unit["patterns"]):
                if counts[p] <= 0:
                    continue
                for r, new in enumerate(unit["patterns"]):
                    leave, join = sorted(set(old) - set(new)), sorted(set(new) - set(old))
                    if r == p or any(removals[d][1] is None for d in leave) or any(additions[d][1] is None for d in join):
                        continue
                    value = sum(removals[d][0] for d in leave) + sum(additions[d][0] for d in join)
                    moves.append((value, "days", u, (p, r), ([removals[d][1] for d in leave],
                                                            [additions[d][1] for d in join])))
        elif unit["tour"] is not None:
            n = int(counts[0])
            daily = [len(self.on_day.get((unit["site"], unit["template"], day), ())) for day in unit["days"]]
            for d, (value_out, agent) in enumerate(removals):
                for e, (value_in, column) in enumerate(additions):
                    if d != e and agent is not None and column is not None and daily[e] < n:
                        moves.append((value_out + value_in, "days", u, None, ([agent], [column])))
        return moves

    def _apply(self, kind: str, u: int, p, items) -> float:
        """Apply one agent more (items: columns), fewer (items: agents) or on other days (items: agents
        leaving, columns joining); undo and return 0 if it does not lower the cost, or if a move applied
        since it was estimated made it break a tour count or a cap (moves are applied in batches)."""
        if not self._still_allowed(kind, u, p, items):
            return 0.0
        if kind == "days":
            agents, columns = items
            kept = [(self.col[i], self.brk[i].copy()) for i in agents]
            change = sum(self.remove_agent(i) for i in agents)
            added = [self.add_agent(j) for j in columns]
            change += sum(c for _, c in added)
            if change < -1e-9:
                if p is not None:
                    self.counts[u][p[0]] -= 1
                    self.counts[u][p[1]] += 1
                if self._rest_holds([self._key(j) for j, _ in kept] + [self._key(j) for j in columns]):
                    return change
                if p is not None:
                    self.counts[u][p[0]] += 1
                    self.counts[u][p[1]] -= 1
            for i, _ in added:
                self.remove_agent(i)
            for i, (j, breaks) in zip(agents, kept):
                self._restore(i, j, breaks)
            return 0.0
        if kind == "add":
            added = [self.add_agent(j) for j in items]
            change = sum(c for _, c in added)
            if change < -1e-9:
                self.counts[u][p] += 1
                if self._rest_holds([self._key(j) for j in items]):
                    return change
                self.counts[u][p] -= 1
            for i, _ in added:
                self.remove_agent(i)
            return 0.0
        columns = [self.col[i] for i in items]
        change = sum(self.remove_agent(i) for i in items)
        if change < -1e-9:
            self.counts[u][p] -= 1
            if self._rest_holds([self._key(j) for j in columns]):
                return change
            self.counts[u][p] += 1
        for j in columns:
            self.add_agent(j)
        return 0.0

    def _still_allowed(self, kind: str, u: int, p, items) -> bool:
        """Whether a move estimated before others of its batch were applied keeps the tour counts and caps."""
        unit, counts = self.units[u], self.counts[u]
        if kind == "add":
            return self._headroom(unit)
        agents = items[0] if kind == "days" else items
        if any(self.col[i] is None for i in agents):     # taken by another move of this round
            return False
        if kind == "remove":
            return counts[p] > 0 and self._can_lose_agent(unit)
        if p is not None:
            return counts[p[0]] > 0
        if unit["tour"] is None:
            return True
        day = self.day[items[1][0]]      # an ``any`` rule: no day may have more shifts than agents
        return len(self.on_day.get((unit["site"], unit["template"], day), ())) < counts[0]

    # -- driver ----------------------------------------------------------------------------

    def run(self, stop: float, target: float = -INF) -> None:
        """Descend to a local optimum: until ``stop``, a cost change of ``target`` or no move pays.

        No restarts (knock a few agents out, descend again): on the 100-agent bench week and the page's
        sample week none ever beat the first descent, with 0.5%, 1.7% or 5% of the agents knocked out,
        and they kept a planner waiting up to 40 s for the same plan. Placing every break at once
        (:func:`_breaks_placed`) is what moves a stalled search on."""
        rng = np.random.default_rng(0)
        self.value = 0.0                          # cost change since the start (slot-level penalties)
        while time.perf_counter() < stop and self.value > target:
            gained = 0.0
            # Placement first, to its end: an agent bought while shifts could still move to cover the same
            # slots is one too many (on the 100-agent bench week: 2.65% from the bound against 2.77%).
            while time.perf_counter() < stop:
                placed = self._placement_pass(stop, rng)
                gained += placed
                if placed <= 1e-6:
                    break
            gained -= self.overtime_moves(stop)     # overtime first: the band is cheaper to cover that way
            gained -= self.tour_moves(stop)
            self.value -= gained
            if gained <= 1e-6:
                return

    def _placement_pass(self, stop: float, rng: np.random.Generator) -> float:
        """Each agent's breaks, then the agent, to its best place; returns the cost saved (>= 0)."""
        gained = 0.0
        stuck: set[tuple] = set()   # (column, breaks) that found no better place this pass: its twins won't
        for i in rng.permutation(len(self.col)):
            if time.perf_counter() >= stop:
                break
            if self.col[i] is not None:
                gained -= self.place_breaks(i)
                key = (self.col[i], self.brk[i].tobytes())
                if key in stuck:
                    continue
                change = self.relocate(i)
                if change < 0:
                    gained -= change
                else:
                    stuck.add(key)
        return gained

    # -- rest between consecutive days ----------------------------------------------------------

    def _key(self, j: int) -> tuple:
        return self.site[j], self.template[j], self.day[j]

    def _rest_refresh(self) -> None:
        if self.rest_slots:
            self.rest_cache = {pair: self.rest_deficit(*pair, self.rest_slots)
                               for pair in self.rest_pairs()}

    def _rest_holds(self, keys: list[tuple]) -> bool:
        """After a move on the tour days ``keys`` (site, template, day): whether it left no more agent-days
        short of rest than before on the day pairs it touched (the new counts are then remembered)."""
        if not self.rest_cache:
            return True
        pairs = set()
        for key in keys:
            if key in self.unit_day:
                u, d = self.unit_day[key]
                pairs.update(pair for pair in ((u, (d - 1) % 7), (u, d)) if pair in self.rest_cache)
        now = {pair: self.rest_deficit(*pair, self.rest_slots) for pair in pairs}
        if sum(now.values()) > sum(self.rest_cache[pair] for pair in pairs):
            return False
        self.rest_cache.update(now)
        return True

    def rest_pairs(self) -> list[tuple[int, int]]:
        """(tour unit, day d of its week): the consecutive days d, d + 1 that one agent's tour may both work."""
        wrap = self.cyclic and self.model.timeline.weeks == 1
        return [(u, d) for u, unit in enumerate(self.units)
                if unit["tour"] is not None and unit["patterns"] is not None for d in range(7 if wrap else 6)]

    def _starts(self, u: int, d: int) -> dict[int, int]:
        """Agent -> unwrapped start slot on day ``d`` (0..7; 7 is next week's day 0) of tour unit ``u``."""
        unit = self.units[u]
        key = (unit["site"], unit["template"], unit["days"][d % 7])
        lap = self.T if d == 7 else 0
        return {i: int(self.unwrapped[self.col[i]]) + lap for i in self.on_day.get(key, ())
                if self.col[i] is not None}

    def rest_deficit(self, u: int, d: int, rest_slots: int, moved: tuple[int, int, int] | None = None) -> int:
        """Agents working days d and d + 1 on unit ``u`` who cannot get ``rest_slots`` between their shifts.

        Agents off on day d (their pattern starts on d + 1) may take any day d + 1 shift; the others need
        a day d shift that ends at least the rest before. Starts are an interval order, so by Hall's
        theorem the k-th earliest day d + 1 start needs k agents among those off on day d and those whose
        day d shift ended in time. ``moved`` = (agent, day, new unwrapped start) tries a move first.
        Shifts count without their overtime, as in the model's rest rows (:func:`_rest_rows`): an overtime
        block that would cut into someone's rest is one the roster does not offer them.
        """
        unit, counts = self.units[u], self.counts[u]
        before, after = self._starts(u, d), self._starts(u, d + 1)
        if not before or not after:
            return 0
        length = int(self.length[self.col[next(iter(before))]])
        ends = {i: start + length for i, start in before.items()}
        begins = dict(after)
        if moved is not None:
            i, day, start = moved
            if i in ends and day % 7 == d % 7:
                ends[i] = start + length + (self.T if d == 7 else 0)
            if i in begins and day % 7 == (d + 1) % 7:
                begins[i] = start + (self.T if d + 1 == 7 else 0)
        fresh = sum(int(c) for c, p in zip(counts, unit["patterns"]) if (d + 1) % 7 in p and d not in p)
        a, b = np.sort(list(ends.values())), np.sort(list(begins.values()))
        ready = np.searchsorted(a, b - rest_slots, side="right")
        return int(max(0, (np.arange(1, len(b) + 1) - fresh - ready).max()))

    def repair_rest(self, rest_slots: int, stop: float) -> int:
        """Move shifts to later starts on day d + 1 (or earlier ones on day d) until every agent can have
        ``rest_slots`` between consecutive working days, at the least coverage cost; returns what is left."""
        pairs = self.rest_pairs()
        self.value = getattr(self, "value", 0.0)
        while time.perf_counter() < stop:
            bad = [(u, d) for u, d in pairs if self.rest_deficit(u, d, rest_slots) > 0]
            if not bad or not any(self._fix_rest(u, d, rest_slots) for u, d in bad):
                break
        return sum(self.rest_deficit(u, d, rest_slots) for u, d in pairs)

    def _affected(self, u: int, day: int, rest_slots: int, moved=None) -> int:
        """Rest deficit of the two day pairs that include ``day`` (0..6) of unit ``u``."""
        pairs = [(u, d) for v, d in self.rest_pairs() if v == u and day in (d, (d + 1) % 7)]
        return sum(self.rest_deficit(v, d, rest_slots, moved) for v, d in pairs)

    def _fix_rest(self, u: int, d: int, rest_slots: int) -> bool:
        """The cheapest single move of one shift on day d (earlier) or d + 1 (later) that lowers the deficit."""
        unit = self.units[u]
        if unit["site"] in self.pinned:
            return False
        best = None
        for day, later in ((d + 1, True), (d, False)):
            starts = self._starts(u, day)
            chosen = sorted(starts, key=lambda i: starts[i], reverse=not later)[:REST_CANDIDATES]
            now = self._affected(u, day % 7, rest_slots)
            for i in chosen:
                j = self.col[i]
                if not self._movable(j):
                    continue
                index = self.day_columns[(unit["site"], unit["template"], unit["days"][day % 7])]
                shift = self.unwrapped[index] - self.unwrapped[j]
                index = index[shift > 0] if later else index[shift < 0]
                if not len(index):
                    continue
                scores = self._placement_scores(i, index)
                for k in np.argsort(scores)[:REST_TARGETS]:
                    target = int(index[k])
                    if self._affected(u, day % 7, rest_slots, (i, day, int(self.unwrapped[target]))) < now:
                        if best is None or scores[k] < best[0]:
                            best = (float(scores[k]), i, target)
                        break
        if best is None:
            return False
        _, i, target = best
        self.value += self.remove_agent(i)
        _, added = self.add_agent(target)
        self.value += added
        return True

    def _placement_scores(self, i: int, index: np.ndarray) -> np.ndarray:
        """Cost change of moving agent ``i`` to each column of ``index`` (its breaks placed later)."""
        j, breaks = self.col[i], self.brk[i].copy()
        change = self.remove_agent(i)
        start, end = self.slot[index], self.slot[index] + self.length[index]
        first = int(start.min())
        queues = np.unique(self.queue[index])
        slots = self.wrap(np.arange(first, int(end.max())))
        gain = self.marginal(queues[:, None], slots[None, :], +1.0)
        prefix = np.concatenate([np.zeros((len(queues), 1)), np.cumsum(gain, axis=1)], axis=1)
        row = np.searchsorted(queues, self.queue[index])
        scores = change + self.cost[index] + prefix[row, end - first] - prefix[row, start - first]
        self._restore(i, j, breaks)
        return scores

    def solution(self) -> np.ndarray:
        """Counts per shift column, break slot and tour; overtime kept; continuous part completed."""
        model, v = self.model, self.v.copy()
        cols = model.columns
        alive = [i for i, j in enumerate(self.col) if j is not None]
        v[cols["var"].to_numpy()] = np.bincount([self.col[i] for i in alive], minlength=len(cols))
        for tour, counts in zip(model.tours, self.counts):
            v[np.atleast_1d(tour["vars"])] = counts
        if len(model.overtime):
            v[model.overtime["var"].to_numpy()] = self.ot_count
        group_of = {(model.queues[g_q], g["length"], g["first"], g["last"]): g
                    for g in model.break_groups for g_q in [model.queues.index(g["queue"])]}
        for g in model.break_groups:
            if g["b"] is not None:
                v[g["b"]] = 0
        for i in alive:
            j = self.col[i]
            for p, window in enumerate(model.windows[self.template[j]]):
                g = group_of[(model.queues[self.queue[j]], window.length, window.first, window.last)]
                if g["b"] is not None:
                    v[g["b"][np.searchsorted(g["taus"], self.brk[i][p])]] += 1
        return complete(model, v)


def _column_need(model: ShiftModel) -> np.ndarray:
    """Requirement (agent-slots) inside each shift column's span: where to put shifts the LP did not."""
    T = model.timeline.slots
    per_slot = np.stack([np.repeat(model.requirement[q][0], model.interval_slots) for q in model.queues])
    cumulative = np.concatenate([np.zeros((len(model.queues), 1)), np.cumsum(np.tile(per_slot, 2), axis=1)], axis=1)
    cols = model.columns
    q, begin = cols["q"].to_numpy(), cols["slot"].to_numpy()
    end = np.minimum(begin + cols["length"].to_numpy(), 2 * T if model.timeline.cyclic else T)
    return cumulative[q, end] - cumulative[q, begin]


def _day_targets(model: ShiftModel, lp: np.ndarray, v: np.ndarray, x_lp: np.ndarray) -> dict[tuple, int]:
    """Integer shifts per (site, template, day) from rounded tours (written into ``v``)."""
    cols = model.columns
    targets: dict[tuple, int] = {}
    if not model.tours:
        for key, index in cols.groupby(["site", "template", "day"]).indices.items():
            targets[key] = int(np.floor(x_lp[index].sum() + 0.5))
        return targets
    for tour in model.tours:
        daily = np.bincount(tour["day"], weights=x_lp[tour["index"]], minlength=7)
        if tour["patterns"] is not None:
            w_lp = np.maximum(lp[tour["vars"]], 0)
            w = np.floor(w_lp + 1e-6)
            cover = np.array([sum(w[i] for i, p in enumerate(tour["patterns"]) if d in p) for d in range(7)])
            # Add whole agents (patterns) while some day still misses more than half a shift.
            while (daily - cover).max() > 0.5:
                gain = [np.minimum(np.maximum(daily - cover, 0), 1)[p].sum() for p in tour["patterns"]]
                best = int(np.argmax(gain))
                w[best] += 1
                cover[tour["patterns"][best]] += 1
            v[tour["vars"]] = w
            days = cover
        else:
            n = int(np.floor(np.maximum(lp[tour["vars"]], 0).sum() + 0.5))
            days = _largest_remainder(daily, tour["days"] * n, cap=n)
            v[tour["vars"]] = n
        for d in range(7):
            targets[(tour["site"], tour["template"], tour["week"] * 7 + d)] = int(days[d])
    return targets


def _largest_remainder(values: np.ndarray, total: int, cap: float = INF) -> np.ndarray:
    """Integers summing to ``total``, each at most ``cap``, close to ``values`` scaled to that total."""
    values = np.maximum(values, 0).astype(float)
    if total <= 0:
        return np.zeros(len(values), dtype=np.int64)
    scaled = values * total / values.sum() if values.sum() > 0 else np.full(len(values), total / len(values))
    out = np.minimum(np.floor(scaled), cap).astype(np.int64)
    for i in np.argsort(-(scaled - out), kind="stable"):
        if out.sum() >= total:
            break
        if out[i] < cap:
            out[i] += 1
    while out.sum() < total and (out < cap).any():   # the cap pushed shifts elsewhere
        out[np.argmin(np.where(out < cap, out - scaled, INF))] += 1
    return out


def _spread(total: int, x_lp: np.ndarray, q: np.ndarray, slot: np.ndarray, need: np.ndarray) -> np.ndarray:
    """``total`` integer starts over one (site, template, day) group following the LP's starts."""
    out = np.zeros(len(x_lp))
    if total <= 0:
        return out
    if x_lp.sum() <= 1e-9:
        x_lp = np.eye(len(x_lp))[int(np.argmax(need))]   # the tour needs a shift the LP did not place
    queues = np.unique(q)
    per_queue = _largest_remainder(np.array([x_lp[q == i].sum() for i in queues]), total)
    for i, count in zip(queues, per_queue):
        members = np.flatnonzero(q == i)
        members = members[np.argsort(slot[members], kind="stable")]
        share = x_lp[members] * (count / max(x_lp[members].sum(), 1e-12)) if x_lp[members].sum() > 1e-12 \
            else np.full(len(members), count / len(members))
        cumulative = np.floor(np.cumsum(share) + 0.5)
        cumulative[-1] = count
        out[members] = np.diff(np.concatenate([[0], cumulative]))
    return out


def _round_breaks(model: ShiftModel, lp: np.ndarray, v: np.ndarray) -> None:
    """Breaks where the LP put them: the LP's cumulative break count, scaled to the integer agents and
    rounded, then clamped so that nobody breaks before their window opens (at most the agents whose
    windows have opened) and everybody has by its close (at least those whose windows have closed)."""
    for g in model.break_groups:
        if g["b"] is None:
            continue
        taus, width = g["taus"], g["last"] - g["first"] + 1
        x = np.round(v[g["var"]])
        opened = np.cumsum(np.bincount(np.searchsorted(taus, g["opens"]), weights=x, minlength=len(taus)))
        order = np.searchsorted(g["opens"], taus - width + 1, side="right")
        closed = np.concatenate([[0], np.cumsum(x)])[order]
        target = np.cumsum(np.maximum(lp[g["b"]], 0))
        if target[-1] > 0:
            target *= x.sum() / target[-1]
        cumulative = np.clip(np.floor(target + 0.5), closed, opened)
        v[g["b"]] = np.diff(np.concatenate([[0], cumulative]))


def _round_overtime(model: ShiftModel, lp: np.ndarray, v: np.ndarray) -> None:
    """Round overtime to the nearest block count, then trim to the shifts it extends and the weekly caps."""
    ot = model.overtime
    if not len(ot):
        return
    var = ot["var"].to_numpy()
    o = np.floor(np.maximum(lp[var], 0) + 0.5)
    cols = model.columns
    x = v[cols["var"].to_numpy()]
    ends = pd.Series(x).groupby([cols["site"], cols["queue"], cols["slot"] + cols["length"]]).sum()
    starts = pd.Series(x).groupby([cols["site"], cols["queue"], cols["slot"]]).sum()
    order = np.argsort(-ot["length"].to_numpy(), kind="stable")   # trim the longest first
    used: dict[tuple, float] = {}
    for i in order:
        if o[i] <= 0:
            continue
        key = (ot["site"].iat[i], ot["queue"].iat[i], int(ot["anchor"].iat[i]))
        shifts = (ends if ot["side"].iat[i] == "after" else starts).get(key, 0.0)
        side_key = key + (ot["side"].iat[i],)
        o[i] = min(o[i], max(shifts - used.get(side_key, 0.0), 0))
        used[side_key] = used.get(side_key, 0.0) + o[i]
    v[var] = o
    hours = ot["length"].to_numpy() * QUANTUM / 60
    for cap in model.overtime_caps:
        rows = cap["rows"]
        allowed = cap["limit"] * v[cap["heads"]].sum()
        for j in rows[np.argsort(lp[var[rows]], kind="stable")]:   # drop the blocks the LP wanted least first
            excess = (o[rows] * hours[rows]).sum() - allowed
            if excess <= 1e-9:
                break
            o[j] -= min(o[j], np.ceil(excess / hours[j]))
        v[var[rows]] = o[rows]


# ----------------------------------------------------------------------------------------------
# solving: LP relaxation (the bound), rounding (a first plan), MIP from that start (better plans)
# ----------------------------------------------------------------------------------------------

# Above this many rows the LP goes to the interior-point solver without crossover (on these
# time-expanded models several times faster than simplex; the bound needs no vertex), and the MIP
# is skipped: its root LP alone, by dual simplex, takes minutes, so local search gets the time.
LARGE_ROWS = 15_000
# Tie-break weight (currency per agent-slot of spare cover) when two break slots cost the same.
TIE = 1e-3
# Local search: how many of the best removals and additions are paired up when neither pays alone.
PAIRS = 12
BATCH_MOVES, BATCH_TRIES = 8, 32   # agent moves applied, and tried, per estimate of them all
TICK_SECONDS = 0.5      # between progress reports while a solver runs without news
OVERTIME_BATCH = 500   # overtime blocks offered or withdrawn per round of local search


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
REST_CANDIDATES = 8  # earliest next-day (latest same-day) shifts tried per repair move
REST_TARGETS = 48    # cheapest new starts tried for each of them


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
    search = _LocalSearch(model, v, options.weights)
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
        search = _LocalSearch(model, improved, options.weights)
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
        v = round_solution(model, lp, options.weights)
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
        search = _LocalSearch(model, v, options.weights, rest)
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
# reading a solution: shifts with their break times, overtime blocks, coverage
# ----------------------------------------------------------------------------------------------


def _agent_breaks(model: ShiftModel, v: np.ndarray) -> dict[int, np.ndarray]:
    """Shift column -> (agents x breaks) break start slots, matching breaks to agents first come, first served.

    Within a break class agents (by window) and breaks (by time) are both sorted, so the i-th break goes
    to the i-th agent; the chain constraints guarantee it falls inside that agent's window.
    """
    cols = model.columns
    x = np.round(v[cols["var"].to_numpy()]).astype(np.int64)
    out = {int(j): np.zeros((x[j], len(model.windows[cols.at[j, "template"]])), dtype=np.int64)
           for j in np.flatnonzero(x > 0)}
    for g in model.break_groups:
        counts = x[g["members"]]
        if g["b"] is None:
            tau = np.repeat(g["opens"], counts)
        else:
            tau = np.repeat(g["taus"], np.round(v[g["b"]]).astype(np.int64))
        first_agent = np.concatenate([[0], np.cumsum(counts)])
        for i in np.flatnonzero(counts):
            j = int(g["members"][i])
            out[j][:, g["position"][cols.at[j, "template"]]] = tau[first_agent[i]:first_agent[i + 1]]
    return out


def _local(times: pd.Series | pd.DatetimeIndex, zone: str) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(times).tz_convert(zone)


def read_shifts(model: ShiftModel, v: np.ndarray, sites: dict[str, Site],
                templates: dict[str, ShiftTemplate]) -> pd.DataFrame:
    """One row per (site, queue, template, start, break times) with the number of agents.

    Times: ``start_utc``/``end_utc``; ``date_local``, ``start_local``, ``end_local`` in the site's zone;
    ``break_offsets`` minutes after the start (elapsed, so DST-proof) and ``break_starts_local`` wall times.
    """
    cols = model.columns
    breaks = _agent_breaks(model, v)
    rows = []
    for j, slots in breaks.items():
        column = cols.loc[j]
        offsets = (slots - column["slot"]) * QUANTUM
        patterns, counts = np.unique(offsets, axis=0, return_counts=True) if offsets.shape[1] else \
            (np.zeros((1, 0), dtype=np.int64), np.array([len(offsets)]))
        for pattern, count in zip(patterns, counts):
            rows.append({"site": column["site"], "queue": column["queue"], "template": column["template"],
                         "date_local": column["date_local"], "start_minute": int(column["start_local"]),
                         "start_utc": column["start_utc"], "length": int(column["length"]), "count": int(count),
                         "break_offsets": tuple(int(p) for p in pattern), "paid_hours": float(column["paid_hours"]),
                         "night_hours": float(column["night_hours"]), "cost": float(column["cost"])})
    columns = ["site", "queue", "template", "date_local", "start_local", "end_local", "start_utc", "end_utc", "count",
               "break_offsets", "break_starts_local", "paid_hours", "night_hours", "cost"]
    if not rows:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(rows)
    frame["end_utc"] = frame["start_utc"] + pd.to_timedelta(frame["length"] * QUANTUM, unit="min")
    frame["start_local"] = [f"{m // 60:02d}:{m % 60:02d}" for m in frame["start_minute"]]
    ends, starts_local = [], []
    for row in frame.itertuples():
        zone = sites[row.site].timezone
        ends.append(row.end_utc.tz_convert(zone).strftime("%H:%M"))
        times = _local([row.start_utc + pd.Timedelta(minutes=o) for o in row.break_offsets], zone) \
            if row.break_offsets else []
        starts_local.append(tuple(t.strftime("%H:%M") for t in times))
    frame["end_local"], frame["break_starts_local"] = ends, starts_local
    return frame[columns].sort_values(["site", "queue", "start_utc", "template", "break_offsets"], ignore_index=True)


def read_overtime(model: ShiftModel, v: np.ndarray, sites: dict[str, Site]) -> pd.DataFrame:
    """Overtime blocks to offer: site, queue, side, local date and times, minutes, count, cost if all called."""
    columns = ["site", "queue", "side", "date_local", "start_local", "end_local", "start_utc", "end_utc", "minutes",
               "count", "cost_if_used"]
    ot = model.overtime
    if not len(ot):
        return pd.DataFrame(columns=columns)
    count = np.round(v[ot["var"].to_numpy()]).astype(np.int64)
    used = ot[count > 0].assign(count=count[count > 0])
    if used.empty:
        return pd.DataFrame(columns=columns)
    # Real times next to the shift each block extends, even past the horizon's ends (a cyclic week counts
    # those minutes at its other end).
    start = model.timeline.times(used["first"].to_numpy())
    frame = pd.DataFrame({"site": used["site"].to_numpy(), "queue": used["queue"].to_numpy(),
                          "side": used["side"].to_numpy(), "start_utc": start,
                          "minutes": used["length"].to_numpy() * QUANTUM, "count": used["count"].to_numpy(),
                          "cost_if_used": used["cost"].to_numpy() * used["count"].to_numpy()})
    frame["end_utc"] = frame["start_utc"] + pd.to_timedelta(frame["minutes"], unit="min")
    dates, starts, ends = [], [], []
    for row in frame.itertuples():
        zone = sites[row.site].timezone
        begin, end = row.start_utc.tz_convert(zone), row.end_utc.tz_convert(zone)
        dates.append(begin.date())
        starts.append(begin.strftime("%H:%M"))
        ends.append(end.strftime("%H:%M"))
    frame["date_local"], frame["start_local"], frame["end_local"] = dates, starts, ends
    return frame[columns].sort_values(["site", "start_utc", "queue"], ignore_index=True)


def read_tours(model: ShiftModel, v: np.ndarray) -> pd.DataFrame:
    """Agents per (site, template, week) and days-off pattern: ``pattern`` lists the local weekdays worked
    (``Mon;Tue;Wed;Thu;Fri``), or ``any 4 days`` under an ``any`` rule. Empty without whole weeks."""
    rows = []
    names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    for tour in model.tours:
        site, template = tour["site"], tour["template"]
        if tour["patterns"] is None:
            rows.append({"site": site, "template": template, "week": tour["week"],
                         "pattern": f"any {tour['days']} days", "count": int(round(float(v[tour["vars"]].sum())))})
            continue
        first = _first_weekday_of(model, site)
        for var, days in zip(tour["vars"], tour["patterns"]):
            count = int(round(float(v[var])))
            if count:
                weekdays = sorted((first + d) % 7 for d in days)
                rows.append({"site": site, "template": template, "week": tour["week"],
                             "pattern": ";".join(names[d] for d in weekdays), "count": count})
    return pd.DataFrame(rows, columns=["site", "template", "week", "pattern", "count"])


def _first_weekday_of(model: ShiftModel, site: str) -> int:
    own = model.columns[model.columns["site"] == site].iloc[0]
    return int((own["weekday"] - own["day"]) % 7)


def read_coverage(model: ShiftModel, v: np.ndarray) -> pd.DataFrame:
    """Per queue and requirement interval (UTC): required, scheduled (working, not on break), on break,
    overtime, shortfall below ``required``, shortfall below ``required_upper`` after overtime, over-staffing."""
    cover = interval_coverage(model, slot_counts(model, v))
    n = cover["working"].shape[1]
    ds = model.timeline.start + pd.to_timedelta(np.arange(n) * model.interval_minutes, unit="min")
    frames = []
    for i, queue in enumerate(model.queues):
        frames.append(pd.DataFrame({
            "queue": queue, "ds": ds, "required": cover["required"][i], "required_upper": cover["required_upper"][i],
            "scheduled": cover["working"][i], "on_break": cover["on_break"][i], "overtime": cover["overtime"][i],
            "shortfall": cover["short"][i], "upper_shortfall": cover["short_up"][i], "over": cover["over"][i]}))
    return pd.concat(frames, ignore_index=True)


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
    v, report = solve(model, options, progress, build_seconds=time.perf_counter() - started)
    if progress:
        progress(f"{report.status}", 1.0)
    return ShiftPlan(shifts=read_shifts(model, v, sites, templates), overtime=read_overtime(model, v, sites),
                     coverage=read_coverage(model, v), tours=read_tours(model, v), report=report, warnings=model.warnings,
                     sites=sites, templates=templates, overtime_rules=overtime or {}, timeline=model.timeline, interval_minutes=requirements.interval_minutes,
                     options=options)
