"""Seeded generator of the bundled sample: two years of 15-minute contact history for four queues.

    python -m data.generate [--end 2026-11-15] [--years 2] [--seed 20261115] [--out data]

Writes ``history.csv.gz`` (``queue, ds, y, aht``; ``ds`` UTC with offset, ``aht`` seconds, blank
when no contacts) and ``events.csv`` (the events contract of ARCHITECTURE.md). The queue
configuration it follows is ``data/queues.csv``.

How a day's volume is built, per queue, in the queue's local time (customers call by their wall clock):
expected daily volume = base x trend x weekday factor x yearly cycle x holiday effect x day noise,
spread over the open intervals by an intraday profile (weekday, Saturday and Sunday shapes differ
by region), plus the extra contacts of launches and campaigns, which arrive after the event's
local start time and decay over the following days. Counts are Poisson around that mean.
Handle times vary by hour, weekday and after launches; the reported AHT of an interval is the
mean of its contacts' handle times (gamma, coefficient of variation 0.8).
"""
from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from forecasting.calendar import country_holidays
from forecasting.queues import QueueConfig, load_queues

DATA_DIR = Path(__file__).resolve().parent
DEFAULT_END = dt.date(2026, 11, 15)  # fixed so that regenerating reproduces the committed files
DEFAULT_SEED = 20261115
INTERVAL_MINUTES = 15
HANDLE_CV = 0.8


@dataclass(frozen=True)
class Shape:
    """Volume and handle-time shape of one queue. Peaks are (local hour, width in hours, weight)."""

    base_daily: float  # contacts per average weekday at the start of the history
    growth_per_year: float  # 0.12 = +12% a year
    weekday_factor: tuple[float, ...]  # Monday..Sunday
    weekday_peaks: tuple[tuple[float, float, float], ...]
    saturday_peaks: tuple[tuple[float, float, float], ...]
    sunday_peaks: tuple[tuple[float, float, float], ...]
    floor: float  # share of the peak that arrives even in quiet hours
    aht_seconds: float
    holiday_factor: float  # volume on a public holiday (0 = closed)
    catch_up: float  # extra volume on the first open day after a holiday or closure
    night_aht_uplift: float = 0.15


SHAPES: dict[str, Shape] = {
    "uk_phone": Shape(2300, 0.10, (1.22, 1.06, 1.0, 0.97, 0.93, 0.52, 0.0),
                      ((10.0, 1.3, 1.0), (14.0, 1.6, 0.8), (18.5, 1.0, 0.25)),
                      ((11.0, 2.0, 1.0),), ((12.0, 2.0, 1.0),), 0.05, 330, 0.0, 0.27),
    "uk_chat": Shape(950, 0.22, (1.10, 1.02, 1.0, 0.98, 0.92, 0.72, 0.66),
                     ((12.5, 2.0, 1.0), (20.0, 1.6, 0.9)),
                     ((14.0, 3.0, 1.0), (20.5, 1.2, 0.5)), ((15.0, 3.0, 1.0), (20.5, 1.2, 0.6)), 0.08, 560, 0.55, 0.15),
    "us_phone": Shape(3100, 0.12, (1.16, 1.05, 1.0, 1.0, 0.95, 0.62, 0.48),
                      ((10.5, 1.5, 1.0), (15.0, 2.0, 0.85), (20.0, 1.5, 0.3)),
                      ((12.0, 2.5, 1.0), (17.0, 2.0, 0.5)), ((13.0, 3.0, 1.0),), 0.015, 390, 0.45, 0.22),
    "email": Shape(620, 0.08, (1.15, 1.05, 1.0, 1.0, 0.95, 0.55, 0.50),
                   ((10.0, 2.5, 1.0), (15.0, 2.5, 0.8), (21.0, 2.0, 0.35)),
                   ((12.0, 4.0, 1.0),), ((14.0, 4.0, 1.0), (21.0, 2.0, 0.6)), 0.10, 420, 0.6, 0.20),
}


@dataclass(frozen=True)
class Event:
    name: str
    kind: str
    start: str  # local wall clock, each queue's own zone
    end: str
    queues: tuple[str, ...]
    true_lift: float  # extra volume on the first day, as a fraction of that day's base
    lift: float | None = None  # what the planner typed (future events of a new kind only)
    decay_days: float | None = None


UK = ("uk_phone", "uk_chat", "email")
ALL = ("uk_phone", "uk_chat", "us_phone", "email")
EVENTS: tuple[Event, ...] = (
    Event("Launch: Smart Plan 2.0", "launch", "2025-02-11 09:00", "2025-02-17", UK, 0.45),
    Event("Launch: US Premium tier", "launch", "2025-05-20 09:00", "2025-05-26", ("us_phone", "email"), 0.50),
    Event("Launch: App v5", "launch", "2025-09-09 09:00", "2025-09-15", ALL, 0.35),
    Event("Launch: Fibre Max", "launch", "2026-03-17 09:00", "2026-03-23", ("uk_phone", "uk_chat"), 0.55),
    Event("Launch: US Family bundle", "launch", "2026-06-23 09:00", "2026-06-29", ("us_phone",), 0.40),
    Event("Campaign: January sale email", "campaign", "2025-01-14 10:00", "2025-01-16", UK, 0.30),
    Event("Campaign: Spring offer", "campaign", "2025-04-08 10:00", "2025-04-10", ALL, 0.25),
    Event("Campaign: Summer SMS", "campaign", "2025-07-02 10:00", "2025-07-04", ("uk_chat",), 0.40),
    Event("Campaign: Loyalty rewards email", "campaign", "2025-10-07 10:00", "2025-10-09", ("uk_phone", "email"), 0.30),
    Event("Campaign: Black Friday email", "campaign", "2025-11-28 10:00", "2025-11-30", ALL, 0.45),
    Event("Campaign: January sale email", "campaign", "2026-01-13 10:00", "2026-01-15", UK, 0.30),
    Event("Campaign: Spring offer US", "campaign", "2026-04-14 10:00", "2026-04-16", ("us_phone", "email"), 0.25),
    Event("Campaign: Autumn upgrade email", "campaign", "2026-09-15 10:00", "2026-09-17", ALL, 0.30),
    Event("Outage: telephony platform", "outage", "2025-06-03 10:00", "2025-06-03 14:00", ("uk_phone", "uk_chat"), -0.9),
    # The future: a known kind (learned effect) twice, and a new kind with the planner's typed lift.
    Event("Launch: Smart Plan 3.0", "launch", "2026-12-08 09:00", "2026-12-14", UK, 0.45),
    Event("Campaign: January sale email", "campaign", "2027-01-12 10:00", "2027-01-14", UK, 0.30),
    Event("Price change letters", "other", "2027-01-20", "2027-01-26", ("uk_phone", "email"), 0.25, 0.25, 5),
)

# How an event's extra volume spreads: over days (e-folding time in days) and, on the first day,
# after its start time (e-folding time in hours).
DAY_DECAY = {"launch": 3.0, "campaign": 1.1, "other": 2.5}
HOUR_DECAY = {"launch": 6.0, "campaign": 2.0, "other": 8.0}


@dataclass
class Sample:
    history: pd.DataFrame
    events: pd.DataFrame
    truth: dict = field(default_factory=dict)  # per-queue expected volumes, for tests


def _profile(minutes: np.ndarray, peaks: tuple[tuple[float, float, float], ...], floor: float) -> np.ndarray:
    hours = (minutes + INTERVAL_MINUTES / 2) / 60.0
    bump = sum(w * np.exp(-0.5 * ((hours - h) / s) ** 2) for h, s, w in peaks)
    return floor + bump


def _yearly(day_of_year: np.ndarray) -> np.ndarray:
    """Busiest in January (bills, sales), a lull in the August holidays, a rise when September starts."""
    angle = 2 * np.pi * (day_of_year - 15) / 365.25
    bump = lambda centre, width: np.exp(-0.5 * ((day_of_year - centre) / width) ** 2)  # noqa: E731
    return 1 + 0.14 * np.cos(angle) - 0.06 * bump(222, 12) + 0.06 * bump(255, 15)


def _local_grid(config: QueueConfig, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Every 15-minute UTC interval whose local start lies in the queue's regular opening hours."""
    zone = config.timezone
    first = pd.Timestamp(start).tz_localize(zone)
    last = pd.Timestamp(end + dt.timedelta(days=1)).tz_localize(zone)
    utc = pd.date_range(first.tz_convert("UTC"), last.tz_convert("UTC"), freq=f"{INTERVAL_MINUTES}min",
                        inclusive="left")
    local = utc.tz_convert(zone)
    grid = pd.DataFrame({
        "ds": utc,
        "date": local.tz_localize(None).normalize(),
        "weekday": local.day_of_week,
        "minute": local.hour * 60 + local.minute,
    })
    spans = config.open_spans()
    open_mask = np.zeros(len(grid), dtype=bool)
    for weekday, span in spans.items():
        if span is not None:
            open_mask |= (grid["weekday"].to_numpy() == weekday) & (grid["minute"].to_numpy() >= span[0]) & (
                grid["minute"].to_numpy() < span[1])
    return grid[open_mask].reset_index(drop=True)


def _daily_factors(config: QueueConfig, shape: Shape, days: pd.DatetimeIndex, rng: np.random.Generator
                   ) -> tuple[pd.Series, pd.Series]:
    """Expected volume per local date, and a flag for public holidays."""
    years = range(days[0].year, days[-1].year + 2)
    hols = {pd.Timestamp(d) for d in country_holidays(config.country, years)}
    is_holiday = pd.Series([d in hols for d in days], index=days)
    t_years = (days - days[0]).days.to_numpy() / 365.25
    weekday = np.asarray(shape.weekday_factor)[days.day_of_week]
    level = shape.base_daily * (1 + shape.growth_per_year) ** t_years * weekday * _yearly(days.day_of_year.to_numpy())
    # The festive fortnight is quiet beyond its two bank holidays.
    festive = ((days.month == 12) & (days.day >= 24)) | ((days.month == 1) & (days.day == 1))
    level = level * np.where(festive, 0.75, 1.0)
    level = level * np.where(is_holiday, shape.holiday_factor, 1.0)
    # Demand a closure or a holiday held back arrives on the next open days.
    open_day = level > 0
    after = np.zeros(len(days))
    for i in range(1, len(days)):
        if open_day[i] and (is_holiday.iloc[i - 1] or not open_day[i - 1] and is_holiday.iloc[max(i - 2, 0)]):
            after[i] = shape.catch_up
            if i + 1 < len(days):
                after[i + 1] = max(after[i + 1], shape.catch_up / 3)
    level = level * (1 + after)
    noise = rng.lognormal(mean=-0.5 * 0.05 ** 2, sigma=0.05, size=len(days))
    return pd.Series(level * noise, index=days), is_holiday


def _event_extra(grid: pd.DataFrame, daily: pd.Series, profile: np.ndarray, queue: str) -> tuple[np.ndarray, np.ndarray]:
    """Extra expected contacts per interval from launches and campaigns, and the AHT uplift they bring."""
    extra = np.zeros(len(grid))
    aht_uplift = np.zeros(len(grid))
    dates = grid["date"].to_numpy()
    minute = grid["minute"].to_numpy()
    for event in EVENTS:
        if queue not in event.queues or event.kind not in DAY_DECAY:
            continue
        start = pd.Timestamp(event.start)
        start_minute = start.hour * 60 + start.minute
        for offset in range(-1, 14):
            day = start.normalize() + pd.Timedelta(days=offset)
            mask = dates == day.to_datetime64()
            if not mask.any() or day not in daily.index:
                continue
            weights = profile[mask].copy()
            if offset == -1:  # teasers the day before bring a small lead-in
                share = 0.06 * event.true_lift
            else:
                share = event.true_lift * np.exp(-offset / DAY_DECAY[event.kind])
                if offset == 0:  # nobody reacts before the email lands or the product is out
                    hours_after = (minute[mask] - start_minute) / 60.0
                    weights = np.where(hours_after >= 0, weights * (1 + 3 * np.exp(-hours_after / HOUR_DECAY[event.kind])), 0)
            if weights.sum() <= 0:
                continue
            extra[mask] += daily[day] * share * weights / weights.sum()
            if event.kind == "launch" and offset >= 0:
                aht_uplift[mask] = np.maximum(aht_uplift[mask], 0.12 * np.exp(-offset / 5))
    return extra, aht_uplift


def _outage(grid: pd.DataFrame, queue: str) -> np.ndarray:
    """Multiplier on volume: a telephony outage loses most contacts, then some call back."""
    factor = np.ones(len(grid))
    local = grid["date"] + pd.to_timedelta(grid["minute"], unit="min")
    for event in EVENTS:
        if event.kind != "outage" or queue not in event.queues:
            continue
        start, end = pd.Timestamp(event.start), pd.Timestamp(event.end)
        factor[((local >= start) & (local < end)).to_numpy()] = 1 + event.true_lift
        after = ((local >= end) & (local < end + pd.Timedelta(hours=3))).to_numpy()
        factor[after] = 1.35
    return factor


def generate_queue(config: QueueConfig, start: dt.date, end: dt.date, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """History of one queue: (``queue, ds, y, aht`` frame, expected volume per row)."""
    shape = SHAPES[config.queue]
    grid = _local_grid(config, start, end)
    days = pd.date_range(start, end, freq="D")
    daily, is_holiday = _daily_factors(config, shape, days, rng)

    weekday = grid["weekday"].to_numpy()
    minute = grid["minute"].to_numpy()
    holiday_row = is_holiday.reindex(grid["date"]).to_numpy()
    profile = np.where(
        (weekday == 5) | holiday_row, _profile(minute, shape.saturday_peaks, shape.floor),
        np.where(weekday == 6, _profile(minute, shape.sunday_peaks, shape.floor),
                 _profile(minute, shape.weekday_peaks, shape.floor)))
    # Normalising per local date keeps a day's total on 23- and 25-hour days.
    day_total = pd.Series(profile).groupby(grid["date"].to_numpy()).transform("sum").to_numpy()
    expected = daily.reindex(grid["date"]).to_numpy() * profile / day_total
    extra, aht_uplift = _event_extra(grid, daily, profile, config.queue)
    expected = (expected + extra) * _outage(grid, config.queue)
    y = rng.poisson(expected)

    hour = minute / 60.0
    night = (hour < 7) | (hour >= 21)
    mean_aht = shape.aht_seconds * (1 + shape.night_aht_uplift * night - 0.05 * np.cos(2 * np.pi * (hour - 13) / 24)) * (
        1 + 0.05 * (weekday >= 5)) * (1 + aht_uplift)
    k = 1 / HANDLE_CV ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        aht = np.where(y > 0, rng.gamma(np.maximum(y, 1) * k, mean_aht / (np.maximum(y, 1) * k)), np.nan)
    frame = pd.DataFrame({"queue": config.queue, "ds": grid["ds"], "y": y, "aht": np.round(aht, 1)})
    return frame, expected


def events_frame() -> pd.DataFrame:
    """The events file: the contract's columns, ``lift`` only where the planner must type it."""
    return pd.DataFrame([{
        "name": e.name, "kind": e.kind, "start": e.start, "end": e.end, "queues": ";".join(e.queues),
        "lift": "" if e.lift is None else e.lift, "decay_days": "" if e.decay_days is None else e.decay_days,
    } for e in EVENTS])


def generate(end: dt.date = DEFAULT_END, years: int = 2, seed: int = DEFAULT_SEED,
             queues_file: Path = DATA_DIR / "queues.csv") -> Sample:
    """Build the sample in memory; same arguments, same output."""
    start = dt.date(end.year - years, end.month, end.day) + dt.timedelta(days=1)
    rng = np.random.default_rng(seed)
    frames, truth = [], {}
    for name, config in load_queues(queues_file).items():
        frame, expected = generate_queue(config, start, end, rng)
        frames.append(frame)
        truth[name] = expected
    return Sample(pd.concat(frames, ignore_index=True), events_frame(), truth)


def write(sample: Sample, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    history = sample.history.assign(ds=sample.history["ds"].dt.strftime("%Y-%m-%d %H:%M:%S+00:00"))
    paths = [out / "history.csv.gz", out / "events.csv"]
    # mtime=0 keeps the gzip bytes identical between runs, so regenerating shows no diff.
    history.to_csv(paths[0], index=False, compression={"method": "gzip", "mtime": 0})
    sample.events.to_csv(paths[1], index=False)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--end", type=dt.date.fromisoformat, default=DEFAULT_END, help="last day of history (local)")
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    args = parser.parse_args(argv)
    sample = generate(args.end, args.years, args.seed)
    for path in write(sample, args.out):
        print(f"wrote {path}")
    totals = sample.history.groupby("queue")["y"].agg(["count", "sum"])
    print(totals.rename(columns={"count": "intervals", "sum": "contacts"}).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
