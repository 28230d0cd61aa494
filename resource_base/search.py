"""The search contract: one query type in, one result type out, for every engine.

An engine *retrieves* candidates that pass every filter (eligibility, reach, status,
visibility, publics, modes d'accueil, frais, text); this module owns the rules those filters
implement (``evaluate``), the ranking (``rank``) and the per-result explanation, so that
every engine orders and explains results identically. See "Classement" in the README.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol

from resource_base import horaires, opening, text, urgency, vocabulary
from resource_base.geo import Commune, CommuneDirectory, haversine_km
from resource_base.models import Resource

DEFAULT_RADIUS_KM = 30.0
MAX_RADIUS_KM = 200.0
DEFAULT_SIZE = 20
MAX_SIZE = 100
MAX_WINDOW = 10_000  # page * size; deeper pages are refused (and Elasticsearch's default)
MAX_Q_LENGTH = 200

# Relevance points (integers, so that every engine adds them up exactly).
POINTS_THEME_EXACT = 100
POINTS_THEME_CATEGORY = 40
POINTS_TEXT_NAME = 20
POINTS_TEXT_OTHER = 10
TEMPORARILY_CLOSED = "fermeture-temporaire"


class SearchError(Exception):
    """A query the contract refuses: ``errors`` maps each field at fault to French messages."""

    code = "requete_invalide"

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k} : {' '.join(v)}" for k, v in errors.items()))


class UnknownLocation(SearchError):
    code = "lieu_inconnu"


class EngineUnavailable(Exception):
    """The search engine cannot answer (cluster down, authentication refused…)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class SearchQuery:
    """What an adviser asks: where the person lives, which needs, and filters."""

    code_commune: str | None = None
    lat: float | None = None
    lon: float | None = None
    code_postal: str | None = None
    thematiques: tuple[str, ...] = ()
    q: str | None = None
    publics: tuple[str, ...] = ()
    modes_accueil: tuple[str, ...] = ()
    frais: tuple[str, ...] = ()
    rayon_km: float = DEFAULT_RADIUS_KM
    page: int = 1
    size: int = DEFAULT_SIZE
    inclure_professionnels: bool = False
    # "maintenant" or "aujourdhui": open at this minute / at some time today, local time of
    # each place (``resource_base.opening``).
    ouvert: str | None = None
    # For the adviser only: also retrieve resources the person is not eligible for (their
    # ``explication["eligible"]`` is False), to mention nearby help outside the person's zone.
    ignorer_eligibilite: bool = False

    def validate(self) -> None:
        """Raise ``SearchError`` naming every field at fault, in French."""
        errors: dict[str, list[str]] = {}

        def err(name: str, message: str) -> None:
            errors.setdefault(name, []).append(message)

        given = [
            self.code_commune is not None,
            self.lat is not None or self.lon is not None,
            self.code_postal is not None,
        ]
        if sum(given) == 0:
            err("code_commune", "Indiquez le lieu : code_commune, lat et lon, ou code_postal.")
        elif sum(given) > 1:
            err("code_commune", "Indiquez un seul lieu : code_commune, lat et lon, ou code_postal.")
        if (self.lat is None) != (self.lon is None):
            err("lon" if self.lon is None else "lat", "lat et lon vont ensemble.")
        if self.lat is not None and not -90 <= self.lat <= 90:
            err("lat", "La latitude doit être comprise entre -90 et 90.")
        if self.lon is not None and not -180 <= self.lon <= 180:
            err("lon", "La longitude doit être comprise entre -180 et 180.")
        if self.code_commune is not None and not re.fullmatch(
            r"[0-9][0-9AB][0-9]{3}", self.code_commune
        ):
            err(
                "code_commune",
                f"« {self.code_commune} » n'est pas un code INSEE de commune (5 caractères).",
            )
        if self.code_postal is not None and not re.fullmatch(r"[0-9]{5}", self.code_postal):
            err("code_postal", f"« {self.code_postal} » n'est pas un code postal (5 chiffres).")
        for slug in self.thematiques:
            if not vocabulary.is_thematique(slug):
                err("thematiques", f"Thématique inconnue : « {slug} ».")
        for name, allowed, values in (
            ("publics", vocabulary.PUBLICS, self.publics),
            ("modes_accueil", vocabulary.MODES_ACCUEIL, self.modes_accueil),
            ("frais", vocabulary.FRAIS, self.frais),
        ):
            for value in values:
                if value not in allowed:
                    err(
                        name,
                        f"Valeur inconnue : « {value} » (valeurs possibles : {', '.join(sorted(allowed))}).",
                    )
        if not (isinstance(self.rayon_km, int | float) and math.isfinite(self.rayon_km)) or not (
            0 < self.rayon_km <= MAX_RADIUS_KM
        ):
            err("rayon_km", f"Le rayon doit être supérieur à 0 et au plus {MAX_RADIUS_KM:g} km.")
        if self.ouvert is not None and self.ouvert not in opening.OUVERT_VALUES:
            err(
                "ouvert",
                f"Valeur inconnue : « {self.ouvert} » (valeurs possibles : "
                f"{', '.join(opening.OUVERT_VALUES)}).",
            )
        if self.page < 1:
            err("page", "La page commence à 1.")
        if not 1 <= self.size <= MAX_SIZE:
            err("size", f"La taille de page doit être comprise entre 1 et {MAX_SIZE}.")
        elif self.page >= 1 and self.page * self.size > MAX_WINDOW:
            err(
                "page",
                f"Page trop lointaine : page × size ne peut dépasser {MAX_WINDOW}. Affinez la recherche.",
            )
        if self.q is not None and len(self.q) > MAX_Q_LENGTH:
            err("q", f"Le texte recherché dépasse {MAX_Q_LENGTH} caractères.")
        if errors:
            raise SearchError(errors)


@dataclass(frozen=True)
class Location:
    """Where the person lives: one commune, or the communes of an ambiguous postal code."""

    communes: tuple[Commune, ...]
    latitude: float
    longitude: float
    libelle: str

    @property
    def zone_code_sets(self) -> tuple[frozenset[str], ...]:
        return tuple(c.zone_codes for c in self.communes)


def resolve_location(query: SearchQuery, directory: CommuneDirectory) -> Location:
    """Turn the query's place into communes and a point, or raise ``UnknownLocation``.

    A postal code shared by several communes keeps them all: a resource is then eligible only
    if it is eligible for each of them (never show a resource outside its zone).
    """
    if query.code_commune is not None:
        commune = directory.get(query.code_commune)
        if commune is None:
            raise UnknownLocation(
                {"code_commune": [f"Commune inconnue : « {query.code_commune} »."]}
            )
        return Location(
            (commune,), commune.latitude, commune.longitude, f"{commune.nom} ({commune.code_insee})"
        )
    if query.code_postal is not None:
        communes = directory.by_code_postal(query.code_postal)
        if not communes:
            raise UnknownLocation(
                {"code_postal": [f"Code postal inconnu : « {query.code_postal} »."]}
            )
        lat = sum(c.latitude for c in communes) / len(communes)
        lon = sum(c.longitude for c in communes) / len(communes)
        label = communes[0].nom if len(communes) == 1 else f"{len(communes)} communes"
        return Location(tuple(communes), lat, lon, f"{query.code_postal} ({label})")
    commune = directory.nearest(query.lat, query.lon)
    if (
        commune is None
        or haversine_km(query.lat, query.lon, commune.latitude, commune.longitude) > 50
    ):
        raise UnknownLocation({"lat": ["Ce point n'est proche d'aucune commune connue."]})
    return Location(
        (commune,), query.lat, query.lon, f"{query.lat:.5f}, {query.lon:.5f} ({commune.nom})"
    )


@dataclass(frozen=True)
class Candidate:
    """What an engine hands back for ranking: the search fields and the record's summary."""

    id: str
    latitude: float | None
    longitude: float | None
    a_distance: bool
    sur_place: bool
    zone_eligibilite: tuple[str, ...]
    thematiques: frozenset[str]
    mots_nom: frozenset[str]
    mots: frozenset[str]
    qualite: int
    statut: str
    visibilite: str
    publics: frozenset[str]
    modes_accueil: frozenset[str]
    frais: str | None
    resume: dict = field(compare=False, hash=False, repr=False)
    fuseau: str = opening.PARIS
    ouverture: tuple[tuple[int, int], ...] = ()
    numero_urgence: str | None = None


def search_document(resource: Resource, today=None) -> dict:
    """The flat document every engine indexes for a resource (also the ``resume`` source)."""
    doc = resource.to_dict()
    doc["categories"] = resource.categories
    doc["mots_nom"] = resource.mots_nom()
    doc["mots"] = resource.mots()
    doc["qualite"] = resource.qualite(today)
    doc["a_distance"] = resource.a_distance
    doc["sur_place"] = resource.sur_place
    doc["fuseau"] = opening.time_zone(resource.departement)
    doc["ouverture_semaine"] = [
        list(r) for r in opening.weekly_intervals(resource.horaires_accueil)
    ]
    doc["numero_urgence"] = urgency.emergency_number(resource.telephone)
    return doc


SUMMARY_FIELDS = (
    "id",
    "nom",
    "nom_structure",
    "description",
    "thematiques",
    "publics",
    "frais",
    "modes_accueil",
    "adresse",
    "complement_adresse",
    "code_postal",
    "commune",
    "code_insee",
    "latitude",
    "longitude",
    "precision_geo",
    "telephone",
    "courriel",
    "site_web",
    "horaires_accueil",
    "conditions_acces",
    "zone_eligibilite",
    "departement",
    "date_maj",
    "statut",
    "visibilite",
    "source",
)


def candidate_from_document(doc: dict) -> Candidate:
    return Candidate(
        id=doc["id"],
        latitude=doc.get("latitude"),
        longitude=doc.get("longitude"),
        a_distance=bool(doc.get("a_distance")),
        sur_place=bool(doc.get("sur_place")),
        zone_eligibilite=tuple(doc.get("zone_eligibilite") or ()),
        thematiques=frozenset(doc.get("thematiques") or ()),
        mots_nom=frozenset(doc.get("mots_nom") or ()),
        mots=frozenset(doc.get("mots") or ()),
        qualite=int(doc.get("qualite") or 0),
        statut=doc.get("statut") or "actif",
        visibilite=doc.get("visibilite") or "public",
        publics=frozenset(doc.get("publics") or ()),
        modes_accueil=frozenset(doc.get("modes_accueil") or ()),
        frais=doc.get("frais"),
        resume={k: doc.get(k) for k in SUMMARY_FIELDS},
        fuseau=doc.get("fuseau") or opening.PARIS,
        ouverture=tuple(tuple(r) for r in doc.get("ouverture_semaine") or ()),
        numero_urgence=doc.get("numero_urgence"),
    )


@dataclass(frozen=True)
class SearchPlan:
    """A validated query with its place resolved and its text parsed: the input of engines."""

    query: SearchQuery
    location: Location
    groups: tuple[text.TermGroup, ...]
    # Minute of the week in each time zone at the time of the search (``opening.moments``).
    moments: dict[str, int] = field(default_factory=dict)

    def open_window(self, fuseau: str) -> tuple[int, int] | None:
        """The minutes an open range must meet in ``fuseau``, or None without the filter."""
        if self.query.ouvert is None:
            return None
        return opening.window(self.query.ouvert, self.moments[fuseau])

    @property
    def urgence(self) -> tuple[str, ...]:
        """Emergency numbers that lead the list for the urgent needs asked."""
        return urgency.numbers_for(self.query.thematiques)

    @property
    def window(self) -> int:
        """How many top candidates an engine that pre-sorts must return: the page end, plus a
        margin for float ties on distance that the shared ranking settles."""
        return min(MAX_WINDOW, self.query.page * self.query.size + 10)


def plan(
    query: SearchQuery, directory: CommuneDirectory, moment: datetime | None = None
) -> SearchPlan:
    """Validate and resolve ``query``; ``moment`` (aware; now when None) is the time the
    openness filters use."""
    query.validate()
    location = resolve_location(query, directory)
    groups = text.query_groups(query.q)
    if query.q and query.q.strip() and not groups:
        # Only stop words: search as if no text had been given.
        query = replace(query, q=None)
    return SearchPlan(query, location, groups, opening.moments(moment or datetime.now(UTC)))


# --- The rules every engine implements ------------------------------------------------------


def eligibility(zone: Sequence[str], location: Location) -> str | None:
    """Why the person is eligible, or None. An empty zone has no territorial restriction."""
    if not zone:
        return "Aucune restriction territoriale"
    zone_set = set(zone)
    reasons = []
    for commune, codes in zip(location.communes, location.zone_code_sets, strict=True):
        hit = zone_set & codes
        if not hit:
            return None
        reasons.append(_zone_reason(hit, commune))
    return (
        reasons[0]
        if len(set(reasons)) == 1
        else "Éligible pour chacune des communes du code postal"
    )


def _zone_reason(hit: set[str], commune: Commune) -> str:
    if commune.code_insee in hit or (commune.commune_parente and commune.commune_parente in hit):
        return f"Commune de {commune.nom} dans la zone d'éligibilité"
    if commune.epci and commune.epci in hit:
        return f"Intercommunalité ({commune.epci_nom or commune.epci}) dans la zone d'éligibilité"
    if commune.departement in hit:
        return f"Département {commune.departement} dans la zone d'éligibilité"
    return "Service ouvert à toute la France"


def distance_km(candidate: Candidate, location: Location) -> float | None:
    if candidate.latitude is None or candidate.longitude is None:
        return None
    return haversine_km(
        location.latitude, location.longitude, candidate.latitude, candidate.longitude
    )


def within_reach(candidate: Candidate, distance: float | None, rayon_km: float) -> bool:
    """A remote service has no distance limit; an on-site-only one must lie within the radius."""
    if candidate.a_distance:
        return True
    return distance is not None and distance <= rayon_km


def theme_points(
    query_thematiques: Iterable[str], thematiques: frozenset[str]
) -> tuple[int, list[dict]]:
    """Points and matches for the needs asked.

    A category asked matches any of its sub-themes (or the category itself): exact. A sub-theme
    asked matches itself (exact) or a record tagged with its whole category (category only).
    """
    points, matches = 0, []
    categories = {vocabulary.category_of(t) for t in thematiques}
    for asked in query_thematiques:
        if vocabulary.is_category(asked):
            if asked in categories:
                points += POINTS_THEME_EXACT
                found = sorted(t for t in thematiques if vocabulary.category_of(t) == asked)
                matches.append({"thematique": asked, "correspondance": "exacte", "via": found})
        elif asked in thematiques:
            points += POINTS_THEME_EXACT
            matches.append({"thematique": asked, "correspondance": "exacte", "via": [asked]})
        elif vocabulary.category_of(asked) in thematiques:
            points += POINTS_THEME_CATEGORY
            matches.append(
                {
                    "thematique": asked,
                    "correspondance": "categorie",
                    "via": [vocabulary.category_of(asked)],
                }
            )
    return points, matches


def text_points(
    groups: Sequence[text.TermGroup], mots_nom: frozenset[str], mots: frozenset[str]
) -> tuple[int, list[str]] | None:
    """Points for the query's words, or None when a word matches nowhere (every word must)."""
    points, matched = 0, []
    for group in groups:
        if text.group_matches(group, mots_nom):
            points += POINTS_TEXT_NAME
        elif text.group_matches(group, mots):
            points += POINTS_TEXT_OTHER
        else:
            return None
        matched.append(group.word)
    return points, matched


def passes_filters(candidate: Candidate, plan_: SearchPlan) -> bool:
    """Status, visibility, openness, publics, modes d'accueil and frais (everything but place
    and needs). A temporarily closed place is never open."""
    query = plan_.query
    if candidate.statut == "ferme":
        return False
    open_window = plan_.open_window(candidate.fuseau)
    if open_window is not None and (
        candidate.statut == TEMPORARILY_CLOSED
        or not opening.is_open(candidate.ouverture, *open_window)
    ):
        return False
    if candidate.visibilite != "public" and not query.inclure_professionnels:
        return False
    if (
        query.publics
        and candidate.publics
        and vocabulary.TOUS_PUBLICS not in candidate.publics
        and not (candidate.publics & set(query.publics))
    ):
        return False
    if query.modes_accueil:
        modes = candidate.modes_accueil or {vocabulary.EN_PRESENTIEL}
        if not modes & set(query.modes_accueil):
            return False
    return not (query.frais and candidate.frais not in query.frais)


@dataclass
class ResultItem:
    candidate: Candidate
    distance_km: float | None
    points: int
    key: tuple
    explication: dict

    def to_dict(self, moment: datetime | None = None) -> dict:
        """The API's item; with ``moment`` (aware), its ``ouverture`` at that time."""
        item = dict(self.candidate.resume)
        item["distance_km"] = (
            None
            if self.distance_km is None or not self.candidate.sur_place
            else round(self.distance_km, 1)
        )
        item["a_distance"] = self.candidate.a_distance
        item["sur_place"] = self.candidate.sur_place
        item["explication"] = self.explication
        if moment is not None:
            status = horaires.place_status(item, moment)
            item["ouverture"] = {
                "etat": status.etat,
                "libelle": status.libelle,
                "precision": status.precision,
                "fuseau": self.candidate.fuseau,
            }
        return item


def evaluate(candidate: Candidate, plan_: SearchPlan) -> ResultItem | None:
    """Apply every rule to one candidate; None when it must not appear. The reference
    semantics: each engine's filters mirror it, the service applies it again to the top of
    every retrieval, and the conformance suite holds both engines to the same answers."""
    query, location = plan_.query, plan_.location
    if not passes_filters(candidate, plan_):
        return None
    reason = eligibility(candidate.zone_eligibilite, location)
    if reason is None and not query.ignorer_eligibilite:
        return None
    distance = distance_km(candidate, location)
    if not within_reach(candidate, distance, query.rayon_km):
        return None
    text_result = text_points(plan_.groups, candidate.mots_nom, candidate.mots)
    if text_result is None:
        return None
    t_points, words = text_result
    th_points, th_matches = theme_points(query.thematiques, candidate.thematiques)
    if query.thematiques and not th_matches:
        return None
    u_points = urgency.POINTS_URGENCE if candidate.numero_urgence in plan_.urgence else 0
    points = th_points + t_points + u_points
    sort_distance = distance if (distance is not None and candidate.sur_place) else math.inf
    # A temporarily closed place comes after the open ones of the same relevance.
    closed = int(candidate.statut == TEMPORARILY_CLOSED)
    key = (-points, closed, sort_distance, -candidate.qualite, candidate.id)
    explication = {
        "thematiques": [{**m, "libelle": vocabulary.label(m["thematique"])} for m in th_matches],
        "mots": words,
        "eligibilite": reason or "Hors de la zone d'éligibilité de la personne",
        "portee": _reach_text(candidate, distance),
        "points": {
            "thematiques": th_points,
            "texte": t_points,
            "urgence": u_points,
            "qualite": candidate.qualite,
        },
    }
    if reason is None:
        explication["eligible"] = False
    if u_points:
        explication["urgence"] = f"Service d'urgence ({candidate.numero_urgence}) : en tête"
    if candidate.statut == TEMPORARILY_CLOSED:
        explication["avertissement"] = "Fermé temporairement"
    return ResultItem(candidate, distance, points, key, explication)


def _reach_text(candidate: Candidate, distance: float | None) -> str:
    on_site = (
        f"Sur place à {distance:.1f} km".replace(".", ",")
        if distance is not None and candidate.sur_place
        else None
    )
    if candidate.a_distance and on_site:
        return on_site + ", ou à distance"
    if candidate.a_distance:
        return "À distance (sans limite de distance)"
    return on_site or "Sur place"


def rank(items: Iterable[ResultItem]) -> list[ResultItem]:
    """Order: relevance points, then distance (on-site first, remote-only last), then record
    quality, then id, so that the order is total and the same in every engine."""
    return sorted(items, key=lambda item: item.key)


def empty_facets() -> dict[str, int]:
    """Every thématique category with a zero count, in slug order (engines fill it)."""
    return dict.fromkeys(sorted(vocabulary.CATEGORIES), 0)


@dataclass
class Retrieval:
    """What an engine returns: candidates that include the top of the ranking, the total of
    results, and facet counts computed without the thématique filter."""

    candidates: list[Candidate]
    total: int
    facettes: dict[str, int]


@dataclass
class SearchResult:
    items: list[ResultItem]
    total: int
    page: int
    size: int
    facettes: dict[str, int]
    lieu: Location
    moteur: str
    moment: datetime | None = None  # when the search ran (aware): the items' opening status

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.size) if self.total else 0

    def to_dict(self) -> dict:
        return {
            "items": [item.to_dict(self.moment) for item in self.items],
            "total": self.total,
            "page": self.page,
            "size": self.size,
            "pages": self.pages,
            "facettes": {"thematiques": self.facettes},
            "lieu": {
                "libelle": self.lieu.libelle,
                "latitude": round(self.lieu.latitude, 6),
                "longitude": round(self.lieu.longitude, 6),
                "communes": [c.code_insee for c in self.lieu.communes],
            },
            "moteur": self.moteur,
        }


class SearchEngine(Protocol):
    """What every engine provides (``search_engines.embedded`` and ``.elasticsearch``).

    ``warm`` loads what the engine needs before the first search (a gunicorn worker calls it
    at boot); ``retrieve`` applies the rules above and returns candidates, never a ranking;
    ``get`` returns a full record or None; ``health`` returns ``{"moteur", "etat", …}``.
    ``retrieve``, ``get`` and ``health`` raise ``EngineUnavailable`` when the engine is down.
    """

    name: str

    def warm(self) -> None: ...

    def retrieve(self, plan_: SearchPlan) -> Retrieval: ...

    def get(self, resource_id: str) -> dict | None: ...

    def health(self) -> dict: ...


class SearchService:
    """Plans a query, asks the engine, ranks and paginates with the shared rules."""

    def __init__(
        self,
        engine: SearchEngine,
        directory: CommuneDirectory,
        clock: Callable[[], datetime] | None = None,
    ):
        self.engine = engine
        self.directory = directory
        # Aware "now" for the openness filters; tests pin it.
        self.clock = clock or (lambda: datetime.now(UTC))

    def search(self, query: SearchQuery) -> SearchResult:
        moment = self.clock()
        plan_ = plan(query, self.directory, moment)
        retrieval = self.engine.retrieve(plan_)
        evaluated = (evaluate(c, plan_) for c in retrieval.candidates)
        ranked = rank(item for item in evaluated if item is not None)
        start = (plan_.query.page - 1) * plan_.query.size
        return SearchResult(
            items=ranked[start : start + plan_.query.size],
            total=retrieval.total,
            page=plan_.query.page,
            size=plan_.query.size,
            facettes=retrieval.facettes,
            lieu=plan_.location,
            moteur=self.engine.name,
            moment=moment,
        )
