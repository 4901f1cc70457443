"""The independent checker agrees with the optimiser's outputs, and catches a tampered plan."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scheduling.optimiser import plan_shifts
from scheduling.plan_check import check_plan
from scheduling.plan_export import write_outputs
from scheduling.plan_options import PlanOptions
from scheduling.sites import load_overtime, load_requirements, load_sites, load_templates


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A DST week at two sites with flexible breaks, an upper band and overtime, written out."""
    sites = load_sites(pd.DataFrame([
        {"site": "Dublin", "timezone": "Europe/Dublin", "queues": "q", "earliest_start": "07:00",
         "latest_start": "12:00", "max_agents": 40, "hourly_cost": 30, "night_premium": 0.25,
         "night_hours": "22:00-06:00", "overtime_multiplier": 1.5, "holiday_country": "IE", "holiday_premium": 1},
        {"site": "Manila", "timezone": "Asia/Manila", "queues": "q", "earliest_start": "00:00",
         "latest_start": "23:00", "max_agents": 40, "hourly_cost": 12, "night_premium": 0.1,
         "night_hours": "22:00-06:00", "overtime_multiplier": 1.25}]))
    templates = load_templates(pd.DataFrame([
        {"template": "8h", "length_minutes": 510, "breaks": "15 paid @ 1:30-2:30 | 30 unpaid @ 3:30-5:00",
         "start_step_minutes": 60, "allowed_days": "Mon-Sun", "days_per_week": 5, "days_off_rule": "consecutive"}]))
    overtime = load_overtime(pd.DataFrame([{"site": "all", "sides": "before;after", "min_minutes": 30,
                                            "max_minutes": 60, "step_minutes": 30, "max_hours_per_agent_week": 4}]),
                             sites=sites)
    ds = pd.date_range("2025-03-24", periods=7 * 24, freq="60min", tz="UTC")
    local = ds.tz_convert("Europe/Dublin")
    base = np.where((local.hour >= 8) & (local.hour < 20), 4.0, 1.0)
    frame = pd.DataFrame({"queue": "q", "ds": ds, "scheduled": base,
                          "scheduled_upper": np.where(local.hour == 19, base + 2, base)})
    plan = plan_shifts(load_requirements(frame, sites), sites, templates, overtime, PlanOptions(time_limit=5, gap=0.25))
    paths = write_outputs(plan, tmp_path_factory.mktemp("plan"))
    read = {name: pd.read_csv(path) for name, path in paths.items() if name in ("shift_plan", "overtime_blocks", "coverage")}
    return plan, read, json.loads(paths["summary"].read_text()), sites, templates


def check(exported, **replace):
    _, read, summary, sites, templates = exported
    tables = {**read, **replace}
    return check_plan(tables["shift_plan"], tables["overtime_blocks"], tables["coverage"], replace.get("summary", summary),
                      sites, templates)


def test_checker_agrees_with_the_optimiser(exported):
    plan, read, summary, _, _ = exported
    assert plan.shifts["count"].sum() > 0 and not read["overtime_blocks"].empty
    assert read["shift_plan"]["date_local"].eq("2025-03-30").any()          # the DST day is planned too
    result = check(exported)
    assert result.ok, result.problems
    assert result.max_coverage_difference < 1e-3
    for site, cost in result.cost_by_site.items():
        assert cost == pytest.approx(summary["sites"][site]["cost"], abs=0.05)


def test_checker_catches_a_changed_count(exported):
    table = exported[1]["shift_plan"].copy()
    table.loc[0, "count"] += 1
    result = check(exported, shift_plan=table)
    assert not result.ok and any("coverage differs" in p for p in result.problems)


def test_checker_catches_a_start_that_does_not_match_its_utc_time(exported):
    table = exported[1]["shift_plan"].copy()
    table.loc[0, "start_utc"] = "2025-01-01T00:00:00Z"
    assert any("start_utc" in p for p in check(exported, shift_plan=table).problems)


def test_checker_catches_a_break_outside_its_window(exported):
    table = exported[1]["shift_plan"].copy()
    table.loc[0, "break_offsets"] = "0;240"
    assert any("outside its window" in p for p in check(exported, shift_plan=table).problems)


def test_checker_catches_a_local_time_that_does_not_exist(exported):
    table = exported[1]["shift_plan"].copy()
    table.loc[0, ["site", "date_local", "start_local"]] = ["Dublin", "2025-03-30", "01:30"]   # 01:00 -> 02:00
    assert any("does not exist" in p for p in check(exported, shift_plan=table).problems)


def test_checker_catches_a_wrong_cost(exported):
    summary = json.loads(json.dumps(exported[2]))
    summary["sites"]["Manila"]["cost"] += 100
    assert any("site Manila" in p for p in check(exported, summary=summary).problems)
