"""python -m scheduling: the Erlang calculator and the requirements command."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from scheduling.__main__ import main

ROOT = Path(__file__).resolve().parent.parent


def test_erlang_calculator_worked_example(capsys):
    # Call Centre Helper's worked example: 14 agents, 20 with 30% shrinkage.
    assert main(["erlang", "--calls", "100", "--interval-minutes", "30", "--aht", "180", "--sl", "0.8",
                 "--answer-seconds", "20", "--max-occupancy", "0.85", "--shrinkage", "0.3"]) == 0
    out = capsys.readouterr().out
    assert "agents on line     14" in out and "scheduled          20" in out and "88.8%" in out


def test_erlang_calculator_json_with_patience(capsys):
    assert main(["erlang", "--calls", "100", "--interval-minutes", "30", "--aht", "180", "--sl", "0.8",
                 "--answer-seconds", "20", "--patience", "150", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["model"] == "Erlang A" and result["agents"] == 12
    assert result["service_level"] >= 0.8 and 0 < result["abandon_rate"] < 0.1


def test_erlang_calculator_bad_input_exits_2(capsys):
    assert main(["erlang", "--calls", "100", "--aht", "0", "--sl", "0.8", "--answer-seconds", "20"]) == 2
    assert "aht" in capsys.readouterr().err
    assert main(["erlang", "--calls", "100", "--aht", "180", "--sl", "0.8", "--answer-seconds", "20",
                 "--shrinkage", "1"]) == 2
    assert "shrinkage" in capsys.readouterr().err
    assert main(["erlang", "--calls", "100", "--aht", "180", "--interval-minutes", "15", "--sl", "0.8",
                 "--answer-seconds", "1200"]) == 2


def test_requirements_command_writes_the_csv(tmp_path):
    ds = pd.date_range("2026-11-16", periods=96, freq="30min", tz="UTC")
    frame = pd.concat([pd.DataFrame({"queue": q, "ds": ds, "yhat": 40.0, "yhat_lower": 30.0, "yhat_upper": 50.0,
                                     "aht": 300.0}) for q in ("uk_phone", "email")])
    source, out = tmp_path / "f.csv", tmp_path / "r.csv"
    frame.to_csv(source, index=False)
    done = subprocess.run([sys.executable, "-m", "scheduling", "requirements", "--forecast", str(source),
                           "--queues", str(ROOT / "data" / "queues.csv"), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "FTE" in done.stdout and "carried into the next plan" in done.stdout
    result = pd.read_csv(out)
    assert list(result.columns[:7]) == ["queue", "ds", "agents", "scheduled", "service_level", "asa", "occupancy"]
    assert len(result) == 192 and result["agents"].max() > 0


def test_requirements_command_reports_bad_forecast(tmp_path, capsys):
    source = tmp_path / "f.csv"
    source.write_text("queue,ds,yhat,yhat_lower,yhat_upper,aht\n"
                      "uk_phone,2026-11-16 09:00:00+00:00,-5,0,1,300\n"
                      "uk_phone,2026-11-16 09:30:00+00:00,5,0,1,300\n")
    assert main(["requirements", "--forecast", str(source), "--queues", str(ROOT / "data" / "queues.csv"),
                 "--out", str(tmp_path / "r.csv")]) == 2
    err = capsys.readouterr().err
    assert "f.csv" in err and "row 2" in err and "yhat" in err and "uk_phone" in err
