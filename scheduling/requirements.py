"""Staffing requirements: forecast in, agents per interval and queue out, per channel.

    requirements(forecast, queues, shrinkage) -> queue, ds, agents, scheduled, service_level, asa,
                                                 occupancy, calls, aht, backlog

``agents`` are on line (answering), ``scheduled`` after shrinkage (see :mod:`scheduling.shrinkage`:
break categories the optimiser places are left out by default). ``calls`` is the volume staffed
for (``yhat`` or the chosen planning quantile), ``aht`` seconds, ``backlog`` the deferred work
(email) still waiting at the end of the interval. Every queue gets a row for every interval of
its regular grid between its first and last forecast row; closed intervals get 0 agents and
empty (NaN) service measures. The interval length (15, 30 or 60 minutes) is inferred from the
spacing of ``ds`` per queue; targets come from the queue's :class:`QueueConfig`.

Channels
--------
* **phone**: Erlang C, or Erlang A when the queue has ``patience_seconds``
  (:func:`scheduling.erlang.required_agents`), meeting every target the queue sets: service
  level X% in Y s, ASA, max occupancy, max abandonment.
* **chat** -- concurrency as chat *slots*: an agent with concurrency k works up to k chats at
  once, so n agents give floor(k n) slots, and the queue is an Erlang C/A queue whose servers are
  slots. The forecast ``aht`` of a chat is its *elapsed* handle time as the chat platform logs it,
  which already includes the slowdown of sharing the agent with other chats (the history it was
  forecast from was recorded at the same concurrency). Why this model: it is the one planners'
  chat calculators use, it needs no data we do not have (a slowdown curve per concurrency level
  would), and the simulation validates it directly (a slot is a server). Occupancy is the share
  of slots in use.
* **email / back office**: deferred work with a response target "X% within Y s" (e.g. 90% in
  24 h). Work arriving in an interval (emails x aht) is spread evenly over the queue's open
  intervals inside its response window [arrival interval, arrival + Y); if the window holds no
  open interval the work goes to the first open interval after it. Agents = ceil(work planned
  in the interval / (interval x max occupancy)). The plan is then replayed as a first-in
  first-out fluid queue, which carries the backlog across intervals and days and gives the
  reported share within target (``service_level``), the mean response time in seconds (``asa``)
  and occupancy. Because a FIFO queue meets every deadline that any schedule with the same
  capacity meets, the plan answers every email inside its window, so it meets any target up to
  100%. Nothing is lost at the horizon end: the share of a late arrival's window that falls after
  the last interval is not staffed in this plan and stays in the last interval's ``backlog``,
  for the next plan to work (``carried_backlog`` reports it per queue).

Planning percentile: ``planning_quantile=None`` staffs to ``yhat``; a quantile q in [0.5, 1) staffs
to yhat + z(q) / z(u) (yhat_upper - yhat), where u = (1 + forecast_interval) / 2 is the quantile
``yhat_upper`` stands for (0.9 for the usual 80% interval), i.e. a normal forecast error.
"""
from __future__ import annotations

import io
import math
from collections.abc import Mapping
from fractions import Fraction
from statistics import NormalDist

import numpy as np
import pandas as pd
from pydantic import ValidationError

from forecasting.queues import QueueConfig
from forecasting.validation import InputError
from scheduling import erlang
from scheduling.shrinkage import ShrinkageTable, load_shrinkage

COLUMNS = ["queue", "ds", "agents", "scheduled", "service_level", "asa", "occupancy", "calls", "aht", "backlog"]
FORECAST_COLUMNS = ["queue", "ds", "yhat", "yhat_lower", "yhat_upper", "aht"]
STEPS_MINUTES = (15, 30, 60)
TARGET_COLUMNS = ["target_sl", "answer_seconds", "target_asa_seconds", "max_occupancy", "max_abandon",
                  "concurrency", "patience_seconds"]


# --------------------------------------------------------------------------- inputs

def read_forecast(source, name: str = "forecast") -> pd.DataFrame:
    """A forecast frame (or CSV path / bytes) checked against the contract, ``ds`` as UTC."""
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
    else:
        try:
            frame = pd.read_csv(io.BytesIO(source) if isinstance(source, bytes) else source)
        except FileNotFoundError:
            raise InputError("the file does not exist.", file=str(source), fix="check the path.") from None
    missing = [c for c in FORECAST_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"the column(s) {', '.join(missing)} are missing (found: {', '.join(map(str, frame.columns))}).",
                         file=name, fix="give queue, ds, yhat, yhat_lower, yhat_upper, aht.")
    frame = frame.reset_index(drop=True)
    frame["queue"] = frame["queue"].astype(str)
    raw = frame["ds"]
    if pd.api.types.is_datetime64_any_dtype(raw):
        naive, ds = raw.dt.tz is None, raw
    else:
        ds = pd.to_datetime(raw, utc=True, errors="coerce", format="mixed")
        if ds.isna().any():
            i = int(np.flatnonzero(ds.isna().to_numpy())[0])
            raise InputError("ds is not a date-time.", file=name, row=i + 2, column="ds", value=str(raw[i]),
                             fix="write ISO times with a UTC offset, e.g. 2026-11-16 09:00:00+00:00.")
        naive = len(raw) > 0 and pd.Timestamp(str(raw.iloc[0])).tzinfo is None
    if naive:
        raise InputError("ds has no time zone: forecast times must carry a UTC offset.", file=name, column="ds",
                         value=str(raw.iloc[0]), fix="write times like 2026-11-16 09:00:00+00:00.")
    frame["ds"] = ds.dt.tz_convert("UTC")
    for column in ("yhat", "yhat_lower", "yhat_upper", "aht"):
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() | (values < 0) | ~np.isfinite(values.fillna(0))
        if column == "aht":
            # a handle time only matters where contacts are expected: tolerate blanks where none are
            busy = pd.to_numeric(frame["yhat_upper"], errors="coerce").fillna(1) > 0
            busy |= pd.to_numeric(frame["yhat"], errors="coerce").fillna(1) > 0
            bad = (bad | (values <= 0)) & busy
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            what = "missing" if pd.isna(values[i]) else ("not positive" if column == "aht" else "negative")
            raise InputError(f"queue '{frame['queue'][i]}' at {frame['ds'][i]}: {column} is {what}.",
                             file=name, row=i + 2, column=column, value=str(frame[column][i]),
                             fix="forecast volumes must be 0 or more and handle times above 0 seconds.")
        frame[column] = values.astype(float)
    duplicated = frame.duplicated(["queue", "ds"])
    if duplicated.any():
        i = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise InputError(f"queue '{frame['queue'][i]}' has two rows for {frame['ds'][i]}.", file=name, row=i + 2,
                         column="ds", fix="give one row per queue and interval.")
    return frame[FORECAST_COLUMNS]


def apply_targets(queues: Mapping[str, QueueConfig], table: pd.DataFrame) -> dict[str, QueueConfig]:
    """Queue configs with the targets of ``table`` (a ``queue`` column plus any of
    :data:`TARGET_COLUMNS`), validated like ``queues.csv``; raises :class:`InputError`."""
    updated = dict(queues)
    for i, record in enumerate(table.to_dict("records")):
        queue = str(record["queue"])
        if queue not in queues:
            raise InputError(f"unknown queue '{queue}'.", file="targets table", row=i + 2, column="queue", value=queue)
        changes = {}
        for column in TARGET_COLUMNS:
            if column in record:
                value = record[column]
                changes[column] = None if value is None or (isinstance(value, float) and math.isnan(value)) else value
        if changes.get("concurrency") is None:
            changes.pop("concurrency", None)
        try:
            updated[queue] = QueueConfig(**{**queues[queue].model_dump(), **changes})
        except ValidationError as err:
            first = err.errors()[0]
            column = str(first["loc"][0]) if first["loc"] else None
            raise InputError(f"queue '{queue}': " + first["msg"].removeprefix("Value error, ") + ".",
                             file="targets table", row=i + 2, column=column,
                             value=changes.get(column) if column else None) from None
    return updated


def targets_frame(queues: Mapping[str, QueueConfig]) -> pd.DataFrame:
    """The editable targets of each queue, one row per queue."""
    return pd.DataFrame([{"queue": q, "channel": c.channel, **{k: getattr(c, k) for k in TARGET_COLUMNS}}
                         for q, c in queues.items()])


def interval_seconds(ds: pd.Series, queue: str) -> int:
    """The interval length of one queue's rows, from the spacing of ``ds`` (15, 30 or 60 minutes)."""
    seconds = (ds - ds.min()).dt.total_seconds().to_numpy()
    gaps = np.diff(np.unique(seconds)).astype(np.int64)
    if not gaps.size:
        raise InputError(f"queue '{queue}' has a single forecast row: the interval length cannot be inferred.",
                         column="ds", fix="give at least two intervals.")
    step = int(gaps.min())
    if step % 60 or step // 60 not in STEPS_MINUTES or np.any(gaps % step):
        raise InputError(f"queue '{queue}': forecast rows are not on a regular 15, 30 or 60 minute grid.",
                         column="ds", value=f"{step / 60:g} min", fix="resample the forecast to 15, 30 or 60 minutes.")
    return step


def open_mask(ds: pd.DatetimeIndex | pd.Series, config: QueueConfig) -> np.ndarray:
    """True where the interval starting at ``ds`` (UTC) starts inside the queue's local opening hours."""
    local = pd.DatetimeIndex(ds).tz_convert(config.timezone)
    minute = local.hour * 60 + local.minute
    spans = config.open_spans()
    opens = np.array([spans[d][0] if spans[d] else 0 for d in range(7)])
    closes = np.array([spans[d][1] if spans[d] else 0 for d in range(7)])
    weekday = local.day_of_week
    return np.asarray((minute >= opens[weekday]) & (minute < closes[weekday]))


def planned_volume(frame: pd.DataFrame, planning_quantile: float | None, forecast_interval: float) -> np.ndarray:
    """Volume to staff for: ``yhat``, or the chosen upper quantile of the forecast distribution."""
    yhat = frame["yhat"].to_numpy(float)
    if planning_quantile is None or planning_quantile == 0.5:
        return yhat
    if not (0.5 <= planning_quantile < 1):
        raise InputError("the planning percentile must be at least 50% and below 100%.", column="planning_quantile",
                         value=planning_quantile)
    if not (0 < forecast_interval < 1):
        raise InputError("the forecast interval width must be above 0 and below 1 (0.8 = 80%).",
                         column="forecast_interval", value=forecast_interval)
    normal = NormalDist()
    scale = normal.inv_cdf(planning_quantile) / normal.inv_cdf((1 + forecast_interval) / 2)
    upper = frame["yhat_upper"].to_numpy(float)
    return np.maximum(yhat + scale * np.maximum(upper - yhat, 0.0), 0.0)


# --------------------------------------------------------------------------- channels

def _targets(config: QueueConfig, step: int) -> dict:
    if config.channel != "email" and config.target_sl is not None and config.answer_seconds > step:
        raise InputError(f"queue '{config.queue}': the answer time is longer than the {step // 60}-minute interval.",
                         column="answer_seconds", value=config.answer_seconds,
                         fix="use an answer time within the interval, or a target ASA.")
    if config.max_abandon is not None and config.patience_seconds is None:
        raise InputError(f"queue '{config.queue}': a maximum abandonment needs the callers' patience "
                         "(Erlang A); Erlang C assumes nobody hangs up.", column="max_abandon",
                         value=config.max_abandon, fix="fill patience_seconds or clear max_abandon.")
    return dict(target_sl=config.target_sl, answer_time=config.answer_seconds if config.target_sl else None,
                target_asa=config.target_asa_seconds, max_occupancy=config.max_occupancy,
                max_abandon=config.max_abandon, patience=config.patience_seconds)


def _queueing(calls: np.ndarray, aht: np.ndarray, is_open: np.ndarray, step: int, config: QueueConfig) -> dict:
    """Phone and chat: Erlang C/A on servers = agents (phone) or chat slots (chat)."""
    targets = _targets(config, step)
    size = calls.size
    agents = np.zeros(size, dtype=np.int64)
    out = {"agents": agents, "service_level": np.full(size, np.nan), "asa": np.full(size, np.nan),
           "occupancy": np.full(size, np.nan), "backlog": np.zeros(size)}
    idx = np.flatnonzero(is_open)
    if not idx.size:
        return out
    c, h = calls[idx], np.where(calls[idx] > 0, aht[idx], 1.0)  # aht is irrelevant (and may be blank) at 0 calls
    servers = erlang.required_agents(c, h, step, **targets)
    servers = np.atleast_1d(servers)
    if config.channel == "chat":
        k = Fraction(repr(float(config.concurrency)))
        agents[idx] = erlang.exact_ceil([servers], [float(config.concurrency)])
        servers = (agents[idx] * k.numerator) // k.denominator  # floor(k n) slots
    else:
        agents[idx] = servers
    m = erlang.measures(c, h, step, servers, targets["answer_time"] if config.target_sl else None,
                        targets["patience"])
    out["service_level"][idx] = m.get("service_level", np.nan)
    out["asa"][idx] = m["asa"]
    out["occupancy"][idx] = m["occupancy"]
    return out


def _deferred(calls: np.ndarray, aht: np.ndarray, ds: pd.DatetimeIndex, step: int, config: QueueConfig) -> dict:
    """Email / back office: spread each interval's work over the open time of its response window."""
    size = calls.size
    window = max(1, math.ceil(config.answer_seconds / step)) if config.target_sl else max(
        1, math.ceil(config.target_asa_seconds / step))
    # the weekly opening pattern continues past the horizon: one window plus a week
    extra = window + 7 * 86400 // step
    grid = ds.append(ds[-1] + pd.to_timedelta(np.arange(1, extra + 1) * step, unit="s"))
    is_open = open_mask(grid, config)
    if not is_open.any():
        raise InputError(f"queue '{config.queue}' is never open, so its work can never be done.",
                         column="open_mon", fix="give the queue opening hours.")
    work = np.where(calls > 0, calls * np.nan_to_num(aht), 0.0)  # agent-seconds arriving per interval
    opened = np.concatenate([[0], np.cumsum(is_open)])
    starts = np.arange(size)
    count = opened[np.minimum(starts + window, grid.size)] - opened[starts]
    share = np.where(count > 0, work / np.maximum(count, 1), 0.0)
    cum = np.concatenate([[0.0], np.cumsum(np.concatenate([share, np.zeros(grid.size - size)]))])
    j = np.arange(grid.size)
    planned = is_open * (cum[j + 1] - cum[np.maximum(j + 1 - window, 0)])
    # a window without open time: the work waits for the next opening
    next_open = np.searchsorted(np.flatnonzero(is_open), starts + window)
    lonely = np.flatnonzero((count == 0) & (work > 0))
    np.add.at(planned, np.flatnonzero(is_open)[np.minimum(next_open[lonely], is_open.sum() - 1)], work[lonely])
    productive = config.max_occupancy or 1.0
    agents = np.where(planned[:size] > 0, erlang.exact_ceil([planned[:size]], [float(step), productive]), 0)
    capacity = agents * step * productive
    # FIFO fluid replay of the plan: backlog carried across intervals and days
    backlog = np.empty(size)
    done = np.empty(size)
    left = 0.0
    for i in range(size):
        done[i] = min(left + work[i], capacity[i])
        left = left + work[i] - done[i]
        backlog[i] = left
    service, response = _fifo_response(work, done, step, float(config.answer_seconds or config.target_asa_seconds))
    safe_aht = np.where(np.nan_to_num(aht) > 0, np.nan_to_num(aht), np.nanmean(np.where(aht > 0, aht, np.nan)))
    with np.errstate(divide="ignore", invalid="ignore"):
        occupancy = np.where(agents > 0, done / (agents * step), np.nan)
    return {"agents": agents.astype(np.int64), "service_level": service, "asa": response,
            "occupancy": occupancy, "backlog": backlog / safe_aht}


def _fifo_response(work: np.ndarray, done: np.ndarray, step: int, target: float, points: int = 8
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Share of each interval's arrivals finished within ``target`` seconds, and their mean response.

    Arrivals and completions run at an even rate inside an interval; an item arriving at time s is
    finished when cumulative completions reach cumulative arrivals at s. Items not finished by the
    horizon end do not count (NaN where an interval has only such items).
    """
    size = work.size
    arrived = np.concatenate([[0.0], np.cumsum(work)])
    completed = np.concatenate([[0.0], np.cumsum(done)])
    fraction = (np.arange(points) + 0.5) / points
    when = (np.arange(size)[:, None] + fraction[None, :]) * step  # seconds since the horizon start
    position = arrived[:-1, None] + fraction[None, :] * work[:, None]
    k = np.searchsorted(completed, position - 1e-9 * np.maximum(arrived[-1], 1.0), side="left")
    inside = (k <= size) & (work[:, None] > 0)
    k = np.clip(k, 1, size)
    gained = completed[k] - completed[k - 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        finish = (k - 1 + np.clip((position - completed[k - 1]) / gained, 0, 1)) * step
    response = np.where(inside, np.maximum(finish - when, 0.0), 0.0)
    seen = inside.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        on_time = (inside & (response <= target + 1e-6)).sum(axis=1) / seen
        return np.where(seen > 0, on_time, np.nan), np.where(seen > 0, response.sum(axis=1) / seen, np.nan)


# --------------------------------------------------------------------------- pipeline

def requirements(
    forecast: pd.DataFrame,
    queues: Mapping[str, QueueConfig],
    shrinkage: ShrinkageTable | None = None,
    *,
    planning_quantile: float | None = None,
    forecast_interval: float = 0.8,
    breaks_placed_by_optimiser: bool = True,
    name: str = "forecast",
) -> pd.DataFrame:
    """Agents per interval for every queue of ``forecast`` (see the module docstring)."""
    frame = read_forecast(forecast, name)
    shrinkage = load_shrinkage() if shrinkage is None else shrinkage
    results = []
    for queue, rows in frame.groupby("queue", sort=True):
        if queue not in queues:
            raise InputError(f"queue '{queue}' is in the forecast but not in the queue configuration.",
                             file=name, column="queue", value=queue, fix="add it to queues.csv.")
        config = queues[queue]
        step = interval_seconds(rows["ds"], queue)
        grid = pd.date_range(rows["ds"].min(), rows["ds"].max(), freq=f"{step}s")
        rows = rows.set_index("ds").reindex(grid)
        rows.index.name = "ds"
        rows[["yhat", "yhat_lower", "yhat_upper"]] = rows[["yhat", "yhat_lower", "yhat_upper"]].fillna(0.0)
        calls = planned_volume(rows, planning_quantile, forecast_interval)
        aht = rows["aht"].to_numpy(float)
        if config.channel == "email":
            part = _deferred(calls, aht, grid, step, config)
        else:
            part = _queueing(calls, aht, open_mask(grid, config), step, config)
        plan = shrinkage.for_queue(queue, breaks_placed_by_optimiser=breaks_placed_by_optimiser)
        results.append(pd.DataFrame({
            "queue": queue, "ds": grid, **{k: part[k] for k in ("agents", "service_level", "asa", "occupancy")},
            "scheduled": plan.scheduled(part["agents"]), "calls": calls, "aht": aht, "backlog": part["backlog"],
        }))
    if not results:
        raise InputError("the forecast has no rows.", file=name, fix="forecast at least one queue.")
    return pd.concat(results, ignore_index=True)[COLUMNS]


def carried_backlog(result: pd.DataFrame) -> pd.Series:
    """Work (items) still waiting at the end of each queue's horizon, carried into the next plan."""
    return result.sort_values("ds").groupby("queue")["backlog"].last()


def totals(result: pd.DataFrame, hours_per_fte: float = 37.5) -> pd.DataFrame:
    """Per queue: on-line and scheduled agent hours, and FTE (scheduled hours per week / ``hours_per_fte``)."""
    rows = []
    for queue, part in result.groupby("queue", sort=True):
        step_hours = interval_seconds(part["ds"], queue) / 3600 if len(part) > 1 else 0.25
        weeks = len(part) * step_hours / (24 * 7)
        scheduled_hours = part["scheduled"].sum() * step_hours
        rows.append({"queue": queue, "agent_hours": part["agents"].sum() * step_hours,
                     "scheduled_hours": scheduled_hours, "fte": scheduled_hours / max(weeks, 1e-9) / hours_per_fte})
    return pd.DataFrame(rows)
