"""The realistic request mix: what advisers search and type, reproducible from a seed.

- places: communes drawn in proportion to their population (people live where people are),
  mostly by INSEE code (the autocomplete's answer), sometimes by postal code or coordinates;
- needs: 0 to 3 thématiques, categories and sub-themes, weighted like the synthetic data
  (financial difficulties, housing, health first);
- about 30 % of searches carry a word advisers type (with the synonyms of the French text
  module: dettes, psy, garde, permis…);
- sometimes publics, modes d'accueil and frais filters; radius 10 to 100 km; pages 1 to 3;
- commune look-ups: the first 2 to 6 letters of a real commune name, or the first 2 to 5
  digits of a postal code, as typed in the autocomplete.
"""

from __future__ import annotations

import bisect
import itertools
import random
from urllib.parse import urlencode

from bench.synthetic import CATEGORY_WEIGHTS
from resource_base import vocabulary
from resource_base.geo import CommuneDirectory
from resource_base.search import SearchQuery

WORDS = (
    "logement",
    "dettes",
    "psy",
    "garde",
    "permis",
    "numerique",
    "aide alimentaire",
    "mutuelle",
    "caf",
    "rsa",
    "hebergement",
    "emploi",
    "budget",
    "voiture",
    "handicap",
    "addiction",
    "illettrisme",
    "ordinateur",
    "violence",
    "accompagnement",
)
SHARE_TEXT = 0.30
THEME_COUNTS = ((0, 0.25), (1, 0.45), (2, 0.20), (3, 0.10))
RADII = ((10, 0.15), (20, 0.15), (30, 0.35), (50, 0.20), (100, 0.15))
PAGES = ((1, 0.75), (2, 0.17), (3, 0.08))
PLACE_KINDS = (("code_commune", 0.85), ("code_postal", 0.10), ("lat_lon", 0.05))
# Specific publics advisers filter on (tous-publics is never asked for).
PUBLICS_ASKED = (
    "demandeurs-emploi",
    "jeunes",
    "familles",
    "femmes",
    "seniors",
    "beneficiaires-des-minimas-sociaux",
    "personnes-en-situation-de-handicap",
)
SHARE_PUBLICS = 0.20
SHARE_MODES = 0.10
SHARE_FRAIS = 0.15
SHARE_COMMUNE_LOOKUPS_HTTP = 0.25  # share of /communes requests in the HTTP mix


class _Weighted:
    def __init__(self, pairs):
        pairs = list(pairs)
        self.items = [item for item, _ in pairs]
        self.cum = list(itertools.accumulate(weight for _, weight in pairs))

    def __call__(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])]


def _communes(directory: CommuneDirectory) -> _Weighted:
    """Communes weighted by population (at least 50 inhabitants' weight: every commune can
    come up), in a stable order."""
    communes = sorted(directory.communes.values(), key=lambda c: c.code_insee)
    return _Weighted((c, max(c.population or 0, 50)) for c in communes if c.codes_postaux)


def _themes() -> _Weighted:
    pairs = []
    for category, weight in CATEGORY_WEIGHTS.items():
        subs = vocabulary.sous_themes_of(category)
        pairs.append((category, weight * 0.3))  # the whole category, 30 % of the time
        for sub in subs:
            pairs.append((sub, weight * 0.7 / len(subs)))
    return _Weighted(pairs)


def search_queries(directory: CommuneDirectory, n: int, seed: int = 2026) -> list[SearchQuery]:
    """``n`` searches of the mix, the same for the same seed and directory."""
    rng = random.Random(seed)
    commune = _communes(directory)
    theme = _themes()
    themes_count = _Weighted(THEME_COUNTS)
    radius = _Weighted(RADII)
    page = _Weighted(PAGES)
    place = _Weighted(PLACE_KINDS)
    queries = []
    for _ in range(n):
        where = commune(rng)
        kind = place(rng)
        location: dict = {}
        if kind == "code_commune":
            location["code_commune"] = where.code_insee
        elif kind == "code_postal":
            location["code_postal"] = rng.choice(where.codes_postaux)
        else:  # a point near the commune's centre (an address the adviser geolocated)
            location["lat"] = round(where.latitude + rng.uniform(-0.02, 0.02), 5)
            location["lon"] = round(where.longitude + rng.uniform(-0.02, 0.02), 5)
        wanted: list[str] = []
        for _ in range(themes_count(rng)):
            slug = theme(rng)
            if slug not in wanted:
                wanted.append(slug)
        queries.append(
            SearchQuery(
                **location,
                thematiques=tuple(wanted),
                q=rng.choice(WORDS) if rng.random() < SHARE_TEXT else None,
                publics=(rng.choice(PUBLICS_ASKED),) if rng.random() < SHARE_PUBLICS else (),
                modes_accueil=(
                    (rng.choice(sorted(vocabulary.MODES_ACCUEIL)),)
                    if rng.random() < SHARE_MODES
                    else ()
                ),
                frais=("gratuit",) if rng.random() < SHARE_FRAIS else (),
                rayon_km=float(radius(rng)),
                page=page(rng),
            )
        )
    return queries


def commune_prefixes(directory: CommuneDirectory, n: int, seed: int = 2027) -> list[str]:
    """``n`` autocomplete inputs: 75 % name prefixes (2–6 characters, as written, accents
    and hyphens included), 25 % postal code prefixes (2–5 digits)."""
    rng = random.Random(seed)
    commune = _communes(directory)
    found = []
    for _ in range(n):
        where = commune(rng)
        if rng.random() < 0.75:
            found.append(where.nom[: rng.randint(2, 6)])
        else:
            found.append(rng.choice(where.codes_postaux)[: rng.randint(2, 5)])
    return found


def query_kind(query: SearchQuery) -> dict[str, str]:
    """Labels used to break latencies down (text or not, radius, number of needs)."""
    return {
        "texte": "avec_q" if query.q else "sans_q",
        "rayon": f"rayon_{query.rayon_km:g}km",
        "thematiques": f"{len(query.thematiques)}_thematique(s)",
    }


def search_path(query: SearchQuery) -> str:
    """The API request for a query (``/api/v1/search?…``, data·inclusion parameter names)."""
    params: list[tuple[str, str]] = []
    for name in ("code_commune", "code_postal", "lat", "lon"):
        value = getattr(query, name)
        if value is not None:
            params.append((name, str(value)))
    params.extend(("thematiques", t) for t in query.thematiques)
    if query.q:
        params.append(("q", query.q))
    params.extend(("publics", p) for p in query.publics)
    params.extend(("modes_accueil", m) for m in query.modes_accueil)
    params.extend(("frais", f) for f in query.frais)
    params.append(("rayon_km", f"{query.rayon_km:g}"))
    if query.page != 1:
        params.append(("page", str(query.page)))
    return "/api/v1/search?" + urlencode(params)


def commune_path(prefix: str) -> str:
    return "/api/v1/communes?" + urlencode({"q": prefix})


def http_requests(directory: CommuneDirectory, n: int, seed: int = 2028) -> list[tuple[str, str]]:
    """``n`` API requests ``(kind, path)``, kind "recherche" or "communes", in a shuffled
    order: 75 % searches, 25 % commune look-ups."""
    rng = random.Random(seed)
    n_lookups = round(n * SHARE_COMMUNE_LOOKUPS_HTTP)
    searches = [
        ("recherche", search_path(q)) for q in search_queries(directory, n - n_lookups, seed)
    ]
    lookups = [
        ("communes", commune_path(p)) for p in commune_prefixes(directory, n_lookups, seed + 1)
    ]
    requests = searches + lookups
    rng.shuffle(requests)
    return requests
