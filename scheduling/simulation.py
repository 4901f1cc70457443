"""Discrete-event simulation of a first-come-first-served M/M/n(+M) queue over consecutive intervals.

The independent check of the queueing maths, and the core that a roster replay reuses: per
interval it takes the expected arrivals, the mean handle time, the mean patience and the number
of agents (servers) on line, and returns what happened to the calls that arrived in it.

Model: Poisson arrivals at a constant rate inside each interval; exponential handle times and
patience (``inf`` or None: nobody hangs up); FIFO; a caller hangs up once their wait exceeds their
patience. When the agent count changes at an interval boundary, new agents start free at the
boundary; leaving agents are the ones free soonest, and an agent who is on a call finishes it
first. After the last interval the last interval's agents stay on until the queue is empty, so
every offered call has an outcome. Randomness comes from ``numpy.random.default_rng(seed)``.

Each caller is placed in arrival order on the agent free soonest (a heap of free times); that
is FIFO exactly, and abandonment does not change any agent's free time. Boundary changes are
applied before a caller whose start would lie beyond the boundary, which is exact because then
every agent is busy until at least that boundary.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from forecasting.validation import InputError


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
             patience: ArrayLike | None = None, seed: int = 0) -> SimulationResult:
    """Simulate consecutive intervals of ``interval`` seconds.

    ``calls`` (expected arrivals), ``aht`` (mean handle seconds), ``agents`` (whole servers) and
    ``patience`` (mean seconds, ``inf`` or None for none) are per interval (scalars broadcast).
    ``answer_time`` (seconds) defines the service level counted in the result.
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
    rng = np.random.default_rng(seed)
    counts = rng.poisson(calls)
    which = np.repeat(np.arange(size), counts)
    arrival = (which + rng.random(which.size)) * interval
    order = np.argsort(arrival, kind="stable")
    arrival, which = arrival[order], which[order]
    service = rng.exponential(1.0, which.size) * aht[which]
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
