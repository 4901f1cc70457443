"""The scenario store survives a process killed mid-save (SIGKILL, no clean-up): SQLite on a temp file.

A child process saves version 1 of a scenario, says "ready", then saves large versions of several
scenarios (and new scenarios) as fast as it can; the parent kills it at a random moment, several
times on the same database. After each kill the store must open, every version of every scenario
must load and be exactly what the child wrote (no half-written row), each scenario's current
version must be its newest complete one, and ``PRAGMA integrity_check`` must say ok.
"""
from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

from tests.conftest import ROOT

CHILD = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[1])
    from planning.store import ScenarioStore

    def body(name, seq):
        # large and self-checking: the payload is rebuilt from seq by the parent
        return {"name": name, "volume_growth_percent": seq % 97, "description": f"{seq}:" + f"<{name}|{seq}>" * 40_000,
                "hourly_cost": {f"site{i}": float((seq + i) % 1000) for i in range(200)}}

    store = ScenarioStore()
    round_ = int(sys.argv[2])
    seq = round_ * 1_000_000
    store.save(body("base", seq), author="crash test", note="version 1" if round_ == 0 else f"round {round_}")
    print("ready", flush=True)
    while True:
        seq += 1
        name = f"big-{seq % 3}" if seq % 5 else f"new-{seq}"
        store.save(body(name, seq), author="crash test", note=f"seq {seq}")
""")


def expected_description(name: str, seq: int) -> str:
    return f"{seq}:" + f"<{name}|{seq}>" * 40_000


def check_store(db, url: str) -> dict[str, int]:
    """Opens the store fresh and checks every version of every scenario; returns name -> current version."""
    from planning.store import ScenarioStore

    store = ScenarioStore(url)
    current = {}
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT s.name, s.current_version, max(v.version), count(v.version) FROM scenarios s "
                            "LEFT JOIN scenario_versions v ON v.scenario_id = s.id GROUP BY s.id").fetchall()
        orphans = conn.execute("SELECT count(*) FROM scenario_versions WHERE scenario_id NOT IN "
                               "(SELECT id FROM scenarios)").fetchone()[0]
    assert orphans == 0, "versions without their scenario row"
    assert {r[0] for r in rows} == set(store.names())
    for name, version, newest, count in rows:
        # the current version is the newest one written, and versions run 1..current with no gap
        assert version == newest == count, (name, version, newest, count)
        for v in range(1, version + 1):
            scenario = store.load(name, v)
            seq = int(scenario.description.split(":", 1)[0])
            assert scenario.name == name and scenario.volume_growth_percent == seq % 97
            assert scenario.description == expected_description(name, seq), f"{name} v{v} is not what was written"
            assert scenario.hourly_cost == {f"site{i}": float((seq + i) % 1000) for i in range(200)}
        assert store.load(name) == store.load(name, version)
        history = store.history(name)
        assert [h["version"] for h in history] == list(range(1, version + 1))
        assert all(isinstance(h["changed"], list) for h in history)
        current[name] = version
    json.loads(store.export_json())  # every current version exports
    store.engine.dispose()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    return current


def test_a_save_killed_at_a_random_moment_leaves_the_store_consistent(tmp_path):
    db = tmp_path / "scenarios.sqlite"
    url = f"sqlite:///{db}"
    env = dict(os.environ, WFM_DATABASE_URL=url)
    rng = random.Random(20240611)
    delays = [0.0, 0.01] + [rng.uniform(0.02, 1.5) for _ in range(5)]
    hot_journals, before, round_ = 0, {}, 0
    # the planned kills, then more (up to 10) until one has landed inside a transaction
    while round_ < len(delays) or (hot_journals == 0 and round_ < len(delays) + 10):
        delay = delays[round_] if round_ < len(delays) else rng.uniform(0.02, 1.5)
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(ROOT), str(round_)], env=env, cwd=tmp_path,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = child.stdout.readline()
            assert line.strip() == "ready", f"child did not start: {line!r} {child.stderr.read()}"
            time.sleep(delay)
            assert child.poll() is None, f"child stopped by itself: {child.stderr.read()}"
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.kill()
            child.wait(timeout=30)
            child.stdout.close()
            child.stderr.close()
        assert child.returncode == -signal.SIGKILL
        journal = db.with_name(db.name + "-journal")
        wal = db.with_name(db.name + "-wal")
        hot_journals += (journal.exists() and journal.stat().st_size > 0) or (wal.exists() and wal.stat().st_size > 0)
        after = check_store(db, url)
        # version 1 of "base" and this round's "ready" save survived; nothing committed earlier was lost
        assert after["base"] == round_ + 1
        assert all(after.get(name, 0) >= version for name, version in before.items()), (before, after)
        before = after
        round_ += 1
    assert hot_journals, "no kill landed inside a save: the test did not exercise a crash mid-transaction"
    print(f"{round_} kills, {hot_journals} left a journal or WAL behind to recover from; "
          f"{sum(before.values())} versions of {len(before)} scenarios checked")


def test_concurrent_saves_of_the_same_scenario_all_land_as_consecutive_versions(tmp_path):
    """Sessions of one server share the store: saves racing on one name (or creating it) must not fail."""
    import threading

    from planning.store import ScenarioStore

    store = ScenarioStore(f"sqlite:///{tmp_path / 'race.sqlite'}")
    errors, start = [], threading.Barrier(6)

    def planner(i: int) -> None:
        start.wait()
        for k in range(10):
            try:
                store.save({"name": f"shared-{k % 3}", "description": f"planner {i} save {k}"}, author=f"p{i}")
            except Exception as err:  # noqa: BLE001 (any failure is the finding)
                errors.append(f"{type(err).__name__}: {str(err)[:200]}")

    threads = [threading.Thread(target=planner, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    written = {n: [h["version"] for h in store.history(n)] for n in store.names()}
    assert sum(len(v) for v in written.values()) == 60
    assert all(v == list(range(1, len(v) + 1)) for v in written.values()), written
    store.engine.dispose()
    check_store_integrity(tmp_path / "race.sqlite")


def check_store_integrity(db) -> None:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
