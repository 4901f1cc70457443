"""``python -m scheduling plan`` end to end on small files, and its errors."""
from __future__ import annotations

import argparse
import json

import pandas as pd
import pytest

from forecasting.validation import InputError
from scheduling import plan_cli


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m scheduling")
    plan_cli.add_command(top.add_subparsers(dest="command", required=True))
    return top


@pytest.fixture()
def inputs(tmp_path):
    pd.DataFrame([{"site": "Dublin", "timezone": "Europe/Dublin", "queues": "uk_phone", "earliest_start": "07:00",
                   "latest_start": "12:00", "max_agents": 30, "hourly_cost": 30}]).to_csv(tmp_path / "sites.csv", index=False)
    (tmp_path / "templates.yaml").write_text(
        "- template: Day\n  length_minutes: 480\n  breaks: 30 unpaid @ 3:00-4:30\n  start_step_minutes: 60\n"
        "  days_per_week: 7\n  days_off_rule: any\n")
    pd.DataFrame([{"site": "all", "sides": "after", "min_minutes": 30, "max_minutes": 60, "step_minutes": 30,
                   "max_hours_per_agent_week": 5}]).to_csv(tmp_path / "overtime.csv", index=False)
    ds = pd.date_range("2025-06-03 08:00", periods=10, freq="60min", tz="UTC")
    pd.DataFrame({"queue": "uk_phone", "ds": ds.strftime("%Y-%m-%dT%H:%M:%SZ"), "scheduled": 3.0,
                  "scheduled_upper": 4.0}).to_csv(tmp_path / "req.csv", index=False)
    return tmp_path


def arguments(folder, *extra):
    return ["plan", "--requirements", str(folder / "req.csv"), "--sites", str(folder / "sites.csv"),
            "--shifts", str(folder / "templates.yaml"), "--overtime", str(folder / "overtime.csv"),
            "--time-limit", "20", "--out", str(folder / "out"), "--quiet", *extra]


def test_plan_writes_the_directory_and_reports(inputs, capsys):
    args = parser().parse_args(arguments(inputs))
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "status optimal (highs: no cheaper plan exists)" in out and "gap 0.00%" in out and "Dublin:" in out
    folder = inputs / "out"
    for name in ("shift_plan.csv", "overtime_blocks.csv", "coverage.csv", "tours.csv", "summary.json", "sites.csv",
                 "shift_templates.csv", "overtime.csv"):
        assert (folder / name).exists(), name
    plan = pd.read_csv(folder / "shift_plan.csv")
    assert list(plan.columns[:7]) == ["site", "queue", "date_local", "start_local", "template", "count", "break_starts"]
    assert plan["break_starts"].str.fullmatch(r"\d\d:\d\d 30m unpaid").all()
    coverage = pd.read_csv(folder / "coverage.csv")
    assert list(coverage.columns[:7]) == ["queue", "ds", "required", "scheduled", "on_break", "overtime", "shortfall"]
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["solver"]["status"] == "optimal" and summary["days"] == 1
    assert set(summary["sites"]["Dublin"]) >= {"cost", "paid_hours", "fte", "headcount"}


def test_options_reach_the_solver(inputs, capsys):
    args = parser().parse_args(arguments(inputs, "--solver", "cbc", "--fixed-breaks", "--open-week", "--gap", "0.01"))
    assert args.func(args) == 0
    summary = json.loads((inputs / "out" / "summary.json").read_text())
    assert summary["solver"]["name"] == "cbc" and summary["cyclic"] is False
    offsets = pd.read_csv(inputs / "out" / "shift_plan.csv")["break_offsets"]
    assert (offsets == 225).all()          # the middle of the 3:00-4:30 window


def test_bad_input_is_a_planner_facing_error(inputs):
    pd.DataFrame([{"site": "Dublin", "timezone": "Ireland/Dublin", "queues": "uk_phone", "earliest_start": "07:00",
                   "latest_start": "12:00", "max_agents": 30, "hourly_cost": 30}]).to_csv(inputs / "sites.csv", index=False)
    args = parser().parse_args(arguments(inputs))
    with pytest.raises(InputError) as caught:
        args.func(args)
    assert caught.value.file == "sites.csv" and caught.value.row == 2 and caught.value.column == "timezone"


@pytest.mark.parametrize("option, value", [("--time-limit", "0"), ("--gap", "2"), ("--solver", "gurobi")])
def test_bad_options_are_rejected_by_argparse(inputs, option, value):
    with pytest.raises(SystemExit):
        parser().parse_args(arguments(inputs, option, value))
