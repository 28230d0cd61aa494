"""Territories: communes (with their EPCI, department and region) and distances.

The communes come from a CSV read through a configurable path (``RELAIS_COMMUNES_CSV``);
EPCI membership, when available, from ``@etalab/decoupage-administratif`` (``RELAIS_EPCI_JSON``).
Nothing is read at import time: build a ``CommuneDirectory`` with ``CommuneDirectory.load``.
"""

from __future__ import annotations

import bisect
import csv
import json
import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from resource_base.text import fold

# The same mean radius as Elasticsearch's arc distance, so that both engines agree.
EARTH_RADIUS_KM = 6371.0087714


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
            "region": self.region,
            "codes_postaux": list(self.codes_postaux),
            "latitude": self.latitude,
            "longitude": self.longitude,
            "epci": self.epci,
            "epci_nom": self.epci_nom,
        }


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (haversine, Elasticsearch's earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing a circle; a cheap pre-filter."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    coslat = max(math.cos(math.radians(lat)), 1e-6)
    dlon = min(180.0, math.degrees(radius_km / (EARTH_RADIUS_KM * coslat)))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


def name_key(text: str) -> str:
    """Folded commune name for prefix look-ups: "St-Dizier" and "saint dizier" meet."""
    return " ".join(_ABBREVIATIONS.get(w, w) for w in fold(text).split())


@dataclass
class CommuneDirectory:
    """In-memory look-ups over every commune: by INSEE code, postal code and name prefix."""

    communes: dict[str, Commune]
    by_postal: dict[str, list[Commune]] = field(default_factory=dict)
    _names: list[tuple[str, str]] = field(default_factory=list)
    _keys: dict[str, str] = field(default_factory=dict)
    _postal_codes: list[str] = field(default_factory=list)
    _grid: dict[tuple[int, int], list[Commune]] = field(default_factory=dict)
    epci_names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for commune in self.communes.values():
            for cp in commune.codes_postaux:
                self.by_postal.setdefault(cp, []).append(commune)
            key = name_key(commune.nom)
            self._keys[commune.code_insee] = key
            self._names.append((key, commune.code_insee))
            self._grid.setdefault(_cell(commune.latitude, commune.longitude), []).append(commune)
        self._names.sort()
        self._postal_codes = sorted(self.by_postal)
        for communes in self.by_postal.values():
            communes.sort(key=lambda c: c.code_insee)

    @classmethod
    def load(
        cls, communes_csv: str | Path, epci_json: str | Path | None = None
    ) -> CommuneDirectory:
        """Read the communes CSV (and EPCI membership when the file exists)."""
        path = Path(communes_csv)
        if not path.is_file():
            raise GeoError(
                f"Fichier des communes introuvable : {path} (réglage RELAIS_COMMUNES_CSV)."
            )
        epci_of, epci_names, population = _read_epci(epci_json)
        communes: dict[str, Commune] = {}
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for line, row in enumerate(csv.DictReader(handle), start=2):
                try:
                    code = row["REF_INSEE"].strip()
                    parent = (row.get("DISTRICT_OF") or "").strip() or None
                    epci = epci_of.get(code) or (epci_of.get(parent) if parent else None)
                    communes[code] = Commune(
                        code_insee=code,
                        nom=row["NAME"].strip(),
                        departement=row["DEPARTMENT"].strip(),
                        region=row["REGION"].strip(),
                        codes_postaux=tuple(
                            z for z in row["ZIP_CODES"].replace(";", ",").split(",") if z
                        ),
                        latitude=float(row["LATITUDE"]),
                        longitude=float(row["LONGITUDE"]),
                        epci=epci,
                        epci_nom=epci_names.get(epci) if epci else None,
                        commune_parente=parent,
                        population=population.get(code),
                    )
                except (KeyError, ValueError, AttributeError) as exc:
                    raise GeoError(
                        f"{path}, ligne {line} : ligne de commune illisible ({exc})."
                    ) from exc
        return cls(communes=communes, epci_names=epci_names)

    @cached_property
    def departements(self) -> frozenset[str]:
        """Codes of every department that has a commune."""
        return frozenset(c.departement for c in self.communes.values())

    def get(self, code_insee: str) -> Commune | None:
        return self.communes.get(code_insee)

    def by_code_postal(self, code_postal: str) -> list[Commune]:
        return list(self.by_postal.get(code_postal, ()))

    def search(self, text: str, limit: int = 10) -> list[Commune]:
        """Communes whose name starts with ``text`` (accents, case, "st" folded), or whose
        postal code starts with it when it is made of digits. Exact names come first, then
        the most populated.

        >>> # directory.search("chalons")[0].nom == "Châlons-en-Champagne"
        """
        text = text.strip()
        if not text:
            return []
        if text.isdigit():
            found = []
            start = bisect.bisect_left(self._postal_codes, text)
            for cp in self._postal_codes[start : start + limit]:
                if not cp.startswith(text):
                    break
                found.extend(
                    sorted(self.by_postal[cp], key=lambda c: (-(c.population or 0), c.nom))
                )
            if len(text) == 5 and text in self.communes:
                found.insert(0, self.communes[text])
        else:
            key = name_key(text)
            if not key:
                return []
            start = bisect.bisect_left(self._names, (key, ""))
            found = []
            for name, code in self._names[start:]:
                if not name.startswith(key):
                    break
                found.append(self.communes[code])
                if len(found) >= 300:
                    break
            keys = self._keys
            found.sort(key=lambda c: (keys[c.code_insee] != key, -(c.population or 0), c.nom))
        unique = list(dict.fromkeys(found))
        return unique[:limit]

    def nearest(self, lat: float, lon: float) -> Commune | None:
        """The commune whose centre is closest to a point (used when only lat/lon is known)."""
        ci, cj = _cell(lat, lon)
        best: tuple[float, Commune] | None = None
        for ring in range(0, 8):
            for i in range(ci - ring, ci + ring + 1):
                for j in range(cj - ring, cj + ring + 1):
                    if max(abs(i - ci), abs(j - cj)) != ring:
                        continue
                    for commune in self._grid.get((i, j), ()):
                        d = haversine_km(lat, lon, commune.latitude, commune.longitude)
                        if best is None or d < best[0]:
                            best = (d, commune)
            if best is not None and ring >= 1:
                return best[1]
        return best[1] if best else None


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return int(math.floor(lat * 5)), int(math.floor(lon * 5))


def _read_epci(
    epci_json: str | Path | None,
) -> tuple[dict[str, str], dict[str, str], dict[str, int]]:
    """Commune → EPCI code, EPCI names and commune populations (empty when no file)."""
    if not epci_json or not Path(epci_json).is_file():
        return {}, {}, {}
    try:
        data = json.loads(Path(epci_json).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GeoError(f"Fichier des EPCI illisible : {epci_json} ({exc}).") from exc
    epci_of: dict[str, str] = {}
    names: dict[str, str] = {}
    population: dict[str, int] = {}
    for epci in data:
        names[epci["code"]] = epci["nom"]
        for member in epci.get("membres", ()):
            epci_of[member["code"]] = epci["code"]
            if member.get("populationTotale"):
                population[member["code"]] = int(member["populationTotale"])
    return epci_of, names, population
