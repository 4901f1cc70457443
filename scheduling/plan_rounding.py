"""A first integer plan near the LP relaxation's solution (:func:`round_solution`): tours, then starts, then
breaks, then overtime, each rounded so that the next can follow the LP."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from scheduling.shift_model import ShiftModel, complete
from scheduling.shifts import QUANTUM

INF = math.inf


def round_solution(model: ShiftModel, lp: np.ndarray) -> np.ndarray:
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
