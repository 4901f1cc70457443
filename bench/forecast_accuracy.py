"""Forecast accuracy and speed benchmark: prints ratios against peers measured in the same run.

    .venv/bin/python bench/forecast_accuracy.py [SHARED_DATA]   (default ../shared/data beside the repo)

Needs statsforecast (``requirements-bench.txt``); the product never imports it.

1. Rolling-origin WAPE, day-ahead and week-ahead, of our default method (``auto``) against seasonal
   naive, the 4-week recent average, statsforecast MSTL and AutoARIMA on daily totals x our intraday
   profile. Every day of the last five weeks is an origin (``--origins 35 --step-days 1``), so each
   weekday is scored five times at day-ahead: with a handful of origins one unusual day decides the
   day-ahead score. Three data sets: the bundled sample (4 queues, 30-minute intervals), the booking
   company's daily calls (Italian holidays: its deepest dips are 6 Jan, 8 Dec, 2 Jun, Easter Monday),
   and the IT service desk incidents counted per hour (2016-02-29..2016-05-31, zone unknown: UTC;
   Brazilian holidays with the optional days a Brazilian office observes, "BR+optional": its dips are
   Good Friday, Tiradentes (21 April) and Corpus Christi (26 May, a ponto facultativo day).
   Bars: ours <= 0.8 x seasonal naive, and <= each other peer (ratio <= 1).
2. A held-out past launch (Fibre Max, 17 March 2026, uk_phone + uk_chat): WAPE over the launch week
   forecast with the events file against without it. Bar: at least 30 % lower.
3. Speed: the 4 sample queues, 2 years of 30-minute history, 6-week horizon, fit + forecast on the
   local process pool (bar: 60 s); then how time grows with history length and with queue count.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forecasting.backtest import (HORIZONS, baseline_fn, infer_step, origin_dates, rolling_origin, scores,  # noqa: E402
                                  wape)
from forecasting.calendar import load_events  # noqa: E402
from forecasting.engine import forecast_queues, make_tasks, run_tasks  # noqa: E402
from forecasting.history import ColumnMap, load_history  # noqa: E402
from forecasting.intraday import DAILY, OpeningHours, Profiles, day_types, future_grid, local_view  # noqa: E402
from forecasting.models import QueueSettings  # noqa: E402
from forecasting.queues import load_queues  # noqa: E402

DATA = ROOT / "data"
HORIZON = 7
PEERS = ("seasonal naive", "recent 4 weeks", "MSTL", "AutoARIMA daily x profile")
BOOTSTRAP = 2000  # resamples of the origins for the ratios' intervals
MSTL_WEEKS = 8  # MSTL sees recent weeks of intervals: years of 30-minute points take minutes per fit


def mstl_fn(zone: str, step: int):
    """statsforecast MSTL on the local-time series (day and week seasons; the daily series adds a year)."""
    from statsforecast.models import MSTL

    def forecast(train: pd.DataFrame, origin: pd.Timestamp, days: int) -> pd.DataFrame:
        view = local_view(train, zone, step, infer_step(train))
        per_day = DAILY // step
        first = view["date"].min() if step == DAILY else origin - pd.Timedelta(weeks=MSTL_WEEKS)
        dates = pd.date_range(first, origin - pd.Timedelta(days=1), freq="D")
        table = view.pivot_table(index="date", columns="slot", values="y", aggfunc="sum").reindex(
            index=dates, columns=range(0, DAILY, step)).fillna(0.0)
        seasons = [7, 365] if step == DAILY and len(dates) > 3 * 365 else [7] if step == DAILY else [per_day, 7 * per_day]
        mean = MSTL(season_length=seasons).forecast(y=table.to_numpy().ravel(), h=days * per_day)["mean"]
        return _on_grid(mean.reshape(days, per_day), origin, days, zone, step)

    return forecast


def arima_profile_fn(zone: str, step: int):
    """statsforecast AutoARIMA (weekly season) on daily totals, split by our intraday profile."""
    from statsforecast.models import AutoARIMA

    def forecast(train: pd.DataFrame, origin: pd.Timestamp, days: int) -> pd.DataFrame:
        view = local_view(train, zone, step, infer_step(train))
        daily = view.groupby("date")["y"].sum()
        daily = daily.reindex(pd.date_range(daily.index.min(), origin - pd.Timedelta(days=1)), fill_value=0.0)
        totals = AutoARIMA(season_length=7).forecast(y=daily.to_numpy()[-365:].astype(float), h=days)["mean"]
        grid = future_grid(origin, days, zone, step)
        per_date = pd.Series(np.maximum(totals, 0), index=pd.date_range(origin, periods=days))
        if step == DAILY:
            return grid.assign(yhat=per_date.to_numpy())[["ds", "yhat"]]
        hours = OpeningHours.infer(view, step, set())
        shares = Profiles().fit(view, hours, set(), set()).shares(grid, day_types(grid["date"], set()), hours.mask(grid))
        return grid.assign(yhat=shares * per_date.reindex(grid["date"]).to_numpy())[["ds", "yhat"]]

    return forecast


def _on_grid(values: np.ndarray, origin: pd.Timestamp, days: int, zone: str, step: int) -> pd.DataFrame:
    """(day x slot) local matrix -> UTC grid rows; a repeated DST hour shares its slot's value."""
    grid = future_grid(origin, days, zone, step)
    frame = pd.DataFrame(values, index=pd.date_range(origin, periods=days), columns=range(0, DAILY, step))
    looked = frame.stack().reindex(pd.MultiIndex.from_arrays([grid["date"], grid["slot"]])).to_numpy()
    repeats = grid.groupby(["date", "slot"])["ds"].transform("size").to_numpy()
    return grid.assign(yhat=np.maximum(looked, 0) / repeats)[["ds", "yhat"]]


def _origins(task, count: int, step_days: int) -> list[pd.Timestamp]:
    view = local_view(task.training_history(), task.settings.timezone, task.granularity, task.interval_minutes)
    return origin_dates(view["date"].max(), count, step_days, HORIZON)


def peer_task(task, count: int, step_days: int) -> pd.DataFrame:
    """One queue's peers from its origins (runs in a worker): lined-up frames with a ``method`` column."""
    zone, step = task.settings.timezone, task.granularity
    fns = {"MSTL": mstl_fn(zone, step), "AutoARIMA daily x profile": arima_profile_fn(zone, step),
           "seasonal naive": baseline_fn(zone, 1, step), "recent 4 weeks": baseline_fn(zone, 4, step)}
    history, origins = task.training_history(), _origins(task, count, step_days)
    return pd.concat([rolling_origin(history, zone, origins, fn, HORIZON, step).assign(method=m, queue=task.queue)
                      for m, fn in fns.items()], ignore_index=True)


def ours_task(task, count: int, step_days: int) -> pd.DataFrame:
    """Our default forecaster from the same origins (runs in a worker)."""
    def forecast(train, origin, days):
        return task.forecaster().fit(train, task.interval_minutes, origin).predict(days).forecast

    return rolling_origin(task.training_history(), task.settings.timezone, _origins(task, count, step_days),
                          forecast, HORIZON, task.granularity).assign(method="ours (auto)", queue=task.queue)


def accuracy(label: str, tasks: list, count: int, step_days: int, coverage_bar: bool = False) -> None:
    """Run ours and the peers over the same origins per queue; print the pooled table and the ratios.

    ``coverage_bar``: check the band's empirical coverage against 80 % +- 10 points (the sample's bar).
    """
    started = time.time()
    lined = pd.concat([*run_tasks(ours_task, tasks, count, step_days), *run_tasks(peer_task, tasks, count, step_days)],
                      ignore_index=True)
    table = pd.concat([scores(frame).assign(method=m) for m, frame in lined.groupby("method")], ignore_index=True)
    unit = "daily" if tasks[0].granularity == DAILY else f"{tasks[0].granularity}-minute intervals"
    print(f"\n== {label}: {len(tasks)} queue(s), {count} origins {step_days} days apart, {unit} "
          f"({time.time() - started:.0f} s)")
    with pd.option_context("display.width", 200, "display.precision", 4):
        print(table.pivot(index="method", columns="horizon", values=["interval_wape", "daily_wape"]).to_string())
    cover = table[table["method"] == "ours (auto)"].set_index("horizon")["coverage"]
    verdict = f"bar 0.70-0.90: {'met' if cover.between(0.7, 0.9).all() else 'NOT MET'}" if coverage_bar else "no bar"
    print(f"  ours: empirical coverage of the 80% band: {', '.join(f'{h} {c:.3f}' for h, c in cover.items())} "
          f"({verdict})")
    ours_wape = table[table["method"] == "ours (auto)"].set_index("horizon")["interval_wape"]
    spread = ratio_intervals(lined)
    print(f"  (in brackets: the 90% interval of each ratio over {BOOTSTRAP} resamples of the origins)")
    for peer in PEERS:
        peer_wape = table[table["method"] == peer].set_index("horizon")["interval_wape"]
        for horizon in ("day-ahead", "week-ahead"):
            ratio = ours_wape[horizon] / peer_wape[horizon]
            bar = 0.8 if peer == "seasonal naive" else 1.0
            low, high = spread[(peer, horizon)]
            print(f"  ours / {peer:<26} {horizon:<10} interval WAPE ratio {ratio:.3f} [{low:.3f}-{high:.3f}]  "
                  f"(bar <= {bar}: {'met' if ratio <= bar else 'NOT MET'})")


def ratio_intervals(lined: pd.DataFrame, seed: int = 0) -> dict[tuple[str, str], tuple[float, float]]:
    """5th and 95th percentiles of ours / peer interval WAPE when the origins are resampled with replacement.

    How far the ratio moves with the days that happen to be scored: with few origins, one unusual day
    decides a day-ahead ratio."""
    errors = lined.assign(error=(lined["y"] - lined["yhat"]).abs())
    rng = np.random.default_rng(seed)
    out = {}
    for horizon, lead in HORIZONS.items():
        # the WAPEs share their denominator, so their ratio is the ratio of absolute errors
        per_origin = errors[errors["lead"] <= lead].groupby(["method", "queue", "origin"])["error"].sum()
        keys = per_origin.loc["ours (auto)"].index
        draws = rng.integers(len(keys), size=(BOOTSTRAP, len(keys)))
        resampled = {m: per_origin.loc[m].reindex(keys).fillna(0.0).to_numpy()[draws].sum(axis=1)
                     for m in ("ours (auto)", *PEERS)}
        for peer in PEERS:
            ratios = resampled["ours (auto)"] / np.maximum(resampled[peer], 1e-12)
            out[(peer, horizon)] = (float(np.quantile(ratios, 0.05)), float(np.quantile(ratios, 0.95)))
    return out


def sample_tasks(granularity: int, horizon: int, history: pd.DataFrame | None = None, events=True, **options):
    configs = load_queues(DATA / "queues.csv")
    frame = history if history is not None else load_history(DATA / "history.csv.gz", queues=configs).frame
    ev = load_events(DATA / "events.csv", known_queues=list(configs)) if events else None
    return make_tasks(frame, {q: QueueSettings.from_config(c) for q, c in configs.items()}, ev, interval_minutes=15,
                      horizon_days=horizon, granularity=granularity, **options)


def daily_calls_tasks(shared: Path) -> list:
    folder = shared / "daily_calls_2013_2016"
    calls = pd.read_csv(folder / "case_data_calls.csv", sep=";", encoding="utf-8-sig")
    frame = pd.DataFrame({"queue": "booking_calls", "ds": pd.to_datetime(calls["date"], format="%d-%m-%Y").dt.tz_localize(
        "UTC"), "y": calls["calls"].astype(float)})
    flags = pd.read_csv(folder / "case_data_reservations.csv", sep=";", encoding="utf-8-sig")
    flags["date"] = pd.to_datetime(flags["date"], format="%d-%m-%Y")
    # The christmas_break flag marks the festive weeks: a custom holiday, the rest is learned as usual.
    rows = [{"name": "christmas break", "kind": "holiday", "start": str(d.date()), "end": str(d.date()), "queues": "",
             "lift": "", "decay_days": ""} for d in flags.loc[flags["christmas_break"] == 1, "date"]]
    events = load_events(pd.DataFrame(rows)) if rows else None
    return make_tasks(frame, {"booking_calls": QueueSettings("booking_calls", "UTC", "IT")}, events,
                      interval_minutes=DAILY, horizon_days=HORIZON, granularity=DAILY)


def it_desk_tasks(shared: Path) -> list:
    raw = pd.read_csv(shared / "it_service_desk_2016" / "incident_openings_derived.csv", usecols=["opened_at"])
    history = load_history(raw, name="incident_openings_derived.csv", tz="UTC", columns=ColumnMap(time="opened_at"),
                           interval_minutes=60, default_queue="it_desk")
    frame = history.frame
    frame = frame[(frame["ds"] >= "2016-02-29") & (frame["ds"] < "2016-06-01")]
    return make_tasks(frame, {"it_desk": QueueSettings("it_desk", "UTC", "BR+optional")}, None, interval_minutes=60,
                      horizon_days=HORIZON, granularity=60)


def held_out_launch() -> None:
    """Fibre Max (2026-03-17, uk_phone and uk_chat): launch week forecast with and without the events file."""
    configs = load_queues(DATA / "queues.csv")
    full = load_history(DATA / "history.csv.gz", queues=configs).frame
    frame = full[full["queue"].isin(["uk_phone", "uk_chat"])]
    start, days = pd.Timestamp("2026-03-16"), 8  # lead-in day, then the launch week
    out = {}
    for label, with_events in (("with events", True), ("without events", False)):
        tasks = sample_tasks(30, days, frame, events=with_events, train_end=start)
        results = forecast_queues(tasks)
        forecast = pd.concat([r.forecast for r in results.values()])
        window = frame[(frame["ds"] >= forecast["ds"].min()) & (frame["ds"] <= forecast["ds"].max())]
        actual = pd.concat([local_view(rows, configs[q].timezone, 30, 15).assign(queue=q)
                            for q, rows in window.groupby("queue")])
        both = forecast.merge(actual[["queue", "ds", "y"]], on=["queue", "ds"], how="outer").fillna(0.0)
        out[label] = wape(both["y"], both["yhat"])
    reduction = 1 - out["with events"] / out["without events"]
    print(f"\n== Held-out launch week (Fibre Max, {start:%Y-%m-%d} + {days} days, 30-minute intervals)")
    print(f"  interval WAPE with events {out['with events']:.4f}, without {out['without events']:.4f}: "
          f"{reduction:.1%} lower (bar >= 30%: {'met' if reduction >= 0.3 else 'NOT MET'})")


def speed() -> None:
    """Fit + forecast time of the default method on the local pool; growth with history and queues."""
    configs = load_queues(DATA / "queues.csv")
    full = load_history(DATA / "history.csv.gz", queues=configs).frame

    def timed(frame: pd.DataFrame) -> float:
        started = time.time()
        forecast_queues(sample_tasks(30, 42, frame))
        return time.time() - started

    total = timed(full)
    print("\n== Speed: 4 queues, 2 years of history at 30-minute intervals, 6-week horizon, method auto, "
          "local process pool")
    print(f"  fit + forecast {total:.1f} s (bar < 60 s: {'met' if total < 60 else 'NOT MET'}; ratio to bar "
          f"{total / 60:.2f})")
    one = full[full["queue"] == "uk_chat"]
    for weeks in (26, 52, 104):
        part = one[one["ds"] >= one["ds"].max() - pd.Timedelta(weeks=weeks)]
        print(f"  1 queue (uk_chat), {weeks:>3} weeks of history: {timed(part):.1f} s")
    for count in (1, 2, 4):
        names = sorted(configs)[:count]
        print(f"  {count} queue(s) ({', '.join(names)}), 104 weeks: {timed(full[full['queue'].isin(names)]):.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shared", nargs="?", default=str(ROOT.parent / "shared" / "data"),
                        help="folder with daily_calls_2013_2016/ and it_service_desk_2016/")
    parser.add_argument("--origins", type=int, default=35, help="forecast origins per data set")
    parser.add_argument("--step-days", type=int, default=1, help="days between origins")
    args = parser.parse_args()
    shared = Path(args.shared)
    accuracy("Sample data", sample_tasks(30, HORIZON), args.origins, args.step_days, coverage_bar=True)
    accuracy("Booking company daily calls (IT holidays)", daily_calls_tasks(shared), args.origins, args.step_days)
    accuracy("IT service desk, incidents per hour", it_desk_tasks(shared), args.origins, args.step_days)
    held_out_launch()
    speed()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
