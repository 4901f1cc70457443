"""Candidate shifts on one absolute UTC timeline.

A shift is generated in its site's local time and then placed on the timeline of 15-minute slots
that starts at the planning horizon's first instant (UTC). So a 09:00 start stays 09:00 local across a
DST change, the spring-forward day has no 02:00-02:45 starts (those wall times do not exist), and on the
fall-back day each repeated wall time gives one start, at its *first* occurrence (summer time): a plan
row reading ``01:30`` is then never ambiguous, and the checker reads it the same way.

In a cyclic week (the default) a shift running past the horizon's end wraps round to its beginning, so
Sunday's night shifts cover Monday's early hours; in an open horizon what runs past the end is not
counted. Every shift belongs to the local day it starts on; that day decides the weekly tour.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.calendar import country_holidays
from scheduling.sites import QUANTUM, Requirements, ShiftTemplate, Site

SLOT = pd.Timedelta(minutes=QUANTUM)
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Timeline:
    """``slots`` 15-minute slots from ``start`` (UTC). ``cyclic``: the last slot is followed by the first."""

    start: pd.Timestamp
    slots: int
    cyclic: bool = True

    @property
    def days(self) -> int:
        """Whole days in the horizon (a week = 7)."""
        return self.slots * QUANTUM // (24 * 60)

    @property
    def weeks(self) -> int:
        """Whole weeks in the horizon; 0 when the horizon is not a whole number of weeks (no tours then)."""
        return self.days // 7 if self.days % 7 == 0 and self.slots * QUANTUM % (24 * 60) == 0 else 0

    def times(self, slots: np.ndarray | int) -> pd.DatetimeIndex:
        """UTC start of (unwrapped) slot numbers."""
        return self.start + pd.to_timedelta(np.atleast_1d(slots) * QUANTUM, unit="min")

    @classmethod
    def for_requirements(cls, requirements: Requirements, *, cyclic: bool = True) -> "Timeline":
        return cls(requirements.start, int((requirements.end - requirements.start) / SLOT), cyclic)


@dataclass(frozen=True)
class BreakWindow:
    """A template's break in slots: starts ``first``..``last`` slots after the shift start, lasts ``length``."""

    length: int
    first: int
    last: int
    paid: bool


def break_windows(template: ShiftTemplate, *, flexible: bool = True) -> list[BreakWindow]:
    """The template's breaks in slots. ``flexible=False`` pins each break to its window's middle slot."""
    windows = []
    for brk in template.breaks:
        first, last = brk.window_start // QUANTUM, brk.window_end // QUANTUM
        if not flexible:
            first = last = (first + last) // 2
        windows.append(BreakWindow(brk.minutes // QUANTUM, first, last, brk.paid))
    return windows


def candidate_shifts(sites: dict[str, Site], templates: dict[str, ShiftTemplate], timeline: Timeline) -> pd.DataFrame:
    """Every (site, template, start) a plan may use, one row each, sorted by site, template and slot.

    Columns: ``site, template, date_local`` (date), ``start_local`` (minutes after local midnight),
    ``start_utc``, ``slot`` (start slot, 0..slots-1), ``length`` (slots), ``day`` (the local start day,
    0..days-1, counted from the local date of the horizon's start; wraps in a cyclic horizon), ``lap``
    (how many horizons the local date lies after the first: -1, 0 or 1, so ``slot - lap * slots`` puts
    a wrapped shift back beside the rest of its day),
    ``weekday`` (0 = Monday), ``holiday`` (bool), ``paid_hours``, ``night_hours``, ``cost``
    (currency per shift: paid hours x hourly cost, plus night and holiday premiums).
    """
    frames = []
    end = timeline.start + timeline.slots * SLOT
    for site in sites.values():
        zone = site.timezone
        first_date = timeline.start.tz_convert(zone).date()
        last_date = end.tz_convert(zone).date()
        dates = pd.date_range(first_date - dt.timedelta(days=1), last_date, freq="D")
        holidays = country_holidays(site.holiday_country, sorted({d.year for d in dates})) if site.holiday_country else {}
        night = _night_flags(site, timeline)
        for template in templates.values():
            if template.sites and site.site not in template.sites:
                continue
            minutes = np.arange(site.earliest_start, site.latest_start + 1, template.start_step_minutes)
            wall = (np.repeat(dates.values, len(minutes))
                    + np.tile(minutes.astype("timedelta64[m]"), len(dates)))
            local = pd.DatetimeIndex(wall)
            utc = _first_occurrence(local, zone)
            keep = ~utc.isna() & (utc >= timeline.start) & (utc < end)
            keep &= np.isin(local.day_of_week, template.allowed_days)
            local, utc = local[keep], utc[keep]
            if len(utc) == 0:
                continue
            slot = ((utc - timeline.start) // SLOT).to_numpy(dtype=np.int64)
            length = template.length_minutes // QUANTUM
            date_local = local.normalize()
            raw_day = (date_local - pd.Timestamp(first_date)).days.to_numpy()
            day = raw_day % max(timeline.days, 1)
            holiday = np.array([d.date() in holidays for d in date_local], dtype=bool)
            night_slots = np.cumsum(np.concatenate([[0], night]))
            night_hours = (night_slots[slot + length] - night_slots[slot]) * QUANTUM / 60
            paid_hours = template.paid_minutes / 60
            cost = site.hourly_cost * (paid_hours * (1 + site.holiday_premium * holiday) + site.night_premium * night_hours)
            frames.append(pd.DataFrame({
                "site": site.site, "template": template.template, "date_local": date_local.date,
                "start_local": (local.hour * 60 + local.minute).to_numpy(), "start_utc": utc, "slot": slot,
                "length": length, "day": day, "lap": raw_day // max(timeline.days, 1),
                "weekday": local.day_of_week.to_numpy(), "holiday": holiday,
                "paid_hours": paid_hours, "night_hours": night_hours, "cost": cost,
            }))
    columns = ["site", "template", "date_local", "start_local", "start_utc", "slot", "length", "day", "lap",
               "weekday", "holiday", "paid_hours", "night_hours", "cost"]
    if not frames:
        # Typed, so that code indexing with the (empty) slot columns still works: no site may start a shift.
        types = {"start_local": np.int64, "start_utc": "datetime64[ns, UTC]", "slot": np.int64, "length": np.int64,
                 "day": np.int64, "lap": np.int64, "weekday": np.int64, "holiday": bool, "paid_hours": float,
                 "night_hours": float, "cost": float}
        return pd.DataFrame({c: pd.Series(dtype=types.get(c, object)) for c in columns})
    return pd.concat(frames, ignore_index=True)[columns].sort_values(["site", "template", "slot"], ignore_index=True)


def _first_occurrence(local: pd.DatetimeIndex, zone: str) -> pd.DatetimeIndex:
    """UTC of local wall times: a repeated one at its first (earlier) occurrence, a missing one NaT.

    Taken as the earlier of the two readings rather than "the DST one", because some zones (Europe/Dublin)
    define winter time as the negative-DST offset."""
    flags = np.ones(len(local), dtype=bool)
    one = local.tz_localize(zone, ambiguous=flags, nonexistent="NaT").tz_convert("UTC")
    other = local.tz_localize(zone, ambiguous=~flags, nonexistent="NaT").tz_convert("UTC")
    return one.where(~(other < one), other)


def _night_flags(site: Site, timeline: Timeline) -> np.ndarray:
    """1 for each slot (horizon plus a day, unwrapped) whose local wall time is inside the site's night hours."""
    times = timeline.times(np.arange(timeline.slots + 24 * 60 // QUANTUM + 1)).tz_convert(site.timezone)
    minute = times.hour * 60 + times.minute
    begin, end = site.night_hours
    if begin == end:
        return np.zeros(len(times), dtype=np.int64)
    inside = (minute >= begin) & (minute < end) if begin < end else (minute >= begin) | (minute < end)
    return np.asarray(inside, dtype=np.int64)


def fold_into_weeks(requirements: Requirements) -> tuple[Requirements, str | None]:
    """Requirements that spill a few hours past whole weeks, folded onto a cyclic week (with a note).

    A week forecast in each queue's own time zone spans more than 7 UTC days when the queues sit in
    different zones (New York's week ends 5 hours after London's), so its UTC horizon is 8 days and
    weekly tours could not apply. When every queue's own span fits in the whole weeks (an hour of slack
    for a DST week), the rows past the end move back by the weeks' length: a cyclic plan repeats, so
    next Monday 02:00 UTC is this Monday 02:00 UTC. Rows that then meet keep the larger requirement.
    Anything else (a single day, a week and a half) is left as it is.
    """
    frame = requirements.frame
    span = requirements.end - requirements.start
    week = pd.Timedelta(days=7)
    if span % week == pd.Timedelta(0):
        return requirements, None
    interval = pd.Timedelta(minutes=requirements.interval_minutes)
    own = frame.groupby("queue")["ds"].agg(["min", "max"])
    longest = (own["max"] - own["min"] + interval).max()
    weeks = round(longest / week)
    length = weeks * week
    hour = pd.Timedelta(hours=1)
    if weeks == 0 or abs(longest - length) > hour or not length < span <= length + pd.Timedelta(days=1):
        return requirements, None
    offset = (frame["ds"] - requirements.start) % length
    folded = (frame.assign(ds=requirements.start + offset)
              .groupby(["queue", "ds"], as_index=False)[["scheduled", "scheduled_upper"]].max())
    moved = int((frame["ds"] >= requirements.start + length).sum())
    note = (f"The requirements span {span / pd.Timedelta(days=1):g} UTC days because the queues' weeks run in "
            f"different time zones; the {moved} interval(s) after {requirements.start + length:%a %d %b %H:%M} UTC "
            f"were folded onto the start of a cyclic {weeks * 7}-day plan (the plan repeats weekly).")
    return Requirements(folded, requirements.interval_minutes, requirements.start, requirements.start + length), note


def slot_requirements(requirements: Requirements, timeline: Timeline) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Queue -> (scheduled, scheduled_upper) agents per requirement interval, zero where no row was given."""
    per_interval = requirements.interval_minutes // QUANTUM
    intervals = timeline.slots // per_interval
    out = {}
    for queue, group in requirements.frame.groupby("queue", sort=True):
        index = ((group["ds"] - timeline.start) // (SLOT * per_interval)).to_numpy(dtype=np.int64)
        inside = (index >= 0) & (index < intervals)
        base, upper = np.zeros(intervals), np.zeros(intervals)
        base[index[inside]] = group["scheduled"].to_numpy()[inside]
        upper[index[inside]] = group["scheduled_upper"].to_numpy()[inside]
        out[str(queue)] = (base, upper)
    return out


def uncoverable(requirements: Requirements, timeline: Timeline, candidates: pd.DataFrame,
                sites: dict[str, Site]) -> list[str]:
    """Planner-words explanations of requirement intervals that no candidate shift can cover.

    One message per queue and run of consecutive such intervals, e.g. "Tuesday 03:00-05:00 UTC needs
    40 agents on queue chat_en but no site serving it (Dublin) may start shifts that cover those hours."
    """
    per_interval = requirements.interval_minutes // QUANTUM
    messages = []
    for queue, (base, upper) in slot_requirements(requirements, timeline).items():
        serving = [s for s, site in sites.items() if queue in site.queues]
        covered = np.zeros(timeline.slots + 1, dtype=np.int64)
        shifts = candidates[candidates["site"].isin(serving)]
        starts, ends = shifts["slot"].to_numpy(), (shifts["slot"] + shifts["length"]).to_numpy()
        if timeline.cyclic:
            wrapped = ends > timeline.slots
            np.add.at(covered, starts, 1)
            np.add.at(covered, np.minimum(ends, timeline.slots), -1)
            covered[0] += wrapped.sum()
            np.add.at(covered, ends[wrapped] - timeline.slots, -1)
        else:
            np.add.at(covered, starts, 1)
            np.add.at(covered, np.minimum(ends, timeline.slots), -1)
        slot_ok = np.cumsum(covered)[:-1] > 0
        interval_ok = slot_ok.reshape(-1, per_interval).all(axis=1)
        bad = (np.maximum(base, upper) > 0) & ~interval_ok
        for first, last in _runs(bad):
            begin = timeline.times(first * per_interval)[0]
            finish = timeline.times((last + 1) * per_interval)[0]
            need = float(np.max(np.maximum(base, upper)[first:last + 1]))
            # A run ending at midnight ends at 24:00 of its last day ("Friday 00:00-24:00", not "00:00-00:00").
            last_day = finish - pd.Timedelta(minutes=1)
            clock = "24:00" if finish == finish.normalize() else f"{finish:%H:%M}"
            messages.append(
                f"{WEEKDAY_NAMES[begin.weekday()]} {begin:%H:%M}-{clock} UTC"
                f"{'' if last_day.date() == begin.date() else f' (to {WEEKDAY_NAMES[last_day.weekday()]})'}"
                f" needs {need:g} agents on queue {queue} but no site serving it ({', '.join(serving)}) may start "
                "shifts that cover those hours. Widen a site's earliest/latest start, add a longer template, "
                "or let another site serve the queue.")
    return messages


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of True."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1))
