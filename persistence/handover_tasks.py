"""The queries of ``relais taches`` (implements ``handover.tasks.TaskStore``): SQL prefilters
read in batches, and set-based writes for the purge and the anonymisation (one transaction per
batch: statistics rows, record updates and audit entries together)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import fields
from datetime import date

from sqlalchemy import (
    String,
    and_,
    bindparam,
    cast,
    func,
    insert,
    or_,
    select,
    true,
    update,
)

from accounts.models import AuditEntry
from handover.models import (
    ACCEPTEE,
    CLOSED_STATUSES,
    ENTREE,
    PRISE_EN_CHARGE,
    RENOUVELEE,
    TRANSMISE,
    Delais,
    HandOver,
    StatRow,
)
from handover.schedule import (
    ENTREE_MANQUANTE,
    FIN_PROCHE,
    FREE_TEXT_AFTER,
    reason_without_free_text,
)
from persistence.database import Database
from persistence.handovers import PERSON_FIELDS, _diagnostic, _record
from persistence.tables import (
    audit_log,
    handover_delais,
    handover_diagnostics,
    handover_events,
    handover_stats,
    handovers,
)

BATCH = 500


class SqlHandOverTaskStore:
    def __init__(self, database: Database):
        self.database = database

    def list_delais(self) -> list[Delais]:
        with self.database.engine.connect() as conn:
            rows = conn.execute(select(handover_delais)).all()
        out = []
        for row in rows:
            values = row._asdict()
            values["avec_coordinateurs"] = bool(values["avec_coordinateurs"])
            out.append(Delais(**values))
        return out

    # -- reading --------------------------------------------------------------------------------
    def _iter(self, condition, with_diagnostics: bool = False) -> Iterator[HandOver]:
        last = 0
        while True:
            with self.database.engine.connect() as conn:
                rows = conn.execute(
                    select(handovers)
                    .where(condition, handovers.c.id > last)
                    .order_by(handovers.c.id)
                    .limit(BATCH)
                ).all()
                diagnostics: dict[int, list] = {row.id: [] for row in rows}
                if rows and with_diagnostics:
                    for d in conn.execute(
                        select(handover_diagnostics)
                        .where(handover_diagnostics.c.handover_id.in_(list(diagnostics)))
                        .order_by(handover_diagnostics.c.id)
                    ):
                        diagnostics[d.handover_id].append(_diagnostic(d))
            if not rows:
                return
            for row in rows:
                yield _record(row, diagnostics[row.id])
            last = rows[-1].id

    def iter_timer_candidates(
        self,
        unclaimed_before: date,
        undecided_before: date,
        accepted_before: date,
        ending_before: date,
    ) -> Iterator[HandOver]:
        c = handovers.c
        entry_reminded = c.relances[ENTREE_MANQUANTE].as_string()
        # A reminder of the end sent after the last renewal was for the current planned end.
        end_reminded = c.relances[FIN_PROCHE].as_string()
        return self._iter(
            or_(
                and_(c.status == TRANSMISE, c.proposee_le <= unclaimed_before),
                and_(c.status == PRISE_EN_CHARGE, c.proposee_le <= undecided_before),
                and_(
                    c.status == ACCEPTEE,
                    c.decidee_le <= accepted_before,
                    entry_reminded.is_(None),
                ),
                and_(
                    c.status.in_((ENTREE, RENOUVELEE)),
                    c.fin_prevue_le <= ending_before,
                    or_(
                        end_reminded.is_(None),
                        and_(
                            c.renouvelee_le.is_not(None),
                            end_reminded <= cast(c.renouvelee_le, String),
                        ),
                    ),
                ),
            )
        )

    def iter_anonymisation_candidates(self, before: date) -> Iterator[HandOver]:
        c = handovers.c
        ended = func.coalesce(c.terminee_le, c.cloturee_le)
        return self._iter(
            and_(
                c.anonymisee_le.is_(None),
                c.identifiant_ft.is_not(None),
                or_(
                    and_(c.status.in_(CLOSED_STATUSES), ended <= before),
                    c.derniere_activite < before.isoformat(),
                ),
            ),
            with_diagnostics=True,
        )

    # -- writing --------------------------------------------------------------------------------
    def mark_reminded(self, relances: dict[int, dict]) -> None:
        if not relances:
            return
        statement = (
            update(handovers)
            .where(handovers.c.id == bindparam("handover_id"))
            .values(relances=bindparam("new_relances"))
        )
        with self.database.engine.begin() as conn:
            conn.execute(
                statement,
                [{"handover_id": i, "new_relances": value} for i, value in relances.items()],
            )

    def purge_closed(
        self,
        departements: list[str],
        others_than: list[str] | None,
        closed_before: date,
        today: date,
        audit: Callable[[int, str], AuditEntry],
    ) -> int:
        c = handovers.c
        if others_than is None:
            if not departements:
                return 0
            where = c.departement.in_(departements)
        else:
            where = c.departement.not_in(others_than) if others_than else true()
        due = and_(
            where,
            c.status.in_(CLOSED_STATUSES),
            c.textes_purges_le.is_(None),
            c.cloturee_le <= closed_before,
        )
        done = last = 0
        while True:
            with self.database.engine.begin() as conn:
                rows = conn.execute(
                    select(c.id, c.departement).where(due, c.id > last).order_by(c.id).limit(BATCH)
                ).all()
                if not rows:
                    return done
                ids = [row.id for row in rows]
                self._empty_texts(conn, ids, today)
                self._audit(conn, [audit(row.id, row.departement) for row in rows], ids)
            done, last = done + len(rows), ids[-1]

    def anonymise(
        self, rows: list[tuple[int, StatRow]], today: date, audit: list[AuditEntry]
    ) -> int:
        if not rows:
            return 0
        ids = [handover_id for handover_id, _ in rows]
        with self.database.engine.begin() as conn:
            pending = {
                row.id
                for row in conn.execute(
                    select(handovers.c.id).where(
                        handovers.c.id.in_(ids), handovers.c.anonymisee_le.is_(None)
                    )
                )
            }
            if not pending:
                return 0
            # The statistics first: the dashboard stays true once the identity is gone.
            stats = []
            for handover_id, stat in rows:
                if handover_id in pending:
                    values = {f.name: getattr(stat, f.name) for f in fields(stat)}
                    values["motifs_refus"] = list(stat.motifs_refus)
                    stats.append(values)
            conn.execute(insert(handover_stats), stats)
            identity = {name: None for name in PERSON_FIELDS}
            identity["beneficiaire_rsa"] = False
            conn.execute(
                update(handovers)
                .where(handovers.c.id.in_(pending))
                .values(anonymisee_le=today, **identity)
            )
            self._empty_texts(conn, list(pending), today)
            self._audit(conn, audit, pending)
        return len(pending)

    def _empty_texts(self, conn, ids: list[int], today: date) -> None:
        if not ids:
            return
        condition = handovers.c.id.in_(ids)
        conn.execute(
            update(handovers)
            .where(condition)
            .values(
                appreciation_texte="",
                textes_purges_le=func.coalesce(handovers.c.textes_purges_le, today),
            )
        )
        conn.execute(
            update(handover_diagnostics)
            .where(handover_diagnostics.c.handover_id.in_(ids))
            .values(synthese="")
        )
        typed = conn.execute(
            select(handover_events.c.id, handover_events.c.action, handover_events.c.reason).where(
                handover_events.c.handover_id.in_(ids),
                handover_events.c.action.in_(list(FREE_TEXT_AFTER)),
            )
        ).all()
        cleaned = [
            {"event_id": e.id, "clean_reason": reason_without_free_text(e.action, e.reason)}
            for e in typed
        ]
        cleaned = [c for c, e in zip(cleaned, typed, strict=True) if c["clean_reason"] != e.reason]
        if cleaned:
            conn.execute(
                update(handover_events)
                .where(handover_events.c.id == bindparam("event_id"))
                .values(reason=bindparam("clean_reason")),
                cleaned,
            )

    def _audit(self, conn, entries: list[AuditEntry], ids) -> None:
        wanted = {f"orientation:{i}" for i in ids}
        values = [
            {f.name: getattr(e, f.name) for f in fields(e) if f.name != "id"}
            for e in entries
            if e.record in wanted
        ]
        if values:
            conn.execute(insert(audit_log), values)
