"""Holiday calendars and the events file: what planners type, and what they get told when it is wrong."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from forecasting.calendar import country_holidays, load_events, parse_country
from forecasting.validation import InputError
from tests.conftest import DATA

QUEUES = ["uk_phone", "uk_chat", "us_phone", "email"]


def test_subdivision_adds_regional_bank_holidays():
    england = country_holidays("GB-ENG", [2025])
    assert dt.date(2025, 4, 21) in england  # Easter Monday: England, not Scotland
    assert dt.date(2025, 4, 21) not in country_holidays("GB-SCT", [2025])


def test_optional_category_adds_days_the_centre_observes():
    public = country_holidays("BR", [2016])
    observed = country_holidays("BR+optional", [2016])
    assert dt.date(2016, 5, 26) not in public and observed[dt.date(2016, 5, 26)] == "Corpus Christi"
    assert set(public) < set(observed)
    assert parse_country("br+OPTIONAL") == ("BR", None, ("public", "optional"))


@pytest.mark.parametrize("code, words", [("XX", "not a country code"), ("GB-XYZ", "no subdivision"),
                                         ("US+nonsense", "no holiday category")])
def test_unknown_codes_say_what_is_known(code, words):
    with pytest.raises(ValueError, match=words):
        parse_country(code)


def test_sample_events_load_with_local_times_and_queue_lists():
    events = load_events(DATA / "events.csv", known_queues=QUEUES)
    launch = events[events["name"] == "Launch: Fibre Max"].iloc[0]
    assert launch["start"] == pd.Timestamp("2026-03-17 09:00") and launch["start"].tzinfo is None
    assert launch["queues"] == ("uk_phone", "uk_chat")
    typed = events[events["kind"] == "other"].iloc[0]
    assert typed["lift"] == pytest.approx(0.25) and typed["decay_days"] == 5


def _fails(text: str) -> str:
    with pytest.raises(InputError) as err:
        load_events(text.encode(), known_queues=QUEUES, name="events.csv")
    return str(err.value)


@pytest.mark.parametrize("row, expected", [
    ("Sale,promo,2026-01-10,,all,,", "row 2, column 'kind': value 'promo': unknown event kind"),
    ("Sale,campaign,next Tuesday,,all,,", "row 2, column 'start': value 'next Tuesday': is not a date"),
    ("Sale,campaign,2026-01-10,2026-01-08,all,,", "row 2, column 'end': value '2026-01-08': the event ends before"),
    ("Sale,campaign,2026-01-10,,fr_phone,,", "row 2, column 'queues': value 'fr_phone': unknown queue 'fr_phone'"),
    ("Sale,campaign,2026-01-10T10:00+01:00,,all,,", "has a UTC offset"),
    ("Sale,other,2026-01-10,,all,lots,", "column 'lift': value 'lots': is not a number"),
    ("Sale,other,2026-01-10,,all,-150%,", "column 'lift': value '-150%': must be a finite number above -1"),
])
def test_bad_events_name_row_column_and_value(row, expected):
    assert expected in _fails("name,kind,start,end,queues,lift,decay_days\n" + row + "\n")


def test_percent_lifts_and_missing_end_default_to_the_start():
    events = load_events(b"name,kind,start,queues,lift\nPrice letter,other,2027-01-20,email,25%\n",
                         known_queues=QUEUES)
    assert events.loc[0, "lift"] == pytest.approx(0.25) and events.loc[0, "end"] == events.loc[0, "start"]
