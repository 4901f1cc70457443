"""Fan-out over queues: the local pool and a Dask cluster give the same forecasts, with progress."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.calendar import load_events
from forecasting.engine import combine, forecast_queues, make_tasks
from forecasting.models import QueueSettings
from forecasting.validation import InputError


def history(queues: dict[str, float], days: int = 35) -> pd.DataFrame:
    """Hourly 24/7 history per queue (UTC), level x daily curve, seeded Poisson noise."""
    rng = np.random.default_rng(11)
    ds = pd.date_range("2025-01-06", periods=days * 24, freq="60min", tz="UTC")
    curve = 1.3 + np.sin(2 * np.pi * (ds.hour.to_numpy() - 6) / 24)
    frames = [pd.DataFrame({"queue": q, "ds": ds, "y": rng.poisson(level * curve).astype(float)})
              for q, level in queues.items()]
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def tasks():
    settings = {"a": QueueSettings("a", "Europe/Dublin", "IE"), "b": QueueSettings("b", "America/Chicago", "US")}
    return make_tasks(history({"a": 40, "b": 15}), settings, None, horizon_days=3, granularity=60, method="top-down")


@pytest.mark.slow
def test_local_pool_and_dask_cluster_give_the_same_forecast(tasks):
    from distributed import LocalCluster

    seen = []
    local = forecast_queues(tasks, max_workers=2, progress=lambda done, total, queue: seen.append((done, total, queue)))
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        remote = forecast_queues(tasks, scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(combine(local), combine(remote))
    assert sorted(q for _, _, q in seen) == ["a", "b"] and [d for d, _, _ in seen] == [1, 2]
    assert all(t == 2 for _, t, _ in seen)
    frame = combine(local)
    assert set(frame["queue"]) == {"a", "b"} and len(frame) == 2 * 3 * 24
    assert (frame["yhat"] > 0).all()


def test_one_queue_runs_in_process_and_bad_input_reaches_the_caller(tasks):
    results = forecast_queues(tasks[:1])
    assert list(results) == ["a"] and results["a"].method == "top-down"
    short = make_tasks(history({"c": 5}, days=5), {}, None, horizon_days=3, granularity=60)
    with pytest.raises(InputError, match="at least 14"):
        forecast_queues(short)


def test_digest_changes_only_for_the_queue_whose_events_change(tasks):
    events = load_events(pd.DataFrame([{"name": "x", "kind": "campaign", "start": "2025-02-12", "end": "2025-02-12",
                                        "queues": "b", "lift": "0.2"}]))
    settings = {t.queue: t.settings for t in tasks}
    frame = history({"a": 40, "b": 15})
    again = make_tasks(frame, settings, events, horizon_days=3, granularity=60, method="top-down")
    before = {t.queue: t.digest() for t in tasks}
    after = {t.queue: t.digest() for t in again}
    assert before["a"] == after["a"] and before["b"] != after["b"]
    assert len(again[1].events) == 1 and again[0].events.empty
