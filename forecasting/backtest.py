"""Rolling-origin accuracy: WAPE per interval and per day, day-ahead and week-ahead, against baselines.

An origin is a local date: models see history before its local midnight and forecast from it.
Day-ahead scores the origin's first day; week-ahead scores the seven days from the origin (what a
planner publishes a week ahead). WAPE = sum |actual - forecast| / sum actual, over the open
intervals the history has (a forecast outside them counts against actual 0).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from forecasting.baselines import recent_weeks_average, seasonal_naive
from forecasting.intraday import local_midnight, local_view

WEEK = 7
HORIZONS = {"day-ahead": 1, "week-ahead": WEEK}  # name -> lead days scored (1..n)
# A forecast function: (training history ds,y,aht; first forecast date (local); days) -> ds, yhat[, bounds].
ForecastFn = Callable[[pd.DataFrame, pd.Timestamp, int], pd.DataFrame]


def wape(actual: np.ndarray | pd.Series, forecast: np.ndarray | pd.Series) -> float:
    """Weighted absolute percentage error as a fraction (0.1 = 10 %); NaN when there is no volume."""
    actual, forecast = np.asarray(actual, float), np.asarray(forecast, float)
    total = actual.sum()
    return float(np.abs(actual - forecast).sum() / total) if total > 0 else float("nan")


def origin_dates(last_date: pd.Timestamp, count: int, step_days: int, horizon_days: int = WEEK) -> list[pd.Timestamp]:
    """``count`` origins ``step_days`` apart, the latest leaving ``horizon_days`` of history to score."""
    latest = pd.Timestamp(last_date).normalize() - pd.Timedelta(days=horizon_days - 1)
    return [latest - pd.Timedelta(days=step_days * k) for k in range(count)][::-1]


def cut(history: pd.DataFrame, origin: pd.Timestamp, zone: str) -> pd.DataFrame:
    """Rows of one queue's history before the local midnight that starts ``origin``."""
    boundary = local_midnight(pd.DatetimeIndex([origin]), zone)[0]
    return history[history["ds"] < boundary]


def rolling_origin(history: pd.DataFrame, zone: str, origins: list[pd.Timestamp], forecast: ForecastFn,
                   horizon_days: int = WEEK, step: int | None = None) -> pd.DataFrame:
    """Forecast from each origin and line up with actuals: ``origin, ds, date, lead, y, yhat[, yhat_lower, yhat_upper]``.

    ``lead`` is the local day of the horizon (1 = the origin's own date). ``step`` (minutes) is the
    granularity the forecast is made at; actuals are re-binned to it.
    """
    source_step = infer_step(history)
    step = step or source_step
    actual = local_view(history, zone, step, source_step)[["ds", "date", "y"]]
    frames = []
    for origin in origins:
        predicted = forecast(cut(history, origin, zone), origin, horizon_days)
        if predicted.empty:
            continue
        end = origin + pd.Timedelta(days=horizon_days)
        truth = actual[(actual["date"] >= origin) & (actual["date"] < end)]
        both = predicted.merge(truth[["ds", "y"]], on="ds", how="outer").fillna({"y": 0.0, "yhat": 0.0})
        dates = both["ds"].dt.tz_convert(zone).dt.tz_localize(None).dt.normalize()
        both = both.assign(origin=origin, date=dates, lead=(dates - origin).dt.days + 1)
        frames.append(both[(both["lead"] >= 1) & (both["lead"] <= horizon_days)])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["origin", "ds", "date", "lead", "y", "yhat"])


def infer_step(history: pd.DataFrame) -> int:
    """The most common gap between interval starts, in minutes (1440 for daily data)."""
    gaps = history["ds"].drop_duplicates().sort_values().diff().dt.total_seconds().div(60).dropna()
    return int(gaps.mode().iloc[0]) if len(gaps) else 1440


def scores(lined_up: pd.DataFrame) -> pd.DataFrame:
    """Per horizon: interval WAPE, daily WAPE and (if bounds are there) the share of intervals inside them."""
    rows = []
    for name, lead in HORIZONS.items():
        part = lined_up[lined_up["lead"] <= lead]
        if part.empty:
            continue
        daily = part.groupby(["origin", "date"])[["y", "yhat"]].sum()
        row = {"horizon": name, "interval_wape": wape(part["y"], part["yhat"]),
               "daily_wape": wape(daily["y"], daily["yhat"])}
        if "yhat_lower" in part:
            inside = (part["y"] >= part["yhat_lower"].fillna(0)) & (part["y"] <= part["yhat_upper"].fillna(0))
            row["coverage"] = float(inside.mean())
        rows.append(row)
    return pd.DataFrame(rows)


def baseline_fn(zone: str, weeks: int, step: int | None = None) -> ForecastFn:
    """Seasonal naive (``weeks=1``) or the recent-weeks average as a :data:`ForecastFn` in local time."""

    def forecast(train: pd.DataFrame, origin: pd.Timestamp, days: int) -> pd.DataFrame:
        source = infer_step(train)
        step_ = step or source
        view = local_view(train.assign(queue="q"), zone, step_, source)[["ds", "y", "aht"]].assign(queue="q")
        start = local_midnight(pd.DatetimeIndex([origin]), zone)[0]
        # Run a day over so the last local date is complete whatever the UTC offset, then trim.
        make = seasonal_naive if weeks == 1 else recent_weeks_average
        extra = {} if weeks == 1 else {"weeks": weeks}
        out = make(view, start, days + 1, interval_minutes=step_, zones={"q": zone}, **extra)
        end = local_midnight(pd.DatetimeIndex([origin + pd.Timedelta(days=days)]), zone)[0]
        return out[out["ds"] < end][["ds", "yhat"]]

    return forecast


def comparison(results: dict[str, pd.DataFrame], reference: str = "seasonal naive") -> pd.DataFrame:
    """Stack the scores of several forecasters (name -> lined-up frame) with ratios to ``reference``."""
    table = pd.concat([scores(frame).assign(method=name) for name, frame in results.items()], ignore_index=True)
    ref = table[table["method"] == reference].set_index("horizon")
    for column in ("interval_wape", "daily_wape"):
        table[f"{column}_vs_naive"] = table[column] / table["horizon"].map(ref[column])
    columns = ["method", "horizon", "interval_wape", "daily_wape", "interval_wape_vs_naive", "daily_wape_vs_naive"]
    if "coverage" in table:
        columns.append("coverage")
    return table[columns]
