"""The délais dashboard: how long hand-overs take and how they end, per cohort.

Pure computation over *cohort rows*: one per hand-over, either a live record (its dates turned
into days since the proposal by the store) or an anonymous ``handover_stats`` row written
before anonymisation (``handover.models.StatRow``), so that the figures survive it. Only
**mature cohorts** count: proposals older than ``MATURITY_DAYS`` days (a young cohort has not
had time to reach entry, and would make the délais look short and the rates look low).

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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Protocol

from accounts import roles
from accounts.models import User
from accounts.scoping import AccessDenied
from handover.access import Scope
from handover.models import AXES, EXPIREE, REFUSAL_REASONS, REFUSEE, HandOverError

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


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0–100) of already sorted values, linear interpolation between
    closest ranks. Raises ``ValueError`` on no value."""
    if not sorted_values:
        raise ValueError("aucune valeur")
    rank = (len(sorted_values) - 1) * p / 100.0
    low = int(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return float(sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low))


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


def figures(mature: Iterable[CohortRow], recentes: int = 0) -> Figures:
    """The figures of ``mature`` cohort rows (the caller has applied ``is_mature``)."""
    rows = list(mature)
    delais = {}
    for step in STEPS:
        values = sorted(v for v in (getattr(r, step) for r in rows) if v is not None)
        if values:
            p50, p75, p90 = (percentile(values, p) for p in PERCENTILES)
            delais[step] = Delay(len(values), p50, p75, p90)
        else:
            delais[step] = Delay(0, None, None, None)
    reasons: Counter[str] = Counter()
    refused = 0
    for row in rows:
        if row.status == REFUSEE:
            refused += 1
            reasons.update(row.motifs_refus)
    ordered = dict(sorted(reasons.items(), key=lambda item: (-item[1], item[0])))
    return Figures(
        propositions=len(rows),
        recentes=recentes,
        delais=delais,
        entrees=sum(1 for r in rows if r.jours_entree is not None),
        refus=refused,
        expirations=sum(1 for r in rows if r.status == EXPIREE),
        redirigees=sum(1 for r in rows if r.redirections > 0),
        motifs_refus=ordered,
    )


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

    @property
    def grouping_label(self) -> str:
        return GROUPINGS[self.filters.par]


def _key(row: CohortRow, par: str) -> str:
    if par == "departement":
        return row.departement
    if par == "territoire":
        return "" if row.territoire_id is None else str(row.territoire_id)
    if par == "agence":
        return row.agence or ""
    if par == "axe":
        return str(row.axe)
    return row.mois


def build(
    rows: Iterable[CohortRow],
    filters: Filters,
    today: date,
    territory_name: Callable[[int], str] = str,
) -> Dashboard:
    """Group ``rows`` by ``filters.par`` and compute each group's figures on its mature
    cohorts; groups are sorted by key (months in order)."""
    mature: dict[str, list[CohortRow]] = {}
    young: Counter[str] = Counter()
    for row in rows:
        key = _key(row, filters.par)
        if is_mature(row, today):
            mature.setdefault(key, []).append(row)
        else:
            mature.setdefault(key, [])
            young[key] += 1
    groups = [
        Group(key, _label(key, filters.par, territory_name), figures(group, young[key]))
        for key, group in sorted(mature.items())
    ]
    total = figures((r for group in mature.values() for r in group), sum(young.values()))
    return Dashboard(filters, today, total, groups)


def _label(key: str, par: str, territory_name: Callable[[int], str]) -> str:
    if par == "territoire":
        return territory_name(int(key)) if key else "Équipe départementale (sans territoire)"
    if par == "agence":
        return key or "(agence inconnue)"
    if par == "axe":
        return f"Axe {key} – {AXES.get(int(key), '')}"
    if par == "departement":
        return f"Département {key}"
    return month_label(key)


MOIS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def month_label(mois: str) -> str:
    """``"2026-03"`` → ``"mars 2026"``."""
    return f"{MOIS[int(mois[5:7]) - 1]} {mois[:4]}"


def reason_label(code: str) -> str:
    return REFUSAL_REASONS.get(code, code)


class StatsSource(Protocol):
    """What the dashboard needs from a store (``persistence.handover_stats`` implements it)."""

    def rows(self, scope: Scope, filters: Filters) -> Sequence[CohortRow]: ...
    def territory_names(self, departement: str | None = None) -> dict[int, str]: ...


class DashboardService:
    """``show(actor, filters)`` → ``Dashboard``: the scope check, the rows, the figures."""

    def __init__(self, source: StatsSource, today: Callable[[], date] = date.today):
        self.source = source
        self.today = today

    def show(self, actor: User | None, filters: Filters) -> Dashboard:
        """Raises ``AccessDenied`` (403) as ``scope_for`` does."""
        scope = scope_for(actor, filters)
        names = self.source.territory_names(None if scope.everything else scope.departement)
        board = build(
            self.source.rows(scope, filters),
            filters,
            self.today(),
            lambda territoire_id: names.get(territoire_id, f"Territoire {territoire_id}"),
        )
        return replace(board, territoires=names)
