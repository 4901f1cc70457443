"""``python -m scheduling plan``: requirements, sites and shift templates in, a shift plan directory out.

    python -m scheduling plan --requirements R.csv --sites S.csv --shifts T.(csv|yaml) [--overtime O.csv]
                              [--solver highs|cbc] [--time-limit 60] [--gap 0.005] [--open-week]
                              [--fixed-breaks] --out DIR

Writes ``shift_plan.csv``, ``overtime_blocks.csv``, ``coverage.csv``, ``tours.csv``, ``summary.json`` and
copies of the inputs (see :mod:`scheduling.plan_export`); prints the solver report and costs.
Registered by ``scheduling/__main__.py`` through :func:`add_command`; bad input raises
:class:`~forecasting.validation.InputError`, which the entry point prints (exit status 2).
"""
from __future__ import annotations

import argparse
import sys
import time

from scheduling.optimiser import STATUS_MEANING, plan_shifts
from scheduling.plan_export import summary, write_outputs
from scheduling.plan_options import PlanOptions, Weights
from scheduling.sites import load_overtime, load_requirements, load_sites, load_templates


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0 (got {text})")
    return value


def _share(text: str) -> float:
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be a fraction from 0 to below 1, e.g. 0.005 for 0.5% (got {text})")
    return value


def add_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``plan`` subcommand (sets ``func``) and return its parser."""
    defaults = Weights()
    p = subparsers.add_parser("plan", help="optimise a weekly shift plan across sites (breaks, tours, overtime)",
                              description=__doc__.splitlines()[0])
    p.add_argument("--requirements", required=True,
                   help="requirements CSV: queue, ds (UTC), scheduled [, scheduled_upper]")
    p.add_argument("--sites", required=True, help="sites CSV (see data/sites.csv)")
    p.add_argument("--shifts", required=True, help="shift templates, CSV or YAML (see data/shift_templates.csv)")
    p.add_argument("--overtime", help="overtime rules CSV (see data/overtime.csv); none: no overtime")
    p.add_argument("--solver", choices=("highs", "cbc"), default="highs", help="MILP solver (default highs)")
    p.add_argument("--time-limit", type=_positive, default=60.0, help="seconds for the whole solve (default 60)")
    p.add_argument("--gap", type=_share, default=0.005, help="stop at this relative gap (default 0.005 = 0.5%%)")
    p.add_argument("--threads", type=int, help="solver threads (default: the solver's choice)")
    p.add_argument("--open-week", action="store_true",
                   help="do not wrap the week round: shifts past its end do not cover its start")
    p.add_argument("--fixed-breaks", action="store_true", help="pin each break to its window's middle (to compare)")
    p.add_argument("--shortfall-cost", type=float, default=defaults.shortfall,
                   help=f"penalty per agent-hour below 'scheduled' (default {defaults.shortfall:g})")
    p.add_argument("--upper-shortfall-cost", type=float, default=defaults.upper_shortfall,
                   help=f"penalty per agent-hour below 'scheduled_upper' (default {defaults.upper_shortfall:g})")
    p.add_argument("--overstaffing-cost", type=float, default=defaults.overstaffing,
                   help=f"penalty per agent-hour above 'scheduled' (default {defaults.overstaffing:g})")
    p.add_argument("--overtime-use", type=float, default=defaults.overtime_use,
                   help=f"expected share of offered overtime that is worked (default {defaults.overtime_use:g})")
    p.add_argument("--out", required=True, help="directory to write the plan into")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Load and validate the inputs, plan, write the directory, print the report. Exit status 0."""
    sites = load_sites(args.sites)
    templates = load_templates(args.shifts, sites=sites)
    overtime = load_overtime(args.overtime, sites=sites) if args.overtime else {}
    requirements = load_requirements(args.requirements, sites)
    options = PlanOptions(solver=args.solver, time_limit=args.time_limit, gap=args.gap, threads=args.threads,
                          cyclic=not args.open_week, flexible_breaks=not args.fixed_breaks,
                          weights=Weights(shortfall=args.shortfall_cost, upper_shortfall=args.upper_shortfall_cost,
                                          overstaffing=args.overstaffing_cost, overtime_use=args.overtime_use))
    started = time.perf_counter()

    def progress(message: str, done: float) -> None:
        if not args.quiet:
            print(f"[{time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    plan = plan_shifts(requirements, sites, templates, overtime, options, progress=progress)
    paths = write_outputs(plan, args.out)
    facts = summary(plan)
    solver = facts["solver"]
    print(f"status {solver['status']} ({solver['name']}: {STATUS_MEANING[solver['status']]}), "
          f"objective {_money(solver['objective'])}, "
          f"bound {_money(solver['bound'])}, LP relaxation {_money(solver['lp_relaxation'])}, "
          f"gap {_percent(solver['gap'])}, {solver['seconds']:.1f} s "
          f"(first plan after {_seconds(solver['first_solution_seconds'])})")
    print(f"cost of shifts {facts['cost']['shifts']:,.2f}; overtime offered {facts['cost']['overtime_if_all_used']:,.2f} "
          f"if all worked; paid hours {facts['paid_hours']:,.1f}; FTE {facts['fte']:,.1f}")
    for name, site in facts["sites"].items():
        if site["shifts"]:
            print(f"  {name}: {site['shifts']} shifts, {site['paid_hours']:,.1f} paid hours, head count "
                  f"{site['headcount'] if site['headcount'] is not None else '-'}, cost {site['cost']:,.2f}")
    for queue, staffing in facts["staffing"].items():
        if staffing["under_agent_hours"] > 0:
            print(f"  {queue}: {staffing['under_agent_hours']:,.1f} agent-hours short of the requirement")
    for warning in plan.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"wrote {', '.join(path.name for path in paths.values())} to {args.out}")
    return 0


def _money(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def _percent(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.2%}"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"
