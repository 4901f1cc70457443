"""Baseline forecasts every model must beat: seasonal naive and the recent-weeks average.

Both work in each queue's local wall time, so "the same interval last week" is the same
local clock time even when a DST change lies in between. Output is the forecast contract
``queue, ds, yhat, yhat_lower, yhat_upper, aht`` with ``ds`` in UTC.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def _local(ds: pd.Series, zone: str) -> pd.Series:
    return ds.dt.tz_convert(zone).dt.tz_localize(None)


def _future_grid(start: pd.Timestamp, horizon_days: int, interval_minutes: int) -> pd.DatetimeIndex:
    start = pd.Timestamp(start)
    start = start.tz_localize("UTC") if start.tzinfo is None else start.tz_convert("UTC")
    return pd.date_range(start, start + pd.Timedelta(days=horizon_days), freq=f"{interval_minutes}min",
                         inclusive="left")


def recent_weeks_average(
    history: pd.DataFrame,
    start: pd.Timestamp,
    horizon_days: int,
    *,
    weeks: int = 4,
    interval_minutes: int | None = None,
    zones: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Mean of the same local weekday and time over the last ``weeks`` weeks before ``start``.

    ``history`` is ``queue, ds, y[, aht]`` (ds tz-aware UTC). ``start`` is the first forecast
    instant (UTC). Intervals whose weekday-and-time slot had no row in those weeks (closed hours)
    are not forecast. ``yhat_lower``/``yhat_upper`` are the smallest and largest of the weekly
    values; ``aht`` (seconds) is the volume-weighted mean handle time of the slot.
    With ``weeks=1`` this is the seasonal naive forecast.
    """
    zones = zones or {}
    start = _future_grid(start, 1, 60)[0]
    frames = []
    for queue, group in history.groupby("queue", sort=True):
        zone = zones.get(queue, "UTC")
        step = interval_minutes or int(group["ds"].diff().dt.total_seconds().div(60).mode().iloc[0])
        recent = group[(group["ds"] < start) & (group["ds"] >= start - pd.Timedelta(weeks=weeks, days=1))]
        if recent.empty:
            continue
        local = _local(recent["ds"], zone)
        # A repeated local hour (DST end) maps two rows to one wall time: keep their mean.
        table = recent.assign(local=local, ya=recent["y"] * recent.get("aht", np.nan)).groupby("local")[["y", "ya"]].mean()
        grid = _future_grid(start, horizon_days, step)
        target_local = pd.Series(grid).dt.tz_convert(zone).dt.tz_localize(None)
        # Beyond the first week the horizon repeats the same recent weeks, not forecasts of forecasts.
        whole_weeks = ((target_local - _local(pd.Series([start]), zone).iloc[0]).dt.days // 7).to_numpy()
        lags = [target_local - pd.to_timedelta(7 * (whole_weeks + k), unit="D") for k in range(1, weeks + 1)]
        values = np.column_stack([table["y"].reindex(lag).to_numpy() for lag in lags])
        weighted = np.column_stack([table["ya"].reindex(lag).to_numpy() for lag in lags])
        seen = ~np.isnan(values).all(axis=1)
        # A slot with no rows in some weeks was closed then: those weeks count as zero.
        filled = np.where(np.isnan(values), 0.0, values)
        with np.errstate(invalid="ignore", divide="ignore"):
            aht = np.nansum(weighted, axis=1) / np.nansum(np.where(np.isnan(weighted), 0, filled), axis=1)
        fallback = float((recent["y"] * recent.get("aht", np.nan)).sum() / recent["y"].sum()) if "aht" in recent else np.nan
        frames.append(pd.DataFrame({
            "queue": queue, "ds": grid[seen], "yhat": filled.mean(axis=1)[seen],
            "yhat_lower": filled.min(axis=1)[seen], "yhat_upper": filled.max(axis=1)[seen],
            "aht": np.where(np.isfinite(aht), aht, fallback)[seen],
        }))
    columns = ["queue", "ds", "yhat", "yhat_lower", "yhat_upper", "aht"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def seasonal_naive(history: pd.DataFrame, start: pd.Timestamp, horizon_days: int, **kwargs) -> pd.DataFrame:
    """The same local interval one week earlier (repeated weekly over the horizon)."""
    return recent_weeks_average(history, start, horizon_days, weeks=1, **kwargs)
