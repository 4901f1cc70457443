"""Discrete-event simulation of a first-come-first-served M/M/n(+M) queue over consecutive intervals.

The independent check of the queueing maths, and the core that a roster replay reuses: per
interval it takes the expected arrivals, the mean handle time, the mean patience and the number
of agents (servers) on line, and returns what happened to the calls that arrived in it.

Model: Poisson arrivals at a constant rate inside each interval; exponential (or lognormal, with a
given coefficient of variation) handle times; exponential patience (``inf`` or None: nobody hangs
up); FIFO; a caller hangs up once their wait exceeds their patience. When the agent count changes
at an interval boundary, new agents start free at the boundary; leaving agents are the ones free
soonest, and an agent who is on a call finishes it first. After the last interval the last interval's agents stay on until the queue is empty, so
every offered call has an outcome. Randomness comes from ``numpy.random.default_rng(seed)``.

Each caller is placed in arrival order on the agent free soonest (a heap of free times); that
is FIFO exactly, and abandonment does not change any agent's free time. Boundary changes are
applied before a caller whose start would lie beyond the boundary, which is exact because then
every agent is busy until at least that boundary.

Roster replay (:func:`replay`): the agents on line per queue and 15-minute slot come from a roster
(on shift or overtime, not on a break); contacts from a forecast; runs are repeated with independent
seeds and summarised per interval and per local day with bands across runs, next to the plan's
expected values (Erlang C/A per slot at the rostered agents). Why this engine rather than SimPy or
Ciw: one queue under FIFO needs no event list, only the heap of agents' free times, so a contact
costs about a microsecond; the same one-week queue written as a SimPy model (time-varying capacity
through blocking requests) ran about 300 times slower in ``bench/roster.py``, and a week of
100,000 contacts replays here in about a second per run.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from forecasting.validation import InputError
from scheduling import erlang
from scheduling.requirements import interval_seconds, read_forecast
from scheduling.roster_coverage import interval_coverage
from scheduling.roster_plan import Horizon


@dataclass(frozen=True)
class SimulationResult:
    """Per interval (by arrival interval): counts, waits and busy time. Times in seconds."""

    offered: NDArray[np.int64]
    answered: NDArray[np.int64]
    answered_within: NDArray[np.int64]  # answered with a wait <= answer_time
    abandoned: NDArray[np.int64]
    wait_answered: NDArray[np.float64]  # summed wait of answered calls
    busy_seconds: NDArray[np.float64]  # agent time spent handling calls, by interval of the work
    agents: NDArray[np.int64]
    interval: float

    def _ratio(self, top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(bottom > 0, top / bottom, np.nan)

    @property
    def service_level(self) -> np.ndarray:
        """Share of offered calls answered within the answer time (NaN for no calls)."""
        return self._ratio(self.answered_within, self.offered)

    @property
    def asa(self) -> np.ndarray:
        """Mean wait of answered calls, seconds."""
        return self._ratio(self.wait_answered, self.answered)

    @property
    def abandon_rate(self) -> np.ndarray:
        return self._ratio(self.abandoned, self.offered)

    @property
    def occupancy(self) -> np.ndarray:
        return self._ratio(self.busy_seconds, self.agents * self.interval)

    def total(self, start: int = 0) -> dict[str, float]:
        """Measures over intervals ``start`` onwards (skip a warm-up by raising ``start``)."""
        part = slice(start, None)
        offered, answered = self.offered[part].sum(), self.answered[part].sum()
        return {
            "offered": float(offered),
            "service_level": float(self.answered_within[part].sum() / offered) if offered else float("nan"),
            "asa": float(self.wait_answered[part].sum() / answered) if answered else float("nan"),
            "abandon_rate": float(self.abandoned[part].sum() / offered) if offered else float("nan"),
            "occupancy": float(self.busy_seconds[part].sum() / (self.agents[part].sum() * self.interval)),
        }


def simulate(calls: ArrayLike, aht: ArrayLike, agents: ArrayLike, *, interval: float, answer_time: float,
             patience: ArrayLike | None = None, seed: int = 0, handle_cv: float | None = None) -> SimulationResult:
    """Simulate consecutive intervals of ``interval`` seconds.

    ``calls`` (expected arrivals), ``aht`` (mean handle seconds), ``agents`` (whole servers) and
    ``patience`` (mean seconds, ``inf`` or None for none) are per interval (scalars broadcast).
    ``answer_time`` (seconds) defines the service level counted in the result. ``handle_cv``: None for
    exponential handle times, else lognormal ones with mean ``aht`` and this coefficient of variation
    (standard deviation / mean; real handle times are often right-skewed with a CV below 1).
    """
    calls = np.asarray(calls, dtype=float)
    staff = np.asarray(agents)
    size = max(calls.size, staff.size, np.size(aht))
    calls = np.broadcast_to(calls, size)
    aht = np.broadcast_to(np.asarray(aht, dtype=float), size)
    staff = np.broadcast_to(staff, size).astype(np.int64)
    patience = np.broadcast_to(np.inf if patience is None else np.asarray(patience, dtype=float), size)
    if np.any(calls < 0) or np.any(~np.isfinite(calls)):
        raise InputError("calls must be 0 or more per interval.", column="calls")
    if np.any(aht <= 0) or np.any(staff < 0) or np.any(patience <= 0) or interval <= 0:
        raise InputError("aht, patience and the interval must be positive, agents 0 or more.")
    if handle_cv is not None and not handle_cv > 0:
        raise InputError("the handle-time coefficient of variation must be above 0.", column="handle_cv",
                         value=handle_cv)
    rng = np.random.default_rng(seed)
    counts = rng.poisson(calls)
    which = np.repeat(np.arange(size), counts)
    arrival = (which + rng.random(which.size)) * interval
    order = np.argsort(arrival, kind="stable")
    arrival, which = arrival[order], which[order]
    if handle_cv is None:
        service = rng.exponential(1.0, which.size) * aht[which]
    else:
        sigma2 = np.log1p(handle_cv ** 2)  # lognormal with mean 1: mu = -sigma^2 / 2
        service = rng.lognormal(-sigma2 / 2, np.sqrt(sigma2), which.size) * aht[which]
    give_up = rng.exponential(1.0, which.size) * patience[which]

    start = _serve(arrival, service, give_up, staff, interval)
    answered = np.isfinite(start)
    wait = np.where(answered, start - arrival, 0.0)
    count = lambda mask: np.bincount(which[mask], minlength=size)  # noqa: E731
    return SimulationResult(
        offered=counts.astype(np.int64),
        answered=count(answered),
        answered_within=count(answered & (wait <= answer_time)),
        abandoned=count(~answered),
        wait_answered=np.bincount(which, weights=wait, minlength=size),
        busy_seconds=_busy_by_interval(start[answered], start[answered] + service[answered], size, interval),
        agents=staff.copy(),
        interval=float(interval),
    )


def _serve(arrival: np.ndarray, service: np.ndarray, give_up: np.ndarray, staff: np.ndarray,
           interval: float) -> np.ndarray:
    """Start time of each caller's service in FIFO order, ``inf`` for those who hang up."""
    free: list[float] = [0.0] * int(staff[0])
    heapq.heapify(free)
    boundary = 1  # next interval boundary whose agent change is still to apply
    size = staff.size
    starts = np.full(arrival.size, np.inf)

    def change(b: int) -> None:
        at, diff = b * interval, int(staff[b]) - len(free)
        for _ in range(diff):
            heapq.heappush(free, at)
        for _ in range(-diff):
            heapq.heappop(free)  # the agent free soonest leaves (after finishing any call)

    for i, (t, s, p) in enumerate(zip(arrival.tolist(), service.tolist(), give_up.tolist())):
        while boundary < size and boundary * interval <= t:
            change(boundary)
            boundary += 1
        while True:
            soonest = free[0] if free else np.inf
            begin = t if soonest <= t else soonest
            if boundary < size and begin >= boundary * interval:
                change(boundary)
                boundary += 1
                continue
            break
        if begin - t <= p and begin < np.inf:
            heapq.heapreplace(free, begin + s)
            starts[i] = begin
    return starts


def _busy_by_interval(begin: np.ndarray, end: np.ndarray, size: int, interval: float) -> np.ndarray:
    """Handling time falling inside each interval: B(T) = sum over calls of overlap with [0, T)."""
    edges = np.arange(size + 1) * float(interval)
    edges[-1] = np.inf  # work that runs past the last boundary counts in the last interval
    b, e = np.sort(begin), np.sort(end)
    cb, ce = np.concatenate([[0.0], np.cumsum(b)]), np.concatenate([[0.0], np.cumsum(e)])

    def busy_before(limit: np.ndarray) -> np.ndarray:
        kb, ke = np.searchsorted(b, limit), np.searchsorted(e, limit)
        finite = np.where(np.isinf(limit), 0.0, limit)
        started = np.where(np.isinf(limit), -cb[kb], kb * finite - cb[kb])
        finished = np.where(np.isinf(limit), -ce[ke], ke * finite - ce[ke])
        return started - finished

    return np.diff(busy_before(edges))


# ----------------------------------------------------------------------------------------------
# replaying a roster
# ----------------------------------------------------------------------------------------------

SLOT_SECONDS = 900.0  # rosters change on 15-minute slots (starts, ends and breaks)
MEASURES = ("service_level", "asa", "abandon_rate", "occupancy")


@dataclass(frozen=True)
class ReplayResult:
    """A roster replayed ``replications`` times; bands hold the central ``band`` share of the runs.

    ``intervals``: ``queue, ds`` (UTC, the forecast's intervals), ``agents`` (mean on line), ``forecast``
    (expected contacts), ``offered`` (mean per run), and for each measure of :data:`MEASURES` the pooled
    value over all runs, ``_low``/``_high`` band edges, and ``expected_`` (Erlang C/A per 15-minute
    slot with the rostered agents; NaN for email, whose FIFO backlog Erlang does not describe).
    ``daily``: the same per queue and local date (the queue's time zone). ``runs``: per replication
    and queue the week's totals. Times in seconds, shares as fractions.
    """

    intervals: pd.DataFrame
    daily: pd.DataFrame
    runs: pd.DataFrame
    replications: int
    band: float


def replay(shifts: pd.DataFrame, horizon: Horizon, forecast: pd.DataFrame, queues: dict, *, replications: int = 20,
           seed: int = 0, uncertainty: bool = False, forecast_interval: float = 0.8, handle_cv: float | None = None,
           band: float = 0.9, name: str = "forecast") -> ReplayResult:
    """Replay rostered shifts (the roster's shift frame, breaks included) against random contacts.

    Agents on line per queue and 15-minute slot are those on shift or overtime and not on a break
    (chat: ``floor(agents x concurrency)`` slots). Contacts arrive as Poisson with the forecast's
    ``yhat`` spread evenly over each interval's slots; with ``uncertainty`` each run first draws one
    forecast error per queue and local day from the forecast's band (``yhat_lower``/``yhat_upper`` as
    the ``forecast_interval`` central interval of a normal error), because forecast errors move whole
    days together. Handle times are exponential, or lognormal with ``handle_cv``; callers abandon after
    an exponential patience when the queue has ``patience_seconds``. Service level counts answers
    within the queue's ``answer_seconds`` (20 s when it has none).
    """
    if replications < 1:
        raise InputError("give at least one replication.", column="replications", value=replications)
    if not 0 < band < 1:
        raise InputError("the band must be a share above 0 and below 1 (0.9 = 90% of runs).", column="band",
                          value=band)
    frame = read_forecast(forecast, name)
    inside = frame[(frame["ds"] >= horizon.start) & (frame["ds"] < horizon.end)]
    if inside.empty:
        raise InputError(f"the forecast has no intervals in the roster's period ({horizon.start:%Y-%m-%d} to "
                          f"{horizon.end - pd.Timedelta(days=1):%Y-%m-%d}, UTC).", file=name, column="ds",
                          fix="forecast the roster's weeks.")
    cover = interval_coverage(shifts, horizon, minutes=int(SLOT_SECONDS // 60))
    n_slots = int(horizon.seconds // SLOT_SECONDS)
    tails = (1 - band) / 2
    z_band = NormalDist().inv_cdf((1 + forecast_interval) / 2)
    intervals, daily, runs = [], [], []
    for qi, (queue, rows) in enumerate(inside.groupby("queue", sort=True)):
        config = queues.get(queue)
        if config is None:
            raise InputError(f"queue '{queue}' is in the forecast but not in the queue configuration.", file=name,
                              column="queue", value=queue, fix="add it to queues.csv.")
        step = interval_seconds(frame.loc[frame["queue"] == queue, "ds"], queue)
        per = int(step // SLOT_SECONDS)
        first = ((rows["ds"] - horizon.start) // pd.Timedelta(seconds=SLOT_SECONDS)).to_numpy()
        calls, aht = np.zeros(n_slots), np.ones(n_slots)
        lower, upper = np.zeros(n_slots), np.zeros(n_slots)
        for k in range(per):
            at = first + k
            calls[at] = rows["yhat"].to_numpy() / per
            lower[at] = rows["yhat_lower"].to_numpy() / per
            upper[at] = rows["yhat_upper"].to_numpy() / per
            aht[at] = np.where(rows["aht"].to_numpy() > 0, rows["aht"].fillna(1.0).to_numpy(), 1.0)
        mine = cover[cover["queue"] == queue]
        on_line = np.zeros(n_slots)
        if len(mine):
            on_line = (mine["working"] + mine["overtime"]).to_numpy()
        agents = np.floor(on_line + 1e-9).astype(np.int64)
        servers = np.floor(agents * config.concurrency + 1e-9).astype(np.int64) if config.channel == "chat" else agents
        patience = config.patience_seconds
        answer = config.answer_seconds or 20.0
        slot_times = horizon.start + pd.to_timedelta(np.arange(n_slots) * SLOT_SECONDS, unit="s")
        local_day = pd.DatetimeIndex(slot_times).tz_convert(config.timezone).normalize().tz_localize(None)
        days, day_index = np.unique(local_day, return_inverse=True)
        group = np.arange(n_slots) // per
        n_groups = int(group.max()) + 1
        expected = _expected(calls, aht, servers, answer, patience, config.channel == "email")
        sums_i, sums_d = [], []
        for r in range(replications):
            rng = np.random.default_rng([seed, qi, r])
            drawn = calls
            if uncertainty:
                z = rng.standard_normal(len(days))[day_index]
                spread = np.where(z >= 0, upper - calls, calls - lower) / z_band
                drawn = np.maximum(calls + z * spread, 0.0)
            result = simulate(drawn, aht, servers, interval=SLOT_SECONDS, answer_time=answer, patience=patience,
                              seed=int(rng.integers(2**31)), handle_cv=handle_cv)
            counts = np.stack([result.offered, result.answered, result.answered_within, result.abandoned,
                               result.wait_answered, result.busy_seconds, servers * SLOT_SECONDS]).astype(float)
            sums_i.append(np.stack([np.bincount(group, c, n_groups) for c in counts]))
            sums_d.append(np.stack([np.bincount(day_index, c, len(days)) for c in counts]))
            total = counts.sum(axis=1)
            runs.append({"replication": r, "queue": queue, "offered": total[0], **_ratios(total)})
        stacked_i, stacked_d = np.stack(sums_i), np.stack(sums_d)   # run x measure x interval/day
        exp_i = _expected_grouped(expected, calls, servers, group, n_groups)
        exp_d = _expected_grouped(expected, calls, servers, day_index, len(days))
        agents_i = np.bincount(group, on_line, n_groups) / per
        intervals.append(pd.DataFrame({
            "queue": queue, "ds": horizon.start + pd.to_timedelta(np.arange(n_groups) * step, unit="s"),
            "agents": agents_i, "forecast": np.bincount(group, calls, n_groups),
            **_banded(stacked_i, tails), **exp_i}))
        daily.append(pd.DataFrame({"queue": queue, "date": pd.DatetimeIndex(days).date,
                                   "forecast": np.bincount(day_index, calls, len(days)),
                                   **_banded(stacked_d, tails), **exp_d}))
    return ReplayResult(pd.concat(intervals, ignore_index=True), pd.concat(daily, ignore_index=True),
                        pd.DataFrame(runs), replications, band)


def _ratios(c: np.ndarray) -> dict[str, np.ndarray]:
    """Measures from summed counts (offered, answered, within, abandoned, wait, busy, server-seconds)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return {"service_level": np.where(c[0] > 0, c[2] / c[0], np.nan),
                "asa": np.where(c[1] > 0, c[4] / c[1], np.nan),
                "abandon_rate": np.where(c[0] > 0, c[3] / c[0], np.nan),
                "occupancy": np.where(c[6] > 0, c[5] / c[6], np.nan)}


def _banded(stacked: np.ndarray, tails: float) -> dict[str, np.ndarray]:
    """Pooled measures over all runs, and the band of the per-run measures."""
    pooled = _ratios(stacked.sum(axis=0))
    per_run = _ratios(np.moveaxis(stacked, 1, 0))
    out: dict[str, np.ndarray] = {"offered": stacked[:, 0].mean(axis=0)}
    for key in MEASURES:
        out[key] = pooled[key]
        values = per_run[key]
        seen = ~np.isnan(values).all(axis=0)
        low, high = np.full(values.shape[1], np.nan), np.full(values.shape[1], np.nan)
        if seen.any():
            low[seen] = np.nanquantile(values[:, seen], tails, axis=0)
            high[seen] = np.nanquantile(values[:, seen], 1 - tails, axis=0)
        out[f"{key}_low"], out[f"{key}_high"] = low, high
    return out


def _expected(calls: np.ndarray, aht: np.ndarray, servers: np.ndarray, answer: float, patience: float | None,
              deferred: bool) -> dict[str, np.ndarray]:
    """Erlang C/A measures per slot at the rostered servers (NaN for deferred work such as email)."""
    if deferred:
        nan = np.full(calls.size, np.nan)
        return {"service_level": nan, "asa": nan, "abandon_rate": nan, "occupancy": nan}
    m = erlang.measures(calls, aht, SLOT_SECONDS, servers, answer, patience)
    return {"service_level": np.asarray(m["service_level"], float), "asa": np.asarray(m["asa"], float),
            "abandon_rate": np.asarray(m["abandon_rate"], float), "occupancy": np.asarray(m["occupancy"], float)}


def _expected_grouped(expected: dict[str, np.ndarray], calls: np.ndarray, servers: np.ndarray, group: np.ndarray,
                      size: int) -> dict[str, np.ndarray]:
    """Slot measures combined per interval or day: weighted by contacts (occupancy: by servers)."""
    out = {}
    answered = calls * (1 - np.nan_to_num(expected["abandon_rate"]))
    weights = {"service_level": calls, "abandon_rate": calls, "asa": answered, "occupancy": servers.astype(float)}
    for key, weight in weights.items():
        value = expected[key]
        used = (weight > 0) & ~np.isnan(value)
        with np.errstate(invalid="ignore", divide="ignore"):
            top = np.bincount(group[used], value[used] * weight[used], size)
            bottom = np.bincount(group[used], weight[used], size)
            infinite = np.bincount(group[used], np.isinf(value[used]).astype(float), size) > 0
            top = np.where(infinite, np.inf, np.nan_to_num(top, posinf=0.0))
            out[f"expected_{key}"] = np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1.0), np.nan)
    return out
