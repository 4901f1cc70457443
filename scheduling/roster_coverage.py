"""Coverage of a roster per interval: the average agents per queue working, on a break, on overtime,
and what the open shifts and the overtime not offered would have given (:func:`interval_coverage`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from scheduling.roster_plan import Horizon


def interval_coverage(shifts: pd.DataFrame, horizon: Horizon, *, minutes: int = 15) -> pd.DataFrame:
    """Average agents per queue and interval of ``minutes`` (UTC, labelled by start) over the horizon.

    ``working``: rostered, on their shift and not on a break (overtime excluded); ``on_break``;
    ``overtime``: rostered and on an overtime extension; ``open``: what the open shifts would have
    given (working plus overtime), plus the planned overtime not offered (``unoffered_before/after``
    minutes of rostered shifts, when the frame has them). In a cyclic horizon time past the end wraps
    to the start, as in the plan.
    """
    edges = np.arange(0, horizon.seconds + 1, minutes * 60.0)
    ds = horizon.start + pd.to_timedelta(edges[:-1], unit="s")
    period = horizon.seconds if horizon.cyclic else None
    origin = horizon.start
    sec = lambda t: ((pd.Series(t) - origin) / pd.Timedelta(seconds=1)).to_numpy(dtype=float)  # noqa: E731
    frames = []
    for queue, group in shifts.groupby("queue", sort=True):
        assigned = group["agent_id"].notna().to_numpy()
        brk = [(b, m) for row_breaks, a in zip(group["breaks"], assigned) for b, m, _ in row_breaks if a]
        brk_open = [(b, m) for row_breaks, a in zip(group["breaks"], assigned) for b, m, _ in row_breaks if not a]

        def spans(frame_part: pd.DataFrame, start_col: str, end_col: str) -> tuple[np.ndarray, np.ndarray]:
            return sec(frame_part[start_col]), sec(frame_part[end_col])

        def breaks(items) -> tuple[np.ndarray, np.ndarray]:
            if not items:
                return np.zeros(0), np.zeros(0)
            begin = sec([b for b, _ in items])
            return begin, begin + np.array([m * 60.0 for _, m in items])

        mine, others = group[assigned], group[~assigned]
        base = _average(*spans(mine, "start_utc", "end_utc"), edges, period)
        on_break = _average(*breaks(brk), edges, period)
        overtime = (_average(*spans(mine, "work_start", "start_utc"), edges, period)
                    + _average(*spans(mine, "end_utc", "work_end"), edges, period))
        lost = (_average(*spans(others, "work_start", "work_end"), edges, period)
                - _average(*breaks(brk_open), edges, period))
        if "unoffered_before" in mine.columns:  # the plan's overtime that the roster does not offer
            cut = lambda col: pd.to_timedelta(mine[col], unit="min")  # noqa: E731
            lost = (lost + _average(sec(mine["work_start"] - cut("unoffered_before")), sec(mine["work_start"]), edges,
                                    period)
                    + _average(sec(mine["work_end"]), sec(mine["work_end"] + cut("unoffered_after")), edges, period))
        frames.append(pd.DataFrame({"queue": queue, "ds": ds, "working": base - on_break, "on_break": on_break,
                                    "overtime": overtime, "open": lost}))
    if not frames:
        return pd.DataFrame(columns=["queue", "ds", "working", "on_break", "overtime", "open"])
    out = pd.concat(frames, ignore_index=True)
    numbers = ["working", "on_break", "overtime", "open"]
    out[numbers] = out[numbers].round(9) + 0.0  # exact counts stay exact; no -0.0
    return out


def _average(start: np.ndarray, end: np.ndarray, edges: np.ndarray, period: float | None) -> np.ndarray:
    """Average number of the intervals ``[start, end)`` (seconds) active in each bin of ``edges``.

    F(T) = sum_i clip(T - start_i, 0, end_i - start_i) is the active time before T; a bin's average is
    its increase over the bin width. A cyclic period first folds intervals into ``[0, period)``.
    """
    start, end = np.asarray(start, float), np.asarray(end, float)
    keep = end > start
    start, end = start[keep], end[keep]
    if period:
        length = end - start
        start = start % period
        end = start + length
        over = end > period
        start = np.concatenate([start, np.zeros(over.sum())])
        end = np.concatenate([np.minimum(end, period), end[over] - period])
    s, e = np.sort(start), np.sort(end)
    cs, ce = np.concatenate([[0.0], np.cumsum(s)]), np.concatenate([[0.0], np.cumsum(e)])
    ks, ke = np.searchsorted(s, edges), np.searchsorted(e, edges)
    active = (ks * edges - cs[ks]) - (ke * edges - ce[ke])
    return np.diff(active) / np.diff(edges)
