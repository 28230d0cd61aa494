"""What an adviser asks, checked, and where the person lives, resolved.

``SearchQuery`` is the one query type of every engine and every door (API, web pages, CLI);
``validate`` refuses it with French messages per field (``SearchError``), and
``resolve_location`` turns its place into communes and a point (``UnknownLocation``). The
limits below are the contract's (README, "Le contrat de recherche").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from resource_base import opening, vocabulary
from resource_base.audience import Audience
from resource_base.geo import Commune, CommuneDirectory, haversine_km

DEFAULT_RADIUS_KM = 30.0
MAX_RADIUS_KM = 200.0
DEFAULT_SIZE = 20
MAX_SIZE = 100
MAX_WINDOW = 10_000  # page * size; deeper pages are refused (and Elasticsearch's default)
MAX_Q_LENGTH = 200
# Candidates past the page end that an engine hands to the shared ranking, so that float
# ties on distance are settled by ``rank`` and not by the engine's own sort (README, "Les
# moteurs"). Both engines read it through ``SearchPlan.window``.
WINDOW_MARGIN = 10


class SearchError(Exception):
    """A query the contract refuses: ``errors`` maps each field at fault to French messages."""

    code = "requete_invalide"

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k} : {' '.join(v)}" for k, v in errors.items()))


class UnknownLocation(SearchError):
    code = "lieu_inconnu"


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
    audience: Audience = Audience.PUBLIC
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
            r"[0-9][0-9AB][0-9]{3}", self.code_commune.upper()
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
        if not isinstance(self.audience, Audience):
            err("audience", "Public inconnu : « public » ou « professionnel » attendu.")
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

    A code_commune may be written in any case (``2a004``) or be a former commune's code (the
    commune it belongs to today). A postal code shared by several communes keeps them all: a
    resource is then eligible only if it is eligible for each of them (never show a resource
    outside its zone); the label names them so that the adviser can pick one.
    """
    if query.code_commune is not None:
        commune = directory.get(query.code_commune)
        if commune is None:
            raise UnknownLocation(
                {"code_commune": [f"Commune inconnue : « {query.code_commune} »."]}
            )
        return Location(
            (commune,),
            commune.latitude,
            commune.longitude,
            f"{commune.nom} ({commune.code_insee}), {commune.departement_libelle}",
        )
    if query.code_postal is not None:
        communes = directory.by_code_postal(query.code_postal)
        if not communes:
            raise UnknownLocation(
                {"code_postal": [f"Code postal inconnu : « {query.code_postal} »."]}
            )
        lat = sum(c.latitude for c in communes) / len(communes)
        lon = sum(c.longitude for c in communes) / len(communes)
        label = (
            f"{communes[0].nom}, {communes[0].departement_libelle}"
            if len(communes) == 1
            else f"{len(communes)} communes ({', '.join(c.nom for c in communes)})"
        )
        return Location(tuple(communes), lat, lon, f"{query.code_postal} : {label}")
    commune = directory.nearest(query.lat, query.lon)
    if (
        commune is None
        or haversine_km(query.lat, query.lon, commune.latitude, commune.longitude) > 50
    ):
        raise UnknownLocation({"lat": ["Ce point n'est proche d'aucune commune connue."]})
    return Location(
        (commune,), query.lat, query.lon, f"{query.lat:.5f}, {query.lon:.5f} ({commune.nom})"
    )
