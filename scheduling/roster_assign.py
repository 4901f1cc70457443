"""The roster's assignment model: one site's planned shifts given to its agents under the labour
rules (:func:`solve_site`), by tours, shifts and repairs.

Overtime is an offer (see :mod:`scheduling.roster`): every type of shift with overtime has variants
without its block before, after or both (:func:`_without_overtime`), priced per hour not offered below
an open hour.

Method, per site (sites share no agents), after grouping planned shifts that no rule tells apart
(same template, start, overtime and the same agents serving the queue; break times and
interchangeable queues are dealt out afterwards):

1. Tours (:func:`_choose_tours`): a small MILP (HiGHS) over "agent a works template T on days p this
   week" for the template's days-off patterns. Per template and day, exactly as many agents work as
   the plan has shifts; Hall's condition over the site's queue groups makes sure they can be matched
   by queue; the largest rest-compatible matching between consecutive days bounds how many may work
   both. Costs: open shifts, preferred days off worked, a convex penalty on weekend days per agent, a
   reward for giving contracted agents a tour.
2. Shifts (:func:`_assign_shifts`): with tours fixed, agents who are alike (same days-off pattern,
   same shifts open to them: all anonymous agents of a template) first get whole weeks from
   :func:`_chain_seed`, a small integer flow of chains of rest-compatible shifts through each
   pattern's working days. Then each agent's working days get a shift by a large-neighbourhood
   search over days: each day, then each pair of consecutive days, re-solved exactly with all other
   days fixed (a transportation problem, plus the rest conflicts between the two days), while a pass
   lowers the cost: open shifts, preferences (shift kinds), a convex penalty on nights and lates per
   agent.
3. Repair (:func:`_repair_open`, :func:`_repair`): a tour that could not be filled is re-solved
   exactly with up to :data:`REPAIR_AGENTS` agents on the same template (ejection chains: those
   holding shifts it could work, those who could take what is open): tours, shifts and rest as
   clique rows of the interval graph of shifts stretched by the rest time. An agent still left with
   an unfilled day gives up that week's tour, so the roster never breaks a rule; its shifts are
   reported open.

Every solver limit is a node or pass count, not time (except the safety ``time_limit``), so the same
input gives the same roster on a busy machine.

Why not one MILP over agents x shifts: measured on the bench instance (100 agents and ~450 shift
types a site) it has ~26,000 binaries and 500,000-700,000 nonzeros, and HiGHS had not finished the
root LP after 15 s; the steps above staff every shift of that instance in about 5-15 s a site
(``bench/roster.py``), and on 12 seeded instances with a planted feasible roster they left nothing
open. They are not a proof of optimality: a shift reported open under "the rules leave no one" may,
rarely, have had a roster elsewhere in the search space.
"""
from __future__ import annotations

import itertools
import math
import time

import numpy as np
import pandas as pd

from scheduling.agents import Agent
from scheduling.roster_agents import blocked, template_fits
from scheduling.roster_options import RosterOptions, RosterWeights
from scheduling.roster_plan import Horizon, Plan
from scheduling.sites import ShiftTemplate, Site

INF = math.inf


class _Model:
    """Columns and rows added in blocks; entries as (row, column, value) triplets; solved with HiGHS."""

    def __init__(self) -> None:
        self.cols: list[tuple[np.ndarray, np.ndarray, np.ndarray, bool]] = []
        self.rows: list[tuple[np.ndarray, np.ndarray]] = []
        self.entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.n_cols = self.n_rows = 0

    def variables(self, count: int, *, lb=0.0, ub=1.0, cost=0.0, integer: bool = True) -> np.ndarray:
        self.cols.append((np.broadcast_to(np.asarray(lb, float), count), np.broadcast_to(np.asarray(ub, float), count),
                          np.broadcast_to(np.asarray(cost, float), count), integer))
        self.n_cols += count
        return np.arange(self.n_cols - count, self.n_cols)

    def constraints(self, count: int, *, lb=-INF, ub=INF) -> np.ndarray:
        self.rows.append((np.broadcast_to(np.asarray(lb, float), count), np.broadcast_to(np.asarray(ub, float), count)))
        self.n_rows += count
        return np.arange(self.n_rows - count, self.n_rows)

    def add(self, rows, cols, values) -> None:
        rows, cols = np.atleast_1d(np.asarray(rows, np.int64)), np.atleast_1d(np.asarray(cols, np.int64))
        self.entries.append((rows, cols, np.broadcast_to(np.asarray(values, float), rows.shape).copy()))

    def solve(self, options: RosterOptions, *, max_nodes: int | None = None) -> tuple[np.ndarray | None, dict]:
        """Solve with HiGHS within ``options.time_limit`` (and ``max_nodes`` branch-and-bound nodes: a limit
        that, unlike time, gives the same answer on a busy machine). Returns (values or None, report)."""
        # Imported here, not at the top: planning (CBC fallback) and the CLI must work without highspy.
        import highspy

        cat = lambda parts: np.concatenate(parts) if parts else np.zeros(0)  # noqa: E731
        lb, ub, cost = (cat([c[i] for c in self.cols]) for i in range(3))
        integer = cat([np.full(len(c[0]), c[3]) for c in self.cols]).astype(bool)
        rows, cols, vals = (cat([e[i] for e in self.entries]) for i in range(3))
        rows, cols = rows.astype(np.int64), cols.astype(np.int64)
        order = np.lexsort((rows, cols))
        rows, cols, vals = rows[order], cols[order], vals[order]
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = self.n_cols, self.n_rows
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, lb, ub
        lp.row_lower_ = cat([r[0] for r in self.rows])
        lp.row_upper_ = cat([r[1] for r in self.rows])
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = self.n_cols, self.n_rows
        lp.a_matrix_.start_ = np.searchsorted(cols, np.arange(self.n_cols + 1)).astype(np.int32)
        lp.a_matrix_.index_ = rows.astype(np.int32)
        lp.a_matrix_.value_ = vals
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in integer]
        solver = highspy.Highs()
        solver.setOptionValue("output_flag", False)
        solver.setOptionValue("time_limit", float(options.time_limit))
        solver.setOptionValue("mip_rel_gap", float(options.gap))
        solver.setOptionValue("random_seed", 0)
        if options.threads:
            solver.setOptionValue("threads", int(options.threads))
        if max_nodes is not None:
            solver.setOptionValue("mip_max_nodes", int(max_nodes))
        solver.passModel(lp)
        solver.run()
        info = solver.getInfo()
        status = solver.modelStatusToString(solver.getModelStatus())
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        report = {"status": status, "objective": float(info.objective_function_value) if has_solution else None,
                  "bound": float(info.mip_dual_bound), "gap": float(info.mip_gap) if has_solution else None,
                  "columns": self.n_cols, "rows": self.n_rows, "nonzeros": int(len(vals))}
        values = np.asarray(solver.getSolution().col_value) if has_solution else None
        return values, report


def _types(shifts: pd.DataFrame, agents: list[Agent]) -> tuple[pd.DataFrame, np.ndarray]:
    """Shift types of one site: planned shifts alike for every rule (same template, start, overtime and
    the same agents serving the queue) with their count, then :func:`_without_overtime`'s variants.
    Returns (types, type index of each shift)."""
    serving = {q: frozenset(a.agent_id for a in agents if q in a.queues) for q in shifts["queue"].unique()}
    group_of = {s: i for i, s in enumerate(dict.fromkeys(serving.values()))}
    keyed = shifts.assign(group=shifts["queue"].map(lambda q: group_of[serving[q]]))
    # start_utc too: the same working span may be a shift plus overtime before or another shift plus after
    keys = ["template", "day", "work_start", "work_end", "start_utc", "group"]
    index = keyed.groupby(keys, sort=True).ngroup().to_numpy()
    types = keyed.groupby(keys, sort=True).agg(
        count=("shift_id", "size"), site=("site", "first"), queue=("queue", "first"), week=("week", "first"),
        paid_hours=("paid_hours", "first"), overtime_hours=("overtime_hours", "first"), kind=("kind", "first"),
        weekend=("weekend", "first"), lap=("lap", "first"), end_utc=("end_utc", "first"),
        ot_before=("ot_before", "first"), ot_after=("ot_after", "first"),
        weekday=("date_local", lambda d: d.iloc[0].weekday()),
    ).reset_index()
    return _without_overtime(types), index


def _without_overtime(types: pd.DataFrame) -> pd.DataFrame:
    """Add, for each type with overtime, the same shift without its block before, after, or both:
    ``parent`` (the planned type it staffs; a planned type is its own parent), ``count`` 0 (the parent
    holds the count), ``dropped_before/dropped_after`` (minutes of planned overtime not offered).

    Why: overtime is an offer, paid only if worked, while a planned shift left open is a hole in the
    schedule. An extension can break the rest between days or the weekly overtime cap for everyone
    who could work the shift; the roster may then staff the shift without it, at a cost per hour not
    offered (:attr:`RosterWeights.overtime_not_offered`) below that of an open shift."""
    out = types.assign(parent=np.arange(len(types)), dropped_before=0, dropped_after=0)
    variants = []
    for before, after in ((True, False), (False, True), (True, True)):
        has = np.ones(len(types), dtype=bool)
        if before:
            has &= types["ot_before"].to_numpy() > 0
        if after:
            has &= types["ot_after"].to_numpy() > 0
        part = out[has].copy()
        if part.empty:
            continue
        part["count"] = 0
        if before:
            part["dropped_before"], part["ot_before"] = part["ot_before"], 0
        if after:
            part["dropped_after"], part["ot_after"] = part["ot_after"], 0
        part["work_start"] = part["start_utc"] - pd.to_timedelta(part["ot_before"], unit="min")
        part["work_end"] = part["end_utc"] + pd.to_timedelta(part["ot_after"], unit="min")
        part["overtime_hours"] = (part["ot_before"] + part["ot_after"]) / 60
        variants.append(part)
    return pd.concat([out, *variants], ignore_index=True) if variants else out


def solve_site(site: Site, shifts: pd.DataFrame, agents: list[Agent], plan: Plan,
               options: RosterOptions) -> tuple[dict[int, str], dict[int, tuple[int, int]], dict]:
    """Assign one site's planned shifts: shift_id -> agent_id (open shifts absent), shift_id -> minutes
    of overtime (before, after) not offered (shifts staffed without some of theirs), and the solve report."""
    began = time.perf_counter()
    horizon = plan.horizon
    if not agents or shifts.empty:
        return {}, {}, {"site": site.site, "tours_status": "nothing to solve", "agents": len(agents),
                    "shifts": len(shifts), "types": 0, "passes": 0, "repaired": 0, "tours_given_up": 0,
                    "seconds": 0.0}
    types, type_of = _types(shifts, agents)
    members = {g: {a.agent_id for a in agents if q in a.queues} for g, q in zip(types["group"], types["queue"])}
    eligible: dict[str, np.ndarray] = {}
    for agent in agents:
        fits = {name for name, t in plan.templates.items() if template_fits(agent, t, horizon)}
        ok = types["template"].isin(fits).to_numpy(copy=True)
        ok &= np.array([agent.agent_id in members[g] for g in types["group"]], dtype=bool)
        ok &= ~blocked(agent, types["work_start"], types["work_end"], site.timezone, horizon)
        if ok.any():
            eligible[agent.agent_id] = ok
    by_id = {a.agent_id: a for a in agents}
    tours, report = None, {}
    if horizon.weeks:
        tours, report = _choose_tours(types, by_id, eligible, members, plan, options)
    assignment, unoffered, shift_report = _assign_shifts(types, type_of, shifts, by_id, eligible, tours, plan,
                                                         options)
    report = {"tours_" + k: v for k, v in report.items()}
    planned = types["count"].to_numpy() > 0
    report.update(shift_report, site=site.site, agents=len(agents), shifts=len(shifts), types=int(planned.sum()),
                  types_without_overtime=int((~planned).sum()), seconds=time.perf_counter() - began)
    return assignment, unoffered, report


def _in_tours(types: pd.DataFrame, tours: dict[tuple[str, int], tuple[str, tuple[int, ...]]], agent_id: str
              ) -> np.ndarray:
    """Types inside the agent's chosen tours: their template on their working days."""
    out = np.zeros(len(types), dtype=bool)
    for (a, _), (template, days) in tours.items():
        if a == agent_id:
            out |= (types["template"] == template).to_numpy() & types["day"].isin(days).to_numpy()
    return out


def _choose_tours(types: pd.DataFrame, agents: dict[str, Agent], eligible: dict[str, np.ndarray],
                  members: dict[int, set[str]], plan: Plan, options: RosterOptions
                  ) -> tuple[dict[tuple[str, int], tuple[str, tuple[int, ...]]], dict]:
    """Stage 1: per agent and week a tour (template and working days) so that each day has exactly as
    many agents on each template as the plan has shifts, and they can be matched to them by queue.

    Rows: per (template, day) agents working = planned shifts - shortfall; per (template, day) and set
    S of queue groups, agents who serve nothing outside S <= shifts in S - their shortfall (Hall's
    condition: with equal totals it is exactly when every working agent can get a shift of a queue
    they serve; a site has a handful of groups, so all subsets are listed); one tour per agent and
    week; runs of working days across weeks. Costs: shortfall (open shifts), preferred days off worked, a convex
    penalty on weekend days per agent, and a reward for giving contracted agents a tour. A pattern is
    offered only if the agent can take some shift of the template on each of its days (queues, partial
    unavailability)."""
    w = options.weights
    horizon = plan.horizon
    site = plan.sites[types["site"].iloc[0]]
    m = _Model()
    need = types.groupby(["template", "day"])["count"].sum()
    need_group = types.groupby(["template", "day", "group"])["count"].sum()
    hours = {name: t.paid_minutes / 60 for name, t in plan.templates.items()}
    short = dict(zip(need_group.index, m.variables(len(need_group), ub=need_group.to_numpy(dtype=float),
                                                   integer=False,
                                                   cost=[w.open_shift_hour * hours[k[0]] for k in need_group.index])))
    day_rows = dict(zip(need.index, m.constraints(len(need), lb=need.to_numpy(float), ub=need.to_numpy(float))))
    for key, var in short.items():
        m.add(day_rows[key[:2]], var, 1.0)
    hall: dict[tuple[str, int], list[tuple[frozenset, int]]] = {}
    for (name, day), part in need_group.groupby(level=[0, 1]):
        groups = [k[2] for k in part.index]
        for size in range(1, len(groups)):
            for subset in itertools.combinations(groups, size):
                row = int(m.constraints(1, ub=float(sum(need_group[(name, day, g)] for g in subset)))[0])
                m.add(np.full(len(subset), row), [short[(name, day, g)] for g in subset], 1.0)
                hall.setdefault((name, day), []).append((frozenset(subset), row))
    template_of, day_of = types["template"].to_numpy(), types["day"].to_numpy()
    first_weekday = horizon.first_date(site.timezone).weekday()
    weekday = lambda d: (first_weekday + d) % 7  # noqa: E731
    chains = _chain_limits(types, horizon, options.rest_hours)
    chain_rows = {key: int(m.constraints(1, ub=float(limit))[0]) for key, limit in chains.items()}
    choices: list[tuple[str, int, str, tuple[int, ...], int]] = []   # agent, week, template, days, variable
    for agent_id, ok in eligible.items():
        agent = agents[agent_id]
        served = frozenset(g for g in members if agent_id in members[g])
        weekend_terms: list[tuple[int, int]] = []
        all_vars: list[tuple[int, tuple[int, ...]]] = []
        for week in range(horizon.weeks):
            week_days = list(range(7 * week, 7 * week + 7))
            tour_vars = []
            for name in np.unique(template_of[ok & (day_of // 7 == week)]):
                template = plan.templates[name]
                open_days = {int(d) for d in day_of[ok & (template_of == name)]}
                for days in _patterns(template, week_days, weekday):
                    if not set(days) <= open_days:
                        continue
                    cost = (w.preference * sum(weekday(d) in agent.days_off for d in days)
                            - w.contract_use * agent.min_hours)
                    var = int(m.variables(1, cost=cost)[0])
                    choices.append((agent_id, week, name, days, var))
                    tour_vars.append(var)
                    all_vars.append((var, days))
                    rows = [day_rows[(name, d)] for d in days]
                    rows += [row for d in days for subset, row in hall.get((name, d), []) if served <= subset]
                    rows += [row for (t, d, subset), row in chain_rows.items()
                             if t == name and d in days and (d + 1) % horizon.days in days and served <= subset]
                    m.add(rows, np.full(len(rows), var), 1.0)
                    ends = sum(weekday(d) >= 5 for d in days)
                    if ends:
                        weekend_terms.append((var, ends))
            if tour_vars:
                one = m.constraints(1, ub=1.0)
                m.add(np.repeat(one, len(tour_vars)), tour_vars, 1.0)
        _convex(m, weekend_terms, w.weekend)
        run = options.max_consecutive_days
        if horizon.days > run and all_vars:
            for first in range(horizon.days):
                window = {(first + k) % horizon.days for k in range(run + 1)}
                terms = [(v, len(window & set(days))) for v, days in all_vars if window & set(days)]
                if sum(n for _, n in terms) > run:
                    row = m.constraints(1, ub=float(run))
                    m.add(np.repeat(row, len(terms)), [v for v, _ in terms], [n for _, n in terms])
    values, report = m.solve(options)
    tours = {}
    if values is not None:
        for agent_id, week, name, days, var in choices:
            if values[var] > 0.5:
                tours[(agent_id, week)] = (name, days)
    return tours, report


def _chain_limits(types: pd.DataFrame, horizon: Horizon, rest_hours: float
                  ) -> dict[tuple[str, int, frozenset], int]:
    """Per (template, day, set S of queue groups): the most agents serving only S who can work that day
    and the next on the template, i.e. the largest matching of the day's S shifts to the next day's
    S shifts with the rest time between them (S = all groups bounds everybody).

    Compatibility (next start >= end + rest) is an interval order, so matching each next-day shift in
    start order to any still-unmatched earlier shift that ended in time is maximum. Only limits that
    bind (below the smaller day's S shifts) are returned. Shifts are taken without their overtime: a
    shift may be staffed without it (:func:`_without_overtime`), so the limit stays an upper bound."""
    out = {}
    rest = pd.Timedelta(hours=rest_hours)
    groups = sorted(types["group"].unique())
    subsets = [frozenset(c) for k in range(1, len(groups) + 1) for c in itertools.combinations(groups, k)]
    for name, part in types.groupby("template"):
        by_day = {d: g for d, g in part.groupby("day")}
        for day, today in by_day.items():
            following = (day + 1) % horizon.days if horizon.cyclic else day + 1
            if following not in by_day:
                continue
            tomorrow = by_day[following]
            # times on the day's own lap of the cycle, the next day one cycle on when it wraps
            lap = lambda g, extra: pd.to_timedelta((extra - g["lap"]) * horizon.days, unit="D")  # noqa: E731
            end = (today["end_utc"] + lap(today, 0) + rest).to_numpy()
            begin = (tomorrow["start_utc"] + lap(tomorrow, int(following < day))).to_numpy()
            for subset in subsets:
                mine, theirs = today["group"].isin(subset).to_numpy(), tomorrow["group"].isin(subset).to_numpy()
                ends = np.sort(np.repeat(end[mine], today["count"].to_numpy()[mine]))
                starts = np.sort(np.repeat(begin[theirs], tomorrow["count"].to_numpy()[theirs]))
                matched = free = i = 0
                for at in starts:
                    while i < ends.size and ends[i] <= at:
                        free, i = free + 1, i + 1
                    if free:
                        free, matched = free - 1, matched + 1
                if matched < min(ends.size, starts.size):
                    out[(name, int(day), subset)] = matched
    return out


def _patterns(template: ShiftTemplate, week_days: list[int], weekday) -> list[tuple[int, ...]]:
    """Working days (horizon day numbers) of each tour the template allows in one week."""
    allowed = [d for d in week_days if weekday(d) in template.allowed_days]
    if template.days_off_rule == "consecutive":
        return [tuple(d for d in week_days if weekday(d) in p) for p in template.day_patterns()]
    return [tuple(c) for c in itertools.combinations(allowed, template.days_per_week)]


def _convex(m: _Model, terms: list[tuple[int, int]], weight: float) -> None:
    """Add ``weight * (1 + 2 + ... + n)`` for ``n = sum(coef * var)``: unit steps with rising costs."""
    if not terms or weight <= 0:
        return
    most = sum(n for _, n in terms)
    steps = m.variables(most, cost=weight * np.arange(1, most + 1), integer=False)
    row = m.constraints(1, lb=0.0, ub=0.0)
    m.add(np.repeat(row, len(terms)), [v for v, _ in terms], [n for _, n in terms])
    m.add(np.repeat(row, most), steps, -1.0)


def _assign_shifts(types: pd.DataFrame, type_of: np.ndarray, shifts: pd.DataFrame, agents: dict[str, Agent],
                   eligible: dict[str, np.ndarray], tours: dict | None, plan: Plan, options: RosterOptions
                   ) -> tuple[dict[int, str], dict[int, tuple[int, int]], dict]:
    """Stage 2: a shift type for each working day of each agent, by large-neighbourhood search over days.

    With every other day of every agent fixed, each rule is a property of one (agent, shift type)
    pair: rest against the agent's other shifts (cyclic), the weekly overtime cap, and without tours
    the hours pro rata and runs of days. One day is then a transportation problem (agents x types with
    counts) that HiGHS solves exactly; two consecutive days together add only the rest conflicts
    between them. The first pass solves the days in order (costs include how much of the agent's
    next day a shift would rule out); later passes re-solve each pair of consecutive days, wrapping
    Sunday to Monday, until a pass no longer lowers the total cost. Costs: open shifts, overtime not
    offered (a planned type staffed as one of its variants without overtime, which count towards the
    parent's shifts), preferences, the marginal convex penalty of one more night or late for the agent,
    and a tour day left unfilled, priced above any open shift. An agent left with an unfilled tour day
    gives up that week's tour (its shifts stay open), so no rule is ever broken.

    Returns shift_id -> agent_id, shift_id -> overtime minutes (before, after) not offered, and a report.
    """
    w = options.weights
    horizon = plan.horizon
    began = time.perf_counter()
    rule = plan.overtime_rules.get(types["site"].iloc[0])
    cap = rule.max_hours_per_agent_week if rule is not None else INF
    period = horizon.seconds if horizon.cyclic else None
    start = ((types["work_start"] - horizon.start) / pd.Timedelta(seconds=1)).to_numpy()
    reach = ((types["work_end"] - horizon.start) / pd.Timedelta(seconds=1)).to_numpy() + options.rest_hours * 3600.0
    day_all, kind_all = types["day"].to_numpy(), types["kind"].to_numpy()
    weekday_all, overtime_all = types["weekday"].to_numpy(), types["overtime_hours"].to_numpy()
    paid_all, counts = types["paid_hours"].to_numpy(), types["count"].to_numpy(dtype=float)
    parent = types["parent"].to_numpy()          # the planned type each type staffs (itself if planned)
    planned = parent == np.arange(len(types))
    open_cost = w.open_shift_hour * (paid_all + overtime_all)
    dropped_cost = w.overtime_not_offered * (types["dropped_before"] + types["dropped_after"]).to_numpy() / 60
    unfilled_cost = 10 * w.open_shift_hour * 24
    must = tours is not None
    fits = eligible  # every shift each agent may take; the repair may change tours within it
    if must:
        eligible = {a: ok & _in_tours(types, tours, a) for a, ok in fits.items()}
    days_of: dict[str, list[int]] = {}
    for agent_id, ok in eligible.items():
        if must:
            days_of[agent_id] = sorted(d for (a, _), (_, days) in tours.items() if a == agent_id for d in days)
        else:
            days_of[agent_id] = sorted({int(d) for d in day_all[ok]})
    taken: dict[str, dict[int, int]] = {a: {} for a in eligible}

    def conflict(t: np.ndarray, others: np.ndarray) -> np.ndarray:
        """Matrix: type t[i] is closer than the rest time to type others[j] (cyclic when the plan is)."""
        a_s, a_r = start[t][:, None], reach[t][:, None]
        b_s, b_r = start[others][None, :], reach[others][None, :]
        if period:
            return ((b_s - a_s) % period < a_r - a_s) | ((a_s - b_s) % period < b_r - b_s)
        return (b_s < a_r) & (a_s < b_r)

    def candidates(agent_id: str, day: int, window: tuple[int, ...], look_ahead: bool) -> tuple[np.ndarray, np.ndarray]:
        """Types the agent may take on ``day`` with its days outside ``window`` fixed, and their costs."""
        agent = agents[agent_id]
        other = {d: k for d, k in taken[agent_id].items() if d not in window}
        fixed = np.array(list(other.values()), dtype=np.int64)
        t = np.flatnonzero(eligible[agent_id] & (day_all == day))
        if fixed.size:
            t = t[~conflict(t, fixed).any(axis=1)]
        same_week = np.array([k for d, k in other.items() if d // 7 == day // 7], dtype=np.int64)
        t = t[overtime_all[t] + overtime_all[same_week].sum() <= cap + 1e-9]
        if not must:
            t = t[paid_all[t] + paid_all[fixed].sum() <= agent.max_hours * horizon.days / 7 + 1e-9]
            if _run_with(set(other) | (set(window) - {day}), day, horizon) > options.max_consecutive_days:
                t = t[:0]
        cost = _pair_cost(agent, t, kind_all, weekday_all, other.values(), w, must) + dropped_cost[t]
        if look_ahead:
            following = [d for d in days_of[agent_id] if d > day and d not in other]
            if following:
                nxt = np.flatnonzero(eligible[agent_id] & (day_all == following[0]))
                if nxt.size and t.size:
                    cost += 5 * w.preference * conflict(t, nxt).mean(axis=1)
        current = taken[agent_id].get(day)
        cost -= 1e-3 * (t == current)  # keep the current choice on ties: passes then settle
        return t, cost

    def overtime_used(agent_id: str, window: tuple[int, ...]) -> float:
        """Overtime hours of the agent's days outside ``window`` in the week of its first day."""
        return sum(overtime_all[k] for d, k in taken[agent_id].items() if d not in window and d // 7 == window[0] // 7)

    def needed(agent_id: str, t: np.ndarray, other: np.ndarray | None, window: tuple[int, ...]) -> np.ndarray:
        """Which of the agent's candidate types ``t`` the window's model needs. A variant without overtime
        is dominated by its planned type (the same shift, dearer) when the agent may take that one,
        unless some candidate of the window's other day (``other``) goes with the variant but not with
        the planned type: rest between them, or the two together over the weekly overtime cap. Fewer
        columns, the same best choice (but for the first pass's look-ahead cost, a few points, below any
        overtime not offered)."""
        keep = planned[t] | ~np.isin(parent[t], t)
        if other is None or not other.size or keep.all():
            return keep
        rows = np.flatnonzero(~keep)
        variant, full = t[rows], parent[t[rows]]
        bad_full, bad_variant = conflict(full, other), conflict(variant, other)
        if cap < INF and window[0] // 7 == window[1] // 7:
            room = cap - overtime_used(agent_id, window) + 1e-9
            bad_full |= overtime_all[full][:, None] + overtime_all[other][None, :] > room
            bad_variant |= overtime_all[variant][:, None] + overtime_all[other][None, :] > room
        keep[rows] = (bad_full & ~bad_variant).any(axis=1)
        return keep

    def solve_window(window: tuple[int, ...], look_ahead: bool) -> None:
        here = np.flatnonzero(np.isin(day_all, window) & planned)  # cover rows; variants count for their parent
        people = [(a, d) for a in eligible for d in window if d in days_of[a]]
        if not people or not here.size:
            return
        position = {int(t): i for i, t in enumerate(here)}
        m = _Model()
        cover = m.constraints(len(here), lb=counts[here], ub=counts[here])
        m.add(cover, m.variables(len(here), ub=counts[here], cost=open_cost[here], integer=False), 1.0)
        rows = m.constraints(len(people), lb=1.0 if must else 0.0, ub=1.0)
        if must:
            m.add(rows, m.variables(len(people), cost=unfilled_cost, integer=False), 1.0)
        chosen: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = {}
        offers = {(a, d): candidates(a, d, window, look_ahead) for a, d in people}
        for (agent_id, day), (t, cost) in offers.items():
            other = [offers[(agent_id, d)][0] for d in window if d != day and (agent_id, d) in offers]
            keep = needed(agent_id, t, other[0] if other else None, window)
            offers[(agent_id, day)] = (t[keep], cost[keep])
        for row, (agent_id, day) in zip(rows, people):
            t, cost = offers[(agent_id, day)]
            x = m.variables(t.size, cost=cost)
            m.add(np.full(t.size, row), x, 1.0)
            m.add(cover[[position[int(k)] for k in parent[t]]], x, 1.0)
            chosen[(agent_id, day)] = (t, x)
        if len(window) == 2:  # rest between the two days: a row per maximal clique of conflicting shifts
            for agent_id in eligible:
                if (agent_id, window[0]) in chosen and (agent_id, window[1]) in chosen:
                    (t1, x1), (t2, x2) = chosen[(agent_id, window[0])], chosen[(agent_id, window[1])]
                    if not (t1.size and t2.size):
                        continue
                    both, x = np.concatenate([t1, t2]), np.concatenate([x1, x2])
                    if cap < INF and window[0] // 7 == window[1] // 7:
                        # each day alone fits the weekly overtime cap (see candidates); both together must too
                        row = m.constraints(1, ub=cap - overtime_used(agent_id, window) + 1e-9)
                        m.add(np.repeat(row, both.size), x, overtime_all[both])
                    for clique in _cliques(start[both], reach[both], period):
                        if clique.min() < t1.size <= clique.max():  # within one day the agent row suffices
                            row = m.constraints(1, ub=1.0)
                            m.add(np.repeat(row, clique.size), x[clique], 1.0)
        values, _ = m.solve(options, max_nodes=WINDOW_NODES)
        if values is None:
            return
        was, cost = {key: taken[key[0]].get(key[1]) for key in chosen}, total()
        for (agent_id, day), (t, x) in chosen.items():
            pick = t[values[x] > 0.5]
            if pick.size:
                taken[agent_id][day] = int(pick[0])
            else:
                taken[agent_id].pop(day, None)
        if total() > cost + 1e-6:   # stopped at the node limit with worse than what it had: keep that
            for (agent_id, day), t in was.items():
                if t is None:
                    taken[agent_id].pop(day, None)
                else:
                    taken[agent_id][day] = t

    def total() -> float:
        given = np.zeros(len(types))
        cost = 0.0
        for agent_id, chosen in taken.items():
            picks = np.array(list(chosen.values()), dtype=np.int64)
            np.add.at(given, parent[picks], 1)
            cost += float(_pair_cost(agents[agent_id], picks, kind_all, weekday_all, [], w, must, whole=True).sum())
            cost += float(dropped_cost[picks].sum())
            if must:
                cost += unfilled_cost * (len(days_of[agent_id]) - len(chosen))
        return cost + float((open_cost * (counts - given)).sum())

    if must:
        chain_cost = lambda a, t: float(  # noqa: E731
            _pair_cost(agents[a], t, kind_all, weekday_all, [], w, True, whole=True).sum() + dropped_cost[t].sum())
        taken.update(_chain_seed(types, eligible, tours, horizon, start, reach, open_cost, dropped_cost, conflict,
                                 cap, chain_cost, options))
    for day in range(horizon.days):
        solve_window((day,), look_ahead=True)
    best, passes, limited = total(), 1, False
    # pairs of days (a one-day cycle has none: its "pair" would be the same day twice)
    pairs = [(d, (d + 1) % horizon.days) for d in range(horizon.days if horizon.cyclic else horizon.days - 1)
             if (d + 1) % horizon.days != d]
    while pairs and passes <= PAIR_PASSES and not (limited := time.perf_counter() - began > options.time_limit):
        for pair in pairs:
            solve_window(pair, look_ahead=False)
        passes += 1
        now = total()
        gain, best = best - now, min(best, now)
        if gain < w.preference:  # less than one preference point a pass: not worth another
            break
    repaired = _repair_open(tours, taken, days_of, fits, agents, types, plan, options, conflict, cap,
                            deadline=began + 2 * options.time_limit) if must else 0
    reoffered = _reoffer(tours, taken, days_of, fits, agents, types, plan, options, conflict, cap,
                         deadline=began + 2 * options.time_limit) if must else 0
    gave_up = {(a, d // 7) for a, days in days_of.items() for d in days if must and d not in taken[a]}
    pools: dict[int, list[tuple[str, int]]] = {}   # planned type -> (agent, type taken: it or a variant)
    for agent_id, chosen in taken.items():
        for day, t in chosen.items():
            if (agent_id, day // 7) not in gave_up:
                pools.setdefault(int(parent[t]), []).append((agent_id, t))
    assignment: dict[int, str] = {}
    unoffered: dict[int, tuple[int, int]] = {}
    ids = shifts["shift_id"].to_numpy()
    before, after = types["dropped_before"].to_numpy(), types["dropped_after"].to_numpy()
    for p, chosen_agents in pools.items():
        for shift_id, (agent_id, t) in zip(sorted(ids[type_of == p]), sorted(chosen_agents)):
            assignment[int(shift_id)] = agent_id
            if t != p:
                unoffered[int(shift_id)] = (int(before[t]), int(after[t]))
    return assignment, unoffered, {"passes": passes, "objective": best, "time_limited": limited,
                                   "repaired": repaired, "overtime_minutes_reoffered": reoffered,
                                   "tours_given_up": len(gave_up), "shift_seconds": time.perf_counter() - began}


CHAIN_COLUMNS = 40_000   # largest chain flow tried per template and week (measured: at most ~7,000)
CHAIN_NODES = 200        # branch-and-bound nodes for it (measured: all solved to optimality)


def _chain_seed(types: pd.DataFrame, eligible: dict[str, np.ndarray], tours: dict, horizon: Horizon,
                start: np.ndarray, reach: np.ndarray, open_cost: np.ndarray, dropped_cost: np.ndarray,
                conflict, cap: float, cost_of, options: RosterOptions) -> dict[str, dict[int, int]]:
    """Whole weeks for agents who are alike: per template and week, the agents on the same days-off
    pattern who may take the same shifts form a class, and a chain of shifts through a class's
    working days (each next shift starting at least the rest time after the previous one ends) is a
    week one of them can work. Chains for all classes at once are a small integer multi-commodity flow:
    per class and pair of successive working days a line of event times (ends plus rest, starts) that
    the flow waits along, so the rows grow with the shifts, not their pairs. It covers each planned
    shift as planned or without (some of) its overtime, at the cost of what stays open or is not
    offered. The chains go to the class's agents by least ``cost_of(agent_id, types)`` (preferences,
    nights and lates). Returns agent -> {day: type} for the agents given a whole week.

    Why: the day-by-day search decides each day with the others fixed, and pairwise rest conditions
    do not make whole weeks: on the sample week it left 8 of Manila's night shifts open that this
    flow staffs. Agents who differ (their own availability) make classes of one, yet the model stays
    small: 7,000 columns and 0.5-5 s for the 60 FT 8h agents of a site in ``bench/roster.py``."""
    day_all, template_all = types["day"].to_numpy(), types["template"].to_numpy()
    parent, overtime = types["parent"].to_numpy(), types["overtime_hours"].to_numpy()
    counts = types["count"].to_numpy(dtype=float)
    unsocial = np.isin(types["kind"].to_numpy(), ("night", "late"))
    period = horizon.seconds
    # times on the shift's own local day's lap of the cycle (a Tuesday 02:00 in Manila is Monday in UTC)
    lap = types["lap"].to_numpy() * period
    start, reach = start - lap, reach - lap
    seeded: dict[str, dict[int, int]] = {}
    groups: dict[tuple[str, int], dict[tuple, list[str]]] = {}
    for (agent_id, week), (name, days) in tours.items():
        if agent_id in eligible:
            key = (tuple(days), eligible[agent_id].tobytes())
            groups.setdefault((name, week), {}).setdefault(key, []).append(agent_id)
    for (name, week), classes in sorted(groups.items()):
        mine = (template_all == name) & (day_all // 7 == week)
        planned = np.flatnonzero(mine & (parent == np.arange(len(types))))
        m = _Model()
        cover = m.constraints(planned.size, lb=counts[planned], ub=counts[planned])
        m.add(cover, m.variables(planned.size, ub=counts[planned], cost=open_cost[planned], integer=False), 1.0)
        position = {int(t): i for i, t in enumerate(planned)}
        flows = []
        for (days, _), members in sorted(classes.items()):
            ok = eligible[members[0]] & mine
            order = _run_order(list(days), horizon)
            layers = [np.flatnonzero(ok & (day_all == d)) for d in order]
            if any(not layer.size for layer in layers):
                continue
            # times on one line: a day after the week's wrap is a period later
            shift = period * np.concatenate([[0], np.cumsum(np.diff(order) < 0)])
            n = m.variables(1, ub=float(len(members)), integer=True)[0]
            y = [m.variables(layer.size, ub=float(len(members)), cost=dropped_cost[layer]) for layer in layers]
            for layer, x in zip(layers, y):
                m.add(cover[[position[int(k)] for k in parent[layer]]], x, 1.0)
                row = m.constraints(1, lb=0.0, ub=0.0)   # every agent of the class given a chain works each day
                m.add(row, n, -1.0)
                m.add(np.repeat(row, x.size), x, 1.0)
            for i in range(len(order) - 1):
                ends = reach[layers[i]] + shift[i]
                begins = start[layers[i + 1]] + shift[i + 1]
                times = np.unique(np.concatenate([ends, begins]))
                nodes = m.constraints(times.size, lb=0.0, ub=0.0)
                wait = m.variables(times.size - 1, ub=INF, integer=False)
                m.add(nodes[np.searchsorted(times, ends)], y[i], 1.0)        # arrive after the rest
                m.add(nodes[np.searchsorted(times, begins)], y[i + 1], -1.0)  # leave to start the next shift
                m.add(nodes[:-1], wait, -1.0)
                m.add(nodes[1:], wait, 1.0)
            flows.append((members, order, layers, y, shift))
        if not flows or m.n_cols > CHAIN_COLUMNS:
            continue
        values, _ = m.solve(options, max_nodes=CHAIN_NODES)
        if values is None:
            continue
        for members, order, layers, y, shift in flows:
            picks = [np.repeat(layer, np.round(values[x]).astype(int)) for layer, x in zip(layers, y)]
            valid = []
            for chain in _decompose(picks, start, reach, shift, unsocial):
                chain = _within_cap(np.array(chain, dtype=np.int64), overtime, parent, cap)
                if (overtime[chain].sum() <= cap + 1e-9 and eligible[members[0]][chain].all()
                        and conflict(chain, chain).sum() == chain.size):
                    valid.append(chain)
            for agent_id, chain in _match(members, valid, cost_of, options):
                seeded.setdefault(agent_id, {}).update(zip(order, chain.tolist()))
    # each week was checked on its own: an agent's weeks must also keep the rest between them
    for agent_id, week_days in list(seeded.items()):
        picks = np.array(list(week_days.values()), dtype=np.int64)
        if conflict(picks, picks).sum() != picks.size:
            del seeded[agent_id]
    return seeded


def _decompose(picks: list[np.ndarray], start: np.ndarray, reach: np.ndarray, shift: np.ndarray,
               unsocial: np.ndarray) -> list[list[int]]:
    """The flow's shifts per day (``picks``, types in working-day order) as chains, one shift a day.

    Being ready by a shift's start (the previous shift's end plus rest, ``reach``, on or before it) is
    a nested family over the day's shifts in start order, so each may take any chain ready by then
    and all still get one. Unsocial shifts (nights, lates) go to the chains with the fewest so far,
    the others to those with the most: fair shares, as the search's convex penalty wants."""
    chains = [[int(t)] for t in picks[0]]
    for i in range(1, len(picks)):
        free = list(range(len(chains)))
        for t in sorted(picks[i].tolist(), key=lambda t: start[t]):
            ready = [c for c in free if reach[chains[c][-1]] + shift[i - 1] <= start[t] + shift[i]]
            if not ready:   # not a flow after all (rounding): no seed from it
                return []
            burden = [int(unsocial[chains[c]].sum()) for c in ready]
            c = ready[int(np.argmin(burden) if unsocial[t] else np.argmax(burden))]
            chains[c].append(int(t))
            free.remove(c)
    return chains


def _match(members: list[str], chains: list[np.ndarray], cost_of, options: RosterOptions
           ) -> list[tuple[str, np.ndarray]]:
    """Each chain to a different agent at least total ``cost_of(agent_id, chain)``: an assignment problem."""
    if len(members) < 2 or not chains:
        return list(zip(members, chains))
    cost = np.array([[cost_of(a, c) for c in chains] for a in members])
    m = _Model()
    x = m.variables(cost.size, cost=cost.ravel()).reshape(cost.shape)
    m.add(np.repeat(m.constraints(len(members), ub=1.0), len(chains)), x.ravel(), 1.0)
    m.add(np.tile(m.constraints(len(chains), lb=1.0, ub=1.0), len(members)), x.ravel(), 1.0)
    values, _ = m.solve(options)
    if values is None:
        return list(zip(members, chains))
    picks = values[x] > 0.5
    return [(members[i], chains[j]) for i, j in zip(*np.nonzero(picks))]


def _run_order(days: list[int], horizon: Horizon) -> list[int]:
    """The working days in the order one agent works them: on a one-week cyclic horizon, starting after
    the longest break (Saturday to Tuesday wraps to Saturday, Sunday, Monday, Tuesday)."""
    days = sorted(days)
    if not (horizon.cyclic and horizon.weeks == 1) or len(days) < 2:
        return days
    gaps = [(days[(i + 1) % len(days)] - days[i]) % horizon.days for i in range(len(days))]
    first = (int(np.argmax(gaps)) + 1) % len(days)
    return days[first:] + days[:first]


def _within_cap(chain: np.ndarray, overtime: np.ndarray, parent: np.ndarray, cap: float) -> np.ndarray:
    """The chain (types) with its largest overtime blocks dropped (the shift staffed as its variant
    without overtime) until the agent's weekly overtime is within ``cap`` hours."""
    chain = chain.copy()
    while overtime[chain].sum() > cap + 1e-9:
        i = int(np.argmax(overtime[chain]))
        bare = np.flatnonzero((parent == parent[chain[i]]) & (overtime == 0))
        if not bare.size:
            break
        chain[i] = bare[0]
    return chain


WINDOW_NODES = 500    # branch-and-bound nodes per day or pair of days (rest cliques, the overtime cap: a real MILP)
REPAIR_AGENTS = 16   # agents freed together in one repair: small enough to solve exactly in about a second
REPAIR_ATTEMPTS = 6   # neighbourhoods tried while shifts stay open (two per stuck agent at most)
REPAIR_NODES = 100    # branch-and-bound nodes per neighbourhood (most solve at the root)
PAIR_PASSES = 2       # passes over pairs of days after the first; later ones gained under a point each


def _repair_open(tours: dict, taken: dict[str, dict[int, int]], days_of: dict[str, list[int]],
                 fits: dict[str, np.ndarray], agents: dict[str, Agent], types: pd.DataFrame, plan: Plan,
                 options: RosterOptions, conflict, cap: float, *, deadline: float) -> int:
    """Repair unfilled tours: free a stuck agent together with up to :data:`REPAIR_AGENTS` others and
    re-solve them exactly with :func:`_repair`. The others are the agents on the same template that
    week (they can swap days-off patterns and shifts among themselves), first those holding the
    shifts of the rest-feasible weeks the stuck agent could work if they were free (ejection chains,
    using as many open shifts as possible) and those who could take the open shifts; then any other
    agents who could take the open shifts. Returns how many shifts it staffed."""
    counts = types["count"].to_numpy()
    parent = types["parent"].to_numpy()
    day_all = types["day"].to_numpy()
    horizon = plan.horizon
    first_weekday = horizon.first_date(plan.sites[types["site"].iloc[0]].timezone).weekday()
    weekday = lambda d: (first_weekday + d) % 7  # noqa: E731
    gained, tried, misses = 0, {}, 0
    rng = np.random.default_rng(0)
    for _ in range(REPAIR_ATTEMPTS):
        if misses >= 2:  # two neighbourhoods in a row found nothing: the rest is likely not rosterable
            break
        stuck = sorted(k for k in {(a, d // 7) for a, days in days_of.items() for d in days if d not in taken[a]}
                       if tried.get(k, 0) < 2)
        if not stuck or time.perf_counter() > deadline:
            break
        agent_id, week = stuck[0]
        second = tried.get((agent_id, week), 0) == 1
        tried[(agent_id, week)] = tried.get((agent_id, week), 0) + 1
        held = np.zeros(len(types))
        holder: dict[int, list[str]] = {}   # per planned type, whoever holds it (with or without overtime)
        for other, chosen in taken.items():
            for day, t in chosen.items():
                if (other, day // 7) not in stuck:
                    held[parent[t]] += 1
                    holder.setdefault(int(parent[t]), []).append(other)
        in_week = day_all // 7 == week
        target = ((counts > held) & in_week)[parent]   # open shifts, as planned or without overtime
        chains = []
        for name in np.unique(types["template"].to_numpy()[fits[agent_id] & in_week]):
            mine = fits[agent_id] & in_week & (types["template"].to_numpy() == name)
            for days in _patterns(plan.templates[name], list(range(7 * week, 7 * week + 7)), weekday):
                found = _chain(np.flatnonzero(mine), days, day_all, conflict, target)
                if found:
                    chains.append(found)
        # the holders of the best chains' taken shifts must move: they and the open shifts' takers are freed
        wanted: list[str] = []
        for _, chain in sorted(chains, key=lambda c: -c[0])[:3]:
            wanted += [h for t in chain if not target[t] for h in holder.get(int(parent[t]), [])[:1]
                       if h not in wanted]
        takers = sorted((a for a in fits if a != agent_id and (fits[a] & target).any()),
                        key=lambda a: (any(d // 7 == week for d in days_of[a]), -int((fits[a] & target).sum()), a))
        # the agents on the same template that week can re-pattern among themselves: they come first
        template = tours[(agent_id, week)][0]
        same = {a for (a, w), (name, _) in tours.items() if w == week and name == template and a != agent_id}
        ranked = [a for a in wanted + takers if a in same] + sorted(same)
        if second:  # the first neighbourhood did not do: another draw from the same template
            ranked = list(rng.permutation(sorted(same)))
        ranked += [a for a in wanted + takers if a not in same]
        freed = [agent_id]
        for other in ranked:
            if other not in freed and len(freed) < REPAIR_AGENTS:
                freed.append(other)
        gain = _repair(freed, {agent_id}, week, taken, days_of, fits, agents, types, plan, options, conflict, cap)
        gained += gain
        misses = 0 if gain else misses + 1
    return gained


REOFFER_ATTEMPTS = 3   # weeks re-solved to give back overtime not offered
REOFFER_AGENTS = 8     # agents freed together for that: a few seconds a week on the sample plan (16: 13-20 s)


def _reoffer(tours: dict, taken: dict[str, dict[int, int]], days_of: dict[str, list[int]],
             fits: dict[str, np.ndarray], agents: dict[str, Agent], types: pd.DataFrame, plan: Plan,
             options: RosterOptions, conflict, cap: float, *, deadline: float) -> int:
    """Give back overtime not offered where another arrangement of the week allows it: the day windows
    drop a block whenever that staffs a shift or completes a tour, but putting it back may take moves
    over more days and agents than a window holds (e.g. another agent's week of earlier shifts). The
    agent with the most minutes not offered is freed with up to :data:`REOFFER_AGENTS` - 1 agents on
    the same template that week, those working the day before, the day itself or the day after
    first, and :func:`_repair` re-solves the week (kept only if it staffs as many shifts with less
    overtime not offered). At most :data:`REOFFER_ATTEMPTS` weeks. Returns minutes given back."""
    dropped = (types["dropped_before"] + types["dropped_after"]).to_numpy()
    days = plan.horizon.days
    unoffered = lambda: sum(int(dropped[t]) for chosen in taken.values() for t in chosen.values())  # noqa: E731
    # a week left unfilled is given up (its shifts go open): such agents are the open-shift repair's business
    whole = lambda a, w: all(d in taken[a] for d in days_of[a] if d // 7 == w)  # noqa: E731
    start, tried = unoffered(), set()
    for _ in range(REOFFER_ATTEMPTS):
        held = sorted((-int(dropped[t]), a, d) for a, chosen in taken.items() for d, t in chosen.items()
                      if dropped[t] and (a, d // 7) not in tried and (a, d // 7) in tours and whole(a, d // 7))
        if not held or time.perf_counter() > deadline:
            break
        _, agent_id, day = held[0]
        week = day // 7
        tried.add((agent_id, week))
        template = tours[(agent_id, week)][0]
        same = sorted(a for (a, w), (name, _) in tours.items()
                      if w == week and name == template and a != agent_id and whole(a, week))
        near = {(day - 1) % days, day, (day + 1) % days}
        ranked = [a for a in same if near & set(taken[a])] + [a for a in same if not near & set(taken[a])]
        freed = [agent_id] + ranked[:REOFFER_AGENTS - 1]
        _repair(freed, set(), week, taken, days_of, fits, agents, types, plan, options, conflict, cap, reoffer=True)
    return start - unoffered()


def _chain(candidates: np.ndarray, days: tuple[int, ...], day_all: np.ndarray, conflict, free: np.ndarray
           ) -> tuple[int, list[int]] | None:
    """One shift a day on ``days`` from ``candidates`` with the rest time between each pair (the cyclic
    wrap included) using as many ``free`` (open) shifts as possible: (free shifts used, chain), by
    dynamic programming over the days from each first-day shift; None if there is none."""
    per_day = [candidates[day_all[candidates] == d] for d in days]
    if any(not len(options) for options in per_day):
        return None
    best = None
    for start in per_day[0]:
        layers = [{int(start): (int(free[start]), None)}]
        for options in per_day[1:]:
            previous = np.array(list(layers[-1]), dtype=np.int64)
            value = np.array([layers[-1][int(t)][0] for t in previous])
            ok = ~conflict(options, previous)  # option x previous
            layer = {}
            for t, row in zip(options, ok):
                if row.any():
                    k = int(np.argmax(np.where(row, value, -1)))
                    layer[int(t)] = (int(value[k] + free[t]), int(previous[k]))
            if not layer:
                break
            layers.append(layer)
        if len(layers) < len(per_day):
            continue
        for last, (score, _) in sorted(layers[-1].items(), key=lambda kv: -kv[1][0]):
            if best is not None and score <= best[0]:
                break
            chain = [last]
            for layer in reversed(layers[1:]):
                chain.append(layer[chain[-1]][1])
            chain.reverse()
            if conflict(np.array(chain), np.array(chain)).sum() == len(chain):  # only with itself
                best = (score, chain)
                break
    return best


def _repair(freed: list[str], stuck: set[str], week: int, taken: dict[str, dict[int, int]],
            days_of: dict[str, list[int]], eligible: dict[str, np.ndarray], agents: dict[str, Agent],
            types: pd.DataFrame, plan: Plan, options: RosterOptions, conflict, cap: float, *,
            reoffer: bool = False) -> int:
    """Re-solve one week exactly for the ``freed`` agents: tours (any template that fits each agent, its
    patterns), shifts, rest (clique rows) and the overtime cap in one MILP over the shifts they hold
    plus the open ones, each as planned or without (some of) its overtime. Keeps the old assignment
    unless the new one staffs more shifts than the freed agents' complete tours did (``stuck`` agents'
    tours are incomplete and count for nothing), or, with ``reoffer``, as many with fewer minutes of
    overtime not offered. Returns how many more shifts are staffed."""
    days = list(range(7 * week, 7 * week + 7))
    in_week = types["day"].isin(days).to_numpy()
    parent = types["parent"].to_numpy()
    held = np.zeros(len(types))
    for agent_id, chosen in taken.items():
        for day, t in chosen.items():
            if agent_id not in freed or day // 7 != week:
                held[parent[t]] += 1
    available = np.where(in_week, types["count"].to_numpy() - held, 0)
    w = options.weights
    m = _Model()
    index = np.flatnonzero(available > 0)       # planned types with shifts to give
    cover = m.constraints(index.size, ub=available[index])
    position = {int(t): i for i, t in enumerate(index)}
    usable = np.flatnonzero(available[parent] > 0)   # they and their variants without overtime
    horizon = plan.horizon
    first_weekday = horizon.first_date(plan.sites[types["site"].iloc[0]].timezone).weekday()
    weekday = lambda d: (first_weekday + d) % 7  # noqa: E731
    hours = types["paid_hours"].to_numpy() + types["overtime_hours"].to_numpy()
    # every shift taken is one fewer open (the planned type's hours), less overtime it does not offer
    value = (w.open_shift_hour * hours[parent]
             - w.overtime_not_offered * (types["dropped_before"] + types["dropped_after"]).to_numpy() / 60)
    start = ((types["work_start"] - horizon.start) / pd.Timedelta(seconds=1)).to_numpy()
    reach = ((types["work_end"] - horizon.start) / pd.Timedelta(seconds=1)).to_numpy() + options.rest_hours * 3600.0
    template_all, day_all = types["template"].to_numpy(), types["day"].to_numpy()
    choices, xs = {}, {}
    for agent_id in freed:
        outside = np.array([t for d, t in taken[agent_id].items() if d // 7 != week], dtype=np.int64)
        t = usable[eligible[agent_id][usable]]
        if outside.size and t.size:
            t = t[~conflict(t, outside).any(axis=1)]
        if not t.size:
            continue
        agent = agents[agent_id]
        cost = -value[t]
        if agent.prefers:
            cost += w.preference * ~np.isin(types["kind"].to_numpy()[t], agent.prefers)
        x = m.variables(t.size, cost=cost)
        m.add(cover[[position[int(k)] for k in parent[t]]], x, 1.0)
        xs[agent_id] = (t, x)
        one = m.constraints(1, ub=1.0)
        for name in np.unique(template_all[t]):
            mine = template_all[t] == name
            links = m.constraints(7, lb=0.0, ub=0.0)
            for j, d in enumerate(days):
                sel = mine & (day_all[t] == d)
                m.add(np.repeat(links[j], sel.sum()), x[sel], 1.0)
            patterns = [p for p in _patterns(plan.templates[name], days, weekday) if set(p) <= set(day_all[t][mine])
                        and _runs_ok(set(p), {d for d in taken[agent_id] if d // 7 != week}, horizon, options)]
            z = m.variables(len(patterns))
            for var, p in zip(z, patterns):
                m.add(links[[d - days[0] for d in p]], np.full(len(p), var), -1.0)
            m.add(np.repeat(one, len(z)), z, 1.0)
            choices.setdefault(agent_id, []).extend(zip(patterns, z))
        for clique in _cliques(start[t], reach[t], horizon.seconds if horizon.cyclic else None):
            row = m.constraints(1, ub=1.0)
            m.add(np.repeat(row, len(clique)), x[clique], 1.0)
        overtime = types["overtime_hours"].to_numpy()[t]
        if overtime.any() and cap < INF:
            row = m.constraints(1, ub=cap)
            m.add(np.repeat(row, t.size), x, overtime)
    values, _ = m.solve(options, max_nodes=REPAIR_NODES)
    if values is None:
        return 0
    given = {a: {int(day_all[k]): int(k) for k in t[values[x] > 0.5]} for a, (t, x) in xs.items()}
    # a stuck agent's shifts are released anyway: compare with what the complete tours held
    kept_before = sum(1 for a in freed if a not in stuck for d in taken[a] if d // 7 == week)
    staffed = sum(len(g) for g in given.values())
    if reoffer:  # as many shifts, less overtime left unoffered, is better too
        dropped = (types["dropped_before"] + types["dropped_after"]).to_numpy()
        was = sum(dropped[t] for a in freed for d, t in taken[a].items() if d // 7 == week)
        now = sum(dropped[k] for g in given.values() for k in g.values())
        if (staffed, -now) <= (kept_before, -was):
            return 0
    elif staffed <= kept_before:
        return 0
    for agent_id in freed:
        for d in [d for d in taken[agent_id] if d // 7 == week]:
            del taken[agent_id][d]
        taken[agent_id].update(given.get(agent_id, {}))
        pattern = [p for p, var in choices.get(agent_id, []) if values[var] > 0.5]
        kept = [d for d in days_of[agent_id] if d // 7 != week]
        days_of[agent_id] = sorted(kept + (list(pattern[0]) if pattern else []))
    return staffed - kept_before


def _runs_ok(pattern: set[int], other: set[int], horizon: Horizon, options: RosterOptions) -> bool:
    """Whether working ``pattern`` (plus the days ``other`` already worked) keeps every run of working days
    within ``max_consecutive_days`` (a 7-day pattern in a cyclic week never does)."""
    worked = pattern | other
    return all(_run_with(worked - {d}, d, horizon) <= options.max_consecutive_days for d in pattern)


def _cliques(start: np.ndarray, end: np.ndarray, period: float | None) -> list[np.ndarray]:
    """Maximal cliques of the interval graph of ``[start, end)`` (seconds), as index arrays of size >= 2.

    Intervals sharing a point are a clique, and every maximal clique is the set holding some
    interval's start. On a circle (``period``), intervals are taken modulo the period.
    """
    if len(start) < 2:
        return []
    points = np.unique(start % period if period else start)
    s = (start % period)[None, :] if period else start[None, :]
    length = (end - start)[None, :]
    offset = (points[:, None] - s) % period if period else points[:, None] - s
    member = (offset >= 0) & (offset < length)
    # keep a point's set unless the next point's set contains it (nothing ended in between)
    following = np.roll(member, -1, axis=0)
    if not period:
        following[-1] = False
    keep = (member & ~following).any(axis=1) & (member.sum(axis=1) >= 2)
    return [np.array(c) for c in sorted({tuple(np.flatnonzero(row)) for row in member[keep]})]


def _pair_cost(agent: Agent, t: np.ndarray, kinds: np.ndarray, weekdays: np.ndarray, others, w: RosterWeights,
               tours: bool, *, whole: bool = False) -> np.ndarray:
    """Cost of giving the agent each type in ``t``: preferences, and the marginal convex penalty of one
    more night or late given the agent's ``others`` types (``whole``: the penalty of all of ``t`` at once)."""
    cost = np.zeros(t.size)
    if agent.prefers:
        cost += w.preference * ~np.isin(kinds[t], agent.prefers)
    if agent.days_off and not tours:
        cost += w.preference * np.isin(weekdays[t], agent.days_off)
    others = list(others)
    for kind in ("night", "late"):
        if kind in agent.prefers:
            continue
        flag = kinds[t] == kind
        if whole:
            n = int(flag.sum())
            cost[:1] += getattr(w, kind) * n * (n + 1) / 2
        else:
            so_far = sum(kinds[k] == kind for k in others)
            cost += getattr(w, kind) * (so_far + 1) * flag
    return cost


def _run_with(worked: set[int], day: int, horizon: Horizon) -> int:
    """Longest run of working days through ``day`` if it is added to ``worked`` (a cyclic horizon of whole
    weeks wraps; a shorter one is a one-off period for runs of days, as :mod:`scheduling.roster_check`
    counts them: a one-day plan repeated would make everyone who works it work every day)."""
    days = worked | {day}
    wraps = horizon.cyclic and horizon.days >= 7   # as the checker counts them
    if wraps and len(days) == horizon.days:
        return horizon.days + 1
    run = 1
    for step in (-1, 1):
        k = day + step
        while (k % horizon.days if wraps else k) in days and (wraps or 0 <= k < horizon.days):
            run += 1
            k += step
    return run
