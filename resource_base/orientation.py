"""Anonymous orientation events (axe 1): which needs came up where, and which resources answered.

An adviser who prints an orientation sheet records one event: the department and commune of
the search, the thématiques searched, the resources chosen and the time. Nothing else, and
nothing about the person: departments later see needs per territory and where answers miss.
Stored in the canonical SQLite file, table ``orientations`` (created when first needed).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from resource_base.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS orientations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    date TEXT NOT NULL,
    departement TEXT,
    code_commune TEXT,
    thematiques TEXT NOT NULL,
    ressources TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS orientations_departement ON orientations(departement, date);
"""

MAX_RESOURCES = 20


@dataclass(frozen=True)
class OrientationEvent:
    """One orientation: where (department, commune INSEE code), which needs, which resources."""

    departement: str | None
    code_commune: str | None
    thematiques: tuple[str, ...]
    ressources: tuple[str, ...]
    date: str = ""  # UTC, ISO 8601 to the second; set by ``record`` when empty

    def to_dict(self) -> dict:
        return {
            "date": self.date,
            "departement": self.departement,
            "code_commune": self.code_commune,
            "thematiques": list(self.thematiques),
            "ressources": list(self.ressources),
        }


def ensure_schema(conn: sqlite3.Connection) -> None:
    conn.executescript(SCHEMA)


def record(store: Store, event: OrientationEvent, now: datetime | None = None) -> int:
    """Store one event and return its id.

    >>> # record(store, OrientationEvent("51", "51108", ("mobilite",), ("dora--42",)))
    """
    if not event.ressources:
        raise ValueError("an orientation names at least one resource")
    moment = event.date or (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    conn = store.connect()
    try:
        ensure_schema(conn)
        cursor = conn.execute(
            "INSERT INTO orientations (date, departement, code_commune, thematiques, ressources) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                moment,
                event.departement,
                event.code_commune,
                json.dumps(list(event.thematiques), ensure_ascii=False),
                json.dumps(list(event.ressources[:MAX_RESOURCES]), ensure_ascii=False),
            ),
        )
        return int(cursor.lastrowid)
    finally:
        conn.close()


def events(
    store: Store, departement: str | None = None, limit: int = 1000
) -> list[OrientationEvent]:
    """The latest events, newest first (for a department when given)."""
    conn = store.connect()
    try:
        ensure_schema(conn)
        sql = "SELECT * FROM orientations"
        args: tuple = ()
        if departement is not None:
            sql += " WHERE departement = ?"
            args = (departement,)
        rows = conn.execute(sql + " ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
    finally:
        conn.close()
    return [
        OrientationEvent(
            departement=row["departement"],
            code_commune=row["code_commune"],
            thematiques=tuple(json.loads(row["thematiques"])),
            ressources=tuple(json.loads(row["ressources"])),
            date=row["date"],
        )
        for row in rows
    ]
