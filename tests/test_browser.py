"""A real browser (Debian's chromium via Playwright) against `streamlit run app.py`."""
from __future__ import annotations

import pytest

from tests.browser_fixtures import browser, server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_app_opens_with_the_sample_and_draws_the_charts(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server)
    page.get_by_role("heading", name="Contact history").wait_for(timeout=90_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=90_000)
    assert page.locator(".js-plotly-plot").count() >= 1
    page.locator("[data-testid='stMetricLabel']", has_text="Busiest interval").wait_for()
    page.screenshot(path=str(tmp_path / "history.png"), full_page=True)
    assert page.locator("[data-testid='stException']").count() == 0
    page.close()


def test_a_bad_upload_is_explained_and_a_good_one_is_summarised(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server)
    page.get_by_role("heading", name="Contact history").wait_for(timeout=90_000)
    page.get_by_text("Upload a file").click()
    bad = tmp_path / "calls.csv"
    bad.write_text("timestamp,calls\n2025-03-01T09:00:00+00:00,12\n2025-03-01T09:15:00+00:00,twelve\n")
    page.locator("input[type=file]").first.set_input_files(str(bad))
    error = page.locator("[data-testid='stAlertContentError']").first
    error.wait_for(timeout=60_000)
    text = error.inner_text()
    assert "calls.csv" in text and "row 3" in text and "twelve" in text, text

    good = tmp_path / "contacts.csv"
    rows = ["timestamp,queue,handle_seconds"] + [
        f"2025-03-{d:02d}T{h:02d}:{m:02d}:00+00:00,sales,{200 + m}"
        for d in range(3, 10) for h in range(9, 17) for m in (1, 20, 40)]
    good.write_text("\n".join(rows) + "\n")
    page.locator("input[type=file]").first.set_input_files(str(good))
    page.locator("[data-testid='stMetricLabel']", has_text="Busiest interval").wait_for(timeout=60_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    assert page.locator("[data-testid='stException']").count() == 0
    page.close()
