"""Local wall-time views of interval data, opening hours, and the daily -> interval split.

Customers call by their wall clock, so every shape here is indexed by local time: ``date`` is the
local calendar date (naive midnight), ``slot`` the interval start in minutes after local midnight,
``weekday`` Monday=0. ``ds`` stays the UTC interval start. DST days have 23 or 25 local hours: a
day's shares are renormalised over the slots that day really has, so its total is kept.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecasting.validation import InputError

DAILY = 1440  # minutes in a "daily" step
HOLIDAY_TYPE = 7  # day type of an open public holiday, next to weekdays 0..6
PROFILE_WEEKS = 8  # recent weeks a profile is learned from: long enough to average noise, short enough to follow change
OPEN_SHARE = 0.25  # a slot counts as open when it had contacts on at least this share of recent days


def local_midnight(dates: pd.DatetimeIndex | pd.Series, zone: str) -> pd.DatetimeIndex:
    """UTC instant of each local date's midnight (midnight that DST skips becomes the first valid instant)."""
    index = pd.DatetimeIndex(dates)
    return index.tz_localize(zone, ambiguous=np.ones(len(index), dtype=bool), nonexistent="shift_forward").tz_convert("UTC")


def _add_local(frame: pd.DataFrame, zone: str) -> pd.DataFrame:
    wall = frame["ds"].dt.tz_convert(zone).dt.tz_localize(None)
    date = wall.dt.normalize()
    return frame.assign(date=date, weekday=date.dt.day_of_week,
                        slot=((wall - date).dt.total_seconds() // 60).astype(int))


def local_view(frame: pd.DataFrame, zone: str, step: int, source_step: int) -> pd.DataFrame:
    """Re-bin ``ds, y[, aht]`` (UTC) to ``step`` minutes aligned on local midnight.

    Returns ``ds, y, aht, date, weekday, slot`` sorted by ``ds``; ``aht`` (seconds) is the
    volume-weighted mean of the merged intervals, NaN where nothing was handled.
    """
    if step < source_step:
        label = "daily" if source_step == DAILY else f"{source_step}-minute"
        raise InputError(f"the history is {label}; it cannot be forecast at {step}-minute granularity.",
                         fix=f"choose a granularity of {label if source_step == DAILY else f'{source_step} minutes'} "
                             "or coarser.")
    aht = frame["aht"] if "aht" in frame else pd.Series(np.nan, index=frame.index)
    wall = frame["ds"].dt.tz_convert(zone).dt.tz_localize(None)
    if step == DAILY:
        start_wall = wall.dt.normalize()
        start = pd.Series(local_midnight(start_wall, zone), index=frame.index)
    else:
        # The offset of each row carries over to its bin, so a repeated DST hour keeps two bins.
        offset = wall - frame["ds"].dt.tz_localize(None)
        start_wall = wall.dt.floor(f"{step}min")
        start = (start_wall - offset).dt.tz_localize("UTC")
    work = pd.DataFrame({"ds": start, "y": frame["y"].to_numpy(float),
                         "handled": (frame["y"] * aht).to_numpy(float), "has_aht": aht.notna().to_numpy()})
    binned = work.groupby("ds", sort=True).agg(y=("y", "sum"), handled=("handled", "sum"), has_aht=("has_aht", "any"))
    binned["aht"] = np.where(binned["has_aht"] & (binned["y"] > 0), binned["handled"] / binned["y"].where(binned["y"] > 0), np.nan)
    out = binned.reset_index()[["ds", "y", "aht"]]
    return _add_local(out, zone)


def future_grid(first: pd.Timestamp, days: int, zone: str, step: int) -> pd.DataFrame:
    """Every interval of ``days`` local dates from ``first``: ``ds`` (UTC), ``date``, ``weekday``, ``slot``."""
    dates = pd.date_range(pd.Timestamp(first).normalize(), periods=days + 1, freq="D")
    if step == DAILY:
        grid = pd.DataFrame({"ds": local_midnight(dates[:-1], zone)})
    else:
        bounds = local_midnight(dates[[0, -1]], zone)
        grid = pd.DataFrame({"ds": pd.date_range(bounds[0], bounds[1], freq=f"{step}min", inclusive="left")})
    return _add_local(grid, zone)


@dataclass(frozen=True)
class OpeningHours:
    """Open slots per weekday (Monday=0 -> set of slot minutes) at a step of ``step`` minutes."""

    step: int
    slots: dict[int, frozenset[int]]

    @classmethod
    def declared(cls, spans: dict[int, tuple[int, int] | None], step: int) -> "OpeningHours":
        """From ``QueueConfig.open_spans()``; a slot is open if any of it lies in the span."""
        starts = np.arange(0, DAILY, min(step, DAILY))
        out = {}
        for weekday, span in spans.items():
            if span is None:
                out[weekday] = frozenset()
            elif step == DAILY:
                out[weekday] = frozenset({0})
            else:
                out[weekday] = frozenset(int(s) for s in starts if s < span[1] and s + step > span[0])
        return cls(step, out)

    @classmethod
    def infer(cls, view: pd.DataFrame, step: int, skip_dates: set[pd.Timestamp], weeks: int = PROFILE_WEEKS
              ) -> "OpeningHours":
        """Slots with contacts on at least a quarter of the recent same weekdays (holidays left out).

        A quarter, not "ever", so a stray contact logged at night does not open the night, and a
        quiet but staffed hour (a few contacts most days) still counts as open.
        """
        recent = view[(view["date"] > view["date"].max() - pd.Timedelta(weeks=weeks)) & ~view["date"].isin(skip_dates)]
        days_per_weekday = recent.groupby("weekday")["date"].nunique()
        busy = recent[recent["y"] > 0].groupby(["weekday", "slot"])["date"].nunique()
        out = {}
        for weekday in range(7):
            if weekday not in days_per_weekday.index or weekday not in busy.index.get_level_values(0):
                out[weekday] = frozenset()
                continue
            share = busy.loc[weekday] / days_per_weekday.loc[weekday]
            out[weekday] = frozenset(int(s) for s in share[share >= OPEN_SHARE].index)
        return cls(step, out)

    def open_weekdays(self) -> set[int]:
        return {w for w, s in self.slots.items() if s}

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        """Boolean per row of a frame with ``weekday`` and ``slot``: is the queue open then?"""
        keys = set((w, s) for w, slots in self.slots.items() for s in slots)
        return np.fromiter(((w, s) in keys for w, s in zip(frame["weekday"], frame["slot"])), bool, len(frame))

    def describe(self) -> str:
        """``Mon 08:00-20:00, ..., Sun closed`` (first open slot to end of last open slot)."""
        names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
        parts = []
        for weekday, name in enumerate(names):
            slots = sorted(self.slots.get(weekday, ()))
            if not slots:
                parts.append(f"{name} closed")
            elif self.step == DAILY:
                parts.append(f"{name} open")
            else:
                end = slots[-1] + self.step
                parts.append(f"{name} {slots[0] // 60:02d}:{slots[0] % 60:02d}-{end // 60:02d}:{end % 60:02d}")
        return ", ".join(parts)


def day_types(dates: pd.Series, holidays: set[pd.Timestamp]) -> np.ndarray:
    """Weekday 0..6 per date, or :data:`HOLIDAY_TYPE` for a public holiday."""
    return np.where(dates.isin(holidays), HOLIDAY_TYPE, dates.dt.day_of_week)


@dataclass
class Profiles:
    """Share of a day's contacts per local slot, per day type (weekdays, and open holidays).

    ``fit`` learns from the last :data:`PROFILE_WEEKS` weeks of clean days (no holiday, event or
    outage); the holiday shape from every open holiday in the history. ``shares`` splits a
    forecast day over the open slots that day really has, so a day's shares sum to 1.
    """

    shapes: dict[int, pd.Series] = field(default_factory=dict)  # day type -> share per slot

    def fit(self, view: pd.DataFrame, hours: OpeningHours, skip_dates: set[pd.Timestamp],
            holidays: set[pd.Timestamp], groups: list[set[int]] = ()) -> "Profiles":
        """Learn the shapes; weekdays in one of ``groups`` (e.g. Monday-Friday) are shrunk towards their
        pooled shape as far as their differences look like sampling noise (empirical Bayes)."""
        clean = view[~view["date"].isin(skip_dates | holidays)]
        recent = clean[clean["date"] > clean["date"].max() - pd.Timedelta(weeks=PROFILE_WEEKS)]
        volume = {}
        for weekday in hours.open_weekdays():
            rows = recent[recent["weekday"] == weekday]
            if rows["y"].sum() <= 0:  # too few recent days of this weekday: take all history
                rows = clean[clean["weekday"] == weekday]
            self.shapes[weekday] = _shape(rows)
            volume[weekday] = float(rows["y"].sum())
        for group in groups:
            self._shrink([w for w in group if volume.get(w, 0) > 0], volume)
        open_holidays = view[view["date"].isin(holidays)]
        if open_holidays["y"].sum() > 0:
            self.shapes[HOLIDAY_TYPE] = _shape(open_holidays)
        return self

    def _shrink(self, members: list[int], volume: dict[int, float]) -> None:
        if len(members) < 2:
            return
        table = pd.DataFrame({w: self.shapes[w] for w in members}).fillna(0.0)
        weights = np.array([volume[w] for w in members])
        pool = table.to_numpy() @ weights / weights.sum()
        for i, weekday in enumerate(members):
            own = table[weekday].to_numpy()
            noise = float(np.mean(pool / volume[weekday]))  # multinomial variance of a share: p / N
            between = max(float(np.mean((own - pool) ** 2)) - noise, 0.0)
            weight = noise / (noise + between) if noise + between > 0 else 0.0
            mixed = np.where(own > 0, (1 - weight) * own + weight * pool, 0.0)  # keep the weekday's own hours
            self.shapes[weekday] = pd.Series(mixed / mixed.sum(), index=table.index)

    def shares(self, grid: pd.DataFrame, types: np.ndarray, open_mask: np.ndarray) -> np.ndarray:
        """Share of its day's total for each grid row; 0 where closed. Rows of a day sum to 1 (or 0 if closed)."""
        raw = np.zeros(len(grid))
        slots = grid["slot"].to_numpy()
        for day_type in np.unique(types):
            rows = types == day_type
            shape = self.shapes.get(int(day_type))
            if shape is None:  # an open holiday with no past holiday to learn from looks like its weekday
                fallback = grid.loc[rows, "weekday"].to_numpy()
                raw[rows] = [self.shapes.get(int(w), pd.Series(dtype=float)).get(s, 0.0)
                             for w, s in zip(fallback, slots[rows])]
            else:
                raw[rows] = shape.reindex(slots[rows]).fillna(0.0).to_numpy()
        raw = np.where(open_mask, raw, 0.0)
        # Open slots no recent day used (new hours) get a small even share rather than nothing.
        raw = np.where(open_mask & (raw <= 0), 1e-6, raw)
        return _normalise_by_day(raw, grid["date"].to_numpy())


def _shape(rows: pd.DataFrame) -> pd.Series:
    per_slot = rows.groupby("slot")["y"].sum()
    total = per_slot.sum()
    return per_slot / total if total > 0 else per_slot


def _normalise_by_day(values: np.ndarray, dates: np.ndarray) -> np.ndarray:
    totals = pd.Series(values).groupby(dates).transform("sum").to_numpy()
    return np.divide(values, totals, out=np.zeros_like(values), where=totals > 0)


@dataclass
class EventShapes:
    """How the first day of an event reshapes the day, per kind: a factor per local hour.

    Learned as actual / expected contacts per hour over the first days of past events of the
    kind, where expected = that day's total x the normal profile. A pseudo-count pulls hours with
    little evidence towards 1 (no change).
    """

    factors: dict[str, pd.Series] = field(default_factory=dict)  # kind -> factor per local hour (0..23)
    pseudo_count: float = 30.0  # contacts of evidence needed before an hour moves halfway

    def fit(self, view: pd.DataFrame, profiles: Profiles, hours: OpeningHours, day_zero: dict[pd.Timestamp, str],
            holidays: set[pd.Timestamp]) -> "EventShapes":
        if view["slot"].nunique() <= 1 or not day_zero:  # daily data has no intraday shape
            return self
        days = view[view["date"].isin(list(day_zero))].copy()
        if days.empty:
            return self
        types = day_types(days["date"], holidays)
        expected = profiles.shares(days, types, hours.mask(days)) * days.groupby("date")["y"].transform("sum").to_numpy()
        days = days.assign(kind=days["date"].map(day_zero), expected=expected, hour=days["slot"] // 60)
        sums = days.groupby(["kind", "hour"])[["y", "expected"]].sum()
        for kind, table in sums.groupby(level="kind"):
            table = table.droplevel("kind")
            self.factors[kind] = (table["y"] + self.pseudo_count) / (table["expected"] + self.pseudo_count)
        return self

    def apply(self, shares: np.ndarray, grid: pd.DataFrame, day_zero: dict[pd.Timestamp, str]) -> np.ndarray:
        """Reshape the shares of future first days of events whose kind has a learned shape."""
        kinds = grid["date"].map(day_zero)
        hit = kinds.isin(list(self.factors)).to_numpy()
        if not hit.any():
            return shares
        factor = np.ones(len(grid))
        for kind, table in self.factors.items():
            rows = (kinds == kind).to_numpy()
            factor[rows] = table.reindex(grid.loc[rows, "slot"].to_numpy() // 60).fillna(1.0).to_numpy()
        return _normalise_by_day(shares * factor, grid["date"].to_numpy())
