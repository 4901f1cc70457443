"""Candidate shifts on the UTC timeline: local start times across DST, days, costs, uncoverable hours."""
from __future__ import annotations

import pandas as pd
import pytest

from scheduling.shifts import Timeline, break_windows, candidate_shifts, uncoverable
from scheduling.sites import load_requirements, load_sites, load_templates


def sites(**change):
    row = {"site": "Austin", "timezone": "America/Chicago", "queues": "q", "earliest_start": "00:00",
           "latest_start": "23:45", "max_agents": 100, "hourly_cost": 20, "night_premium": 0.5,
           "night_hours": "22:00-06:00", "holiday_country": "", **change}
    return load_sites(pd.DataFrame([row]))


def templates(**change):
    row = {"template": "8h", "length_minutes": 480, "breaks": "30 unpaid @ 3:00-4:30", "start_step_minutes": 15,
           "allowed_days": "Mon-Sun", "days_per_week": 5, **change}
    return load_templates(pd.DataFrame([row]))


def week(start: str) -> Timeline:
    return Timeline(pd.Timestamp(start, tz="UTC"), 7 * 96)


def test_spring_forward_day_has_no_missing_wall_times_and_09_00_stays_local():
    # America/Chicago springs forward on Sunday 9 March 2025 at 02:00 local.
    shifts = candidate_shifts(sites(), templates(), week("2025-03-03"))
    sunday = shifts[shifts["date_local"] == pd.Timestamp("2025-03-09").date()]
    assert not ((sunday["start_local"] >= 120) & (sunday["start_local"] < 180)).any()   # no 02:00-02:45
    assert len(sunday) == 19 * 4 - 4       # 00:00-18:45 (the week ends at 19:00 CDT) less the lost hour
    nine = shifts[shifts["start_local"] == 9 * 60].set_index("date_local")["start_utc"]
    assert nine[pd.Timestamp("2025-03-08").date()].hour == 15   # CST, UTC-6
    assert nine[pd.Timestamp("2025-03-09").date()].hour == 14   # CDT, UTC-5
    assert (nine.dt.tz_convert("America/Chicago").dt.hour == 9).all()


def test_fall_back_day_gives_each_repeated_wall_time_once_at_its_first_occurrence():
    shifts = candidate_shifts(sites(), templates(), week("2025-10-27"))   # Chicago falls back Sun 2 Nov
    sunday = shifts[shifts["date_local"] == pd.Timestamp("2025-11-02").date()]
    assert len(sunday) == 18 * 4           # 00:00-17:45 (the week ends at 18:00 CST), 01:xx once each
    one_thirty = sunday[sunday["start_local"] == 90]["start_utc"].iloc[0]
    assert one_thirty == pd.Timestamp("2025-11-02 06:30", tz="UTC")       # 01:30 CDT, not 01:30 CST
    assert shifts["slot"].is_unique


def test_dublin_negative_dst_reads_the_same_first_occurrence():
    dublin = sites(site="Dublin", timezone="Europe/Dublin")
    shifts = candidate_shifts(dublin, templates(), week("2025-10-20"))
    start = shifts[(shifts["date_local"] == pd.Timestamp("2025-10-26").date()) & (shifts["start_local"] == 90)]
    assert start["start_utc"].iloc[0] == pd.Timestamp("2025-10-26 00:30", tz="UTC")   # 01:30 IST


def test_starts_fit_the_site_window_step_and_allowed_days():
    shifts = candidate_shifts(sites(earliest_start="07:00", latest_start="09:00"),
                              templates(start_step_minutes=60, allowed_days="Mon-Fri"), week("2025-06-02"))
    assert set(shifts["start_local"]) == {420, 480, 540}
    assert set(shifts["weekday"]) == {0, 1, 2, 3, 4}
    assert shifts["slot"].between(0, 7 * 96 - 1).all()


def test_cost_counts_paid_hours_night_premium_and_holidays():
    site = sites(holiday_country="US", holiday_premium=1.0)
    shifts = candidate_shifts(site, templates(), week("2025-06-30"))   # Friday 4 July is a US holiday
    day = shifts[(shifts["start_local"] == 9 * 60) & (shifts["date_local"] == pd.Timestamp("2025-07-01").date())]
    assert day["paid_hours"].iloc[0] == 7.5 and day["night_hours"].iloc[0] == 0
    assert day["cost"].iloc[0] == pytest.approx(7.5 * 20)
    night = shifts[(shifts["start_local"] == 20 * 60) & (shifts["date_local"] == pd.Timestamp("2025-07-01").date())]
    assert night["night_hours"].iloc[0] == 6            # 22:00-04:00
    assert night["cost"].iloc[0] == pytest.approx(7.5 * 20 + 0.5 * 20 * 6)
    holiday = shifts[(shifts["start_local"] == 9 * 60) & (shifts["date_local"] == pd.Timestamp("2025-07-04").date())]
    assert holiday["holiday"].iloc[0] and holiday["cost"].iloc[0] == pytest.approx(2 * 7.5 * 20)


def test_tour_days_count_from_the_local_date_of_the_horizon_start_and_wrap():
    manila = sites(site="Manila", timezone="Asia/Manila")
    shifts = candidate_shifts(manila, templates(), week("2025-06-02"))   # 08:00 Monday in Manila
    assert shifts["day"].between(0, 6).all()
    next_monday = shifts[shifts["date_local"] == pd.Timestamp("2025-06-09").date()]
    assert (next_monday["day"] == 0).all() and (next_monday["start_local"] < 8 * 60).all()


def test_break_windows_in_slots_and_fixed_breaks_at_the_middle():
    template = templates(breaks="15 paid @ 1:30-2:30 | 30 unpaid @ 3:00-4:30")["8h"]
    flexible = break_windows(template)
    assert [(w.length, w.first, w.last) for w in flexible] == [(1, 6, 10), (2, 12, 18)]
    fixed = break_windows(template, flexible=False)
    assert [(w.first, w.last) for w in fixed] == [(8, 8), (15, 15)]


def test_uncoverable_hours_are_explained_in_planner_words():
    site = sites(earliest_start="08:00", latest_start="10:00")
    ds = pd.date_range("2025-03-25 00:00", periods=24, freq="60min", tz="UTC")   # a Tuesday
    required = load_requirements(pd.DataFrame({"queue": "q", "ds": ds, "scheduled": 40.0}), site)
    timeline = Timeline.for_requirements(required)
    messages = uncoverable(required, timeline, candidate_shifts(site, templates(), timeline), site)
    assert messages and messages[0].startswith("Tuesday 00:00-")
    assert "needs 40 agents on queue q but no site serving it (Austin) may start shifts" in messages[0]
