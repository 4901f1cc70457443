"""Two browser sessions on one server: what one planner types stays in that planner's session."""
from __future__ import annotations

import time

import pytest

from tests.browser_fixtures import browser, server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
FTE_HOURS = "Paid hours per FTE per week"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def open_staffing(context, url: str):
    page = context.new_page()
    page.goto(f"{url}/staffing")
    page.get_by_role("button", name="Download requirements CSV").wait_for(timeout=120_000)
    page.locator(IDLE).wait_for(timeout=120_000)
    return page


def fte(page) -> str:
    return page.locator("[data-testid='stMetric']", has_text="FTE").filter(
        has_not_text="Agent hours").filter(has_not_text="Scheduled").locator("[data-testid='stMetricValue']").inner_text()


def wait_for_new_fte(page, old: str) -> str:
    """The FTE figure once the rerun has replaced ``old`` and the script has finished."""
    deadline = time.time() + 120
    while time.time() < deadline:
        if page.locator(IDLE).count() and (value := fte(page)) != old:
            return value
        time.sleep(0.25)
    raise AssertionError(f"the FTE figure stayed {old} after the change")


def test_a_widget_changed_in_one_session_is_not_seen_in_another(browser, server):  # noqa: F811
    a_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    b_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        a = open_staffing(a_context, server)
        before = fte(a)
        hours = a.get_by_label(FTE_HOURS)
        assert hours.input_value() == "37.50"
        hours.fill("20")
        hours.press("Enter")
        # the rerun with 20 paid hours per FTE nearly doubles the FTE figure
        changed = wait_for_new_fte(a, before)
        assert a.get_by_label(FTE_HOURS).input_value() == "20.00"

        b = open_staffing(b_context, server)
        assert b.get_by_label(FTE_HOURS).input_value() == "37.50", "session B sees session A's unsaved input"
        assert fte(b) == before

        # and session B's own change does not travel back to A
        b.get_by_label(FTE_HOURS).fill("50")
        b.get_by_label(FTE_HOURS).press("Enter")
        wait_for_new_fte(b, before)
        # A reruns (another of its widgets changes) and keeps its own 20, never B's 50
        a.get_by_text("Shift optimiser places breaks").click()
        wait_for_new_fte(a, changed)
        assert a.get_by_label(FTE_HOURS).input_value() == "20.00"
        assert b.get_by_label(FTE_HOURS).input_value() == "50.00"
        for page in (a, b):
            assert page.locator("[data-testid='stException']").count() == 0
    finally:
        a_context.close()
        b_context.close()
