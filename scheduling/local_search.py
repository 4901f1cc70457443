"""Local search on an integer shift plan: moves on individual agents, each kept only when it lowers the
cost (:class:`LocalSearch`, run by :func:`improve`), and the repair of rest between a tour's days
(:meth:`LocalSearch.repair_rest`)."""
from __future__ import annotations

import math
import time

import numpy as np

from scheduling.plan_options import Weights
from scheduling.shift_model import ShiftModel, agent_breaks, complete, slot_counts
from scheduling.shifts import QUANTUM

INF = math.inf

# Tie-break weight (currency per agent-slot of spare cover) when two break slots cost the same.
TIE = 1e-3
# Local search: how many of the best removals and additions are paired up when neither pays alone.
PAIRS = 12
BATCH_MOVES, BATCH_TRIES = 8, 32   # agent moves applied, and tried, per estimate of them all
OVERTIME_BATCH = 500   # overtime blocks offered or withdrawn per round of local search
REST_CANDIDATES = 8  # earliest next-day (latest same-day) shifts tried per repair move
REST_TARGETS = 48    # cheapest new starts tried for each of them


def improve(model: ShiftModel, v: np.ndarray, weights: Weights, seconds: float, target: float = -INF,
            rest_slots: int = 0, whole_agents: bool = True) -> np.ndarray:
    """Local search on an integer plan (see :class:`LocalSearch`) for at most ``seconds``, or until its
    cost is at most ``target`` (currency), or until no move pays. With ``rest_slots``, no move leaves
    more tour agents without that rest between days; without ``whole_agents``, agents are not bought,
    let go or given other days (their shifts and breaks move)."""
    search = LocalSearch(model, v, weights, rest_slots, whole_agents)
    search.run(time.perf_counter() + seconds, target - float(model.arrays()["cost"] @ v))
    return search.solution()


class LocalSearch:
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
        for j, slots in agent_breaks(model, v).items():
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
        (:func:`scheduling.optimiser._breaks_placed`) is what moves a stalled search on."""
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
        Shifts count without their overtime, as in the model's rest rows
        (:func:`scheduling.shift_model._rest_rows`): an overtime block that would cut into someone's rest is
        one the roster does not offer them.
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
