"""What engines hand back to the shared ranking: candidates (the search fields and the
record's summary), the flat document every engine indexes, and a retrieval (candidates,
total, facets). Re-exported by ``resource_base.search``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from resource_base import opening, urgency, vocabulary
from resource_base.models import Resource
from resource_base.quality import Step, quality_code, quality_steps


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
    mots_forts: frozenset[str]
    mots: frozenset[str]
    qualite_paliers: tuple[Step, ...]  # the official quality score by day (resource_base.quality)
    statut: str
    visibilite: str
    publics: frozenset[str]
    modes_accueil: frozenset[str]
    frais: str | None
    resume: dict = field(compare=False, hash=False, repr=False)
    fuseau: str = opening.PARIS
    ouverture: tuple[tuple[int, int], ...] = ()  # weekly open ranges, local minutes
    numero_urgence: str | None = None


def search_document(resource: Resource) -> dict:
    """The flat document every engine indexes for a resource (also the ``resume`` source);
    ``qualite`` is the quality score by day, as ``resource_base.quality.quality_code``."""
    doc = resource.to_dict()
    doc["categories"] = resource.categories
    doc["mots_nom"] = resource.mots_nom()
    doc["mots_forts"] = resource.mots_forts()
    doc["mots"] = resource.mots()
    doc["qualite"] = quality_code(resource)
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
        mots_forts=frozenset(doc.get("mots_forts") or ()),
        mots=frozenset(doc.get("mots") or ()),
        qualite_paliers=quality_steps(doc.get("qualite") or ""),
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
