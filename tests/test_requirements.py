"""Requirements per channel: phone equals the Erlang search, chat slots, deferred email with a
carried backlog, shrinkage by construction, planning percentile, and planner-facing errors."""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from forecasting.queues import QueueConfig, load_queues
from forecasting.validation import InputError
from scheduling import erlang
from scheduling.requirements import COLUMNS, apply_targets, carried_backlog, requirements, targets_frame, totals
from scheduling.shrinkage import Category, PlacedBreak, ShrinkageTable, load_shrinkage, scheduled_agents

QUEUES = load_queues("data/queues.csv")


def forecast(queue, start, days, minutes=30, yhat=50.0, aht=300.0, spread=10.0):
    ds = pd.date_range(start, periods=days * 24 * 60 // minutes, freq=f"{minutes}min", tz="UTC")
    return pd.DataFrame({"queue": queue, "ds": ds, "yhat": yhat, "yhat_lower": max(yhat - spread, 0),
                         "yhat_upper": yhat + spread, "aht": aht})


def test_phone_rows_follow_the_contract_and_the_erlang_search():
    result = requirements(forecast("uk_phone", "2026-11-16", 7), QUEUES)  # Mon 16 Nov: GMT = UTC
    assert list(result.columns) == COLUMNS
    assert str(result["ds"].dt.tz) == "UTC"
    config = QUEUES["uk_phone"]
    expected = erlang.required_agents(50, 300, 1800, target_sl=0.8, answer_time=20, max_occupancy=0.88,
                                      max_abandon=0.05, patience=config.patience_seconds)
    local = result["ds"].dt.tz_convert("Europe/London")
    weekday_open = (local.dt.day_of_week < 5) & (local.dt.hour >= 8) & (local.dt.hour < 20)
    assert (result.loc[weekday_open, "agents"] == expected).all()
    closed = (local.dt.day_of_week == 6) | (local.dt.hour < 8) | (local.dt.hour >= 20)
    assert (result.loc[closed, "agents"] == 0).all() and result.loc[closed, "service_level"].isna().all()
    assert (result.loc[weekday_open, "service_level"] >= 0.8).all()
    assert (result.loc[weekday_open, "occupancy"] <= 0.88).all()


def test_opening_hours_follow_local_time_across_dst():
    # British Summer Time starts on Sunday 29 March 2026: 08:00 in London is 08:00 UTC on Friday
    # the 27th and 07:00 UTC on Monday the 30th.
    result = requirements(forecast("uk_phone", "2026-03-27", 4), QUEUES)
    first_open = result[result["agents"] > 0].groupby(result["ds"].dt.date)["ds"].min()
    assert first_open[pd.Timestamp("2026-03-27").date()].hour == 8
    assert first_open[pd.Timestamp("2026-03-30").date()].hour == 7


def test_chat_staffs_slots_of_concurrency():
    result = requirements(forecast("uk_chat", "2026-11-18", 1, yhat=60.0, aht=560.0), QUEUES)
    config = QUEUES["uk_chat"]  # concurrency 2.5
    slots = int(erlang.required_agents(60, 560, 1800, target_sl=0.8, answer_time=60, max_occupancy=0.9,
                                       patience=config.patience_seconds))
    busy = result[result["agents"] > 0]
    assert (busy["agents"] == math.ceil(Fraction(slots) / Fraction("2.5"))).all()
    assert (np.floor(busy["agents"] * 2.5) >= slots).all() and (np.floor((busy["agents"] - 1) * 2.5) < slots).all()


def test_email_backlog_is_carried_and_nothing_is_lost():
    frame = forecast("email", "2026-11-16", 5, minutes=15, yhat=6.0, aht=450.0)
    result = requirements(frame, QUEUES)
    work = (frame["yhat"] * frame["aht"]).sum()
    capacity = (result["agents"] * 900).sum()
    left = carried_backlog(result)["email"] * 450
    assert capacity >= work - left - 1e-6  # the plan covers all work it does not carry
    assert left > 0  # the last day's windows run past the horizon: carried, not dropped
    resolved = result["service_level"].dropna()
    assert (resolved >= 0.9).all() and resolved.iloc[:200].eq(1.0).all()
    assert (result["asa"].dropna() <= 86400).all()
    # the spread is even over the 24 h window: flat staffing once the first day is in
    assert result["agents"].iloc[96:-96].nunique() <= 2


def test_email_work_waits_for_opening_hours():
    hours = {f"open_{d}": "09:00-17:00" for d in ("mon", "tue", "wed", "thu", "fri")}
    hours |= {"open_sat": "closed", "open_sun": "closed"}
    queues = {"email": QueueConfig(**{**QUEUES["email"].model_dump(), **hours})}
    frame = forecast("email", "2026-11-16", 7, minutes=60, yhat=4.0, aht=600.0)
    result = requirements(frame, queues)
    local = result["ds"].dt.tz_convert("Europe/London")
    closed = (local.dt.day_of_week >= 5) | (local.dt.hour < 9) | (local.dt.hour >= 17)
    assert (result.loc[closed, "agents"] == 0).all()
    assert result.loc[~closed, "agents"].gt(0).any()
    assert result["backlog"].max() > 0


def test_shrinkage_breaks_are_never_counted_twice():
    table = ShrinkageTable((Category("absence", Fraction(1, 10)), PlacedBreak("breaks", Fraction(1, 10))))
    pipeline = table.for_queue("uk_phone")
    assert pipeline.total == Fraction(1, 10) and [c.name for c in pipeline.left_to_optimiser] == ["breaks"]
    assert all(not isinstance(c, PlacedBreak) for c in pipeline.counted)
    calculator = table.for_queue("uk_phone", breaks_placed_by_optimiser=False)
    assert calculator.total == Fraction(1, 5)
    frame = forecast("uk_phone", "2026-11-16", 1)
    default = requirements(frame, QUEUES, table)
    counted = requirements(frame, QUEUES, table, breaks_placed_by_optimiser=False)
    assert (default["scheduled"] == scheduled_agents(default["agents"], Fraction(1, 10))).all()
    assert (counted["scheduled"] >= default["scheduled"]).all() and counted["scheduled"].sum() > default["scheduled"].sum()


def test_shrinkage_ceiling_is_exact_where_floats_are_wrong():
    wrong = [r for r in range(1, 400) if math.ceil(r / (1 - 0.3)) != math.ceil(Fraction(r) / Fraction(7, 10))]
    assert wrong[:4] == [21, 42, 84, 161]  # float ceil(raw / (1 - 0.3)) is one too high here
    got = scheduled_agents(np.array(wrong), 0.3)
    assert got.tolist() == [r * 10 // 7 for r in wrong]
    assert scheduled_agents(100, 0.3) == 143


def test_default_shrinkage_file_and_queue_overrides():
    table = load_shrinkage()
    assert any(isinstance(c, PlacedBreak) for c in table.categories)
    text = b"category,percent,queues,placed_by_optimiser\nabsence,10,all,no\nabsence,20,email,no\n"
    custom = load_shrinkage(text)
    assert custom.for_queue("email").total == Fraction(1, 5) and custom.for_queue("uk_chat").total == Fraction(1, 10)
    with pytest.raises(InputError, match="uk_phone"):
        load_shrinkage(b"category,percent\nabsence,60\ntraining,45\n").for_queue("uk_phone")
    with pytest.raises(InputError) as err:
        load_shrinkage(b"category,percent\nabsence,100\n")
    assert err.value.column == "percent" and err.value.row == 2


def test_planning_percentile():
    frame = forecast("us_phone", "2026-11-16", 1, yhat=100.0, spread=30.0)
    base = requirements(frame, QUEUES)
    upper = requirements(frame, QUEUES, planning_quantile=0.9)  # the 80% interval's upper bound
    assert np.allclose(upper["calls"], 130.0)
    mid = requirements(frame, QUEUES, planning_quantile=0.75)
    assert (base["calls"] < mid["calls"]).all() and (mid["calls"] < upper["calls"]).all()
    assert upper["agents"].sum() > mid["agents"].sum() > base["agents"].sum()


def test_a_target_change_costs_fte():
    frame = forecast("us_phone", "2026-11-16", 7)
    before = totals(requirements(frame, QUEUES))
    stricter = apply_targets(QUEUES, pd.DataFrame([{"queue": "us_phone", "target_sl": 0.9}]))
    after = totals(requirements(frame, stricter))
    assert after["fte"].iloc[0] > before["fte"].iloc[0]
    assert set(targets_frame(QUEUES)["queue"]) == set(QUEUES)


@pytest.mark.parametrize("column,value,words", [
    ("yhat", -3.0, ["uk_phone", "yhat", "-3"]),
    ("yhat", np.nan, ["uk_phone", "yhat", "missing"]),
    ("aht", 0.0, ["uk_phone", "aht", "0"]),
])
def test_bad_forecast_values_name_queue_column_value(column, value, words):
    frame = forecast("uk_phone", "2026-11-16", 1)
    frame.loc[20, column] = value
    with pytest.raises(InputError) as err:
        requirements(frame, QUEUES)
    assert err.value.column == column and err.value.row == 22
    for word in words:
        assert word in str(err.value)


@pytest.mark.parametrize("changes,column", [
    ({"target_sl": 1.5}, "target_sl"), ({"target_sl": 0.0}, "target_sl"), ({"concurrency": 0.5}, "concurrency"),
    ({"max_occupancy": 1.2}, "max_occupancy"),
])
def test_bad_targets_name_queue_column_value(changes, column):
    with pytest.raises(InputError) as err:
        apply_targets(QUEUES, pd.DataFrame([{"queue": "uk_chat", **changes}]))
    assert err.value.column == column and "uk_chat" in str(err.value)


def test_answer_time_longer_than_the_interval():
    queues = apply_targets(QUEUES, pd.DataFrame([{"queue": "uk_phone", "answer_seconds": 3600}]))
    with pytest.raises(InputError) as err:
        requirements(forecast("uk_phone", "2026-11-16", 1), queues)
    assert err.value.column == "answer_seconds" and "uk_phone" in str(err.value)


def test_abandonment_target_without_patience_is_refused():
    queues = apply_targets(QUEUES, pd.DataFrame([{"queue": "uk_phone", "patience_seconds": None}]))
    with pytest.raises(InputError, match="patience"):
        requirements(forecast("uk_phone", "2026-11-16", 1), queues)


def test_forecast_times_must_carry_an_offset_and_a_regular_grid():
    frame = forecast("uk_phone", "2026-11-16", 1)
    naive = frame.assign(ds=frame["ds"].dt.tz_localize(None).astype(str))
    with pytest.raises(InputError, match="UTC offset"):
        requirements(naive, QUEUES)
    odd = forecast("uk_phone", "2026-11-16", 1, minutes=20)
    with pytest.raises(InputError, match="15, 30 or 60"):
        requirements(odd, QUEUES)
    with pytest.raises(InputError, match="not in the queue configuration"):
        requirements(forecast("nowhere", "2026-11-16", 1), QUEUES)
