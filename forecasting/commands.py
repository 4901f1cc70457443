"""Subcommands of ``python -m forecasting`` (registered by :func:`add_commands`).

    python -m forecasting validate FILE [--tz ZONE] [--time-col C --count-col C --queue-col C
        --channel-col C --aht-col C] [--interval-minutes N] [--queues data/queues.csv]
    python -m forecasting forecast --history FILE [--time-col C --count-col C --queue-col C --aht-col C]
        [--tz ZONE] [--country CC] [--events FILE] [--queues FILE] [--granularity 15min|30min|60min|daily]
        [--train-end YYYY-MM-DD] --horizon-days N [--method auto|top-down|direct] [--coverage 0.8]
        [--dask-scheduler ADDRESS] --out FILE.csv
    python -m forecasting backtest --history FILE [same input options] [--origins 4] [--step-days 5]

``forecast`` writes the forecast contract (``queue, ds, yhat, yhat_lower, yhat_upper, aht``; ``ds`` ISO 8601
with offset, UTC). ``backtest`` prints WAPE per interval and per day, day-ahead and week-ahead, against
seasonal naive and the recent-weeks average. Progress and notes go to stderr.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from forecasting.calendar import load_events, parse_country
from forecasting.engine import BacktestPlan, backtest_task, forecast_queues, make_tasks, run_tasks
from forecasting.events import check_events
from forecasting.history import ColumnMap, History, load_history, summarise
from forecasting.models import GRANULARITIES, MAX_HORIZON_DAYS, METHODS, QueueSettings
from forecasting.queues import QueueConfig, load_queues
from forecasting.safe_csv import to_safe_csv
from forecasting.validation import InputError


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``validate``, ``forecast`` and ``backtest`` to a ``python -m forecasting`` parser; each sets ``func``."""
    validate = subparsers.add_parser("validate", help="check a contact-history file and summarise it",
                                     description="Check a contact-history file and print a summary per queue.")
    add_column_options(validate)
    validate.set_defaults(func=_validate)

    forecast = subparsers.add_parser("forecast", help="forecast contacts per queue and interval",
                                     description="Fit per queue and write the forecast contract as CSV.")
    _input_options(forecast)
    forecast.add_argument("--horizon-days", type=int, required=True, help=f"days to forecast (1-{MAX_HORIZON_DAYS})")
    forecast.add_argument("--out", required=True, help="CSV to write: queue, ds, yhat, yhat_lower, yhat_upper, aht")
    forecast.set_defaults(func=run_forecast)

    backtest = subparsers.add_parser("backtest", help="rolling-origin accuracy against baselines",
                                     description="Print WAPE day-ahead and week-ahead against the baselines.")
    _input_options(backtest)
    backtest.add_argument("--origins", type=int, default=4, help="number of forecast origins (default 4)")
    backtest.add_argument("--step-days", type=int, default=5, help="days between origins (default 5)")
    backtest.set_defaults(func=run_backtest)


def _input_options(parser: argparse.ArgumentParser) -> None:
    add_column_options(parser, file_flag="--history")
    parser.add_argument("--country", help="holiday country (GB, GB-ENG, US...) of queues not in --queues")
    parser.add_argument("--events", help="events file: name, kind, start, end, queues, lift, decay_days")
    parser.add_argument("--granularity", choices=list(GRANULARITIES), help="default: the history's interval")
    parser.add_argument("--train-end", help="fit only on history before this local date (YYYY-MM-DD)")
    parser.add_argument("--method", choices=["auto", *METHODS], default="auto",
                        help="auto picks per queue by backtest (default)")
    parser.add_argument("--coverage", type=float, default=0.8, help="share of outcomes inside the band (0.8)")
    parser.add_argument("--dask-scheduler", help="Dask scheduler address (default: env WFM_DASK_SCHEDULER, "
                                                 "else local processes)")


def add_column_options(parser: argparse.ArgumentParser, *, file_flag: str | None = None) -> None:
    """The history-reading options shared by every subcommand that loads a history file."""
    if file_flag:
        parser.add_argument(file_flag, dest="file", required=True, help="contact history: CSV, .csv.gz or .xlsx")
    else:
        parser.add_argument("file", help="contact history: CSV (, ; tab |), .csv.gz or .xlsx")
    parser.add_argument("--tz", help="IANA time zone of timestamps without an offset, e.g. Europe/Dublin "
                                     "(also the zone of queues not in --queues)")
    parser.add_argument("--time-col", help="column with the contact time or interval start (default: auto)")
    parser.add_argument("--count-col", help="column with contacts per interval (absent: one row per contact)")
    parser.add_argument("--queue-col", help="column with the queue name (default: auto)")
    parser.add_argument("--channel-col", help="column with the channel (used as queue when there is no queue)")
    parser.add_argument("--aht-col", help="column with handle / AHT seconds (default: auto)")
    parser.add_argument("--interval-minutes", type=int, choices=(15, 30, 60, 1440),
                        help="interval length; default: detected, or 15 for contact records")
    parser.add_argument("--queues", help="queues file (e.g. data/queues.csv) with opening hours and zones")


def load_history_from_args(args: argparse.Namespace) -> tuple[History, dict[str, QueueConfig]]:
    """Run :func:`forecasting.history.load_history` with the options of :func:`add_column_options`."""
    queues = load_queues(args.queues) if args.queues else {}
    columns = ColumnMap(time=args.time_col, count=args.count_col, queue=args.queue_col,
                        channel=args.channel_col, handle=args.aht_col)
    history = load_history(args.file, tz=args.tz, columns=columns, interval_minutes=args.interval_minutes,
                           queues=queues or None)
    return history, queues


def _validate(args: argparse.Namespace) -> int:
    """Load and check a history file; print the per-queue summary and the notes."""
    history, _ = load_history_from_args(args)
    summary = summarise(history)
    print(f"{history.source_name}: {history.source_kind}, {history.interval_minutes}-minute intervals, "
          f"times in {history.timezone} ({len(history.frame):,} intervals, {len(summary)} queue(s))")
    with pd.option_context("display.width", 250, "display.max_columns", None, "display.precision", 3):
        print(summary.to_string(index=False))
    if history.notes:
        print("\nNotes:")
        for note in history.notes:
            print(f"- {note}")
    if len(history.gaps):
        print(f"\nMissing stretches ({len(history.gaps)}; not filled):")
        print(history.gaps.head(20).to_string(index=False))
        if len(history.gaps) > 20:
            print(f"... and {len(history.gaps) - 20} more")
    return 0


def _add_validate(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("validate", help="check a contact-history file and summarise it",
                                   description="Check a contact-history file and print a summary per queue.")
    add_column_options(parser)
    parser.set_defaults(func=_validate)


def _tasks(args: argparse.Namespace, horizon_days: int):
    if not 1 <= horizon_days <= MAX_HORIZON_DAYS:
        raise InputError(f"--horizon-days {horizon_days} is out of range.",
                         fix=f"forecast between 1 and {MAX_HORIZON_DAYS} days (2 years) ahead.")
    if args.country:
        try:
            parse_country(args.country)
        except ValueError as err:
            raise InputError(f"{err}.", column="--country", fix="use an ISO code such as GB, GB-ENG, US or IE.") from None
    train_end = _date(args.train_end) if args.train_end else None
    history, configs = load_history_from_args(args)
    for note in history.notes:
        _say(f"note: {note}")
    frame = history.frame
    queues = sorted(frame["queue"].unique())
    known = sorted(set(queues) | set(configs))  # an events file may name queues this history lacks
    events = load_events(args.events, known_queues=known) if args.events else None
    if events is not None:
        check_events(events, known, label=Path(args.events).name)
    settings = {q: QueueSettings.from_config(configs[q]) if q in configs
                else QueueSettings(q, args.tz or history.timezone, (args.country or "").upper()) for q in queues}
    granularity = GRANULARITIES[args.granularity] if args.granularity else history.interval_minutes
    return make_tasks(frame, settings, events, interval_minutes=history.interval_minutes,
                      horizon_days=horizon_days, granularity=granularity, method=args.method,
                      coverage=args.coverage, train_end=train_end)


def _date(text: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(text).normalize()
    except (ValueError, TypeError):
        raise InputError("is not a date.", column="--train-end", value=text, fix="write YYYY-MM-DD.") from None


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _progress(done: int, total: int, queue: str) -> None:
    _say(f"[{done}/{total}] {queue} done")


def run_forecast(args: argparse.Namespace) -> int:
    """Fit, forecast and write the CSV; returns the exit code."""
    tasks = _tasks(args, args.horizon_days)
    results = forecast_queues(tasks, scheduler=args.dask_scheduler, progress=_progress)
    frames = []
    for queue, result in results.items():
        for note in result.notes:
            _say(f"note: {note}")
        _say(f"{queue}: method {result.method}")
        frames.append(result.forecast)
    out = pd.concat(frames, ignore_index=True)
    out["ds"] = out["ds"].dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")  # UTC inside, with its offset spelled out
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_bytes(to_safe_csv(out, float_format="%.3f"))
    _say(f"wrote {args.out}: {len(out):,} rows, {out['queue'].nunique()} queue(s)")
    return 0


def run_backtest(args: argparse.Namespace) -> int:
    """Rolling-origin backtest per queue; prints the accuracy table; returns the exit code."""
    if args.origins < 1 or args.step_days < 1:
        raise InputError("--origins and --step-days must be at least 1.")
    plan = BacktestPlan(origins=args.origins, step_days=args.step_days)
    tasks = _tasks(args, plan.horizon_days)
    results = run_tasks(backtest_task, tasks, plan, scheduler=args.dask_scheduler, progress=_progress)
    table = pd.concat([table for table, _ in results], ignore_index=True)
    with pd.option_context("display.width", 200, "display.max_columns", None, "display.precision", 3):
        print(table.to_string(index=False))
    return 0
