"""Fan-out over queues: one task per queue, run on an executor, with a progress callback.

The executor is the only thing that changes between the embedded default and scale-out:
a local process pool by default, a Dask cluster when a scheduler address is given (argument or
``WFM_DASK_SCHEDULER``), in-process for a single queue. All are ``concurrent.futures.Executor``s,
so the code path is one.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import pickle
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd

from forecasting.backtest import baseline_fn, comparison, cut, infer_step, origin_dates, rolling_origin
from forecasting.events import events_for_queue
from forecasting.intraday import local_view
from forecasting.models import QueueForecast, QueueForecaster, QueueSettings

SCHEDULER_ENV = "WFM_DASK_SCHEDULER"
# progress(done, total, queue): called in the caller's process as each queue finishes.
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class QueueTask:
    """Everything one queue's forecast depends on; its :meth:`digest` keys caches.

    ``history``: this queue's ``ds, y[, aht]``; ``train_end``: local date to fit up to (exclusive)
    and forecast from, None = after the last day of history; ``granularity`` in minutes (1440 = daily).
    """

    settings: QueueSettings
    history: pd.DataFrame
    interval_minutes: int
    events: pd.DataFrame
    horizon_days: int
    granularity: int = 15
    method: str = "auto"
    coverage: float = 0.8
    train_end: pd.Timestamp | None = None

    @property
    def queue(self) -> str:
        return self.settings.queue

    def digest(self) -> str:
        """Hash of the inputs: equal digests give equal forecasts."""
        h = hashlib.sha256()
        h.update(pd.util.hash_pandas_object(self.history, index=False).to_numpy().tobytes())
        h.update(self.events.astype(str).to_csv(index=False).encode())
        h.update(pickle.dumps((self.settings, self.interval_minutes, self.horizon_days, self.granularity,
                               self.method, self.coverage, self.train_end)))
        return h.hexdigest()

    def training_history(self) -> pd.DataFrame:
        """The history before ``train_end`` (local midnight), or all of it."""
        if self.train_end is None:
            return self.history
        return cut(self.history, pd.Timestamp(self.train_end), self.settings.timezone)

    def forecaster(self, method: str | None = None) -> QueueForecaster:
        return QueueForecaster(self.settings, self.events, granularity=self.granularity,
                               method=method or self.method, coverage=self.coverage)


def make_tasks(history: pd.DataFrame, settings: dict[str, QueueSettings], events: pd.DataFrame | None, *,
               interval_minutes: int | None = None, **options) -> list[QueueTask]:
    """One task per queue of ``history`` (``queue, ds, y[, aht]``); ``options`` are the other QueueTask fields.

    Queues without settings are forecast in UTC with no holiday country and inferred hours. Without a
    ``train_end``, every queue forecasts from the same local date, the day after the latest day of
    history in any queue: a queue closed on Sundays must not start its week a day before the others.
    """
    if options.get("train_end") is None and not history.empty:
        options["train_end"] = _common_start(history, settings)
    tasks = []
    for queue, rows in history.groupby("queue", sort=True):
        frame = rows.drop(columns="queue").sort_values("ds").reset_index(drop=True)
        tasks.append(QueueTask(settings.get(queue, QueueSettings(queue)), frame,
                               interval_minutes or infer_step(frame), events_for_queue(events, queue), **options))
    return tasks


def _common_start(history: pd.DataFrame, settings: dict[str, QueueSettings]) -> pd.Timestamp:
    """The day after the latest local date of history over all queues (each in its own time zone)."""
    last = [rows["ds"].max().tz_convert(settings[q].timezone if q in settings else "UTC").tz_localize(None).normalize()
            for q, rows in history.groupby("queue", sort=False)]
    return max(last) + pd.Timedelta(days=1)


def forecast_task(task: QueueTask) -> QueueForecast:
    """Fit on the training history and forecast ``horizon_days`` from its end."""
    return task.forecaster().fit(task.training_history(), task.interval_minutes, task.train_end).predict(
        task.horizon_days)


@dataclass(frozen=True)
class BacktestPlan:
    """Rolling origins: ``origins`` of them, ``step_days`` apart, each forecasting ``horizon_days``."""

    origins: int = 4
    step_days: int = 5  # not a multiple of 7, so day-ahead is scored on every weekday
    horizon_days: int = 7
    recent_weeks: int = 4


def backtest_task(task: QueueTask, plan: BacktestPlan) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Our forecaster and the baselines from the same origins: (score table, lined-up forecasts).

    The origins end where the training history ends, so ``train_end`` makes any file an honest test.
    """
    history = task.training_history()
    zone, step = task.settings.timezone, task.granularity
    last = local_view(history, zone, step, task.interval_minutes)["date"].max()
    origins = origin_dates(last, plan.origins, plan.step_days, plan.horizon_days)

    def ours(train: pd.DataFrame, origin: pd.Timestamp, days: int) -> pd.DataFrame:
        result = task.forecaster().fit(train, task.interval_minutes, origin).predict(days)
        return result.forecast[["ds", "yhat", "yhat_lower", "yhat_upper"]]

    label = f"prophet {task.method}"
    lined = {label: rolling_origin(history, zone, origins, ours, plan.horizon_days, step),
             "seasonal naive": rolling_origin(history, zone, origins, baseline_fn(zone, 1, step), plan.horizon_days, step),
             f"recent {plan.recent_weeks} weeks": rolling_origin(
                 history, zone, origins, baseline_fn(zone, plan.recent_weeks, step), plan.horizon_days, step)}
    table = comparison(lined).assign(queue=task.queue)
    both = pd.concat([frame.assign(method=name) for name, frame in lined.items()], ignore_index=True)
    return table[["queue", *table.columns[:-1]]], both.assign(queue=task.queue)


class InlineExecutor(Executor):
    """Runs each task at submit time in this process: for one queue, spawning workers costs more than it saves."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:  # handed to the caller through future.result(), as a pool would
            future.set_exception(err)
        return future


@contextmanager
def executor_for(tasks: int, scheduler: str | None = None, max_workers: int | None = None) -> Iterator[Executor]:
    """A Dask executor if a scheduler address is given (or in ``WFM_DASK_SCHEDULER``), else local processes."""
    scheduler = scheduler or os.environ.get(SCHEDULER_ENV) or None
    if scheduler:
        from distributed import Client

        with Client(scheduler) as client:
            yield client.get_executor()
        return
    workers = min(tasks, max_workers or os.cpu_count() or 1)
    if workers <= 1:
        yield InlineExecutor()
        return
    # spawn, not fork: the caller may be a threaded server (Streamlit), and fork copies held locks.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool


def run_tasks(fn: Callable, tasks: list[QueueTask], *args, scheduler: str | None = None,
              max_workers: int | None = None, progress: Progress | None = None) -> list:
    """``[fn(task, *args) for task in tasks]``, in parallel; ``progress`` hears of each finished queue."""
    results: list = [None] * len(tasks)
    if not tasks:
        return results
    with executor_for(len(tasks), scheduler, max_workers) as executor:
        futures = {executor.submit(fn, task, *args): i for i, task in enumerate(tasks)}
        for done, future in enumerate(as_completed(futures), start=1):
            index = futures[future]
            results[index] = future.result()
            if progress:
                progress(done, len(tasks), tasks[index].queue)
    return results


def forecast_queues(tasks: list[QueueTask], **kwargs) -> dict[str, QueueForecast]:
    """Forecast every task's queue; ``kwargs`` as :func:`run_tasks`."""
    return {task.queue: result for task, result in zip(tasks, run_tasks(forecast_task, tasks, **kwargs))}


def combine(results: dict[str, QueueForecast]) -> pd.DataFrame:
    """The forecast contract over all queues: ``queue, ds, yhat, yhat_lower, yhat_upper, aht``."""
    frames = [r.forecast for r in results.values()]
    columns = ["queue", "ds", "yhat", "yhat_lower", "yhat_upper", "aht"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
