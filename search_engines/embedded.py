"""The embedded engine: search tables inside the canonical SQLite store, searched in-process.

Tables (written by ``writer`` inside the store's own transactions, so an import and its
index commit together):
- ``moteur_docs``: one row per resource, the filter fields as columns and the search
  document as JSON;
- ``moteur_texte``: an FTS5 index of the normalised tokens (name, and everything).

Searching reads those tables once into a columnar index (numpy arrays, one boolean mask per
value), reloaded when the tables change. A query is then a handful of vectorised mask
operations; the shared rules of ``resource_base.search`` rank and explain the top of it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from resource_base import vocabulary
from resource_base.geo import EARTH_RADIUS_KM, bounding_box
from resource_base.models import Resource
from resource_base.search import (
    POINTS_TEXT_NAME,
    POINTS_TEXT_OTHER,
    POINTS_THEME_CATEGORY,
    POINTS_THEME_EXACT,
    Candidate,
    Retrieval,
    SearchPlan,
    candidate_from_document,
    empty_facets,
)
from resource_base.store import Store

SCHEMA_VERSION = "3"
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
        qualite INTEGER NOT NULL,
        frais TEXT,
        publics TEXT NOT NULL,
        modes TEXT NOT NULL,
        zone TEXT NOT NULL,
        thematiques TEXT NOT NULL,
        mots_nom TEXT NOT NULL,
        mots TEXT NOT NULL
    )""",
    # detail=column: token presence per column is all the search needs (no phrases, no
    # positions), and it indexes faster.
    "CREATE VIRTUAL TABLE IF NOT EXISTS moteur_texte USING fts5("
    "mots_nom, mots, content='', detail=column, tokenize='unicode61')",
)
_OLD_TABLES = ("moteur_docs", "moteur_texte", "moteur_geo", "moteur_zone")
_SEP = "|"
# Extra candidates past the page end handed to the shared ranking (ties of float distances).
_MARGIN = 10


class EmbeddedEngine:
    """Search over the store's own SQLite file; needs no server."""

    name = "embedded"

    def __init__(self, store: Store):
        self.store = store
        self._local = threading.local()
        self._lock = threading.Lock()
        self._index: _Index | None = None
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
            mots_nom, mots = resource.search_text()
            rows.append(
                (
                    rid,
                    resource.id,
                    resource.latitude,
                    resource.longitude,
                    int(resource.a_distance),
                    int(resource.sur_place),
                    resource.statut,
                    resource.visibilite,
                    resource.qualite(),
                    resource.frais,
                    _SEP.join(resource.publics),
                    _SEP.join(resource.modes_accueil or [vocabulary.EN_PRESENTIEL]),
                    _SEP.join(resource.zone_eligibilite),
                    _SEP.join(resource.thematiques),
                    mots_nom,
                    mots,
                )
            )
            texts.append((rid, mots_nom, mots))
        conn.executemany(
            "INSERT INTO moteur_docs (rid, id, latitude, longitude, a_distance, sur_place, statut, "
            "visibilite, qualite, frais, publics, modes, zone, thematiques, mots_nom, mots) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.executemany("INSERT INTO moteur_texte(rowid, mots_nom, mots) VALUES (?, ?, ?)", texts)
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
                f"SELECT rid, mots_nom, mots FROM moteur_docs WHERE id IN ({marks})", chunk
            ).fetchall()
            conn.executemany(
                "INSERT INTO moteur_texte(moteur_texte, rowid, mots_nom, mots) "
                "VALUES('delete', ?, ?, ?)",
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
                    "SELECT d.rid, d.mots_nom, d.mots, d.qualite, d.a_distance, d.sur_place, r.data "
                    "FROM moteur_docs d JOIN resources r ON r.id = d.id "
                    "WHERE d.rid > ? ORDER BY d.rid LIMIT ?",
                    (last, batch),
                ).fetchall()
                if not rows:
                    return
                for _rid, *stored in rows:
                    doc = _search_document(*stored)
                    doc["fiche"] = json.loads(stored[-1])
                    yield doc
                last = rows[-1][0]
        finally:
            conn.close()

    def warm(self) -> None:
        """Load the in-memory index now rather than on the first search."""
        self._current_index()

    def _current_index(self) -> _Index:
        conn = self._conn()
        row = conn.execute("SELECT value FROM meta WHERE key = 'moteur_version'").fetchone()
        version = row[0] if row else "0"
        index = self._index
        if index is not None and index.version == version:
            return index
        with self._lock:
            if self._index is None or self._index.version != version:
                self._index = _Index.load(conn, version)
            return self._index

    def retrieve(self, plan: SearchPlan) -> Retrieval:
        index = self._current_index()
        conn = self._conn()
        base = index.base_mask(plan, conn)
        facettes = {c: int(np.count_nonzero(base & index.category(c))) for c in empty_facets()}
        result = base
        if plan.query.thematiques:
            result = base & index.themes_mask(plan.query.thematiques)
        rids = np.flatnonzero(result)
        window = min(len(rids), plan.query.page * plan.query.size + _MARGIN)
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


@dataclass
class _Index:
    """Columnar, read-only view of ``moteur_docs`` for one version of the tables."""

    version: str
    size: int
    exists: np.ndarray
    latitude: np.ndarray
    longitude: np.ndarray
    located: np.ndarray  # on site, with coordinates
    remote: np.ndarray
    closed: np.ndarray
    public: np.ndarray
    tiebreak: np.ndarray  # rank by (-qualite, id): the last keys of the ranking
    zone_empty: np.ndarray
    publics_empty: np.ndarray
    zones: dict[str, np.ndarray]
    values: dict[str, dict[str, np.ndarray]]
    tokens: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    candidates_cache: dict[int, Candidate] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: sqlite3.Connection, version: str) -> _Index:
        rows = conn.execute(
            "SELECT rid, id, latitude, longitude, a_distance, sur_place, statut, visibilite, "
            "qualite, frais, publics, modes, zone, thematiques FROM moteur_docs"
        ).fetchall()
        size = (max((r[0] for r in rows), default=0)) + 1
        rid = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

        def column(position: int, dtype, missing=np.nan) -> np.ndarray:
            out = np.full(size, missing, dtype=dtype)
            out[rid] = np.fromiter(
                (missing if r[position] is None else r[position] for r in rows),
                dtype=dtype,
                count=len(rows),
            )
            return out

        exists = np.zeros(size, dtype=bool)
        exists[rid] = True
        latitude, longitude = column(2, np.float64), column(3, np.float64)
        remote = column(4, np.int8, 0).astype(bool)
        located = column(5, np.int8, 0).astype(bool) & ~np.isnan(latitude) & ~np.isnan(longitude)
        order = sorted(rows, key=lambda r: (-r[8], r[1]))
        tiebreak = np.zeros(size, dtype=np.int64)
        tiebreak[np.fromiter((r[0] for r in order), dtype=np.int64, count=len(order))] = np.arange(
            len(order)
        )

        lists: dict[str, dict[str, list[int]]] = {
            name: {}
            for name in (
                "statut",
                "visibilite",
                "frais",
                "publics",
                "modes",
                "zone",
                "thematiques",
                "categories",
            )
        }
        for r in rows:
            lists["statut"].setdefault(r[6], []).append(r[0])
            lists["visibilite"].setdefault(r[7], []).append(r[0])
            if r[9]:
                lists["frais"].setdefault(r[9], []).append(r[0])
            for name, position in (
                ("publics", 10),
                ("modes", 11),
                ("zone", 12),
                ("thematiques", 13),
            ):
                for value in r[position].split(_SEP) if r[position] else ():
                    lists[name].setdefault(value, []).append(r[0])
            for category in {vocabulary.category_of(t) for t in r[13].split(_SEP) if t}:
                lists["categories"].setdefault(category, []).append(r[0])

        def mask(members: Iterable[int]) -> np.ndarray:
            out = np.zeros(size, dtype=bool)
            out[np.fromiter(members, dtype=np.int64)] = True
            return out

        values = {
            name: {value: mask(members) for value, members in by_value.items()}
            for name, by_value in lists.items()
            if name != "zone"
        }
        zones = {
            code: np.asarray(members, dtype=np.int64) for code, members in lists["zone"].items()
        }
        empty_zone = exists.copy()
        for members in zones.values():
            empty_zone[members] = False
        empty_publics = exists.copy()
        for publics in values["publics"].values():
            empty_publics &= ~publics
        none = np.zeros(size, dtype=bool)
        return cls(
            version=version,
            size=size,
            exists=exists,
            latitude=latitude,
            longitude=longitude,
            located=located,
            remote=remote,
            closed=values["statut"].get("ferme", none),
            public=values["visibilite"].get("public", none),
            tiebreak=tiebreak,
            zone_empty=empty_zone,
            publics_empty=empty_publics,
            zones=zones,
            values=values,
        )

    def value(self, name: str, key: str) -> np.ndarray:
        found = self.values[name].get(key)
        return found if found is not None else np.zeros(self.size, dtype=bool)

    def category(self, slug: str) -> np.ndarray:
        return self.value("categories", slug)

    def distances(self, rids: np.ndarray, lat: float, lon: float) -> np.ndarray:
        """Haversine distances in km, the same formula as ``resource_base.geo.haversine_km``."""
        p1, p2 = np.radians(lat), np.radians(self.latitude[rids])
        dp, dl = p2 - p1, np.radians(self.longitude[rids] - lon)
        h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
        return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))

    def token_mask(self, column: str, token: str, conn: sqlite3.Connection) -> np.ndarray:
        key = (column, token)
        found = self.tokens.get(key)
        if found is None:
            rids = [
                r[0]
                for r in conn.execute(
                    "SELECT rowid FROM moteur_texte WHERE moteur_texte MATCH ?",
                    (f'{column} : "{token}"',),
                )
            ]
            found = np.zeros(self.size, dtype=bool)
            found[np.asarray(rids, dtype=np.int64)] = True
            if len(self.tokens) > 5000:
                self.tokens.clear()
            self.tokens[key] = found
        return found

    def group_mask(self, group, column: str, conn: sqlite3.Connection) -> np.ndarray:
        out = np.zeros(self.size, dtype=bool)
        for alternative in group.alternatives:
            both = np.ones(self.size, dtype=bool)
            for token in alternative:
                both &= self.token_mask(column, token, conn)
            out |= both
        return out

    def base_mask(self, plan: SearchPlan, conn: sqlite3.Connection) -> np.ndarray:
        """Every rule but the needs (the facets are counted on it)."""
        query, location = plan.query, plan.location
        base = self.exists & ~self.closed
        if not query.inclure_professionnels:
            base &= self.public
        for codes in location.zone_code_sets:
            eligible = self.zone_empty.copy()
            for code in codes:
                members = self.zones.get(code)
                if members is not None:
                    eligible[members] = True
            base &= eligible
        min_lat, max_lat, min_lon, max_lon = bounding_box(
            location.latitude, location.longitude, query.rayon_km
        )
        box = (
            base
            & self.located
            & (self.latitude >= min_lat)
            & (self.latitude <= max_lat)
            & (self.longitude >= min_lon)
            & (self.longitude <= max_lon)
        )
        near = np.flatnonzero(box)
        within = np.zeros(self.size, dtype=bool)
        within[
            near[self.distances(near, location.latitude, location.longitude) <= query.rayon_km]
        ] = True
        base &= self.remote | within
        if query.publics:
            accepted = self.publics_empty | self.value("publics", vocabulary.TOUS_PUBLICS)
            for public in query.publics:
                accepted |= self.value("publics", public)
            base &= accepted
        if query.modes_accueil:
            base &= np.logical_or.reduce([self.value("modes", m) for m in query.modes_accueil])
        if query.frais:
            base &= np.logical_or.reduce([self.value("frais", f) for f in query.frais])
        for group in plan.groups:
            base &= self.group_mask(group, "mots", conn)
        return base

    def themes_mask(self, thematiques: tuple[str, ...]) -> np.ndarray:
        out = np.zeros(self.size, dtype=bool)
        for asked in thematiques:
            if vocabulary.is_category(asked):
                out |= self.category(asked)
            else:
                out |= self.value("thematiques", asked) | self.value(
                    "thematiques", vocabulary.category_of(asked)
                )
        return out

    def top(
        self, rids: np.ndarray, plan: SearchPlan, window: int, conn: sqlite3.Connection
    ) -> np.ndarray:
        """The ``window`` best rids by the ranking keys (points, distance, quality, id)."""
        if window == 0:
            return rids[:0]
        points = np.zeros(len(rids), dtype=np.int64)
        for asked in plan.query.thematiques:
            if vocabulary.is_category(asked):
                points += POINTS_THEME_EXACT * self.category(asked)[rids]
            else:
                exact = self.value("thematiques", asked)[rids]
                whole = self.value("thematiques", vocabulary.category_of(asked))[rids]
                points += np.where(
                    exact, POINTS_THEME_EXACT, np.where(whole, POINTS_THEME_CATEGORY, 0)
                )
        for group in plan.groups:
            in_name = self.group_mask(group, "mots_nom", conn)[rids]
            points += np.where(in_name, POINTS_TEXT_NAME, POINTS_TEXT_OTHER)
        distance = np.full(len(rids), np.inf)
        located = self.located[rids]
        distance[located] = self.distances(
            rids[located], plan.location.latitude, plan.location.longitude
        )
        order = np.lexsort((self.tiebreak[rids], distance, -points))
        return rids[order[:window]]

    def candidates(self, rids: np.ndarray, conn: sqlite3.Connection) -> list[Candidate]:
        cache = self.candidates_cache
        if len(cache) > 50_000:
            cache.clear()
        missing = [int(r) for r in rids if int(r) not in cache]
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(
                "SELECT d.rid, d.mots_nom, d.mots, d.qualite, d.a_distance, d.sur_place, r.data "
                f"FROM moteur_docs d JOIN resources r ON r.id = d.id WHERE d.rid IN ({marks})",
                chunk,
            )
            for rid, *stored in rows:
                cache[rid] = candidate_from_document(_search_document(*stored))
        return [cache[int(r)] for r in rids if int(r) in cache]


def _search_document(mots_nom, mots, qualite, a_distance, sur_place, data) -> dict:
    """A ``search_document`` rebuilt from the store's JSON and the tokens written at import
    (the same as ``resource_base.search.search_document``, without tokenising again)."""
    doc = json.loads(data)
    doc.update(
        categories=sorted({vocabulary.category_of(t) for t in doc["thematiques"]}),
        mots_nom=mots_nom.split(),
        mots=mots.split(),
        qualite=qualite,
        a_distance=bool(a_distance),
        sur_place=bool(sur_place),
    )
    return doc
