"""Average handle time (AHT, seconds) per local interval of the week, from recent weeks.

Handle times are noisy and have outliers (a call left open over lunch), so each interval's AHT is
first clipped to the queue's 1st-99th percentile, then averaged weighted by volume per weekday and
slot, and slots with little volume are pulled towards the same slot on all weekdays, then towards
the queue's mean.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

AHT_WEEKS = 8
PSEUDO_CONTACTS = 20.0  # contacts of evidence a slot needs before its own mean counts as much as the pooled one


@dataclass
class AhtModel:
    """``fit(view)`` on a local view (``date, weekday, slot, y, aht``); ``predict(grid)`` -> seconds per row."""

    weeks: int = AHT_WEEKS
    table: pd.Series | None = None  # (weekday, slot) -> seconds
    by_slot: pd.Series | None = None  # slot -> seconds, all weekdays pooled
    overall: float = float("nan")

    def fit(self, view: pd.DataFrame, skip_dates: set[pd.Timestamp] | frozenset = frozenset()) -> "AhtModel":
        recent = view[(view["date"] > view["date"].max() - pd.Timedelta(weeks=self.weeks))
                      & ~view["date"].isin(skip_dates) & view["aht"].notna() & (view["y"] > 0)]
        if recent.empty:
            return self
        low, high = recent["aht"].quantile([0.01, 0.99])
        work = recent.assign(handled=recent["y"] * recent["aht"].clip(low, high))
        self.overall = float(work["handled"].sum() / work["y"].sum())
        slot = work.groupby("slot")[["handled", "y"]].sum()
        self.by_slot = (slot["handled"] + PSEUDO_CONTACTS * self.overall) / (slot["y"] + PSEUDO_CONTACTS)
        cell = work.groupby(["weekday", "slot"])[["handled", "y"]].sum()
        pooled = self.by_slot.reindex(cell.index.get_level_values("slot")).to_numpy()
        self.table = (cell["handled"] + PSEUDO_CONTACTS * pooled) / (cell["y"] + PSEUDO_CONTACTS)
        return self

    def predict(self, grid: pd.DataFrame) -> np.ndarray:
        """AHT in seconds for each row of a grid with ``weekday`` and ``slot``; NaN if the history had none."""
        if self.table is None:
            return np.full(len(grid), np.nan)
        keys = pd.MultiIndex.from_arrays([grid["weekday"].to_numpy(), grid["slot"].to_numpy()])
        values = self.table.reindex(keys).to_numpy()
        pooled = self.by_slot.reindex(grid["slot"].to_numpy()).to_numpy()
        values = np.where(np.isnan(values), pooled, values)
        return np.where(np.isnan(values), self.overall, values)
