"""Overtime the roster cannot give with its shift: the shift is staffed without it (the block reported as
not offered) rather than left open; a shift that cannot be staffed even without it stays open. Real
solves on one-agent weeks, where the 11-hour rest or the weekly overtime cap decide."""
from __future__ import annotations

import pandas as pd

from scheduling.export import write_roster
from scheduling.roster_coverage import interval_coverage
from tests.test_roster import line, roster_of, violations

A1 = ["A1,,Dublin,,full_time,35,40,,,,"]


def evening_block(date: str, start: str = "17:30", end: str = "19:30") -> dict:
    """A 2-hour overtime block after a 09:00-17:30 Dublin shift (UTC+0 in the test week)."""
    return {"site": "Dublin", "queue": "phone", "date_local": date, "start_local": start, "end_local": end,
            "count": 1}


def test_shift_whose_overtime_breaks_the_rest_is_staffed_without_it(tmp_path):
    # Monday 09:00-17:30 plus overtime to 19:30, Tuesday to Friday 05:00: 17:30 + 11 h = 04:30 leaves
    # the rest, 19:30 + 11 h = 06:30 does not. A1 is the only agent and must work Monday to Friday.
    rows = line("Dublin", "phone", [0], "09:00") + line("Dublin", "phone", [1, 2, 3, 4], "05:00")
    plan, roster = roster_of(tmp_path, rows, A1, overtime=[evening_block("2025-03-24")])
    assert plan.shifts["overtime_hours"].sum() == 2.0            # the block is attached to Monday's shift
    assert roster.open_shifts.empty and len(roster.assigned) == 5  # before: the whole week stayed open
    monday = roster.assigned[roster.assigned["day"] == 0].iloc[0]
    assert monday["agent_id"] == "A1" and monday["unoffered_after"] == 120 and monday["overtime_hours"] == 0
    assert monday["work_end"] == pd.Timestamp("2025-03-24 17:30", tz="UTC")
    assert roster.fairness.loc[0, "overtime_hours"] == 0.0
    block = roster.unoffered_overtime
    assert len(block) == 1
    assert block.iloc[0][["site", "queue", "side", "start_local", "end_local", "minutes", "agent_id"]].tolist() == [
        "Dublin", "phone", "after", "17:30", "19:30", 120, "A1"]
    assert str(block.iloc[0]["date_local"]) == "2025-03-24"
    assert block.iloc[0]["reason"].startswith("rest:") and "9.5 h" in block.iloc[0]["reason"]
    assert any("1 overtime block(s)" in w and "not offered" in w for w in roster.warnings)
    assert violations(plan, roster).empty                         # rules kept; every planned shift accounted for
    # the coverage counts the block as open: rostered plus open is still what the plan offered
    cover, planned = interval_coverage(roster.shifts, plan.horizon), interval_coverage(
        plan.shifts.assign(agent_id="x"), plan.horizon)
    pd.testing.assert_series_equal(cover["overtime"] + cover["open"], planned["overtime"], check_names=False)
    assert cover["open"].sum() == 2 * 4                           # 2 hours of 15-minute intervals
    write_roster(roster, tmp_path / "out")
    written = pd.read_csv(tmp_path / "out" / "overtime_not_offered.csv")
    assert written[["date_local", "start_local", "end_local", "minutes"]].values.tolist() == [
        ["2025-03-24", "17:30", "19:30", 120]]


def test_overtime_over_the_weekly_cap_is_dropped_block_by_block(tmp_path):
    # Five 2-hour blocks for the only agent: 10 h against the site's cap of 8 h; one block goes.
    rows = line("Dublin", "phone", range(5), "09:00")
    blocks = [evening_block(f"2025-03-{24 + d}") for d in range(5)]
    plan, roster = roster_of(tmp_path, rows, A1, overtime=blocks)
    assert roster.open_shifts.empty and len(roster.assigned) == 5
    assert roster.assigned["overtime_hours"].sum() == 8.0
    assert len(roster.unoffered_overtime) == 1
    assert roster.unoffered_overtime.iloc[0]["reason"].startswith("overtime cap:")
    assert violations(plan, roster).empty


def test_shift_that_breaks_the_rest_even_without_overtime_stays_open(tmp_path):
    # Tuesday to Friday 02:00: 17:30 + 11 h = 04:30, so Monday cannot go with Tuesday even without overtime.
    rows = line("Dublin", "phone", [0], "09:00") + line("Dublin", "phone", [1, 2, 3, 4], "02:00")
    plan, roster = roster_of(tmp_path, rows, A1, overtime=[evening_block("2025-03-24")])
    assert roster.unoffered_overtime.empty                        # nothing staffed without its overtime
    monday = roster.open_shifts[roster.open_shifts["date_local"].astype(str) == "2025-03-24"]
    assert len(monday) == 1 and monday.iloc[0]["end_local"] == "19:30"  # open as planned, overtime included
    assert monday.iloc[0]["reason"].startswith("the rules leave no one")
    assert violations(plan, roster).empty
