"""The embedded engine: search tables inside the canonical SQLite store, queried in-process.

Tables (kept in the store's transactions by ``writer``):
- ``moteur_docs``: one row per resource, with the fields the rules need (JSON);
- ``moteur_geo``: an R*Tree of on-site places, for the radius pre-filter;
- ``moteur_zone``: zone_eligibilite codes, for the eligibility pre-filter;
- ``moteur_texte``: an FTS5 index of the normalised tokens, for the text pre-filter.
SQL narrows the candidates; the shared rules of ``resource_base.search`` decide.
"""

from __future__ import annotations

import json
import sqlite3
import threading

from resource_base.geo import bounding_box
from resource_base.models import Resource
from resource_base.search import (
    SUMMARY_FIELDS,
    Candidate,
    Retrieval,
    SearchPlan,
    candidate_from_document,
    evaluate,
    facet_counts,
    search_document,
)
from resource_base.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS moteur_docs (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    a_distance INTEGER NOT NULL,
    zone_vide INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS moteur_docs_distance ON moteur_docs(a_distance, zone_vide);
CREATE VIRTUAL TABLE IF NOT EXISTS moteur_geo USING rtree(rid, min_lat, max_lat, min_lon, max_lon);
CREATE TABLE IF NOT EXISTS moteur_zone (
    code TEXT NOT NULL,
    rid INTEGER NOT NULL,
    a_distance INTEGER NOT NULL,
    PRIMARY KEY (code, rid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS moteur_zone_rid ON moteur_zone(rid);
CREATE VIRTUAL TABLE IF NOT EXISTS moteur_texte USING fts5(mots, content='', tokenize='unicode61');
"""

# Run one by one: executescript() would commit the store's open transaction.
_DROP = (
    "DELETE FROM moteur_docs",
    "DELETE FROM moteur_geo",
    "DELETE FROM moteur_zone",
    "INSERT INTO moteur_texte(moteur_texte) VALUES('delete-all')",
)


class EmbeddedEngine:
    """Search over the store's own SQLite file; needs no server."""

    name = "embedded"

    def __init__(self, store: Store):
        self.store = store
        conn = store.connect()
        try:
            conn.executescript(SCHEMA)
        finally:
            conn.close()
        self._local = threading.local()
        self._cache: dict[int, Candidate] = {}
        self._cache_generation = -1
        self._lock = threading.Lock()

    # --- writing (inside the store's transaction) ---

    def writer(
        self, conn: sqlite3.Connection, removed: list[str] | None, upserted: list[Resource]
    ) -> None:
        """Keep the search tables in step with the store; ``removed=None`` empties them."""
        if removed is None:
            for statement in _DROP:
                conn.execute(statement)
            return
        ids = removed + [r.id for r in upserted]
        for resource_id in ids:
            row = conn.execute(
                "SELECT rid, doc FROM moteur_docs WHERE id = ?", (resource_id,)
            ).fetchone()
            if row is None:
                continue
            rid, doc = row[0], json.loads(row[1])
            conn.execute("DELETE FROM moteur_docs WHERE rid = ?", (rid,))
            conn.execute("DELETE FROM moteur_geo WHERE rid = ?", (rid,))
            conn.execute("DELETE FROM moteur_zone WHERE rid = ?", (rid,))
            conn.execute(
                "INSERT INTO moteur_texte(moteur_texte, rowid, mots) VALUES('delete', ?, ?)",
                (rid, " ".join(doc["mots"])),
            )
        for resource in upserted:
            doc = search_document(resource)
            compact = {k: doc[k] for k in _DOC_FIELDS}
            cur = conn.execute(
                "INSERT INTO moteur_docs (id, a_distance, zone_vide, doc) VALUES (?, ?, ?, ?)",
                (
                    resource.id,
                    int(resource.a_distance),
                    int(not resource.zone_eligibilite),
                    json.dumps(compact, ensure_ascii=False),
                ),
            )
            rid = cur.lastrowid
            if resource.has_location and resource.sur_place:
                conn.execute(
                    "INSERT INTO moteur_geo VALUES (?, ?, ?, ?, ?)",
                    (
                        rid,
                        resource.latitude,
                        resource.latitude,
                        resource.longitude,
                        resource.longitude,
                    ),
                )
            conn.executemany(
                "INSERT OR IGNORE INTO moteur_zone (code, rid, a_distance) VALUES (?, ?, ?)",
                [(code, rid, int(resource.a_distance)) for code in resource.zone_eligibilite],
            )
            conn.execute(
                "INSERT INTO moteur_texte(rowid, mots) VALUES (?, ?)", (rid, " ".join(doc["mots"]))
            )

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

    def _candidates(self, conn: sqlite3.Connection, rids: set[int]) -> list[Candidate]:
        generation = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        generation = int(generation[0]) if generation else 0
        with self._lock:
            if generation != self._cache_generation:
                self._cache = {}
                self._cache_generation = generation
            cache = self._cache
        missing = [rid for rid in rids if rid not in cache]
        for start in range(0, len(missing), 900):
            chunk = missing[start : start + 900]
            marks = ",".join("?" * len(chunk))
            for rid, doc in conn.execute(
                f"SELECT rid, doc FROM moteur_docs WHERE rid IN ({marks})", chunk
            ):
                cache[rid] = candidate_from_document(json.loads(doc))
        return [cache[rid] for rid in rids if rid in cache]

    def retrieve(self, plan: SearchPlan) -> Retrieval:
        conn = self._conn()
        query, location = plan.query, plan.location
        # Codes that make a resource eligible for at least one of the person's communes; the
        # shared rules then check every commune.
        codes = sorted(set().union(*location.zone_code_sets))
        marks = ",".join("?" * len(codes))
        min_lat, max_lat, min_lon, max_lon = bounding_box(
            location.latitude, location.longitude, query.rayon_km
        )
        rids = {
            row[0]
            for row in conn.execute(
                "SELECT rid FROM moteur_geo WHERE min_lat >= ? AND max_lat <= ? AND min_lon >= ? AND max_lon <= ?",
                (min_lat, max_lat, min_lon, max_lon),
            )
        }
        rids.update(
            row[0]
            for row in conn.execute(
                "SELECT rid FROM moteur_docs WHERE a_distance = 1 AND zone_vide = 1"
            )
        )
        rids.update(
            row[0]
            for row in conn.execute(
                f"SELECT rid FROM moteur_zone WHERE a_distance = 1 AND code IN ({marks})", codes
            )
        )
        if plan.groups:
            rids &= {
                row[0]
                for row in conn.execute(
                    "SELECT rowid FROM moteur_texte WHERE moteur_texte MATCH ?", (_fts_query(plan),)
                )
            }
        evaluated = [evaluate(c, plan, check_themes=False) for c in self._candidates(conn, rids)]
        eligible = [item for item in evaluated if item is not None]
        facettes = facet_counts(item.candidate.categories for item in eligible)
        if query.thematiques:
            eligible = [item for item in eligible if item.explication["thematiques"]]
        return Retrieval(
            candidates=[item.candidate for item in eligible], total=len(eligible), facettes=facettes
        )

    def get(self, resource_id: str) -> dict | None:
        resource = self.store.get(resource_id)
        return resource.to_dict() if resource else None

    def health(self) -> dict:
        try:
            count = self.count()
        except sqlite3.Error as exc:
            return {"moteur": self.name, "etat": "indisponible", "message": str(exc)}
        return {"moteur": self.name, "etat": "ok", "ressources": count}


_DOC_FIELDS = SUMMARY_FIELDS + ("mots_nom", "mots", "qualite", "a_distance", "sur_place")


def _fts_query(plan: SearchPlan) -> str:
    """Every query word must match (one of its alternatives); tokens are [a-z0-9] only."""
    parts = []
    for group in plan.groups:
        alts = ["(" + " AND ".join(f'"{t}"' for t in alt) + ")" for alt in group.alternatives]
        parts.append("(" + " OR ".join(alts) + ")")
    return " AND ".join(parts)
