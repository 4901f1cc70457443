"""An independent check of an exported shift plan.

It re-reads the plan as a planner would hand it over (``shift_plan.csv``, ``overtime_blocks.csv``) with
the sites and templates, and recomputes everything from scratch with its own code: local start ->
UTC through :mod:`zoneinfo` (a repeated wall time is its first occurrence, a wall time that does not
exist is an error), minute-by-minute coverage of each queue with breaks taken out, and the cost of
every shift (paid hours, night minutes read off the local clock, holiday premium). It shares nothing
with the optimiser but the input objects, and then compares with the reported coverage and summary.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from forecasting.calendar import country_holidays
from scheduling.sites import ShiftTemplate, Site

UTC = dt.timezone.utc


@dataclass
class CheckResult:
    """``ok`` when nothing below was found. Coverage in agents; costs in currency."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    coverage: pd.DataFrame | None = None          # queue, ds, scheduled, on_break, overtime (recomputed)
    cost_by_site: dict[str, float] = field(default_factory=dict)
    max_coverage_difference: float = 0.0
    max_cost_difference: float = 0.0


def check_plan(plan: pd.DataFrame, overtime: pd.DataFrame, coverage: pd.DataFrame, summary: dict,
               sites: dict[str, Site], templates: dict[str, ShiftTemplate], *, tolerance: float = 1e-6) -> CheckResult:
    """Recompute coverage and cost of an exported plan and compare them with what was reported.

    ``plan``, ``overtime``, ``coverage`` are the CSV tables (as read back with ``pd.read_csv``);
    ``summary`` is the JSON summary (``horizon_start``, ``days``, ``cyclic``, ``interval_minutes`` say where
    the horizon starts and whether it wraps).
    """
    problems: list[str] = []
    start = dt.datetime.fromisoformat(summary["horizon_start"].replace("Z", "+00:00"))
    minutes = int(summary["days"]) * 24 * 60
    cyclic = bool(summary["cyclic"])
    interval = int(summary["interval_minutes"])
    queues = sorted(set(coverage["queue"]))
    working = {q: np.zeros(minutes) for q in queues}
    breaks = {q: np.zeros(minutes) for q in queues}
    extra = {q: np.zeros(minutes) for q in queues}
    cost: dict[str, float] = {name: 0.0 for name in sites}
    holidays: dict[str, dict] = {}

    for row in plan.itertuples(index=False):
        where = f"shift plan row {row.site}/{row.queue}/{row.date_local} {row.start_local}/{row.template}"
        site, template = sites.get(row.site), templates.get(row.template)
        if site is None or template is None:
            problems.append(f"{where}: unknown site or template.")
            continue
        zone = ZoneInfo(site.timezone)
        begin = _local_to_utc(str(row.date_local), str(row.start_local), zone)
        if begin is None:
            problems.append(f"{where}: {row.start_local} does not exist on {row.date_local} in {site.timezone}.")
            continue
        if str(row.start_utc) != begin.strftime("%Y-%m-%dT%H:%M:%SZ"):
            problems.append(f"{where}: start_utc {row.start_utc} but the local start is {begin:%Y-%m-%dT%H:%M}Z.")
        problems.extend(_rules(row, site, template, begin, zone, where))
        offsets = _offsets(row.break_offsets)
        shown = [item.split()[0] for item in str(row.break_starts).split(";")] if _filled(row.break_starts) else []
        if [(begin + dt.timedelta(minutes=o)).astimezone(zone).strftime("%H:%M") for o in offsets] != shown:
            problems.append(f"{where}: break_starts {shown} do not match break_offsets {offsets}.")
        first = int((begin - start).total_seconds() // 60)
        count = int(row.count)
        _add(working[row.queue], first, template.length_minutes, count, cyclic)
        for offset, brk in zip(offsets, template.breaks):
            _add(breaks[row.queue], first + offset, brk.minutes, count, cyclic)
        cost[row.site] += count * _shift_cost(site, template, begin, zone, holidays)

    for row in overtime.itertuples(index=False):
        site = sites.get(row.site)
        zone = ZoneInfo(site.timezone)
        begin = _local_to_utc(str(row.date_local), str(row.start_local), zone)
        later = _local_to_utc(str(row.date_local), str(row.start_local), zone, fold=1)
        if later is not None and later.strftime("%Y-%m-%dT%H:%M:%SZ") == str(row.start_utc):
            begin = later   # a block before a shift may start in the repeated hour's second pass: start_utc says so
        if begin is None or begin.strftime("%Y-%m-%dT%H:%M:%SZ") != str(row.start_utc):
            problems.append(f"overtime block {row.site}/{row.queue}/{row.date_local} {row.start_local}: local start "
                            f"and start_utc {row.start_utc} disagree.")
            continue
        _add(extra[row.queue], int((begin - start).total_seconds() // 60), int(row.minutes), int(row.count), cyclic)
        expected = row.count * site.hourly_cost * site.overtime_multiplier * row.minutes / 60
        if abs(expected - row.cost_if_used) > 0.01 + 1e-7 * expected:
            problems.append(f"overtime block {row.site}/{row.queue}/{row.date_local} {row.start_local}: cost "
                            f"{row.cost_if_used} but {expected:.2f} by the site's rates.")

    recomputed = _per_interval(queues, working, breaks, extra, start, interval)
    reported = coverage.assign(ds=coverage["ds"].astype(str))
    joined = recomputed.merge(reported, on=["queue", "ds"], how="outer", suffixes=("", "_reported"))
    differences = [np.nanmax(np.abs(joined[c] - joined[f"{c}_reported"]).to_numpy(), initial=0.0)
                   for c in ("scheduled", "on_break", "overtime")]
    short = np.maximum(joined["required"] - joined["scheduled"], 0)
    differences.append(np.nanmax(np.abs(short - joined["shortfall"]).to_numpy(), initial=0.0))
    if joined[["scheduled", "scheduled_reported"]].isna().any().any():
        problems.append("the coverage file and the plan cover different queues or intervals.")
    worst = float(max(differences))
    if worst > max(tolerance, 1e-3):   # the coverage file is written to 4 decimals
        problems.append(f"coverage differs from the reported coverage by up to {worst:.4f} agents.")
    cost_gap = 0.0
    for name, value in cost.items():
        reported_cost = summary["sites"].get(name, {}).get("cost", 0.0)
        cost_gap = max(cost_gap, abs(value - reported_cost))
        if abs(value - reported_cost) > 0.01 * max(len(plan), 1) + 1e-7 * abs(value):
            problems.append(f"site {name}: the plan costs {value:.2f} but the summary says {reported_cost:.2f}.")
    return CheckResult(ok=not problems, problems=problems, coverage=recomputed,
                       cost_by_site={k: round(v, 2) for k, v in cost.items()}, max_coverage_difference=worst,
                       max_cost_difference=cost_gap)


def _filled(value) -> bool:
    return not (value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == "")


def _offsets(value) -> list[int]:
    """``break_offsets`` as minutes. ``pd.read_csv`` gives ``120.0`` when one-break and no-break shifts share the
    column (blank cells make it a float column), ``"120;240"`` for several breaks, NaN for none."""
    return [int(float(o)) for o in str(value).split(";")] if _filled(value) else []


def _local_to_utc(date: str, clock: str, zone: ZoneInfo, fold: int = 0) -> dt.datetime | None:
    """A local wall time -> UTC; a repeated time is its first occurrence (``fold=1``: its second); a missing
    one gives None."""
    naive = dt.datetime.fromisoformat(f"{date} {clock}")
    aware = naive.replace(tzinfo=zone, fold=fold)
    utc = aware.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != naive:
        return None
    return utc


def _rules(row, site: Site, template: ShiftTemplate, begin: dt.datetime, zone: ZoneInfo, where: str) -> list[str]:
    problems = []
    local = begin.astimezone(zone)
    minute = local.hour * 60 + local.minute
    if row.queue not in site.queues:
        problems.append(f"{where}: {row.site} does not serve {row.queue}.")
    if template.sites and row.site not in template.sites:
        problems.append(f"{where}: template {row.template} is not used at {row.site}.")
    if not site.earliest_start <= minute <= site.latest_start:
        problems.append(f"{where}: starts outside the site's start window.")
    if local.weekday() not in template.allowed_days:
        problems.append(f"{where}: the template may not start on {local:%A}.")
    offsets = _offsets(row.break_offsets)
    if len(offsets) != len(template.breaks):
        problems.append(f"{where}: {len(offsets)} breaks, the template has {len(template.breaks)}.")
    for offset, brk in zip(offsets, template.breaks):
        if not brk.window_start <= offset <= brk.window_end:
            problems.append(f"{where}: a break {offset} minutes after the start is outside its window {brk.text()}.")
    return problems


def _add(target: np.ndarray, first: int, length: int, count: int, cyclic: bool) -> None:
    span = np.arange(first, first + length)
    if cyclic:
        np.add.at(target, span % len(target), count)
    else:
        span = span[(span >= 0) & (span < len(target))]
        target[span] += count


def _shift_cost(site: Site, template: ShiftTemplate, begin: dt.datetime, zone: ZoneInfo, holidays: dict) -> float:
    """Currency for one shift: paid hours (x holiday premium on a local public holiday) + night premium."""
    local = begin.astimezone(zone)
    if site.holiday_country and local.year not in holidays.setdefault(site.site, {}):
        holidays[site.site][local.year] = country_holidays(site.holiday_country, [local.year])
    holiday = local.date() in holidays.get(site.site, {}).get(local.year, {})
    paid = template.paid_minutes / 60
    night_start, night_end = site.night_hours
    night = 0
    for m in range(0, template.length_minutes, 5):
        clock = (begin + dt.timedelta(minutes=m)).astimezone(zone)
        wall = clock.hour * 60 + clock.minute
        inside = night_start <= wall < night_end if night_start < night_end else (
            wall >= night_start or wall < night_end) if night_start != night_end else False
        night += 5 * inside
    return site.hourly_cost * (paid * (1 + site.holiday_premium * holiday) + site.night_premium * night / 60)


def _per_interval(queues: list[str], working: dict, breaks: dict, extra: dict, start: dt.datetime,
                  interval: int) -> pd.DataFrame:
    frames = []
    for q in queues:
        n = len(working[q]) // interval
        def mean(a: np.ndarray) -> np.ndarray:
            return a.reshape(n, interval).mean(axis=1)
        ds = [(start + dt.timedelta(minutes=i * interval)).strftime("%Y-%m-%dT%H:%M:%SZ") for i in range(n)]
        frames.append(pd.DataFrame({"queue": q, "ds": ds, "scheduled": mean(working[q] - breaks[q]),
                                    "on_break": mean(breaks[q]), "overtime": mean(extra[q])}))
    return pd.concat(frames, ignore_index=True)
