"""Local wall-time views, opening hours, profiles, event-day shapes and AHT: no model fits."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.aht import AhtModel
from forecasting.intraday import (HOLIDAY_TYPE, EventShapes, OpeningHours, Profiles, day_types, future_grid,
                                  local_view)
from forecasting.validation import InputError

LONDON = "Europe/London"


def quarter_hours(start: str, days: int, zone: str = LONDON, hours: tuple[int, int] = (8, 20)) -> pd.DataFrame:
    """15-minute rows in opening hours, y = local hour (so sums are checkable by hand), aht 100 + hour."""
    first = pd.Timestamp(start).tz_localize(zone).tz_convert("UTC")
    ds = pd.date_range(first, first + pd.Timedelta(days=days), freq="15min", inclusive="left")
    hour = ds.tz_convert(zone).hour
    keep = (hour >= hours[0]) & (hour < hours[1])
    return pd.DataFrame({"ds": ds[keep], "y": hour[keep].astype(float), "aht": 100.0 + hour[keep]})


def test_local_view_bins_on_local_hours_and_keeps_totals_across_dst():
    frame = quarter_hours("2025-03-28", 5)  # DST starts Sunday 30 March
    view = local_view(frame, LONDON, 60, 15)
    assert view["y"].sum() == frame["y"].sum()
    assert set(view["slot"]) == {h * 60 for h in range(8, 20)}
    # Each local hour h holds 4 quarter-hours of value h, on both sides of the change.
    assert (view["y"] == 4 * view["slot"] // 60).all()
    assert (view["aht"] == 100 + view["slot"] // 60).all()
    after = view[view["date"] == pd.Timestamp("2025-03-31")]
    assert after["ds"].dt.hour.min() == 7  # 08:00 BST = 07:00 UTC


def test_local_view_refuses_a_finer_step_than_the_history():
    with pytest.raises(InputError, match="60-minute"):
        local_view(quarter_hours("2025-01-06", 1).iloc[::4].assign(), LONDON, 15, 60)


def test_future_grid_has_23_and_25_hour_days():
    spring = future_grid(pd.Timestamp("2025-03-30"), 1, LONDON, 15)
    autumn = future_grid(pd.Timestamp("2025-10-26"), 1, LONDON, 60)
    assert len(spring) == 92 and len(autumn) == 25
    assert autumn["slot"].value_counts()[60] == 2  # 01:00 happens twice
    assert spring["ds"].iloc[0] == pd.Timestamp("2025-03-30 00:00", tz="UTC")
    daily = future_grid(pd.Timestamp("2025-03-29"), 3, LONDON, 1440)
    assert daily["ds"].dt.hour.tolist() == [0, 0, 23]  # local midnight of 31 March is 23:00 UTC


def test_opening_hours_are_inferred_per_weekday_and_declared_spans_round_out():
    frame = quarter_hours("2025-01-06", 28)
    local = frame["ds"].dt.tz_convert(LONDON)
    frame = frame[local.dt.day_of_week < 6]  # closed Sunday
    view = local_view(frame, LONDON, 30, 15)
    hours = OpeningHours.infer(view, 30, set())
    assert hours.open_weekdays() == {0, 1, 2, 3, 4, 5}
    assert hours.slots[0] == frozenset(range(8 * 60, 20 * 60, 30))
    assert "Sun closed" in hours.describe() and "Mon 08:00-20:00" in hours.describe()
    declared = OpeningHours.declared({0: (510, 1200), 6: None}, 60)
    assert min(declared.slots[0]) == 480 and max(declared.slots[0]) == 1140 and not declared.slots[6]


def test_profile_shares_sum_to_one_per_open_day_including_dst_days():
    view = local_view(quarter_hours("2025-02-03", 56), LONDON, 15, 15)
    hours = OpeningHours.infer(view, 15, set())
    profiles = Profiles().fit(view, hours, set(), set())
    grid = future_grid(pd.Timestamp("2025-03-29"), 3, LONDON, 15)
    shares = profiles.shares(grid, day_types(grid["date"], set()), hours.mask(grid))
    per_day = pd.Series(shares).groupby(grid["date"].to_numpy()).sum()
    np.testing.assert_allclose(per_day.to_numpy(), 1.0)
    # The shape is y = hour: a 19:00 quarter-hour carries 19/8 of an 08:00 one.
    day = grid["date"] == pd.Timestamp("2025-03-31")
    by_slot = pd.Series(shares[day.to_numpy()], index=grid.loc[day, "slot"].to_numpy())
    assert by_slot[19 * 60] / by_slot[8 * 60] == pytest.approx(19 / 8)
    assert (shares[~hours.mask(grid)] == 0).all()


def test_holidays_get_their_own_day_type_and_profile():
    view = local_view(quarter_hours("2025-02-03", 56), LONDON, 60, 15)
    holiday = pd.Timestamp("2025-03-17")
    view.loc[view["date"] == holiday, "y"] = np.where(view.loc[view["date"] == holiday, "slot"] == 720, 50.0, 0.0)
    hours = OpeningHours.infer(view, 60, {holiday})
    profiles = Profiles().fit(view, hours, set(), {holiday})
    assert profiles.shapes[HOLIDAY_TYPE][720] == 1.0
    assert day_types(pd.Series([holiday, holiday + pd.Timedelta(days=1)]), {holiday}).tolist() == [HOLIDAY_TYPE, 1]


def test_event_day_shape_learns_a_late_morning_peak():
    view = local_view(quarter_hours("2025-02-03", 56), LONDON, 60, 15)
    days = [pd.Timestamp("2025-03-04"), pd.Timestamp("2025-03-18")]
    boost = view["date"].isin(days) & view["slot"].isin([600, 660])
    view.loc[boost, "y"] *= 3  # the campaign email lands at 10:00
    hours = OpeningHours.infer(view, 60, set())
    profiles = Profiles().fit(view, hours, set(days), set())
    shapes = EventShapes().fit(view, profiles, hours, {d: "campaign" for d in days}, set())
    factor = shapes.factors["campaign"]
    assert factor[10] > 1.8 and factor[11] > 1.8 and factor[16] < 1.0
    grid = future_grid(pd.Timestamp("2025-04-01"), 2, LONDON, 60)
    base = profiles.shares(grid, day_types(grid["date"], set()), hours.mask(grid))
    reshaped = shapes.apply(base, grid, {pd.Timestamp("2025-04-01"): "campaign"})
    first = (grid["date"] == pd.Timestamp("2025-04-01")).to_numpy()
    assert reshaped[first].sum() == pytest.approx(1.0)
    np.testing.assert_allclose(reshaped[~first], base[~first])  # other days untouched
    assert reshaped[first & (grid["slot"] == 600).to_numpy()] > 1.8 * base[first & (grid["slot"] == 600).to_numpy()]


def test_aht_is_volume_weighted_per_slot_and_robust_to_an_outlier():
    view = local_view(quarter_hours("2025-02-03", 28), LONDON, 60, 15)
    view.loc[view.index[5], "aht"] = 1e6  # a call left open over a weekend
    model = AhtModel().fit(view)
    grid = future_grid(pd.Timestamp("2025-03-03"), 1, LONDON, 60)
    grid = grid[grid["slot"].between(480, 1140)]
    predicted = model.predict(grid)
    np.testing.assert_allclose(predicted, 100 + grid["slot"].to_numpy() // 60, atol=3)
    assert np.isnan(AhtModel().fit(view.assign(aht=np.nan)).predict(grid)).all()
