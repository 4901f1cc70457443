"""Rolling-origin scoring and the baselines, checked against hand-computed values."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.backtest import baseline_fn, comparison, origin_dates, rolling_origin, scores, wape
from forecasting.engine import BacktestPlan, backtest_task, make_tasks
from forecasting.models import QueueSettings

NEW_YORK = "America/New_York"


def hourly(start: str, days: int, zone: str = NEW_YORK) -> pd.DataFrame:
    """24/7 hourly rows; y = 100 x (days since start) + local hour, so every value is identifiable."""
    first = pd.Timestamp(start).tz_localize(zone).tz_convert("UTC")
    ds = pd.date_range(first, first + pd.Timedelta(days=days), freq="60min", inclusive="left")
    wall = ds.tz_convert(zone).tz_localize(None)
    day = (wall.normalize() - pd.Timestamp(start)).days
    return pd.DataFrame({"ds": ds, "y": (100 * day + wall.hour).astype(float)})


def test_wape_by_hand():
    assert wape([10, 20, 0], [12, 15, 1]) == pytest.approx((2 + 5 + 1) / 30)
    assert np.isnan(wape([0, 0], [1, 1]))


def test_origins_step_back_from_the_last_scorable_day():
    origins = origin_dates(pd.Timestamp("2025-03-31"), 3, 5)
    assert origins == [pd.Timestamp("2025-03-15"), pd.Timestamp("2025-03-20"), pd.Timestamp("2025-03-25")]


def test_seasonal_naive_is_the_same_local_hour_last_week_across_dst():
    history = hourly("2025-02-24", 21)  # DST starts Sunday 9 March in New York
    origin = pd.Timestamp("2025-03-10")
    lined = rolling_origin(history, NEW_YORK, [origin], baseline_fn(NEW_YORK, 1), horizon_days=2)
    local = lined["ds"].dt.tz_convert(NEW_YORK).dt.tz_localize(None)
    # 10 March (day 14) at local hour h is forecast by 3 March (day 7) at hour h: 700 + h.
    first_day = lined[local.dt.normalize() == origin]
    np.testing.assert_array_equal(first_day["yhat"].to_numpy(), 700 + local[first_day.index].dt.hour.to_numpy())
    assert (lined["lead"].unique() == [1, 2]).all()


def test_recent_weeks_average_is_the_mean_of_four_same_weekdays():
    history = hourly("2025-01-06", 35, zone="UTC")
    origin = pd.Timestamp("2025-02-07")  # day 32; same weekday 7, 14, 21, 28 days earlier = days 25, 18, 11, 4
    lined = rolling_origin(history, "UTC", [origin], baseline_fn("UTC", 4), horizon_days=1)
    expected = 100 * np.mean([25, 18, 11, 4]) + lined["ds"].dt.hour.to_numpy()
    np.testing.assert_allclose(lined["yhat"].to_numpy(), expected)


def test_scores_of_a_perfect_and_a_biased_forecast():
    history = hourly("2025-01-06", 28, zone="UTC")

    def perfect(train, origin, days):
        truth = history[(history["ds"] >= origin.tz_localize("UTC"))
                        & (history["ds"] < (origin + pd.Timedelta(days=days)).tz_localize("UTC"))]
        return truth.assign(yhat=truth["y"], yhat_lower=truth["y"] - 1, yhat_upper=truth["y"])[
            ["ds", "yhat", "yhat_lower", "yhat_upper"]]

    def high(train, origin, days):
        return perfect(train, origin, days).assign(yhat=lambda f: f["yhat"] * 1.1)

    origins = origin_dates(pd.Timestamp("2025-02-02"), 2, 3)
    results = {"perfect": rolling_origin(history, "UTC", origins, perfect),
               "seasonal naive": rolling_origin(history, "UTC", origins, high)}
    table = comparison(results).set_index(["method", "horizon"])
    assert table.loc[("perfect", "week-ahead"), "interval_wape"] == 0
    assert table.loc[("seasonal naive", "day-ahead"), "interval_wape"] == pytest.approx(0.1)
    assert table.loc[("seasonal naive", "week-ahead"), "daily_wape"] == pytest.approx(0.1)
    assert table.loc[("perfect", "day-ahead"), "coverage"] == 1.0
    assert len(scores(results["perfect"])) == 2


@pytest.mark.slow
def test_sample_backtest_beats_seasonal_naive_with_calibrated_bands(sample_history, sample_queues):
    frame = sample_history[sample_history["queue"] == "uk_chat"]
    frame = frame[frame["ds"] >= frame["ds"].max() - pd.Timedelta(weeks=60)]
    tasks = make_tasks(frame, {"uk_chat": QueueSettings.from_config(sample_queues["uk_chat"])}, None,
                       interval_minutes=15, horizon_days=7, granularity=60, method="top-down")
    table, lined = backtest_task(tasks[0], BacktestPlan(origins=3, step_days=5))
    table = table.set_index(["method", "horizon"])
    ours = table.loc["prophet top-down"]
    assert (ours["interval_wape_vs_naive"] < 0.9).all()
    assert ours.loc["week-ahead", "coverage"] == pytest.approx(0.8, abs=0.1)
    assert set(lined["method"]) == {"prophet top-down", "seasonal naive", "recent 4 weeks"}
