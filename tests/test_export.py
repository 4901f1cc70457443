"""Roster exports: the contract CSV (ISO offsets, local breaks), one file per site, spreadsheet safety,
calendars that put shifts at the right instants across a DST change, and coverage."""
from __future__ import annotations

import io
import zipfile

import icalendar
import numpy as np
import pandas as pd

from scheduling.agents import load_agents
from scheduling.export import (ROSTER_COLUMNS, agent_calendars, calendar_zip, coverage_table, read_roster_csv,
                               roster_csv, roster_table, site_csvs, write_roster)
from scheduling.roster import build_roster
from scheduling.roster_plan import plan_from_frames, read_plan
from scheduling.sites import load_sites, load_templates
from tests.test_roster import TEMPLATES_CSV, WEEK, agents_file, line, make_plan

FORMULA = '=HYPERLINK("http://example.com/x","click")'
QUEUE = '=HYPERLINK("http://example.com/x")'  # site queue lists are ';'- or ','-separated: no comma in a name


def dst_roster(tmp_path):
    """Two Dublin agents Wed-Sun around the clock change of Sunday 30 March 2025, one in Manila."""
    rows = (line("Dublin", "phone", [2, 3, 4, 5, 6], "09:00") + line("Dublin", "chat", [2, 3, 4, 5, 6], "12:00")
            + line("Manila", "phone", range(5), "22:00"))
    plan = read_plan(make_plan(tmp_path / "plan", rows))
    agents = load_agents(agents_file(tmp_path, ["D1,Siobhán Ó Briain,Dublin,,full_time,35,40,,,,",
                                                "D2,Seán Walsh,Dublin,,full_time,35,40,,,,",
                                                "M1,María Santos,Manila,,full_time,35,40,,,,"]), plan.sites)
    return build_roster(plan, agents)


def test_a_queue_named_like_a_formula_comes_out_neutralised(tmp_path):
    sites = load_sites(pd.DataFrame({"site": ["Dublin"], "timezone": ["Europe/Dublin"], "queues": [QUEUE],
                                     "earliest_start": ["00:00"], "latest_start": ["23:45"], "max_agents": [10],
                                     "hourly_cost": [30]}))
    templates = load_templates(TEMPLATES_CSV.encode(), name="t.csv", sites=sites)
    plan = plan_from_frames(pd.DataFrame(line("Dublin", QUEUE, range(5), "09:00")), sites, templates)
    table = roster_table(build_roster(plan))
    back = pd.read_csv(io.BytesIO(roster_csv(table)), keep_default_na=False)
    assert set(back["queue"]) == {"'" + QUEUE}
    assert back["agent_id"].tolist() == table["agent_id"].tolist()


def test_roster_csv_follows_the_contract(tmp_path):
    roster = dst_roster(tmp_path)
    table = roster_table(roster)
    back = pd.read_csv(io.BytesIO(roster_csv(table)), keep_default_na=False)
    assert list(back.columns) == ROSTER_COLUMNS
    assert len(back) == 15
    sunday = back[(back["date_local"] == "2025-03-30") & back["start_local"].str.contains("T09:00")].iloc[0]
    assert sunday["start_local"] == "2025-03-30T09:00:00+01:00" and sunday["start_utc"] == "2025-03-30T08:00:00+00:00"
    assert sunday["breaks"] == "10:30 15m paid; 13:00 30m unpaid; 15:00 15m paid"  # local (IST) times
    saturday = back[(back["date_local"] == "2025-03-29") & back["start_local"].str.contains("T09:00")].iloc[0]
    assert saturday["start_local"] == "2025-03-29T09:00:00+00:00"
    assert back["paid_hours"].eq(8.0).all() and back["overtime"].eq(0.0).all()
    manila = back[back["site"] == "Manila"].iloc[0]
    assert manila["start_local"].endswith("+08:00") and manila["end_local"][:10] > manila["date_local"]
    files = site_csvs(table)
    assert sorted(files) == ["roster_Dublin.csv", "roster_Manila.csv"]
    assert len(pd.read_csv(io.BytesIO(files["roster_Manila.csv"]))) == 5


def test_calendars_put_shifts_at_the_right_instants_across_dst(tmp_path):
    table = roster_table(dst_roster(tmp_path))
    calendars = agent_calendars(table, stamp=pd.Timestamp("2025-03-01", tz="UTC").to_pydatetime())
    assert sorted(calendars) == ["D1.ics", "D2.ics", "M1.ics"]
    for agent_id in ("D1", "D2", "M1"):
        parsed = icalendar.Calendar.from_ical(calendars[f"{agent_id}.ics"])
        assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == (["Asia/Manila"] if agent_id == "M1"
                                                                    else ["Europe/Dublin"])
        events = sorted(parsed.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))
        own = table[table["agent_id"] == agent_id].sort_values("start_utc")
        starts = [pd.Timestamp(e.decoded("dtstart")).tz_convert("UTC") for e in events]
        ends = [pd.Timestamp(e.decoded("dtend")).tz_convert("UTC") for e in events]
        assert starts == own["start_utc"].tolist() and ends == own["end_utc"].tolist()
    dublin = icalendar.Calendar.from_ical(calendars["D1.ics"])
    by_day = {e.decoded("dtstart").date().isoformat(): e.decoded("dtstart") for e in dublin.walk("VEVENT")}
    # the same wall time either side of the change, one hour apart in UTC
    assert by_day["2025-03-29"].utcoffset() == pd.Timedelta(0)
    assert by_day["2025-03-30"].utcoffset() == pd.Timedelta(hours=1)
    with zipfile.ZipFile(io.BytesIO(calendar_zip(table))) as archive:
        assert sorted(archive.namelist()) == ["D1.ics", "D2.ics", "M1.ics"]


def test_coverage_reports_the_gap_against_the_plan(tmp_path):
    rows = line("Dublin", "phone", range(5), "09:00", count=2)
    ds = pd.date_range(WEEK.tz_localize("UTC"), periods=7 * 48, freq="30min")
    required = pd.DataFrame({"queue": "phone", "ds": [t.isoformat() for t in ds], "required": 1.0, "scheduled": 0.0})
    plan = read_plan(make_plan(tmp_path / "plan", rows, coverage=required))
    agents = load_agents(agents_file(tmp_path, ["A1,,Dublin,,full_time,35,40,,,,"]), plan.sites)
    cover = coverage_table(build_roster(plan, agents))
    assert list(cover.columns) == ["queue", "ds", "required", "scheduled", "on_break", "overtime", "open", "gap"]
    assert len(cover) == 7 * 48  # the plan's 30-minute intervals
    monday = cover.set_index("ds").loc[pd.Timestamp("2025-03-24 10:00", tz="UTC")]
    assert (monday["scheduled"], monday["open"], monday["gap"]) == (1.0, 1.0, 0.0)
    # the break at 10:30 takes the one rostered agent off the phone for half of the 10:30 interval
    half = cover.set_index("ds").loc[pd.Timestamp("2025-03-24 10:30", tz="UTC")]
    assert half["on_break"] == 0.5 and half["gap"] == -0.5
    night = cover.set_index("ds").loc[pd.Timestamp("2025-03-24 02:00", tz="UTC")]
    assert night["scheduled"] == 0 and night["gap"] == -1.0


def test_roster_csv_reads_back_to_the_same_spans_and_breaks(tmp_path):
    roster = dst_roster(tmp_path)
    table = roster_table(roster)
    sites = roster.plan.sites
    back = read_roster_csv(roster_csv(table), sites).sort_values(["agent_id", "work_start"], ignore_index=True)
    mine = roster.assigned.sort_values(["agent_id", "work_start"], ignore_index=True)
    assert back["work_start"].tolist() == mine["work_start"].tolist()
    assert back["work_end"].tolist() == mine["work_end"].tolist()
    assert back["breaks"].tolist() == mine["breaks"].tolist()
    # without the sites file breaks are read in the UTC offset of the shift's start: the same here, as no
    # shift spans the clock change
    offsets_only = read_roster_csv(roster_csv(table)).sort_values(["agent_id", "work_start"], ignore_index=True)
    assert offsets_only["breaks"].tolist() == back["breaks"].tolist()


def test_write_roster_writes_every_file(tmp_path):
    roster = dst_roster(tmp_path)
    written = write_roster(roster, tmp_path / "out", bom=True)
    assert sorted(p.name for p in written) == ["calendars.zip", "coverage.csv", "fairness.csv", "open_shifts.csv",
                                               "overtime_not_offered.csv", "problems.csv", "roster.csv",
                                               "roster_Dublin.csv", "roster_Manila.csv"]
    assert (tmp_path / "out" / "roster.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    fairness = pd.read_csv(tmp_path / "out" / "fairness.csv", encoding="utf-8-sig")
    assert set(fairness["name"]) == {"Siobhán Ó Briain", "Seán Walsh", "María Santos"}
    assert np.isclose(fairness["paid_hours"], 40.0).all()
