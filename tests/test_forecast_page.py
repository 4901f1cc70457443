"""The Forecast page runs a short forecast end to end: charts, tables, download, no exception."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page("ui/forecast.py")
    at.run()
    return at


def test_page_asks_for_settings_and_shows_the_event_calendar(page):
    assert not page.exception
    assert page.multiselect[0].value == ["uk_phone"]  # first configured queue, one queue keeps it light
    assert any(w.label == "Run forecast" for w in page.button)
    assert page.data_editor(key="events_table").value["name"].str.startswith("Launch").any()


def test_short_forecast_shows_chart_table_and_download(page):
    page.number_input[0].set_value(7)
    page.selectbox[0].set_value("60min")
    page.selectbox[1].set_value("top-down")
    page.run()
    next(b for b in page.button if b.label == "Run forecast").click()
    page.run()
    assert not page.exception, page.exception
    assert not page.error, [e.value for e in page.error]
    assert len(page.get("plotly_chart")) >= 3  # daily, intraday, components
    assert len(page.dataframe) >= 1
    assert page.get("download_button")
    forecast = page.session_state["forecast"]
    assert set(forecast.columns) == {"queue", "ds", "yhat", "yhat_lower", "yhat_upper", "aht"}
    assert (forecast["yhat"] >= 0).all() and len(forecast) == 7 * 24
    sunday = forecast["ds"].dt.tz_convert("Europe/London").dt.day_of_week == 6
    assert (forecast.loc[sunday, "yhat"] == 0).all() and forecast.loc[~sunday, "yhat"].sum() > 0, "closed Sundays"
