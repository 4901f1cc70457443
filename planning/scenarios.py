"""What-if scenarios: a named set of changes to a base plan, re-run through the pipeline, KPIs out.

    run_scenario(base, scenario, cache) -> ScenarioResult     compare(results) -> DataFrame

Stages and what invalidates them (each is cached by the hash of its own inputs in a :class:`StageCache`):

1. **forecast** (Prophet, the expensive one): history, events, queue opening hours, horizon, method.
   Only an opening-hours change refits (the model spreads each day over the declared hours).
2. **adjust** (cheap, never cached): volume growth, self-service deflection, AHT change and extra
   events are applied to the base forecast frame *after* Prophet, so they never refit. An extra event
   is applied as its typed lift, in full on its first day and fading linearly over ``decay_days``
   (the same shape the forecaster uses for typed lifts), multiplied into ``yhat`` and its band; the
   model's learned effect of past events of the same kind is not used here.
3. **requirements** (Erlang per interval): adjusted forecast, service targets, shrinkage.
4. **optimise** (shift MILP, optional): requirements, sites (caps, costs, overtime), templates.

Money is in the sites' currency; FTE are scheduled hours per week / ``hours_per_fte``.
"""
from __future__ import annotations

import hashlib
import json
import math
import time
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from forecasting.engine import executor_for, forecast_queues, make_tasks
from forecasting.calendar import YEARS
from forecasting.models import QueueSettings
from forecasting.queues import WEEKDAYS, QueueConfig, parse_span
from forecasting.validation import InputError
from scheduling.requirements import requirements as staffing_requirements
from scheduling.shrinkage import ShrinkageTable, load_shrinkage
from scheduling.optimiser import ShiftPlan, plan_shifts
from scheduling.plan_export import summary as plan_summary
from scheduling.plan_options import PlanOptions
from scheduling.sites import MAX_SITE_AGENTS, Site, load_requirements

BASE_NAME = "Base plan"
MAX_PERCENT = 10_000.0  # +10,000% (101 times the base): anything larger is a typo and overflows the plan


# --------------------------------------------------------------------------- the changes

class ExtraEvent(BaseModel):
    """A future event the planner types: a launch on ``start`` lifting volume by ``lift_percent``."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str = Field(min_length=1)
    kind: str = "launch"
    start: date
    end: date | None = None
    queues: list[str] = Field(default_factory=list)  # empty: every queue
    lift_percent: float = Field(gt=-100, le=MAX_PERCENT)
    decay_days: float | None = Field(default=None, ge=0, le=3660)

    @field_validator("start", "end")
    @classmethod
    def _year(cls, value: date | None) -> date | None:
        if value is not None and not YEARS[0] <= value.year <= YEARS[1]:
            raise ValueError(f"{value} is outside the years {YEARS[0]} to {YEARS[1]}")
        return value

    @model_validator(mode="after")
    def _order(self) -> "ExtraEvent":
        if self.end is not None and self.end < self.start:
            raise ValueError(f"event '{self.name}' ends ({self.end}) before it starts ({self.start})")
        return self


class Scenario(BaseModel):
    """The changes to the base plan; every field left at its default means "as in the base".

    Percentages are percent (15 = +15%). ``deflection_percent`` maps a queue or a channel name
    (phone, chat, email) to the share of its contacts moved to self-service. Targets: ``service_level``
    is a share (0.9 = 90%) answered within ``answer_seconds``. ``shrinkage_percent`` replaces the
    shrinkage table by one total for every queue. Site maps are keyed by site name or ``all``.
    ``opening_hours`` maps queue -> weekday (mon..sun) -> ``HH:MM-HH:MM`` or ``closed``.
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str = Field(min_length=1, max_length=120)
    description: str = ""
    volume_growth_percent: float = Field(default=0.0, le=MAX_PERCENT)
    aht_change_percent: float = Field(default=0.0, le=MAX_PERCENT)
    deflection_percent: dict[str, float] = Field(default_factory=dict)
    extra_events: list[ExtraEvent] = Field(default_factory=list)
    service_level: float | None = Field(default=None, gt=0, le=1)
    answer_seconds: float | None = Field(default=None, gt=0, le=7 * 24 * 3600)
    shrinkage_percent: float | None = Field(default=None, ge=0, lt=100)
    site_max_agents: dict[str, int] = Field(default_factory=dict)
    hourly_cost: dict[str, float] = Field(default_factory=dict)
    overtime_multiplier: dict[str, float] = Field(default_factory=dict)
    opening_hours: dict[str, dict[str, str]] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _named(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the name is blank")
        return value

    @field_validator("volume_growth_percent", "aht_change_percent")
    @classmethod
    def _above_minus_100(cls, value: float) -> float:
        if not value > -100:
            raise ValueError("must be above -100% (-100% would mean no contacts at all)")
        return value

    @field_validator("deflection_percent")
    @classmethod
    def _deflection(cls, value: dict[str, float]) -> dict[str, float]:
        for key, share in value.items():
            if not 0 <= share < 100:
                raise ValueError(f"deflection of '{key}' must be at least 0% and below 100%")
        return value

    @field_validator("site_max_agents", "hourly_cost")
    @classmethod
    def _not_negative(cls, value: dict, info: ValidationInfo) -> dict:
        high = MAX_SITE_AGENTS if info.field_name == "site_max_agents" else 1e6
        for key, number in value.items():
            if number < 0:
                raise ValueError(f"'{key}' must not be negative")
            if number > high:
                raise ValueError(f"'{key}' ({number:g}) must be at most {high:,.0f}")
        return value

    @field_validator("overtime_multiplier")
    @classmethod
    def _multiplier(cls, value: dict[str, float]) -> dict[str, float]:
        for key, number in value.items():
            if not 1 <= number <= 10:
                raise ValueError(f"overtime multiplier of '{key}' must be at least 1 and at most 10 "
                                 "(1.5 = time and a half)")
        return value

    @field_validator("opening_hours")
    @classmethod
    def _hours(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for queue, days in value.items():
            for day, span in days.items():
                if day not in WEEKDAYS:
                    raise ValueError(f"queue '{queue}': '{day}' is not a weekday (use {', '.join(WEEKDAYS)})")
                parse_span(span)
        return value

    def changes(self) -> dict[str, Any]:
        """The fields that differ from "no change" (for display and version notes)."""
        return self.model_dump(mode="json", exclude_defaults=True, exclude={"name", "description"})


def make_scenario(data: Mapping[str, Any] | Scenario, *, source: str = "scenario") -> Scenario:
    """Validate a scenario (a dict from a form, a JSON file, the store); raises :class:`InputError`."""
    if isinstance(data, Scenario):
        return data
    try:
        data = dict(data)
    except (TypeError, ValueError):
        raise InputError(f"a scenario must be a set of named fields (a JSON object), not {type(data).__name__}.",
                         file=source, fix="give the scenario as {\"name\": ..., \"volume_growth_percent\": ...}.") \
            from None
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        column = ".".join(str(p) for p in first["loc"]) or None
        message = first["msg"].removeprefix("Value error, ")
        raise InputError(f"{message}.", file=source, column=column, value=first.get("input")
                         if not isinstance(first.get("input"), (dict, list)) else None,
                         fix="correct the value and run the scenario again.") from None


# --------------------------------------------------------------------------- the base and the cache

@dataclass(frozen=True)
class BaseInputs:
    """Everything the base plan is computed from.

    ``history``: ``queue, ds, y[, aht]`` (UTC); ``interval_minutes`` of the history; ``horizon_days`` of
    the scenario forecast (1 week is enough for weekly KPIs); ``sites``/``templates``/``overtime`` feed the
    shift optimiser and the cost of requirements (currency per paid hour); ``hours_per_fte`` per week.
    """

    history: pd.DataFrame
    interval_minutes: int
    queues: Mapping[str, QueueConfig]
    events: pd.DataFrame | None = None
    shrinkage: ShrinkageTable | None = None
    sites: Mapping[str, Site] = field(default_factory=dict)
    templates: Mapping[str, Any] = field(default_factory=dict)
    overtime: Mapping[str, Any] = field(default_factory=dict)
    horizon_days: int = 7
    method: str = "auto"
    planning_quantile: float | None = None
    hours_per_fte: float = 37.5
    optimise: bool = False
    optimiser_time_limit: float = 30.0


class StageCache:
    """Results of each stage keyed by the hash of that stage's inputs, least recently used dropped first.

    ``fits`` counts forecast models fitted (one per queue per miss): a test reads it to prove that a
    change downstream of the forecast did not refit. ``seconds`` is time spent per stage (misses only).
    """

    def __init__(self, max_items: int = 256) -> None:
        self.max_items = max_items
        self._items: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self.fits = 0
        self.hits: Counter[str] = Counter()
        self.misses: Counter[str] = Counter()
        self.seconds: defaultdict[str, float] = defaultdict(float)

    def get(self, stage: str, key: str) -> Any | None:
        item = self._items.get((stage, key))
        if item is not None:
            self._items.move_to_end((stage, key))
            self.hits[stage] += 1
        return item

    def put(self, stage: str, key: str, value: Any) -> None:
        self._items[(stage, key)] = value
        self._items.move_to_end((stage, key))
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)

    def compute(self, stage: str, key: str, fn: Callable[[], Any]) -> Any:
        value = self.get(stage, key)
        if value is None:
            self.misses[stage] += 1
            started = time.perf_counter()
            value = fn()
            self.seconds[stage] += time.perf_counter() - started
            self.put(stage, key, value)
        return value


def _digest(*parts: Any) -> str:
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, pd.DataFrame):
            h.update(pd.util.hash_pandas_object(part, index=False).to_numpy().tobytes())
            h.update(",".join(map(str, part.columns)).encode())
        else:
            h.update(json.dumps(part, sort_keys=True, default=str).encode())
    return h.hexdigest()


# --------------------------------------------------------------------------- stages

def scenario_queues(base: BaseInputs, scenario: Scenario) -> dict[str, QueueConfig]:
    """The queue configs with the scenario's service target and opening hours."""
    out = {}
    for name, config in base.queues.items():
        changes: dict[str, Any] = {}
        if scenario.service_level is not None and config.channel != "email":
            changes["target_sl"] = scenario.service_level
        if scenario.answer_seconds is not None and config.channel != "email":
            changes["answer_seconds"] = scenario.answer_seconds
        for day, span in scenario.opening_hours.get(name, {}).items():
            changes[f"open_{day}"] = span
        out[name] = QueueConfig(**{**config.model_dump(), **changes}) if changes else config
    unknown = set(scenario.opening_hours) - set(base.queues)
    if unknown:
        raise InputError(f"opening hours name unknown queue(s): {', '.join(sorted(unknown))}.",
                         column="opening_hours", fix=f"use one of {', '.join(base.queues)}.")
    return out


def forecast_stage(base: BaseInputs, queues: Mapping[str, QueueConfig], cache: StageCache) -> pd.DataFrame:
    """The Prophet forecast per queue (contract frame), fitting only the queues whose task is not cached."""
    settings = {q: QueueSettings.from_config(c) for q, c in queues.items()}
    history = base.history[base.history["queue"].isin(list(queues))]
    tasks = make_tasks(history, settings, base.events, interval_minutes=base.interval_minutes,
                       horizon_days=base.horizon_days, granularity=base.interval_minutes, method=base.method)
    keys = {task.queue: task.digest() for task in tasks}
    frames = {q: cache.get("forecast", k) for q, k in keys.items()}
    missing = [task for task in tasks if frames[task.queue] is None]
    if missing:
        cache.misses["forecast"] += len(missing)
        started = time.perf_counter()
        results = forecast_queues(missing)
        cache.seconds["forecast"] += time.perf_counter() - started
        cache.fits += len(missing)
        for queue, result in results.items():
            frames[queue] = result.forecast
            cache.put("forecast", keys[queue], result.forecast)
    return pd.concat([frames[t.queue] for t in tasks], ignore_index=True)


def adjust_forecast(forecast: pd.DataFrame, scenario: Scenario, queues: Mapping[str, QueueConfig]) -> pd.DataFrame:
    """Growth, deflection, extra events and AHT change applied to a forecast frame (see the module doc)."""
    out = forecast.copy()
    factor = np.full(len(out), 1 + scenario.volume_growth_percent / 100)
    channel = out["queue"].map(lambda q: queues[q].channel if q in queues else "")
    for key, share in scenario.deflection_percent.items():
        if key not in queues and key not in {c.channel for c in queues.values()}:
            raise InputError(f"deflection names '{key}', which is neither a queue nor a channel in use.",
                             column="deflection_percent", fix=f"use a queue ({', '.join(queues)}) or phone/chat/email.")
        hit = (out["queue"] == key) | (channel == key)
        factor = np.where(hit, factor * (1 - share / 100), factor)
    for event in scenario.extra_events:
        factor = factor * (1 + _event_lift(out, event, queues))
    for column in ("yhat", "yhat_lower", "yhat_upper"):
        out[column] = out[column] * factor
    out["aht"] = out["aht"] * (1 + scenario.aht_change_percent / 100)
    return out


def _event_lift(frame: pd.DataFrame, event: ExtraEvent, queues: Mapping[str, QueueConfig]) -> np.ndarray:
    """Lift (fraction) per row: full on the first local day, fading linearly over ``decay_days``."""
    unknown = set(event.queues) - set(queues)
    if unknown:
        raise InputError(f"event '{event.name}' names unknown queue(s): {', '.join(sorted(unknown))}.",
                         column="extra_events.queues", fix=f"use one of {', '.join(queues)}.")
    days = ((event.end or event.start) - event.start).days + 1
    fade = event.decay_days if event.decay_days is not None else float(days)
    lift = np.zeros(len(frame))
    for queue in event.queues or list(queues):
        rows = np.flatnonzero((frame["queue"] == queue).to_numpy())
        if not rows.size:
            continue
        local = frame["ds"].iloc[rows].dt.tz_convert(queues[queue].timezone).dt.tz_localize(None).dt.normalize()
        offset = ((local - pd.Timestamp(event.start)).dt.days).to_numpy()
        share = np.where(offset == 0, 1.0, 1.0 - offset / max(fade, 1e-9))
        lift[rows] = np.where((offset >= 0) & (share > 0), event.lift_percent / 100 * share, 0.0)
    return lift


def scenario_shrinkage(base: BaseInputs, scenario: Scenario) -> ShrinkageTable:
    if scenario.shrinkage_percent is None:
        return base.shrinkage or load_shrinkage()
    return load_shrinkage(pd.DataFrame({"category": ["scenario total"], "percent": [str(scenario.shrinkage_percent)],
                                        "queues": ["all"], "placed_by_optimiser": ["no"]}))


def scenario_sites(base: BaseInputs, scenario: Scenario) -> dict[str, Site]:
    """Sites with the scenario's headcount caps, hourly costs and overtime multipliers."""
    maps = {"max_agents": scenario.site_max_agents, "hourly_cost": scenario.hourly_cost,
            "overtime_multiplier": scenario.overtime_multiplier}
    for column, values in maps.items():
        unknown = set(values) - set(base.sites) - {"all"}
        if unknown:
            raise InputError(f"unknown site(s): {', '.join(sorted(unknown))}.", column=column,
                             fix=f"use one of {', '.join(base.sites) or '(no sites loaded)'} or 'all'.")
    out = {}
    for name, site in base.sites.items():
        changes = {column: values.get(name, values.get("all")) for column, values in maps.items()}
        changes = {k: v for k, v in changes.items() if v is not None}
        out[name] = site.model_copy(update=changes) if changes else site
    return out


# --------------------------------------------------------------------------- result

@dataclass
class ScenarioResult:
    """One scenario's outcome. ``kpis``: weekly figures (FTE, currency per week, shares 0-1, seconds);
    ``by_queue`` and ``by_site`` tables; ``weekly`` one row per week (charts); ``notes`` in plain words."""

    name: str
    scenario: Scenario
    kpis: dict[str, float]
    by_queue: pd.DataFrame
    by_site: pd.DataFrame
    weekly: pd.DataFrame
    forecast: pd.DataFrame
    requirements: pd.DataFrame
    plan: ShiftPlan | None
    notes: list[str]


# KPI name -> (label, unit, help) for tables and cards
KPIS: dict[str, tuple[str, str, str]] = {
    "required_fte": ("Required FTE", "FTE", "Full-time equivalents needed to meet the service target, after "
                     "shrinkage (absence, leave, training), averaged over the weeks planned."),
    "scheduled_fte": ("Scheduled FTE", "FTE", "Full-time equivalents in the optimised shift plan (needs the "
                      "shift optimiser; otherwise equal to required)."),
    "weekly_cost": ("Weekly cost", "per week", "Paid hours times each site's hourly cost, per week, "
                    "overtime included."),
    "cost_per_contact": ("Cost per contact", "per contact", "Weekly cost divided by the contacts expected "
                         "in a week."),
    "contacts_per_week": ("Contacts per week", "contacts", "Forecast contacts after growth, events and "
                          "self-service."),
    "service_level": ("Service level", "share", "Share of calls and chats answered within the target time, "
                      "weighted by volume."),
    "asa_seconds": ("Average wait", "seconds", "Average speed of answer: mean seconds a customer waits."),
    "occupancy": ("Occupancy", "share", "Share of logged-in time agents spend handling contacts; above "
                  "about 90% people burn out."),
    "overtime_hours": ("Overtime hours", "hours per week", "Overtime to offer on top of the shifts, to cover "
                       "the forecast's upper band (needs the shift optimiser)."),
    "overtime_cost": ("Overtime cost", "per week", "Cost of that overtime if all of it is worked, at each "
                      "site's overtime rate (needs the shift optimiser)."),
    "understaffed_intervals": ("Understaffed intervals", "intervals per week", "Intervals in which the shift "
                               "plan has fewer agents than needed (needs the shift optimiser)."),
}


def run_scenario(base: BaseInputs, scenario: Scenario | Mapping[str, Any], cache: StageCache | None = None,
                 *, optimiser: Callable[..., ShiftPlan] | None = None) -> ScenarioResult:
    """Re-run the pipeline with the scenario's changes; stages whose inputs did not change come from ``cache``.

    ``optimiser(requirements_frame, sites, templates, overtime, time_limit) -> ShiftPlan`` is the shift stage
    when ``base.optimise`` is set; None uses :func:`plan_scenario_shifts`.
    """
    return run_scenarios(base, [scenario], cache, optimiser=optimiser, workers=1)[0]


def run_scenarios(base: BaseInputs, scenarios: list[Scenario | Mapping[str, Any]], cache: StageCache | None = None,
                  *, optimiser: Callable[..., ShiftPlan] | None = None, workers: int | None = None
                  ) -> list[ScenarioResult]:
    """:func:`run_scenario` for several scenarios; their shift plans are solved side by side in
    ``workers`` processes (default: one per core), since each solve is single-threaded."""
    cache = cache if cache is not None else StageCache()
    prepared = [_prepare(base, make_scenario(s), cache) for s in scenarios]
    plans: list[ShiftPlan | None] = [None] * len(prepared)
    if base.optimise and base.templates:
        run = optimiser or plan_scenario_shifts
        jobs: dict[str, tuple] = {}
        for i, (_, _, required, sites, _) in enumerate(prepared):
            if not sites:
                continue
            key = _digest(required[["queue", "ds", "scheduled", "scheduled_upper"]],
                          {s: v.model_dump(mode="json") for s, v in sites.items()},
                          {t: v.model_dump(mode="json") for t, v in base.templates.items()},
                          {o: v.model_dump(mode="json") for o, v in base.overtime.items()},
                          base.optimiser_time_limit)
            plans[i] = cache.get("optimise", key)
            if plans[i] is None:
                jobs.setdefault(key, (required, dict(sites), dict(base.templates), dict(base.overtime),
                                      base.optimiser_time_limit, []))[5].append(i)
        if jobs:
            started = time.perf_counter()
            with executor_for(len(jobs), max_workers=workers) as executor:
                futures = {key: executor.submit(run, *job[:5]) for key, job in jobs.items()}
                for key, future in futures.items():
                    plan = future.result()
                    cache.misses["optimise"] += 1
                    cache.put("optimise", key, plan)
                    for i in jobs[key][5]:
                        plans[i] = plan
            cache.seconds["optimise"] += time.perf_counter() - started
    return [_finish(base, scenario, queues, required, sites, forecast, plan)
            for (scenario, queues, required, sites, forecast), plan in zip(prepared, plans)]


def _prepare(base: BaseInputs, scenario: Scenario, cache: StageCache) -> tuple:
    """Forecast and requirements of one scenario (both cached); with the optimiser on, requirements carry
    ``scheduled_upper`` at the overtime quantile so the plan can offer overtime for the upper band."""
    queues = scenario_queues(base, scenario)
    shrinkage = scenario_shrinkage(base, scenario)
    sites = scenario_sites(base, scenario)
    forecast = adjust_forecast(forecast_stage(base, queues, cache), scenario, queues)
    configs = {q: c.model_dump() for q, c in queues.items()}

    def staffed(quantile: float | None) -> pd.DataFrame:
        key = _digest(forecast, configs, shrinkage.to_frame(), quantile, base.optimise)
        return cache.compute("requirements", key, lambda: staffing_requirements(
            forecast, queues, shrinkage, planning_quantile=quantile, breaks_placed_by_optimiser=base.optimise))

    required = staffed(base.planning_quantile)
    if base.optimise:
        upper = staffed(max(OVERTIME_QUANTILE, base.planning_quantile or 0.0))
        required = required.assign(scheduled_upper=np.maximum(upper["scheduled"].to_numpy(),
                                                              required["scheduled"].to_numpy()))
    return scenario, queues, required, sites, forecast


def _finish(base: BaseInputs, scenario: Scenario, queues, required: pd.DataFrame, sites, forecast: pd.DataFrame,
            plan: ShiftPlan | None) -> ScenarioResult:
    notes: list[str] = []
    if plan is not None:
        notes += plan.warnings
        report = plan.report
        if report.gap is None:
            notes.append(f"The shift plan for '{scenario.name}' found no bound in its time limit ({report.status}): "
                         "its scheduled FTE and cost are not reliable; allow the optimiser more time.")
        elif report.gap > SCENARIO_GAP:
            notes.append(f"The shift plan for '{scenario.name}' stopped {report.gap:.1%} from the best possible "
                         f"cost ({report.status}): scheduled FTE and cost may be up to that much high.")
    kpis, by_queue, by_site, weekly = measure(required, queues, sites, base.hours_per_fte, plan)
    return ScenarioResult(scenario.name, scenario, kpis, by_queue, by_site, weekly, forecast, required, plan, notes)


SCENARIO_START_STEP = 60   # minutes between shift starts in scenario plans
SCENARIO_GAP = 0.01        # relative gap at which a scenario's shift plan stops
OVERTIME_QUANTILE = 0.9    # forecast quantile the overtime offered in a scenario plan covers


def plan_scenario_shifts(required: pd.DataFrame, sites: Mapping[str, Site], templates: Mapping[str, Any],
                         overtime: Mapping[str, Any], time_limit: float) -> ShiftPlan:
    """The shift stage of a scenario: :func:`scheduling.optimiser.plan_shifts` on a coarser grid.

    Executives compare scenarios in FTE and money, not start times: shifts start on the hour
    (templates with finer steps are coarsened) and the solve stops at a 1% gap, which makes a week
    several times faster to plan than the planner's 15-minute plan. Module-level, so it can run in
    another process.
    """
    columns = ["queue", "ds", "scheduled"] + (["scheduled_upper"] if "scheduled_upper" in required else [])
    reqs = load_requirements(required[columns], dict(sites), name="scenario requirements")
    coarse = {name: t.model_copy(update={"start_step_minutes": max(t.start_step_minutes, SCENARIO_START_STEP)})
              for name, t in templates.items()}
    return plan_shifts(reqs, dict(sites), coarse, dict(overtime), PlanOptions(time_limit=time_limit, gap=SCENARIO_GAP))


# --------------------------------------------------------------------------- KPIs

def _queue_cost_rates(queues: Mapping[str, QueueConfig], sites: Mapping[str, Site]) -> dict[str, float]:
    """Currency per paid hour per queue: the sites serving it, weighted by their headcount caps.

    Without a shift plan we do not know which site works which hour, so this blend stands in for it.
    """
    rates = {}
    for queue in queues:
        serving = [s for s in sites.values() if queue in s.queues]
        weight = sum(max(s.max_agents, 1) for s in serving)
        rates[queue] = (sum(s.hourly_cost * max(s.max_agents, 1) for s in serving) / weight) if serving else math.nan
    return rates


def _weighted(values: pd.Series, weights: pd.Series) -> float:
    ok = values.notna() & (weights > 0)
    return float(np.average(values[ok], weights=weights[ok])) if ok.any() else math.nan


def measure(required: pd.DataFrame, queues: Mapping[str, QueueConfig], sites: Mapping[str, Site],
            hours_per_fte: float, plan: ShiftPlan | None = None
            ) -> tuple[dict[str, float], pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """KPIs, per-queue, per-site and per-week tables from a requirements frame (and a shift plan if any)."""
    frame = required.copy()
    step_hours = frame.groupby("queue")["ds"].transform(lambda s: s.diff().min()).dt.total_seconds() / 3600
    frame["scheduled_hours"] = frame["scheduled"] * step_hours
    rates = _queue_cost_rates(queues, sites)
    frame["cost"] = frame["scheduled_hours"] * frame["queue"].map(rates).fillna(0.0)
    frame["week"] = frame["ds"].dt.tz_convert(None).dt.to_period("W-SUN").dt.start_time
    hours = (frame["ds"].max() - frame["ds"].min()).total_seconds() / 3600 + float(step_hours.max())
    weeks = max(hours / (24 * 7), 1e-9)
    queued = frame[frame["queue"].map(lambda q: queues[q].channel != "email")]

    by_queue = frame.groupby("queue").agg(contacts=("calls", "sum"), scheduled_hours=("scheduled_hours", "sum"),
                                          cost=("cost", "sum")).reset_index()
    by_queue["required_fte"] = by_queue["scheduled_hours"] / weeks / hours_per_fte
    by_queue["service_level"] = [_weighted(p["service_level"], p["calls"]) for _, p in frame.groupby("queue")]
    by_queue["occupancy"] = [_weighted(p["occupancy"], p["agents"]) for _, p in frame.groupby("queue")]

    weekly = frame.groupby("week").agg(contacts=("calls", "sum"), scheduled_hours=("scheduled_hours", "sum"),
                                       cost=("cost", "sum")).reset_index()
    days = frame.groupby("week")["ds"].agg(lambda s: (s.max() - s.min()).total_seconds() / 86400 + 1 / 24)
    weekly["required_fte"] = weekly["scheduled_hours"] / (days.to_numpy() / 7) / hours_per_fte
    weekly["service_level"] = [_weighted(p["service_level"], p["calls"]) for _, p in queued.groupby("week")] \
        if len(queued) else math.nan
    weekly["occupancy"] = [_weighted(p["occupancy"], p["agents"]) for _, p in frame.groupby("week")]
    # A few hours spilling past the horizon into the next week would chart as a near-empty week.
    full = days.to_numpy() >= 6.5
    if full.any():
        weekly = weekly[full].reset_index(drop=True)

    contacts = frame["calls"].sum() / weeks
    cost = frame["cost"].sum() / weeks
    kpis = {"required_fte": by_queue["required_fte"].sum(), "contacts_per_week": contacts, "weekly_cost": cost,
            "service_level": _weighted(queued["service_level"], queued["calls"]),
            "asa_seconds": _weighted(queued["asa"], queued["calls"]),
            "occupancy": _weighted(frame["occupancy"], frame["agents"]),
            "overtime_hours": math.nan, "overtime_cost": math.nan, "understaffed_intervals": math.nan}
    by_site = pd.DataFrame(columns=["site", "scheduled_fte", "headcount", "cost", "overtime_hours", "overtime_cost"])
    if plan is not None:
        by_site, extra = _plan_measures(plan, hours_per_fte)
        kpis.update(extra)
    kpis["scheduled_fte"] = kpis.get("scheduled_fte", kpis["required_fte"])
    kpis["cost_per_contact"] = kpis["weekly_cost"] / contacts if contacts > 0 else math.nan
    return {k: float(kpis[k]) for k in KPIS}, by_queue, by_site, weekly


def _plan_measures(plan: ShiftPlan, hours_per_fte: float) -> tuple[pd.DataFrame, dict[str, float]]:
    """Scheduled FTE, head count and cost per site, overtime and understaffing from a shift plan, per week."""
    facts = plan_summary(plan)
    weeks = max(facts["days"] / 7, 1e-9)
    by_site = pd.DataFrame([{"site": name, "scheduled_fte": v["paid_hours"] / weeks / hours_per_fte,
                             "headcount": v["headcount"], "cost": v["cost"] / weeks,
                             "overtime_hours": v["overtime_hours_offered"] / weeks,
                             "overtime_cost": v["overtime_cost_if_used"] / weeks}
                            for name, v in facts["sites"].items()])
    short = plan.coverage["shortfall"] > 1e-6
    return by_site, {
        "scheduled_fte": float(by_site["scheduled_fte"].sum()),
        "weekly_cost": float(by_site["cost"].sum() + by_site["overtime_cost"].sum()),
        "overtime_hours": float(by_site["overtime_hours"].sum()),
        "overtime_cost": float(by_site["overtime_cost"].sum()),
        "understaffed_intervals": float(short.sum()) / weeks}


# --------------------------------------------------------------------------- comparison

def compare(results: list[ScenarioResult]) -> pd.DataFrame:
    """Every KPI of every scenario against the first result (the base): value, change and change in percent.

    Long format, one row per (kpi, scenario): ``kpi, label, unit, scenario, base, value, delta, delta_percent``.
    """
    if not results:
        raise InputError("nothing to compare.", fix="run the base plan and at least one scenario.")
    base = results[0]
    rows = []
    for result in results:
        for kpi, (label, unit, _) in KPIS.items():
            b, v = base.kpis[kpi], result.kpis[kpi]
            delta = v - b
            percent = delta / abs(b) * 100 if b and not math.isnan(b) else math.nan
            rows.append({"kpi": kpi, "label": label, "unit": unit, "scenario": result.name, "base": b, "value": v,
                         "delta": delta, "delta_percent": percent})
    return pd.DataFrame(rows)


def comparison_table(long: pd.DataFrame) -> pd.DataFrame:
    """Side by side: one row per KPI, a value column per scenario and a change column per non-base scenario."""
    scenarios = list(dict.fromkeys(long["scenario"]))
    table = long.pivot(index="label", columns="scenario", values="value")[scenarios]
    for name in scenarios[1:]:
        part = long[long["scenario"] == name].set_index("label")
        table[f"{name}: change"] = part["delta"]
        table[f"{name}: change %"] = part["delta_percent"]
    order = [KPIS[k][0] for k in KPIS]
    return table.loc[order].reset_index().rename(columns={"label": "measure"})
