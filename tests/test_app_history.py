"""The app shell and the History page, driven through Streamlit's AppTest."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, plotly_values


@pytest.fixture()
def app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    return at


def _plotly_count(at: AppTest) -> int:
    return len(at.get("plotly_chart"))


def test_history_page_loads_the_sample_with_summary_and_charts(app):
    assert not app.exception, app.exception
    assert app.title[0].value == "Contact history"
    metrics = {m.label: m.value for m in app.metric}
    assert int(metrics["Queues"]) == 4
    assert float(metrics["Contacts"].replace(",", "")) > 4_000_000
    assert metrics["Average handle time"].endswith(" s")
    assert _plotly_count(app) == 2, "daily volume chart and weekday x hour heatmap"
    summary = app.dataframe[0].value
    assert set(summary["Queue"]) == {"uk_phone", "uk_chat", "us_phone", "email"}
    us = summary.set_index("Queue").loc["us_phone"]
    assert us["Time zone"] == "America/New_York" and us["Last day"] == "2026-11-15", "dates are the queue's local days"
    assert "history" in app.session_state


def test_daily_chart_marks_holidays_and_events(app):
    import json

    spec = json.loads(app.get("plotly_chart")[0].proto.spec)
    names = {trace.get("name") for trace in spec["data"]}
    assert {"uk_phone", "us_phone", "public holiday"} <= names
    shapes = spec["layout"].get("shapes", [])
    assert len(shapes) >= 10, "launches, campaigns and the outage are shaded"


def test_weekly_totals_sum_the_days(app):
    import json

    daily = json.loads(app.get("plotly_chart")[0].proto.spec)
    app.radio[1].set_value("week").run()
    weekly = json.loads(app.get("plotly_chart")[0].proto.spec)
    assert not app.exception
    total = lambda spec: sum(sum(plotly_values(t["y"])) for t in spec["data"] if t.get("name") == "uk_chat")  # noqa: E731
    points = lambda spec: len(plotly_values(spec["data"][0]["x"]))  # noqa: E731
    assert total(weekly) == total(daily) and points(weekly) < points(daily) / 6
    assert weekly["layout"]["yaxis"]["title"]["text"] == "contacts per week"


def test_queue_choice_changes_the_heatmap(app):
    app.selectbox[0].select("us_phone").run()
    assert not app.exception
    import json

    spec = json.loads(app.get("plotly_chart")[1].proto.spec)
    assert "us_phone" in spec["layout"]["title"]["text"] and "America/New_York" in spec["layout"]["title"]["text"]


def test_upload_mode_asks_for_a_file_without_error(app):
    app.radio[0].set_value("Upload a file").run()
    assert not app.exception
    assert not app.error
    assert any("Upload a CSV or Excel" in i.value for i in app.info)


@pytest.mark.parametrize("page", ["ui/forecast.py", "ui/staffing.py", "ui/schedule.py", "ui/scenarios.py"])
def test_every_page_opens_without_exception(app, page):
    app.switch_page(page).run()
    assert not app.exception, app.exception
