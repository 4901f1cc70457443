"""``python -m forecasting validate``: summary and notes on success, one stderr line and exit 2 on bad input."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from forecasting.__main__ import main

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
SERVICE_DESK = SHARED_DATA / "it_service_desk_2016" / "incident_openings_derived.csv"
DAILY_CALLS = SHARED_DATA / "daily_calls_2013_2016" / "case_data_calls.csv"


def validate(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "forecasting", "validate", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def test_validate_prints_summary_and_notes(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text("When;Team;Offered\n2024-01-01 08:00;uk_phone;4\n2024-01-01 08:30;uk_phone;6\n"
                    "2024-01-01 09:00;uk_phone;0\n", encoding="utf-8")
    result = validate(path, "--tz", "Europe/London", "--time-col", "When", "--queue-col", "Team",
                      "--count-col", "Offered", "--queues", REPO / "data" / "queues.csv")
    assert result.returncode == 0, result.stderr
    assert "queue" in result.stdout and "contacts" in result.stdout and "zero_share" in result.stdout
    assert "uk_phone" in result.stdout and "30-minute" in result.stdout
    assert "Notes:" in result.stdout
    assert result.stderr == ""


def test_validate_bad_input_exits_2_without_traceback(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text("ds,y\n2024-01-01 08:00,4\n2024-01-01 08:15,12a\n", encoding="utf-8")
    result = validate(path, "--tz", "UTC")
    assert result.returncode == 2
    assert "calls.csv, row 3, column 'y'" in result.stderr and "'12a'" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_validate_naive_without_zone_asks_for_tz(tmp_path, capsys):
    path = tmp_path / "r.csv"
    path.write_text("opened_at\n2024-01-01 08:03\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    assert "--tz Europe/Dublin" in capsys.readouterr().err


def test_validate_missing_file(capsys):
    assert main(["validate", "no/such/file.csv"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_validate_bad_queues_file(tmp_path, capsys):
    history, queues = tmp_path / "h.csv", tmp_path / "queues.csv"
    history.write_text("ds,y\n2024-01-01,1\n", encoding="utf-8")
    queues.write_text("queue,channel,timezone\nq,phone,Mars/Olympus\n", encoding="utf-8")
    assert main(["validate", str(history), "--queues", str(queues)]) == 2
    assert "queues.csv, row 2, column 'timezone'" in capsys.readouterr().err


@pytest.mark.skipif(not DAILY_CALLS.exists(), reason="shared data folder not present")
def test_validate_real_daily_calls():
    result = validate(DAILY_CALLS)
    assert result.returncode == 0, result.stderr
    assert "1440-minute" in result.stdout and " 1155 " in result.stdout
    assert "day-month-year" in result.stdout


@pytest.mark.skipif(not SERVICE_DESK.exists(), reason="shared data folder not present")
def test_validate_real_service_desk(capsys):
    assert main(["validate", str(SERVICE_DESK), "--tz", "UTC", "--interval-minutes", "60"]) == 0
    out = capsys.readouterr().out
    assert "Phone" in out and "24684" in out.replace(",", "")
    assert "Missing stretches" in out
