"""Real solves of small shift plans with answers known independently (by hand or by brute force)."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from scheduling.optimiser import plan_shifts
from scheduling.plan_options import PlanOptions, Weights
from scheduling.shift_model import build_model
from scheduling.sites import load_overtime, load_requirements, load_sites, load_templates
from scheduling.shifts import fold_into_weeks

DAY = "2025-06-03"          # a Tuesday, no DST change, no holiday


def sites(**change):
    row = {"site": "A", "timezone": "UTC", "queues": "q", "earliest_start": "00:00", "latest_start": "23:00",
           "max_agents": 100, "hourly_cost": 20, "night_premium": 0, "overtime_multiplier": 1.5, **change}
    return load_sites(pd.DataFrame([row]))


def templates(*rows):
    base = {"template": "8h", "length_minutes": 480, "breaks": "", "start_step_minutes": 60, "allowed_days": "Mon-Sun",
            "days_per_week": 7, "days_off_rule": "any"}
    return load_templates(pd.DataFrame([{**base, **row} for row in rows] or [base]))


def hourly(values: dict[int, float], day: str = DAY, days: int = 1, upper: dict[int, float] | None = None,
           queue: str = "q") -> pd.DataFrame:
    """Requirement per UTC hour (the same every day); ``upper`` raises the band in some hours."""
    ds = pd.date_range(day, periods=24 * days, freq="60min", tz="UTC")
    base = np.array([values.get(t.hour, 0.0) for t in ds])
    high = np.array([(upper or {}).get(t.hour, values.get(t.hour, 0.0)) for t in ds])
    return pd.DataFrame({"queue": queue, "ds": ds, "scheduled": base, "scheduled_upper": high})


def plan(frame, site, tmpl, overtime=None, **options):
    options.setdefault("time_limit", 30)
    return plan_shifts(load_requirements(frame, site), site, tmpl, overtime, PlanOptions(**options))


def test_constant_requirement_of_ten_over_eight_hours_is_ten_eight_hour_shifts():
    site = sites()
    result = plan(hourly({h: 10 for h in range(9, 17)}), site, templates())
    assert result.shifts["count"].sum() == 10
    assert set(result.shifts["start_local"]) == {"09:00"}
    assert result.report.status == "optimal" and result.report.gap == pytest.approx(0, abs=1e-6)
    assert result.report.objective == pytest.approx(10 * 8 * 20)
    assert result.coverage["shortfall"].sum() == 0


def test_matches_a_brute_force_optimum():
    site = sites(earliest_start="08:00", latest_start="12:00")
    tmpl = templates({"template": "4h", "length_minutes": 240})
    need = {8: 2, 9: 3, 10: 3, 11: 1, 12: 2, 13: 4, 14: 2, 15: 1}
    weights = Weights(shortfall=100, overstaffing=2)
    result = plan(hourly(need), site, tmpl, weights=weights)

    def cost(x):   # x[i] agents start at 08:00 + i hours and work 4 hours
        cover = {h: sum(x[i] for i in range(5) if 8 + i <= h < 12 + i) for h in range(24)}
        return (80 * sum(x) + sum(100 * max(need.get(h, 0) - c, 0) + 2 * max(c - need.get(h, 0), 0)
                                  for h, c in cover.items()))
    best = min(cost(x) for x in itertools.product(range(5), repeat=5))
    assert result.report.objective == pytest.approx(best)
    assert result.report.bound <= best + 1e-6


def test_breaks_stay_in_their_windows_and_flexible_breaks_need_no_more_than_fixed_ones():
    site = sites()
    tmpl = templates({"template": "8h", "length_minutes": 480, "breaks": "30 unpaid @ 2:00-5:00",
                      "start_step_minutes": 60})
    need = hourly({h: 6 for h in range(8, 20)})
    flexible = plan(need, site, tmpl)
    fixed = plan(need, site, tmpl, flexible_breaks=False)
    for _, row in flexible.shifts.iterrows():
        assert all(120 <= offset <= 300 for offset in row["break_offsets"])
    assert flexible.report.objective <= fixed.report.objective + 1e-6
    assert flexible.coverage["shortfall"].sum() <= fixed.coverage["shortfall"].sum() + 1e-9
    assert flexible.shifts["count"].sum() <= fixed.shifts["count"].sum()


def test_overtime_covers_only_the_upper_band():
    site = sites(earliest_start="09:00", latest_start="09:00")
    tmpl = templates()
    rules = load_overtime(pd.DataFrame([{"site": "all", "sides": "after", "min_minutes": 30, "max_minutes": 120,
                                         "step_minutes": 30, "max_hours_per_agent_week": 8}]), sites=site)
    need = {h: 5 for h in range(9, 17)}
    with_band = plan(hourly(need, upper={17: 2}), site, tmpl, rules)
    assert with_band.shifts["count"].sum() == 5
    blocks = with_band.overtime
    assert blocks["count"].sum() == 2 and set(blocks["start_utc"].dt.hour) == {17}
    assert (blocks["minutes"] == 60).all() and (blocks["side"] == "after").all()
    assert set(blocks["start_utc"]) <= set(with_band.shifts["end_utc"])       # each extends a planned shift
    band = with_band.coverage.set_index(with_band.coverage["ds"].dt.hour)
    assert band.loc[17, "overtime"] == pytest.approx(2) and band.loc[17, "upper_shortfall"] == pytest.approx(0)
    assert band.drop(index=17)["overtime"].sum() == 0
    without_band = plan(hourly(need), site, tmpl, rules)
    assert without_band.overtime.empty


def test_shortfall_is_reported_when_no_site_can_start_the_needed_shifts():
    site = sites(earliest_start="08:00", latest_start="10:00")
    tmpl = templates({"template": "4h", "length_minutes": 240})
    result = plan(hourly({9: 3, 10: 3, 20: 4, 21: 4}), site, tmpl)
    assert any("20:00-22:00 UTC needs 4 agents on queue q" in w for w in result.warnings)
    short = result.coverage.set_index(result.coverage["ds"].dt.hour)["shortfall"]
    assert short[20] == pytest.approx(4) and short[21] == pytest.approx(4) and short[9] == 0


def test_five_of_seven_tours_staff_every_day_in_whole_agents():
    # 4 agents every day = 28 shifts a week; people working 5 days of 7 come in whole weeks: 6 agents.
    site = sites()
    tmpl = templates({"template": "8h", "days_per_week": 5, "days_off_rule": "consecutive"})
    result = plan(hourly({h: 4 for h in range(9, 17)}, day="2025-06-02", days=7), site, tmpl, time_limit=60)
    assert result.shifts["count"].sum() == 30
    assert result.tours["count"].sum() == 6
    daily = result.shifts.groupby("date_local")["count"].sum()
    assert (daily >= 4).all() and len(daily) == 7
    worked = {d: 0 for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}
    for row in result.tours.itertuples():
        assert len(row.pattern.split(";")) == 5
        for d in row.pattern.split(";"):
            worked[d] += row.count
    assert sorted(worked.values()) == sorted(daily.to_numpy())
    assert result.coverage["shortfall"].sum() == 0


def test_a_dst_week_keeps_09_00_local_starts():
    # Dublin springs forward on Sunday 30 March 2025; the need is 09:00-17:00 Dublin time every day.
    site = sites(timezone="Europe/Dublin")
    ds = pd.date_range("2025-03-24", periods=7 * 24, freq="60min", tz="UTC")
    local = ds.tz_convert("Europe/Dublin")
    need = pd.DataFrame({"queue": "q", "ds": ds, "scheduled": np.where((local.hour >= 9) & (local.hour < 17), 3.0, 0)})
    result = plan(need, site, templates(), time_limit=60)
    assert set(result.shifts["start_local"]) == {"09:00"}
    sunday = result.shifts[result.shifts["date_local"] == pd.Timestamp("2025-03-30").date()]
    assert sunday["start_utc"].dt.hour.unique().tolist() == [8]
    assert result.shifts["count"].sum() == 21 and result.coverage["shortfall"].sum() == 0


def test_headcount_cap_leaves_a_reported_shortfall():
    result = plan(hourly({h: 5 for h in range(9, 17)}), sites(max_agents=3), templates())
    assert result.shifts["count"].sum() == 3
    assert result.coverage["shortfall"].sum() == pytest.approx(2 * 8)


def test_an_open_horizon_does_not_wrap_round():
    site = sites(earliest_start="20:00", latest_start="23:00")
    need = hourly({0: 2, 1: 2, 22: 2, 23: 2})
    cyclic = plan(need, site, templates({"template": "4h", "length_minutes": 240}))
    assert cyclic.coverage["shortfall"].sum() == 0
    open_day = plan(need, site, templates({"template": "4h", "length_minutes": 240}), cyclic=False)
    short = open_day.coverage.set_index(open_day.coverage["ds"].dt.hour)["shortfall"]
    assert short[0] == pytest.approx(2) and short[22] == 0


def test_cbc_gives_the_same_optimum():
    need = hourly({h: 10 for h in range(9, 17)})
    highs = plan(need, sites(), templates())
    cbc = plan(need, sites(), templates(), solver="cbc")
    assert cbc.report.solver == "cbc"
    assert cbc.report.objective == pytest.approx(highs.report.objective)


def test_model_size_is_reported_and_columns_are_distinct():
    model = build_model(load_requirements(hourly({h: 3 for h in range(9, 17)}), sites()), sites(), templates())
    assert model.size["shift_columns"] == 24 and model.size["columns"] > model.size["shift_columns"]
    keys = model.columns[["site", "queue", "template", "slot"]]
    assert not keys.duplicated().any()


def test_local_search_alone_builds_a_feasible_plan_from_nothing():
    # What the solve falls back to when the LP does not finish in time: no shifts, then local search.
    from scheduling.local_search import improve
    from scheduling.shift_model import complete, violation
    tmpl = templates({"template": "8h", "days_per_week": 5, "days_off_rule": "consecutive"},
                     {"template": "6h", "length_minutes": 360, "breaks": "30 unpaid @ 2:00-3:00", "days_per_week": 4,
                      "allowed_days": "Mon-Fri", "days_off_rule": "any"})
    need = load_requirements(hourly({h: 3 for h in range(8, 20)}, day="2025-06-02", days=7), sites())
    model = build_model(need, sites(), tmpl)
    empty = complete(model, np.zeros(model.size["columns"]))
    plan = improve(model, empty, Weights(), seconds=5)
    cost = model.arrays()["cost"]
    assert violation(model, plan) < 1e-6
    assert cost @ plan < 0.2 * (cost @ empty)
    assert plan[model.columns["var"].to_numpy()].sum() > 0


def test_a_week_in_two_time_zones_is_folded_onto_one_cyclic_week():
    """London's week and New York's week of the same dates span 7 days + 5 hours in UTC: folded, tours apply."""
    rows = []
    for queue, zone in (("uk_phone", "Europe/London"), ("us_phone", "America/New_York")):
        local = pd.date_range("2025-11-17", periods=7 * 24, freq="60min", tz=zone)
        rows += [{"queue": queue, "ds": t.tz_convert("UTC"), "scheduled": 2.0 if 9 <= t.hour < 17 else 0.0}
                 for t in local]
    frame = pd.DataFrame(rows)
    site_map = load_sites(pd.DataFrame([{"site": "Hub", "timezone": "Europe/London", "queues": "uk_phone;us_phone",
                                         "earliest_start": "00:00", "latest_start": "23:00", "max_agents": 50,
                                         "hourly_cost": 20}]))
    requirements = load_requirements(frame, site_map)
    assert requirements.days == 8
    folded, note = fold_into_weeks(requirements)
    assert folded.days == 7 and "folded" in note
    # nothing lost: every row is still there, moved back one week if it fell after the first 7 days
    assert len(folded.frame) == len(frame) and folded.frame["scheduled"].sum() == frame["scheduled"].sum()
    late = frame["ds"] >= requirements.start + pd.Timedelta(days=7)
    assert late.sum() == 5 and (folded.frame["ds"] < requirements.start + pd.Timedelta(days=7)).all()
    # a single day is not a week and stays as it is
    day = load_requirements(frame[frame["ds"] < requirements.start + pd.Timedelta(days=1)], site_map)
    assert fold_into_weeks(day) == (day, None)


def _late_monday_early_tuesday() -> pd.DataFrame:
    """A week (Mon 2 June 2025 on) needing 3 agents 14:00-22:00 on Monday, 06:00-14:00 on Tuesday and
    10:00-18:00 on the other days: cheap tours make people work Monday late and Tuesday early."""
    ds = pd.date_range("2025-06-02", periods=7 * 24, freq="60min", tz="UTC")
    hours = {0: range(14, 22), 1: range(6, 14)}
    need = [3.0 if t.hour in hours.get(t.weekday(), range(10, 18)) else 0.0 for t in ds]
    return pd.DataFrame({"queue": "q", "ds": ds, "scheduled": need})


@pytest.mark.parametrize("rest_hours", [11.0, 0.0])
def test_tours_leave_eleven_hours_rest_so_the_roster_staffs_every_shift(rest_hours):
    from scheduling.roster import build_roster
    from scheduling.roster_plan import plan_from_optimiser
    from scheduling.roster_check import check_roster

    site = sites()
    tmpl = templates({"template": "FT", "days_per_week": 5, "days_off_rule": "consecutive"})
    result = plan(_late_monday_early_tuesday(), site, tmpl, rest_hours=rest_hours)
    roster_plan = plan_from_optimiser(result)
    roster = build_roster(roster_plan)       # anonymous agents: the plan's own tours
    open_shifts = int(roster.shifts["agent_id"].isna().sum())
    violations = check_roster(roster.assigned, roster.agents, roster_plan.templates, roster_plan.horizon,
                              roster_plan.sites, rest_hours=11.0)
    assert violations.empty, violations
    if rest_hours:
        # every planned shift finds a person under the 11-hour rule; the report is the moved plan's cost
        assert open_shifts == 0
        assert result.report.objective == pytest.approx(
            float((result.shifts["count"] * result.shifts["cost"]).sum())
            + 400 * result.coverage["shortfall"].sum() + 2 * result.coverage["over"].sum(), rel=1e-6)
    else:
        # without it the cheapest tours pair Monday 14:00-22:00 with Tuesday 06:00: shifts stay open
        assert open_shifts > 0


@pytest.mark.parametrize("rest_hours, agents", [(11.0, 2), (0.0, 1)])
def test_the_bound_knows_one_agent_cannot_close_monday_and_open_tuesday(rest_hours, agents):
    """One agent needed Monday 14:00-22:00 and Tuesday 06:00-14:00, nobody else all week, 8-hour shifts at
    20 an hour, tours of 5 days in a row. Tuesday 06:00 is 8 hours after Monday 22:00, so under the
    11-hour rule Tuesday needs someone off on Monday: 2 agents, 10 shifts (8 of them idle, at 2 an
    agent-hour over), 1,728; without the rule one agent does both, 5 shifts, 848. The LP relaxation
    must already know it (rest as Hall's conditions on start times), so the plan is proven optimal."""
    ds = pd.date_range("2025-06-02", periods=7 * 24, freq="60min", tz="UTC")
    hours = {0: range(14, 22), 1: range(6, 14)}
    need = [1.0 if t.hour in hours.get(t.weekday(), ()) else 0.0 for t in ds]
    frame = pd.DataFrame({"queue": "q", "ds": ds, "scheduled": need})
    tmpl = templates({"template": "FT", "days_per_week": 5, "days_off_rule": "consecutive"})
    result = plan(frame, sites(), tmpl, rest_hours=rest_hours, gap=0.0)
    idle = 5 * agents - 2
    expected = 5 * agents * 8 * 20 + idle * 8 * 2
    assert result.report.lp_relaxation == pytest.approx(expected, rel=1e-6)
    assert result.report.objective == pytest.approx(expected, rel=1e-6)
    assert result.report.status == "optimal"
    assert int(result.tours["count"].sum()) == agents


def test_progress_is_reported_while_the_lp_runs_and_the_time_limit_holds():
    # The sample week's LP takes about a minute with no news of its own: the page's bar must not stand still.
    # From a start plan, HiGHS's root line-search rounding on this week ran 47 s past a 15 s limit, checking
    # neither its clock nor our interrupt; the MIP's child process is stopped at the limit instead.
    seen = []
    site = sites()
    tmpl = templates({"template": "8h", "days_per_week": 5, "days_off_rule": "consecutive", "start_step_minutes": 15,
                      "breaks": "30 unpaid @ 3:00-5:00"})
    need = {h: 3 + 5 * np.exp(-((h - 13) / 4) ** 2) for h in range(24)}
    result = plan_shifts(load_requirements(hourly(need, day="2025-06-02", days=7), site), site, tmpl, None,
                         PlanOptions(time_limit=10), progress=lambda message, done: seen.append((message, done)))
    messages = [m for m, _ in seen]
    ticks = [i for i, m in enumerate(messages) if m.startswith("solving the LP relaxation")]
    assert ticks and all(0 <= seen[i][1] < 1 for i in ticks)
    assert ticks[0] < messages.index("LP relaxation: working")       # while the LP runs, before its result
    assert result.report.seconds <= 10 + 3                            # the MIP's child stopped at the limit
    assert result.report.objective is not None and result.report.status == "time limit"


def test_breaks_placed_all_at_once_are_the_brute_force_best_for_the_same_shifts():
    # Four agents with fixed starts; each 30-minute lunch may start 2:00-5:00 into the shift (13 options).
    # Placed one agent at a time the lunches can miss the best combination; placed at once they must not.
    from scheduling.local_search import LocalSearch
    from scheduling.optimiser import _breaks_placed
    from scheduling.plan_tables import read_shifts
    from scheduling.shift_model import complete
    from scheduling.shifts import QUANTUM
    site = sites(earliest_start="08:00", latest_start="10:00")
    tmpl = templates({"template": "8h", "breaks": "30 unpaid @ 2:00-5:00"})
    need = {8: 2, 9: 4, 10: 4, 11: 2, 12: 4, 13: 4, 14: 4, 15: 3, 16: 4, 17: 1}
    options = PlanOptions(cyclic=False)
    model = build_model(load_requirements(hourly(need), site), site, tmpl, None, options)
    search = LocalSearch(model, complete(model, np.zeros(model.size["columns"])), options.weights)
    starts = {int(s): j for j, s in zip(model.columns.index, model.columns["slot"])}
    for hour in (8, 9, 10, 10):
        search.add_agent(starts[hour * 60 // QUANTUM])
    greedy = search.solution()
    placed = _breaks_placed(model, greedy, options, stop=float("inf"))

    def agents(v):     # (start hour, lunch offset in minutes) per agent
        rows = read_shifts(model, v, site, tmpl)
        return sorted((row.start_utc.hour, row.break_offsets[0]) for row in rows.itertuples() for _ in range(row.count))

    def penalty(lunches):   # per hourly interval: 400 per agent-hour short, 2 per agent-hour over
        slots = np.zeros(24 * 4)
        for hour, offset in lunches:
            slots[hour * 4:(hour + 8) * 4] += 1
            slots[hour * 4 + offset // 15:hour * 4 + offset // 15 + 2] -= 1
        cover = slots.reshape(24, 4).mean(axis=1)
        return sum(400 * max(need.get(h, 0) - c, 0) + 2 * max(c - need.get(h, 0), 0) for h, c in enumerate(cover))

    hours = [hour for hour, _ in agents(greedy)]
    best = min(penalty(list(zip(hours, offsets))) for offsets in itertools.product(range(120, 301, 15), repeat=4))
    cost = model.arrays()["cost"]
    assert [hour for hour, _ in agents(placed)] == hours                    # the same shifts
    assert penalty(agents(placed)) == pytest.approx(best)
    assert cost @ placed - cost @ greedy == pytest.approx(best - penalty(agents(greedy)))
    assert penalty(agents(greedy)) > best          # one agent at a time did not find it


def test_a_placement_only_search_keeps_every_agent_and_working_day():
    from scheduling.local_search import improve
    from scheduling.shift_model import complete, violation
    tmpl = templates({"template": "8h", "breaks": "30 unpaid @ 2:00-5:00", "days_per_week": 5,
                      "days_off_rule": "consecutive"})
    week = dict(day="2025-06-02", days=7)
    small = build_model(load_requirements(hourly({h: 3 for h in range(8, 20)}, **week), sites()), sites(), tmpl)
    start = improve(small, complete(small, np.zeros(small.size["columns"])), Weights(), seconds=5)
    # The same plan against twice the work, shifted two hours later: shifts should move, agents be added.
    busy = build_model(load_requirements(hourly({h: 6 for h in range(10, 22)}, **week), sites()), sites(), tmpl)
    start = complete(busy, start)
    placed = improve(busy, start, Weights(), seconds=5, whole_agents=False)
    whole = improve(busy, start, Weights(), seconds=5)
    shifts, tours = busy.columns["var"].to_numpy(), np.concatenate([np.atleast_1d(t["vars"]) for t in busy.tours])
    days = busy.columns["day"].to_numpy()
    cost = busy.arrays()["cost"]
    assert violation(busy, placed) < 1e-6
    assert cost @ placed < cost @ start
    assert np.array_equal(placed[tours], start[tours])
    assert np.array_equal(np.bincount(days, weights=placed[shifts]), np.bincount(days, weights=start[shifts]))
    assert not np.array_equal(placed[shifts], start[shifts])
    assert whole[tours].sum() > start[tours].sum()     # the full search buys the agents placement may not


def _unrested_agent_days(model, v: np.ndarray, rest_hours: float) -> int:
    """Agents of the plan's tours who cannot get ``rest_hours`` between two working days, found by giving
    each day's shifts to people one by one (earliest start first: someone off the day before, else the
    person whose shift ended earliest, if it ended long enough ago)."""
    cols = model.columns
    x = np.round(v[cols["var"].to_numpy()]).astype(int)
    unrested = 0
    for tour in model.tours:
        counts = np.round(v[tour["vars"]]).astype(int)
        mine = cols.index.isin(tour["index"])
        starts = {d: sorted(s for s, n in zip(cols["slot"][mine & (cols["day"] == d)], x[mine & (cols["day"] == d)])
                            for _ in range(n)) for d in range(7)}
        length = int(cols["length"][mine].iloc[0])
        for d in range(7):
            off_before = sum(c for c, p in zip(counts, tour["patterns"]) if (d + 1) % 7 in p and d not in p)
            lap = model.timeline.slots if d == 6 else 0
            ends = sorted(s + length for s in starts[d])
            for start in starts[(d + 1) % 7]:
                if off_before:
                    off_before -= 1
                elif ends and ends[0] <= start + lap - rest_hours * 4:
                    ends.pop(0)
                else:
                    unrested += 1
    return unrested


def test_an_empty_plan_gets_agents_with_their_rest_where_each_day_alone_would_break_it():
    """Three agents needed 16:00-24:00 on Mon, Wed, Fri, Sun and 06:00-14:00 on Tue, Thu, Sat. Every tour
    of 5 days in a row has a late day before an early one, so an agent given each day's best shift never
    gets 11 hours' rest: the search must still buy agents (ones that start at the same time every day)."""
    from scheduling.local_search import improve
    from scheduling.shift_model import complete, violation
    ds = pd.date_range("2025-06-02", periods=7 * 24, freq="60min", tz="UTC")
    late = [t.hour >= 16 for t in ds]
    early = [6 <= t.hour < 14 for t in ds]
    need = [3.0 if (lt if t.weekday() % 2 == 0 else er) else 0.0 for t, lt, er in zip(ds, late, early)]
    frame = pd.DataFrame({"queue": "q", "ds": ds, "scheduled": need})
    tmpl = templates({"template": "FT", "days_per_week": 5, "days_off_rule": "consecutive"})
    model = build_model(load_requirements(frame, sites()), sites(), tmpl)
    empty = complete(model, np.zeros(model.size["columns"]))
    found = improve(model, empty, Weights(), seconds=10, rest_slots=11 * 4)
    cost = model.arrays()["cost"]
    assert violation(model, found) < 1e-6
    assert cost @ found < 0.5 * (cost @ empty)
    assert found[model.columns["var"].to_numpy()].sum() > 0
    assert _unrested_agent_days(model, found, 11) == 0
    # Without the rule the same search gives agents each day's best shift, and some then lack their rest.
    assert _unrested_agent_days(model, improve(model, empty, Weights(), seconds=10), 11) > 0


def _polished(model, v, workers, seconds=60.0):
    """The last plan run_polish reports for every part of ``v`` (parts as the optimiser makes them)."""
    from scheduling.highs_mip import run_polish
    from scheduling.optimiser import _neighbourhoods
    from scheduling.shift_model import complete
    parts, groups, _ = _neighbourhoods(model, v, np.zeros_like(v))
    a = model.arrays()
    plans = [v]

    def improved(plan):
        plans.append(complete(model, plan))
        return False

    run_polish(a, v, parts, groups, seconds, workers, improved, lambda *_: None)
    return plans[-1]


def test_re_solving_each_part_of_a_day_exactly_finds_the_known_optimum():
    # Ten agents needed 09:00-17:00; the plan starts them all at 07:00 (two hours short at the end).
    # No part alone can fix it (starts are split in 8-hour windows): the 08:00-16:00 part must add ten at
    # 09:00, then the 00:00-08:00 part must let the 07:00 ones go. 10 x 8 h x 20 = 1,600, nothing short.
    from scheduling.shift_model import complete, violation
    from scheduling.shifts import QUANTUM
    site = sites()
    model = build_model(load_requirements(hourly({h: 10 for h in range(9, 17)}), site), site, templates(), None,
                        PlanOptions(cyclic=False))
    v = np.zeros(model.size["columns"])
    v[model.columns.loc[model.columns["slot"] == 7 * 60 // QUANTUM, "var"]] = 10
    v = complete(model, v)
    best = _polished(model, v, workers=1)
    starts = model.columns.assign(count=best[model.columns["var"]]).query("count > 0")
    assert violation(model, best) < 1e-6
    assert model.arrays()["cost"] @ best == pytest.approx(1600)
    assert starts["slot"].tolist() == [9 * 60 // QUANTUM] and starts["count"].tolist() == [10]


def test_parts_re_solved_in_two_processes_keep_tours_and_merge_into_a_plan_no_part_can_improve():
    from scheduling.highs_mip import solve_free_part
    from scheduling.local_search import improve
    from scheduling.optimiser import _neighbourhoods
    from scheduling.shift_model import complete, violation
    site = sites(queues="q;r")
    tmpl = templates({"template": "8h", "breaks": "30 unpaid @ 2:00-5:00", "days_per_week": 5,
                      "days_off_rule": "consecutive", "start_step_minutes": 30})
    week = dict(day="2025-06-02", days=7)
    frame = pd.concat([hourly({h: 3 for h in range(8, 20)}, queue="q", **week),
                       hourly({h: 2 for h in range(6, 22)}, queue="r", **week)])
    model = build_model(load_requirements(frame, site), site, tmpl, None, PlanOptions(rest_hours=0))
    # The best whole agents for the same work three hours earlier: a feasible plan far from the best
    # placement of its agents here.
    early = pd.concat([hourly({h: 3 for h in range(5, 17)}, queue="q", **week),
                       hourly({h: 2 for h in range(3, 19)}, queue="r", **week)])
    other = build_model(load_requirements(early, site), site, tmpl, None, PlanOptions(rest_hours=0))
    v = complete(model, improve(other, complete(other, np.zeros(other.size["columns"])), Weights(), seconds=5))
    cols, tours = model.columns, np.concatenate([np.atleast_1d(t["vars"]) for t in model.tours])
    assert violation(model, v) < 1e-6
    best = _polished(model, v, workers=2)
    a = model.arrays()
    shifts = cols["var"].to_numpy()
    assert violation(model, best) < 1e-6
    assert a["cost"] @ best < a["cost"] @ v - 100
    assert np.array_equal(best[tours], v[tours])
    per_day = [cols.assign(n=plan[shifts]).groupby(["queue", "day"])["n"].sum() for plan in (v, best)]
    assert per_day[0].equals(per_day[1])     # each queue keeps its shifts per day: only starts and breaks move
    # Merged from two processes, it is still a plan no part can improve on its own.
    parts, _, _ = _neighbourhoods(model, best, np.zeros_like(best))
    for part in parts:
        again = complete(model, np.round(solve_free_part(a, best, part, 30, None)))
        assert a["cost"] @ again >= a["cost"] @ best - 1.0
