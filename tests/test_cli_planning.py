"""``python -m planning``: compare, capacity and store, run as a planner would (subprocess), and their errors."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from forecasting.history import load_history
from tests.conftest import DATA, ROOT


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "planning", *args], cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=600)


@pytest.fixture()
def store_env(tmp_path):
    return {**os.environ, "WFM_DATABASE_URL": f"sqlite:///{tmp_path / 'store.sqlite'}"}


def test_capacity_recommends_classes_that_the_weekly_check_confirms(tmp_path):
    question = {"start": "2030-01-07", "required": [100 + 2 * w for w in range(20)], "headcount": 100,
                "attrition_monthly_percent": 2, "tolerance_fte": 1, "leave": [3] * 20,
                "planned_classes": [{"start": "2030-01-14", "size": 5}]}
    (tmp_path / "q.json").write_text(json.dumps(question))
    run = cli("capacity", "--input", str(tmp_path / "q.json"), "--out", str(tmp_path / "weeks.csv"))
    assert run.returncode == 0, run.stderr
    assert "start a class of" in run.stdout
    weeks = pd.read_csv(tmp_path / "weeks.csv")
    assert len(weeks) == 20
    # the printed verdict agrees with the table: gaps beyond the tolerance only in weeks no class can reach
    late = weeks["available"] < weeks["required"] - 1 - 1e-6
    assert (late == ~weeks["within_tolerance"]).all()
    assert not late.iloc[12:].any(), "a class started in week 1 is productive by week 13"


@pytest.mark.parametrize("question, words", [
    ({"start": "2030-01-07", "required": [10], "headcount": 5, "attrition_monthly_percent": 100}, "below 100%"),
    ({"start": "2030-01-07", "required": [10], "headcount": 5,
      "planned_classes": [{"start": "2020-01-06", "size": 5}]}, "before today"),
    ({"start": "2030-01-07", "required": [], "headcount": 5}, "required"),
    ([1, 2, 3], "JSON object"),
])
def test_capacity_errors_exit_2_with_the_reason(tmp_path, question, words):
    (tmp_path / "q.json").write_text(json.dumps(question))
    run = cli("capacity", "--input", str(tmp_path / "q.json"))
    assert run.returncode == 2 and words in run.stderr and "Traceback" not in run.stderr


def test_store_round_trip_and_a_corrupt_import(tmp_path, store_env):
    export = {"format": "wfm-scenarios", "schema": 2,
              "scenarios": [{"name": "Growth 10%", "volume_growth_percent": 10},
                            {"name": "Service 90/20", "service_level": 0.9, "answer_seconds": 20}]}
    (tmp_path / "in.json").write_text(json.dumps(export))
    run = cli("store", "import", str(tmp_path / "in.json"), env=store_env)
    assert run.returncode == 0 and "imported 2" in run.stdout, run.stderr
    listed = cli("store", "list", env=store_env)
    assert "Growth 10%  (version 1" in listed.stdout and "Service 90/20" in listed.stdout
    out = json.loads(cli("store", "export", env=store_env).stdout)
    assert {s["name"]: s["volume_growth_percent"] for s in out["scenarios"]} == {"Growth 10%": 10, "Service 90/20": 0}
    (tmp_path / "bad.json").write_text('{"format": "wfm-scenarios", "scenarios": [{"name": "x", ')
    bad = cli("store", "import", str(tmp_path / "bad.json"), env=store_env)
    assert bad.returncode == 2 and "not valid JSON" in bad.stderr
    assert len(json.loads(cli("store", "export", env=store_env).stdout)["scenarios"]) == 2   # nothing half-imported


@pytest.mark.slow
def test_compare_runs_scenarios_side_by_side(tmp_path, sample_queues):
    history = load_history(DATA / "history.csv.gz", queues=sample_queues).frame
    small = history[(history["queue"] == "uk_chat") & (history["ds"] >= history["ds"].max() - pd.Timedelta(days=56))]
    small.assign(ds=small["ds"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")).to_csv(tmp_path / "h.csv", index=False)
    export = {"format": "wfm-scenarios", "schema": 2,
              "scenarios": [{"name": "Growth 10%", "volume_growth_percent": 10}]}
    (tmp_path / "s.json").write_text(json.dumps(export))
    run = cli("compare", "--scenarios", str(tmp_path / "s.json"), "--history", str(tmp_path / "h.csv"),
              "--events", "", "--out", str(tmp_path / "cmp.csv"))
    assert run.returncode == 0, run.stderr
    long = pd.read_csv(tmp_path / "cmp.csv")
    fte = long[long["kpi"] == "required_fte"].set_index("scenario")["value"]
    # 10% more contacts needs more people, but less than 10% more (queueing economies of scale)
    assert fte["Base plan"] < fte["Growth 10%"] < fte["Base plan"] * 1.1 + 1
