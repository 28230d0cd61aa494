"""The délais dashboard's rows: live hand-overs UNION ALL the anonymous statistics rows.

A live record counts until it is anonymised; from then on its ``handover_stats`` row (written
just before, durations in days) stands for it, so no hand-over is counted twice and the figures
survive anonymisation. Live dates become days since the proposal in SQL (``julianday`` on
SQLite, date subtraction on PostgreSQL), so both halves of the UNION have the same columns.
The computation itself is in ``handover.dashboard``.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Integer, String, and_, cast, func, literal, null, select, union_all
from sqlalchemy.sql import ColumnElement

from handover.access import Scope
from handover.dashboard import Filters, month_end
from handover.models import SIDE_CD, SIDE_FT
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

    def _live(self, scope: Scope, filters: Filters):
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

    def _stats(self, scope: Scope, filters: Filters):
        s = handover_stats.c
        query = select(
            s.mois,
            cast(null(), handovers.c.proposee_le.type).label("proposee_le"),
            *(getattr(s, name) for name in COLUMNS[2:]),
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
