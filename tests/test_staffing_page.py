"""The Staffing page through Streamlit's AppTest, reached by the app's own navigation."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def fte(at) -> float:
    metric = next(m for m in at.metric if m.label == "FTE")
    return float(metric.value.replace(",", ""))


@pytest.fixture(scope="module")
def page():
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("ui/staffing.py")
    at.run()
    return at


def test_page_renders_from_the_sample(page):
    assert not page.exception, [e.value for e in page.exception]
    assert not page.error, [e.value for e in page.error]
    assert page.data_editor(key="staffing_targets").value["queue"].tolist() == ["uk_phone", "uk_chat", "us_phone",
                                                                                 "email"]
    assert len(page.get("plotly_chart")) == 2  # heatmap and required vs forecast
    assert len(page.get("download_button")) == 1
    assert fte(page) > 0
    assert page.session_state["requirements"]["agents"].sum() > 0


def test_stricter_target_raises_fte(page):
    before = fte(page)
    page.session_state["staffing_targets"] = {"edited_rows": {0: {"target_sl": 0.9}}, "added_rows": [],
                                              "deleted_rows": []}
    page.run()
    assert not page.exception
    assert fte(page) > before
    assert "vs configured targets" in next(m for m in page.metric if m.label == "FTE").delta


def test_bad_target_shows_a_message_not_a_crash(page):
    page.session_state["staffing_targets"] = {"edited_rows": {1: {"concurrency": 0.5}}, "added_rows": [],
                                              "deleted_rows": []}
    page.run()
    assert not page.exception
    assert any("uk_chat" in e.value and "concurrency" in e.value for e in page.error)
