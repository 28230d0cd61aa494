"""The canonical store: every accepted resource and the history of imports, in SQLite.

Every engine is built from it. A department's (or a source's) resources are replaced in one
transaction, together with any engine tables kept in the same file, so that a killed import
leaves the previous set serving.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import orjson

from resource_base.models import FIELD_NAMES, Resource

SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    id TEXT PRIMARY KEY,
    departement TEXT NOT NULL,
    source TEXT NOT NULL,
    empreinte TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS resources_departement ON resources(departement);
CREATE INDEX IF NOT EXISTS resources_source ON resources(source);
CREATE TABLE IF NOT EXISTS imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    date TEXT NOT NULL,
    perimetre TEXT NOT NULL,
    valeur TEXT NOT NULL,
    fichiers TEXT NOT NULL,
    empreinte_fichiers TEXT NOT NULL,
    format TEXT NOT NULL,
    acceptees INTEGER NOT NULL,
    rejetees INTEGER NOT NULL,
    ajoutees INTEGER NOT NULL,
    modifiees INTEGER NOT NULL,
    supprimees INTEGER NOT NULL,
    inchangees INTEGER NOT NULL,
    duree_s REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

SCOPES = ("departement", "source")

# A writer keeps an engine's tables in step with the store, inside the same transaction:
# writer(connection, removed_ids, upserted_resources). ``Store.replace`` calls it once per
# batch of changed resources (no removed ids), then a last time with the removed ids and no
# resources; ``removed_ids=None`` (``Store.feed``) means "empty your tables first".
Writer = Callable[[sqlite3.Connection, list[str], list[Resource]], None]
# Small enough that a department's file (about 1,000 rows) is written in several batches
# while the import's workers validate the next rows; larger batches cost no less per row.
REPLACE_BATCH = 250
# Seconds a connection waits for another one's write lock (an import in progress holds it for
# its whole reading) before "database is locked".
BUSY_TIMEOUT_S = 30.0
# WAL pages (4 KiB each) written before a commit checkpoints them into the database file:
# 8,192 pages (32 MiB) rather than SQLite's default 1,000, so that a series of department
# imports (about 3 MiB of pages each at 1,000 rows) syncs the disk every ten files or so
# rather than at each one (each checkpoint syncs twice). The WAL file is cut back to
# ``WAL_SIZE_LIMIT`` bytes after a checkpoint.
WAL_CHECKPOINT_PAGES = 8192
WAL_SIZE_LIMIT = 64 * 1024 * 1024


def serialise(resource: Resource) -> tuple[str, str]:
    """(fingerprint, JSON) of a resource: one serialisation serves both. A resource may
    carry them already (``keep_serialised``: computed in an import worker process).

    The JSON is compact UTF-8 text (orjson: ~3× faster than the json module; ``json.loads``
    reads it back as the same dict); the fingerprint is the first 32 hex digits of its
    SHA-256. Field order is fixed by the dataclass, so the JSON is canonical without
    sorting keys. ``orjson.JSONEncodeError`` (a ``TypeError``) for a value JSON cannot hold
    (a lone surrogate in a string); coordinates are finite (``indexer.validation``)."""
    kept = resource.__dict__.get("_serialised")
    if kept is not None:
        return kept
    payload = orjson.dumps(dict(zip(FIELD_NAMES, resource.values(), strict=True)))
    return hashlib.sha256(payload).hexdigest()[:32], payload.decode()


def keep_serialised(resource: Resource) -> None:
    """Serialise ``resource`` now and keep the result on it; any later change to one of its
    fields must be followed by ``forget_serialised``."""
    resource.__dict__.pop("_serialised", None)
    resource.__dict__["_serialised"] = serialise(resource)


def forget_serialised(resource: Resource) -> None:
    """Drop what was computed ahead from the fields (JSON, quality code, the embedded
    engine's columns), after a change."""
    kept = resource.__dict__
    kept.pop("_serialised", None)
    kept.pop("_quality_code", None)  # resource_base.quality.QUALITY_KEY
    kept.pop("_moteur_doc", None)  # search_engines.embedded.DOCUMENT_KEY


@dataclass
class ReplaceOutcome:
    ajoutees: int
    modifiees: int
    supprimees: int
    inchangees: int


class Store:
    """SQLite canonical store. ``Store(path)`` opens (and creates) the file."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as conn:
            conn.executescript(SCHEMA)

    def connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
        conn.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
        conn.row_factory = sqlite3.Row
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self._keep_wal()
        conn = self.connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            # BEGIN itself may have failed (database locked): nothing to roll back then.
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()

    def _keep_wal(self) -> None:
        """Hold one idle connection from the first write on, closed with the ``Store``: when
        the last connection to a WAL database closes, SQLite checkpoints the whole WAL into
        the database and syncs it, which cost an import of a hundred department files a
        checkpoint per file (~5 ms of CPU and a sync each); SQLite's automatic checkpoints
        (every 1,000 pages) still bound the WAL. The connection holds no lock."""
        if self.__dict__.get("_keeper") is None:
            keeper = self.connect()
            self._keeper = keeper
            weakref.finalize(self, keeper.close)

    # --- reading ---

    def get(self, resource_id: str) -> Resource | None:
        with self.connect() as conn:
            row = conn.execute("SELECT data FROM resources WHERE id = ?", (resource_id,)).fetchone()
        return Resource.from_dict(json.loads(row["data"])) if row else None

    def count(self, scope: str | None = None, value: str | None = None) -> int:
        with self.connect() as conn:
            if scope is None:
                return conn.execute("SELECT count(*) FROM resources").fetchone()[0]
            _check_scope(scope)
            return conn.execute(
                f"SELECT count(*) FROM resources WHERE {scope} = ?", (value,)
            ).fetchone()[0]

    def count_by(self, scope: str) -> dict[str, int]:
        """Number of resources per value of ``scope`` (``departement`` or ``source``):
        ``{"51": 1204, ...}``; values without resources are absent. ValueError for an
        unknown scope."""
        _check_scope(scope)
        with self.connect() as conn:
            rows = conn.execute(f"SELECT {scope}, count(*) FROM resources GROUP BY {scope}")
            return {value: count for value, count in rows}

    def iter_resources(
        self, batch: int = 2000, conn: sqlite3.Connection | None = None
    ) -> Iterator[Resource]:
        """Every resource, ordered by id, read in batches (on ``conn`` when given)."""
        with contextlib.nullcontext(conn) if conn is not None else self.connect() as conn:
            last = ""
            while True:
                rows = conn.execute(
                    "SELECT id, data FROM resources WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
                ).fetchall()
                if not rows:
                    return
                for row in rows:
                    yield Resource.from_dict(json.loads(row["data"]))
                last = rows[-1]["id"]

    def generation(self) -> int:
        """A counter bumped by every write: engines compare it to know they are stale."""
        with self.connect() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    def imports(self, limit: int = 20) -> list[dict]:
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT * FROM imports ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [dict(r) for r in rows]

    def last_import(self, scope: str, value: str) -> dict | None:
        with self.connect() as conn:
            row = conn.execute(
                "SELECT * FROM imports WHERE perimetre = ? AND valeur = ? ORDER BY id DESC LIMIT 1",
                (scope, value),
            ).fetchone()
        return dict(row) if row else None

    # --- writing ---

    def replace(
        self,
        scope: str,
        value: str,
        resources: Iterable[Resource],
        record: dict,
        writers: Iterable[Writer] = (),
    ) -> ReplaceOutcome:
        """Replace every resource whose ``scope`` (departement or source) is ``value`` by
        ``resources``, record the import, run the engine ``writers``, all in one transaction.

        ``resources`` (ids unique) is consumed lazily, by batches of ``REPLACE_BATCH``: memory
        holds one batch plus the id and fingerprint of the scope's current resources and the
        ids seen (about 200 bytes a resource)."""
        _check_scope(scope)
        writers = list(writers)
        started = time.monotonic()
        counts = {"ajoutees": 0, "modifiees": 0, "total": 0}
        with self.transaction() as conn:
            current = dict(
                conn.execute(f"SELECT id, empreinte FROM resources WHERE {scope} = ?", (value,))
            )
            seen: set[str] = set()
            for batch in _batches(resources, REPLACE_BATCH):
                self._write_batch(conn, batch, current, seen, writers, counts)
            removed = sorted(set(current) - seen)
            conn.executemany("DELETE FROM resources WHERE id = ?", [(rid,) for rid in removed])
            for writer in writers:
                writer(conn, removed, [])
            changed = counts["ajoutees"] + counts["modifiees"]
            outcome = ReplaceOutcome(
                ajoutees=counts["ajoutees"],
                modifiees=counts["modifiees"],
                supprimees=len(removed),
                inchangees=counts["total"] - changed,
            )
            if changed or removed:
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('generation', '1') "
                    "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
                )
            conn.execute(
                "INSERT INTO imports (date, perimetre, valeur, fichiers, empreinte_fichiers, format, "
                "acceptees, rejetees, ajoutees, modifiees, supprimees, inchangees, duree_s) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.get("date") or time.strftime("%Y-%m-%dT%H:%M:%S"),
                    scope,
                    value,
                    json.dumps(record.get("fichiers", []), ensure_ascii=False),
                    record.get("empreinte_fichiers", ""),
                    record.get("format", ""),
                    counts["total"],
                    int(record.get("rejetees", 0)),
                    outcome.ajoutees,
                    outcome.modifiees,
                    outcome.supprimees,
                    outcome.inchangees,
                    round(time.monotonic() - started + float(record.get("duree_lecture_s", 0)), 3),
                ),
            )
        return outcome

    @staticmethod
    def _write_batch(conn, batch, current, seen, writers, counts) -> None:
        changed, rows = [], []
        for resource in batch:
            if resource.id in seen:
                continue  # the first of two resources with one id wins
            seen.add(resource.id)
            fingerprint, payload = serialise(resource)
            old = current.get(resource.id)
            if old == fingerprint:
                continue
            counts["modifiees" if old is not None else "ajoutees"] += 1
            changed.append(resource)
            rows.append((resource.id, resource.departement, resource.source, fingerprint, payload))
        counts["total"] = len(seen)
        if not changed:
            return
        # An id that belongs to another scope moves here: it is an update, not a duplicate.
        conn.executemany(
            "INSERT OR REPLACE INTO resources (id, departement, source, empreinte, data) "
            "VALUES (?, ?, ?, ?, ?)",
            rows,
        )
        for writer in writers:
            writer(conn, [], changed)

    def rebuild_writers(self, writer: Writer, batch: int = 5000) -> None:
        """Feed every stored resource to one writer (to build an engine's tables afresh)."""
        with self.transaction() as conn:
            self.feed(conn, writer, batch)

    def feed(self, conn: sqlite3.Connection, writer: Writer, batch: int = 5000) -> None:
        """Empty a writer's tables and feed it every resource, inside ``conn``'s transaction."""
        writer(conn, None, [])  # None: drop everything first
        buffer: list[Resource] = []
        for resource in self.iter_resources(conn=conn):
            buffer.append(resource)
            if len(buffer) >= batch:
                writer(conn, [], buffer)
                buffer = []
        writer(conn, [], buffer)


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _check_scope(scope: str) -> None:
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
