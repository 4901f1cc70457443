"""Saved scenarios in a real database: a SQLite file by default, any SQLAlchemy URL via ``WFM_DATABASE_URL``.

Tables (created and migrated by :func:`migrate`, version in ``schema_version``):

- ``scenarios``: one row per name with its ``current_version``.
- ``scenario_versions``: every saved version: who, when, what changed (a note and the changed fields),
  the scenario as JSON. Old versions are never overwritten.
- ``scenario_results`` (schema 2): KPIs of a run of a version, as JSON.

Every save is one transaction: a crash in the middle leaves the previous version current and intact.
URLs are only ever shown with the password masked.
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import (Column, DateTime, ForeignKey, Integer, MetaData, String, Table, Text, UniqueConstraint,
                        create_engine, func, inspect, select)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError

from forecasting.validation import InputError
from planning.scenarios import Scenario, make_scenario

URL_ENV = "WFM_DATABASE_URL"
DEFAULT_FILE = Path(__file__).resolve().parent.parent / "data" / "scenarios.sqlite"
EXPORT_FORMAT = "wfm-scenarios"
SAVE_ATTEMPTS = 20
"""Tries of a save that loses a race with a concurrent save of the same scenario (see ScenarioStore.save)."""

metadata = MetaData()
schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))
scenarios = Table(
    "scenarios", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(120), nullable=False, unique=True),
    Column("current_version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
versions = Table(
    "scenario_versions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scenario_id", Integer, ForeignKey("scenarios.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("author", String(120), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("note", Text, nullable=False),
    Column("changed", Text, nullable=False),   # JSON list of field names changed from the previous version
    Column("body", Text, nullable=False),      # the scenario, JSON
    UniqueConstraint("scenario_id", "version"),
)
results = Table(
    "scenario_results", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scenario_id", Integer, ForeignKey("scenarios.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("kpis", Text, nullable=False),
)


def _v1(conn: Connection) -> None:
    for table in (scenarios, versions):
        table.create(conn, checkfirst=True)


def _v2(conn: Connection) -> None:
    results.create(conn, checkfirst=True)


# schema version -> migration reaching it; append, never edit, so every existing database can catch up
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _v1, 2: _v2}
SCHEMA_VERSION = max(MIGRATIONS)


def safe_url(url: str) -> str:
    """The URL with its password masked, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unreadable database URL)"


def migrate(engine: Engine) -> int:
    """Create or upgrade the schema, each step in its own transaction; returns the version reached."""
    with engine.begin() as conn:
        schema_version.create(conn, checkfirst=True)
        current = conn.execute(select(func.max(schema_version.c.version))).scalar() or 0
    for version in sorted(v for v in MIGRATIONS if v > current):
        with engine.begin() as conn:
            MIGRATIONS[version](conn)
            conn.execute(schema_version.delete())
            conn.execute(schema_version.insert().values(version=version))
    return max(current, SCHEMA_VERSION)


def _now() -> datetime:
    return datetime.now(timezone.utc)


class ScenarioStore:
    """Versioned scenarios in the database at ``url`` (default: ``WFM_DATABASE_URL``, else the local file)."""

    def __init__(self, url: str | None = None) -> None:
        url = url or os.environ.get(URL_ENV) or f"sqlite:///{DEFAULT_FILE}"
        self.label = safe_url(url)
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise InputError("the database URL is not a valid URL.", column=URL_ENV,
                             fix="write e.g. postgresql+psycopg://user:password@host/dbname, or unset it.") from None
        if parsed.get_backend_name() == "sqlite" and parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine = create_engine(parsed, pool_pre_ping=True)
            self.version = migrate(self.engine)
        except (SQLAlchemyError, ImportError, OSError) as err:
            reason = (f"its driver {err.name} is not installed" if isinstance(err, ImportError)
                      else "the server did not answer or refused the connection")
            raise InputError(f"cannot reach the scenario database {self.label}: {reason}.", column=URL_ENV,
                             fix="check the server, user and password, or unset WFM_DATABASE_URL to use the "
                                 "local file.") from None

    # ------------------------------------------------------------------ writing

    def save(self, scenario: Scenario | dict, *, author: str = "planner", note: str = "") -> int:
        """Save a new version of the scenario (by name) in one transaction; returns its version number.

        Two sessions saving the same name at once both read version n and both write n + 1 (or both create
        the name): the database's unique constraints refuse the second, which then reads again and retries.
        """
        scenario = make_scenario(scenario)
        body = scenario.model_dump(mode="json")
        for attempt in range(SAVE_ATTEMPTS):
            try:
                return self._save_once(scenario, body, author, note)
            except IntegrityError:
                time.sleep(0.01 * (attempt + 1))
        raise InputError(f"scenario '{scenario.name}' is being saved by others at the same moment.",
                         fix="save again in a moment.")

    def _save_once(self, scenario: Scenario, body: dict[str, Any], author: str, note: str) -> int:
        with self.engine.begin() as conn:
            row = conn.execute(select(scenarios).where(scenarios.c.name == scenario.name)).first()
            if row is None:
                sid = conn.execute(scenarios.insert().values(name=scenario.name, current_version=0,
                                                             updated_at=_now())).inserted_primary_key[0]
                previous, number = {}, 1
            else:
                sid, number = row.id, row.current_version + 1
                previous = json.loads(conn.execute(select(versions.c.body).where(
                    versions.c.scenario_id == sid, versions.c.version == row.current_version)).scalar_one())
            changed = sorted(k for k in body.keys() | previous.keys() if body.get(k) != previous.get(k))
            conn.execute(versions.insert().values(scenario_id=sid, version=number, author=author, created_at=_now(),
                                                  note=note, changed=json.dumps(changed), body=json.dumps(body)))
            conn.execute(scenarios.update().where(scenarios.c.id == sid).values(current_version=number,
                                                                                  updated_at=_now()))
        return number

    def save_result(self, name: str, kpis: dict[str, float]) -> None:
        """Keep the KPIs of a run of the current version of ``name``."""
        with self.engine.begin() as conn:
            row = conn.execute(select(scenarios).where(scenarios.c.name == name)).first()
            if row is None:
                raise InputError(f"no saved scenario is called '{name}'.", fix="save it first.")
            conn.execute(results.insert().values(scenario_id=row.id, version=row.current_version, created_at=_now(),
                                                 kpis=json.dumps(kpis, default=float)))

    # ------------------------------------------------------------------ reading

    def names(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(scenarios.c.name).order_by(scenarios.c.name)).scalars())

    def load(self, name: str, version: int | None = None) -> Scenario:
        """The scenario's current version, or a given one."""
        with self.engine.connect() as conn:
            row = conn.execute(select(scenarios).where(scenarios.c.name == name)).first()
            if row is None:
                raise InputError(f"no saved scenario is called '{name}'.", fix="pick one from the list.")
            body = conn.execute(select(versions.c.body).where(
                versions.c.scenario_id == row.id, versions.c.version == (version or row.current_version))).scalar()
        if body is None:
            raise InputError(f"scenario '{name}' has no version {version}.")
        return make_scenario(json.loads(body), source=f"saved scenario '{name}'")

    def history(self, name: str) -> list[dict[str, Any]]:
        """Who changed what when: ``version, author, created_at, note, changed`` per version, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(versions.c.version, versions.c.author, versions.c.created_at, versions.c.note,
                                       versions.c.changed).join(scenarios, scenarios.c.id == versions.c.scenario_id)
                                .where(scenarios.c.name == name).order_by(versions.c.version)).all()
        return [{**row._asdict(), "changed": json.loads(row.changed)} for row in rows]

    def latest_result(self, name: str) -> dict[str, float] | None:
        with self.engine.connect() as conn:
            text = conn.execute(select(results.c.kpis).join(scenarios, scenarios.c.id == results.c.scenario_id)
                                .where(scenarios.c.name == name).order_by(results.c.id.desc()).limit(1)).scalar()
        return json.loads(text) if text else None

    # ------------------------------------------------------------------ exchange

    def export_json(self, names: list[str] | None = None) -> str:
        """The current versions of ``names`` (default: all) as a JSON document."""
        chosen = names if names is not None else self.names()
        return json.dumps({"format": EXPORT_FORMAT, "schema": SCHEMA_VERSION,
                           "scenarios": [self.load(n).model_dump(mode="json") for n in chosen]}, indent=2)

    def import_json(self, text: str | bytes, *, author: str = "import") -> list[str]:
        """Validate every scenario of an export first, then save them all in one transaction each."""
        loaded = parse_export(text)
        for scenario in loaded:
            self.save(scenario, author=author, note="imported")
        return [s.name for s in loaded]


def parse_export(text: str | bytes) -> list[Scenario]:
    """The scenarios of an exported JSON document; raises :class:`InputError` for anything malformed."""
    if isinstance(text, str):
        text = text.removeprefix("\ufeff")  # a byte-order mark left by an editor
    try:
        data = json.loads(text)
    except UnicodeDecodeError as err:
        raise InputError(f"the file is not valid JSON: it is not UTF-8 text (byte {err.start:,} is not valid UTF-8).",
                         file="scenario import",
                         fix="save it as UTF-8, or export the scenarios again from the app.") from None
    except (ValueError, TypeError, RecursionError) as err:
        # JSONDecodeError is a ValueError; so is a number of more than 4,300 digits. Nesting deeper than Python's
        # recursion limit and a source that is not text at all (None) cannot be a scenario export either.
        where = f" (line {err.lineno}, column {err.colno})" if isinstance(err, json.JSONDecodeError) else ""
        raise InputError(f"the file is not valid JSON{where}.", file="scenario import",
                         fix="export the scenarios again from the app; do not edit the file by hand.") from None
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT or not isinstance(data.get("scenarios"), list):
        raise InputError("this is not a scenario export (expected an object with format "
                         f"'{EXPORT_FORMAT}' and a list of scenarios).", file="scenario import",
                         fix="use a file made by 'Download scenarios'.")
    items = data["scenarios"]
    if not all(isinstance(item, dict) for item in items):
        raise InputError("every scenario must be a JSON object.", file="scenario import",
                         fix="use a file made by 'Download scenarios'.")
    scenarios = [make_scenario(item, source=f"scenario import, scenario {i + 1}") for i, item in enumerate(items)]
    first: dict[str, int] = {}
    for i, scenario in enumerate(scenarios, start=1):
        if scenario.name in first:
            raise InputError(f"scenarios {first[scenario.name]} and {i} are both called '{scenario.name}'; importing "
                             "both would save the second as a new version of the first.",
                             file=f"scenario import, scenario {i}", column="name", value=scenario.name,
                             fix="rename one of them, or remove the one you do not want.")
        first[scenario.name] = i
    return scenarios


def open_store(url: str | None = None) -> tuple[ScenarioStore, str | None]:
    """The configured store, or the local file with a message if the configured database cannot be reached."""
    try:
        return ScenarioStore(url), None
    except InputError as err:
        if (url or os.environ.get(URL_ENV)) is None:
            raise
        return ScenarioStore(f"sqlite:///{DEFAULT_FILE}"), f"{err} Using the local file {DEFAULT_FILE.name} meanwhile."


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())
