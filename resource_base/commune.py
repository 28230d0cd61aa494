"""A commune of the reference geography, and the error of a bad reference file.

Kept apart from ``resource_base.geo`` (the look-ups) so that the reader of the reference
files (``resource_base.geo_reference``) and the directory both use it without a circle.
"""

from __future__ import annotations

from dataclasses import dataclass


class GeoError(ValueError):
    """A territory reference file is missing or malformed."""


@dataclass(frozen=True)
class Commune:
    code_insee: str
    nom: str
    departement: str
    region: str
    codes_postaux: tuple[str, ...]
    latitude: float
    longitude: float
    epci: str | None = None
    epci_nom: str | None = None
    commune_parente: str | None = None  # municipal districts (Paris, Lyon, Marseille)
    population: int | None = None
    departement_nom: str | None = None

    @property
    def zone_codes(self) -> frozenset[str]:
        """Codes a ``zone_eligibilite`` may list to include this commune."""
        codes = {self.code_insee, self.departement, "france", "99100"}
        if self.epci:
            codes.add(self.epci)
        if self.commune_parente:
            codes.add(self.commune_parente)
        return frozenset(codes)

    def to_dict(self) -> dict:
        return {
            "code_insee": self.code_insee,
            "nom": self.nom,
            "departement": self.departement,
            "departement_nom": self.departement_nom,
            "region": self.region,
            "codes_postaux": list(self.codes_postaux),
            "latitude": self.latitude,
            "longitude": self.longitude,
            "epci": self.epci,
            "epci_nom": self.epci_nom,
            "population": self.population,
        }

    @property
    def departement_libelle(self) -> str:
        """``Marne (51)``: how the department is always shown beside a commune."""
        if self.departement_nom:
            return f"{self.departement_nom} ({self.departement})"
        return f"département {self.departement}"
