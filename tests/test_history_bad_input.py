"""Bad contact-history input: every case is an InputError naming file, row, column, value and the fix."""
from __future__ import annotations

import gzip
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecasting.history import ColumnMap, History, load_history
from forecasting.validation import InputError


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def fails(*args, **kwargs) -> str:
    with pytest.raises(InputError) as caught:
        load_history(*args, **kwargs)
    return str(caught.value)


# ---------------------------------------------------------------------------------------------- files


def test_missing_file(tmp_path):
    message = fails(tmp_path / "nope.csv")
    assert "nope.csv" in message and "does not exist" in message


def test_folder_instead_of_file(tmp_path):
    assert "folder" in fails(tmp_path)


def test_empty_file(tmp_path):
    message = fails(write(tmp_path, "e.csv", ""))
    assert message.startswith("e.csv") and "empty" in message


def test_header_only(tmp_path):
    message = fails(write(tmp_path, "h.csv", "ds,y\n"))
    assert "no data rows" in message and "ds, y" in message


def test_over_max_bytes_checked_before_reading(tmp_path):
    message = fails(write(tmp_path, "big.csv", "ds,y\n" + "2024-01-01,1\n" * 10), max_bytes=50)
    assert "big.csv" in message and "limit of 50 bytes" in message


def test_over_max_rows(tmp_path):
    message = fails(write(tmp_path, "r.csv", "ds,y\n2024-01-01,1\n2024-01-02,1\n2024-01-03,1\n"), max_rows=2)
    assert "limit of 2 rows" in message


def test_wrong_delimiter_says_which(tmp_path):
    message = fails(write(tmp_path, "t.csv", "ds~y\n2024-01-01~1\n"))
    assert "one column 'ds~y'" in message and "'~'" in message and "commas, semicolons, tabs" in message


def test_dataframe_read_with_wrong_separator():
    frame = pd.DataFrame({"ds;y": ["2024-01-01;1"]})
    assert "sep=';'" in fails(frame, name="upload.csv")


def test_undecodable_bytes_after_utf8_bom(tmp_path):
    message = fails(write(tmp_path, "u.csv", b"\xef\xbb\xbfds,y\n2024-01-01,1\n2024-01-02,\xff\n"))
    assert "u.csv, row 3" in message and "0xFF" in message and "UTF-8" in message


def test_binary_file_is_not_csv(tmp_path):
    message = fails(write(tmp_path, "n.csv", b"ds,y\n2024-01-01,1\x00\x01\x02\x03\n"))
    assert "row 2" in message and "not text" in message


def test_ragged_row(tmp_path):
    message = fails(write(tmp_path, "r.csv", "ds;y\n2024-01-01;1\n2024-01-02;1;5\n"))
    assert "row 3" in message and "3 fields" in message and "semicolon" in message


def test_excel_that_is_not_excel(tmp_path):
    message = fails(write(tmp_path, "f.xlsx", "ds,y\n2024-01-01,1\n"))
    assert "f.xlsx" in message and "not a real Excel workbook" in message and "rename it to .csv" in message


def test_damaged_excel(tmp_path):
    assert "could not be opened as an Excel workbook" in fails(write(tmp_path, "d.xlsx", b"PK\x03\x04garbage"))


def test_old_xls(tmp_path):
    assert "save it as .xlsx" in fails(write(tmp_path, "old.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 64))


def test_bad_gzip(tmp_path):
    assert "not a valid gzip" in fails(write(tmp_path, "h.csv.gz", "ds,y\n2024-01-01,1\n"))


def test_gzip_bomb_stops_at_max_bytes(tmp_path):
    path = tmp_path / "h.csv.gz"
    path.write_bytes(gzip.compress(b"ds,y\n" + b"2024-01-01,1\n" * 10_000))
    assert "(unpacked)" in fails(path, max_bytes=5_000)


def test_unsupported_source_type():
    assert "cannot read a int" in fails(123)


# ---------------------------------------------------------------------------------------------- columns


def test_missing_time_column_lists_found_and_flag(tmp_path):
    message = fails(write(tmp_path, "c.csv", "when,calls\n2024-01-01,1\n"))
    assert "'when', 'calls'" in message and "--time-col" in message


def test_mapped_column_not_found(tmp_path):
    message = fails(write(tmp_path, "c.csv", "ds,calls\n2024-01-01,1\n"), columns=ColumnMap(count="volume"))
    assert "no column 'volume'" in message and "'ds', 'calls'" in message and "--count-col" in message


def test_unknown_column_role():
    assert "unknown column role 'timestamp'" in fails(pd.DataFrame({"ds": ["2024-01-01"]}),
                                                      columns={"timestamp": "ds"})


def test_one_column_for_two_roles(tmp_path):
    assert "used for both time and count" in fails(write(tmp_path, "c.csv", "ds,y\n2024-01-01,1\n"),
                                                   columns=ColumnMap(time="ds", count="ds"))


def test_a_mapped_column_is_not_guessed_for_another_role(tmp_path):
    assert "no time column found" in fails(write(tmp_path, "c.csv", "ds,y\n2024-01-01,1\n"),
                                           columns=ColumnMap(count="ds"))


# ---------------------------------------------------------------------------------------------- dates & zones


def test_unparseable_date_names_first_bad_row(tmp_path):
    text = "ds,y\n2024-01-01 08:00,1\n2024-01-01 08:15,1\n2024-02-30 08:30,2\n2024-02-31 08:30,2\n"
    message = fails(write(tmp_path, "d.csv", text), tz="UTC")
    assert "d.csv, row 4, column 'ds'" in message and "'2024-02-30 08:30'" in message


def test_text_among_dates(tmp_path):
    message = fails(write(tmp_path, "d.csv", "ds,y\n2024-01-01 08:00,1\nyesterday,1\n"), tz="UTC")
    assert "row 3" in message and "'yesterday'" in message


def test_invalid_day_first_date(tmp_path):
    message = fails(write(tmp_path, "d.csv", "date;calls\n31-1-2024;1\n32-1-2024;1\n"))
    assert "row 3" in message and "'32-1-2024'" in message and "day-month-year" in message


def test_empty_time(tmp_path):
    message = fails(write(tmp_path, "d.csv", "ds,y\n2024-01-01,1\n,4\n"))
    assert "row 3" in message and "time is empty" in message


def test_mixed_offsets_names_minority_row(tmp_path):
    text = "ds,y\n2024-01-01 08:00+01:00,1\n2024-01-01 08:15+01:00,1\n2024-01-01 08:30,2\n2024-01-01 08:45+01:00,2\n"
    message = fails(write(tmp_path, "m.csv", text))
    assert "row 4" in message and "'2024-01-01 08:30'" in message and "mixed offsets" in message


def test_naive_times_without_zone(tmp_path):
    message = fails(write(tmp_path, "n.csv", "opened_at\n2016-02-29 01:16\n"))
    assert "column 'opened_at'" in message and "--tz Europe/Dublin" in message


def test_unknown_zone_name(tmp_path):
    message = fails(write(tmp_path, "n.csv", "ds,y\n2024-01-01 08:00,1\n"), tz="Europe/Dublinn")
    assert "'Europe/Dublinn'" in message and "IANA" in message


def test_interval_in_spring_forward_gap(tmp_path):
    text = "ds,y\n2024-03-31 00:45,1\n2024-03-31 01:30,1\n2024-03-31 02:00,1\n"
    message = fails(write(tmp_path, "g.csv", text), tz="Europe/London")
    assert "row 3" in message and "'2024-03-31 01:30'" in message and "does not exist in Europe/London" in message


def test_numbers_in_a_non_date_column(tmp_path):
    message = fails(write(tmp_path, "n.csv", "start,y\n1,1\n2,3\n"))
    assert "row 2" in message and "numbers, not dates" in message


def test_time_of_day_only(tmp_path):
    assert "without a date" in fails(write(tmp_path, "t.csv", "time,y\n08:00,1\n08:15,2\n"))


# ---------------------------------------------------------------------------------------------- counts & handle


@pytest.mark.parametrize(("value", "problem"), [("-3", "negative"), ("12a", "not a number"), ("NaN", "not a number"),
                                                ("inf", "not a finite number"), ("1,234", "not a number")])
def test_bad_counts(tmp_path, value, problem):
    message = fails(write(tmp_path, "c.csv", f'ds,y\n2024-01-01,1\n2024-01-02,"{value}"\n'))
    assert "c.csv, row 3, column 'y'" in message and f"'{value}'" in message and problem in message


def test_empty_count(tmp_path):
    message = fails(write(tmp_path, "c.csv", "ds,calls\n2024-01-01,1\n2024-01-02,\n"))
    assert "row 3, column 'calls'" in message and "enter 0" in message


@pytest.mark.parametrize(("value", "problem"), [("-5", "negative"), ("5 min", "not a number")])
def test_bad_handle_times(tmp_path, value, problem):
    message = fails(write(tmp_path, "h.csv", f"ds,talk_time\n2024-01-01,1\n2024-01-02,{value}\n"))
    assert "row 3, column 'talk_time'" in message and f"'{value}'" in message and problem in message


def test_duplicate_intervals_name_both_rows(tmp_path):
    text = "queue,ds,y\na,2024-01-01 08:00Z,1\nb,2024-01-01 08:00Z,1\na,2024-01-01 08:15Z,1\na,2024-01-01 08:00Z,2\n"
    message = fails(write(tmp_path, "dup.csv", text))
    assert "rows 2 and 5" in message and "queue 'a'" in message


def test_duplicate_in_repeated_hour_is_still_a_duplicate(tmp_path):
    times = ["01:00", "01:00", "01:00"]  # a third 01:00 on the fall-back day cannot exist
    text = "ds,y\n" + "".join(f"2024-10-27 {t},1\n" for t in times)
    message = fails(write(tmp_path, "dup.csv", text), tz="Europe/London", interval_minutes=15)
    assert "rows 3 and 4" in message


# ---------------------------------------------------------------------------------------------- intervals


def test_unsupported_interval_argument(tmp_path):
    assert "15, 30, 60 or 1440" in fails(write(tmp_path, "i.csv", "ds,y\n2024-01-01,1\n"), interval_minutes=20)


def test_daily_data_cannot_be_split(tmp_path):
    assert "cannot be split into 15-minute" in fails(write(tmp_path, "d.csv", "ds,y\n2024-01-01,1\n"),
                                                     interval_minutes=15)


def test_interval_start_off_the_grid(tmp_path):
    text = "ds,y\n2024-01-01 08:00Z,1\n2024-01-01 08:15Z,1\n2024-01-01 08:30Z,1\n2024-01-01 08:37Z,1\n"
    message = fails(write(tmp_path, "g.csv", text))
    assert "row 5" in message and "'2024-01-01 08:37Z'" in message and "15-minute grid" in message


def test_single_timestamp_needs_interval(tmp_path):
    assert "--interval-minutes" in fails(write(tmp_path, "s.csv", "ds,y\n2024-01-01 08:00Z,1\n"))


def test_excel_bad_count_row_numbers_match_the_sheet(tmp_path):
    book = openpyxl.Workbook()
    for row in (["ds", "calls"], ["2024-01-01", 3], ["2024-01-02", "n/a"]):
        book.active.append(row)
    path = tmp_path / "x.xlsx"
    book.save(path)
    message = fails(path)
    assert "x.xlsx, row 3, column 'calls'" in message and "'n/a'" in message


# ---------------------------------------------------------------------------------------------- never a traceback


_cells = st.text(alphabet=st.sampled_from(list("0123456789-:/ .TZ+aé,;\"\n")), max_size=20)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.sampled_from(["ds,y", "timestamp", "date;calls;queue", "opened_at,aht,channel", "x"]),
       body=st.lists(_cells, max_size=6), tz=st.sampled_from([None, "UTC", "Europe/London"]))
def test_garbage_gives_history_or_input_error(header, body, tz):
    data = (header + "\n" + "\n".join(body)).encode("utf-8")
    try:
        assert isinstance(load_history(data, name="fuzz.csv", tz=tz), History)
    except InputError:
        pass
