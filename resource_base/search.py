"""The search contract: one query type in, one result type out, for every engine.

An engine *retrieves* candidates that pass every filter (eligibility, reach, status,
visibility, publics, modes d'accueil, frais, text); this module owns the rules those filters
implement (``evaluate``), the ranking (``rank``) and the per-result explanation, so that
every engine orders and explains results identically. See "Classement" in the README.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Protocol

from resource_base import horaires, opening, urgency, vocabulary
from resource_base.audience import Audience, may_show
from resource_base.geo import Commune, CommuneDirectory, haversine_km
from resource_base.quality import quality_on

# The query side lives in resource_base.query; re-exported here, where engines and callers
# have always found the whole contract.
from resource_base.query import (  # noqa: F401
    DEFAULT_RADIUS_KM,
    DEFAULT_SIZE,
    MAX_Q_LENGTH,
    MAX_RADIUS_KM,
    MAX_SIZE,
    MAX_WINDOW,
    WINDOW_MARGIN,
    Location,
    SearchError,
    SearchQuery,
    UnknownLocation,
    resolve_location,
)
from resource_base.relevance import TextPlan, describe_text, text_plan, text_points
from resource_base.retrieval import (  # noqa: F401 - engines import them from here
    SUMMARY_FIELDS,
    Candidate,
    Retrieval,
    candidate_from_document,
    empty_facets,
    search_document,
)

# Relevance points (integers, so that every engine adds them up exactly).
POINTS_THEME_EXACT = 100
POINTS_THEME_CATEGORY = 40
TEMPORARILY_CLOSED = "fermeture-temporaire"
# Free-text points: resource_base.relevance (rarity weight × best field).


class EngineUnavailable(Exception):
    """The search engine cannot answer (cluster down, authentication refused…)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class SearchPlan:
    """A validated query with its place resolved and its text parsed: the input of engines.
    ``today`` is the day the quality score is evaluated for (``resource_base.quality``)."""

    query: SearchQuery
    location: Location
    text: TextPlan = TextPlan()
    today: date = field(default_factory=date.today)
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
    def groups(self):
        """The free text's term groups (``resource_base.thesaurus.TermGroup``)."""
        return self.text.groups

    @property
    def window(self) -> int:
        """How many top candidates an engine that pre-sorts must return: the page end plus
        ``WINDOW_MARGIN`` (float ties on distance, settled by the shared ranking), at most
        ``MAX_WINDOW``."""
        return min(MAX_WINDOW, self.query.page * self.query.size + WINDOW_MARGIN)


def plan(
    query: SearchQuery,
    directory: CommuneDirectory,
    lexicon=None,
    today: date | None = None,
    moment: datetime | None = None,
) -> SearchPlan:
    """Validate, resolve the place, parse and weigh the text (``lexicon``: the index's
    vocabulary, ``resource_base.lexicon.Lexicon``, for rarity weights and corrections);
    ``today`` (default: the current date) dates the quality score; ``moment`` (aware; now
    when None) is the time the openness filters use."""
    query.validate()
    location = resolve_location(query, directory)
    parsed = text_plan(query.q, lexicon)
    if query.q and query.q.strip() and not parsed.groups:
        # Only stop words: search as if no text had been given.
        query = replace(query, q=None)
    return SearchPlan(
        query,
        location,
        parsed,
        today or date.today(),
        opening.moments(moment or datetime.now(UTC)),
    )


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
    if not may_show(candidate, query.audience):
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
    text_matched: list[int] = field(default_factory=list)

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
    t_points, matched = 0, []
    if plan_.text.groups:
        text_result = text_points(
            plan_.text, candidate.mots_nom, candidate.mots_forts, candidate.mots
        )
        if text_result is None:
            return None
        t_points, matched = text_result
    th_points, th_matches = theme_points(query.thematiques, candidate.thematiques)
    if query.thematiques and not th_matches:
        return None
    u_points = urgency.POINTS_URGENCE if candidate.numero_urgence in plan_.urgence else 0
    points = th_points + t_points + u_points
    sort_distance = distance if (distance is not None and candidate.sur_place) else math.inf
    qualite = quality_on(candidate.qualite_paliers, plan_.today)
    # A temporarily closed place comes after the open ones of the same relevance.
    closed = int(candidate.statut == TEMPORARILY_CLOSED)
    key = (-points, closed, sort_distance, -qualite, candidate.id)
    explication = {
        "thematiques": [{**m, "libelle": vocabulary.label(m["thematique"])} for m in th_matches],
        "mots": [],  # filled for the page shown (describe_text)
        "synonymes": [],
        "eligibilite": reason or "Hors de la zone d'éligibilité de la personne",
        "portee": _reach_text(candidate, distance),
        "points": {
            "thematiques": th_points,
            "texte": t_points,
            "urgence": u_points,
            "qualite": qualite,
        },
    }
    if reason is None:
        explication["eligible"] = False
    if u_points:
        explication["urgence"] = f"Service d'urgence ({candidate.numero_urgence}) : en tête"
    if candidate.statut == TEMPORARILY_CLOSED:
        explication["avertissement"] = "Fermé temporairement"
    return ResultItem(candidate, distance, points, key, explication, matched)


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
    quality on the search day (data·inclusion's score, ``resource_base.quality``), then id,
    so that the order is total and the same in every engine."""
    return sorted(items, key=lambda item: item.key)


@dataclass
class SearchResult:
    items: list[ResultItem]
    total: int
    page: int
    size: int
    facettes: dict[str, int]
    lieu: Location
    moteur: str
    texte_compris: str | None = None
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
            "texte_compris": self.texte_compris,
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
    """Plans a query, asks the engine, ranks and paginates with the shared rules; reads one
    record for an audience."""

    def __init__(
        self,
        engine: SearchEngine,
        directory: CommuneDirectory,
        lexicon=None,
        clock: Callable[[], datetime] | None = None,
    ):
        """``lexicon``: a callable returning the index's ``Lexicon`` (or None), shared by
        every engine of a runtime so that they weigh and correct words alike; ``clock``: the
        aware "now" of the openness filters and statuses (tests pin it)."""
        self.engine = engine
        self.directory = directory
        self.lexicon = lexicon
        self.clock = clock or (lambda: datetime.now(UTC))

    def search(self, query: SearchQuery, today: date | None = None) -> SearchResult:
        """One page of results; ``today`` (default: the current date) dates the quality
        score."""
        query.validate()
        lexicon = self.lexicon() if self.lexicon and query.q else None
        moment = self.clock()
        plan_ = plan(query, self.directory, lexicon, today, moment)
        retrieval = self.engine.retrieve(plan_)
        evaluated = (evaluate(c, plan_) for c in retrieval.candidates)
        ranked = rank(item for item in evaluated if item is not None)
        start = (plan_.query.page - 1) * plan_.query.size
        page = ranked[start : start + plan_.query.size]
        for item in page:
            describe_text(item, plan_)
        return SearchResult(
            items=page,
            total=retrieval.total,
            page=plan_.query.page,
            size=plan_.query.size,
            facettes=retrieval.facettes,
            lieu=plan_.location,
            moteur=self.engine.name,
            texte_compris=plan_.text.understood(query.q or ""),
            moment=moment,
        )

    def get(self, resource_id: str, audience: Audience) -> dict | None:
        """The full record of ``resource_id`` if ``audience`` may see it (``may_show``), else
        None, as for an unknown id. Raises ``EngineUnavailable`` when the engine is down."""
        record = self.engine.get(resource_id)
        if record is None or not may_show(record, audience):
            return None
        return record
