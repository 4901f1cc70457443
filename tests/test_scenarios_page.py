"""Scenarios page through Streamlit's AppTest: KPI cards, side-by-side table, download, hiring plan."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


@pytest.mark.slow
def test_scenarios_page_compares_and_plans(monkeypatch, tmp_path):
    monkeypatch.setenv("WFM_DATABASE_URL", f"sqlite:///{tmp_path / 'page.sqlite'}")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.switch_page("ui/scenarios.py")
    at.run()
    assert not at.exception, at.exception
    labels = [m.label for m in at.metric]
    assert {"Required FTE", "Weekly cost", "Service level", "Occupancy"} <= set(labels)
    table = at.dataframe[0].value
    assert {"Base plan", "Volume +15% and a March launch", "Service 90/20"} <= set(table.columns)
    assert "Required FTE" in set(table["measure"])
    rows = table.set_index("measure")
    assert rows.loc["Service level", "Base plan"].endswith("%") and rows.loc["Overtime hours", "Base plan"] == "n/a"
    assert float(rows.loc["Required FTE", "Service 90/20: change"]) > 0, "90/20 needs more people than 80/20"
    assert any("comparison" in b.label for b in at.get("download_button"))
    assert any("hiring" in s.value.lower() for s in at.subheader)
    assert not at.error


@pytest.mark.slow
def test_scenarios_page_plans_shifts_per_site_when_asked(monkeypatch, tmp_path):
    monkeypatch.setenv("WFM_DATABASE_URL", f"sqlite:///{tmp_path / 'page.sqlite'}")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()
    at.switch_page("ui/scenarios.py")
    at.run()
    at.multiselect[0].set_value(["Service 90/20"])
    at.toggle(key="scenario_optimise").set_value(True)
    at.run()
    assert not at.exception, at.exception
    sites = next(d.value for d in at.dataframe if "scheduled FTE" in d.value.columns)
    assert {"Dublin", "Manila"} <= set(sites["site"]) and (sites["scheduled FTE"] >= 0).all()
    table = next(d.value for d in at.dataframe if "measure" in d.value.columns).set_index("measure")
    assert table.loc["Overtime hours", "Base plan"] != "n/a"
    assert float(table.loc["Scheduled FTE", "Base plan"].replace(",", "")) >= \
        0.95 * float(table.loc["Required FTE", "Base plan"].replace(",", ""))
