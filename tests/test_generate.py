"""The sample must look like a real multi-region contact centre: every later feature is shown on it."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from data import generate
from forecasting.calendar import load_events
from tests.conftest import DATA


@pytest.fixture(scope="module")
def local(sample_history, sample_queues) -> pd.DataFrame:
    parts = []
    for queue, rows in sample_history.groupby("queue"):
        wall = rows["ds"].dt.tz_convert(sample_queues[queue].timezone).dt.tz_localize(None)
        parts.append(rows.assign(local=wall, date=wall.dt.normalize(), hour=wall.dt.hour, weekday=wall.dt.day_of_week))
    return pd.concat(parts)


def _daily(local: pd.DataFrame, queue: str) -> pd.Series:
    return local[local["queue"] == queue].groupby("date")["y"].sum()


def _hour_shape(rows: pd.DataFrame) -> pd.Series:
    shape = rows.groupby("hour")["y"].sum()
    return shape.reindex(range(24), fill_value=0) / shape.sum()


def test_committed_sample_is_what_the_generator_writes(tmp_path):
    generate.write(generate.generate(), tmp_path)
    for name in ("history.csv.gz", "events.csv"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), f"{name}: run `make sample` and commit"


def test_two_full_years_of_15_minute_history_for_four_queues(sample_history):
    assert set(sample_history["queue"]) == {"uk_phone", "uk_chat", "us_phone", "email"}
    first, last = sample_history["ds"].min(), sample_history["ds"].max()
    assert (last - first) >= pd.Timedelta(days=729)
    assert last.date() >= dt.date(2026, 11, 1), "history ends shortly before today"
    steps = sample_history.groupby("queue")["ds"].diff().dropna()
    assert steps.min() == pd.Timedelta(minutes=15)


def test_closed_hours_have_no_rows(local):
    uk = local[local["queue"] == "uk_phone"]
    assert not (uk["weekday"] == 6).any(), "uk_phone is closed on Sundays"
    weekday = uk[uk["weekday"] < 5]
    assert weekday["hour"].min() == 8 and weekday["hour"].max() == 19


def test_dst_days_have_23_and_25_local_hours(local):
    us = local[local["queue"] == "us_phone"].groupby("date").size()
    assert us[pd.Timestamp("2025-03-09")] == 92  # spring forward
    assert us[pd.Timestamp("2025-11-02")] == 100  # fall back: both 01:xx hours kept
    assert us[pd.Timestamp("2025-11-03")] == 96


def test_intraday_shape_differs_by_weekday_and_region(local):
    chat = local[local["queue"] == "uk_chat"]
    weekday, sunday = _hour_shape(chat[chat["weekday"] < 5]), _hour_shape(chat[chat["weekday"] == 6])
    assert (weekday - sunday).abs().sum() > 0.15
    uk, us = _hour_shape(local[local["queue"] == "uk_phone"]), _hour_shape(local[local["queue"] == "us_phone"])
    assert (uk - us).abs().sum() > 0.3
    assert us[3] > 0 and uk[3] == 0, "the US queue is open at night, the UK phone queue is not"


def test_weekly_cycle_yearly_cycle_and_growth(local):
    daily = _daily(local, "us_phone")
    by_weekday = daily.groupby(daily.index.day_of_week).median()  # median: Monday holidays aside
    assert by_weekday[0] > 1.1 * by_weekday[2] and by_weekday[6] < 0.6 * by_weekday[2]
    first_year = daily[daily.index < pd.Timestamp("2025-11-16")]
    assert first_year[first_year.index.month == 1].mean() > 1.1 * first_year[first_year.index.month == 8].mean()
    autumn = [daily[(daily.index >= pd.Timestamp(f"{y}-09-01")) & (daily.index < pd.Timestamp(f"{y}-11-01"))].sum()
              for y in (2025, 2026)]
    assert autumn[1] > 1.06 * autumn[0]


def test_public_holidays_close_or_dip_and_are_followed_by_a_catch_up(local):
    uk = _daily(local, "uk_phone")
    assert uk[pd.Timestamp("2025-12-25")] == 0 and uk[pd.Timestamp("2025-08-25")] == 0  # bank holidays closed
    after, week_before = uk[pd.Timestamp("2025-08-26")], uk[pd.Timestamp("2025-08-19")]
    assert after > 1.15 * week_before, "the Tuesday after a bank holiday carries Monday's demand"
    us = _daily(local, "us_phone")
    assert us[pd.Timestamp("2025-07-04")] < 0.6 * us[pd.Timestamp("2025-06-27")]


def test_launches_and_campaigns_lift_volume_after_their_start(local):
    uk = local[local["queue"] == "uk_phone"]
    launch, before = pd.Timestamp("2026-03-17"), pd.Timestamp("2026-03-10")
    daily = _daily(local, "uk_phone")
    assert daily[launch] > 1.3 * daily[before]
    assert daily[launch + pd.Timedelta(days=3)] > daily[before + pd.Timedelta(days=3)], "the lift decays over days"
    email_day, week_before = pd.Timestamp("2025-10-07"), pd.Timestamp("2025-09-30")

    def hours(day, lo, hi):
        rows = uk[(uk["date"] == day) & (uk["hour"] >= lo) & (uk["hour"] < hi)]
        return rows["y"].sum()

    assert hours(email_day, 10, 13) > 1.5 * hours(week_before, 10, 13), "the 10:00 email lifts the next hours"
    assert hours(email_day, 8, 10) < 1.15 * hours(week_before, 8, 10), "nothing moves before it lands"


def test_counts_are_poisson_around_the_expected_volume():
    sample = generate.generate(end=dt.date(2025, 3, 31), years=1)
    rows = sample.history[sample.history["queue"] == "us_phone"]
    mean = sample.truth["us_phone"]
    dispersion = np.mean((rows["y"].to_numpy() - mean) ** 2 / np.maximum(mean, 1e-9))
    assert 0.9 < dispersion < 1.3


def test_handle_time_varies_by_hour(local):
    us = local[(local["queue"] == "us_phone") & (local["y"] > 0)]
    by_hour = (us["y"] * us["aht"]).groupby(us["hour"]).sum() / us.groupby("hour")["y"].sum()
    assert by_hour[3] > 1.15 * by_hour[13]
    assert local.loc[local["y"] == 0, "aht"].isna().all()


def test_events_file_has_past_and_future_launches_and_campaigns(sample_queues):
    events = load_events(DATA / "events.csv", known_queues=list(sample_queues))
    past = events[events["start"] < pd.Timestamp("2026-11-16")]
    future = events[events["start"] >= pd.Timestamp("2026-11-23")]
    assert (past["kind"] == "launch").sum() >= 4 and (past["kind"] == "campaign").sum() >= 6
    assert len(future) >= 2
    assert future["kind"].isin(["launch", "campaign"]).any(), "a future event of a kind with history"
    new_kind = future[~future["kind"].isin(past["kind"])]
    assert not new_kind.empty and new_kind["lift"].notna().all(), "a new kind carries the planner's typed lift"
