"""Territories: communes (with their EPCI, department and region) and distances.

The reference geography (one vintage for communes, postal codes and EPCI: the npm package
``@etalab/decoupage-administratif``, centres from a CSV) is read by ``resource_base.geo_reference``;
nothing is read at import time: build a ``CommuneDirectory`` with ``CommuneDirectory.load``.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

# Commune and GeoError live in resource_base.commune (the reference reader needs them too);
# re-exported here, where callers have always found them.
from resource_base.commune import Commune, GeoError  # noqa: F401
from resource_base.geo_reference import read_reference
from resource_base.text import fold

# The same mean radius as Elasticsearch's arc distance, so that both engines agree.
EARTH_RADIUS_KM = 6371.0087714


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


@dataclass(frozen=True)
class CommuneMatch:
    """What a typed commune means: the communes it may be, best first.

    ``choose`` is true when the adviser must pick one (a postal code shared by several
    communes); ``corrigee`` when the name was found despite a typo.
    """

    communes: tuple[Commune, ...]
    choose: bool = False
    corrigee: bool = False

    @property
    def best(self) -> Commune | None:
        return self.communes[0] if self.communes else None


_INSEE = re.compile(r"[0-9][0-9AB][0-9]{3}")
_POSTAL = re.compile(r"\b[0-9]{5}\b")
# A trailing department number: "Châlons-en-Champagne 51", "Ajaccio 2A", "Le Born (48)".
_DEPARTMENT_SUFFIX = re.compile(r"^(.*?)[\s(,-]+(2[ab]|97[1-6]|[0-9]{2})\)?$", re.IGNORECASE)


@dataclass
class CommuneDirectory:
    """In-memory look-ups over every commune: by INSEE code (former codes included), postal
    code, name (prefix, then typo-tolerant) and position."""

    communes: dict[str, Commune]
    former: dict[str, str] = field(default_factory=dict)
    epci_names: dict[str, str] = field(default_factory=dict)
    departement_names: dict[str, str] = field(default_factory=dict)
    by_postal: dict[str, list[Commune]] = field(default_factory=dict)
    _names: list[tuple[str, str]] = field(default_factory=list)
    _keys: dict[str, str] = field(default_factory=dict)
    _by_initial: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)
    _postal_codes: list[str] = field(default_factory=list)
    _grid: dict[tuple[int, int], list[Commune]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        initials: dict[str, tuple[list[str], list[str]]] = {}
        for commune in self.communes.values():
            for cp in commune.codes_postaux:
                self.by_postal.setdefault(cp, []).append(commune)
            key = name_key(commune.nom)
            self._keys[commune.code_insee] = key
            self._names.append((key, commune.code_insee))
            keys, codes = initials.setdefault(key[:1], ([], []))
            keys.append(key)
            codes.append(commune.code_insee)
            self._grid.setdefault(_cell(commune.latitude, commune.longitude), []).append(commune)
        self._by_initial = initials
        self._names.sort()
        self._postal_codes = sorted(self.by_postal)
        for communes in self.by_postal.values():
            communes.sort(key=lambda c: (-(c.population or 0), c.code_insee))

    @classmethod
    def load(cls, decoupage_dir: str | Path, centres_csv: str | Path) -> CommuneDirectory:
        """Read the reference geography (see ``resource_base.geo_reference``).

        >>> # CommuneDirectory.load("node_modules/@etalab/decoupage-administratif/data",
        >>> #                       "../shared/data/geo/communes_2022.csv")
        """
        communes, former, epci_names, departements = read_reference(decoupage_dir, centres_csv)
        return cls(
            communes=communes,
            former=former,
            epci_names=epci_names,
            departement_names=departements,
        )

    @cached_property
    def departements(self) -> frozenset[str]:
        """Codes of every department that has a commune."""
        return frozenset(c.departement for c in self.communes.values())

    def get(self, code_insee: str) -> Commune | None:
        """The commune of an INSEE code (any case: ``2a004``), or of a former commune's code
        (the commune it belongs to today); None when unknown."""
        code = code_insee.strip().upper()
        found = self.communes.get(code)
        if found is None and code in self.former:
            found = self.communes.get(self.former[code])
        return found

    def by_code_postal(self, code_postal: str) -> list[Commune]:
        """Communes served by a postal code, most populated first."""
        return list(self.by_postal.get(code_postal, ()))

    def search(self, text: str, limit: int = 10, departement: str | None = None) -> list[Commune]:
        """Communes ``text`` may mean, best first (see ``resolve``); for the autocomplete.

        >>> # [c.nom for c in directory.search("51100")] == ["Reims"]
        """
        return list(self.resolve(text, limit, departement).communes)

    def resolve(self, text: str, limit: int = 10, departement: str | None = None) -> CommuneMatch:
        """Interpret what an adviser typed in the commune field.

        - 5 digits are a postal code first (``51100`` → Reims), an INSEE code otherwise; a
          postal code of several communes asks the adviser to choose; fewer digits are the
          start of postal codes;
        - an INSEE code with a letter (``2A004``, ``2a004``) is that commune;
        - a name, by prefix, with "St"/"Ste" expanded, accents, case and hyphens ignored,
          possibly with a postal code (``51100 Reims``) or a department (``Châlons 51``);
          ``PARIS 11`` is the 11th district; a name with one or two wrong letters is found
          (``saint dizer``, ``Chaalons``: ``corrigee``);
        - homonyms: exact names first, the preferred ``departement`` first, then population.
        """
        text = " ".join(text.split())[:100]
        if not text:
            return CommuneMatch(())
        order = self._order(departement)
        if _INSEE.fullmatch(text.upper()) and not text.isdigit():
            found = self.get(text)
            return CommuneMatch((found,) if found else ())
        if text.isdigit():
            return self._digits(text, limit, order)
        postal = _POSTAL.search(text)
        if postal:
            rest = (text[: postal.start()] + " " + text[postal.end() :]).strip(" ,-()")
            within = self.by_code_postal(postal.group())
            key = name_key(rest)
            named = [c for c in within if self._keys[c.code_insee].startswith(key)]
            if not named and key:
                named = [c for c in self._fuzzy(key, within_codes=within) if c in within]
            if named:
                return CommuneMatch(tuple(sorted(named, key=order)[:limit]))
            if key:
                return self.resolve(rest, limit, departement)
            return self._digits(postal.group(), limit, order)
        found = self._by_name(name_key(text), order)
        if found:
            return CommuneMatch(tuple(found[:limit]))
        suffix = _DEPARTMENT_SUFFIX.match(text)
        if suffix:
            dep = suffix.group(2).upper()
            dep = dep.zfill(2)
            in_dep = [
                c for c in self.resolve(suffix.group(1), 50, dep).communes if c.departement == dep
            ]
            if in_dep:
                return CommuneMatch(tuple(in_dep[:limit]))
        fuzzy = self._fuzzy(name_key(text))
        return CommuneMatch(tuple(sorted(fuzzy, key=order)[:limit]), corrigee=bool(fuzzy))

    def _order(self, departement: str | None):
        def key(c: Commune) -> tuple:
            return (c.departement != departement, -(c.population or 0), c.nom, c.code_insee)

        return key

    def _digits(self, text: str, limit: int, order) -> CommuneMatch:
        if len(text) == 5:
            within = self.by_code_postal(text)
            if within:
                ordered = tuple(sorted(within, key=order))[:limit]
                return CommuneMatch(ordered, choose=len(within) > 1)
            found = self.get(text)
            return CommuneMatch((found,) if found else ())
        found: list[Commune] = []
        start = bisect.bisect_left(self._postal_codes, text)
        for cp in self._postal_codes[start : start + limit]:
            if not cp.startswith(text):
                break
            found.extend(self.by_postal[cp])
        return CommuneMatch(tuple(dict.fromkeys(found))[:limit])

    def _by_name(self, key: str, order) -> list[Commune]:
        """Communes whose name starts with ``key``: exact names first, then ``order``."""
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
        found.sort(key=lambda c: (keys[c.code_insee] != key, *order(c)))
        return found

    def _fuzzy(self, key: str, within_codes: list[Commune] | None = None) -> list[Commune]:
        """Names at one edit (keys of 4–7 letters) or two (longer) from ``key``, compared
        whole or by their start (``chaalons`` → ``chalons…``), closest first."""
        if len(key) < 4:
            return []
        allowed = 1 if len(key) < 8 else 2
        if within_codes is not None:
            keys = [self._keys[c.code_insee] for c in within_codes]
            codes = [c.code_insee for c in within_codes]
        else:
            keys, codes = self._by_initial.get(key[:1], ([], []))
        scored: dict[str, int] = {}
        for cut in (None, len(key), len(key) - 1, len(key) + 1):
            choices = keys if cut is None else [k[:cut] for k in keys]
            for _choice, distance, i in process.extract(
                key,
                choices,
                scorer=Levenshtein.distance,
                score_cutoff=allowed,
                limit=50,
            ):
                # A whole-name match beats a match of the start only.
                score = distance * 2 + (cut is not None)
                scored[codes[i]] = min(scored.get(codes[i], 99), score)
        best = sorted(scored, key=lambda code: scored[code])
        if not best:
            return []
        top = scored[best[0]]
        return [self.communes[code] for code in best if scored[code] == top]

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
