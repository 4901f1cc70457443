"""Sites, shift templates and overtime rules: the sample loads, and bad rows are named precisely."""
from __future__ import annotations

import pytest

from forecasting.validation import InputError
from scheduling.sites import load_overtime, load_sites, load_templates
from tests.conftest import DATA

HEADER = ("site,timezone,queues,earliest_start,latest_start,max_agents,max_agents_kind,hourly_cost,night_premium,"
          "night_hours,overtime_multiplier,holiday_country,holiday_premium\n")
GOOD = "Dublin,Europe/Dublin,uk_phone;email,07:00,20:00,260,headcount,32.00,0.25,22:00-06:00,1.5,IE,1.0\n"


def test_sample_sites_span_three_zones_with_dst_and_the_eastern_hemisphere():
    sites = load_sites(DATA / "sites.csv")
    assert {s.timezone for s in sites.values()} == {"Europe/Dublin", "Asia/Manila", "America/Chicago"}
    assert sites["Dublin"].earliest_start == 7 * 60 and sites["Manila"].latest_start == 23 * 60 + 45
    assert "us_phone" in sites["Manila"].queues and sites["Austin"].hourly_cost > sites["Manila"].hourly_cost


def test_night_minutes_cross_midnight():
    site = load_sites(DATA / "sites.csv")["Manila"]
    assert site.night_minutes(21 * 60, 9 * 60) == 8 * 60  # 21:00-06:00 has 22:00-06:00 at night
    assert site.night_minutes(9 * 60, 8 * 60) == 0


def test_sample_templates_and_overtime_load():
    templates = load_templates(DATA / "shift_templates.csv")
    assert {"FT 8h", "PT 4h"} <= set(templates)
    assert templates["FT 8h"].length_minutes == 510
    assert load_overtime(DATA / "overtime.csv", sites=load_sites(DATA / "sites.csv"))


@pytest.mark.parametrize("row, expected", [
    (GOOD.replace("Europe/Dublin", "Europe/Dub"), "row 2, column 'timezone': value 'Europe/Dub'"),
    (GOOD.replace("07:00,20:00", "20:00,07:00"), "the latest start (07:00) is before the earliest start (20:00)"),
    (GOOD.replace("32.00", "-5"), "row 2, column 'hourly_cost'"),
    (GOOD.replace(",IE,", ",XX,"), "not a country code"),
])
def test_bad_site_rows_are_named(tmp_path, row, expected):
    path = tmp_path / "sites.csv"
    path.write_text(HEADER + row)
    with pytest.raises(InputError) as err:
        load_sites(path)
    assert expected in str(err.value) and "sites.csv" in str(err.value)


def test_a_missing_column_lists_what_is_expected(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text("site,queues\nDublin,uk_phone\n")
    with pytest.raises(InputError, match="timezone"):
        load_sites(path)
