"""Prophet models of one queue's contact volume, fit/predict with state (scikit-learn style).

- :class:`DailyProphet`: contacts per local day: trend, weekly, yearly, holiday and event windows.
- :class:`DirectProphet`: contacts per local hour over recent weeks: a daily curve per weekday
  (conditional seasonalities) plus a level per weekday (Fourier terms average to zero over a day,
  so a short Friday needs its own level).
- :class:`QueueForecaster`: one queue's history in, the forecast contract out. ``top-down`` is the
  daily model times intraday profiles; ``direct`` the hourly model split to the granularity;
  ``auto`` picks per queue by rolling-origin WAPE. Bands come from the out-of-sample errors of
  the same backtest (see :func:`count_bands`).

Prophet rejects tz-aware ``ds``, and customers call by their wall clock: every model here sees
local wall time and local dates; results are turned back into UTC interval starts.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from statistics import NormalDist

import numpy as np
import pandas as pd
from prophet import Prophet

from forecasting.aht import AhtModel
from forecasting.backtest import cut, infer_step, origin_dates, rolling_origin, scores
from forecasting.events import EVENT_PREFIX, QueueCalendar, events_for_queue, years_between
from forecasting.intraday import (DAILY, EventShapes, OpeningHours, Profiles, day_types, future_grid,
                                  local_view)
from forecasting.validation import InputError

# Stan logs two lines per fit; with many queues and backtests they drown the progress output.
logging.getLogger("cmdstanpy").disabled = True
logging.getLogger("prophet").setLevel(logging.ERROR)
# L-BFGS often stops on "line search failed" at the optimum; Prophet would then refit with the much
# slower Newton. Accepting the L-BFGS result keeps fits under a second.
STAN_ARGS = {"require_converged": False}

METHODS = ("top-down", "direct")
GRANULARITIES = {"15min": 15, "30min": 30, "60min": 60, "daily": DAILY}
DIRECT_MODE = "multiplicative"  # the hourly curve scales with the day level: a busy Monday peaks higher
YEARLY_MIN_DAYS = 547  # 18 months: with less, a yearly curve is fitted to one season and extrapolates noise
YEARLY_ORDER = 10
MIN_TRAIN_DAYS = 14
QUIET_SHARE = 0.7  # a weekday under 70 % of the busiest one is weekend-like
LEVEL_DAYS = 7  # latest open days whose median residual (log) re-levels the daily forecast
LEVEL_DECAY_DAYS = 28  # e-folding time (days) of that correction over the horizon
DIRECT_WEEKS = 10  # the direct model sees recent weeks only: 2 years of hours is slow and the shape drifts
DIRECT_ORDER = 6
SELECTION_ORIGINS = 3  # weekly origins of the backtest that picks the method and calibrates the bands
SELECTION_MIN_DAYS = 28  # history a selection origin needs before it
FALLBACK_DISPERSION = 0.02  # ~14 % day-level error, used when the history is too short to measure it
MAX_HORIZON_DAYS = 731


@dataclass(frozen=True)
class QueueSettings:
    """What a forecast needs to know about a queue: time zone, holiday country, declared hours.

    ``open_spans`` is ``QueueConfig.open_spans()`` (weekday -> local minutes or None); None means
    infer the opening hours from the history.
    """

    queue: str
    timezone: str = "UTC"
    country: str = ""
    open_spans: dict[int, tuple[int, int] | None] | None = None

    @classmethod
    def from_config(cls, config) -> "QueueSettings":
        """From a :class:`forecasting.queues.QueueConfig` (its hours count as declared)."""
        return cls(config.queue, config.timezone, config.country, config.open_spans())


class DailyProphet:
    """Prophet of contacts per local date. ``fit(date, y)``; ``predict(dates)`` -> yhat and components.

    Fitted on log(contacts) with additive terms, so effects multiply: a -50 % Sunday in a -40 %
    season is 0.5 x 0.6 of the trend. (Prophet's own multiplicative mode adds the fractions,
    1 - 0.5 - 0.4, and sends quiet-season weekends towards zero.)
    Components: ``trend`` in contacts per day; ``weekly``, ``yearly``, ``holidays``, ``events`` as
    fractional effects (0.2 = +20 %); yhat = trend x product of (1 + effect).
    """

    def __init__(self, holidays: pd.DataFrame, *, yearly: bool) -> None:
        self.holidays = holidays
        self.yearly = yearly
        self.model: Prophet | None = None

    def fit(self, daily: pd.DataFrame) -> "DailyProphet":
        self.model = Prophet(
            yearly_seasonality=YEARLY_ORDER if self.yearly else False, weekly_seasonality=True,
            daily_seasonality=False, seasonality_mode="additive",
            holidays=self.holidays if len(self.holidays) else None, uncertainty_samples=0)
        frame = pd.DataFrame({"ds": daily["date"], "y": np.log(daily["y"].to_numpy(float))})
        self.model.fit(frame, **STAN_ARGS)
        # Where the latest days sit against the fit: a smooth trend lags a recent shift in level.
        recent = frame.tail(LEVEL_DAYS)
        self.level = float(np.median(recent["y"] - self.model.predict(recent[["ds"]])["yhat"].to_numpy()))
        self.last = frame["ds"].max()
        return self

    def predict(self, dates: pd.DatetimeIndex) -> pd.DataFrame:
        out = self.model.predict(pd.DataFrame({"ds": dates}))
        events = _event_columns(out)
        ahead = (pd.DatetimeIndex(dates) - self.last).days.to_numpy()
        level = self.level * np.exp(-ahead / LEVEL_DECAY_DAYS)  # the recent offset fades over the horizon
        result = pd.DataFrame({"date": out["ds"], "yhat": np.exp(out["yhat"] + level),
                               "trend": np.exp(out["trend"] + level)})
        for name in ("weekly", "yearly"):
            result[name] = np.expm1(out[name]) if name in out else 0.0
        event_sum = out[events].sum(axis=1) if events else 0.0
        result["events"] = np.expm1(event_sum)
        result["holidays"] = np.expm1((out["holidays"] if "holidays" in out else 0.0) - event_sum)
        return result


def _event_columns(out: pd.DataFrame) -> list[str]:
    return [c for c in out.columns if c.startswith(EVENT_PREFIX) and not c.endswith(("_lower", "_upper"))]


def _components(out: pd.DataFrame) -> pd.DataFrame:
    """Prophet output (multiplicative mode) -> ds, yhat, trend and the effect groups the page charts."""
    events = _event_columns(out)
    result = pd.DataFrame({"ds": out["ds"], "yhat": out["yhat"].clip(lower=0), "trend": out["trend"]})
    for name in ("weekly", "yearly"):
        result[name] = out[name] if name in out else 0.0
    result["events"] = out[events].sum(axis=1) if events else 0.0
    result["holidays"] = (out["holidays"] if "holidays" in out else 0.0) - result["events"]
    return result


class DirectProphet:
    """Prophet on local hours: trend, a daily curve per weekday, a level per weekday, holiday and event days.

    ``fit(frame)`` with ``ds`` (local naive hour start), ``y``, ``weekday``; ``predict(frame)`` -> yhat per row.
    """

    def __init__(self, holidays: pd.DataFrame, weekdays: set[int], *, mode: str = DIRECT_MODE) -> None:
        self.holidays = holidays
        self.weekdays = sorted(weekdays)
        self.mode = mode
        self.model: Prophet | None = None

    def _features(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = frame[["ds"]].copy()
        for day in self.weekdays:
            out[f"on_{day}"] = frame["weekday"].to_numpy() == day
        for day in self.weekdays[1:]:  # the first open weekday is the reference level
            out[f"level_{day}"] = (frame["weekday"].to_numpy() == day).astype(float)
        return out

    def fit(self, frame: pd.DataFrame) -> "DirectProphet":
        model = Prophet(yearly_seasonality=False, weekly_seasonality=False, daily_seasonality=False,
                        seasonality_mode=self.mode, holidays=self.holidays if len(self.holidays) else None,
                        n_changepoints=5, uncertainty_samples=0)
        for day in self.weekdays:
            model.add_seasonality(f"daily_{day}", period=1, fourier_order=DIRECT_ORDER, condition_name=f"on_{day}")
        for day in self.weekdays[1:]:
            model.add_regressor(f"level_{day}", standardize=False)
        self.model = model.fit(self._features(frame).assign(y=frame["y"].to_numpy()), **STAN_ARGS)
        return self

    def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = self.model.predict(self._features(frame))
        comp = _components(out)
        shape = [c for c in out.columns if c.startswith(("daily_", "level_")) and not c.endswith(("_lower", "_upper"))]
        comp["weekly"] = out[shape].sum(axis=1).to_numpy() if shape else 0.0
        return comp


@dataclass
class _MeanModel:
    """Expected contacts per interval for one method: everything but the bands and AHT."""

    settings: QueueSettings
    events: pd.DataFrame
    step: int
    method: str
    notes: list[str] = field(default_factory=list)

    def fit(self, history: pd.DataFrame, source_step: int, train_end: pd.Timestamp | None = None) -> "_MeanModel":
        zone = self.settings.timezone
        view = local_view(history, zone, self.step, source_step)
        self.train_end = train_end if train_end is not None else view["date"].max() + pd.Timedelta(days=1)
        first = view["date"].min()
        base = QueueCalendar.build(self.settings.country, years_between(first, self.train_end + pd.Timedelta(
            days=MAX_HORIZON_DAYS)), self.events, set())
        outages = base.outage_days()
        self.hours = (OpeningHours.declared(self.settings.open_spans, self.step) if self.settings.open_spans
                      else OpeningHours.infer(view, self.step, set(base.holidays) | outages))
        daily = view.groupby("date")["y"].sum()
        self.calendar = replace(base, open_weekdays=frozenset(self.hours.open_weekdays()),
                                quiet_weekdays=_quiet_weekdays(daily, self.hours.open_weekdays(), set(base.holidays)))
        self._learn_closures(daily)
        event_days = self.event_days()
        frame = self.calendar.prophet_frame(first, self.train_end)
        train = daily[_complete_days(view) & ~daily.index.isin(outages | self.calendar.unmodelled_days(frame))
                      & (daily > 0) & ~np.asarray([self.closed(d) for d in daily.index])]
        if len(train) < MIN_TRAIN_DAYS:
            raise InputError(f"queue '{self.settings.queue}' has {len(train)} open days with contacts before "
                             f"{self.train_end:%Y-%m-%d}; a forecast needs at least {MIN_TRAIN_DAYS}.",
                             fix="load a longer history, or move the training end later.")
        span = (train.index.max() - train.index.min()).days + 1
        self.yearly = span >= YEARLY_MIN_DAYS
        if not self.yearly:
            self.notes.append(f"{self.settings.queue}: the history covers {span} days (< {YEARLY_MIN_DAYS}, "
                              "18 months), too little to learn a yearly cycle: yearly seasonality is off and the "
                              "trend follows recent weeks.")
        self.open_holidays = {d for d in self.calendar.holidays if not self.closed(d)}
        quiet = self.calendar.quiet_weekdays
        busy = self.calendar.open_weekdays - quiet
        self.profiles = Profiles().fit(view, self.hours, event_days | outages, self.open_holidays, [busy, quiet])
        self.shapes = EventShapes().fit(view, self.profiles, self.hours, self.calendar.day_zero(),
                                        self.open_holidays)
        if self.method == "direct":
            hourly = local_view(history, zone, 60, source_step) if self.step < 60 else view
            hourly = hourly[hourly["date"] >= self.train_end - pd.Timedelta(weeks=DIRECT_WEEKS)]
            keep = self._hours_at().mask(hourly) & hourly["date"].isin(train.index).to_numpy()
            rows = hourly[keep]
            recent = self.calendar.prophet_frame(rows["date"].min(), self.train_end)
            self.direct = DirectProphet(recent, self.hours.open_weekdays()).fit(
                rows.assign(ds=rows["date"] + pd.to_timedelta(rows["slot"], unit="min")))
        else:
            self.daily_model = DailyProphet(frame, yearly=self.yearly).fit(train.rename("y").reset_index())
        return self

    def _hours_at(self) -> OpeningHours:
        """Open hours at 60 minutes: an hour is open if any of its slots is."""
        if self.step >= 60:
            return self.hours
        return OpeningHours(60, {w: frozenset(s // 60 * 60 for s in slots) for w, slots in self.hours.slots.items()})

    def _learn_closures(self, daily: pd.Series) -> None:
        """Which holidays close the queue: by name when seen (all past ones at zero), else by majority."""
        # A holiday missing from the history counts as zero: exports often leave closed days out.
        dates = sorted(d for d in self.calendar.holidays if daily.index.min() <= d <= daily.index.max()
                       and d.day_of_week in self.calendar.open_weekdays)
        seen = daily.reindex(dates).fillna(0.0)
        names = pd.Series([self.calendar.holidays[d] for d in seen.index], index=seen.index, dtype=object)
        zero = seen <= 0
        self.closed_names = set(names[zero].groupby(names[zero]).size().index) - set(names[~zero])
        self.closed_default = bool(zero.mean() >= 0.5) if len(zero) else False

    def closed(self, date: pd.Timestamp) -> bool:
        """Is the queue closed all day on this local date (closed weekday, or a holiday it closes on)?"""
        if date.day_of_week not in self.calendar.open_weekdays:
            return True
        name = self.calendar.holidays.get(date)
        if name is None:
            return False
        return name in self.closed_names or (self.closed_default and not self._seen_name(name))

    def _seen_name(self, name: str) -> bool:
        return any(self.calendar.holidays[d] == name for d in self.calendar.holidays if d < self.train_end)

    def event_days(self) -> set[pd.Timestamp]:
        """Days whose volume or shape an event moved (lead-in to end of decay): kept out of the profiles."""
        days = set()
        for event in self.calendar.lift_events().itertuples():
            days.update(pd.date_range(event.day - pd.Timedelta(days=1), periods=event.days + 2, freq="D"))
        return days

    def predict(self, days: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(interval frame ``ds, date, weekday, slot, yhat``; daily frame ``date, yhat`` + components)."""
        zone = self.settings.timezone
        dates = pd.date_range(self.train_end, periods=days, freq="D")
        closed = np.array([self.closed(d) for d in dates])
        typed, notes = self.calendar.typed_lifts(dates, self.train_end)
        self.notes.extend(notes)
        grid = future_grid(self.train_end, days, zone, self.step)
        open_mask = self.hours.mask(grid) & ~grid["date"].isin(dates[closed]).to_numpy()
        types = day_types(grid["date"], self.open_holidays)
        shares = self.profiles.shares(grid, types, open_mask)
        future_day_zero = {d: k for d, k in self.calendar.day_zero().items() if d >= self.train_end}
        if self.method == "direct":
            hourly = future_grid(self.train_end, days, zone, 60) if self.step < 60 else grid
            comp = self.direct.predict(hourly.assign(ds=hourly["date"] + pd.to_timedelta(hourly["slot"], unit="min")))
            per_hour = pd.Series(comp["yhat"].to_numpy(), index=hourly["ds"])
            hour_of_row = grid["ds"] - pd.to_timedelta(grid["slot"] % 60, unit="min")
            within = pd.Series(shares).groupby(hour_of_row.to_numpy()).transform("sum").to_numpy()
            part = np.divide(shares, within, out=np.zeros_like(shares), where=within > 0)
            raw = per_hour.reindex(hour_of_row).to_numpy() * part * open_mask
            day_total = pd.Series(raw).groupby(grid["date"].to_numpy()).sum().reindex(dates).fillna(0)
            shares = raw / np.maximum(day_total.reindex(grid["date"]).to_numpy(), 1e-12)
            daily = comp.assign(date=hourly["date"].to_numpy()).groupby("date").agg(
                trend=("trend", "sum"), weekly=("weekly", "mean"), yearly=("yearly", "mean"),
                holidays=("holidays", "mean"), events=("events", "mean")).reindex(dates).fillna(0.0)
            daily.insert(0, "yhat", day_total.to_numpy())
            daily = daily.rename_axis("date").reset_index()
        else:
            daily = self.daily_model.predict(dates)
        daily["planned_events"] = typed
        daily["yhat"] = np.where(closed, 0.0, daily["yhat"].to_numpy() * (1 + typed))
        daily["closed"] = closed
        shares = self.shapes.apply(shares, grid, future_day_zero)
        grid["yhat"] = shares * daily.set_index("date")["yhat"].reindex(grid["date"]).to_numpy()
        # Days with no open slot left cannot carry volume: keep the daily view equal to the interval sum.
        daily["yhat"] = grid.groupby("date")["yhat"].sum().reindex(dates).fillna(0.0).to_numpy()
        return grid, daily


def _quiet_weekdays(daily: pd.Series, open_weekdays: set[int], holidays: set[pd.Timestamp]) -> frozenset[int]:
    """Open weekdays whose median volume is under :data:`QUIET_SHARE` of the busiest weekday's (a weekend)."""
    usual = daily[(daily > 0) & ~daily.index.isin(list(holidays))]
    by_weekday = usual.groupby(usual.index.day_of_week).median().reindex(sorted(open_weekdays)).dropna()
    if by_weekday.empty:
        return frozenset()
    return frozenset(int(w) for w, v in by_weekday.items() if v < QUIET_SHARE * by_weekday.max())


def _complete_days(view: pd.DataFrame) -> np.ndarray:
    """Per date of ``view.groupby('date')``: does the day have (nearly) all its usual intervals?

    Only the first and last days of an export are usually cut; they would read as quiet days.
    """
    counts = view.groupby("date").size()
    usual = counts.groupby(counts.index.day_of_week).transform("median")
    return (counts >= 0.9 * usual).to_numpy()


def dispersion(actual: np.ndarray, mean: np.ndarray) -> float:
    """Extra-Poisson dispersion phi: Var(y) = mean + phi x mean^2, by moments over (actual, forecast) pairs."""
    actual, mean = np.asarray(actual, float), np.asarray(mean, float)
    keep = mean > 0
    if not keep.any():
        return FALLBACK_DISPERSION
    excess = ((actual[keep] - mean[keep]) ** 2 - mean[keep]).sum()
    return float(max(excess / (mean[keep] ** 2).sum(), 0.0))


def count_bands(mean: np.ndarray, phi: float, coverage: float) -> tuple[np.ndarray, np.ndarray]:
    """Central ``coverage`` band of a count with this mean and Var = mean + phi x mean^2 (negative binomial).

    Counts are integers; bounds are quantiles of count + uniform jitter (mid-quantiles), so that over
    many intervals the share inside matches ``coverage`` instead of overshooting on quiet intervals.
    Above 60 contacts a normal approximation is used.
    """
    mean = np.maximum(np.asarray(mean, float), 0.0)
    tail = (1 - coverage) / 2
    lower, upper = np.zeros_like(mean), np.zeros_like(mean)
    big = mean > 60
    z = NormalDist().inv_cdf(1 - tail)
    sd = np.sqrt(mean[big] + phi * mean[big] ** 2)
    lower[big], upper[big] = np.maximum(mean[big] - z * sd, 0), mean[big] + z * sd
    small = (mean > 0) & ~big
    if small.any():
        mu = mean[small]
        r = 1 / max(phi, 1e-9)
        top = int(np.ceil(mu.max() + 12 * np.sqrt(mu.max() + phi * mu.max() ** 2) + 10))
        pmf = np.empty((len(mu), top))
        pmf[:, 0] = np.exp(-r * np.log1p(mu / r))
        ratio = mu / (r + mu)
        for k in range(1, top):
            pmf[:, k] = pmf[:, k - 1] * (k - 1 + r) / k * ratio
        cdf = np.cumsum(pmf, axis=1)
        lower[small], upper[small] = (_mid_quantile(pmf, cdf, q) for q in (tail, 1 - tail))
    return lower, upper


def _mid_quantile(pmf: np.ndarray, cdf: np.ndarray, q: float) -> np.ndarray:
    k = np.minimum((cdf < q).sum(axis=1), cdf.shape[1] - 1)
    rows = np.arange(len(k))
    before = np.where(k > 0, cdf[rows, np.maximum(k - 1, 0)], 0.0)
    mass = np.maximum(pmf[rows, k], 1e-300)
    return np.maximum(k - 0.5 + (q - before) / mass, 0.0)


@dataclass
class QueueForecast:
    """One queue's result: the contract frame, the daily view with components, the method and notes."""

    queue: str
    forecast: pd.DataFrame  # queue, ds (UTC), yhat, yhat_lower, yhat_upper, aht
    daily: pd.DataFrame  # date (local), yhat, yhat_lower, yhat_upper, trend, weekly, yearly, holidays, events, planned_events
    method: str
    selection: pd.DataFrame  # backtest that chose the method: method, horizon, interval_wape, daily_wape, coverage
    notes: list[str]


class QueueForecaster:
    """Forecast one queue: ``QueueForecaster(settings, events, granularity=15).fit(history).predict(days)``.

    ``history`` is ``ds`` (UTC), ``y`` and optionally ``aht`` (seconds) for this queue only;
    ``events`` the events frame (load_events format, any queues: this queue's are picked).
    ``granularity`` is minutes (15, 30, 60) or 1440 for daily; ``coverage`` the band's nominal share.
    """

    def __init__(self, settings: QueueSettings, events: pd.DataFrame | None = None, *, granularity: int = 15,
                 method: str = "auto", coverage: float = 0.8) -> None:
        if method not in ("auto", *METHODS):
            raise InputError(f"unknown method '{method}'.", fix="use auto, top-down or direct.")
        if not 0.5 <= coverage < 1:
            raise InputError(f"coverage {coverage:g} is out of range.", fix="use a share between 0.5 and 0.99.")
        self.settings = settings
        self.events = events_for_queue(events, settings.queue)
        self.step = granularity
        self.method = method
        self.coverage = coverage

    def fit(self, history: pd.DataFrame, interval_minutes: int | None = None,
            train_end: pd.Timestamp | None = None) -> "QueueForecaster":
        """Learn from ``history``; the forecast starts at local date ``train_end`` (default: the day after the
        last day of history, which for a queue closed on Sundays may be that Sunday)."""
        self.notes: list[str] = []
        if train_end is not None:
            history = cut(history, pd.Timestamp(train_end), self.settings.timezone)
        self.history = history.sort_values("ds").reset_index(drop=True)
        self.source_step = interval_minutes or infer_step(self.history)
        view = local_view(self.history, self.settings.timezone, self.step, self.source_step)
        self.train_end = (pd.Timestamp(train_end).normalize() if train_end is not None
                          else view["date"].max() + pd.Timedelta(days=1))
        self.zero = not (self.history["y"] > 0).any()
        if self.zero:
            self.notes.append(f"{self.settings.queue}: every interval of the history is zero; the forecast is zero.")
            self.chosen, self.selection, self.phi, self.phi_daily = "zero", pd.DataFrame(), 0.0, 0.0
            return self
        candidates = METHODS if self.method == "auto" else (self.method,)
        if self.step == DAILY and "direct" in candidates:
            if self.method == "direct":
                self.notes.append(f"{self.settings.queue}: the direct method models hours; a daily forecast is "
                                  "top-down.")
            candidates = ("top-down",)
        self._select(candidates, view)
        self.model = _MeanModel(self.settings, self.events, self.step, self.chosen).fit(
            self.history, self.source_step, self.train_end)
        self.notes.extend(self.model.notes)
        skip = self.model.event_days() | self.model.calendar.outage_days()
        self.aht = AhtModel().fit(view, skip)
        return self

    def _select(self, candidates: tuple[str, ...], view: pd.DataFrame) -> None:
        """Backtest the candidates over the last weeks: pick the lowest interval WAPE, calibrate the bands."""
        last = self.train_end - pd.Timedelta(days=1)
        origins = origin_dates(last, SELECTION_ORIGINS, 7)
        if origins[0] - view["date"].min() < pd.Timedelta(days=SELECTION_MIN_DAYS):
            self.chosen, self.selection = candidates[0], pd.DataFrame()
            self.phi = self.phi_daily = FALLBACK_DISPERSION
            self.notes.append(f"{self.settings.queue}: too little history to backtest ({len(view['date'].unique())} "
                              f"days): method {self.chosen}, bands from a default {FALLBACK_DISPERSION:g} dispersion.")
            return
        lined, tables = {}, []
        for method in candidates:
            def forecast(train, origin, days, method=method):
                grid, _ = _MeanModel(self.settings, self.events, self.step, method).fit(
                    train, self.source_step, origin).predict(days)
                return grid[["ds", "yhat"]]
            lined[method] = rolling_origin(self.history, self.settings.timezone, origins, forecast, step=self.step)
            tables.append(scores(lined[method]).assign(method=method))
        self.selection = pd.concat(tables, ignore_index=True)
        week = self.selection[self.selection["horizon"] == "week-ahead"].set_index("method")["interval_wape"]
        self.chosen = str(week.idxmin()) if week.notna().any() else candidates[0]
        best = lined[self.chosen]
        self.phi = dispersion(best["y"], best["yhat"])
        daily = best.groupby(["origin", "date"])[["y", "yhat"]].sum()
        self.phi_daily = dispersion(daily["y"], daily["yhat"])

    def predict(self, horizon_days: int) -> QueueForecast:
        if not 1 <= horizon_days <= MAX_HORIZON_DAYS:
            raise InputError(f"a horizon of {horizon_days} days is out of range.",
                             fix=f"forecast between 1 and {MAX_HORIZON_DAYS} days (2 years) ahead.")
        queue = self.settings.queue
        if self.zero:
            grid = future_grid(self.train_end, horizon_days, self.settings.timezone, self.step)
            grid["yhat"] = 0.0
            daily = pd.DataFrame({"date": pd.date_range(self.train_end, periods=horizon_days), "yhat": 0.0,
                                  "trend": 0.0, "weekly": 0.0, "yearly": 0.0, "events": 0.0, "holidays": 0.0,
                                  "planned_events": 0.0, "closed": False})
        else:
            grid, daily = self.model.predict(horizon_days)
            self.notes.extend(n for n in self.model.notes if n not in self.notes)
        lower, upper = count_bands(grid["yhat"].to_numpy(), self.phi, self.coverage)
        aht = self.aht.predict(grid) if not self.zero else np.full(len(grid), np.nan)
        forecast = pd.DataFrame({"queue": queue, "ds": grid["ds"], "yhat": grid["yhat"], "yhat_lower": lower,
                                 "yhat_upper": upper, "aht": np.where(grid["yhat"] > 0, aht, np.nan)})
        daily["yhat_lower"], daily["yhat_upper"] = count_bands(daily["yhat"].to_numpy(), self.phi_daily, self.coverage)
        return QueueForecast(queue, forecast, daily, self.chosen, self.selection, list(self.notes))
