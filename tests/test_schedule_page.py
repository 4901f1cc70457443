"""The Schedule page (shift plan part) through Streamlit's AppTest, reached by the app's own navigation."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from scheduling.optimiser import STATUS_MEANING

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def requirements(queue: str = "uk_phone") -> pd.DataFrame:
    """One Tuesday of a Staffing-page-like frame: 60-minute intervals, an upper band in the evening."""
    ds = pd.date_range("2025-06-03", periods=24, freq="60min", tz="UTC")
    need = [4.0 if 8 <= t.hour < 18 else 0.0 for t in ds]
    return pd.DataFrame({"queue": queue, "ds": ds, "agents": need, "scheduled": need,
                         "scheduled_upper": [n + 2 if t.hour == 17 else n for n, t in zip(need, ds)]})


@pytest.fixture(scope="module")
def page():
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page("ui/schedule.py")
    at.session_state["requirements"] = requirements()
    at.run()
    return at


def test_plan_from_the_staffing_requirements(page):
    assert not page.exception, [e.value for e in page.exception]
    assert page.radio(key="plan_source").value == "Staffing page"
    page.number_input(key="plan_time_limit").set_value(10)
    page.button(key="plan_run").click()
    page.run()
    assert not page.exception, [e.value for e in page.exception]
    assert not page.error, [e.value for e in page.error]
    labels = {m.label for m in page.metric}
    assert {"Cost of shifts", "Paid hours", "FTE", "Gap to bound"} <= labels
    assert float(next(m for m in page.metric if m.label == "Cost of shifts").value.replace(",", "")) > 0
    assert len(page.get("plotly_chart")) >= 3          # coverage, start heatmap, gap over time
    assert len(page.get("download_button")) == 5
    # Planners read labels, not the downloads' snake_case names: every column of the per-site and overtime tables.
    for table in (d for d in page.dataframe if {"paid_hours", "cost_if_used"} & set(d.value.columns)):
        labels = {name: spec.get("label") for name, spec in json.loads(table.proto.columns).items() if name != "_index"}
        assert set(table.value.columns) <= set(labels) and not any("_" in label for label in labels.values()), labels
    assert next(m for m in page.metric if m.label == "Gap to bound").proto.help     # what the gap means
    status = page.session_state["shift_plan"].report.status                        # and what the status means
    assert any(f"{status} ({STATUS_MEANING[status]})" in c.value for c in page.caption), [c.value for c in page.caption]
    plan = page.session_state["shift_plan"]
    assert plan.shifts["count"].sum() > 0 and plan.report.objective is not None
    # Another view of the same plan: local time of a site, no re-solve.
    page.selectbox(key="plan_view_zone").set_value("Europe/Dublin")
    page.run()
    assert not page.exception


@pytest.mark.parametrize("days, weeks", [(14, 2), (8, 1)])
def test_the_time_limit_is_per_week_planned_and_said_before_planning(days, weeks):
    """The model, and the LP behind the bound, grow with the horizon: two weeks get twice the time, and the
    planner reads the days and the time limit before pressing Plan. Eight days is a week whose queues' time
    zones spill past it (the optimiser folds it onto one cyclic week)."""
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page("ui/schedule.py")
    frame = pd.concat([requirements().assign(ds=lambda f, d=d: f["ds"] + pd.Timedelta(days=d)) for d in range(days)])
    at.session_state["requirements"] = frame
    at.run()
    at.number_input(key="plan_time_limit").set_value(6)
    at.run()
    told = [c.value for c in at.caption if c.value.startswith("Requirements from")]
    per_week = f" ({weeks} weeks x 6 s)" if weeks > 1 else ""
    assert told == [f"Requirements from the Staffing page: 1 queue, {24 * days:,} rows, {days} days from Tue 03 Jun "
                    f"2025 (UTC) in 60-minute intervals. Time limit {6 * weeks} s{per_week}."], told
    assert "shift_plan" not in at.session_state
    at.button(key="plan_run").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["shift_plan"].options.time_limit == 6 * weeks


def test_requirements_no_site_serves_are_named_before_planning(page):
    """The error comes as soon as the requirements arrive, and there is no Plan button to press into it."""
    page.session_state["requirements"] = requirements("fr_phone")
    page.run()
    assert not page.exception
    assert any("fr_phone" in e.value and "no site serves" in e.value for e in page.error)
    assert not [b for b in page.button if b.key == "plan_run"]


@pytest.mark.slow
def test_sample_week_plan_then_roster_then_simulation():
    """The whole Schedule page on the sample week: plan, roster with anonymous agents, replay."""
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.switch_page("ui/schedule.py")
    at.run()
    assert at.radio(key="plan_source").value == "Sample week"
    at.number_input(key="plan_time_limit").set_value(15)
    at.button(key="plan_run").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    plan = at.session_state["shift_plan"]
    assert plan.report.objective is not None and not plan.tours.empty   # a cyclic week: tours apply
    at.button(key="roster_build").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    _, roster = at.session_state["roster"]
    planned = int(plan.shifts["count"].sum())
    assert len(roster.shifts) == planned                                 # every planned shift is on the roster
    assert roster.shifts["agent_id"].notna().sum() >= 0.95 * planned     # anonymous agents staff nearly all of it
    labels = {b.proto.label for b in at.get("download_button")}
    assert {"Roster, all sites", "Calendars (.ics, zip)", "Coverage"} <= labels
    at.slider(key="roster_runs").set_value(5)
    at.button(key="roster_simulate").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    _, result = at.session_state["roster_replay"]
    assert set(result.daily["queue"]) == set(plan.coverage["queue"])
    assert result.daily["offered"].sum() > 0
