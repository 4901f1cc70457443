"""Loading and validating the shift optimiser's inputs: sites, templates, overtime rules, requirements."""
from __future__ import annotations

import pandas as pd
import pytest

from forecasting.validation import InputError
from scheduling.sites import (load_overtime, load_requirements, load_sites, load_templates, overtime_frame,
                              sites_frame, templates_frame)

from tests.conftest import DATA

SITE = {"site": "A", "timezone": "Europe/Dublin", "queues": "q1;q2", "earliest_start": "07:00",
        "latest_start": "20:00", "max_agents": "50", "hourly_cost": "30"}
TEMPLATE = {"template": "8h", "length_minutes": "510", "breaks": "15 paid @ 1:30-2:45 | 30 unpaid @ 3:30-5:00",
            "start_step_minutes": "15", "allowed_days": "Mon-Sun", "days_per_week": "5", "days_off_rule": "consecutive"}


def sites_with(**change) -> pd.DataFrame:
    return pd.DataFrame([{**SITE, **change}])


def templates_with(**change) -> pd.DataFrame:
    return pd.DataFrame([{**TEMPLATE, **change}])


def test_sample_files_load_and_round_trip():
    sites = load_sites(DATA / "sites.csv")
    assert list(sites) == ["Dublin", "Manila", "Austin"]
    assert sites["Manila"].timezone == "Asia/Manila" and sites["Dublin"].earliest_start == 7 * 60
    templates = load_templates(DATA / "shift_templates.csv", sites=sites)
    assert templates["FT 8h"].paid_minutes == 480
    assert [b.minutes for b in templates["FT 8h"].breaks] == [15, 30, 15]
    overtime = load_overtime(DATA / "overtime.csv", sites=sites)
    assert overtime["Manila"].max_hours_per_agent_week == 10 and overtime["Dublin"].max_hours_per_agent_week == 8
    assert load_sites(sites_frame(sites)) == sites
    assert load_templates(templates_frame(templates)) == templates
    assert load_overtime(overtime_frame(overtime), sites=sites) == overtime


def test_yaml_templates(tmp_path):
    path = tmp_path / "templates.yaml"
    path.write_text("- template: Early\n  length_minutes: 480\n  breaks:\n    - 30 unpaid @ 3:00-4:30\n"
                    "  start_step_minutes: 30\n  allowed_days: Mon-Fri\n  days_per_week: 5\n")
    early = load_templates(path)["Early"]
    assert early.paid_minutes == 450 and early.allowed_days == (0, 1, 2, 3, 4) and early.start_step_minutes == 30


def test_consecutive_days_off_patterns_respect_allowed_days():
    weekdays = load_templates(templates_with(allowed_days="Mon-Fri"))["8h"]
    assert weekdays.day_patterns() == [(0, 1, 2, 3, 4)]
    assert len(load_templates(templates_with())["8h"].day_patterns()) == 7


@pytest.mark.parametrize("change, column, value", [
    ({"timezone": "Europe/Dubln"}, "timezone", "Europe/Dubln"),
    ({"latest_start": "06:00"}, "latest_start", "06:00"),
    ({"earliest_start": "7am"}, "earliest_start", "7am"),
    ({"hourly_cost": "-5"}, "hourly_cost", -5.0),
    ({"max_agents": "ten"}, "max_agents", "ten"),
    ({"queues": ""}, None, None),
    ({"night_hours": "22:10-06:00"}, "night_hours", "22:10-06:00"),
    ({"max_agents_kind": "desks"}, "max_agents_kind", "desks"),
])
def test_bad_sites_name_file_row_column_value(change, column, value):
    with pytest.raises(InputError) as caught:
        load_sites(sites_with(**change), name="sites.csv")
    err = caught.value
    assert err.file == "sites.csv" and err.row == 2
    if column:
        assert err.column == column and err.value == value
    assert "Fix:" in str(err)


@pytest.mark.parametrize("change, column", [
    ({"length_minutes": "1500"}, "length_minutes"),
    ({"breaks": "15 paid @ 1:30-8:30"}, "breaks"),
    ({"breaks": "15 paid @ 3:00-2:00"}, "breaks"),
    ({"breaks": "coffee at ten"}, "breaks"),
    ({"breaks": "15 paid @ 1:30-3:00 | 30 unpaid @ 2:00-4:00"}, "breaks"),
    ({"start_step_minutes": "20"}, "start_step_minutes"),
    ({"allowed_days": "Mon-Fry"}, "allowed_days"),
    ({"days_per_week": "6", "allowed_days": "Mon-Fri"}, "days_per_week"),
    ({"days_off_rule": "weekends"}, "days_off_rule"),
    ({"length_minutes": "500"}, "length_minutes"),
])
def test_bad_templates(change, column):
    with pytest.raises(InputError) as caught:
        load_templates(templates_with(**change), name="templates.csv")
    assert caught.value.column == column and caught.value.row == 2 and caught.value.file == "templates.csv"


def test_template_naming_an_unknown_site():
    with pytest.raises(InputError, match="unknown site 'Paris'") as caught:
        load_templates(templates_with(sites="Paris"), sites=load_sites(sites_with()))
    assert caught.value.column == "sites"


def test_bad_overtime_rules():
    sites = load_sites(sites_with())
    with pytest.raises(InputError) as caught:
        load_overtime(pd.DataFrame([{"site": "all", "min_minutes": "60", "max_minutes": "30"}]), sites=sites)
    assert caught.value.column == "max_minutes" and caught.value.row == 2
    with pytest.raises(InputError, match="unknown site"):
        load_overtime(pd.DataFrame([{"site": "Mars"}]), sites=sites)
    assert load_overtime(None) == {}


def requirements_frame(**columns) -> pd.DataFrame:
    ds = pd.date_range("2025-03-24", periods=8, freq="30min", tz="UTC")
    return pd.DataFrame({"queue": "q1", "ds": ds, "scheduled": 3.0, **columns})


def test_requirements_load_with_an_upper_band_and_whole_days():
    sites = load_sites(sites_with())
    frame = requirements_frame(scheduled_upper=2.0)     # an upper band below the base is lifted to it
    loaded = load_requirements(frame, sites)
    assert loaded.interval_minutes == 30 and loaded.days == 1
    assert (loaded.frame["scheduled_upper"] == 3.0).all()
    naive = requirements_frame().assign(ds=lambda f: f["ds"].dt.strftime("%Y-%m-%d %H:%M"))
    assert load_requirements(naive, sites).frame["ds"].iloc[0] == pd.Timestamp("2025-03-24", tz="UTC")


@pytest.mark.parametrize("frame, column, problem", [
    (requirements_frame().assign(queue="chat_en"), "queue", "no site serves"),
    (requirements_frame().assign(scheduled=-1.0), "scheduled", "number of agents"),
    (requirements_frame().assign(ds="yesterday"), "ds", "not a timestamp"),
    (pd.DataFrame({"queue": "q1", "ds": pd.date_range("2025-03-24", periods=4, freq="20min", tz="UTC"),
                   "scheduled": 1.0}), "ds", "20 minutes"),
    (pd.concat([requirements_frame(), requirements_frame().head(1)]), "ds", "twice"),
])
def test_bad_requirements(frame, column, problem):
    with pytest.raises(InputError, match=problem) as caught:
        load_requirements(frame, load_sites(sites_with()), name="requirements.csv")
    assert caught.value.column == column and caught.value.file == "requirements.csv" and caught.value.row >= 2


def test_missing_file_and_columns(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_sites(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="missing") as caught:
        load_sites(pd.DataFrame([{"site": "A"}]))
    assert caught.value.column == "timezone"
