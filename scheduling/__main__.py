"""Command line of the scheduling stage.

    python -m scheduling erlang --calls 100 --interval-minutes 30 --aht 180 --sl 0.8 --answer-seconds 20
                                [--patience S] [--asa S] [--max-occupancy 0.85] [--max-abandon 0.05]
                                [--shrinkage 0.3] [--json]
    python -m scheduling requirements --forecast F.csv --queues Q.csv --out R.csv
                                [--shrinkage data/shrinkage.csv] [--percentile 0.9] [--count-breaks]

Each subcommand is a ``register(subparsers)`` function that sets ``func``; add a new one (plan,
roster, simulate...) by writing its function and listing it in ``COMMANDS``.
Bad input prints the planner-facing message and exits with status 2.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

from forecasting.queues import load_queues
from forecasting.validation import InputError
from scheduling import erlang
from scheduling.requirements import carried_backlog, read_forecast, requirements, totals
from scheduling.shrinkage import DEFAULT_SHRINKAGE, load_shrinkage, scheduled_agents


def _erlang(args: argparse.Namespace) -> int:
    interval = args.interval_minutes * 60
    if args.sl is not None and args.answer_seconds is not None and args.answer_seconds > interval:
        raise InputError("the answer time is longer than the interval.", column="answer-seconds",
                         value=args.answer_seconds, fix="use an answer time within the interval.")
    shrinkage = Fraction(str(args.shrinkage))
    if not 0 <= shrinkage < 1:
        raise InputError("shrinkage must be at least 0 and below 1 (0.3 = 30%).", column="shrinkage",
                         value=args.shrinkage)
    agents = int(erlang.required_agents(
        args.calls, args.aht, interval, target_sl=args.sl, answer_time=args.answer_seconds, target_asa=args.asa,
        max_occupancy=args.max_occupancy, max_abandon=args.max_abandon, patience=args.patience))
    m = erlang.measures(args.calls, args.aht, interval, agents, args.answer_seconds, args.patience)
    result = {
        "model": "Erlang A" if args.patience else "Erlang C",
        "traffic_erlangs": float(erlang.traffic(args.calls, args.aht, interval)),
        "agents": agents,
        "scheduled": int(scheduled_agents(agents, shrinkage)),
        "service_level": float(m["service_level"]) if "service_level" in m else None,
        "asa_seconds": float(m["asa"]),
        "occupancy": float(m["occupancy"]),
        "prob_wait": float(m["prob_wait"]),
        "abandon_rate": float(m["abandon_rate"]),
    }
    if args.json:
        # JSON has no infinity: an unstable queue's ASA is written as null
        finite = {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in result.items()}
        print(json.dumps(finite))
        return 0
    print(f"{result['model']}: {result['traffic_erlangs']:.2f} Erlangs")
    print(f"agents on line     {agents}")
    print(f"scheduled          {result['scheduled']}  (shrinkage {float(shrinkage):.0%})")
    if result["service_level"] is not None:
        print(f"service level      {result['service_level']:.1%} within {args.answer_seconds:g} s")
    print(f"ASA                {result['asa_seconds']:.1f} s")
    print(f"occupancy          {result['occupancy']:.1%}")
    print(f"P(wait)            {result['prob_wait']:.1%}")
    if args.patience:
        print(f"abandoned          {result['abandon_rate']:.1%}")
    return 0


def _requirements(args: argparse.Namespace) -> int:
    queues = load_queues(args.queues)
    forecast = read_forecast(args.forecast, name=Path(args.forecast).name)
    result = requirements(forecast, queues, load_shrinkage(args.shrinkage), planning_quantile=args.percentile,
                          breaks_placed_by_optimiser=not args.count_breaks, name=Path(args.forecast).name)
    result.to_csv(args.out, index=False)
    summary = totals(result)
    for row in summary.itertuples():
        print(f"{row.queue:<12} {row.agent_hours:10.1f} agent hours  {row.scheduled_hours:10.1f} scheduled hours"
              f"  {row.fte:7.1f} FTE")
    for queue, left in carried_backlog(result).items():
        if left > 0.005:
            print(f"{queue}: {left:.1f} items still waiting at the horizon end, carried into the next plan")
    print(f"wrote {len(result)} rows to {args.out}")
    return 0


def register_erlang(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("erlang", help="quick Erlang C / Erlang A calculator")
    p.add_argument("--calls", type=float, required=True, help="calls offered per interval")
    p.add_argument("--interval-minutes", type=float, default=30, help="interval length (minutes)")
    p.add_argument("--aht", type=float, required=True, help="average handle time (seconds)")
    p.add_argument("--sl", type=float, help="service level target, 0.8 = 80%%")
    p.add_argument("--answer-seconds", type=float, help="answer time of the service level (seconds)")
    p.add_argument("--asa", type=float, help="target average speed of answer (seconds)")
    p.add_argument("--patience", type=float, help="mean caller patience (seconds): Erlang A")
    p.add_argument("--max-occupancy", type=float, help="occupancy cap, 0.85 = 85%%")
    p.add_argument("--max-abandon", type=float, help="abandonment cap (needs --patience)")
    p.add_argument("--shrinkage", type=float, default=0.0, help="total shrinkage, 0.3 = 30%%")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_erlang)


def register_requirements(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("requirements", help="forecast CSV -> agents per interval CSV")
    p.add_argument("--forecast", required=True, help="forecast CSV: queue, ds, yhat, yhat_lower, yhat_upper, aht")
    p.add_argument("--queues", required=True, help="queues CSV (see data/queues.csv)")
    p.add_argument("--out", required=True, help="requirements CSV to write")
    p.add_argument("--shrinkage", default=str(DEFAULT_SHRINKAGE), help="shrinkage CSV (see data/shrinkage.csv)")
    p.add_argument("--percentile", type=float, help="staff to this forecast quantile (e.g. 0.9) instead of yhat")
    p.add_argument("--count-breaks", action="store_true",
                   help="count break shrinkage (only when no shift optimiser places breaks)")
    p.set_defaults(func=_requirements)


COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [register_erlang, register_requirements]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scheduling", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for register in COMMANDS:
        register(sub)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
