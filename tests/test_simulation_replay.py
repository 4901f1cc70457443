"""Replaying a roster: agents on line come from the roster minus breaks, contacts from the forecast; with
constant staffing the realised service level matches Erlang C within sampling error."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.queues import QueueConfig
from forecasting.validation import InputError
from scheduling import erlang
from scheduling.roster_plan import Horizon
from scheduling.simulation import replay, simulate

START = pd.Timestamp("2025-03-24", tz="UTC")
PHONE = QueueConfig(queue="phone", channel="phone", timezone="Europe/Dublin", target_sl=0.8, answer_seconds=20)
CHAT = QueueConfig(queue="chat", channel="chat", timezone="Europe/Dublin", target_sl=0.8, answer_seconds=60,
                   concurrency=2.5)


def shifts(rows: list[tuple]) -> pd.DataFrame:
    """Rostered shifts from (queue, start, end, breaks) with breaks as (start, minutes) pairs; times UTC."""
    out = []
    for k, (queue, begin, end, breaks) in enumerate(rows):
        begin, end = pd.Timestamp(begin, tz="UTC"), pd.Timestamp(end, tz="UTC")
        out.append({"agent_id": f"A{k}", "queue": queue, "start_utc": begin, "end_utc": end, "work_start": begin,
                    "work_end": end, "breaks": tuple((pd.Timestamp(b, tz="UTC"), m, True) for b, m in breaks)})
    return pd.DataFrame(out)


def forecast(queue: str, calls: float, aht: float, days: int = 2, minutes: int = 30) -> pd.DataFrame:
    ds = pd.date_range(START, periods=days * 24 * 60 // minutes, freq=f"{minutes}min")
    return pd.DataFrame({"queue": queue, "ds": ds, "yhat": calls, "yhat_lower": calls * 0.8,
                         "yhat_upper": calls * 1.2, "aht": aht})


def test_constant_staffing_matches_erlang_c():
    horizon = Horizon(START, 2, cyclic=False)
    team = shifts([("phone", "2025-03-24", "2025-03-26", ())] * 14)
    result = replay(team, horizon, forecast("phone", 100, 180), {"phone": PHONE}, replications=6, seed=3)
    formula = erlang.measures(100, 180, 1800, 14, 20)
    runs = result.runs
    pooled = runs["service_level"].mean()
    standard_error = runs["service_level"].std(ddof=1) / np.sqrt(len(runs))
    assert abs(pooled - float(formula["service_level"])) <= 4 * standard_error + 0.01
    assert runs["occupancy"].mean() == pytest.approx(float(formula["occupancy"]), abs=0.02)
    assert result.intervals["agents"].eq(14).all()
    # the plan's expected values are Erlang C at the rostered agents
    assert np.allclose(result.intervals["expected_service_level"], float(formula["service_level"]))
    assert np.allclose(result.intervals["expected_asa"], float(formula["asa"]))
    assert result.intervals["offered"].mean() == pytest.approx(100, rel=0.05)


def test_breaks_take_agents_off_the_line():
    horizon = Horizon(START, 1, cyclic=False)
    team = shifts([("phone", "2025-03-24 09:00", "2025-03-24 17:30", [("2025-03-24 12:00", 30)]),
                   ("phone", "2025-03-24 09:00", "2025-03-24 17:30", [("2025-03-24 12:15", 15)]),
                   ("phone", "2025-03-24 09:00", "2025-03-24 17:30", ())])
    result = replay(team, horizon, forecast("phone", 20, 180, days=1), {"phone": PHONE}, replications=2)
    agents = result.intervals.set_index("ds")["agents"]
    assert agents[pd.Timestamp("2025-03-24 11:30", tz="UTC")] == 3
    assert agents[pd.Timestamp("2025-03-24 12:00", tz="UTC")] == 1.5  # two on a break, one for half the interval
    assert agents[pd.Timestamp("2025-03-24 08:30", tz="UTC")] == 0
    closed = result.intervals.set_index("ds").loc[pd.Timestamp("2025-03-24 03:00", tz="UTC")]
    assert closed["expected_service_level"] == 0 and closed["service_level"] < 0.05  # nobody there to answer


def test_chat_slots_and_daily_bands():
    horizon = Horizon(START, 2, cyclic=False)
    team = shifts([("chat", "2025-03-24", "2025-03-26", ())] * 4)  # 4 agents x 2.5 chats = 10 slots
    result = replay(team, horizon, forecast("chat", 40, 300), {"chat": CHAT}, replications=8, seed=1)
    traffic = 40 * 300 / 1800
    assert np.allclose(result.intervals["expected_occupancy"], traffic / 10)
    daily = result.daily
    assert list(daily["date"].astype(str)) == ["2025-03-24", "2025-03-25"]
    for measure in ("service_level", "asa", "occupancy"):
        assert (daily[f"{measure}_low"] <= daily[measure] + 1e-9).all()
        assert (daily[measure] <= daily[f"{measure}_high"] + 1e-9).all()


def test_seeded_and_uncertainty_widens_the_spread():
    horizon = Horizon(START, 2, cyclic=False)
    team = shifts([("phone", "2025-03-24", "2025-03-26", ())] * 14)
    args = dict(replications=12, seed=5)
    first = replay(team, horizon, forecast("phone", 100, 180), {"phone": PHONE}, **args)
    again = replay(team, horizon, forecast("phone", 100, 180), {"phone": PHONE}, **args)
    pd.testing.assert_frame_equal(first.intervals, again.intervals)
    wide = replay(team, horizon, forecast("phone", 100, 180), {"phone": PHONE}, uncertainty=True, **args)
    # a day-level forecast error of +-20% at 80% moves whole days: far more spread than Poisson noise alone
    assert wide.runs["offered"].std() > 3 * first.runs["offered"].std()


def test_lognormal_handle_times_keep_the_mean():
    result = simulate(50, 240, np.full(200, 10), interval=1800, answer_time=20, seed=2, handle_cv=0.6)
    mean_handle = result.busy_seconds.sum() / result.answered.sum()
    assert mean_handle == pytest.approx(240, rel=0.03)
    with pytest.raises(InputError, match="coefficient of variation"):
        simulate(50, 240, 10, interval=1800, answer_time=20, handle_cv=0)


def test_bad_replay_input():
    horizon = Horizon(START, 1, cyclic=False)
    team = shifts([("phone", "2025-03-24", "2025-03-25", ())])
    later = forecast("phone", 10, 180).assign(ds=lambda f: f["ds"] + pd.Timedelta(days=30))
    with pytest.raises(InputError, match="no intervals in the roster's period"):
        replay(team, horizon, later, {"phone": PHONE})
    with pytest.raises(InputError, match="not in the queue configuration"):
        replay(team, horizon, forecast("email", 10, 180), {"phone": PHONE})
    with pytest.raises(InputError, match="replication"):
        replay(team, horizon, forecast("phone", 10, 180), {"phone": PHONE}, replications=0)
