"""When a need has no answer: say it need by need, and suggest only what really adds results.

Each suggestion is a search that was run and found something ("3 ressources en élargissant à
50 km"), never a generic hint that would still give nothing. Resources nearby that answer the
need but are outside the person's zone are mentioned to the adviser, marked "non éligible".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from resource_base import vocabulary
from resource_base.search import SearchError, SearchQuery, SearchResult
from web.helpers import Runtime, distance_text, plural

WIDER_RADII = (50, 100, 200)
MAX_NEEDS = 8  # more needs than that: no per-need check (each costs a search)
OUTSIDE_RADIUS_KM = 50
OUTSIDE_SHOWN = 3


@dataclass
class Suggestion:
    text: str  # "3 ressources en élargissant à 50 km (la plus proche à 45 km)"
    url: str


@dataclass
class NeedGap:
    """A need asked without any eligible answer, and what would give some."""

    thematique: str | None  # None: the whole search (no need ticked)
    libelle: str
    suggestions: list[Suggestion] = field(default_factory=list)
    hors_zone: list[dict] = field(default_factory=list)  # result items, not eligible


@dataclass
class _Links:
    form: object
    path: str

    def url(self, **changes) -> str:
        return self.form.url(self.path, **changes)


def _total(runtime: Runtime, query: SearchQuery) -> SearchResult | None:
    try:
        return runtime.search_service.search(query)
    except SearchError:
        return None


def need_gaps(
    runtime: Runtime,
    form,
    query: SearchQuery,
    result: SearchResult,
    *,
    adviser: bool,
    path: str = "/",
    counts: dict[str, int] | None = None,
) -> list[NeedGap]:
    """The needs of ``query`` with no eligible result, each with suggestions that were checked
    by running the wider search. ``form`` builds the links (``form.url(**changes)``); only an
    ``adviser`` sees the resources outside the person's zone; links go to ``path``;
    ``counts``: eligible results per need when already known (no search run again)."""
    counts = counts or {}
    link = _Links(form, path)
    needs = list(query.thematiques)
    if not needs:
        return [_gap(runtime, link, query, None, adviser)] if result.total == 0 else []
    if len(needs) > MAX_NEEDS:
        return []
    gaps = []
    for need in needs:
        alone = replace(query, thematiques=(need,), page=1, size=1)
        if len(needs) == 1:
            empty = result.total == 0
        elif need in counts:
            empty = counts[need] == 0
        else:
            found = _total(runtime, alone)
            empty = found is not None and found.total == 0
        if empty:
            gaps.append(_gap(runtime, link, alone, need, adviser))
    return gaps


def _gap(
    runtime: Runtime, form: _Links, query: SearchQuery, need: str | None, adviser: bool
) -> NeedGap:
    query = replace(query, page=1, size=1)
    gap = NeedGap(need, vocabulary.label(need) if need else "")
    only = {"thematiques": [need]} if need else {}
    # A wider radius: the first one that finds something.
    for radius in WIDER_RADII:
        if radius <= query.rayon_km:
            continue
        wider = _total(runtime, replace(query, rayon_km=float(radius)))
        if wider and wider.total:
            text = f"{plural(wider.total, 'ressource')} en élargissant à {radius} km"
            nearest = wider.items[0].to_dict()["distance_km"] if wider.items else None
            if nearest is not None:
                text += f" (la plus proche à {distance_text(nearest)} à vol d'oiseau)"
            gap.suggestions.append(Suggestion(text, form.url(rayon_km=radius, **only)))
            break
    # Remote services, when a filter on the mode of reception left them out.
    if query.modes_accueil and vocabulary.A_DISTANCE not in query.modes_accueil:
        remote = _total(runtime, replace(query, modes_accueil=(vocabulary.A_DISTANCE,)))
        if remote and remote.total:
            gap.suggestions.append(
                Suggestion(
                    plural(remote.total, "service à distance", "services à distance"),
                    form.url(modes_accueil=[vocabulary.A_DISTANCE], **only),
                )
            )
    # The keywords, then the other filters.
    if query.q:
        without = _total(runtime, replace(query, q=None))
        if without and without.total:
            gap.suggestions.append(
                Suggestion(
                    f"{plural(without.total, 'ressource')} sans les mots-clés",
                    form.url(q="", **only),
                )
            )
    if query.publics or query.frais or query.ouvert or query.modes_accueil:
        loose = _total(runtime, replace(query, publics=(), frais=(), ouvert=None, modes_accueil=()))
        if loose and loose.total:
            gap.suggestions.append(
                Suggestion(
                    f"{plural(loose.total, 'ressource')} sans les filtres",
                    form.url(publics=[], frais=[], ouvert="", modes_accueil=[], **only),
                )
            )
    # Help nearby the person is not eligible for: for the adviser's knowledge only.
    if not adviser:
        return gap
    outside = _total(
        runtime,
        replace(
            query,
            ignorer_eligibilite=True,
            rayon_km=max(query.rayon_km, OUTSIDE_RADIUS_KM),
            size=20,
        ),
    )
    if outside:
        items = [i.to_dict() for i in outside.items]
        gap.hors_zone = [i for i in items if i["explication"].get("eligible") is False][
            :OUTSIDE_SHOWN
        ]
    return gap
