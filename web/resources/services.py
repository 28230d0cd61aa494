"""What the pages show of a resource: contacts, address, opening hours, zone, in French.

``ResourceView`` wraps a record dict (a search result item or ``engine.get(id)``) so that the
search results, the resource page and the orientation sheet present it the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from resource_base import horaires, opening, vocabulary
from resource_base.geo import CommuneDirectory
from resource_base.models import STATUTS


@dataclass
class ResourceView:
    """``now`` is aware (the search service's clock): each place reads it in its own zone."""

    data: dict
    now: datetime
    ouverture: horaires.OpeningStatus = field(init=False)

    def __post_init__(self) -> None:
        self.ouverture = horaires.place_status(self.data, self.now)

    @property
    def temporairement_ferme(self) -> bool:
        return self.data.get("statut") == "fermeture-temporaire"

    def __getattr__(self, name: str):
        # Record fields read as attributes in templates (``r.nom``); missing ones are None.
        if name.startswith("_") or name == "data":
            raise AttributeError(name)
        return self.data.get(name)

    @property
    def professionnels(self) -> bool:
        return self.data.get("visibilite") == "professionnels"

    @property
    def a_distance(self) -> bool:
        return vocabulary.A_DISTANCE in (self.data.get("modes_accueil") or ())

    @property
    def sur_place(self) -> bool:
        modes = self.data.get("modes_accueil") or ()
        return vocabulary.EN_PRESENTIEL in modes or not modes

    @property
    def statut_libelle(self) -> str | None:
        """A warning badge when the resource is not simply active. A temporary closure has
        none: the opening badge (``horaires.place_status``) already says it."""
        statut = self.data.get("statut") or "actif"
        if statut in ("actif", "fermeture-temporaire"):
            return None
        return STATUTS.get(statut, statut)

    @property
    def adresse_lignes(self) -> list[str]:
        lines = [self.data.get("adresse"), self.data.get("complement_adresse")]
        town = " ".join(p for p in (self.data.get("code_postal"), self.data.get("commune")) if p)
        return [line for line in (*lines, town) if line]

    @property
    def adresse_texte(self) -> str:
        return ", ".join(self.adresse_lignes)

    @property
    def horaires_lignes(self) -> list[str] | None:
        local = opening.local_now(self.data.get("departement"), self.now)
        return horaires.weekly_schedule(self.data.get("horaires_accueil"), local.date())

    @property
    def horaires_illisibles(self) -> bool:
        expression = self.data.get("horaires_accueil")
        return bool(expression) and not horaires.is_valid(expression)

    @property
    def thematiques_par_categorie(self) -> list[tuple[str, list[str]]]:
        """``[("Famille", ["Garde d'enfants"]), …]``; a category tagged whole has no list."""
        groups: dict[str, list[str]] = {}
        for slug in self.data.get("thematiques") or ():
            category = vocabulary.category_of(slug)
            groups.setdefault(category, [])
            if slug != category:
                groups[category].append(vocabulary.label(slug))
        return [(vocabulary.label(c), sorted(subs)) for c, subs in sorted(groups.items())]

    @property
    def distance_km(self) -> float | None:
        return self.data.get("distance_km")

    @property
    def explication(self) -> dict:
        return self.data.get("explication") or {}


def zone_labels(codes: list[str] | None, directory: CommuneDirectory) -> list[str]:
    """``["51108", "200066876", "51", "france"]`` → readable names of the eligibility zone."""
    if not codes:
        return ["Aucune restriction territoriale"]
    labels = []
    for code in codes:
        if code.lower() == "france" or code == "99100":
            labels.append("Toute la France")
        elif len(code) == 9 and code.isdigit():
            labels.append(f"Intercommunalité : {directory.epci_names.get(code, code)}")
        elif len(code) == 5:
            commune = directory.get(code)
            labels.append(f"Commune : {commune.nom} ({code})" if commune else f"Commune {code}")
        else:
            labels.append(f"Département {code}")
    return labels
