"""The independent checker recounts every rule from the roster's own columns, including across
midnight, across the cyclic week boundary and across a DST change."""
from __future__ import annotations

import io

import pandas as pd
import pytest

from scheduling.agents import Agent, parse_unavailable
from scheduling.roster_plan import Horizon
from scheduling.roster_check import check_roster
from scheduling.sites import load_overtime, load_sites, load_templates
from tests.test_roster import OVERTIME_CSV, SITES_CSV, TEMPLATES_CSV

SITES = load_sites(SITES_CSV.encode(), name="sites.csv")
TEMPLATES = load_templates(TEMPLATES_CSV.encode(), name="shift_templates.csv", sites=SITES)
RULES = load_overtime(io.BytesIO(OVERTIME_CSV.encode()).getvalue(), name="overtime.csv", sites=SITES)
WEEK = Horizon(pd.Timestamp("2025-03-24", tz="UTC"), 7)
DUBLIN = "Europe/Dublin"


def agent(agent_id: str = "A1", **kwargs) -> Agent:
    return Agent(**{"agent_id": agent_id, "site": "Dublin", "queues": ("phone", "chat"), "contract": "full_time",
                    "min_hours": 35.0, "max_hours": 40.0, **kwargs})


def shift(day: str, start: str, *, agent_id: str = "A1", minutes: int = 510, queue: str = "phone",
          template: str = "FT 8h", overtime: float = 0.0, paid: float = 8.0) -> dict:
    """One roster row: ``day`` a local date, ``start`` local HH:MM in Dublin, ``minutes`` of real time."""
    begin = pd.Timestamp(f"{day} {start}").tz_localize(DUBLIN).tz_convert("UTC")
    return {"agent_id": agent_id, "site": "Dublin", "queue": queue, "template": template, "date_local": day,
            "start_utc": begin, "end_utc": begin + pd.Timedelta(minutes=minutes), "overtime": overtime,
            "paid_hours": paid + overtime}


def days(*dates: str, start: str = "09:00", **kwargs) -> list[dict]:
    return [shift(f"2025-03-{d}", start, **kwargs) for d in dates]


def check(rows: list[dict], agents: list[Agent] | None = None, **kwargs) -> pd.DataFrame:
    people = {a.agent_id: a for a in (agents or [agent()])}
    return check_roster(pd.DataFrame(rows), people, TEMPLATES, kwargs.pop("horizon", WEEK), SITES,
                        overtime_rules=RULES, **kwargs)


def rules(found: pd.DataFrame) -> list[str]:
    return sorted(found["rule"])


def test_a_valid_week_has_no_violations():
    assert check(days("24", "25", "26", "27", "28")).empty


def test_rest_across_midnight():
    rows = days("24", start="16:00") + days("25", "26", "27", "28")  # Monday 16:00-00:30, Tuesday 09:00
    found = check(rows)
    assert rules(found) == ["rest"] and "8.50 h" in found["detail"].iloc[0]


def test_rest_across_the_week_boundary_is_cyclic():
    rows = days("27", "28", "29", start="13:00") + days("30", start="21:00") + days("24", start="06:00")
    found = check(rows)  # Sunday 21:00 IST (20:00 UTC) to 04:30 UTC, then Monday 06:00 GMT of the repeating week
    assert rules(found) == ["rest"] and "1.50 h" in found["detail"].iloc[0]
    open_week = Horizon(WEEK.start, 7, cyclic=False)
    assert check(rows, horizon=open_week).empty


def test_rest_is_real_time_across_the_clock_change():
    # Saturday 15:00-23:30 GMT, Sunday 30 March 11:00 IST = 10:00 UTC: 10.5 h, though the wall clock says 11.5 h
    short = days("26", "27", "28", "29", start="15:00") + days("30", start="11:00")
    found = check(short)
    assert rules(found) == ["rest"] and "10.50 h" in found["detail"].iloc[0]
    assert check(days("26", "27", "28", "29", start="15:00") + days("30", start="11:30")).empty


def test_runs_of_working_days_wrap_round_the_week():
    seven = days("24", "25", "26", "27", "28", "29", "30", paid=40 / 7)
    assert "consecutive_days" in rules(check(seven))
    # Thu-Sun then Mon-Tue of the repeating week: 6 in a row is allowed by the rule (the tour breaks it)
    six = days("27", "28", "29", "30", "24", "25", paid=40 / 6)
    assert "consecutive_days" not in rules(check(six))
    assert "consecutive_days" in rules(check(six, max_consecutive_days=5))


def test_weekly_hours_and_overtime_cap():
    week = days("24", "25", "26", "27", "28")
    assert rules(check(week, [agent(min_hours=41, max_hours=48)])) == ["hours"]
    assert rules(check(week, [agent(min_hours=20, max_hours=39)])) == ["hours"]
    heavy = days("24", "25", "26", "27", overtime=0.0) + days("28", overtime=9.0, minutes=510 + 540)
    found = check(heavy)
    assert rules(found) == ["overtime"] and "9 overtime hours" in found["detail"].iloc[0]


def test_tours_follow_the_template():
    split = days("24", "25", "27", "28", "29")  # off Wednesday and Sunday: not one block
    assert rules(check(split)) == ["tour"]
    four = days("24", "25", "26", "27", paid=10.0)
    assert rules(check(four)) == ["tour"]
    mixed = days("24", "25", "26", "27") + days("28", template="PT 4h", minutes=240, paid=4.0)
    assert "tour" in rules(check(mixed, [agent(min_hours=0)]))


def test_unavailability_whole_days_and_windows():
    week = days("24", "25", "26", "27", "28")
    away = agent(unavailable=parse_unavailable("2025-03-26"))
    assert rules(check(week, [away])) == ["unavailable"]
    evenings = agent(unavailable=parse_unavailable("Tue 18:00-22:00"))
    assert check(week, [evenings]).empty  # 09:00-17:30 stays clear of the evening
    late_tuesday = days("24", "26", "27", "28") + days("25", start="13:00")  # 13:00-21:30 overlaps it
    assert rules(check(late_tuesday, [evenings])) == ["unavailable"]


def test_site_queue_and_one_shift_a_day():
    week = days("24", "25", "26", "27", "28")
    assert rules(check(week, [agent(queues=("chat",))])) == ["queue"] * 5
    assert rules(check(week, [agent(site="Manila", queues=("phone",))])) == ["site"] * 5
    twice = week + [shift("2025-03-24", "20:00", minutes=120, paid=2.0)]
    found = check(twice, [agent(max_hours=48)])
    assert "one_per_day" in rules(found) and "rest" in rules(found)
    assert rules(check(week + days("24", agent_id="ghost"))) == ["site"]


def test_coverage_against_the_plan():
    week = days("24", "25", "26", "27", "28")
    plan = pd.DataFrame(week + days("29")).rename(columns={"start_utc": "work_start", "end_utc": "work_end"})
    found = check(week, plan_shifts=plan, open_shifts=plan.iloc[[5]])
    assert found.empty
    found = check(week, plan_shifts=plan, open_shifts=plan.iloc[[]])
    assert rules(found) == ["coverage"] and "neither rostered nor reported open" in found["detail"].iloc[0]
    found = check(week + days("29", agent_id="A2"), [agent(), agent("A2", min_hours=0)], plan_shifts=plan)
    assert rules(found) == ["tour"]  # all planned shifts rostered once: coverage holds


@pytest.mark.parametrize("bad", ["rest", "hours"])
def test_the_builder_frame_is_checked_the_same_way(bad):
    # the checker also reads the builder's frame (working span = work_start..work_end, overtime separate)
    rows = pd.DataFrame(days("24", "25", "26", "27", "28"))
    frame = rows.rename(columns={"start_utc": "work_start", "end_utc": "work_end"}).assign(
        overtime_hours=0.0, paid_hours=8.0)
    if bad == "rest":
        frame.loc[1, "work_start"] = frame.loc[0, "work_end"] + pd.Timedelta(hours=2)
        frame.loc[1, "work_end"] = frame.loc[1, "work_start"] + pd.Timedelta(minutes=510)
    else:
        frame["paid_hours"] = 9.0
    found = check_roster(frame, {"A1": agent()}, TEMPLATES, WEEK, SITES)
    assert bad in rules(found)
