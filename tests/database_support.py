"""The relational store under test: a migrated SQLite file, or a real PostgreSQL server.

``RELAIS_TEST_DATABASE=postgresql`` runs the whole suite on PostgreSQL (started by
``scripts/postgresql`` on ``RELAIS_TEST_PG_PORT``, stopped at the end if the run started it).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text

from persistence import Database
from persistence.tables import metadata

ROOT = Path(__file__).resolve().parent.parent
PG_SCRIPT = str(ROOT / "scripts" / "postgresql")
PG_TEST_PORT = os.environ.get("RELAIS_TEST_PG_PORT", "5450")
_started: list[bool] = []


def start_postgresql() -> tuple[str, bool]:
    """Start (or reuse) the test server; return its URL and whether this run started it."""
    was_running = (
        subprocess.run(
            [PG_SCRIPT, "status", "--port", PG_TEST_PORT], capture_output=True
        ).returncode
        == 0
    )
    started = subprocess.run(
        [PG_SCRIPT, "start", "--port", PG_TEST_PORT], capture_output=True, text=True, timeout=600
    )
    if started.returncode != 0:
        pytest.fail(f"PostgreSQL n'a pas démarré :\n{started.stderr[-3000:]}")
    url = next(
        line.split("=", 1)[1]
        for line in started.stdout.splitlines()
        if line.startswith("RELAIS_DATABASE_URL=")
    )
    if not was_running:
        _started.append(True)
    Database(url).upgrade()
    return url, not was_running


def stop_postgresql() -> None:
    if _started and not os.environ.get("RELAIS_TEST_PG_KEEP"):
        subprocess.run([PG_SCRIPT, "stop", "--port", PG_TEST_PORT], capture_output=True)
        _started.clear()


def session_database_url(folder: Path) -> tuple[str, bool]:
    """The URL every test of this run uses, migrated."""
    if os.environ.get("RELAIS_TEST_DATABASE", "sqlite") == "postgresql":
        return start_postgresql()
    url = f"sqlite:///{folder / 'relais.db'}"
    Database(url).upgrade()
    return url, False


def clean_database(url: str) -> None:
    """Empty every table (the schema stays at the last migration)."""
    database = Database(url)
    names = [table.name for table in reversed(metadata.sorted_tables)]
    with database.engine.begin() as conn:
        if database.is_sqlite:
            for name in names:
                conn.execute(text(f"DELETE FROM {name}"))
        else:
            conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
