"""Queueing maths for staffing: Erlang C (M/M/n) and Erlang A (M/M/n+M), vectorised over numpy arrays.

Units everywhere: ``calls`` offered per interval, ``aht`` (mean handle time) seconds, ``interval``
seconds, ``answer_time`` seconds, ``patience`` seconds (mean time a caller waits before hanging
up; exponential). ``agents`` are whole agents on line. Every argument broadcasts like a numpy
array; scalars in give numpy scalars out. Traffic is ``a = calls * aht / interval`` Erlangs.

Models
------
* ``patience=None`` (or an element equal to ``inf``): Erlang C, the M/M/n queue where nobody
  hangs up. P(wait) = C(n, a); service level = 1 - C e^{-(n-a) t / aht}; ASA = C aht / (n - a);
  occupancy = a / n.
* finite ``patience``: Erlang A (Palm's M/M/n+M), with the formulas of Mandelbaum & Zeltyn,
  "The M/M/n+G queue: summary of performance measures" (2004), for exponential patience.
  With theta = 1/patience, mu = 1/aht, r = patience / aht, x = n mu / theta = n r,
  y = lambda / theta = a r and A(x, y) = sum_{j>=0} prod_{i=1..j} y / (x + i):
  P(wait) = A E / (1 + (A - 1) E) with E the Erlang B blocking; the fraction of waiting callers
  served is (x / y)(1 - 1/A). The service level is the share of *offered* calls answered within
  ``answer_time`` (calls that abandon count against it); its closed form
  P(served after t | wait) = x/(x+1) e^{-(x+1) theta t} e^{y(1-e^{-theta t})} A(x+1, y e^{-theta t}) / A(x, y)
  follows from the per-queue-position waiting time (a sum of exponential stages) and is checked
  against a direct numerical solution and a simulation in tests. ASA is the mean wait of
  *answered* calls. Occupancy is the carried load a (1 - P(abandon)) / n.

Conventions (explicit, so nothing is negative or an error where a planner could land)
* zero calls: P(wait) 0, service level 1, ASA 0, occupancy 0, abandonment 0 -- and zero agents
  are required.
* Erlang C with agents <= traffic (an unstable queue): P(wait) 1, service level 0, ASA ``inf``,
  occupancy 1. Every Erlang C requirement therefore exceeds the traffic.
* Erlang A is always stable: the required agents may be below the offered load.
* no agents at all under Erlang A: everybody abandons; service level 0, ASA ``inf``.

Numerics: no factorials. Erlang B comes from 1/B(n, a) = sum_{j=0..n} prod_{i<j} (n-i)/a, and
A(x, y) from its series; both series have ratios that fall with j, are summed only over the
terms that matter (a rigorous geometric bound on the tail) and are rescaled by exact powers of
two, so they stay exact from 0.01 to 100,000+ calls per interval and 100,000+ agents. Erlang C
requirements scan n upwards with the (stable) Erlang B recursion from the stability bound, so
the answer is the brute-force smallest n by construction; Erlang A requirements use a
vectorised bracket-and-bisect search over n >= 0 (every measure is monotone in n).

The occupancy ceiling ``ceil(a / max_occupancy)`` is computed in exact decimal arithmetic where
floating point is within rounding of a whole number (``21 / 0.7`` is 30, not 31).

Cost: Erlang C work grows with sqrt(traffic); Erlang A work grows with sqrt(traffic x patience / aht)
and, in heavily overloaded evaluations, with the overload itself (slow only for extreme inputs).
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from forecasting.validation import InputError

__all__ = [
    "traffic", "erlang_b", "prob_wait", "service_level", "asa", "occupancy", "abandon_rate",
    "measures", "required_agents", "exact_ceil",
]

_EPS = 2.0 ** -56  # a series stops when a bound on its remaining tail is below this share of its sum
_SCALE = 2.0 ** 600  # partial sums are rescaled by this exact power of two to stay in range
_LOG_SCALE = 600 * math.log(2.0)
_LOG_TINY = 760.0  # e^-760 is 0.0 in double precision: 1/B beyond this means B = 0
_BLOCK = 32  # series terms summed per vectorised step


# --------------------------------------------------------------------------- input checks

def _checked(name: str, value: ArrayLike, *, positive: bool = False, integral: bool = False,
             allow_inf: bool = False) -> NDArray[np.float64]:
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number.", column=name, value=str(value)) from None
    bad = np.isnan(array) | (array < 0) | (positive & (array == 0))
    if not allow_inf:
        bad |= np.isinf(array)
    if integral:
        bad |= np.isfinite(array) & (array != np.floor(array))
    if bad.any():
        first = array.ravel()[np.flatnonzero(bad.ravel())[0]]
        need = "a positive" if positive else "a non-negative"
        kind = "whole number" if integral else "number"
        raise InputError(f"{name} must be {need} {kind}.", column=name, value=float(first))
    return array


def _share(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    if not (0 < value <= 1):
        raise InputError(f"{name} must be a share above 0 and at most 1 (0.8 = 80%).", column=name, value=value)
    return float(value)


def traffic(calls: ArrayLike, aht: ArrayLike, interval: ArrayLike) -> NDArray[np.float64]:
    """Offered load in Erlangs: ``calls * aht / interval`` (calls per interval, seconds, seconds)."""
    return np.asarray(calls, dtype=float) * np.asarray(aht, dtype=float) / np.asarray(interval, dtype=float)


# --------------------------------------------------------------------------- series kernels

def _log_inv_erlang_b(n: NDArray[np.float64], a: NDArray[np.float64]) -> NDArray[np.float64]:
    """log(1 / B(n, a)) for whole n >= 0 and a > 0 (1-D arrays of equal length).

    1/B = sum_{j=0..n} t_j with t_0 = 1, t_j = t_{j-1} (n - j + 1) / a. The ratios fall with j,
    so once a ratio r is below 1 the tail is at most t r / (1 - r). Terms are summed in blocks
    of ``_BLOCK`` (a cumulative product per row: the same multiplications as one at a time). A
    sum that overflows means B < 1e-308, which is 0 in double precision.
    """
    out = np.zeros(n.shape)
    live = np.flatnonzero(n > 0)
    k, aa = n[live].copy(), a[live]
    term, total, shift = np.ones(live.size), np.ones(live.size), np.zeros(live.size)
    offsets = np.arange(_BLOCK, dtype=float)
    while live.size:
        top = k[:, None] - offsets[None, :]
        with np.errstate(over="ignore", invalid="ignore"):
            block = term[:, None] * np.cumprod(np.where(top > 0, top, 0.0) / aa[:, None], axis=1)
            # Past the last term (j > n) every term is 0; after an overflow to inf the product there
            # would be inf * 0 = nan. Write the zeros, so an overflowing sum stays inf (B = 0).
            block = np.where(top > 0, block, 0.0)
            total += block.sum(axis=1)
        term = block[:, -1]
        k -= _BLOCK
        big = total > _SCALE
        if big.any():
            term[big] /= _SCALE
            total[big] /= _SCALE
            shift[big] += _LOG_SCALE
        ratio = k / aa
        done = (k <= 0) | ~np.isfinite(total) | (shift > _LOG_TINY)
        with np.errstate(over="ignore", invalid="ignore"):   # an overflowed (inf) row is done already
            done |= (ratio < 1) & (term * ratio <= _EPS * (1 - ratio) * total)
        if done.any():
            out[live[done]] = np.log(total[done]) + shift[done]
            keep = ~done
            live, k, aa, term, total, shift = live[keep], k[keep], aa[keep], term[keep], total[keep], shift[keep]
    return out


def _erlang_a_series(x: NDArray[np.float64], y: NDArray[np.float64], extras: bool
                     ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """log A(x, y) and, if ``extras``, the ratios S_ab / A and S_w / A (1-D arrays, y > 0).

    A = sum_j c_j, c_0 = 1, c_j = c_{j-1} y / (x + j): the queue-length distribution seen by a
    caller who has to wait, unnormalised (c_j: j callers already waiting).
    S_ab = sum_j c_j (j+1)/(x+j+1): given j ahead, the caller abandons with probability
    (j+1)/(x+j+1). S_w = sum_j c_j x/(x+j+1) H_j with H_j = sum_{i=1..j+1} 1/(x+i): the mean wait,
    in units of patience, of callers who are served, weighted by being served.
    """
    size = x.size
    log_a, ab, wait = np.zeros(size), np.zeros(size), np.zeros(size)
    live = np.arange(size)
    xx, yy = x.copy(), y.copy()
    j = 0.0
    c, total = np.ones(size), np.ones(size)
    shift = np.zeros(size)
    h = 1.0 / (xx + 1.0)
    s_ab = h.copy()
    s_w = xx * h * h
    while live.size:
        j += 1.0
        c *= yy / (xx + j)
        total += c
        if extras:
            step = 1.0 / (xx + j + 1.0)
            h += step
            s_ab += c * (j + 1.0) * step
            s_w += c * xx * step * h
        big = total > _SCALE
        if big.any():
            c[big] /= _SCALE
            total[big] /= _SCALE
            shift[big] += _LOG_SCALE
            if extras:
                s_ab[big] /= _SCALE
                s_w[big] /= _SCALE
        ratio = yy / (xx + j + 1.0)
        falling = ratio < 1
        with np.errstate(divide="ignore", invalid="ignore"):
            tail = c * ratio / (1.0 - ratio)
        done = falling & (tail <= _EPS * total)
        if extras:
            # H grows by at most 1/(x+j+2) per further term: bound the S_w tail accordingly.
            with np.errstate(divide="ignore", invalid="ignore"):
                wait_tail = tail * (h + 1.0 / ((xx + j + 2.0) * (1.0 - ratio)))
            done &= (xx == 0) | (wait_tail <= _EPS * s_w)
        if done.any():
            idx = live[done]
            log_a[idx] = np.log(total[done]) + shift[done]
            if extras:
                ab[idx] = s_ab[done] / total[done]
                wait[idx] = s_w[done] / total[done]
            keep = ~done
            live, xx, yy, c, total, shift = live[keep], xx[keep], yy[keep], c[keep], total[keep], shift[keep]
            h, s_ab, s_w = h[keep], s_ab[keep], s_w[keep]
    return log_a, ab, wait


# --------------------------------------------------------------------------- measures per model

_MEASURES = ("prob_wait", "service_level", "asa", "occupancy", "abandon_rate")


def _erlang_c(n, a, aht, t) -> dict[str, NDArray[np.float64]]:
    """All Erlang C measures for a > 0 (1-D arrays); ``t`` may be None (no service level)."""
    stable = n > a
    b = np.exp(-_log_inv_erlang_b(n, a))
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(stable, n * b / (n - a + a * b), 1.0)
        out = {
            "prob_wait": c,
            "asa": np.where(stable, c * aht / (n - a), np.inf),
            "occupancy": np.where(stable, a / n, 1.0),
            "abandon_rate": np.zeros(n.shape),
        }
        if t is not None:
            out["service_level"] = np.where(stable, 1.0 - c * np.exp(-(n - a) * t / aht), 0.0)
    return out


def _erlang_a(n, a, aht, patience, t, need: set[str]) -> dict[str, NDArray[np.float64]]:
    """Erlang A measures listed in ``need`` for a > 0 and finite patience (1-D arrays)."""
    r = patience / aht
    x, y = n * r, a * r
    log_inv_b = _log_inv_erlang_b(n, a)
    extras = bool(need & {"asa", "abandon_rate", "occupancy"})
    log_a, ab_given_wait, wait_ratio = _erlang_a_series(x, y, extras)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # P(wait) = 1 / (1 + (1/E - 1) / A), in logs so that huge A and tiny E stay exact.
        log_inv_b_minus_1 = log_inv_b + np.log(-np.expm1(-log_inv_b))
        prob_wait = 1.0 / (1.0 + np.exp(log_inv_b_minus_1 - log_a))
        out = {"prob_wait": prob_wait}
        served_given_wait = (n / a) * -np.expm1(-log_a)
        if extras:
            abandon = prob_wait * ab_given_wait
            served = 1.0 - abandon
            out["abandon_rate"] = np.where(n > 0, abandon, 1.0)
            # nobody is answered without agents: ASA is infinite, not the 0/0 of the formula
            out["asa"] = np.where((n > 0) & (served > 0), patience * wait_ratio * prob_wait / served, np.inf)
            out["occupancy"] = np.where(n > 0, a * served / n, 1.0)
        if t is not None and "service_level" in need:
            q = np.exp(-t / patience)
            log_a2, _, _ = _erlang_a_series(x + 1.0, y * q, False)
            log_g = -(n * t / aht + t / patience) + y * -np.expm1(-t / patience) + log_a2
            late = (x / (x + 1.0)) * np.exp(log_g - log_a)
            within = np.clip(served_given_wait - late, 0.0, 1.0)
            out["service_level"] = np.where(n > 0, (1.0 - prob_wait) + prob_wait * within, 0.0)
    return out


def _measures(calls, aht, interval, agents, answer_time, patience, need: set[str]) -> dict[str, np.ndarray]:
    calls = _checked("calls", calls)
    aht = _checked("aht", aht, positive=True)
    interval = _checked("interval", interval, positive=True)
    agents = _checked("agents", agents, integral=True)
    arrays = [calls, aht, interval, agents]
    if answer_time is not None:
        arrays.append(_checked("answer_time", answer_time))
    if patience is not None:
        arrays.append(_checked("patience", patience, positive=True, allow_inf=True))
    shape = np.broadcast_shapes(*(arr.shape for arr in arrays))
    flat = [np.broadcast_to(arr, shape).ravel().astype(float) for arr in arrays]
    calls, aht, interval, agents = flat[:4]
    t = flat[4] if answer_time is not None else None
    pat = flat[-1] if patience is not None else np.full(calls.shape, np.inf)
    a = calls * aht / interval
    out = {key: np.zeros(calls.shape) for key in need}
    if "service_level" in out:
        out["service_level"][:] = 1.0  # zero calls: everyone (nobody) answered in time
    busy = a > 0
    for model_mask, erlang_a in ((busy & np.isinf(pat), False), (busy & np.isfinite(pat), True)):
        idx = np.flatnonzero(model_mask)
        if not idx.size:
            continue
        tt = None if t is None else t[idx]
        if erlang_a:
            part = _erlang_a(agents[idx], a[idx], aht[idx], pat[idx], tt, need)
        else:
            part = _erlang_c(agents[idx], a[idx], aht[idx], tt)
        for key in need:
            out[key][idx] = part[key]
    return {key: value.reshape(shape)[()] for key, value in out.items()}


def erlang_b(calls: ArrayLike, aht: ArrayLike, interval: ArrayLike, agents: ArrayLike) -> np.ndarray:
    """Erlang B blocking probability of ``agents`` servers offered ``calls * aht / interval`` Erlangs."""
    calls, aht, interval = _checked("calls", calls), _checked("aht", aht, positive=True), _checked(
        "interval", interval, positive=True)
    agents = _checked("agents", agents, integral=True)
    a, n = np.broadcast_arrays(calls * aht / interval, agents)
    shape = a.shape
    a, n = a.ravel().astype(float), n.ravel().astype(float)
    out = np.zeros(a.shape)
    busy = a > 0
    out[busy] = np.exp(-_log_inv_erlang_b(n[busy], a[busy]))
    out[~busy & (n == 0)] = 1.0  # no servers: every call is blocked (0 offered: 0/0, taken as 1)
    return out.reshape(shape)[()]


def prob_wait(calls: ArrayLike, aht: ArrayLike, interval: ArrayLike, agents: ArrayLike,
              patience: ArrayLike | None = None) -> np.ndarray:
    """Probability that an arriving call waits (all agents busy)."""
    return _measures(calls, aht, interval, agents, None, patience, {"prob_wait"})["prob_wait"]


def service_level(calls: ArrayLike, aht: ArrayLike, interval: ArrayLike, agents: ArrayLike,
                  answer_time: ArrayLike, patience: ArrayLike | None = None) -> np.ndarray:
    """Share of offered calls answered within ``answer_time`` seconds (abandoned calls count against)."""
    return _measures(calls, aht, interval, agents, answer_time, patience, {"service_level"})["service_level"]


def asa(calls: ArrayLike, aht: ArrayLike, interval: ArrayLike, agents: ArrayLike,
        patience: ArrayLike | None = None) -> np.ndarray:
    """Average speed of answer: mean wait in seconds of answered calls (``inf`` when unstable)."""
    return _measures(calls, aht, interval, agents, None, patience, {"asa"})["asa"]


def occupancy(calls: ArrayLike, aht: ArrayLike, interval: ArrayLike, agents: ArrayLike,
              patience: ArrayLike | None = None) -> np.ndarray:
    """Share of agents' on-line time spent handling calls (carried load / agents)."""
    return _measures(calls, aht, interval, agents, None, patience, {"occupancy"})["occupancy"]


def abandon_rate(calls: ArrayLike, aht: ArrayLike, interval: ArrayLike, agents: ArrayLike,
                 patience: ArrayLike | None = None) -> np.ndarray:
    """Share of offered calls that hang up before being answered (0 under Erlang C)."""
    return _measures(calls, aht, interval, agents, None, patience, {"abandon_rate"})["abandon_rate"]


def measures(calls: ArrayLike, aht: ArrayLike, interval: ArrayLike, agents: ArrayLike,
             answer_time: ArrayLike | None = None, patience: ArrayLike | None = None) -> dict[str, np.ndarray]:
    """Every measure at once (one pass over the series): keys ``prob_wait, service_level`` (if
    ``answer_time`` is given), ``asa, occupancy, abandon_rate``."""
    need = set(_MEASURES) - ({"service_level"} if answer_time is None else set())
    return _measures(calls, aht, interval, agents, answer_time, patience, need)


# --------------------------------------------------------------------------- exact ceilings

def _decimal(value: float) -> Fraction:
    """The decimal a planner typed for ``value`` (shortest repr), as an exact fraction."""
    return Fraction(repr(float(value)))


def exact_ceil(numerators: list[ArrayLike], denominators: list[ArrayLike]) -> NDArray[np.int64]:
    """ceil(prod(numerators) / prod(denominators)), exact in decimal arithmetic, elementwise.

    Floating point is used where it cannot be wrong; where the float quotient lies within
    rounding of a whole number, the inputs are re-read as the decimals they print as and the
    ceiling is taken on exact fractions (so 21 / 0.7 gives 30 and 42 / (1 - 0.3) gives 60).
    """
    nums = [np.asarray(v, dtype=float) for v in numerators]
    dens = [np.asarray(v, dtype=float) for v in denominators]
    arrays = np.broadcast_arrays(*nums, *dens)
    shape = arrays[0].shape
    flat = [arr.ravel() for arr in arrays]
    quotient = np.ones(flat[0].shape)
    for arr in flat[:len(nums)]:
        quotient = quotient * arr
    for arr in flat[len(nums):]:
        quotient = quotient / arr
    out = np.ceil(quotient)
    near = np.abs(quotient - np.rint(quotient)) <= 1e-9 * np.maximum(1.0, np.abs(quotient))
    for i in np.flatnonzero(near):
        exact = Fraction(1)
        for arr in flat[:len(nums)]:
            exact *= _decimal(arr[i])
        for arr in flat[len(nums):]:
            exact /= _decimal(arr[i])
        out[i] = math.ceil(exact)
    return out.astype(np.int64).reshape(shape)


# --------------------------------------------------------------------------- required agents

def _scan_erlang_c(a, aht, start, ok: Callable) -> NDArray[np.float64]:
    """Smallest n >= start with ok(n, a, aht, B(n, a)) true, scanning n upwards (1-D arrays).

    B comes from the series once at ``start`` and then from the forward recursion
    B(n+1) = a B / (n + 1 + a B), which is stable (relative errors do not grow).
    """
    result = np.empty(a.shape)
    live = np.arange(a.size)
    n = start.astype(float)
    b = np.exp(-_log_inv_erlang_b(n, a))
    aa, hh = a.copy(), aht.copy()
    while live.size:
        done = ok(n, aa, hh, b, live)
        if done.any():
            result[live[done]] = n[done]
            keep = ~done
            live, n, aa, hh, b = live[keep], n[keep], aa[keep], hh[keep], b[keep]
        n = n + 1.0
        b = aa * b / (n + aa * b)
    return result


def _smallest_feasible(feasible: Callable, guess: NDArray[np.float64]) -> NDArray[np.float64]:
    """Smallest whole n >= 0 with feasible(n, idx) true, for a predicate monotone in n.

    Vectorised: gallop from ``guess`` (up while infeasible, down while feasible) to a bracket
    lo < answer <= hi with lo infeasible (or -1), then bisect.
    """
    size = guess.size
    lo = np.full(size, -1.0)
    hi = np.full(size, np.inf)
    probe = np.maximum(guess, 0.0)
    ok = feasible(probe, np.arange(size))
    hi[ok], lo[~ok] = probe[ok], probe[~ok]
    for going_up in (True, False):
        open_ = np.flatnonzero(~np.isfinite(hi) if going_up else (lo < 0) & (hi > 0))
        step = 1.0
        while open_.size:
            probe = lo[open_] + step if going_up else np.maximum(hi[open_] - step, 0.0)
            ok = feasible(probe, open_)
            hi[open_[ok]], lo[open_[~ok]] = probe[ok], probe[~ok]
            open_ = open_[~ok] if going_up else open_[ok & (probe > 0)]
            step *= 2.0
    while True:
        open_ = np.flatnonzero(hi - lo > 1)
        if not open_.size:
            return hi
        mid = np.floor((lo[open_] + hi[open_]) / 2.0)
        ok = feasible(mid, open_)
        hi[open_[ok]], lo[open_[~ok]] = mid[ok], mid[~ok]


def required_agents(calls: ArrayLike, aht: ArrayLike, interval: ArrayLike, *,
                    target_sl: float | None = None, answer_time: ArrayLike | None = None,
                    target_asa: float | None = None, max_occupancy: float | None = None,
                    max_abandon: float | None = None, patience: ArrayLike | None = None) -> np.ndarray:
    """The smallest whole number of on-line agents meeting every target given, elementwise.

    Targets: ``target_sl`` (share answered within ``answer_time`` seconds), ``target_asa``
    (seconds), ``max_occupancy`` (share), ``max_abandon`` (share; needs ``patience``). At least
    one target is required. Erlang C when ``patience`` is None (or inf), Erlang A otherwise.
    Zero calls need zero agents. Returns int64 (a numpy scalar for scalar inputs).
    """
    target_sl = _share("target_sl", target_sl)
    max_occupancy = _share("max_occupancy", max_occupancy)
    max_abandon = _share("max_abandon", max_abandon)
    if target_asa is not None and not (target_asa > 0 and math.isfinite(target_asa)):
        raise InputError("target_asa must be a positive number of seconds.", column="target_asa", value=target_asa)
    if target_sl is None and target_asa is None and max_occupancy is None and max_abandon is None:
        raise InputError("give at least one target: target_sl with answer_time, target_asa, "
                         "max_occupancy or max_abandon.")
    if target_sl is not None and answer_time is None:
        raise InputError("target_sl needs answer_time (e.g. 80% in 20 seconds).", column="answer_time")
    calls = _checked("calls", calls)
    aht = _checked("aht", aht, positive=True)
    interval = _checked("interval", interval, positive=True)
    arrays = [calls, aht, interval]
    if target_sl is not None:
        arrays.append(_checked("answer_time", answer_time))
    if patience is not None:
        arrays.append(_checked("patience", patience, positive=True, allow_inf=True))
    shape = np.broadcast_shapes(*(arr.shape for arr in arrays))
    flat = [np.broadcast_to(arr, shape).ravel().astype(float) for arr in arrays]
    calls, aht, interval = flat[:3]
    t = flat[3] if target_sl is not None else None
    pat = flat[-1] if patience is not None else np.full(calls.shape, np.inf)
    if max_abandon is not None and np.isinf(pat).any():
        raise InputError("max_abandon needs a patience (Erlang A): Erlang C assumes nobody hangs up.",
                         column="patience")
    a = calls * aht / interval
    result = np.zeros(calls.shape)
    busy = a > 0

    c_idx = np.flatnonzero(busy & np.isinf(pat))
    if c_idx.size:
        result[c_idx] = _required_erlang_c(calls[c_idx], aht[c_idx], interval[c_idx], a[c_idx],
                                           None if t is None else t[c_idx], target_sl, target_asa, max_occupancy)
    a_idx = np.flatnonzero(busy & np.isfinite(pat))
    if a_idx.size:
        guess = (_required_erlang_c(calls[a_idx], aht[a_idx], interval[a_idx], a[a_idx],
                                    None if t is None else t[a_idx], target_sl, target_asa, max_occupancy)
                 if (target_sl is not None or target_asa is not None) else np.ceil(a[a_idx]))
        result[a_idx] = _required_erlang_a(a[a_idx], aht[a_idx], pat[a_idx], None if t is None else t[a_idx],
                                           guess, target_sl, target_asa, max_occupancy, max_abandon)
    return result.astype(np.int64).reshape(shape)[()]


def _required_erlang_c(calls, aht, interval, a, t, target_sl, target_asa, max_occupancy) -> NDArray[np.float64]:
    start = np.floor(a) + 1.0  # stability: n > a
    if max_occupancy is not None:
        start = np.maximum(start, exact_ceil([calls, aht], [interval, max_occupancy]))
    if target_sl is None and target_asa is None:
        return start

    def ok(n, aa, hh, b, live):
        c = n * b / (n - aa + aa * b)
        good = np.ones(n.shape, dtype=bool)
        if target_sl is not None:
            good &= 1.0 - c * np.exp(-(n - aa) * t[live] / hh) >= target_sl
        if target_asa is not None:
            good &= c * hh / (n - aa) <= target_asa
        return good

    return _scan_erlang_c(a, aht, start, ok)


def _required_erlang_a(a, aht, patience, t, guess, target_sl, target_asa, max_occupancy, max_abandon
                       ) -> NDArray[np.float64]:
    need = set()
    if target_sl is not None:
        need.add("service_level")
    if target_asa is not None:
        need.add("asa")
    if max_occupancy is not None:
        need.add("occupancy")
    if max_abandon is not None:
        need.add("abandon_rate")

    def feasible(n, idx):
        m = _erlang_a(n, a[idx], aht[idx], patience[idx], None if t is None else t[idx], need)
        good = np.ones(n.shape, dtype=bool)
        if target_sl is not None:
            good &= m["service_level"] >= target_sl
        if target_asa is not None:
            good &= m["asa"] <= target_asa
        if max_occupancy is not None:
            good &= m["occupancy"] <= max_occupancy
        if max_abandon is not None:
            good &= m["abandon_rate"] <= max_abandon
        return good

    return _smallest_feasible(feasible, guess)
