"""The embedded engine's in-memory view: ``moteur_docs`` read once into numpy columns.

One boolean mask per value (status, visibility, publics, modes, frais, thématiques,
categories), the zone codes as arrays of row ids, coordinates as float columns; a query is a
handful of vectorised mask operations (``base_mask``, ``themes_mask``), then ``top`` sorts the
survivors by the shared ranking keys. Reloaded by ``search_engines.embedded`` when the tables'
version changes. See "Les moteurs" in the README.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from resource_base import opening, urgency, vocabulary
from resource_base.geo import EARTH_RADIUS_KM, bounding_box
from resource_base.search import (
    POINTS_THEME_CATEGORY,
    POINTS_THEME_EXACT,
    TEMPORARILY_CLOSED,
    Candidate,
    SearchPlan,
    candidate_from_document,
)
from search_engines.embedded_text import TokenMasks
from search_engines.quality_order import QualityOrder

# Separator of the list columns of ``moteur_docs`` (publics, modes, zone, thematiques).
SEP = "|"


@dataclass
class ColumnarIndex:
    """Columnar, read-only view of ``moteur_docs`` for one version of the tables."""

    version: str
    size: int
    exists: np.ndarray
    latitude: np.ndarray
    longitude: np.ndarray
    located: np.ndarray  # on site, with coordinates
    remote: np.ndarray
    closed: np.ndarray
    quality: QualityOrder  # rank by (-quality on the day, id): the last keys of the ranking
    zone_empty: np.ndarray
    publics_empty: np.ndarray
    zones: dict[str, np.ndarray]
    values: dict[str, dict[str, np.ndarray]]
    masks: TokenMasks
    temporarily_closed: np.ndarray
    # Per time zone, one row per weekly open range: its rid, start and end minutes.
    open_ranges: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]
    candidates_cache: dict[int, Candidate] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: sqlite3.Connection, version: str, token_cache_bytes: int) -> ColumnarIndex:
        rows = conn.execute(
            "SELECT rid, id, latitude, longitude, a_distance, sur_place, statut, visibilite, "
            "qualite, frais, publics, modes, zone, thematiques, fuseau, ouverture, urgence "
            "FROM moteur_docs"
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
        quality = QualityOrder.load(size, ((r[0], r[1], r[8]) for r in rows))

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
                "urgence",
            )
        }
        open_rows: dict[str, list[tuple[int, int, int]]] = {}
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
                for value in r[position].split(SEP) if r[position] else ():
                    lists[name].setdefault(value, []).append(r[0])
            for category in {vocabulary.category_of(t) for t in r[13].split(SEP) if t}:
                lists["categories"].setdefault(category, []).append(r[0])
            if r[15]:
                zone = r[14] if r[14] in opening.ALL_ZONES else opening.PARIS
                rows_of_zone = open_rows.setdefault(zone, [])
                rows_of_zone.extend((r[0], start, end) for start, end in ranges(r[15]))
            if r[16]:
                lists["urgence"].setdefault(r[16], []).append(r[0])
        open_ranges = {}
        for zone, table in open_rows.items():
            array = np.asarray(table, dtype=np.int64).reshape(-1, 3)
            open_ranges[zone] = (array[:, 0].copy(), array[:, 1].copy(), array[:, 2].copy())

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
            quality=quality,
            zone_empty=empty_zone,
            publics_empty=empty_publics,
            zones=zones,
            values=values,
            masks=TokenMasks(size, token_cache_bytes),
            temporarily_closed=values["statut"].get(TEMPORARILY_CLOSED, none),
            open_ranges=open_ranges,
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

    def base_mask(self, plan: SearchPlan, conn: sqlite3.Connection) -> np.ndarray:
        """Every rule but the needs (the facets are counted on it)."""
        query, location = plan.query, plan.location
        base = self.exists & ~self.closed
        base &= np.logical_or.reduce(
            [self.value("visibilite", v) for v in query.audience.visibilites]
        )
        for codes in () if query.ignorer_eligibilite else location.zone_code_sets:
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
        if query.ouvert:
            base &= self.open_mask(plan)
        above_floor = self.masks.floor(plan.text, conn)
        if above_floor is not None:
            base &= above_floor
        return base

    def open_mask(self, plan: SearchPlan) -> np.ndarray:
        """Resources with a weekly open range that meets the plan's window in their own time
        zone (``opening.is_open``); a temporarily closed place is never open."""
        out = np.zeros(self.size, dtype=bool)
        for zone, (rids, starts, ends) in self.open_ranges.items():
            start, end = plan.open_window(zone)
            out[rids[(starts < end) & (ends > start)]] = True
        return out & ~self.temporarily_closed

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
        if plan.text.groups:
            points += self.masks.points(plan.text, rids, conn)
        for number in plan.urgence:
            points += urgency.POINTS_URGENCE * self.value("urgence", number)[rids]
        distance = np.full(len(rids), np.inf)
        located = self.located[rids]
        distance[located] = self.distances(
            rids[located], plan.location.latitude, plan.location.longitude
        )
        closed = self.temporarily_closed[rids]
        order = np.lexsort((self.quality.tiebreak(plan.today)[rids], distance, closed, -points))
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
                f"SELECT d.rid, {DOC_COLUMNS} "
                f"FROM moteur_docs d JOIN resources r ON r.id = d.id WHERE d.rid IN ({marks})",
                chunk,
            )
            for rid, *stored in rows:
                cache[rid] = candidate_from_document(document_from_tables(*stored))
        return [cache[int(r)] for r in rids if int(r) in cache]


DOC_COLUMNS = (
    "d.mots_nom, d.mots_forts, d.mots, d.qualite, d.a_distance, d.sur_place, d.fuseau, "
    "d.ouverture, d.urgence, r.data"
)


def ranges_text(values) -> str:
    """``((540, 720), (840, 1020))`` → ``"540-720 840-1020"`` (the ``ouverture`` column)."""
    return " ".join(f"{start}-{end}" for start, end in values)


def ranges(value: str) -> list[list[int]]:
    return [[int(n) for n in part.split("-")] for part in value.split()]


def document_from_tables(
    mots_nom, mots_forts, mots, qualite, a_distance, sur_place, fuseau, ouverture, urgence, data
) -> dict:
    """A ``search_document`` rebuilt from a row of the token tables (``mots_nom``,
    ``mots_forts``, ``mots``, ``qualite``, ``a_distance``, ``sur_place`` of ``moteur_docs``) and
    the store's JSON record (``resources.data``): the same dict as
    ``resource_base.search.search_document``, without tokenising again."""
    doc = json.loads(data)
    doc.update(
        categories=sorted({vocabulary.category_of(t) for t in doc["thematiques"]}),
        mots_nom=mots_nom.split(),
        mots_forts=mots_forts.split(),
        mots=mots.split(),
        qualite=qualite,
        a_distance=bool(a_distance),
        sur_place=bool(sur_place),
        fuseau=fuseau,
        ouverture_semaine=ranges(ouverture),
        numero_urgence=urgence,
    )
    return doc
