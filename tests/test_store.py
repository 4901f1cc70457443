"""Scenario store: schema migration, versions, transactional saves, JSON exchange, unreachable databases.

Runs against SQLite always and against PostgreSQL when ``WFM_TEST_POSTGRES_URL`` is set."""
from __future__ import annotations

import json
import os

import pytest
from sqlalchemy import event

from forecasting.validation import InputError
from planning.scenarios import Scenario
from planning.store import SCHEMA_VERSION, ScenarioStore, metadata, open_store, parse_export, safe_url, table_names

POSTGRES = os.environ.get("WFM_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path):
    if request.param == "sqlite":
        yield ScenarioStore(f"sqlite:///{tmp_path / 'scenarios.sqlite'}")
        return
    if not POSTGRES:
        pytest.skip("WFM_TEST_POSTGRES_URL is not set")
    s = ScenarioStore(POSTGRES)
    yield s
    metadata.drop_all(s.engine)


def test_schema_is_created_at_the_latest_version(store):
    assert store.version == SCHEMA_VERSION
    assert {"schema_version", "scenarios", "scenario_versions", "scenario_results"} <= table_names(store.engine)


def test_migration_upgrades_a_version_1_database(tmp_path):
    from sqlalchemy import create_engine

    from planning.store import MIGRATIONS, schema_version
    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    with engine.begin() as conn:
        schema_version.create(conn)
        MIGRATIONS[1](conn)
        conn.execute(schema_version.insert().values(version=1))
    assert "scenario_results" not in table_names(engine)
    store = ScenarioStore(f"sqlite:///{tmp_path / 'old.sqlite'}")
    assert store.version == SCHEMA_VERSION and "scenario_results" in table_names(store.engine)


def test_versions_record_who_when_and_what_changed(store):
    assert store.save(Scenario(name="Growth", volume_growth_percent=10), author="ana", note="first") == 1
    assert store.save(Scenario(name="Growth", volume_growth_percent=15), author="bo", note="more") == 2
    assert store.load("Growth").volume_growth_percent == 15
    assert store.load("Growth", version=1).volume_growth_percent == 10
    history = store.history("Growth")
    assert [h["author"] for h in history] == ["ana", "bo"]
    assert history[1]["changed"] == ["volume_growth_percent"] and history[1]["created_at"] is not None
    store.save_result("Growth", {"required_fte": 12.5})
    assert store.latest_result("Growth") == {"required_fte": 12.5}


def test_a_crash_mid_save_leaves_the_old_version_intact(store):
    store.save(Scenario(name="Safe", aht_change_percent=5))

    def crash(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("UPDATE SCENARIOS"):
            raise RuntimeError("power cut")
    event.listen(store.engine, "before_cursor_execute", crash)
    try:
        with pytest.raises(Exception, match="power cut"):
            store.save(Scenario(name="Safe", aht_change_percent=50))
    finally:
        event.remove(store.engine, "before_cursor_execute", crash)
    assert store.load("Safe").aht_change_percent == 5
    assert [h["version"] for h in store.history("Safe")] == [1]  # the half-written version 2 rolled back
    assert store.save(Scenario(name="Safe", aht_change_percent=6)) == 2


def test_json_round_trip(store, tmp_path):
    store.save(Scenario(name="A", volume_growth_percent=15, deflection_percent={"chat": 10},
                        extra_events=[{"name": "March launch", "start": "2027-03-01", "lift_percent": 30}]))
    store.save(Scenario(name="B", service_level=0.9))
    text = store.export_json()
    other = ScenarioStore(f"sqlite:///{tmp_path / 'other.sqlite'}")
    assert sorted(other.import_json(text)) == ["A", "B"]
    assert other.load("A") == store.load("A") and other.load("B") == store.load("B")


@pytest.mark.parametrize("text, words", [
    ("{not json", "not valid JSON"),
    ('{"format": "something else", "scenarios": []}', "not a scenario export"),
    ('{"format": "wfm-scenarios", "scenarios": [{"name": "x", "volume_growth_percent": -150}]}', "-100%"),
    (b"\xff\xfe\x00", "not valid JSON"),
])
def test_corrupted_import_is_refused(tmp_path, text, words):
    store = ScenarioStore(f"sqlite:///{tmp_path / 's.sqlite'}")
    with pytest.raises(InputError, match=words):
        store.import_json(text)
    assert store.names() == []


def test_unreachable_database_falls_back_to_the_local_file_without_showing_the_password(monkeypatch, tmp_path):
    import planning.store as module
    monkeypatch.setattr(module, "DEFAULT_FILE", tmp_path / "local.sqlite")
    url = "postgresql+psycopg://wfm:s3cret@127.0.0.1:1/wfm"
    with pytest.raises(InputError) as err:
        ScenarioStore(url)
    assert "s3cret" not in str(err.value) and "cannot reach" in str(err.value)
    store, message = open_store(url)
    assert message and "s3cret" not in message and "local file" in message
    store.save(Scenario(name="still works"))
    assert store.names() == ["still works"]
    assert "s3cret" not in safe_url(url) and "***" in safe_url(url)


def test_parse_export_reads_what_export_writes(tmp_path):
    store = ScenarioStore(f"sqlite:///{tmp_path / 's.sqlite'}")
    store.save(Scenario(name="X", shrinkage_percent=35))
    assert parse_export(store.export_json())[0].shrinkage_percent == 35
    assert json.loads(store.export_json())["format"] == "wfm-scenarios"
