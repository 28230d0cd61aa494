"""The demonstration's territoires d'action sociale, derived from the demonstration resources.

Each department's "Accueil social" services (``fixtures/demo/ressources_<dep>.csv``) belong to
its territorial units (circonscriptions in 51 and 52, centres médico-sociaux in 48), and their
``zone_eligibilite`` partitions the department (EPCI codes, or commune codes for an EPCI that
spans two departments; ``tests/test_demo_data.py`` checks the partition). A territory covers
the communes of its zone, read from the communes reference (``CommuneDirectory``): nothing of
the reference is copied.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from resource_base.geo import CommuneDirectory
from resource_base.text import fold

DEPARTEMENTS = ("51", "52", "48")
UNIT_SERVICE = "Accueil social"  # the name of the units' own service in the demonstration
QUARTER = re.compile(r"\s+–\s+quartier\s.*$")  # "… de Reims – quartier Croix-Rouge"


@dataclass(frozen=True)
class DemoTerritory:
    departement: str
    nom: str  # "Centre médico-social de Mende"
    kind: str  # MDS or CMS (accounts.models.TERRITORY_KINDS)
    siege: str  # INSEE code of the seat
    slug: str  # the seat's name folded: "sainte-menehould"
    communes: frozenset[str]


def read(folder: Path, departement: str, directory: CommuneDirectory) -> list[DemoTerritory]:
    """The territories of ``departement``, one per distinct zone of its units, named after the
    first unit of that zone (without its quarter). Raises ``FileNotFoundError`` without the
    demonstration file."""
    path = Path(folder) / f"ressources_{departement}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        units = [
            row
            for row in csv.DictReader(handle)
            if row["departement"] == departement and row["nom"].startswith(UNIT_SERVICE)
        ]
    members: dict[str, set[str]] = {}
    for commune in directory.communes.values():
        if commune.departement == departement:
            for code in (commune.code_insee, commune.epci):
                if code:
                    members.setdefault(code, set()).add(commune.code_insee)
    found: dict[frozenset[str], DemoTerritory] = {}
    for row in sorted(units, key=lambda r: r["id"]):
        zone = frozenset(z for z in row["zone_eligibilite"].split("|") if z)
        if zone in found:
            continue  # another site of the same unit (a quarter of Reims)
        nom = QUARTER.sub("", row["nom_structure"]).strip()
        communes = frozenset(c for code in zone for c in members.get(code, ()))
        kind = "CMS" if nom.startswith("Centre médico-social") else "MDS"
        slug = fold(row["commune"]).replace(" ", "-")
        found[zone] = DemoTerritory(departement, nom, kind, row["code_insee"], slug, communes)
    return list(found.values())
