"""Capacity plan: the MILP's hiring plan keeps the gap inside the tolerance, checked outside the solver."""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from forecasting.validation import InputError
from planning.capacity import (check_plan, hours_per_contact, make_inputs, productivity, recommend, unavoidable,
                               weekly_required_fte)

NEXT_MONDAY = date.today() + timedelta(days=7 - date.today().weekday())


def question(**changes):
    weeks = 26
    data = {"start": NEXT_MONDAY, "required": [100 + 1.5 * w for w in range(weeks)], "headcount": 112,
            "attrition_monthly_percent": 3, "tolerance_fte": 2, "leave": [4] * 6, "training_weeks": 3,
            "ramp_weeks": 2, "min_class": 4, "max_class": 25}
    return make_inputs({**data, **changes})


def test_recommended_plan_keeps_every_week_inside_the_tolerance():
    inputs = question()
    plan = recommend(inputs, time_limit=5)
    assert len(plan) >= 1 and (plan["size"] >= 4).all() and (plan["size"] <= 25).all()
    table = check_plan(inputs, plan)
    assert table["within_tolerance"].all(), table[~table["within_tolerance"]]
    # without the plan the same question falls short: the hires are needed
    assert not check_plan(inputs, plan.iloc[0:0])["within_tolerance"].all()


def test_checker_counts_people_week_by_week():
    inputs = question(attrition_monthly_percent=0, leave=[], required=[10.0] * 8, headcount=10)
    plan = pd.DataFrame([{"start": NEXT_MONDAY + timedelta(weeks=1), "week": 2, "size": 6,
                          "training_weeks": 3, "ramp_weeks": 2}])
    table = check_plan(inputs, plan)
    # week 2 starts the class: 3 weeks of training (0), then 1/3, 2/3, then full
    assert np.allclose(table["available"], [10, 10, 10, 10, 12, 14, 16, 16])
    assert np.allclose(table["people"], [10, 16, 16, 16, 16, 16, 16, 16])
    assert productivity(5, 3, 2) == 1.0


def test_attrition_shrinks_headcount_monthly():
    inputs = question(attrition_monthly_percent=12, required=[0.0] * 53, headcount=100, leave=[])
    table = check_plan(inputs, pd.DataFrame(columns=["start", "week", "size", "training_weeks", "ramp_weeks"]))
    assert table["people"].iloc[52] == pytest.approx(100 * 0.88 ** 12, rel=1e-9)


def test_weeks_no_class_can_reach_are_reported():
    inputs = question(required=[200.0] * 10, training_weeks=8)
    assert len(unavoidable(inputs)) > 0


@pytest.mark.parametrize("changes, words", [
    ({"attrition_monthly_percent": 100}, "below 100%"),
    ({"planned_classes": [{"start": date.today() - timedelta(days=3), "size": 5}]}, "before today"),
    ({"required": [1.0] * 79}, "78"),
    ({"min_class": 30, "max_class": 5}, "smallest class"),
])
def test_bad_capacity_input(changes, words):
    with pytest.raises(InputError, match=words):
        question(**changes)


def test_weekly_required_fte_from_a_daily_forecast():
    ds = pd.date_range("2027-01-04", periods=21, freq="D", tz="UTC")
    daily = pd.DataFrame({"queue": "q", "ds": ds, "yhat": 100.0})
    weekly = weekly_required_fte(daily, {"q": 0.25}, hours_per_fte=35)
    assert len(weekly) == 3 and np.allclose(weekly["required_fte"], 700 * 0.25 / 35)
    req = pd.DataFrame({"queue": "q", "ds": pd.date_range("2027-01-04", periods=4, freq="30min", tz="UTC"),
                        "scheduled": 2, "calls": 8.0})
    assert hours_per_contact(req) == {"q": pytest.approx(4 * 2 * 0.5 / 32)}
