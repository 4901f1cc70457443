"""Contact-history ingestion: formats, shapes, time zones, DST, opening hours, gaps, real data."""
from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from forecasting.history import ColumnMap, History, load_history, summarise
from forecasting.queues import QueueConfig

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
SERVICE_DESK = SHARED_DATA / "it_service_desk_2016" / "incident_openings_derived.csv"
DAILY_CALLS = SHARED_DATA / "daily_calls_2013_2016" / "case_data_calls.csv"
LONDON = "Europe/London"


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def config(queue: str = "q", zone: str = LONDON, **hours: str) -> QueueConfig:
    return QueueConfig(queue=queue, channel="phone", timezone=zone, **hours)


def local_day_rows(history: History, day: str, zone: str = LONDON) -> pd.DataFrame:
    local = history.frame["ds"].dt.tz_convert(zone)
    return history.frame[local.dt.strftime("%Y-%m-%d") == day]


def interval_rows(start: str, end: str, zone: str = LONDON, freq: str = "15min") -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(start, tz=zone), pd.Timestamp(end, tz=zone), freq=freq, inclusive="left")


# ---------------------------------------------------------------------------------------------- formats


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_interval_csv_any_delimiter(tmp_path, delimiter):
    rows = ["queue,ds,y,aht", "a,2024-01-01 08:00:00+00:00,3,200", "a,2024-01-01 08:15:00+00:00,1,",
            "a,2024-01-01 08:30:00+00:00,5,100"]
    path = write(tmp_path, "h.csv", "\n".join(r.replace(",", delimiter) for r in rows) + "\n")
    history = load_history(path)
    assert history.source_kind == "intervals"
    assert history.interval_minutes == 15
    assert list(history.frame.columns) == ["queue", "ds", "y", "aht"]
    assert history.frame["y"].tolist() == [3.0, 1.0, 5.0]
    assert history.frame["aht"].iloc[0] == 200 and np.isnan(history.frame["aht"].iloc[1])
    assert str(history.frame["ds"].dtype) in ("datetime64[us, UTC]", "datetime64[ns, UTC]")
    assert history.frame["ds"].iloc[0] == pd.Timestamp("2024-01-01 08:00", tz="UTC")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_bom_encodings(tmp_path, encoding):
    text = "Queue;Timestamp;Calls\nCafé;2024-01-01T08:00+01:00;4\nCafé;2024-01-01T08:30+01:00;6\n"
    history = load_history(write(tmp_path, "h.csv", text, encoding))
    assert history.frame["queue"].unique().tolist() == ["Café"]
    assert history.frame["ds"].iloc[0] == pd.Timestamp("2024-01-01 07:00", tz="UTC")
    assert history.interval_minutes == 30


def test_cp1252_fallback_with_note(tmp_path):
    text = "queue,ds,y\nCafé,2024-01-01 08:00Z,4\nCafé,2024-01-01 08:15Z,6\n"
    history = load_history(write(tmp_path, "h.csv", text, "cp1252"))
    assert history.frame["queue"].iloc[0] == "Café"
    assert any("Windows-1252" in note for note in history.notes)


def test_gzip_csv_like_the_bundled_sample(tmp_path):
    ds = pd.date_range("2024-11-16", periods=8, freq="15min", tz="UTC")
    frame = pd.DataFrame({"queue": "uk_phone", "ds": ds.strftime("%Y-%m-%d %H:%M:%S+00:00"), "y": range(1, 9),
                          "aht": 240.0})
    path = tmp_path / "history.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        frame.to_csv(handle, index=False)
    history = load_history(path)
    assert history.source_name == "history.csv.gz"
    assert history.frame["y"].sum() == 36
    assert (history.frame["ds"] == ds).all()
    assert history.timezone == "UTC"


def _workbook(rows: list[list]) -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    return book


def test_excel_date_cells(tmp_path):
    book = _workbook([["Interval Start", "Skill", "Offered", "AHT"],
                      [dt.datetime(2024, 1, 2, 9, 0), "sales", 4, 180],
                      [dt.datetime(2024, 1, 2, 9, 30), "sales", 2, 200],
                      [dt.datetime(2024, 1, 2, 10, 0), "sales", 0, None]])
    assert book.active["A2"].is_date  # a real Excel date cell
    path = tmp_path / "h.xlsx"
    book.save(path)
    history = load_history(path, tz="Europe/Dublin")
    assert history.interval_minutes == 30
    assert history.frame["queue"].unique().tolist() == ["sales"]
    assert history.frame["ds"].iloc[0] == pd.Timestamp("2024-01-02 09:00", tz="UTC")
    # One week only: 10:00 never had contacts, so it is inferred closed and its zero row is left out.
    assert history.frame["y"].tolist() == [4.0, 2.0]
    assert any("1 row(s) with 0 contacts in closed hours" in note for note in history.notes)


def test_excel_upload_as_bytes_with_text_dates_and_serials(tmp_path):
    book = _workbook([["date", "calls"], [45292, 10], [45293, 12], [45294, 9]])  # serial numbers in number cells
    path = tmp_path / "h.xlsx"
    book.save(path)
    history = load_history(path.read_bytes(), name="upload.xlsx")
    assert history.interval_minutes == 1440
    assert history.frame["ds"].tolist() == list(pd.date_range("2024-01-01", periods=3, tz="UTC"))
    assert any("Excel serial" in note for note in history.notes)


def test_excel_serials_in_csv(tmp_path):
    path = write(tmp_path, "h.csv", "Date,Calls\n45292.375,3\n45292.385416667,5\n")
    history = load_history(path, tz="UTC")
    assert history.frame["ds"].tolist()[:2] == [pd.Timestamp("2024-01-01 09:00", tz="UTC"),
                                                pd.Timestamp("2024-01-01 09:15", tz="UTC")]


def test_dataframe_source_with_aware_datetimes():
    ds = pd.date_range("2024-07-01 08:00", periods=4, freq="h", tz="America/New_York")
    frame = pd.DataFrame({"datetime": ds, "volume": [1, 2, 3, 4], "split": "us"})
    history = load_history(frame)
    assert history.interval_minutes == 60
    assert history.frame["ds"].iloc[0] == pd.Timestamp("2024-07-01 12:00", tz="UTC")
    assert history.frame["queue"].iloc[0] == "us"


# ---------------------------------------------------------------------------------------------- shapes


def test_records_counted_into_intervals_totals_kept(tmp_path):
    text = ("created_at,channel,handle_time\n"
            "2024-02-05 08:01:10,chat,100\n2024-02-05 08:14:59,chat,200\n2024-02-05 08:15:00,chat,\n"
            "2024-02-05 08:40:00,email,50\n2024-02-05 09:59:00,chat,300\n")
    history = load_history(write(tmp_path, "r.csv", text), tz=LONDON)
    assert history.source_kind == "records"
    assert history.interval_minutes == 15
    assert history.frame["y"].sum() == 5
    chat = history.frame[history.frame["queue"] == "chat"].set_index("ds")
    first = pd.Timestamp("2024-02-05 08:00", tz="UTC")
    assert chat.loc[first, "y"] == 2 and chat.loc[first, "aht"] == 150
    assert np.isnan(chat.loc[first + pd.Timedelta(minutes=15), "aht"])  # contact without handle time
    assert any("channels" in note for note in history.notes)  # queue taken from the channel


def test_mapping_a_column_the_guess_would_take_for_another_role(tmp_path):
    # The service-desk export: contact_type looks like a channel column, the planner maps it as the queue.
    text = "opened_at,contact_type\n2024-02-05 08:01,Phone\n2024-02-05 08:20,Email\n2024-02-05 08:30,Phone\n"
    history = load_history(write(tmp_path, "r.csv", text), tz=LONDON, columns=ColumnMap(queue="contact_type"))
    assert history.frame.groupby("queue")["y"].sum().to_dict() == {"Email": 1, "Phone": 2}


def test_records_hourly_and_default_queue(tmp_path):
    text = "timestamp\n2024-02-05T08:01:00Z\n2024-02-05T08:59:00Z\n2024-02-05T09:30:00Z\n"
    history = load_history(write(tmp_path, "r.csv", text), interval_minutes=60, default_queue="desk")
    assert history.frame[["queue", "y"]].values.tolist() == [["desk", 2.0], ["desk", 1.0]]


def test_handle_time_as_clock_and_decimal_comma(tmp_path):
    text = "ds;queue;aht;calls\n2024-01-01 08:00Z;a;0:04:05;2\n2024-01-01 08:15Z;a;245,5;1\n"
    frame = load_history(write(tmp_path, "h.csv", text)).frame
    assert frame["aht"].tolist() == [245.0, 245.5]


def test_interval_length_detected_and_summed_up(tmp_path):
    ds = interval_rows("2024-01-01 08:00", "2024-01-01 10:00", "UTC", "30min")
    text = "ds,y\n" + "".join(f"{d:%Y-%m-%dT%H:%M}Z,{i}\n" for i, d in enumerate(ds, 1))
    path = write(tmp_path, "h.csv", text)
    assert load_history(path).interval_minutes == 30
    hourly = load_history(path, interval_minutes=60)
    assert hourly.interval_minutes == 60
    assert hourly.frame["y"].tolist() == [3.0, 7.0]


def test_daily_data_detected_from_dates(tmp_path):
    history = load_history(write(tmp_path, "d.csv", "date,calls\n2024-03-01,10\n2024-03-02,12\n2024-03-03,11\n"))
    assert history.interval_minutes == 1440
    assert history.timezone == "UTC"
    assert any("UTC days" in note for note in history.notes)


def test_daily_dates_with_tz_are_local_midnights(tmp_path):
    history = load_history(write(tmp_path, "d.csv", "date,calls\n2024-07-01,10\n2024-07-02,12\n"), tz=LONDON)
    assert history.frame["ds"].iloc[0] == pd.Timestamp("2024-06-30 23:00", tz="UTC")


def test_separate_date_and_time_columns_are_joined(tmp_path):
    text = "Date,Time,Calls\n05/02/2024,08:00,3\n05/02/2024,08:30,4\n13/02/2024,08:00,1\n"
    history = load_history(write(tmp_path, "h.csv", text), tz="UTC")
    assert history.interval_minutes == 30
    assert history.frame["ds"].iloc[0] == pd.Timestamp("2024-02-05 08:00", tz="UTC")
    assert any("Joined" in note for note in history.notes)


# ---------------------------------------------------------------------------------------------- dates


def test_day_month_year_dashes_like_the_booking_file(tmp_path):
    history = load_history(write(tmp_path, "d.csv", "date;calls\n1-1-2013;5\n2-1-2013;6\n13-1-2013;7\n"))
    assert history.frame["ds"].iloc[1] == pd.Timestamp("2013-01-02", tz="UTC")
    assert any("day-month-year" in note for note in history.notes)


def test_month_first_detected_from_values(tmp_path):
    history = load_history(write(tmp_path, "d.csv", "date,calls\n01/02/2024,5\n01/13/2024,6\n"))
    assert history.frame["ds"].iloc[0] == pd.Timestamp("2024-01-02", tz="UTC")
    assert any("month-day-year" in note for note in history.notes)


def test_ambiguous_day_month_assumes_day_first_with_note(tmp_path):
    history = load_history(write(tmp_path, "d.csv", "date,calls\n01/02/2024,5\n02/02/2024,6\n"))
    assert history.frame["ds"].iloc[0] == pd.Timestamp("2024-02-01", tz="UTC")
    assert any("day-first or month-first" in note for note in history.notes)


def test_day_first_with_time_and_am_pm(tmp_path):
    text = "start,calls\n31.12.2023 11:45 PM,1\n01.01.2024 12:00 AM,2\n"
    history = load_history(write(tmp_path, "h.csv", text), tz="UTC")
    assert history.frame["ds"].tolist() == [pd.Timestamp("2023-12-31 23:45", tz="UTC"),
                                            pd.Timestamp("2024-01-01 00:00", tz="UTC")]


# ---------------------------------------------------------------------------------------------- time zones


def test_offsets_across_a_dst_change_are_honoured(tmp_path):
    text = ("ds,y\n2024-03-31T00:45:00+00:00,1\n2024-03-31T02:00:00+01:00,2\n2024-03-31T02:15:00+01:00,3\n")
    history = load_history(write(tmp_path, "h.csv", text))
    assert history.frame["ds"].tolist() == list(pd.date_range("2024-03-31 00:45", periods=3, freq="15min", tz="UTC"))


def test_naive_times_read_in_declared_zone(tmp_path):
    text = "ds,y\n2024-07-01 09:00,1\n2024-07-01 09:15,2\n"
    history = load_history(write(tmp_path, "h.csv", text), tz="America/New_York")
    assert history.timezone == "America/New_York"
    assert history.frame["ds"].iloc[0] == pd.Timestamp("2024-07-01 13:00", tz="UTC")


def _interval_csv(ds: pd.DatetimeIndex) -> str:
    """Interval CSV with naive local times as a wall clock shows them (DST days repeat/skip)."""
    return "queue,ds,y\n" + "".join(f"q,{d:%Y-%m-%d %H:%M},{1 + i % 3}\n" for i, d in enumerate(ds))


def _records_csv(ds: pd.DatetimeIndex) -> str:
    """Two contacts per wall-clock interval, in time order, naive local times."""
    lines = []
    for d in ds:
        lines += [f"{d + pd.Timedelta(minutes=3):%Y-%m-%d %H:%M:%S},120",
                  f"{d + pd.Timedelta(minutes=9):%Y-%m-%d %H:%M:%S},60"]
    return "opened_at,duration\n" + "\n".join(lines) + "\n"


@pytest.mark.parametrize("kind", ["intervals", "records"])
def test_spring_forward_week_has_a_92_interval_day(tmp_path, kind):
    ds = interval_rows("2024-03-25", "2024-04-01")  # Monday..Sunday 31 March (clocks go forward)
    text = _interval_csv(ds) if kind == "intervals" else _records_csv(ds)
    history = load_history(write(tmp_path, "h.csv", text), tz=LONDON, default_queue="q")
    assert history.source_kind == kind
    assert len(local_day_rows(history, "2024-03-31")) == 92
    assert len(local_day_rows(history, "2024-03-30")) == 96
    assert history.frame["ds"].is_unique
    expected = len(ds) * 2 if kind == "records" else sum(1 + i % 3 for i in range(len(ds)))
    assert history.frame["y"].sum() == expected


@pytest.mark.parametrize("kind", ["intervals", "records"])
def test_fall_back_week_keeps_both_0130s(tmp_path, kind):
    ds = interval_rows("2024-10-21", "2024-10-28")  # Monday..Sunday 27 October (clocks go back)
    text = _interval_csv(ds) if kind == "intervals" else _records_csv(ds)
    history = load_history(write(tmp_path, "h.csv", text), tz=LONDON, default_queue="q")
    day = local_day_rows(history, "2024-10-27")
    assert len(day) == 100
    assert history.frame["ds"].is_unique and history.frame["ds"].is_monotonic_increasing
    assert pd.Timestamp("2024-10-27 00:30", tz="UTC") in day["ds"].tolist()  # 01:30 BST
    assert pd.Timestamp("2024-10-27 01:30", tz="UTC") in day["ds"].tolist()  # 01:30 GMT
    if kind == "records":
        assert (day["y"] == 2).all() and (day["aht"] == 90).all()
    assert any("repeated" in note for note in history.notes)


def test_fall_back_interval_rows_paired_consecutively(tmp_path):
    """Rows sorted by wall clock (01:00, 01:00, 01:15, 01:15...): first of each pair is summer time."""
    times = ["00:45", "01:00", "01:00", "01:15", "01:15", "02:00"]
    text = "ds,y\n" + "".join(f"2024-10-27 {t},{i + 1}\n" for i, t in enumerate(times))
    frame = load_history(write(tmp_path, "h.csv", text), tz=LONDON, interval_minutes=15).frame
    by_ds = frame.set_index("ds")["y"]
    assert by_ds[pd.Timestamp("2024-10-27 00:00", tz="UTC")] == 2  # 01:00 BST
    assert by_ds[pd.Timestamp("2024-10-27 01:00", tz="UTC")] == 3  # 01:00 GMT


def test_records_in_spring_gap_are_shifted_with_note(tmp_path):
    text = "opened_at\n2024-03-31 00:50\n2024-03-31 01:30\n2024-03-31 02:10\n"
    history = load_history(write(tmp_path, "r.csv", text), tz=LONDON)
    assert history.frame["y"].sum() == 3
    assert any("skipped" in note and "row 3" in note for note in history.notes)


# ---------------------------------------------------------------------------------------------- opening hours & gaps


def test_zero_fill_from_queue_config(tmp_path):
    # Mon 8 Jan .. Sun 14 Jan 2024, one contact at 12:05 each day; open Mon-Fri 08-20, Sat 09-17, Sun closed.
    text = "opened_at,queue\n" + "".join(f"2024-01-{d:02d} 12:05,uk_phone\n" for d in range(8, 15))
    text += "2024-01-09 21:10,uk_phone\n"  # after closing: kept
    queues = {"uk_phone": config("uk_phone", open_mon="08:00-20:00", open_tue="08:00-20:00", open_wed="08:00-20:00",
                                 open_thu="08:00-20:00", open_fri="08:00-20:00", open_sat="09:00-17:00",
                                 open_sun="closed")}
    history = load_history(write(tmp_path, "r.csv", text), tz=LONDON, queues=queues)
    assert len(local_day_rows(history, "2024-01-10")) == 48
    assert len(local_day_rows(history, "2024-01-13")) == 32
    assert local_day_rows(history, "2024-01-14")["y"].tolist() == [1.0]  # closed day: only the contact
    assert len(local_day_rows(history, "2024-01-09")) == 49
    assert history.frame["y"].sum() == 8
    assert any("outside its opening hours" in note for note in history.notes)


def test_zero_fill_in_bst_follows_local_hours(tmp_path):
    text = "opened_at,queue\n2024-07-01 08:05,q\n2024-07-01 19:50,q\n"
    queues = {"q": config(open_mon="08:00-20:00")}
    frame = load_history(write(tmp_path, "r.csv", text), tz=LONDON, queues=queues).frame
    assert frame["ds"].iloc[0] == pd.Timestamp("2024-07-01 07:00", tz="UTC")
    assert len(frame) == 48


def test_open_hours_inferred_from_ten_percent_of_weeks(tmp_path):
    # 12 weeks of weekday contacts 09:00-11:00 (15-min intervals), except 10:30 on Tuesdays (always 0)
    # in all but 2 weeks; plus one stray contact at 03:00 on one Monday (1 week of 12 < 10%).
    rows = []
    for d in pd.date_range("2024-01-01", "2024-03-24", freq="D"):
        if d.weekday() >= 5:
            continue
        for t in pd.date_range(d + pd.Timedelta(hours=9), d + pd.Timedelta(hours=11), freq="15min", inclusive="left"):
            if t.weekday() == 1 and t.hour == 10 and t.minute == 30 and d.day > 14:
                continue
            rows.append(f"{t:%Y-%m-%d %H:%M}")
    rows.append("2024-01-15 03:00")
    history = load_history(write(tmp_path, "r.csv", "opened_at\n" + "\n".join(rows) + "\n"), tz="UTC")
    frame = history.frame.set_index("ds")
    assert frame.loc[pd.Timestamp("2024-01-15 03:00", tz="UTC"), "y"] == 1  # stray contact kept
    assert pd.Timestamp("2024-01-22 03:00", tz="UTC") not in frame.index  # but the slot is closed
    assert frame.loc[pd.Timestamp("2024-03-19 10:30", tz="UTC"), "y"] == 0  # open slot, zero-filled
    assert len(local_day_rows(history, "2024-03-20", "UTC")) == 8
    assert pd.Timestamp("2024-01-06 10:00", tz="UTC") not in frame.index  # Saturday closed
    assert any("inferred" in note and "sat closed" in note for note in history.notes)


def test_missing_day_reported_as_gap_not_filled(tmp_path):
    ds = interval_rows("2024-01-01", "2024-01-15", "UTC", "h")
    ds = ds[ds.strftime("%Y-%m-%d") != "2024-01-10"]
    text = "ds,calls,queue\n" + "".join(f"{d:%Y-%m-%dT%H:%M}Z,{5},b\n" for d in ds)
    history = load_history(write(tmp_path, "h.csv", text))
    assert history.gaps.to_dict("records") == [{"queue": "b", "start": pd.Timestamp("2024-01-10", tz="UTC"),
                                                "end": pd.Timestamp("2024-01-11", tz="UTC")}]
    assert local_day_rows(history, "2024-01-10", "UTC").empty
    assert any("missing stretch" in note and "2024-01-10" in note for note in history.notes)
    assert len(history.frame) == len(ds)


def test_gap_stretch_spans_closed_days(tmp_path):
    # Config: Mon-Fri open. Data missing Fri 12 Jan and Mon 15 Jan -> one stretch over the closed weekend.
    days = [d for d in pd.date_range("2024-01-08", "2024-01-19", freq="D") if d.weekday() < 5
            and d.strftime("%d") not in ("12", "15")]
    text = "date,calls\n" + "".join(f"{d:%Y-%m-%d},7\n" for d in days)
    queues = {"all": config("all", open_sat="closed", open_sun="closed")}
    history = load_history(write(tmp_path, "d.csv", text), tz=LONDON, queues=queues)
    assert len(history.gaps) == 1
    assert history.gaps["start"].iloc[0] == pd.Timestamp("2024-01-12", tz="UTC")
    assert history.gaps["end"].iloc[0] == pd.Timestamp("2024-01-16", tz="UTC")


def test_summary_columns_and_values(tmp_path):
    text = ("queue,ds,y,aht\n" "a,2024-01-01 08:00Z,2,100\n" "a,2024-01-01 08:15Z,0,\n" "a,2024-01-01 08:30Z,6,300\n"
            "a,2024-01-02 08:00Z,4,200\n" "b,2024-01-01 08:00Z,1,50\n" "b,2024-01-01 08:15Z,1,\n")
    summary = summarise(load_history(write(tmp_path, "h.csv", text), columns=ColumnMap(handle="aht")))
    assert list(summary.columns) == ["queue", "first", "last", "days", "intervals", "contacts", "mean_daily",
                                     "peak_interval", "peak_volume", "aht", "zero_share"]
    a = summary.set_index("queue").loc["a"]
    assert a["contacts"] == 12 and a["days"] == 2 and a["mean_daily"] == 6
    assert a["peak_interval"] == pd.Timestamp("2024-01-01 08:30", tz="UTC") and a["peak_volume"] == 6
    assert a["aht"] == pytest.approx((2 * 100 + 6 * 300 + 4 * 200) / 12)
    assert a["last"] == pd.Timestamp("2024-01-02 08:00", tz="UTC")
    assert summary.set_index("queue").loc["b", "aht"] == 50


def test_column_map_as_dict_and_case_insensitive(tmp_path):
    text = "WHEN,Handled,Team\n2024-01-01 08:00Z,4,x\n2024-01-01 08:15Z,5,x\n"
    columns = {"time": "when", "count": "HANDLED", "queue": "team"}
    history = load_history(write(tmp_path, "h.csv", text), columns=columns)
    assert history.frame["y"].tolist() == [4.0, 5.0] and history.frame["queue"].iloc[0] == "x"


def test_totals_and_blank_rows_dropped_with_note(tmp_path):
    text = "ds,y\n2024-01-01 08:00Z,4\n,\n2024-01-01 08:15Z,5\nTotal,9\n"
    history = load_history(write(tmp_path, "h.csv", text))
    assert history.frame["y"].sum() == 9
    assert any("empty row" in note and "row 3" in note for note in history.notes)
    assert any("totals row" in note and "row 5" in note for note in history.notes)


# ---------------------------------------------------------------------------------------------- real data


@pytest.mark.skipif(not SERVICE_DESK.exists(), reason="shared data folder not present")
def test_real_service_desk_records():
    history = load_history(SERVICE_DESK, tz="UTC")
    summary = summarise(history).set_index("queue")
    assert history.source_kind == "records" and history.interval_minutes == 15
    assert summary["contacts"].sum() == 24_918
    assert summary.loc["Phone", "contacts"] == 24_684
    assert summary.loc["Phone", "first"] == pd.Timestamp("2016-02-29 01:15", tz="UTC")
    assert set(history.gaps["queue"]) >= {"Phone"}  # the sparse tail after May 2016 shows as gaps


@pytest.mark.skipif(not DAILY_CALLS.exists(), reason="shared data folder not present")
def test_real_daily_calls():
    history = load_history(DAILY_CALLS)
    summary = summarise(history).iloc[0]
    assert history.source_kind == "intervals" and history.interval_minutes == 1440
    assert summary["days"] == 1155 and summary["intervals"] == 1155
    assert summary["first"] == pd.Timestamp("2013-01-01", tz="UTC")
    assert summary["last"] == pd.Timestamp("2016-02-29", tz="UTC")
    raw = pd.read_csv(DAILY_CALLS, sep=";", encoding="utf-8-sig")
    assert summary["contacts"] == raw["calls"].sum()
    assert history.gaps.empty


def test_zero_rows_kept_in_configured_open_hours(tmp_path):
    text = "ds,y\n2024-01-08 07:45,0\n2024-01-08 08:00,0\n2024-01-08 08:15,3\n2024-01-08 20:00,0\n"
    queues = {"all": config("all", open_mon="08:00-20:00")}
    history = load_history(write(tmp_path, "h.csv", text), tz=LONDON, queues=queues)
    clock = history.frame["ds"].dt.strftime("%H:%M").tolist()
    assert clock[:2] == ["08:00", "08:15"] and clock[-1] == "19:45" and len(clock) == 48  # 08:00 zero row kept
    assert any("2 row(s) with 0 contacts in closed hours" in note for note in history.notes)


def test_export_without_empty_intervals_detects_step_from_common_divisor(tmp_path):
    # A quiet queue exported without its empty intervals: steps 30, 45, 75 minutes -> 15-minute data.
    times = ["08:00", "08:30", "09:15", "10:30", "11:00"]
    text = "ds,y\n" + "".join(f"2024-01-08 {t}Z,1\n" for t in times)
    assert load_history(write(tmp_path, "h.csv", text)).interval_minutes == 15


def test_read_columns_for_a_mapping_form(tmp_path):
    from forecasting.history import read_columns

    assert read_columns(write(tmp_path, "h.csv", "\ufeffWhen;Team;Offered\n2024-01-01;a;1\n")) == ["When", "Team",
                                                                                                  "Offered"]
    book = _workbook([["Interval Start", "Offered"], [dt.datetime(2024, 1, 2, 9), 4], [dt.datetime(2024, 1, 2, 10), 5]])
    path = tmp_path / "h.xlsx"
    book.save(path)
    assert read_columns(path.read_bytes(), name="h.xlsx") == ["Interval Start", "Offered"]
