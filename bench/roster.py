"""Roster and replay at scale: 300 agents, one week, 3 sites (bounds: 60 s to roster, 30 s per replication).

    .venv/bin/python bench/roster.py [--agents-per-site 100] [--seed 0] [--replications 1]

The instance has a planted solution, so it is known to be feasible: 100 weekly lines per site (the
sample sites, templates and overtime rules; a week with the European spring DST change) with
random days-off patterns, start times that drift by up to an hour a day within the rest rule,
staggered breaks and some overtime, and one agent per line whose contract, queues, preferences and
unavailability are consistent with it. The plan the builder sees is only the aggregated counts.
The roster is then recounted by the independent checker (rest, runs of days, hours, patterns,
coverage), and replayed against a forecast of about 100,000 contacts.

Prints the measured time against each bound as a ratio (below 1 = met). With SimPy importable
(``pip install simpy``), also times the same replay of one queue written as a SimPy model: the peer.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forecasting.queues import load_queues  # noqa: E402
from scheduling.agents import load_agents  # noqa: E402
from scheduling.roster import build_roster  # noqa: E402
from scheduling.roster_check import check_roster  # noqa: E402
from scheduling.roster_coverage import interval_coverage  # noqa: E402
from scheduling.roster_plan import read_plan  # noqa: E402
from scheduling.simulation import replay  # noqa: E402
from scheduling.sites import load_sites, load_templates  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "data"
WEEK = pd.Timestamp("2026-03-23")  # Monday; Europe moves its clocks on Sunday 29 March
START = WEEK.tz_localize("UTC")    # the plan's horizon: one cyclic UTC week
MIX = [("FT 8h", 0.6), ("FT 10h", 0.15), ("PT 4h", 0.15), ("PT 6h", 0.1)]
CONTRACTS = {"full_time": (35.0, 40.0), "part_time": (20.0, 24.0)}
ROSTER_BOUND, REPLAY_BOUND = 60.0, 30.0


def planted_instance(folder: Path, agents_per_site: int = 100, seed: int = 0) -> tuple[Path, Path]:
    """Write a plan directory and an agents file with a known feasible roster; return their paths."""
    rng = np.random.default_rng(seed)
    sites = load_sites(DATA / "sites.csv")
    templates = load_templates(DATA / "shift_templates.csv", sites=sites)
    plan_rows, overtime_rows, agents = [], [], []
    names = _names(rng, agents_per_site * len(sites))
    for site in sites.values():
        for k in range(agents_per_site):
            name = rng.choice([m for m, _ in MIX], p=[p for _, p in MIX])
            template = templates[name]
            queues = list(site.queues) if rng.random() < 0.7 else [str(rng.choice(site.queues))]
            days = _days(rng, template)
            length = template.length_minutes
            latest = min(site.latest_start, 24 * 60 - 15)
            base = int(rng.integers(site.earliest_start // 15, latest // 15 + 1)) * 15
            starts = {}
            for d in days:
                start = int(np.clip(base + 15 * rng.integers(-4, 5), site.earliest_start, latest))
                starts[d] = start - start % 15
            _keep_rest(starts, length)
            overtime_left = 2
            for d, start in starts.items():
                wall = WEEK + pd.Timedelta(days=d, minutes=start)
                if wall.tz_localize(site.timezone, nonexistent="NaT", ambiguous=True) is pd.NaT:
                    start += 60  # no such wall time on the spring-forward day
                    wall += pd.Timedelta(minutes=60)
                # one UTC week, as the optimiser plans it: a start before it is the same weekday a week on
                utc = wall.tz_localize(site.timezone, ambiguous=True).tz_convert("UTC")
                if utc < START:
                    wall += pd.Timedelta(days=7)
                elif utc >= START + pd.Timedelta(days=7):
                    wall -= pd.Timedelta(days=7)
                date = wall.date()
                queue = str(rng.choice(queues))
                breaks = []
                for brk in template.breaks:
                    offset = int(rng.integers(brk.window_start // 15, brk.window_end // 15 + 1)) * 15
                    at = (start + offset) % 1440
                    breaks.append(f"{at // 60:02d}:{at % 60:02d} {brk.minutes}m {'paid' if brk.paid else 'unpaid'}")
                plan_rows.append({"site": site.site, "queue": queue, "date_local": date.isoformat(),
                                  "start_local": f"{start // 60:02d}:{start % 60:02d}", "template": name,
                                  "breaks": "; ".join(breaks), "agent_id": f"{site.site[:3].upper()}{k + 1:04d}"})
                if overtime_left and rng.random() < 0.06:
                    overtime_left -= 1
                    begin = wall.tz_localize(site.timezone, ambiguous=True)
                    end = (begin + pd.Timedelta(minutes=length)).tz_convert(site.timezone)
                    overtime_rows.append({"site": site.site, "queue": queue, "date_local": end.date().isoformat(),
                                          "start_local": end.strftime("%H:%M"), "minutes": 60, "side": "after",
                                          "count": 1})
            low, high = CONTRACTS[template.contract]
            off = [d for d in range(7) if d not in starts]
            free = [d for d in off if (d - 1) % 7 in off]  # a whole free day: yesterday's shift cannot reach it
            kinds = {"early": 0, "day": 0, "late": 0}
            agents.append({
                "agent_id": f"{site.site[:3].upper()}{k + 1:04d}", "name": names.pop(), "site": site.site,
                "queues": ";".join(queues) if len(queues) < len(site.queues) else "", "contract": template.contract,
                "min_hours": low, "max_hours": high,
                "unavailable": (WEEK + pd.Timedelta(days=free[0])).date().isoformat()
                if free and rng.random() < 0.1 else "",
                "prefers": str(rng.choice(list(kinds))) if rng.random() < 0.3 else "",
                "days_off": ";".join(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][d] for d in off[:2])
                if rng.random() < 0.2 else "",
            })
    plan_dir = folder / "plan"
    plan_dir.mkdir(parents=True, exist_ok=True)
    plan = pd.DataFrame(plan_rows)
    plan.to_csv(folder / "planted.csv", index=False)  # the known feasible roster
    plan = plan.drop(columns="agent_id")
    counted = plan.groupby(list(plan.columns), sort=True).size().rename("count").reset_index()
    counted[["site", "queue", "date_local", "start_local", "template", "count", "breaks"]].to_csv(
        plan_dir / "shifts.csv", index=False)
    if overtime_rows:
        blocks = pd.DataFrame(overtime_rows)
        blocks.groupby([c for c in blocks.columns if c != "count"], sort=True)["count"].sum().reset_index().to_csv(
            plan_dir / "overtime_blocks.csv", index=False)
    (plan_dir / "summary.json").write_text(json.dumps({"horizon_start": START.isoformat(), "days": 7, "cyclic": True}))
    for config in ("sites.csv", "shift_templates.csv", "overtime.csv"):
        (plan_dir / config).write_bytes((DATA / config).read_bytes())
    agents_path = folder / "agents.csv"
    pd.DataFrame(agents).to_csv(agents_path, index=False)
    return plan_dir, agents_path


def _days(rng: np.random.Generator, template) -> list[int]:
    """Working weekdays (0 = Monday) of one line under the template's days-off rule."""
    if template.days_off_rule == "consecutive":
        patterns = template.day_patterns()
        return list(patterns[int(rng.integers(len(patterns)))])
    return sorted(rng.choice(template.allowed_days, template.days_per_week, replace=False).tolist())


def _keep_rest(starts: dict[int, int], length: int, rest: int = 13 * 60) -> None:
    """Move starts later where the line would break the rest rule (cyclic week; 13 h of wall time, so
    neither a clock change nor an hour of overtime can take the real rest below 11 h)."""
    days = sorted(starts)
    for _ in range(3):
        for a, b in zip(days, days[1:] + days[:1]):
            gap = ((b - a) % 7 or 7) * 1440 + starts[b] - starts[a] - length
            if gap < rest:
                starts[b] += (rest - gap + 14) // 15 * 15


def _names(rng: np.random.Generator, n: int) -> list[str]:
    first = ["Aoife", "Ciarán", "Niamh", "Seán", "María", "José", "Ana", "Juan", "Liza", "Mark", "Grace", "Paolo",
             "Emily", "Jacob", "Olivia", "Noah", "Sofia", "Liam", "Chloé", "Zoë", "Renée", "Björn", "Dara", "Ines"]
    last = ["Murphy", "Kelly", "O'Brien", "Walsh", "Santos", "Reyes", "Cruz", "Bautista", "Garcia", "Smith",
            "Johnson", "Brown", "Nguyen", "Martinez", "Byrne", "Ryan", "Dela Cruz", "Lopez", "Davis", "Wilson"]
    return [f"{rng.choice(first)} {rng.choice(last)}" for _ in range(n)]


def replay_forecast(roster, queues: dict, target: float = 100_000) -> pd.DataFrame:
    """A forecast scaled to about ``target`` contacts a week that the roster staffs at ~85% occupancy."""
    cover = interval_coverage(roster.shifts, roster.plan.horizon, minutes=30)
    on_line = cover["working"] + cover["overtime"]
    aht = cover["queue"].map({"uk_phone": 300.0, "us_phone": 360.0, "uk_chat": 600.0, "email": 480.0})
    slots = cover["queue"].map({q: c.concurrency for q, c in queues.items()}).fillna(1.0)
    calls = on_line * slots * 0.85 * 1800 / aht
    calls *= target / calls.sum()
    return pd.DataFrame({"queue": cover["queue"], "ds": cover["ds"], "yhat": calls, "yhat_lower": calls * 0.9,
                         "yhat_upper": calls * 1.1, "aht": aht})


def simpy_peer(arrival: np.ndarray, service: np.ndarray, agents: np.ndarray, interval: float) -> float:
    """Seconds to run one queue's FIFO replay with time-varying agents in SimPy (None if not installed)."""
    import simpy

    began = time.perf_counter()
    env = simpy.Environment()
    pool = simpy.PriorityResource(env, capacity=10_000)
    blockers: list = []

    def shifts():
        for n in agents.tolist():
            want = 10_000 - int(n)  # capacity minus the agents on line, held by blockers at top priority
            while len(blockers) < want:
                blockers.append(pool.request(priority=-1))
            while len(blockers) > want:
                pool.release(blockers.pop())
            yield env.timeout(interval)

    def caller(at, work):
        yield env.timeout(at - env.now)
        with pool.request(priority=0) as req:
            yield req
            yield env.timeout(work)

    env.process(shifts())
    for a, s in zip(arrival.tolist(), service.tolist()):
        env.process(caller(a, s))
    env.run()
    return time.perf_counter() - began


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents-per-site", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--replications", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        plan_dir, agents_path = planted_instance(Path(tmp), args.agents_per_site, args.seed)
        began = time.perf_counter()
        plan = read_plan(plan_dir)
        agents = load_agents(agents_path, plan.sites)
        roster = build_roster(plan, agents)
        seconds = time.perf_counter() - began
    violations = check_roster(roster.assigned, roster.agents, plan.templates, plan.horizon, plan.sites,
                              overtime_rules=plan.overtime_rules, plan_shifts=plan.shifts,
                              open_shifts=roster.shifts[roster.shifts["agent_id"].isna()])
    print(f"roster: {len(agents.agents)} agents, {len(plan.shifts)} planned shifts, 3 sites, one week")
    for r in roster.report:
        print(f"  {r['site']:<7} {r['agents']:>4} agents {r['shifts']:>5} shifts {r['types']:>4} shift types; "
              f"tours {r['tours_status']}, {r['passes']} passes, {r['repaired']} tours repaired; {r['seconds']:5.1f} s")
    print(f"  open shifts {int(roster.open_shifts['count'].sum()) if len(roster.open_shifts) else 0}, "
          f"rule violations (independent checker) {len(violations)}, "
          f"preference satisfaction {roster.satisfaction:.1%}")
    spread = roster.spread[roster.spread["site"] == "all sites"].set_index("kind")["spread"].to_dict()
    print(f"  spread per agent (max - min): {spread}")
    print(f"  built in {seconds:.1f} s; bound {ROSTER_BOUND:.0f} s; ratio {seconds / ROSTER_BOUND:.2f} "
          f"({'met' if seconds < ROSTER_BOUND and violations.empty else 'NOT met'})")

    queues = load_queues(DATA / "queues.csv")
    forecast = replay_forecast(roster, queues)
    began = time.perf_counter()
    result = replay(roster.shifts, plan.horizon, forecast, queues, replications=args.replications, seed=args.seed)
    per_run = (time.perf_counter() - began) / args.replications
    offered = result.runs.groupby("replication")["offered"].sum().mean()
    print(f"replay: {offered:,.0f} contacts per run, {args.replications} replication(s)")
    print(f"  {per_run:.2f} s per replication; bound {REPLAY_BOUND:.0f} s; ratio {per_run / REPLAY_BOUND:.3f} "
          f"({'met' if per_run < REPLAY_BOUND else 'NOT met'})")
    try:
        import simpy  # noqa: F401
    except ImportError:
        print("  SimPy peer: not installed (pip install simpy to measure it)")
        return 0 if seconds < ROSTER_BOUND and violations.empty and per_run < REPLAY_BOUND else 1
    queue = "us_phone"
    rows = forecast[forecast["queue"] == queue]
    rng = np.random.default_rng(args.seed)
    counts = rng.poisson(rows["yhat"].to_numpy())
    which = np.repeat(np.arange(len(rows)), counts)
    arrival = np.sort((which + rng.random(which.size)) * 1800.0)
    service = rng.exponential(rows["aht"].to_numpy()[which])
    cover = interval_coverage(roster.shifts, plan.horizon, minutes=30)
    agents_on = cover[cover["queue"] == queue]
    staff = np.floor(agents_on["working"] + agents_on["overtime"]).to_numpy()
    peer = simpy_peer(arrival, service, staff, 1800.0)
    from scheduling.simulation import simulate
    began = time.perf_counter()
    simulate(rows["yhat"].to_numpy(), rows["aht"].to_numpy(), staff, interval=1800.0, answer_time=30, seed=1)
    ours = time.perf_counter() - began
    print(f"  one queue ({queue}, {which.size:,} contacts): ours {ours:.2f} s, SimPy {peer:.2f} s, "
          f"ratio SimPy / ours {peer / ours:.1f}")
    return 0 if seconds < ROSTER_BOUND and violations.empty and per_run < REPLAY_BOUND else 1


if __name__ == "__main__":
    sys.exit(main())
