"""Unmet needs (issue 13): the anonymous search event, and the rules that keep it anonymous.

Each search records one ``SearchEvent``: the day, the department, the territoire d'action
sociale when the commune has one, the commune's EPCI, the thématiques asked, the number of
eligible results in total and per need, the engine, and the searcher's organisation type —
never the free text, and nothing else about who searched. Orientation events follow the same
rules (``anonymous_place``, ``split_sensitive``). Counts are also added to a monthly
roll-up (``NeedsLog.record``) that the unmet-needs page reads; the page shows every count
below ``MASK_BELOW`` as "< 5" (``masked``).

Pure: the store is a ``NeedsLog`` (``persistence.needs``), the territory a callable.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Protocol

from resource_base.commune import Commune

log = logging.getLogger(__name__)

# A commune under this legal population (INSEE's populations légales, in
# @etalab/decoupage-administratif) is never stored: its EPCI is, or its department when it
# has none. 5,000 inhabitants: with a handful of orientations a day per department, a
# smaller commune plus a day and a need could point at a person (product decision, issue 13).
SMALL_COMMUNE_POPULATION = 5000

# Counts below this show as "< 5" on the page and in the CSV (issue 13: nobody can be
# re-identified from a small count; the usual threshold of French public-statistics releases).
MASK_BELOW = 5
MASKED_LABEL = "< 5"

# "Fewer than 3 answers": a search that found 0, 1 or 2 eligible resources for a need.
FEW_ANSWERS = 3

# Sensitive needs (issue 13: santé mentale, addictions, violences), as data·inclusion v1
# sub-themes (../shared/reference/data-inclusion-v1-thematiques.txt). They are counted only
# in the monthly aggregates, never stored with an event.
SENSITIVE_THEMATIQUES = frozenset(
    {
        "sante--sante-mentale",
        "sante--addictions",
        "famille--surmonter-conflits-separation-violence",
    }
)

# The searcher's organisation type, the only thing recorded about who searched.
AGENCE = "agence"
CONSEIL_DEPARTEMENTAL = "conseil_departemental"
NATIONAL = "administration_nationale"
CLE_API = "cle_api"
ANONYME = "anonyme"
ORGANISATION_TYPES: dict[str, str] = {
    AGENCE: "Agence France Travail",
    CONSEIL_DEPARTEMENTAL: "Conseil départemental",
    NATIONAL: "Administration nationale",
    CLE_API: "Clé d'API",
    ANONYME: "Anonyme",
}

NO_NEED = ""  # the roll-up's key for a search without any thématique
MAX_COUNTED_NEEDS = 8  # as web.search.gaps: beyond, needs are not counted one by one


@dataclass(frozen=True)
class Place:
    """Where an event happened, as far as it may be said: the commune only when it is large
    enough, else its EPCI, else only the department."""

    departement: str | None
    code_commune: str | None = None
    epci: str | None = None


def anonymous_place(commune: Commune | None, threshold: int = SMALL_COMMUNE_POPULATION) -> Place:
    """``commune`` kept if its population is known and ≥ ``threshold``; else its EPCI (SIREN
    code), else the department alone. ``Place(None)`` for no commune."""
    if commune is None:
        return Place(None)
    epci = commune.epci
    if commune.population is not None and commune.population >= threshold:
        return Place(commune.departement, commune.code_insee, epci)
    return Place(commune.departement, None, epci)


def split_sensitive(thematiques: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(kept, sensitive)``: the needs an event may store, and those counted only in the
    aggregates, each deduplicated in order."""
    unique = tuple(dict.fromkeys(thematiques))
    return (
        tuple(t for t in unique if t not in SENSITIVE_THEMATIQUES),
        tuple(t for t in unique if t in SENSITIVE_THEMATIQUES),
    )


def masked(count: int | None) -> str:
    """The count as the page and the CSV show it: ``masked(3)`` → ``"< 5"``, ``masked(12)`` →
    ``"12"`` (every count below ``MASK_BELOW``, zero included, is masked)."""
    value = int(count or 0)
    return MASKED_LABEL if value < MASK_BELOW else str(value)


def shown_rate(part: int, whole: int) -> str:
    """A percentage only when both counts are shown unmasked (a rate over masked counts would
    give them back): ``shown_rate(10, 40)`` → ``"25 %"``, ``shown_rate(3, 40)`` → ``"—"``."""
    if part < MASK_BELOW or whole < MASK_BELOW:
        return "—"
    return f"{round(100 * part / whole)} %"


def organisation_type(role: str | None, agence: str | None, api_key: bool) -> str:
    """The organisation type of a searcher: a logged-in person's role (``accounts.roles``
    codes) and agence, or an API key, or nobody."""
    if role is None:
        return CLE_API if api_key else ANONYME
    if agence or role in ("conseiller", "conseiller_ag"):
        return AGENCE
    if role == "admin_national":
        return NATIONAL
    return CONSEIL_DEPARTEMENTAL


@dataclass(frozen=True)
class SearchEvent:
    """One search, anonymous. ``par_besoin``: eligible results per need asked (sensitive
    needs included until ``stored`` drops them); ``total``: eligible results of the search."""

    jour: str  # YYYY-MM-DD (UTC)
    departement: str | None
    territoire_id: int | None
    epci: str | None
    thematiques: tuple[str, ...]
    total: int
    par_besoin: dict[str, int] = field(default_factory=dict)
    moteur: str = ""
    organisation: str = ANONYME

    @property
    def mois(self) -> str:
        return self.jour[:7]

    def stored(self) -> SearchEvent:
        """The event as a row may hold it: without the sensitive needs."""
        kept, _ = split_sensitive(self.thematiques)
        return replace(
            self,
            thematiques=kept,
            par_besoin={k: v for k, v in self.par_besoin.items() if k in kept},
        )

    def rollup(self) -> list[tuple[str, int]]:
        """``(need, eligible results)`` for each need counted (sensitive ones too), or
        ``[(NO_NEED, total)]`` for a search without any need. A need that could not be
        counted alone is left out (its count is unknown, not the total)."""
        if not self.thematiques:
            return [(NO_NEED, self.total)]
        return [(t, self.par_besoin[t]) for t in self.thematiques if t in self.par_besoin]


def per_need_counts(
    thematiques: tuple[str, ...], total: int, count_alone: Callable[[str], int | None]
) -> dict[str, int]:
    """Eligible results per need: the total for a single need, else ``count_alone(need)``
    (the same search restricted to that need; None when it fails: the need is left out).
    More than ``MAX_COUNTED_NEEDS`` needs: none is counted alone (each costs a search)."""
    if len(thematiques) == 1:
        return {thematiques[0]: total}
    if len(thematiques) > MAX_COUNTED_NEEDS:
        return {}
    counts = {}
    for need in thematiques:
        found = count_alone(need)
        if found is not None:
            counts[need] = found
    return counts


def search_counts(service, query) -> Callable[[str], int | None]:
    """``count_alone`` for ``per_need_counts``: the total of ``query`` (a
    ``resource_base.search.SearchQuery``) restricted to one need, one result long, run by
    ``service`` (a ``SearchService``); None when that search fails."""
    from resource_base.search import EngineUnavailable, SearchError

    def count(need: str) -> int | None:
        try:
            return service.search(replace(query, thematiques=(need,), page=1, size=1)).total
        except (SearchError, EngineUnavailable):
            return None

    return count


class NeedsLog(Protocol):
    """The store of search events and of the monthly roll-up (``persistence.needs``)."""

    def record(self, event: SearchEvent) -> None: ...


@dataclass
class NeedsRecorder:
    """Builds and stores search events; never lets a failure reach the search."""

    log: NeedsLog
    territory_of: Callable[[str], int | None]
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def event(
        self,
        commune: Commune | None,
        thematiques: tuple[str, ...],
        total: int,
        par_besoin: dict[str, int],
        moteur: str,
        organisation: str,
    ) -> SearchEvent:
        territoire = self.territory_of(commune.code_insee) if commune else None
        return SearchEvent(
            jour=self.clock().date().isoformat(),
            departement=commune.departement if commune else None,
            territoire_id=territoire,
            epci=commune.epci if commune else None,
            thematiques=tuple(dict.fromkeys(thematiques)),
            total=total,
            par_besoin=par_besoin,
            moteur=moteur,
            organisation=organisation,
        )

    def record(self, commune: Commune | None, *args, **kwargs) -> SearchEvent | None:
        """Build and store the event (arguments as ``event``); a failure is logged and
        returns None (the search answers all the same)."""
        try:
            event = self.event(commune, *args, **kwargs)
            self.log.record(event)
            return event
        except Exception:  # any store failure: the search must answer
            log.exception("événement de recherche non enregistré")
            return None

    def record_search(
        self,
        service,
        query,
        result,
        commune: Commune | None,
        organisation: str,
        counts: dict[str, int] | None = None,
    ) -> SearchEvent | None:
        """The event of ``query`` (a ``SearchQuery``) answered by ``result`` (its
        ``SearchResult``) on ``service``; ``counts`` per need when already known, else
        counted (``per_need_counts``). Never raises: a failure is logged, None returned."""
        try:
            if counts is None:
                counts = per_need_counts(
                    query.thematiques, result.total, search_counts(service, query)
                )
            return self.record(
                commune, query.thematiques, result.total, counts, result.moteur, organisation
            )
        except Exception:  # the search must answer whatever happens here
            log.exception("événement de recherche non enregistré")
            return None


def month_range(start: date, end: date) -> list[str]:
    """Every month from ``start`` to ``end`` included, as ``YYYY-MM``."""
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
