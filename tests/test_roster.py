"""The roster builder on small hand-made plans: real solves, checked by the independent checker and by
assignments that are known (forced by queues, rest, the cyclic week, DST and unavailability)."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from forecasting.validation import InputError
from scheduling.agents import load_agents
from scheduling.roster import build_roster
from scheduling.roster_check import check_roster
from scheduling.roster_coverage import interval_coverage
from scheduling.roster_plan import read_plan

PLANS = Path(__file__).resolve().parent / "plans"
WEEK = pd.Timestamp("2025-03-24")  # Monday; Europe moves its clocks on Sunday 30 March 2025
SITES_CSV = """site,timezone,queues,earliest_start,latest_start,max_agents,hourly_cost
Dublin,Europe/Dublin,phone;chat,00:00,23:45,100,30
Manila,Asia/Manila,phone;chat,00:00,23:45,100,10
"""
TEMPLATES_CSV = """\
template,contract,length_minutes,breaks,start_step_minutes,allowed_days,days_per_week,days_off_rule,sites
FT 8h,full_time,510,15 paid @ 1:30-2:45 | 30 unpaid @ 3:30-5:00 | 15 paid @ 5:45-7:15,15,Mon-Sun,5,consecutive,all
PT 4h,part_time,240,15 paid @ 1:30-2:45,15,Mon-Sun,5,consecutive,all
"""
OVERTIME_CSV = """site,sides,min_minutes,max_minutes,step_minutes,max_hours_per_agent_week
all,before;after,30,120,30,8
"""
AGENT_COLUMNS = "agent_id,name,site,queues,contract,min_hours,max_hours,days_per_week,unavailable,prefers,days_off\n"


def line(site: str, queue: str, days: list[int], start: str, template: str = "FT 8h", count: int = 1) -> list[dict]:
    """Plan rows: one shift a day on ``days`` (0 = Monday of the test week) at local ``start``."""
    hours, minutes = map(int, start.split(":"))
    begin = hours * 60 + minutes
    offsets = [(90, 15, "paid"), (240, 30, "unpaid"), (360, 15, "paid")] if template == "FT 8h" else [(90, 15, "paid")]
    breaks = "; ".join(f"{(begin + o) % 1440 // 60:02d}:{(begin + o) % 60:02d} {m}m {kind}" for o, m, kind in offsets)
    return [{"site": site, "queue": queue, "date_local": (WEEK + pd.Timedelta(days=d)).date().isoformat(),
             "start_local": start, "template": template, "count": count, "breaks": breaks} for d in days]


def make_plan(folder: Path, rows: list[dict], *, overtime: list[dict] | None = None,
              coverage: pd.DataFrame | None = None) -> Path:
    """A plan directory in the optimiser's format: shifts.csv, overtime_blocks.csv, coverage.csv,
    summary.json and copies of the sites, templates and overtime rules."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sites.csv").write_text(SITES_CSV)
    (folder / "shift_templates.csv").write_text(TEMPLATES_CSV)
    (folder / "overtime.csv").write_text(OVERTIME_CSV)
    pd.DataFrame(rows).to_csv(folder / "shifts.csv", index=False)
    if overtime:
        pd.DataFrame(overtime).to_csv(folder / "overtime_blocks.csv", index=False)
    if coverage is not None:
        coverage.to_csv(folder / "coverage.csv", index=False)
    (folder / "summary.json").write_text(json.dumps({"horizon_start": WEEK.tz_localize("UTC").isoformat(),
                                                     "days": 7}))
    return folder


def agents_file(folder: Path, lines: list[str]) -> Path:
    path = folder / "agents.csv"
    path.write_text(AGENT_COLUMNS + "\n".join(lines) + "\n")
    return path


def roster_of(tmp_path: Path, rows: list[dict], agent_lines: list[str] | None = None, **kwargs):
    plan = read_plan(make_plan(tmp_path / "plan", rows, **kwargs))
    agents = load_agents(agents_file(tmp_path, agent_lines), plan.sites) if agent_lines is not None else None
    return plan, build_roster(plan, agents)


def violations(plan, roster) -> pd.DataFrame:
    return check_roster(roster.assigned, roster.agents, plan.templates, plan.horizon, plan.sites,
                        overtime_rules=plan.overtime_rules, plan_shifts=plan.shifts,
                        open_shifts=roster.shifts[roster.shifts["agent_id"].isna()])


def starts_of(roster, agent_id: str) -> list[str]:
    own = roster.assigned[roster.assigned["agent_id"] == agent_id].sort_values("start_utc")
    return [f"{t.tz_convert(z):%a %H:%M}" for t, z in zip(own["start_utc"], own["timezone"])]


def test_queue_skills_force_a_known_assignment(tmp_path):
    rows = line("Dublin", "phone", range(5), "09:00") + line("Dublin", "chat", range(5), "13:00")
    plan, roster = roster_of(tmp_path, rows, ["A1,Aoife,Dublin,phone,full_time,35,40,,,,",
                                             "B2,Björn,Dublin,chat,full_time,35,40,,,,"])
    assert roster.open_shifts.empty
    assert starts_of(roster, "A1") == ["Mon 09:00", "Tue 09:00", "Wed 09:00", "Thu 09:00", "Fri 09:00"]
    assert starts_of(roster, "B2") == ["Mon 13:00", "Tue 13:00", "Wed 13:00", "Thu 13:00", "Fri 13:00"]
    assert set(roster.assigned.loc[roster.assigned["agent_id"] == "A1", "queue"]) == {"phone"}
    assert violations(plan, roster).empty
    # every planned shift is rostered exactly once, with the plan's breaks
    assert sorted(roster.assigned["shift_id"]) == sorted(plan.shifts["shift_id"])
    assert all(len(b) == 3 for b in roster.assigned["breaks"])


def test_rest_rule_never_puts_an_early_after_a_late(tmp_path):
    rows = line("Dublin", "phone", range(5), "06:00") + line("Dublin", "phone", range(5), "21:00")
    plan, roster = roster_of(tmp_path, rows, ["A1,,Dublin,,full_time,35,40,,,,", "A2,,Dublin,,full_time,35,40,,,,"])
    assert roster.open_shifts.empty and violations(plan, roster).empty
    for agent_id in ("A1", "A2"):
        starts = [s.split()[1] for s in starts_of(roster, agent_id)]
        # 21:00 ends 05:30: the next day's 06:00 would leave half an hour of rest
        assert all(not (a == "21:00" and b == "06:00") for a, b in zip(starts, starts[1:]))


def test_the_week_wraps_sunday_night_to_monday_morning(tmp_path):
    # One agent, one tour Thu-Mon: Sunday 21:00-05:30 then Monday 06:00 of the repeating week is 0.5 h of rest.
    late_sunday = line("Dublin", "phone", [3, 4, 5, 6], "21:00") + line("Dublin", "phone", [0], "06:00")
    plan, roster = roster_of(tmp_path, late_sunday, ["A1,,Dublin,,full_time,35,40,,,,"])
    assert roster.assigned.empty
    assert int(roster.open_shifts["count"].sum()) == 5
    assert roster.open_shifts["reason"].str.startswith("the rules leave no one").all()
    assert violations(plan, roster).empty  # open, and reported open: coverage is accounted for
    # Monday at 17:00 leaves enough rest: the same agent takes the whole tour.
    fine = line("Dublin", "phone", [3, 4, 5, 6], "21:00") + line("Dublin", "phone", [0], "17:00")
    plan, roster = roster_of(tmp_path / "ok", fine, ["A1,,Dublin,,full_time,35,40,,,,"])
    assert roster.open_shifts.empty and len(roster.assigned) == 5 and violations(plan, roster).empty


def test_rest_is_counted_in_real_hours_across_the_clock_change(tmp_path):
    # Saturday 15:00-23:30 GMT, then Sunday 30 March (clocks forward at 01:00 UTC) at 11:00 IST = 10:00 UTC:
    # 11.5 h on the wall clock but 10.5 h of real rest.
    short = line("Dublin", "phone", [2, 3, 4, 5], "15:00") + line("Dublin", "phone", [6], "11:00")
    plan, roster = roster_of(tmp_path, short, ["A1,,Dublin,,full_time,35,40,,,,"])
    assert roster.assigned.empty and int(roster.open_shifts["count"].sum()) == 5
    enough = line("Dublin", "phone", [2, 3, 4, 5], "15:00") + line("Dublin", "phone", [6], "11:30")
    plan, roster = roster_of(tmp_path / "ok", enough, ["A1,,Dublin,,full_time,35,40,,,,"])
    assert len(roster.assigned) == 5
    sunday = roster.assigned[roster.assigned["date_local"].astype(str) == "2025-03-30"].iloc[0]
    assert sunday["start_utc"] == pd.Timestamp("2025-03-30 10:30", tz="UTC")  # 11:30 IST


def test_anonymous_agents_staff_the_whole_plan(tmp_path):
    rows = (line("Dublin", "phone", range(5), "08:00", count=3) + line("Dublin", "chat", [2, 3, 4, 5, 6], "14:00")
            + line("Manila", "phone", [5, 6, 0, 1, 2], "22:00", count=2) + line("Manila", "chat", range(5), "09:00",
                                                                                 template="PT 4h"))
    plan, roster = roster_of(tmp_path, rows)
    assert roster.open_shifts.empty and violations(plan, roster).empty
    assert len(roster.agents) == 3 + 1 + 2 + 1  # one agent per tour, per site and template
    assert {a.site for a in roster.agents.values()} == {"Dublin", "Manila"}
    assert roster.fairness["shifts"].eq(5).all()
    # Manila's Monday 22:00 shifts run into Tuesday: night shifts, counted for fairness
    assert roster.fairness.loc[roster.fairness["site"] == "Manila", "nights"].sum() == 10


def test_whole_weeks_staff_the_sample_plans_night_shifts():
    # Manila's FT 10h shifts of the Schedule page's sample plan: 29 agents on 4-day tours, night shifts
    # drifting through the week, most with overtime. Re-solving a day or two at a time left 8 of them
    # open (and took 40 s); chains through each days-off pattern's whole week staff them all.
    plan = read_plan(PLANS / "manila_nights")
    roster = build_roster(plan)
    assert len(roster.agents) == 29 and len(plan.shifts) == 116
    assert roster.open_shifts.empty
    assert violations(plan, roster).empty   # the independent checker: rules kept, every shift covered once
    assert len(roster.unoffered_overtime) < len(plan.shifts[(plan.shifts["ot_before"] > 0)
                                                            | (plan.shifts["ot_after"] > 0)]) / 2


def test_a_one_day_plan_is_rostered(tmp_path):
    # A one-day cyclic plan has no pair of days to re-solve (the same day twice gave HiGHS a matrix with
    # duplicate entries, on which it hung), and runs of days do not wrap round it (everyone would work
    # every day). Agents may work up to 60 h a week: a one-day horizon gets a seventh of it, 8.6 h.
    rows = line("Dublin", "phone", [0], "09:00", count=2) + line("Dublin", "phone", [0], "14:00")
    block = {"site": "Dublin", "queue": "phone", "date_local": WEEK.date().isoformat(), "start_local": "17:30",
             "end_local": "18:30", "count": 2}
    folder = make_plan(tmp_path / "plan", rows, overtime=[block])
    (folder / "summary.json").write_text(json.dumps({"horizon_start": WEEK.tz_localize("UTC").isoformat(), "days": 1}))
    plan = read_plan(folder)
    agents = load_agents(agents_file(tmp_path, [f"A{k},,Dublin,,full_time,0,60,,,," for k in range(4)]), plan.sites)
    roster = build_roster(plan, agents)
    assert plan.horizon.days == 1 and plan.horizon.cyclic and plan.shifts["overtime_hours"].sum() == 2
    assert roster.open_shifts.empty and len(roster.assigned) == 3
    assert violations(plan, roster).empty


def test_open_shifts_say_why(tmp_path):
    rows = line("Dublin", "phone", range(5), "09:00", count=2) + line("Dublin", "chat", range(5), "10:00")
    agent_lines = ["A1,,Dublin,phone,full_time,35,40,,,,",   # the only phone agent: one phone tour stays open
                   "C1,,Dublin,chat,full_time,35,40,,2025-03-26,,",  # unavailable on Wednesday
                   "C2,,Dublin,chat,full_time,45,48,,,,"]    # a contract no template fits
    plan, roster = roster_of(tmp_path, rows, agent_lines)
    reasons = roster.open_shifts.groupby("queue")["reason"].apply(set)
    assert any(r.startswith("too few people") for r in reasons["phone"])
    assert any(r.startswith("unavailability") for r in reasons["chat"])  # Wednesday: C1 is away
    assert int(roster.open_shifts["count"].sum()) == 5 + 5
    problem = next(p for p in roster.problems if "C2" in str(p))
    assert problem.row == 4 and problem.column == "contract" and "no shift template" in str(problem)
    assert violations(plan, roster).empty


def test_nobody_serving_a_queue_is_reported(tmp_path):
    plan, roster = roster_of(tmp_path, line("Dublin", "phone", range(5), "09:00"),
                             ["C1,,Dublin,chat,full_time,35,40,,,,"])
    assert set(roster.open_shifts["reason"]) == {"no agent at Dublin serves phone."}
    assert any("no shift in this plan" in w for w in roster.warnings)


def test_preferences_are_honoured_and_measured(tmp_path):
    rows = line("Dublin", "phone", range(5), "07:00") + line("Dublin", "phone", range(5), "14:00")
    plan, roster = roster_of(tmp_path, rows, ["E1,,Dublin,,full_time,35,40,,,late,",
                                             "L1,,Dublin,,full_time,35,40,,,early,"])
    assert [s.split()[1] for s in starts_of(roster, "E1")] == ["14:00"] * 5
    assert [s.split()[1] for s in starts_of(roster, "L1")] == ["07:00"] * 5
    assert roster.satisfaction == 1.0
    assert set(roster.assigned["kind"]) == {"early", "late"}


def test_late_shifts_are_spread_evenly(tmp_path):
    rows = line("Dublin", "phone", range(5), "09:00") + line("Dublin", "phone", range(5), "13:00")
    plan, roster = roster_of(tmp_path, rows, ["A1,,Dublin,,full_time,35,40,,,,", "A2,,Dublin,,full_time,35,40,,,,"])
    lates = roster.fairness.set_index("agent_id")["lates"]
    assert sorted(lates) == [2, 3]
    spread = roster.spread.set_index(["site", "kind"]).loc[("Dublin", "lates")]
    assert spread["spread"] == 1 and spread["max"] == 3


def test_overtime_blocks_extend_their_shift(tmp_path):
    rows = line("Dublin", "phone", range(5), "09:00")
    blocks = [{"site": "Dublin", "queue": "phone", "date_local": "2025-03-25", "start_local": "17:30",
               "end_local": "18:30", "count": 1},
              {"site": "Dublin", "queue": "phone", "date_local": "2025-03-27", "start_local": "05:00", "minutes": 60,
               "count": 1}]  # ends 06:00: extends no shift
    plan, roster = roster_of(tmp_path, rows, ["A1,,Dublin,,full_time,35,40,,,,"], overtime=blocks)
    tuesday = roster.assigned[roster.assigned["date_local"].astype(str) == "2025-03-25"].iloc[0]
    assert tuesday["ot_after"] == 60 and tuesday["work_end"] == pd.Timestamp("2025-03-25 18:30", tz="UTC")
    assert roster.fairness.loc[0, "overtime_hours"] == 1.0 and roster.fairness.loc[0, "paid_hours"] == 40.0
    assert any("extend no planned shift" in w for w in roster.warnings)
    assert violations(plan, roster).empty


def test_roster_covers_exactly_what_the_plan_covers(tmp_path):
    rows = line("Dublin", "phone", range(5), "09:00", count=2) + line("Dublin", "phone", [2, 3, 4, 5, 6], "12:00")
    plan, roster = roster_of(tmp_path, rows, ["A1,,Dublin,,full_time,35,40,,,,", "A2,,Dublin,,full_time,35,40,,,,"])
    assert int(roster.open_shifts["count"].sum()) == 5  # two agents for three tours
    cover = interval_coverage(roster.shifts, plan.horizon)
    everyone = interval_coverage(plan.shifts.assign(agent_id="x"), plan.horizon)
    # rostered plus open is, interval by interval, what the plan puts on the phones
    pd.testing.assert_series_equal(cover["working"] + cover["open"], everyone["working"], check_names=False)
    assert cover["working"].max() == 2 and everyone["working"].max() == 3


def test_same_input_same_roster(tmp_path):
    rows = line("Dublin", "phone", range(5), "09:00", count=2) + line("Dublin", "chat", [1, 2, 3, 4, 5], "15:00")
    people = [f"A{k},,Dublin,,full_time,35,40,,,,{'Sat;Sun' if k % 2 else ''}" for k in range(4)]
    first = roster_of(tmp_path / "one", rows, people)[1]
    second = roster_of(tmp_path / "two", rows, people)[1]
    assert first.shifts["agent_id"].tolist() == second.shifts["agent_id"].tolist()


def test_plan_reader_reports_bad_input(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_plan(tmp_path / "nowhere")
    rows = line("Dublin", "phone", [0], "09:00")
    rows[0]["site"] = "Cork"
    with pytest.raises(InputError) as err:
        read_plan(make_plan(tmp_path / "a", rows))
    assert err.value.row == 2 and err.value.column == "site" and "Cork" in str(err.value)
    rows = line("Dublin", "phone", [0], "09:00")
    rows[0]["breaks"] = "sometime"
    with pytest.raises(InputError, match="breaks"):
        read_plan(make_plan(tmp_path / "b", rows))
    rows = line("Dublin", "phone", [0], "09:00")
    rows[0]["breaks"] = "20:00 15m paid"  # outside the 09:00-17:30 shift
    with pytest.raises(InputError, match="not inside the shift"):
        read_plan(make_plan(tmp_path / "c", rows))


def test_plan_reader_is_tolerant(tmp_path):
    # 'break starts' as the column, a start written as a timestamp with its offset, no summary.json
    rows = line("Dublin", "phone", range(5), "09:00")
    frame = pd.DataFrame(rows).rename(columns={"breaks": "break starts"})
    frame.loc[0, "start_local"] = "2025-03-24T09:00:00+00:00"
    folder = make_plan(tmp_path / "p", [])
    frame.to_csv(folder / "shifts.csv", index=False)
    (folder / "summary.json").unlink()
    plan = read_plan(folder)
    assert plan.horizon.start == pd.Timestamp("2025-03-24", tz="UTC") and plan.horizon.days == 7
    assert plan.shifts["start_utc"].iloc[0] == pd.Timestamp("2025-03-24 09:00", tz="UTC")
    assert len(plan.shifts["breaks"].iloc[0]) == 3
