"""The embedded engine: search tables inside the canonical SQLite store, searched in-process.

**The token tables** are part of the store (the same SQLite file, written by ``writer``
inside the store's own transactions, so that an import and its index commit together):

- ``moteur_docs``: one row per resource: ``rid`` (row id), ``id``, the filter fields as
  columns (coordinates, ``a_distance``, ``sur_place``, ``statut``, ``visibilite``,
  ``qualite``: the quality code of ``resource_base.quality``, ``frais``; ``publics``, ``modes``, ``zone``, ``thematiques`` as ``|`` lists) and
  the normalised tokens of ``resource_base.text`` (``mots_nom``: the name; ``mots``:
  everything), space-separated;
- ``moteur_texte``: an FTS5 index of the same tokens (contentless, per column: the name; the
  name and thématique labels, ``mots_forts``; everything), and ``moteur_vocab`` its
  vocabulary (``fts5vocab``: records per token).

``EmbeddedEngine.search_documents`` is the one reader of these tables for other engines: it
yields every resource's search document with its record, the tokens read back rather than
computed again (the Elasticsearch reindex indexes them; see "Les moteurs" in the README).

Searching reads ``moteur_docs`` once into a columnar index (``search_engines.columnar``),
reloaded when the tables change; the shared rules of ``resource_base.search`` rank and
explain the top of it.

Free text (token masks within a byte budget, relevance floor and points, vocabulary) is in
``search_engines.embedded_text``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from functools import lru_cache

import numpy as np

from resource_base import opening, urgency, vocabulary
from resource_base.lexicon import Lexicon
from resource_base.models import Resource
from resource_base.quality import stored_quality_code
from resource_base.search import Retrieval, SearchPlan, empty_facets
from resource_base.store import Store
from search_engines.columnar import (
    DOC_COLUMNS,
    SEP,
    ColumnarIndex,
    document_from_tables,
    ranges_text,
)
from search_engines.embedded_text import read_lexicon

SCHEMA_VERSION = "6"
SCHEMA = (
    """CREATE TABLE IF NOT EXISTS moteur_docs (
        rid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        latitude REAL,
        longitude REAL,
        a_distance INTEGER NOT NULL,
        sur_place INTEGER NOT NULL,
        statut TEXT NOT NULL,
        visibilite TEXT NOT NULL,
        qualite TEXT NOT NULL,  -- resource_base.quality.quality_code
        frais TEXT,
        publics TEXT NOT NULL,
        modes TEXT NOT NULL,
        zone TEXT NOT NULL,
        thematiques TEXT NOT NULL,
        mots_nom TEXT NOT NULL,
        mots_forts TEXT NOT NULL,
        mots TEXT NOT NULL,
        fuseau TEXT NOT NULL,
        ouverture TEXT NOT NULL,
        urgence TEXT
    )""",
    # detail=column: token presence per column is all the search needs (no phrases, no
    # positions), and it indexes faster.
    "CREATE VIRTUAL TABLE IF NOT EXISTS moteur_texte USING fts5("
    "mots_nom, mots_forts, mots, content='', detail=column, tokenize='unicode61')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS moteur_vocab USING fts5vocab(moteur_texte, 'row')",
)
_OLD_TABLES = ("moteur_vocab", "moteur_docs", "moteur_texte", "moteur_geo", "moteur_zone")
# Default byte budget of the token masks of one process (RELAIS_EMBEDDED_TOKEN_CACHE_MB).
DEFAULT_TOKEN_CACHE_BYTES = 64 * 1024 * 1024


# Where a resource's ``document_columns`` are kept when computed ahead (import workers).
DOCUMENT_KEY = "_moteur_doc"


def document_columns(resource: Resource) -> tuple:
    """The ``moteur_docs`` columns of ``resource`` after ``rid`` and ``id`` (``latitude`` …
    ``urgence``), in the table's order."""
    mots_nom, mots_forts, mots = resource.search_text()
    return (
        resource.latitude,
        resource.longitude,
        int(resource.a_distance),
        int(resource.sur_place),
        resource.statut,
        resource.visibilite,
        stored_quality_code(resource),
        resource.frais,
        SEP.join(resource.publics),
        SEP.join(resource.modes_accueil or [vocabulary.EN_PRESENTIEL]),
        SEP.join(resource.zone_eligibilite),
        SEP.join(resource.thematiques),
        mots_nom,
        mots_forts,
        mots,
        opening.time_zone(resource.departement),
        _opening_column(resource.horaires_accueil),
        urgency.emergency_number(resource.telephone),
    )


TEXT_COLUMNS = slice(12, 15)  # mots_nom, mots_forts, mots in document_columns


def keep_document_columns(resource: Resource) -> None:
    """Compute ``document_columns(resource)`` now and keep it on the object (an import worker
    does it, with the final id, source and coordinates); ``store.forget_serialised`` drops
    it when a field changes afterwards."""
    resource.__dict__[DOCUMENT_KEY] = document_columns(resource)


@lru_cache(maxsize=8192)
def _opening_column(horaires: str | None) -> str:
    """The ``ouverture`` column of opening hours (few distinct values: computed once each)."""
    return ranges_text(opening.weekly_intervals(horaires))


class EmbeddedEngine:
    """Search over the store's own SQLite file; needs no server."""

    name = "embedded"

    def __init__(self, store: Store, token_cache_bytes: int = DEFAULT_TOKEN_CACHE_BYTES):
        self.store = store
        self.token_cache_bytes = token_cache_bytes
        self._local = threading.local()
        self._lock = threading.Lock()
        self._index: ColumnarIndex | None = None
        self._lexicon: tuple[str, Lexicon] | None = None
        self._ensure_schema()

    def _ensure_schema(self) -> None:
        """Create the tables, or rebuild them from the store when their schema changed.

        Several processes (gunicorn workers) may start at once: the version is read again
        under the write lock, so only the first one rebuilds.
        """
        query = "SELECT value FROM meta WHERE key = 'moteur_schema'"
        conn = self.store.connect()
        try:
            row = conn.execute(query).fetchone()
            if row and row[0] == SCHEMA_VERSION:
                return
        finally:
            conn.close()
        with self.store.transaction() as conn:
            row = conn.execute(query).fetchone()
            if row and row[0] == SCHEMA_VERSION:
                return
            # One statement at a time: executescript() would commit the open transaction.
            for table in _OLD_TABLES:
                conn.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in SCHEMA:
                conn.execute(statement)
            self.store.feed(conn, self.writer)
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('moteur_schema', ?)",
                (SCHEMA_VERSION,),
            )

    # --- writing (inside the store's transaction) ---

    def writer(
        self, conn: sqlite3.Connection, removed: list[str] | None, upserted: list[Resource]
    ) -> None:
        """Keep the search tables in step with the store; ``removed=None`` empties them."""
        if removed is None:
            conn.execute("DELETE FROM moteur_docs")
            conn.execute("INSERT INTO moteur_texte(moteur_texte) VALUES('delete-all')")
        else:
            self._delete(conn, removed + [r.id for r in upserted])
        rows, texts = [], []
        # Explicit rowids, so that the text index is written without looking them up.
        next_rid = conn.execute("SELECT coalesce(max(rid), 0) + 1 FROM moteur_docs").fetchone()[0]
        for rid, resource in enumerate(upserted, start=next_rid):
            columns = resource.__dict__.get(DOCUMENT_KEY) or document_columns(resource)
            rows.append((rid, resource.id, *columns))
            texts.append((rid, *columns[TEXT_COLUMNS]))
        conn.executemany(
            "INSERT INTO moteur_docs (rid, id, latitude, longitude, a_distance, sur_place, statut, "
            "visibilite, qualite, frais, publics, modes, zone, thematiques, mots_nom, mots_forts, "
            "mots, fuseau, ouverture, urgence) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.executemany(
            "INSERT INTO moteur_texte(rowid, mots_nom, mots_forts, mots) VALUES (?, ?, ?, ?)",
            texts,
        )
        # Tells every process serving searches that its in-memory index is stale.
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('moteur_version', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    @staticmethod
    def _delete(conn: sqlite3.Connection, ids: list[str]) -> None:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found = conn.execute(
                f"SELECT rid, mots_nom, mots_forts, mots FROM moteur_docs WHERE id IN ({marks})",
                chunk,
            ).fetchall()
            conn.executemany(
                "INSERT INTO moteur_texte(moteur_texte, rowid, mots_nom, mots_forts, mots) "
                "VALUES('delete', ?, ?, ?, ?)",
                found,
            )
            conn.executemany("DELETE FROM moteur_docs WHERE rid = ?", [(row[0],) for row in found])

    def rebuild(self) -> int:
        """Rebuild the search tables from the store (after a schema change or a restore)."""
        self.store.rebuild_writers(self.writer)
        return self.count()

    # --- reading ---

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self.store.connect()
            self._local.conn = conn
        return conn

    def count(self) -> int:
        return self._conn().execute("SELECT count(*) FROM moteur_docs").fetchone()[0]

    def search_documents(self, batch: int = 2000) -> Iterator[dict]:
        """Every resource's search document with its full record (``fiche``): what another
        engine indexes, without tokenising the store again."""
        conn = self.store.connect()
        try:
            last = 0
            while True:
                rows = conn.execute(
                    f"SELECT d.rid, {DOC_COLUMNS} FROM moteur_docs d "
                    "JOIN resources r ON r.id = d.id WHERE d.rid > ? ORDER BY d.rid LIMIT ?",
                    (last, batch),
                ).fetchall()
                if not rows:
                    return
                for _rid, *stored in rows:
                    doc = document_from_tables(*stored)
                    doc["fiche"] = json.loads(stored[-1])
                    yield doc
                last = rows[-1][0]
        finally:
            conn.close()

    def warm(self) -> None:
        """Load the in-memory index now rather than on the first search."""
        self._current_index()

    def _current_index(self) -> ColumnarIndex:
        conn = self._conn()
        row = conn.execute("SELECT value FROM meta WHERE key = 'moteur_version'").fetchone()
        version = row[0] if row else "0"
        index = self._index
        if index is not None and index.version == version:
            return index
        with self._lock:
            if self._index is None or self._index.version != version:
                self._index = ColumnarIndex.load(conn, version, self.token_cache_bytes)
            return self._index

    def lexicon(self) -> Lexicon:
        """The vocabulary of the current tables (records per token), for rarity weights and
        spelling corrections; read once per version of the tables, without loading the
        columnar index (an Elasticsearch runtime uses it too)."""
        conn = self._conn()
        row = conn.execute("SELECT value FROM meta WHERE key = 'moteur_version'").fetchone()
        version = row[0] if row else "0"
        cached = self._lexicon
        if cached is not None and cached[0] == version:
            return cached[1]
        with self._lock:
            if self._lexicon is None or self._lexicon[0] != version:
                documents = conn.execute("SELECT count(*) FROM moteur_docs").fetchone()[0]
                self._lexicon = (version, read_lexicon(conn, documents, self.store.connect))
            return self._lexicon[1]

    def retrieve(self, plan: SearchPlan) -> Retrieval:
        index = self._current_index()
        conn = self._conn()
        base = index.base_mask(plan, conn)
        facettes = {c: int(np.count_nonzero(base & index.category(c))) for c in empty_facets()}
        result = base
        if plan.query.thematiques:
            result = base & index.themes_mask(plan.query.thematiques)
        rids = np.flatnonzero(result)
        window = min(len(rids), plan.window)
        top = index.top(rids, plan, window, conn)
        return Retrieval(candidates=index.candidates(top, conn), total=len(rids), facettes=facettes)

    def get(self, resource_id: str) -> dict | None:
        resource = self.store.get(resource_id)
        return resource.to_dict() if resource else None

    def health(self) -> dict:
        try:
            count = self.count()
        except sqlite3.Error as exc:
            return {"moteur": self.name, "etat": "indisponible", "message": str(exc)}
        return {"moteur": self.name, "etat": "ok", "ressources": count}
