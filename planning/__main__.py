"""Command line of the planning stage: what-if scenarios, the capacity (hiring) plan, the scenario store.

    python -m planning compare --scenarios FILE.json [--history data/history.csv.gz] [--queues data/queues.csv]
                               [--events data/events.csv] [--sites data/sites.csv] [--weeks 1]
                               [--shifts data/shift_templates.csv [--overtime data/overtime.csv]
                                [--optimiser-seconds 25]] [--out comparison.csv]
    python -m planning capacity --input capacity.json [--out hiring_plan.csv]
    python -m planning store list | export [NAME ...] | import FILE.json   (WFM_DATABASE_URL or the local file)

``compare`` reads scenarios from a JSON export of the app ("Download scenarios"), runs each against the
base plan and prints the side-by-side table; with ``--shifts`` every scenario also gets a shift plan.
``capacity`` reads a capacity question (see :class:`planning.capacity.CapacityInputs`: start, required
FTE per week, headcount, attrition, planned classes, leave, tolerance...) and prints the recommended
hiring classes with the week-by-week check. Bad input prints the planner-facing message and exits with 2.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from forecasting.calendar import load_events
from forecasting.history import load_history
from forecasting.queues import load_queues
from forecasting.safe_csv import to_safe_csv
from forecasting.validation import InputError, run_command
from planning.capacity import check_plan, make_inputs, recommend
from planning.scenarios import BASE_NAME, BaseInputs, Scenario, StageCache, compare, comparison_table, run_scenarios
from planning.store import open_store, parse_export
from scheduling.sites import load_overtime, load_sites, load_templates

DATA = Path(__file__).resolve().parent.parent / "data"


def _read(path: str, label: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as err:
        raise InputError(f"cannot be read ({err.strerror}).", file=path, fix=f"give the path of the {label}.") from None


def _compare(args: argparse.Namespace) -> int:
    scenarios = parse_export(_read(args.scenarios, "scenario export"))
    queues = load_queues(args.queues)
    history = load_history(args.history, queues=queues)
    events = load_events(args.events, known_queues=list(queues)) if args.events else None
    sites = load_sites(args.sites)
    optimise = args.shifts is not None
    base = BaseInputs(history.frame, history.interval_minutes,
                      {q: c for q, c in queues.items() if q in set(history.frame["queue"])}, events, sites=sites,
                      horizon_days=7 * args.weeks, method="top-down", optimise=optimise,
                      templates=load_templates(args.shifts, sites=sites) if optimise else {},
                      overtime=load_overtime(args.overtime, sites=sites) if optimise and args.overtime else {},
                      optimiser_time_limit=args.optimiser_seconds)
    print(f"running the base plan and {len(scenarios)} scenario(s)…", file=sys.stderr)
    results = run_scenarios(base, [Scenario(name=BASE_NAME), *scenarios], StageCache())
    for result in results:
        for note in result.notes:
            print(f"note ({result.name}): {note}")
    long = compare(results)
    with pd.option_context("display.width", 200, "display.max_columns", None):
        print(comparison_table(long).to_string(index=False))
    if args.out:
        Path(args.out).write_bytes(to_safe_csv(long))
        print(f"wrote {len(long)} rows to {args.out}")
    return 0


def _capacity(args: argparse.Namespace) -> int:
    text = _read(args.input, "capacity question")
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        where = f" (line {err.lineno}, column {err.colno})" if isinstance(err, json.JSONDecodeError) else ""
        raise InputError(f"is not valid JSON{where}.", file=args.input) from None
    if not isinstance(data, dict):
        raise InputError("must be a JSON object (start, required, headcount, ...).", file=args.input)
    inputs = make_inputs(data)
    plan = recommend(inputs, time_limit=args.time_limit)
    weeks = check_plan(inputs, plan)
    if plan.empty:
        print("no hiring class needed.")
    for row in plan.itertuples():
        print(f"start a class of {row.size} on {row.start} (ready after {row.training_weeks} weeks' training "
              f"and {row.ramp_weeks} weeks' ramp-up)")
    short = int((~weeks["within_tolerance"]).sum())
    print(f"{len(weeks)} weeks checked week by week: "
          + (f"{short} stay short beyond the tolerance (no class can be ready in time)." if short
             else "every week within the tolerance."))
    if args.out:
        Path(args.out).write_bytes(to_safe_csv(weeks.astype({"start": str})))
        print(f"wrote the weekly check to {args.out}")
    return 0


def _store(args: argparse.Namespace) -> int:
    store, message = open_store()
    if message:
        print(f"note: {message}", file=sys.stderr)
    if args.action == "list":
        for name in store.names():
            latest = store.history(name)[-1]
            print(f"{name}  (version {latest['version']}, {latest['author']}, {latest['created_at']:%Y-%m-%d %H:%M})")
    elif args.action == "export":
        print(store.export_json(args.names or None))
    else:
        if len(args.names) != 1:
            raise InputError("import takes one JSON file.", fix="python -m planning store import FILE.json")
        names = store.import_json(_read(args.names[0], "scenario export"))
        print(f"imported {len(names)} scenario(s): {', '.join(names)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m planning", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("compare", help="run scenarios against the base plan, side by side")
    p.add_argument("--scenarios", required=True, help="scenario export JSON (the app's 'Download scenarios')")
    p.add_argument("--history", default=str(DATA / "history.csv.gz"), help="contact history (default: the sample)")
    p.add_argument("--queues", default=str(DATA / "queues.csv"), help="queues CSV")
    p.add_argument("--events", default=str(DATA / "events.csv"), help="events CSV ('' for none)")
    p.add_argument("--sites", default=str(DATA / "sites.csv"), help="sites CSV")
    p.add_argument("--weeks", type=int, default=1, choices=range(1, 5), help="weeks planned (1-4)")
    p.add_argument("--shifts", help="shift templates: plan shifts for every scenario")
    p.add_argument("--overtime", help="overtime rules for the shift plans")
    p.add_argument("--optimiser-seconds", type=float, default=25.0, help="shift optimiser limit per scenario")
    p.add_argument("--out", help="comparison CSV (long: kpi, label, unit, scenario, base, value, delta, delta_percent)")
    p.set_defaults(func=_compare)
    p = sub.add_parser("capacity", help="recommend hiring classes for a capacity question (JSON)")
    p.add_argument("--input", required=True, help="capacity question JSON")
    p.add_argument("--time-limit", type=float, default=10.0, help="MILP time limit (seconds)")
    p.add_argument("--out", help="weekly check CSV")
    p.set_defaults(func=_capacity)
    p = sub.add_parser("store", help="list, export or import saved scenarios")
    p.add_argument("action", choices=["list", "export", "import"])
    p.add_argument("names", nargs="*", help="scenario names (export) or the JSON file (import)")
    p.set_defaults(func=_store)
    return run_command(parser, argv)


if __name__ == "__main__":
    sys.exit(main())
