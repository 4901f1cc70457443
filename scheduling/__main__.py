"""Command line of the scheduling stage.

    python -m scheduling erlang --calls 100 --interval-minutes 30 --aht 180 --sl 0.8 --answer-seconds 20
                                [--patience S] [--asa S] [--max-occupancy 0.85] [--max-abandon 0.05]
                                [--shrinkage 0.3] [--json]
    python -m scheduling requirements --forecast F.csv --queues Q.csv --out R.csv
                                [--shrinkage data/shrinkage.csv] [--percentile 0.9] [--count-breaks]
    python -m scheduling plan --requirements R.csv --sites S.csv --shifts T.(csv|yaml) [--overtime O.csv]
                              [--solver highs|cbc] [--time-limit 60] --out DIR
    python -m scheduling roster --plan DIR [--agents FILE] --out DIR [--rest-hours 11] [--max-days 6] [--bom]
    python -m scheduling simulate --roster FILE --forecast FILE --queues FILE [--replications 20]
                                [--uncertainty] [--handle-cv 0.8] [--out FILE]

Each subcommand is a ``register(subparsers)`` function that sets ``func``; add a new one by writing
its function and listing it in ``COMMANDS`` (``plan`` lives in :mod:`scheduling.plan_cli`).
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
from forecasting.safe_csv import to_safe_csv
from forecasting.validation import InputError, run_command
from scheduling import erlang
from scheduling.agents import load_agents
from scheduling import plan_cli
from scheduling.export import read_roster_csv, roster_horizon, write_roster
from scheduling.requirements import carried_backlog, read_forecast, requirements, totals
from scheduling.roster import build_roster
from scheduling.roster_check import check_roster
from scheduling.roster_options import RosterOptions
from scheduling.roster_plan import read_plan
from scheduling.shrinkage import DEFAULT_SHRINKAGE, load_shrinkage, scheduled_agents
from scheduling.simulation import replay
from scheduling.sites import load_sites


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
    Path(args.out).write_bytes(to_safe_csv(result))
    summary = totals(result)
    for row in summary.itertuples():
        print(f"{row.queue:<12} {row.agent_hours:10.1f} agent hours  {row.scheduled_hours:10.1f} scheduled hours"
              f"  {row.fte:7.1f} FTE")
    for queue, left in carried_backlog(result).items():
        if left > 0.005:
            print(f"{queue}: {left:.1f} items still waiting at the horizon end, carried into the next plan")
    print(f"wrote {len(result)} rows to {args.out}")
    return 0


def _roster(args: argparse.Namespace) -> int:
    plan = read_plan(args.plan, sites=args.sites, templates=args.templates, overtime_rules=args.overtime)
    agents = load_agents(args.agents, plan.sites) if args.agents else None
    options = RosterOptions(rest_hours=args.rest_hours, max_consecutive_days=args.max_days,
                            time_limit=args.time_limit)
    roster = build_roster(plan, agents, options, progress=lambda message, _: print(message, file=sys.stderr))
    for problem in roster.problems:
        print(f"agents: {problem}")
    for warning in roster.warnings:
        print(f"note: {warning}")
    written = write_roster(roster, args.out, bom=args.bom)
    rostered = roster.shifts["agent_id"].notna()
    print(f"rostered {int(rostered.sum())} of {len(roster.shifts)} planned shifts on "
          f"{roster.assigned['agent_id'].nunique()} agents ({len(roster.agents)} usable)")
    for row in roster.open_shifts.itertuples():
        print(f"open: {row.count} x {row.site} {row.queue} {row.template} {row.date_local} "
              f"{row.start_local}-{row.end_local}: {row.reason}")
    for row in roster.unoffered_overtime.itertuples():
        print(f"overtime not offered: {row.site} {row.queue} {row.date_local} {row.start_local}-{row.end_local} "
              f"({row.minutes} min {row.side} the {row.shift_start}-{row.shift_end} shift of {row.agent_id}): "
              f"{row.reason}")
    spread = roster.spread[roster.spread["site"] == "all sites"]
    print("spread per agent (min-max): " + ", ".join(f"{r.kind} {r.min}-{r.max}" for r in spread.itertuples()))
    if roster.satisfaction is not None:
        print(f"preferences honoured: {roster.satisfaction:.1%}")
    violations = check_roster(roster.assigned, roster.agents, plan.templates, plan.horizon, plan.sites,
                              overtime_rules=plan.overtime_rules, rest_hours=args.rest_hours,
                              max_consecutive_days=args.max_days, plan_shifts=plan.shifts,
                              open_shifts=roster.shifts[~rostered])
    print(f"independent check: {len(violations)} rule violation(s)")
    for row in violations.itertuples():
        print(f"  {row.rule} {row.agent_id or ''}: {row.detail}")
    print(f"wrote {len(written)} files to {args.out}")
    return 0 if violations.empty else 1


def _simulate(args: argparse.Namespace) -> int:
    sites = load_sites(args.sites) if args.sites else None
    shifts = read_roster_csv(args.roster, sites)
    if shifts.empty:
        raise InputError("the roster has no shifts.", file=Path(args.roster).name, fix="give a roster CSV.")
    queues = load_queues(args.queues)
    forecast = read_forecast(args.forecast, name=Path(args.forecast).name)
    result = replay(shifts, roster_horizon(shifts, forecast["ds"]), forecast, queues,
                    replications=args.replications, seed=args.seed, uncertainty=args.uncertainty,
                    handle_cv=args.handle_cv, name=Path(args.forecast).name)
    print(f"{result.replications} replications; band = the middle {result.band:.0%} of runs; "
          "expected = Erlang at the rostered agents")
    print(f"{'queue':<10} {'date':<10} {'offered':>8} {'service level (band)':<23} {'expected':>9} "
          f"{'ASA s':>7} {'abandoned':>9} {'occupancy':>9}")
    for row in result.daily.itertuples():
        band = (f"({_pct(row.service_level_low)}-{_pct(row.service_level_high)})"
                if math.isfinite(row.service_level_low) else "")
        print(f"{row.queue:<10} {row.date!s:<10} {row.offered:8.0f} {_pct(row.service_level):>7} {band:<15}"
              f"{_pct(row.expected_service_level):>9} {row.asa:7.1f} {_pct(row.abandon_rate):>9} "
              f"{_pct(row.occupancy):>9}")
    if args.out:
        frame = result.intervals.copy()
        frame["ds"] = [t.isoformat() for t in frame["ds"]]
        Path(args.out).write_bytes(to_safe_csv(frame.round(6)))
        print(f"wrote {len(frame)} intervals to {args.out}")
    return 0


def _pct(value: float) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.1%}"


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


def register_roster(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("roster", help="shift plan directory -> named agents, roster CSVs, calendars, coverage")
    p.add_argument("--plan", required=True, help="the shift optimiser's plan directory")
    p.add_argument("--agents", help="agents CSV (see data/agents.csv); without it, anonymous agents per site")
    p.add_argument("--out", required=True, help="directory to write the roster files to")
    p.add_argument("--sites", help="sites CSV, if the plan directory has none (default: data/sites.csv)")
    p.add_argument("--templates", help="shift templates CSV, if the plan directory has none")
    p.add_argument("--overtime", help="overtime rules CSV, if the plan directory has none")
    p.add_argument("--rest-hours", type=float, default=11.0, help="least rest between shifts (hours)")
    p.add_argument("--max-days", type=int, default=6, help="most working days in a row")
    p.add_argument("--time-limit", type=float, default=30.0, help="solver time per site (seconds)")
    p.add_argument("--bom", action="store_true", help="write CSVs with a UTF-8 byte-order mark (for Excel)")
    p.set_defaults(func=_roster)


def register_simulate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("simulate", help="replay a roster CSV against random contacts from a forecast")
    p.add_argument("--roster", required=True, help="roster CSV (python -m scheduling roster)")
    p.add_argument("--forecast", required=True, help="forecast CSV: queue, ds, yhat, yhat_lower, yhat_upper, aht")
    p.add_argument("--queues", required=True, help="queues CSV (see data/queues.csv)")
    p.add_argument("--sites", help="sites CSV, to read break times in each site's time zone")
    p.add_argument("--replications", type=int, default=20, help="independent runs (default 20)")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--uncertainty", action="store_true", help="draw each day's volume from the forecast band")
    p.add_argument("--handle-cv", type=float, help="lognormal handle times with this coefficient of variation "
                                                  "(default: exponential)")
    p.add_argument("--out", help="CSV of realised vs expected measures per queue and interval")
    p.set_defaults(func=_simulate)


COMMANDS: list[Callable[[argparse._SubParsersAction], object]] = [register_erlang, register_requirements,
                                                                  plan_cli.add_command, register_roster,
                                                                  register_simulate]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scheduling", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for register in COMMANDS:
        register(sub)
    return run_command(parser, argv)


if __name__ == "__main__":
    sys.exit(main())
