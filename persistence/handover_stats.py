"""The délais dashboard's rows: live hand-overs UNION ALL the anonymous statistics rows.

A live record counts until it is anonymised; from then on its ``handover_stats`` row (written
just before, durations in days) stands for it, so no hand-over is counted twice and the figures
survive anonymisation. Live dates become days since the proposal in SQL (``julianday`` on
SQLite, date subtraction on PostgreSQL), so both halves of the UNION have the same columns.
The computation itself is in ``handover.dashboard``.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.sql import ColumnElement

from handover.access import Scope
from handover.dashboard import STEPS, Filters, Tally, maturity_bounds, month_end
from handover.models import EXPIREE, REFUSEE, SIDE_CD, SIDE_FT
from persistence.database import Database
from persistence.tables import handover_diagnostics, handover_stats, handovers, territories

COLUMNS = (
    "mois",
    "proposee_le",
    "departement",
    "territoire_id",
    "agence",
    "axe",
    "status",
    "motifs_refus",
    "redirections",
    "jours_prise_en_charge",
    "jours_diagnostic_ft",
    "jours_diagnostic_cd",
    "jours_decision",
    "jours_entree",
)


# ``Filters.par`` → the column of ``rows`` it groups by.
GROUP_COLUMNS = {
    "departement": "departement",
    "territoire": "territoire_id",
    "agence": "agence",
    "axe": "axe",
    "mois": "mois",
}


class SqlHandOverStats:
    """``rows(scope, filters)``: every hand-over the dashboard may count, as rows with the
    attributes of ``handover.dashboard.CohortRow``."""

    def __init__(self, database: Database):
        self.database = database

    def _days(self, later, earlier) -> ColumnElement:
        if self.database.is_sqlite:
            return cast(func.julianday(later) - func.julianday(earlier), Integer)
        return later - earlier  # PostgreSQL: date - date is an integer of days

    def _month(self, column) -> ColumnElement:
        if self.database.is_sqlite:
            return func.substr(column, 1, 7)
        return func.to_char(column, "YYYY-MM")

    def _live(self, scope: Scope, filters: Filters, cutoff: date | None = None):
        ft = handover_diagnostics.alias("ft")
        cd = handover_diagnostics.alias("cd")
        h = handovers.c
        query = (
            select(
                cast(self._month(h.proposee_le), String).label("mois"),
                h.proposee_le,
                h.departement,
                h.territoire_id,
                h.agence,
                h.axe,
                h.status,
                h.motifs_refus,
                h.redirections,
                self._days(h.prise_en_charge_le, h.proposee_le).label("jours_prise_en_charge"),
                self._days(ft.c.date, h.proposee_le).label("jours_diagnostic_ft"),
                self._days(cd.c.date, h.proposee_le).label("jours_diagnostic_cd"),
                self._days(h.decidee_le, h.proposee_le).label("jours_decision"),
                self._days(h.entree_le, h.proposee_le).label("jours_entree"),
                case((h.proposee_le < cutoff, 1), else_=0).label("mature")
                if cutoff
                else literal(0).label("mature"),
            )
            .select_from(
                handovers.outerjoin(
                    ft, and_(ft.c.handover_id == h.id, ft.c.side == SIDE_FT)
                ).outerjoin(cd, and_(cd.c.handover_id == h.id, cd.c.side == SIDE_CD))
            )
            .where(h.anonymisee_le.is_(None))
        )
        if filters.du:
            query = query.where(h.proposee_le >= date.fromisoformat(filters.du + "-01"))
        if filters.au:
            query = query.where(h.proposee_le <= month_end(filters.au))
        return query.where(*_conditions(handovers, scope, filters))

    def _stats(self, scope: Scope, filters: Filters, month: str | None = None):
        s = handover_stats.c
        query = select(
            s.mois,
            cast(null(), handovers.c.proposee_le.type).label("proposee_le"),
            *(getattr(s, name) for name in COLUMNS[2:]),
            case((s.mois < month, 1), else_=0).label("mature")
            if month
            else literal(0).label("mature"),
        )
        if filters.du:
            query = query.where(s.mois >= filters.du)
        if filters.au:
            query = query.where(s.mois <= filters.au)
        return query.where(*_conditions(handover_stats, scope, filters))

    def rows(self, scope: Scope, filters: Filters) -> list:
        """The rows within ``scope`` and ``filters`` (live ones first, unordered)."""
        query = union_all(self._live(scope, filters), self._stats(scope, filters))
        with self.database.engine.connect() as conn:
            return conn.execute(query).all()

    def tallies(self, scope: Scope, filters: Filters, today: date) -> dict[str, Tally]:
        """Per group of ``filters.par``, what ``handover.dashboard.tally_rows`` counts of
        ``rows(scope, filters)``, counted by the database in one statement (``grouped``)."""
        tallies: dict[str, Tally] = {}
        names = list(STEPS)
        for kind, k, a, b, n, entrees, refus, expirations, redirigees in self.grouped(
            scope, filters, today, [GROUP_COLUMNS[filters.par]]
        ):
            key = "" if k is None else str(k)
            t = tallies.get(key)
            if t is None:
                t = tallies[key] = Tally()
            if kind == 1:
                t.histograms[names[a]][int(b)] += n
            elif kind == 2:
                t.motifs_refus.update(Counter({code: n for code in json.loads(b or "[]")}))
            elif not a:
                t.recentes += n
            else:
                t.propositions += n
                t.entrees += entrees
                t.refus += refus
                t.expirations += expirations
                t.redirigees += redirigees
        return tallies

    def grouped(self, scope: Scope, filters: Filters, today: date, keys: list[str]) -> list:
        """The tallies of ``rows(scope, filters)`` grouped by the ``keys`` columns (names of
        ``GROUP_COLUMNS`` values), as result rows ``(kind, *keys, a, b, n, entrees, refus,
        expirations, redirigees)``: kind 0, counts per group and maturity (``a`` = 1 when
        mature); kind 1, the délais histograms of the mature rows (``a`` = the step's number in
        ``STEPS``, ``b`` = days, as text); kind 2, refusal reasons of the mature refused rows
        (``b`` = the JSON list of codes). The rows are read once (a common table expression
        used three times, which SQLite and PostgreSQL materialise), then grouped three ways."""
        cutoff, month = maturity_bounds(today)
        u = union_all(self._live(scope, filters, cutoff), self._stats(scope, filters, month)).cte(
            "u"
        )
        columns = [getattr(u.c, name) for name in keys]

        def flag(condition):
            return func.sum(case((condition, 1), else_=0))

        zero = (literal(0), literal(0), literal(0), literal(0))
        counts = select(
            literal(0).label("kind"),
            *(column.label(f"k{i}") for i, column in enumerate(columns)),
            u.c.mature.label("a"),
            cast(null(), String).label("b"),
            func.count().label("n"),
            flag(u.c.jours_entree.is_not(None)),
            flag(u.c.status == REFUSEE),
            flag(u.c.status == EXPIREE),
            flag(u.c.redirections > 0),
        ).group_by(*columns, u.c.mature)
        # One row per step joined to each row of ``u``, so that the five steps are counted in
        # one pass.
        s = union_all(*(select(literal(i).label("n")) for i in range(len(STEPS)))).subquery("s")
        value = case(*((s.c.n == i, getattr(u.c, step)) for i, step in enumerate(STEPS)))
        histograms = (
            select(literal(1), *columns, s.c.n, cast(value, String), func.count(), *zero)
            .select_from(u.join(s, literal(True)))
            .where(u.c.mature == 1, value.is_not(None))
            .group_by(*columns, s.c.n, value)
        )
        motifs = cast(u.c.motifs_refus, String)
        reasons = (
            select(literal(2), *columns, cast(null(), Integer), motifs, func.count(), *zero)
            .where(u.c.mature == 1, u.c.status == REFUSEE)
            .group_by(*columns, motifs)
        )
        with self.database.engine.connect() as conn:
            return conn.execute(union_all(counts, histograms, reasons)).all()

    def territory_names(self, departement: str | None = None) -> dict[int, str]:
        """Territory id → name (of one department, or all)."""
        query = select(territories.c.id, territories.c.nom, territories.c.departement)
        if departement is not None:
            query = query.where(territories.c.departement == departement)
        with self.database.engine.connect() as conn:
            return {row.id: f"{row.nom} ({row.departement})" for row in conn.execute(query)}


def _conditions(table, scope: Scope, filters: Filters) -> list:
    """The scope (``handover.dashboard.scope_for``: a department and maybe a territory, or
    everything) and the filters, on ``handovers`` or ``handover_stats`` (same column names)."""
    c = table.c
    found = []
    if not scope.everything:
        found.append(c.departement == scope.departement)
    if scope.territoire_id is not None:
        found.append(c.territoire_id == scope.territoire_id)
    if filters.agence:
        found.append(c.agence == filters.agence)
    if filters.axe is not None:
        found.append(c.axe == filters.axe)
    return found or [literal(True)]
