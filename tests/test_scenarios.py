"""What-if scenarios on a real (small) fit: one queue, 8 weeks of history, a 1-week horizon."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from forecasting.calendar import load_events
from forecasting.history import load_history
from forecasting.validation import InputError
from planning.scenarios import (BaseInputs, Scenario, StageCache, adjust_forecast, compare, comparison_table,
                                make_scenario, run_scenario)
from scheduling.sites import load_overtime, load_sites, load_templates
from tests.conftest import DATA

QUEUE = "uk_chat"


@pytest.fixture(scope="module")
def base(sample_queues) -> BaseInputs:
    history = load_history(DATA / "history.csv.gz", queues=sample_queues)
    frame = history.frame[history.frame["queue"] == QUEUE]
    frame = frame[frame["ds"] >= frame["ds"].max() - pd.Timedelta(days=56)]
    events = load_events(DATA / "events.csv", known_queues=list(sample_queues))
    return BaseInputs(frame, history.interval_minutes, {QUEUE: sample_queues[QUEUE]}, events,
                      sites=load_sites(DATA / "sites.csv"), method="top-down")


@pytest.fixture(scope="module")
def runs(base):
    cache = StageCache()
    first = run_scenario(base, Scenario(name="Base"), cache)
    return cache, first


def test_shrinkage_change_reuses_the_cached_forecast(base, runs):
    cache, first = runs
    assert cache.fits == 1
    higher = run_scenario(base, Scenario(name="More shrinkage", shrinkage_percent=40), cache)
    assert cache.fits == 1  # no refit: the forecast came from the cache
    assert higher.kpis["required_fte"] > first.kpis["required_fte"]
    pd.testing.assert_frame_equal(higher.forecast, first.forecast)


def test_forecast_adjustments_do_not_refit_and_move_the_kpis(base, runs):
    cache, first = runs
    fits = cache.fits
    start = first.forecast["ds"].min().tz_convert("Europe/London").date() + pd.Timedelta(days=1)
    grown = run_scenario(base, {"name": "Growth and launch", "volume_growth_percent": 15, "aht_change_percent": 5,
                                "extra_events": [{"name": "Launch", "start": str(start), "lift_percent": 40,
                                                  "decay_days": 3}]}, cache)
    assert cache.fits == fits
    assert grown.kpis["contacts_per_week"] > 1.15 * first.kpis["contacts_per_week"]
    assert grown.kpis["weekly_cost"] > first.kpis["weekly_cost"]
    strict = run_scenario(base, {"name": "90/20", "service_level": 0.9, "answer_seconds": 20}, cache)
    assert strict.kpis["required_fte"] > first.kpis["required_fte"]
    assert strict.kpis["service_level"] >= 0.9 - 1e-9
    table = compare([first, grown, strict])
    row = table[(table["kpi"] == "required_fte") & (table["scenario"] == "90/20")].iloc[0]
    assert row["delta"] == pytest.approx(row["value"] - row["base"])
    assert row["delta_percent"] == pytest.approx(row["delta"] / row["base"] * 100)
    wide = comparison_table(table)
    assert list(wide.columns[:4]) == ["measure", "Base", "Growth and launch", "90/20"]
    assert "90/20: change %" in wide.columns


def test_cheaper_site_lowers_cost_not_fte(base, runs):
    cache, first = runs
    cheap = run_scenario(base, {"name": "cheap", "hourly_cost": {"all": 10}}, cache)
    assert cheap.kpis["required_fte"] == pytest.approx(first.kpis["required_fte"])
    assert cheap.kpis["weekly_cost"] < first.kpis["weekly_cost"]


def test_adjustments_on_a_frame():
    from forecasting.queues import load_queues
    queues = load_queues(DATA / "queues.csv")
    ds = pd.date_range("2027-03-01", periods=4 * 24, freq="h", tz="UTC")
    frame = pd.DataFrame({"queue": "uk_chat", "ds": ds, "yhat": 10.0, "yhat_lower": 8.0, "yhat_upper": 12.0,
                          "aht": 300.0})
    out = adjust_forecast(frame, Scenario(name="x", volume_growth_percent=10, deflection_percent={"chat": 50},
                                          aht_change_percent=-10,
                                          extra_events=[{"name": "L", "start": "2027-03-02", "lift_percent": 100,
                                                         "decay_days": 2}]), queues)
    day = out["ds"].dt.tz_convert("Europe/London").dt.day
    assert np.allclose(out.loc[day == 1, "yhat"], 10 * 1.1 * 0.5)
    assert np.allclose(out.loc[day == 2, "yhat"], 10 * 1.1 * 0.5 * 2)     # full lift on the first day
    assert np.allclose(out.loc[day == 3, "yhat"], 10 * 1.1 * 0.5 * 1.5)   # half faded
    assert np.allclose(out.loc[day == 4, "yhat"], 10 * 1.1 * 0.5)
    assert np.allclose(out["aht"], 270)


@pytest.mark.parametrize("data, words", [
    ({"name": "x", "volume_growth_percent": -150}, "above -100%"),
    ({"name": "x", "volume_growth_percent": -100}, "above -100%"),
    ({"name": "x", "deflection_percent": {"chat": 120}}, "below 100%"),
    ({"name": "x", "shrinkage_percent": 100}, "shrinkage_percent"),
    ({"name": "x", "opening_hours": {"uk_chat": {"funday": "08:00-20:00"}}}, "not a weekday"),
    ({"name": "x", "overtime_multiplier": {"all": 0.5}}, "at least 1"),
    ({"name": ""}, "name"),
])
def test_bad_scenarios_are_input_errors(data, words):
    with pytest.raises(InputError, match=words):
        make_scenario(data)


def test_unknown_names_are_input_errors(base, runs):
    cache, _ = runs
    for data, words in [({"name": "x", "deflection_percent": {"fax": 5}}, "neither a queue nor a channel"),
                        ({"name": "x", "hourly_cost": {"Atlantis": 5}}, "unknown site"),
                        ({"name": "x", "opening_hours": {"nope": {"mon": "closed"}}}, "unknown queue")]:
        with pytest.raises(InputError, match=words):
            run_scenario(base, data, cache)


def test_kpis_are_finite_where_defined(runs):
    _, first = runs
    for key in ("required_fte", "weekly_cost", "cost_per_contact", "service_level", "asa_seconds", "occupancy"):
        assert math.isfinite(first.kpis[key]) and first.kpis[key] > 0, key
    assert 0 < first.kpis["occupancy"] < 1
    assert len(first.weekly) >= 1 and {"required_fte", "cost", "service_level", "occupancy"} <= set(first.weekly)


@pytest.fixture(scope="module")
def planned(base):
    """The same base with the shift optimiser as the last stage, and Manila made dearer than Dublin."""
    sites = base.sites
    with_plan = dataclasses.replace(base, optimise=True, optimiser_time_limit=20.0,
                                    templates=load_templates(DATA / "shift_templates.csv", sites=sites),
                                    overtime=load_overtime(DATA / "overtime.csv", sites=sites))
    cache = StageCache()
    first = run_scenario(with_plan, Scenario(name="Base"), cache)
    dear = run_scenario(with_plan, Scenario(name="Manila at 60 an hour", hourly_cost={"Manila": 60}), cache)
    return with_plan, cache, first, dear


@pytest.mark.slow
def test_the_optimiser_stage_gives_scheduled_fte_cost_and_overtime_per_site(planned):
    with_plan, cache, first, dear = planned
    plan = first.plan
    assert plan is not None and plan.report.objective is not None
    # recomputed from the plan's own shifts and blocks, outside the KPI code
    weeks = plan.timeline.days / 7
    shift_cost = float((plan.shifts["count"] * plan.shifts["cost"]).sum()) / weeks
    overtime_cost = float(plan.overtime["cost_if_used"].sum()) / weeks if len(plan.overtime) else 0.0
    assert first.kpis["weekly_cost"] == pytest.approx(shift_cost + overtime_cost, rel=1e-6)
    # the KPI sums the plan summary's per-site money, which is rounded to the cent
    assert first.kpis["overtime_cost"] == pytest.approx(overtime_cost, abs=0.005 * len(plan.sites) / weeks)
    paid = float((plan.shifts["count"] * plan.shifts["paid_hours"]).sum()) / weeks
    assert first.kpis["scheduled_fte"] == pytest.approx(paid / with_plan.hours_per_fte, rel=1e-6)
    # whole shifts cover the requirement: at least what is required, not wildly more
    assert first.kpis["required_fte"] * 0.97 <= first.kpis["scheduled_fte"] <= first.kpis["required_fte"] * 1.3
    assert first.kpis["understaffed_intervals"] == float((plan.coverage["shortfall"] > 1e-6).sum()) / weeks
    sites = set(first.by_site["site"])
    assert {"Dublin", "Manila"} <= sites and {"scheduled_fte", "headcount", "cost"} <= set(first.by_site.columns)
    # the dearer Manila loses hours to Dublin; the forecast and requirements came from the cache
    hours = lambda r: r.by_site.set_index("site")["scheduled_fte"]  # noqa: E731
    assert hours(dear)["Manila"] < hours(first)["Manila"] and hours(dear)["Dublin"] > hours(first)["Dublin"]
    assert cache.fits == 1


def test_a_scenario_that_changes_nothing_reuses_the_shift_plan(planned):
    with_plan, cache, first, _ = planned
    again = run_scenario(with_plan, Scenario(name="Base again"), cache)
    assert again.plan is first.plan
