"""Weeks-ahead capacity plan: required FTE per week against available headcount, and a hiring plan.

Headcount model (week ``w`` = 0 .. weeks-1, all figures FTE, one person = one FTE):

- Attrition: a monthly rate ``m`` becomes a weekly survival ``s = (1 - m) ** (12 / 52)``; everyone
  (current staff and hires alike, from their start week) survives each week with ``s``.
- A hiring class starting in week ``c`` is in training for ``training_weeks`` (productivity 0), then
  ramps up linearly over ``ramp_weeks`` (week k of the ramp at (k + 1) / (ramp_weeks + 1)), then 1.
- Available FTE = surviving staff + productive share of surviving hires - planned leave (FTE).
- Gap = available - required; the plan keeps ``gap >= -tolerance`` every week.

The recommendation is a small MILP (PuLP): a binary "a class starts in week w" and an integer class
size per week (between ``min_class`` and ``max_class``), minimising class cost + hire cost + the wages of
the hires until the horizon ends. Weeks no class can reach in time (training) may be short whatever we
do: their shortfall is a slack with a large price, reported as ``unavoidable`` instead of an infeasible
model. :func:`check_plan` recomputes headcount week by week, by a loop independent of the solver.
"""
from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pulp
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from forecasting.validation import InputError

MAX_WEEKS = 78
SHORTFALL_PRICE = 1e6  # per FTE-week the plan cannot avoid: far above any hiring cost


class HiringClass(BaseModel):
    """A class of new hires: ``size`` people starting on ``start`` (a date), trained then ramped up."""

    model_config = ConfigDict(extra="forbid")

    start: date
    size: int = Field(ge=1)
    training_weeks: int = Field(default=4, ge=0, le=52)
    ramp_weeks: int = Field(default=4, ge=0, le=52)


class CapacityInputs(BaseModel):
    """The capacity question. ``start`` is the first planned week (its Monday is used); ``required`` FTE
    per week; ``headcount`` productive FTE today; ``attrition_monthly_percent`` (3 = 3% leave per month);
    ``leave`` planned leave in FTE per week (shorter lists are padded with 0); costs in currency."""

    model_config = ConfigDict(extra="forbid")

    start: date
    required: list[float] = Field(min_length=1, max_length=MAX_WEEKS)
    headcount: float = Field(ge=0)
    attrition_monthly_percent: float = Field(default=2.0, ge=0)
    planned_classes: list[HiringClass] = Field(default_factory=list)
    leave: list[float] = Field(default_factory=list)
    tolerance_fte: float = Field(default=0.0, ge=0)
    training_weeks: int = Field(default=4, ge=0, le=52)
    ramp_weeks: int = Field(default=4, ge=0, le=52)
    min_class: int = Field(default=5, ge=1)
    max_class: int = Field(default=30, ge=1)
    class_cost: float = Field(default=5000.0, ge=0)
    hire_cost: float = Field(default=2000.0, ge=0)
    weekly_wage: float = Field(default=900.0, ge=0)

    @property
    def weeks(self) -> int:
        return len(self.required)

    @property
    def first_monday(self) -> date:
        return self.start - timedelta(days=self.start.weekday())


def make_inputs(data: dict, *, today: date | None = None) -> CapacityInputs:
    """Validate a capacity question; raises :class:`InputError` with a planner-facing message."""
    try:
        inputs = CapacityInputs.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        column = ".".join(str(p) for p in first["loc"]) or None
        raise InputError(first["msg"].removeprefix("Value error, ") + ".", file="capacity plan", column=column,
                         value=None if isinstance(first.get("input"), (dict, list)) else first.get("input")) from None
    today = today or date.today()
    if inputs.attrition_monthly_percent >= 100:
        raise InputError("attrition must be below 100% a month (100% would mean everyone leaves every month).",
                         column="attrition_monthly_percent", value=inputs.attrition_monthly_percent,
                         fix="give the monthly share of staff who leave, e.g. 2.5.")
    for i, cls in enumerate(inputs.planned_classes):
        if cls.start < today:
            raise InputError(f"hiring class {i + 1} starts on {cls.start}, before today ({today}).",
                             column="planned_classes.start", value=str(cls.start),
                             fix="plan classes from today on; people already hired belong in the headcount.")
    if inputs.min_class > inputs.max_class:
        raise InputError("the smallest class is larger than the largest class.", column="min_class",
                         value=inputs.min_class, fix="make min_class at most max_class.")
    return inputs


def survival(inputs: CapacityInputs) -> float:
    """Weekly share of people who stay, from the monthly attrition rate."""
    return (1 - inputs.attrition_monthly_percent / 100) ** (12 / 52)


def productivity(age_weeks: int, training_weeks: int, ramp_weeks: int) -> float:
    """Share of a full FTE a hire delivers ``age_weeks`` after starting (0 in training, then a linear ramp)."""
    if age_weeks < training_weeks:
        return 0.0
    into_ramp = age_weeks - training_weeks
    return (into_ramp + 1) / (ramp_weeks + 1) if into_ramp < ramp_weeks else 1.0


def week_of(inputs: CapacityInputs, day: date) -> int:
    return (day - inputs.first_monday).days // 7


def _leave(inputs: CapacityInputs) -> np.ndarray:
    leave = np.zeros(inputs.weeks)
    leave[:min(len(inputs.leave), inputs.weeks)] = inputs.leave[:inputs.weeks]
    return leave


def recommend(inputs: CapacityInputs, *, time_limit: float = 10.0) -> pd.DataFrame:
    """The least-cost hiring plan: one row per recommended class ``start, week, size, training_weeks, ramp_weeks``."""
    weeks, s = inputs.weeks, survival(inputs)
    T, R = inputs.training_weeks, inputs.ramp_weeks
    base = _available(inputs, []) - np.asarray(inputs.required, float)
    # a class starting after week W - T - 1 never becomes productive within the horizon: not offered
    today = date.today()
    candidates = [w for w in range(weeks) if inputs.first_monday + timedelta(weeks=w) >= today and w + T < weeks]
    model = pulp.LpProblem("hiring", pulp.LpMinimize)
    start = {w: model.add_variable(f"start_{w}", cat="Binary") for w in candidates}
    size = {w: model.add_variable(f"size_{w}", lowBound=0, upBound=inputs.max_class, cat="Integer") for w in candidates}
    short = [model.add_variable(f"short_{t}", lowBound=0) for t in range(weeks)]
    for w in candidates:
        model += size[w] >= inputs.min_class * start[w]
        model += size[w] <= inputs.max_class * start[w]
    for t in range(weeks):
        gain = pulp.lpSum(size[w] * (s ** (t - w)) * productivity(t - w, T, R) for w in candidates if w <= t)
        model += base[t] + gain + short[t] >= -inputs.tolerance_fte
    model += (pulp.lpSum(inputs.class_cost * start[w]
                         + (inputs.hire_cost + inputs.weekly_wage * (weeks - w)) * size[w] for w in candidates)
              + SHORTFALL_PRICE * pulp.lpSum(short))
    model.solve(pulp.HiGHS(msg=False, timeLimit=time_limit, gapRel=0.01) if pulp.HiGHS().available()
                else pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, gapRel=0.01))
    rows = [{"start": inputs.first_monday + timedelta(weeks=w), "week": w + 1, "size": int(round(size[w].value())),
             "training_weeks": T, "ramp_weeks": R}
            for w in candidates if size[w].value() and round(size[w].value()) > 0]
    return pd.DataFrame(rows, columns=["start", "week", "size", "training_weeks", "ramp_weeks"])


def _available(inputs: CapacityInputs, classes: list[HiringClass]) -> np.ndarray:
    """Available FTE per week in closed form (the solver's view), for the planned plus given classes."""
    weeks, s = inputs.weeks, survival(inputs)
    t = np.arange(weeks)
    available = inputs.headcount * s ** t - _leave(inputs)
    for cls in [*inputs.planned_classes, *classes]:
        c = week_of(inputs, cls.start)
        age = t - c
        available += np.array([cls.size * s ** a * productivity(a, cls.training_weeks, cls.ramp_weeks)
                               if a >= 0 else 0.0 for a in age])
    return available


def as_classes(plan: pd.DataFrame) -> list[HiringClass]:
    return [HiringClass(start=r.start, size=int(r.size), training_weeks=int(r.training_weeks),
                        ramp_weeks=int(r.ramp_weeks)) for r in plan.itertuples()]


def check_plan(inputs: CapacityInputs, plan: pd.DataFrame) -> pd.DataFrame:
    """Recompute headcount week by week (a loop over cohorts, independent of the MILP) for a hiring plan.

    Returns ``week, start, required, people, available, gap, within_tolerance`` (FTE); people are
    carried from week to week and each week's leavers removed, so it checks the solver's closed form.
    """
    s = survival(inputs)
    cohorts: list[dict] = [{"people": float(inputs.headcount), "age": None, "training": 0, "ramp": 0}]
    pending = sorted([*inputs.planned_classes, *as_classes(plan)], key=lambda c: c.start)
    leave = _leave(inputs)
    rows = []
    for w in range(inputs.weeks):
        monday = inputs.first_monday + timedelta(weeks=w)
        if w > 0:
            for cohort in cohorts:
                cohort["people"] *= s  # this week's leavers
                if cohort["age"] is not None:
                    cohort["age"] += 1
        while pending and week_of(inputs, pending[0].start) <= w:
            cls = pending.pop(0)
            cohorts.append({"people": float(cls.size), "age": w - week_of(inputs, cls.start),
                            "training": cls.training_weeks, "ramp": cls.ramp_weeks})
            cohorts[-1]["people"] *= s ** cohorts[-1]["age"]
        productive = sum(c["people"] * (1.0 if c["age"] is None else productivity(c["age"], c["training"], c["ramp"]))
                         for c in cohorts)
        available = productive - leave[w]
        gap = available - inputs.required[w]
        rows.append({"week": w + 1, "start": monday, "required": inputs.required[w],
                     "people": sum(c["people"] for c in cohorts), "available": available, "gap": gap,
                     "within_tolerance": gap >= -inputs.tolerance_fte - 1e-6})
    return pd.DataFrame(rows)


def unavoidable(inputs: CapacityInputs) -> pd.DataFrame:
    """Weeks short even if every possible class were hired at maximum size: no plan can fix them."""
    best = pd.DataFrame([{"start": inputs.first_monday + timedelta(weeks=w), "week": w + 1, "size": inputs.max_class,
                          "training_weeks": inputs.training_weeks, "ramp_weeks": inputs.ramp_weeks}
                         for w in range(inputs.weeks) if inputs.first_monday + timedelta(weeks=w) >= date.today()],
                        columns=["start", "week", "size", "training_weeks", "ramp_weeks"])
    table = check_plan(inputs, best)
    return table[~table["within_tolerance"]]


def weekly_required_fte(daily_forecast: pd.DataFrame, hours_per_contact: dict[str, float],
                        hours_per_fte: float = 37.5) -> pd.DataFrame:
    """Required FTE per week from a daily forecast (``queue, ds, yhat``) and scheduled hours per contact.

    ``hours_per_contact`` per queue comes from an interval-level requirements run (scheduled agent-hours
    / contacts), so Erlang's economies of scale and shrinkage carry over to the long horizon at today's mix.
    Returns ``week`` (Monday), ``contacts``, ``required_fte``.
    """
    frame = daily_forecast.copy()
    frame["hours"] = frame["yhat"] * frame["queue"].map(hours_per_contact).fillna(0.0)
    frame["week"] = frame["ds"].dt.tz_convert(None).dt.to_period("W-SUN").dt.start_time
    weekly = frame.groupby("week").agg(contacts=("yhat", "sum"), hours=("hours", "sum"),
                                       days=("ds", lambda d: d.dt.normalize().nunique()))
    weekly = weekly[weekly["days"] == 7]  # partial weeks at the ends would look like dips
    weekly["required_fte"] = weekly["hours"] / hours_per_fte
    return weekly.reset_index()[["week", "contacts", "required_fte"]]


def hours_per_contact(requirements: pd.DataFrame) -> dict[str, float]:
    """Scheduled agent-hours per forecast contact per queue, from a requirements frame."""
    out = {}
    for queue, part in requirements.groupby("queue"):
        step = part["ds"].diff().min().total_seconds() / 3600
        contacts = part["calls"].sum()
        out[queue] = float(part["scheduled"].sum() * step / contacts) if contacts > 0 else math.nan
    return out
