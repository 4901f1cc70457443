"""python -m scheduling roster / simulate: files written, planner-facing output, bad input exits 2."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from scheduling.__main__ import main
from tests.test_roster import WEEK, agents_file, line, make_plan

ROOT = Path(__file__).resolve().parent.parent
QUEUES_CSV = """queue,channel,timezone,target_sl,answer_seconds,patience_seconds
phone,phone,Europe/Dublin,0.8,20,120
chat,chat,Europe/Dublin,0.8,60,
"""


def plan_dir(tmp_path: Path) -> Path:
    rows = line("Dublin", "phone", range(5), "08:00", count=2) + line("Dublin", "chat", [2, 3, 4, 5, 6], "12:00")
    return make_plan(tmp_path / "plan", rows)


def test_roster_command_writes_the_roster(tmp_path, capsys):
    agents = agents_file(tmp_path, ["A1,Aoife,Dublin,,full_time,35,40,,,early,",
                                    "A2,Seán,Dublin,phone,full_time,35,40,,,,",
                                    "A3,Niamh,Dublin,chat,full_time,35,40,,2025-03-29,,",
                                    "A4,Oisín,Dublin,,full_time,35,40,,,,", "Z9,Ghost,Cork,,,,,,,,"])
    code = main(["roster", "--plan", str(plan_dir(tmp_path)), "--agents", str(agents), "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0
    assert "agents: agents.csv, row 6, column 'site': value 'Cork': unknown site" in out
    assert "rostered 15 of 15 planned shifts on 3 agents" in out
    assert "independent check: 0 rule violation(s)" in out and "preferences honoured" in out
    roster = pd.read_csv(tmp_path / "out" / "roster.csv")
    assert len(roster) == 15 and set(roster["agent_id"]) <= {"A1", "A2", "A3", "A4"}
    assert "A3" not in set(roster.loc[roster["date_local"] == "2025-03-29", "agent_id"])
    for name in ("roster_Dublin.csv", "calendars.zip", "coverage.csv", "open_shifts.csv", "fairness.csv",
                 "problems.csv"):
        assert (tmp_path / "out" / name).exists()


def test_roster_command_without_agents_and_with_open_shifts(tmp_path, capsys):
    assert main(["roster", "--plan", str(plan_dir(tmp_path)), "--out", str(tmp_path / "anon"), "--bom"]) == 0
    assert "rostered 15 of 15" in capsys.readouterr().out
    assert (tmp_path / "anon" / "roster.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    one = agents_file(tmp_path, ["A1,,Dublin,,full_time,35,40,,,,"])
    assert main(["roster", "--plan", str(plan_dir(tmp_path)), "--agents", str(one), "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "rostered 5 of 15" in out and "open: 1 x Dublin chat FT 8h" in out and "too few people" in out


def test_roster_command_bad_input_exits_2(tmp_path, capsys):
    assert main(["roster", "--plan", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "plan directory does not exist" in err
    bad = agents_file(tmp_path, ["Z9,Ghost,Cork,,,,,,,,"])
    assert main(["roster", "--plan", str(plan_dir(tmp_path)), "--agents", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "unknown site" in capsys.readouterr().err


def test_simulate_command_replays_a_roster(tmp_path, capsys):
    assert main(["roster", "--plan", str(plan_dir(tmp_path)), "--out", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    (tmp_path / "queues.csv").write_text(QUEUES_CSV)
    ds = pd.date_range(WEEK.tz_localize("UTC"), periods=7 * 48, freq="30min")
    hours = ds.tz_convert("Europe/Dublin").hour
    calls = (hours >= 9) & (hours < 16)
    frame = pd.concat([pd.DataFrame({"queue": q, "ds": ds, "yhat": calls * n, "yhat_lower": calls * n * 0.8,
                                     "yhat_upper": calls * n * 1.2, "aht": 240.0})
                       for q, n in (("phone", 8), ("chat", 6))])
    frame.to_csv(tmp_path / "forecast.csv", index=False)
    code = main(["simulate", "--roster", str(tmp_path / "out" / "roster.csv"),
                 "--forecast", str(tmp_path / "forecast.csv"),
                 "--queues", str(tmp_path / "queues.csv"), "--sites", str(tmp_path / "plan" / "sites.csv"),
                 "--replications", "3", "--out", str(tmp_path / "sim.csv")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "3 replications" in out and "phone      2025-03-24" in out
    result = pd.read_csv(tmp_path / "sim.csv")
    assert {"service_level", "service_level_low", "service_level_high", "expected_service_level"} <= set(result.columns)
    assert set(result["queue"]) == {"phone", "chat"}


def test_simulate_command_bad_input_exits_2(tmp_path, capsys):
    (tmp_path / "roster.csv").write_text("agent_id,site,queue\nA1,Dublin,phone\n")
    (tmp_path / "queues.csv").write_text(QUEUES_CSV)
    code = main(["simulate", "--roster", str(tmp_path / "roster.csv"), "--forecast", str(tmp_path / "f.csv"),
                 "--queues", str(tmp_path / "queues.csv")])
    assert code == 2 and "start_utc" in capsys.readouterr().err


def test_module_entry_point_lists_the_commands():
    done = subprocess.run([sys.executable, "-m", "scheduling", "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "roster" in done.stdout and "simulate" in done.stdout
