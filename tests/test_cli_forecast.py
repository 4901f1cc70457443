"""``python -m forecasting forecast|backtest``: files in, contract out, planner errors with exit code 2."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import forecasting.__main__ as cli
from tests.conftest import DATA


@pytest.fixture(scope="module")
def records(tmp_path_factory) -> str:
    """One row per contact for five weeks in Dublin: naive local timestamps and handle seconds."""
    rng = np.random.default_rng(3)
    days = pd.date_range("2025-03-03", periods=35, freq="D")
    rows = []
    for day in days:
        if day.day_of_week == 6:
            continue
        minutes = rng.normal(11 * 60, 90, size=rng.poisson(150)).clip(8 * 60, 18 * 60 - 1)
        rows += [(day + pd.Timedelta(minutes=float(m)), round(float(rng.gamma(4, 60)), 1)) for m in minutes]
    frame = pd.DataFrame(rows, columns=["created", "handle_seconds"]).sort_values("created")
    path = tmp_path_factory.mktemp("cli") / "contacts.csv"
    frame.assign(created=frame["created"].dt.strftime("%Y-%m-%d %H:%M:%S")).to_csv(path, index=False)
    return str(path)


@pytest.fixture(scope="module")
def intervals(tmp_path_factory) -> str:
    """Twelve weeks of the sample's uk_chat counts per 15 minutes (ds with offset)."""
    frame = pd.read_csv(DATA / "history.csv.gz")
    frame = frame[(frame["queue"] == "uk_chat") & (frame["ds"] >= "2026-08-20")]
    path = tmp_path_factory.mktemp("cli") / "uk_chat.csv"
    frame.to_csv(path, index=False)
    return str(path)


def test_forecast_from_contact_records_writes_the_contract(records, tmp_path, capsys):
    out = tmp_path / "forecast.csv"
    code = cli.main(["forecast", "--history", records, "--time-col", "created", "--aht-col", "handle_seconds",
                     "--tz", "Europe/Dublin", "--country", "IE", "--granularity", "60min", "--horizon-days", "3",
                     "--method", "top-down", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["queue", "ds", "yhat", "yhat_lower", "yhat_upper", "aht"]
    assert frame["ds"].str.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$").all()
    ds = pd.to_datetime(frame["ds"], utc=True)
    # The last contacts are on Saturday 5 April: the forecast starts at the next local midnight.
    assert ds.min() == pd.Timestamp("2025-04-06 00:00", tz="Europe/Dublin").tz_convert("UTC")
    assert len(frame) == 3 * 24 and (frame["yhat"] >= 0).all()
    open_ = frame[frame["yhat"] > 0]
    local_hours = pd.to_datetime(open_["ds"], utc=True).dt.tz_convert("Europe/Dublin").dt.hour
    assert local_hours.between(8, 17).all()
    assert open_["aht"].between(150, 330).all()  # gamma(4, 60): mean 240 s
    assert "method top-down" in capsys.readouterr().err


def test_interval_history_with_train_end_and_events(intervals, tmp_path, capsys):
    out = tmp_path / "forecast.csv"
    code = cli.main(["forecast", "--history", intervals, "--queues", str(DATA / "queues.csv"),
                     "--events", str(DATA / "events.csv"), "--granularity", "30min", "--train-end", "2026-11-02",
                     "--horizon-days", "7", "--method", "top-down", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    frame = pd.read_csv(out)
    ds = pd.to_datetime(frame["ds"], utc=True).dt.tz_convert("Europe/London")
    assert ds.min() == pd.Timestamp("2026-11-02", tz="Europe/London") and len(frame) == 7 * 48
    actual = pd.read_csv(intervals)
    actual["ds"] = pd.to_datetime(actual["ds"], utc=True)
    week = actual[actual["ds"].dt.tz_convert("Europe/London").dt.normalize().between(
        pd.Timestamp("2026-11-02", tz="Europe/London"), pd.Timestamp("2026-11-08", tz="Europe/London"))]
    assert frame["yhat"].sum() == pytest.approx(week["y"].sum(), rel=0.1)


def test_backtest_prints_the_accuracy_table(records, capsys):
    code = cli.main(["backtest", "--history", records, "--time-col", "created", "--tz", "Europe/Dublin",
                     "--granularity", "60min", "--method", "top-down", "--origins", "1"])
    out = capsys.readouterr().out
    assert code == 0
    for text in ("prophet top-down", "seasonal naive", "recent 4 weeks", "day-ahead", "week-ahead", "coverage"):
        assert text in out


def _events(tmp_path, rows: list[str]) -> str:
    path = tmp_path / "events.csv"
    path.write_text("name,kind,start,end,queues,lift,decay_days\n" + "\n".join(rows) + "\n")
    return str(path)


@pytest.mark.parametrize("extra, message", [
    (["--tz", "Mars/Olympus"], "time zone"),
    (["--tz", "Europe/Dublin", "--country", "XX"], "country"),
    (["--tz", "Europe/Dublin", "--horizon-days", "900"], "horizon"),
    (["--tz", "Europe/Dublin", "--train-end", "someday"], "not a date"),
    (["--tz", "Europe/Dublin", "--events", "END_BEFORE_START"], "ends before it starts"),
    (["--tz", "Europe/Dublin", "--events", "OVERLAP"], "overlap"),
    (["--tz", "Europe/Dublin", "--events", "UNKNOWN_QUEUE"], "unknown queue"),
])
def test_bad_input_is_one_planner_line_and_exit_code_2(records, tmp_path, capsys, extra, message):
    files = {"END_BEFORE_START": ["a,launch,2025-04-10,2025-04-01,,,"],
             "OVERLAP": ["a,launch,2025-04-10,2025-04-14,,,", "b,launch,2025-04-12,2025-04-13,,,"],
             "UNKNOWN_QUEUE": ["a,campaign,2025-04-10,2025-04-10,nope,,"]}
    extra = [_events(tmp_path, files[x]) if x in files else x for x in extra]
    args = ["forecast", "--history", records, "--time-col", "created", "--horizon-days", "3",
            "--out", str(tmp_path / "f.csv"), *extra]
    if "--horizon-days" in extra:
        args = args[:5] + args[7:]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert last.startswith("error:") and message in last and "Traceback" not in err
