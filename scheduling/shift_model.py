"""The shift-plan MILP: data -> variables -> constraints -> objective (:func:`build_model`), and what an
integer plan means on it (agents per slot, the continuous part it implies, its violation, break times per agent).

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
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scheduling.plan_options import PlanOptions, Weights
from scheduling.shifts import (QUANTUM, SLOT, Timeline, break_windows, candidate_shifts, slot_requirements,
                               uncoverable)
from scheduling.sites import OvertimeRule, Requirements, ShiftTemplate, Site

INF = math.inf


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
        weekday_of = [(first_weekday(candidates, site_name) + j) % 7 for j in range(7)]
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


def first_weekday(candidates: pd.DataFrame, site: str) -> int:
    """Weekday (0 = Monday) of tour day 0 at a site (the local date of the horizon's start), from the
    candidate shifts or the model's shift columns."""
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
# integer solutions: slot counts, completion of the continuous part, break times per agent
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


def agent_breaks(model: ShiftModel, v: np.ndarray) -> dict[int, np.ndarray]:
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
