"""The agents file: the sample loads clean; each bad row is one planner-facing message and the rest load."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from forecasting.validation import InputError
from scheduling.agents import load_agents, parse_unavailable
from scheduling.sites import load_sites
from tests.test_roster import AGENT_COLUMNS, SITES_CSV

ROOT = Path(__file__).resolve().parent.parent
SITES = load_sites(SITES_CSV.encode(), name="sites.csv")


def load(lines: list[str]):
    return load_agents((AGENT_COLUMNS + "\n".join(lines) + "\n").encode(), SITES, name="agents.csv")


def test_the_sample_file_loads_clean():
    sites = load_sites(ROOT / "data" / "sites.csv")
    loaded = load_agents(ROOT / "data" / "agents.csv", sites)
    assert loaded.problems == []
    assert {a.site for a in loaded.agents.values()} == set(sites)
    assert any(a.unavailable for a in loaded.agents.values())
    assert any(a.prefers for a in loaded.agents.values()) and any(a.days_off for a in loaded.agents.values())
    assert {a.contract for a in loaded.agents.values()} == {"full_time", "part_time"}


def test_fields_are_read():
    loaded = load(["A1,Siobhán Ó Briain,Dublin,,part_time,20,24,5,2025-03-26; Tue 18:00-22:00,early;late,Sat;Sun"])
    agent = loaded.agents["A1"]
    assert agent.name == "Siobhán Ó Briain" and agent.queues == ("phone", "chat")  # empty: every queue of the site
    assert (agent.contract, agent.min_hours, agent.max_hours, agent.days_per_week) == ("part_time", 20, 24, 5)
    assert agent.prefers == ("early", "late") and agent.days_off == (5, 6) and len(agent.unavailable) == 2


@pytest.mark.parametrize("line,column,words", [
    ("X1,,Cork,,,,,,,,", "site", "unknown site"),
    ("X1,,Dublin,email,,,,,,,", "queues", "does not serve the queue 'email'"),
    ("X1,,Dublin,,full_time,40,30,,,,", "min_hours", "cannot add up"),
    ("X1,,Dublin,,full_time,50,60,2,,,", "min_hours", "do not fit in 2 days"),
    ("X1,,Dublin,,contractor,,,,,,", "contract", "not a contract type"),
    ("X1,,Dublin,,,,,8,,,", "days_per_week", "from 1 to 7"),
    ("X1,,Dublin,,,,lots,,,,", "max_hours", "not a number"),
    ("X1,,Dublin,,,,,,2025-02-30,,", "unavailable", "not a real date"),
    ("X1,,Dublin,,,,,,someday,,", "unavailable", "not a list of days"),
    ("X1,,Dublin,,,,,,Tue 22:00-18:00,,", "unavailable", "must end after it starts"),
    ("X1,,Dublin,,,,,,,graveyard,", "prefers", "not a shift kind"),
])
def test_a_bad_row_is_reported_and_the_rest_load(line, column, words):
    loaded = load(["A1,,Dublin,,,,,,,,", line, "A2,,Manila,phone,,,,,,,"])
    assert set(loaded.agents) == {"A1", "A2"}
    [problem] = loaded.problems
    assert problem.row == 3 and problem.column == column and problem.file == "agents.csv"
    assert words in str(problem) and "left out" in str(problem) and problem.fix


def test_duplicate_ids_name_both_rows():
    loaded = load(["A1,First,Dublin,,,,,,,,", "A1,Second,Dublin,,,,,,,,"])
    assert loaded.agents["A1"].name == "First"
    [problem] = loaded.problems
    assert problem.row == 3 and problem.column == "agent_id" and "row 2" in str(problem)


def test_file_level_problems_raise():
    with pytest.raises(InputError, match="agent_id"):
        load_agents(b"name,site\nAoife,Dublin\n", SITES, name="agents.csv")
    with pytest.raises(InputError, match="unknown site"):
        load(["X1,,Cork,,,,,,,,"])  # nobody usable: the one problem is the message
    with pytest.raises(InputError, match="does not exist"):
        load_agents(ROOT / "no_such_agents.csv", SITES)


def test_unavailability_spans():
    [leave, evenings, weekends] = parse_unavailable("2025-03-26..2025-03-27; Tue 18:00-22:00; Sat-Sun")
    first, last = dt.date(2025, 3, 24), dt.date(2025, 3, 30)
    assert leave.spans(first, last) == [(dt.datetime(2025, 3, 26), dt.datetime(2025, 3, 27)),
                                        (dt.datetime(2025, 3, 27), dt.datetime(2025, 3, 28))]
    assert evenings.spans(first, last) == [(dt.datetime(2025, 3, 25, 18), dt.datetime(2025, 3, 25, 22))]
    assert [b.date() for b, _ in weekends.spans(first, last)] == [dt.date(2025, 3, 29), dt.date(2025, 3, 30)]
    assert parse_unavailable("Mon 00:00-24:00")[0].window == (0, 1440)
