"""The délais dashboard: how long hand-overs take and how they end, per cohort.

Pure computation over *cohort rows*: one per hand-over, either a live record (its dates turned
into days since the proposal by the store) or an anonymous ``handover_stats`` row written
before anonymisation (``handover.models.StatRow``), so that the figures survive it. Only
**mature cohorts** count: proposals older than ``MATURITY_DAYS`` days (a young cohort has not
had time to reach entry, and would make the délais look short and the rates look low).

The rows of a group are reduced to a ``Tally`` (counts, and per step a histogram of délais in
days): ``tally_rows`` does it in Python, the store the same in SQL (tests check they agree), so
that a national view need not carry 100,000 rows into Python. ``figures`` turns a tally into
percentiles and rates, ``build`` a set of tallies into the page's ``Dashboard``.

Percentiles interpolate linearly between closest ranks (numpy's default method, Excel's
``CENTILE.INCLUS``): the median of 10, 20, 30, 40 is 25.

Sources: issue 10 ("Per department, territory, agence, axe and month: median, P75 and P90 of
proposal → claim, → each diagnostic, → decision, → entry; entry rate, refusal reasons, expiry
and redirect rates, counted on mature cohorts (proposals older than 60 days)");
``../shared/DOMAIN.md`` (national evaluation: entry usually 17–32 days after the proposal, one
proposal in two leads to an entry).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Protocol

from accounts import roles
from accounts.models import User
from accounts.scoping import AccessDenied
from handover.access import Scope
from handover.dates import today_in_france
from handover.models import AXES, EXPIREE, REFUSAL_REASONS, REFUSEE, HandOverError

# Re-exported: the dashboard's percentile rule, as before it had its own module.
from handover.percentiles import histogram_percentile as histogram_percentile
from handover.percentiles import histogram_percentiles
from handover.percentiles import percentile as percentile
from resource_base.months import month_label

MATURITY_DAYS = 60  # issue 10: "mature cohorts (proposals older than 60 days)"
# DOMAIN.md, from the national evaluation (seeds/004): entry 17–32 days after the proposal;
# only half of the proposals lead to an entry.
REFERENCE_ENTRY_DAYS = (17, 32)
REFERENCE_ENTRY_RATE = 0.5

# Steps measured from the proposal date, in days: cohort row attribute → French label.
STEPS: dict[str, str] = {
    "jours_prise_en_charge": "Proposition → prise en charge",
    "jours_diagnostic_ft": "Proposition → diagnostic France Travail",
    "jours_diagnostic_cd": "Proposition → diagnostic du Département",
    "jours_decision": "Proposition → décision",
    "jours_entree": "Proposition → entrée",
}
PERCENTILES = (50, 75, 90)
GROUPINGS: dict[str, str] = {
    "departement": "Département",
    "territoire": "Territoire",
    "agence": "Agence",
    "axe": "Axe",
    "mois": "Mois de la proposition",
}
DASHBOARD_ROLES = frozenset({roles.COORDINATEUR, roles.ADMIN_DEPARTEMENTAL, roles.ADMIN_NATIONAL})
MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class CohortRow(Protocol):
    """What the dashboard reads of one hand-over (``StatRow``'s fields, plus the exact
    proposal date when the record is still live: None for anonymous statistics rows)."""

    mois: str  # "2026-11"
    proposee_le: date | None
    departement: str
    territoire_id: int | None
    agence: str | None
    axe: int
    status: str
    motifs_refus: Sequence[str]
    redirections: int
    jours_prise_en_charge: int | None
    jours_diagnostic_ft: int | None
    jours_diagnostic_cd: int | None
    jours_decision: int | None
    jours_entree: int | None


@dataclass(frozen=True)
class Filters:
    """What the dashboard shows: the proposals of months ``du``..``au`` (inclusive, "YYYY-MM"),
    within a department, territory, agence and axe when given, grouped by ``par``."""

    du: str | None = None
    au: str | None = None
    departement: str | None = None
    territoire_id: int | None = None
    agence: str | None = None
    axe: int | None = None
    par: str = "mois"


def read_filters(args, default_par: str = "mois") -> Filters:
    """``Filters`` from a query string (``du``, ``au``, ``departement``, ``territoire``,
    ``agence``, ``axe``, ``par``). Raises ``HandOverError`` (French, naming the field) on a
    value it cannot read; empty values mean "no filter"."""

    def text(name: str) -> str | None:
        value = (args.get(name) or "").strip()
        return value or None

    du, au = text("du"), text("au")
    for name, value in (("du", du), ("au", au)):
        if value is not None and not MONTH_RE.match(value):
            raise HandOverError(f"Période : « {value} » n'est pas un mois (AAAA-MM).", name)
    if du and au and du > au:
        raise HandOverError("Période : le premier mois est après le dernier.", "du")
    departement = text("departement")
    if departement is not None and not re.match(r"^(\d{2}|2A|2B|\d{3})$", departement):
        raise HandOverError(f"Département : « {departement} » n'est pas un code.", "departement")
    territoire = text("territoire")
    if territoire is not None and not territoire.isdigit():
        raise HandOverError(f"Territoire : « {territoire} » n'est pas un numéro.", "territoire")
    axe = text("axe")
    if axe is not None and (not axe.isdigit() or int(axe) not in AXES):
        raise HandOverError(f"Axe : « {axe} » n'existe pas (2 ou 3).", "axe")
    agence = text("agence")
    if agence is not None and len(agence) > 20:
        raise HandOverError("Agence : 20 caractères au plus.", "agence")
    par = text("par") or default_par
    if par not in GROUPINGS:
        raise HandOverError(f"Regroupement : « {par} » n'existe pas.", "par")
    return Filters(
        du=du,
        au=au,
        departement=departement,
        territoire_id=int(territoire) if territoire else None,
        agence=agence,
        axe=int(axe) if axe else None,
        par=par,
    )


def scope_for(actor: User | None, filters: Filters) -> Scope:
    """The rows ``actor`` may count, narrowed to the department and territory the filters ask
    for. ``coordinateur``: their territory (their department when they have none);
    ``admin_departemental``: their department; ``admin_national``: every department.

    Raises ``AccessDenied`` (403) for another role, or for a department or territory outside
    the actor's own."""
    if actor is None or not actor.active:
        raise AccessDenied("Connectez-vous avec un compte actif.")
    if actor.role not in DASHBOARD_ROLES:
        raise AccessDenied(
            f"Votre rôle ({actor.role_label}) ne donne pas accès au tableau de bord des délais."
        )
    if actor.role == roles.ADMIN_NATIONAL:
        if filters.departement is None:
            return Scope(everything=True, territoire_id=filters.territoire_id)
        return Scope(departement=filters.departement, territoire_id=filters.territoire_id)
    if actor.departement is None:
        raise AccessDenied("Votre compte n'est rattaché à aucun département.")
    if filters.departement not in (None, actor.departement):
        raise AccessDenied(f"Le département {filters.departement} n'est pas dans votre périmètre.")
    territoire_id = filters.territoire_id
    if actor.role == roles.COORDINATEUR and actor.territoire_id is not None:
        if territoire_id not in (None, actor.territoire_id):
            raise AccessDenied("Ce territoire n'est pas dans votre périmètre.")
        territoire_id = actor.territoire_id
    return Scope(departement=actor.departement, territoire_id=territoire_id)


def default_grouping(actor: User) -> str:
    """National: per department; department-wide: per territory; a territory: per month."""
    if actor.role == roles.ADMIN_NATIONAL:
        return "departement"
    if actor.role == roles.COORDINATEUR and actor.territoire_id is not None:
        return "mois"
    return "territoire"


def month_end(mois: str) -> date:
    year, month = int(mois[:4]), int(mois[5:7])
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def is_mature(row: CohortRow, today: date) -> bool:
    """Whether the proposal is older than ``MATURITY_DAYS`` days. An anonymous row knows only
    its month: it counts once the month's last day is that old."""
    cutoff = today - timedelta(days=MATURITY_DAYS)
    proposed = row.proposee_le if row.proposee_le is not None else month_end(row.mois)
    return proposed < cutoff


def maturity_bounds(today: date) -> tuple[date, str]:
    """``(cutoff, month)``: a live proposal is mature when proposed before ``cutoff``, an
    anonymous row when its month is before ``month`` (the rule of ``is_mature``, for SQL)."""
    cutoff = today - timedelta(days=MATURITY_DAYS)
    return cutoff, cutoff.strftime("%Y-%m")


@dataclass(frozen=True)
class Delay:
    """One step's délais in days: how many hand-overs reached it, median, P75 and P90."""

    n: int
    p50: float | None
    p75: float | None
    p90: float | None


@dataclass(frozen=True)
class Figures:
    """The figures of one group of mature cohorts (rates are fractions 0–1, None on no row).
    ``recentes``: proposals of the same group too young to count."""

    propositions: int
    recentes: int
    delais: dict[str, Delay]
    entrees: int
    refus: int
    expirations: int
    redirigees: int
    motifs_refus: dict[str, int] = field(default_factory=dict)

    def rate(self, count: int) -> float | None:
        return count / self.propositions if self.propositions else None

    @property
    def taux_entree(self) -> float | None:
        return self.rate(self.entrees)

    @property
    def taux_refus(self) -> float | None:
        return self.rate(self.refus)

    @property
    def taux_expiration(self) -> float | None:
        return self.rate(self.expirations)

    @property
    def taux_redirection(self) -> float | None:
        return self.rate(self.redirigees)

    @property
    def entree_dans_reference(self) -> bool | None:
        """Whether the median entry délai lies within the national evaluation's 17–32 days."""
        median = self.delais["jours_entree"].p50
        if median is None:
            return None
        low, high = REFERENCE_ENTRY_DAYS
        return low <= median <= high


@dataclass
class Tally:
    """What a group's figures are made of, as counted by the store (in SQL) or by
    ``tally_rows`` (the same rule in Python): counts of mature proposals, the recent ones
    apart, and per step a histogram of délais (days → number of hand-overs)."""

    propositions: int = 0
    recentes: int = 0
    entrees: int = 0
    refus: int = 0
    expirations: int = 0
    redirigees: int = 0
    histograms: dict[str, Counter] | None = field(
        default_factory=lambda: {s: Counter() for s in STEPS}
    )
    motifs_refus: Counter = field(default_factory=Counter)
    # The steps' délais when the source already computed them from the histograms
    # (``persistence.dashboard_cells``, for all groups at once); None: ``figures`` does. Such
    # a source may leave ``histograms`` out (None) when only the figures are wanted (a page):
    # such a tally cannot be added to.
    delais: dict[str, Delay] | None = field(default=None, compare=False)

    def add(self, other: Tally) -> None:
        """Add ``other`` to this tally, in place (the total of many groups, in linear time)."""
        self.delais = None  # no longer those of the histograms
        self.propositions += other.propositions
        self.recentes += other.recentes
        self.entrees += other.entrees
        self.refus += other.refus
        self.expirations += other.expirations
        self.redirigees += other.redirigees
        for step in STEPS:
            self.histograms[step].update(other.histograms[step])
        self.motifs_refus.update(other.motifs_refus)

    def merge(self, other: Tally) -> Tally:
        """A new tally adding ``other`` to this one (the total of several groups)."""
        merged = Tally(
            self.propositions + other.propositions,
            self.recentes + other.recentes,
            self.entrees + other.entrees,
            self.refus + other.refus,
            self.expirations + other.expirations,
            self.redirigees + other.redirigees,
        )
        for step in STEPS:
            merged.histograms[step] = self.histograms[step] + other.histograms[step]
        merged.motifs_refus = self.motifs_refus + other.motifs_refus
        return merged


def figures(tally: Tally) -> Figures:
    """The figures of one group: percentiles of each step's délais, counts and reasons."""
    delais = {}
    for step in STEPS:
        if tally.delais is not None:
            delais[step] = tally.delais.get(step) or Delay(0, None, None, None)
            continue
        histogram = tally.histograms[step]
        n = sum(histogram.values())
        if n:
            p50, p75, p90 = histogram_percentiles(histogram, PERCENTILES)
            delais[step] = Delay(n, p50, p75, p90)
        else:
            delais[step] = Delay(0, None, None, None)
    ordered = dict(sorted(tally.motifs_refus.items(), key=lambda item: (-item[1], item[0])))
    return Figures(
        propositions=tally.propositions,
        recentes=tally.recentes,
        delais=delais,
        entrees=tally.entrees,
        refus=tally.refus,
        expirations=tally.expirations,
        redirigees=tally.redirigees,
        motifs_refus=ordered,
    )


def group_key(row: CohortRow, par: str) -> str:
    """The group of a row: a department code, a territory id ("" without one), an agence
    code ("" when unknown), an axe ("2"), or a month ("2026-11")."""
    if par == "departement":
        return row.departement
    if par == "territoire":
        return "" if row.territoire_id is None else str(row.territoire_id)
    if par == "agence":
        return row.agence or ""
    if par == "axe":
        return str(row.axe)
    return row.mois


def tally_rows(rows: Iterable[CohortRow], par: str, today: date) -> dict[str, Tally]:
    """Count ``rows`` per group of ``par`` (the rule the store applies in SQL, in Python)."""
    tallies: dict[str, Tally] = {}
    for row in rows:
        tally = tallies.setdefault(group_key(row, par), Tally())
        if not is_mature(row, today):
            tally.recentes += 1
            continue
        tally.propositions += 1
        tally.entrees += row.jours_entree is not None
        tally.expirations += row.status == EXPIREE
        tally.redirigees += row.redirections > 0
        if row.status == REFUSEE:
            tally.refus += 1
            tally.motifs_refus.update(row.motifs_refus)
        for step in STEPS:
            value = getattr(row, step)
            if value is not None:
                tally.histograms[step][value] += 1
    return tallies


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    figures: Figures


@dataclass(frozen=True)
class Dashboard:
    """The whole page: the total, then one ``Group`` per value of ``filters.par``."""

    filters: Filters
    today: date
    total: Figures
    groups: list[Group]
    territoires: dict[int, str] = field(default_factory=dict)  # id → name, in scope
    # When the figures were computed (aware, UTC) if read from a snapshot; None when live.
    arretes_le: datetime | None = None

    @property
    def grouping_label(self) -> str:
        return GROUPINGS[self.filters.par]


def build(
    tallies: dict[str, Tally],
    filters: Filters,
    today: date,
    territory_name: Callable[[int], str] = str,
    total: Tally | None = None,
    departement_name: Callable[[str], str] = lambda code: departement_label(code, {}),
) -> Dashboard:
    """The dashboard of per-group tallies (``tally_rows`` or the store's): groups sorted by
    key (months in order), and the total (``total`` when the source counted it, else the sum
    of the groups). ``departement_name``: a department group's label (``departement_label``)."""
    if total is None:
        total = Tally()
        for tally in tallies.values():
            total.add(tally)
    groups = [
        Group(key, _label(key, filters.par, territory_name, departement_name), figures(tally))
        for key, tally in sorted(tallies.items())
    ]
    return Dashboard(filters, today, figures(total), groups)


def departement_label(code: str, names: Mapping[str, str]) -> str:
    """A department group's label, "Marne (51)", from its code and code → name (the runtime's
    commune directory, ``CommuneDirectory.departement_names``, from the INSEE reference);
    "Département 51" when the name is unknown."""
    name = names.get(code)
    return f"{name} ({code})" if name else f"Département {code}"


def _label(
    key: str,
    par: str,
    territory_name: Callable[[int], str],
    departement_name: Callable[[str], str],
) -> str:
    if par == "territoire":
        return territory_name(int(key)) if key else "Équipe départementale (sans territoire)"
    if par == "agence":
        return key or "(agence inconnue)"
    if par == "axe":
        return f"Axe {key} – {AXES.get(int(key), '')}"
    if par == "departement":
        return departement_name(key)
    return month_label(key)


def reason_label(code: str) -> str:
    return REFUSAL_REASONS.get(code, code)


class StatsSource(Protocol):
    """What the dashboard needs from a store (``persistence.handover_stats`` implements it)."""

    def tallies(self, scope: Scope, filters: Filters, today: date) -> dict[str, Tally]:
        """Per group of ``filters.par``: what ``tally_rows`` would count of the rows within
        ``scope`` and ``filters``."""

    def territory_names(self, departement: str | None = None) -> dict[int, str]: ...


class SnapshotSource(StatsSource, Protocol):
    """A source that reads a snapshot (``persistence.dashboard_cells``) also says when it was
    computed."""

    def tallies_as_of(
        self, scope: Scope, filters: Filters, today: date
    ) -> tuple[dict[str, Tally], Tally, datetime]:
        """``(tallies, their total, when the snapshot was computed)``."""


class DashboardService:
    """``show(actor, filters)`` → ``Dashboard``: the scope check, the rows, the figures."""

    def __init__(self, source: StatsSource, today: Callable[[], date] = today_in_france):
        self.source = source
        self.today = today

    def show(
        self,
        actor: User | None,
        filters: Filters,
        departement_names: Mapping[str, str] | None = None,
    ) -> Dashboard:
        """``departement_names``: code → name, for the groups' labels ("Marne (51)"); raises
        ``AccessDenied`` (403) as ``scope_for`` does."""
        scope = scope_for(actor, filters)
        names = self.source.territory_names(None if scope.everything else scope.departement)
        today = self.today()
        as_of = getattr(self.source, "tallies_as_of", None)
        if as_of is not None:
            tallies, total, computed_at = as_of(scope, filters, today)
        else:
            tallies, total, computed_at = self.source.tallies(scope, filters, today), None, None
        board = build(
            tallies,
            filters,
            today,
            lambda territoire_id: names.get(territoire_id, f"Territoire {territoire_id}"),
            total,
            lambda code: departement_label(code, departement_names or {}),
        )
        return replace(board, territoires=names, arretes_le=computed_at)
