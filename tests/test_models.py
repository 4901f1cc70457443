"""Prophet forecasts of one queue against synthetic series whose truth is known by construction."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.calendar import load_events
from forecasting.models import QueueForecaster, QueueSettings, count_bands, dispersion
from forecasting.validation import InputError

LONDON = "Europe/London"
WEEKDAY = (1.2, 1.05, 1.0, 1.0, 0.95, 0.6, 0.0)  # Monday..Sunday; closed on Sunday


def hourly_history(start: str, days: int, *, zone: str = LONDON, base: float = 1200, seed: int = 1,
                   lifts: dict[str, float] | None = None) -> pd.DataFrame:
    """Contacts per hour, open 08:00-20:00 local Monday-Saturday, peak at 10:00 local, Poisson noise.

    ``lifts``: local date -> fractional lift of that day's volume.
    """
    rng = np.random.default_rng(seed)
    first = pd.Timestamp(start).tz_localize(zone).tz_convert("UTC")
    ds = pd.date_range(first, first + pd.Timedelta(days=days), freq="60min", inclusive="left")
    wall = ds.tz_convert(zone).tz_localize(None)
    hour = wall.hour.to_numpy()
    open_ = (hour >= 8) & (hour < 20) & (wall.day_of_week.to_numpy() < 6)
    shape = np.exp(-0.5 * ((hour - 10) / 1.5) ** 2) + 0.5 * np.exp(-0.5 * ((hour - 15) / 2.0) ** 2) + 0.05
    shape = np.where(open_, shape, 0)
    day_share = pd.Series(shape).groupby(wall.normalize()).transform("sum").to_numpy()
    level = base * np.asarray(WEEKDAY)[wall.day_of_week.to_numpy()]
    lift = pd.Series(wall.normalize()).map({pd.Timestamp(k): v for k, v in (lifts or {}).items()}).fillna(0).to_numpy()
    mean = np.divide(level * (1 + lift) * shape, day_share, out=np.zeros(len(ds)), where=day_share > 0)
    frame = pd.DataFrame({"ds": ds, "y": rng.poisson(mean).astype(float), "aht": 300.0})
    return frame[open_].reset_index(drop=True)


def daily_history(start: str, days: int, *, base: float = 1000, seed: int = 2, lifts: dict[str, float] | None = None,
                  zero: set[str] = frozenset(), catch_up: dict[str, float] | None = None) -> pd.DataFrame:
    """Contacts per local day (UTC zone), weekly pattern, Poisson noise; ``zero`` dates closed."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=days, freq="D")
    factor = np.asarray((1.2, 1.1, 1.0, 1.0, 0.9, 0.6, 0.5))[dates.day_of_week]
    extra = {pd.Timestamp(k): v for k, v in {**(lifts or {}), **(catch_up or {})}.items()}
    lift = np.array([extra.get(d, 0.0) for d in dates])
    y = rng.poisson(base * factor * (1 + lift)).astype(float)
    y[dates.isin(pd.to_datetime(sorted(zero)))] = 0
    return pd.DataFrame({"ds": dates.tz_localize("UTC"), "y": y})


def events_frame(rows: list[dict]) -> pd.DataFrame:
    return load_events(pd.DataFrame(rows, columns=["name", "kind", "start", "end", "queues", "lift", "decay_days"]))


@pytest.fixture(scope="module")
def across_dst():
    """Eight weeks of hourly history up to 20 Oct 2025; forecast 14 days over the 26 Oct DST end."""
    history = hourly_history("2025-08-25", 57)
    model = QueueForecaster(QueueSettings("q", LONDON), granularity=60, method="top-down").fit(history, 60)
    return history, model, model.predict(14)


def test_intraday_peak_stays_at_ten_local_across_the_dst_change(across_dst):
    _, _, result = across_dst
    frame = result.forecast.assign(local=result.forecast["ds"].dt.tz_convert(LONDON).dt.tz_localize(None))
    frame = frame[frame["yhat"] > 0]
    peaks = frame.loc[frame.groupby(frame["local"].dt.date)["yhat"].idxmax()]
    assert (peaks["local"].dt.hour == 10).all()
    utc_hours = peaks.set_index(peaks["local"].dt.date)["ds"].dt.hour
    assert utc_hours[pd.Timestamp("2025-10-24").date()] == 9  # BST: 10:00 local is 09:00 UTC
    assert utc_hours[pd.Timestamp("2025-10-27").date()] == 10  # GMT after the change


def test_closed_hours_and_days_are_zero_and_nothing_is_negative(across_dst):
    _, _, result = across_dst
    frame = result.forecast
    local = frame["ds"].dt.tz_convert(LONDON).dt.tz_localize(None)
    closed = (local.dt.hour < 8) | (local.dt.hour >= 20) | (local.dt.day_of_week == 6)
    assert (frame.loc[closed, ["yhat", "yhat_upper"]] == 0).all().all()
    assert (frame.loc[~closed, "yhat"] > 0).all()
    assert (frame[["yhat", "yhat_lower", "yhat_upper"]] >= 0).all().all()
    assert (frame["yhat_lower"] <= frame["yhat"]).all() and (frame["yhat"] <= frame["yhat_upper"]).all()


def test_the_25_hour_day_has_25_intervals_and_the_grid_is_complete(across_dst):
    _, _, result = across_dst
    local_date = result.forecast["ds"].dt.tz_convert(LONDON).dt.date
    counts = result.forecast.groupby(local_date).size()
    assert counts[pd.Timestamp("2025-10-26").date()] == 25
    assert (counts.drop(pd.Timestamp("2025-10-26").date()) == 24).all()


def test_top_down_interval_totals_equal_the_daily_forecast(across_dst):
    _, _, result = across_dst
    local_date = result.forecast["ds"].dt.tz_convert(LONDON).dt.tz_localize(None).dt.normalize()
    per_day = result.forecast.groupby(local_date)["yhat"].sum()
    np.testing.assert_allclose(per_day.to_numpy(), result.daily.set_index("date")["yhat"].reindex(per_day.index), rtol=1e-9)


def test_daily_level_matches_the_truth(across_dst):
    _, _, result = across_dst
    daily = result.daily.set_index("date")["yhat"]
    truth = 1200 * np.asarray(WEEKDAY)[daily.index.day_of_week]
    open_ = truth > 0
    assert np.abs(daily[open_] / truth[open_] - 1).max() < 0.08
    assert result.forecast["aht"].dropna().between(299, 301).all()


def test_short_history_turns_yearly_seasonality_off_and_says_so(across_dst):
    _, model, result = across_dst
    assert not model.model.yearly
    assert any("yearly seasonality is off" in note for note in result.notes)


def test_direct_method_keeps_local_peak_and_closed_hours():
    history = hourly_history("2025-08-25", 57, seed=5)
    result = QueueForecaster(QueueSettings("q", LONDON), granularity=60, method="direct").fit(history, 60).predict(10)
    frame = result.forecast.assign(local=result.forecast["ds"].dt.tz_convert(LONDON).dt.tz_localize(None))
    assert result.method == "direct"
    open_rows = frame[frame["yhat"] > 0]
    assert ((open_rows["local"].dt.hour >= 8) & (open_rows["local"].dt.hour < 20)).all()
    peaks = open_rows.loc[open_rows.groupby(open_rows["local"].dt.date)["yhat"].idxmax(), "local"].dt.hour
    assert (peaks == 10).all()


def test_a_learned_event_lift_is_recovered_on_a_future_event():
    starts = ["2024-03-05", "2024-05-14", "2024-07-09", "2024-09-10", "2024-11-12"]
    lifts = {}
    for day in starts:
        for offset, lift in enumerate((0.4, 0.2, 0.1)):
            lifts[str((pd.Timestamp(day) + pd.Timedelta(days=offset)).date())] = lift
    history = daily_history("2024-01-01", 400, lifts=lifts)
    future = "2025-02-11"
    rows = [{"name": f"c{i}", "kind": "campaign", "start": d, "end": str((pd.Timestamp(d) + pd.Timedelta(days=1)).date()),
             "queues": "", "lift": "", "decay_days": ""} for i, d in enumerate(starts + [future])]
    settings = QueueSettings("q", "UTC")
    with_event = QueueForecaster(settings, events_frame(rows), granularity=1440, method="top-down").fit(history, 1440)
    plain = QueueForecaster(settings, None, granularity=1440, method="top-down").fit(history, 1440)
    a = with_event.predict(42).daily.set_index("date")
    b = plain.predict(42).daily.set_index("date")
    day0 = pd.Timestamp(future)
    assert a.loc[day0, "yhat"] / b.loc[day0, "yhat"] - 1 == pytest.approx(0.4, abs=0.1)
    assert a.loc[day0 + pd.Timedelta(days=1), "yhat"] / b.loc[day0 + pd.Timedelta(days=1), "yhat"] - 1 == pytest.approx(0.2, abs=0.1)
    assert a.loc[day0, "events"] > 0.25


def test_a_new_kind_gets_the_typed_lift_fading_over_its_decay_days():
    history = daily_history("2024-01-01", 120)
    rows = [{"name": "letters", "kind": "other", "start": "2024-05-06", "end": "2024-05-06", "queues": "",
             "lift": "0.3", "decay_days": "3"}]
    settings = QueueSettings("q", "UTC")
    typed = QueueForecaster(settings, events_frame(rows), granularity=1440, method="top-down").fit(history, 1440)
    plain = QueueForecaster(settings, None, granularity=1440, method="top-down").fit(history, 1440)
    a, b = typed.predict(14).daily.set_index("date"), plain.predict(14).daily.set_index("date")
    ratio = (a["yhat"] / b["yhat"]).loc["2024-05-05":"2024-05-09"].to_numpy()
    np.testing.assert_allclose(ratio, [1.0, 1.3, 1.2, 1.1, 1.0], rtol=1e-6)
    assert a.loc["2024-05-06", "planned_events"] == pytest.approx(0.3)


def test_closed_holidays_forecast_zero_and_the_catch_up_day_is_learned():
    # GB holidays close the queue; the first open day after each gets +25 % (Easter Monday -> Tuesday).
    history = daily_history("2024-01-01", 820, seed=3)
    from forecasting.calendar import country_holidays

    holidays = country_holidays("GB-ENG", range(2024, 2027))
    dates = pd.DatetimeIndex(history["ds"].dt.tz_localize(None))
    closed = dates.isin(pd.to_datetime(list(holidays)))
    after = np.r_[False, closed[:-1]] & ~closed
    history.loc[closed, "y"] = 0
    history.loc[after, "y"] = (history.loc[after, "y"] * 1.25).round()
    settings = QueueSettings("q", "UTC", "GB-ENG")
    model = QueueForecaster(settings, None, granularity=1440, method="top-down").fit(history, 1440)
    daily = model.predict(60).daily.set_index("date")  # 2026-03-31 .. 2026-05-29: Easter 3 and 6 April
    assert daily.loc["2026-04-03", "yhat"] == 0 and daily.loc["2026-04-06", "yhat"] == 0
    assert daily.loc["2026-04-06", "closed"]
    tuesday, normal = daily.loc["2026-04-07", "yhat"], daily.loc["2026-04-14", "yhat"]
    assert tuesday / normal == pytest.approx(1.25, abs=0.1)


def test_a_holiday_on_a_quiet_sunday_brings_no_catch_up_on_monday():
    # Custom holidays close the queue. After a Wednesday one, Thursday gets +25 %; after a Sunday one (a
    # quiet day: little demand held back) Monday is a normal Monday. One shared catch-up effect would
    # give both about +12 %.
    sundays = ["2024-02-04", "2024-04-07", "2024-06-02", "2024-08-04", "2024-10-06", "2024-12-01", "2025-03-02"]
    wednesdays = ["2024-02-21", "2024-04-24", "2024-06-19", "2024-08-21", "2024-10-23", "2025-01-22", "2025-04-16"]
    future = {"2025-06-29": "Sunday", "2025-07-09": "Wednesday"}
    after = {str((pd.Timestamp(d) + pd.Timedelta(days=1)).date()): 0.25 for d in wednesdays}
    history = daily_history("2024-01-01", 540, seed=5, zero=set(sundays + wednesdays), catch_up=after)
    events = events_frame([{"name": f"closure {d}", "kind": "holiday", "start": d, "end": d, "queues": "",
                            "lift": "", "decay_days": ""} for d in sundays + wednesdays + list(future)])
    model = QueueForecaster(QueueSettings("q", "UTC", ""), events, granularity=1440, method="top-down")
    daily = model.fit(history, 1440).predict(21).daily.set_index("date")   # 2025-06-24 .. 2025-07-14
    assert daily.loc["2025-06-30", "yhat"] / daily.loc["2025-07-07", "yhat"] == pytest.approx(1.0, abs=0.06)
    assert daily.loc["2025-07-10", "yhat"] / daily.loc["2025-07-03", "yhat"] == pytest.approx(1.25, abs=0.08)


def test_a_first_bridge_day_does_not_drag_the_next_weeks_down():
    # A Thursday closure; the Friday after it is a bridge day at 30 % of normal. One bridge day is too
    # few to learn a bridge effect from: read as noise, it pulled the next two weeks down 2-12 %.
    history = daily_history("2025-01-01", 120, seed=7)      # to Wednesday 30 April 2025
    events = events_frame([{"name": "closure", "kind": "holiday", "start": "2025-04-24", "end": "2025-04-24",
                            "queues": "", "lift": "", "decay_days": ""}])
    bridged = history.copy()
    day = bridged["ds"].dt.tz_localize(None)
    bridged.loc[day == "2025-04-24", "y"] = 0
    bridged.loc[day == "2025-04-25", "y"] = (bridged.loc[day == "2025-04-25", "y"] * 0.3).round()

    def forecast(frame: pd.DataFrame) -> pd.Series:
        model = QueueForecaster(QueueSettings("q", "UTC", ""), events, granularity=1440, method="top-down")
        return model.fit(frame, 1440).predict(14).daily.set_index("date")["yhat"]

    np.testing.assert_allclose(forecast(bridged).to_numpy(), forecast(history).to_numpy(), rtol=0.02)


def test_an_all_zero_queue_forecasts_zero_with_a_note():
    history = daily_history("2024-01-01", 60).assign(y=0.0)
    result = QueueForecaster(QueueSettings("q"), granularity=1440).fit(history, 1440).predict(7)
    assert (result.forecast["yhat"] == 0).all() and (result.forecast["yhat_upper"] == 0).all()
    assert result.method == "zero" and "zero" in result.notes[0]


def test_bad_options_and_too_little_history_are_planner_errors():
    history = daily_history("2024-01-01", 60)
    model = QueueForecaster(QueueSettings("q"), granularity=1440).fit(history, 1440)
    with pytest.raises(InputError, match="horizon"):
        model.predict(800)
    with pytest.raises(InputError, match="method"):
        QueueForecaster(QueueSettings("q"), method="magic")
    with pytest.raises(InputError, match="at least 14"):
        QueueForecaster(QueueSettings("q"), granularity=1440).fit(daily_history("2024-01-01", 9), 1440)
    with pytest.raises(InputError, match="cannot be forecast at 15-minute"):
        QueueForecaster(QueueSettings("q"), granularity=15).fit(history, 1440)


@pytest.mark.parametrize("phi", [0.0, 0.02])
def test_count_bands_cover_the_nominal_share_of_negative_binomial_counts(phi):
    rng = np.random.default_rng(7)
    mean = rng.choice([0.5, 2.0, 8.0, 30.0, 150.0], size=40_000)
    draws = rng.poisson(mean * (rng.gamma(1 / phi, phi, size=mean.size) if phi else 1.0))
    lower, upper = count_bands(mean, phi, 0.8)
    inside = (draws >= lower) & (draws <= upper)
    assert inside.mean() == pytest.approx(0.8, abs=0.04)
    assert dispersion(draws, mean) == pytest.approx(phi, abs=0.006)
