"""Hand-overs in the relational store (implements ``handover.repository.HandOverStore``).

The uniqueness rules live in the database (``persistence.tables.handovers``' partial unique
indexes); an ``IntegrityError`` on them becomes a ``HandOverConflict`` whose French message
names the existing record's status and territory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import date

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from handover.access import Scope
from handover.models import (
    AXE_GLOBAL,
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Consent,
    Delais,
    Diagnostic,
    Event,
    HandOver,
    HandOverConflict,
    IllegalTransition,
    Person,
    StatRow,
    conflict_message,
)
from persistence.database import Database
from persistence.tables import (
    handover_delais,
    handover_diagnostics,
    handover_events,
    handover_stats,
    handovers,
    territories,
)

PERSON_FIELDS = (
    "identifiant_ft",
    "nom",
    "prenom",
    "date_naissance",
    "code_commune",
    "telephone",
    "courriel",
    "beneficiaire_rsa",
)
PLAIN_FIELDS = (
    "reference",
    "axe",
    "status",
    "personne_cle",
    "appreciation_texte",
    "modalite",
    "departement",
    "territoire_id",
    "agence",
    "proposee_par",
    "proposee_le",
    "prise_en_charge_le",
    "prise_en_charge_par",
    "referent_cd_id",
    "referent_ft_id",
    "decidee_le",
    "refus_communicable",
    "entree_prevue_le",
    "entree_le",
    "fin_prevue_le",
    "renouvelee_le",
    "terminee_le",
    "motif_fin",
    "motif_annulation",
    "redirections",
    "derniere_activite",
    "relances",
    "cloturee_le",
    "textes_purges_le",
    "anonymisee_le",
)


def _values(record: HandOver) -> dict:
    values = {name: getattr(record, name) for name in PLAIN_FIELDS}
    values["freins"] = list(record.freins)
    values["appreciations"] = list(record.appreciations)
    values["motifs_refus"] = list(record.motifs_refus)
    consent = asdict(record.consent)
    consent["portees"] = list(record.consent.portees)
    for key in ("date", "retire_le"):
        consent[key] = consent[key].isoformat() if consent[key] else None
    values["consentement"] = consent
    person = record.person
    for name in PERSON_FIELDS:
        values[name] = getattr(person, name) if person else None
    if person is None:
        values["beneficiaire_rsa"] = False
    return values


def _consent(data: dict) -> Consent:
    return Consent(
        portees=tuple(data.get("portees") or ()),
        date=date.fromisoformat(data["date"]),
        recueilli_par=data.get("recueilli_par"),
        methode=data.get("methode", ""),
        version_notice=data.get("version_notice", ""),
        retire_le=date.fromisoformat(data["retire_le"]) if data.get("retire_le") else None,
    )


def _record(row, diagnostics=(), events=()) -> HandOver:
    person = None
    if row.identifiant_ft is not None:
        person = Person(
            identifiant_ft=row.identifiant_ft,
            nom=row.nom or "",
            prenom=row.prenom or "",
            date_naissance=row.date_naissance,
            code_commune=row.code_commune or "",
            telephone=row.telephone or "",
            courriel=row.courriel or "",
            beneficiaire_rsa=bool(row.beneficiaire_rsa),
        )
    fields = {name: getattr(row, name) for name in PLAIN_FIELDS}
    fields["refus_communicable"] = bool(fields["refus_communicable"])
    fields["relances"] = dict(fields["relances"] or {})
    return HandOver(
        id=row.id,
        person=person,
        freins=tuple(row.freins),
        appreciations=tuple(row.appreciations),
        motifs_refus=tuple(row.motifs_refus),
        consent=_consent(row.consentement),
        diagnostics=tuple(diagnostics),
        events=tuple(events),
        **fields,
    )


def _diagnostic(row) -> Diagnostic:
    return Diagnostic(
        side=row.side,
        auteur_id=row.auteur_id,
        auteur_nom=row.auteur_nom,
        date=row.date,
        tripartite=bool(row.tripartite),
        synthese=row.synthese,
        enregistre_le=row.enregistre_le,
    )


def _event(row) -> Event:
    return Event(
        at=row.at,
        action=row.action,
        from_status=row.from_status,
        to_status=row.to_status,
        actor_id=row.actor_id,
        actor_label=row.actor_label,
        reason=row.reason,
    )


def scope_condition(scope: Scope):
    """The SQL form of ``handover.access.matches`` (kept in step by the store's tests)."""
    if scope.everything:
        return None
    if scope.agence is not None:
        own = handovers.c.agence == scope.agence
    else:
        own = handovers.c.departement == scope.departement
        if scope.territoire_id is not None:
            own = and_(own, handovers.c.territoire_id == scope.territoire_id)
    if scope.user_id is None:
        return own
    return or_(
        own,
        handovers.c.referent_cd_id == scope.user_id,
        handovers.c.referent_ft_id == scope.user_id,
        handovers.c.prise_en_charge_par == scope.user_id,
    )


class SqlHandOverStore:
    def __init__(self, database: Database):
        self.database = database

    # -- writing ------------------------------------------------------------------------------
    def add(self, record: HandOver, event: Event) -> HandOver:
        values = _values(record)
        values["reference"] = f"tmp-{record.personne_cle[:20]}-{record.axe}"
        try:
            with self.database.engine.begin() as conn:
                new_id = conn.execute(insert(handovers).values(**values)).inserted_primary_key[0]
                reference = f"{record.proposee_le.year}-{record.departement}-{new_id:06d}"
                conn.execute(
                    update(handovers).where(handovers.c.id == new_id).values(reference=reference)
                )
                self._write_children(conn, new_id, record, event)
        except IntegrityError as exc:
            raise self._conflict(record) from exc
        return self.get(new_id)

    def save(self, record: HandOver, event: Event | None, expected_status: str) -> HandOver:
        values = _values(record)
        try:
            with self.database.engine.begin() as conn:
                result = conn.execute(
                    update(handovers)
                    .where(handovers.c.id == record.id, handovers.c.status == expected_status)
                    .values(**values)
                )
                if result.rowcount != 1:
                    raise IllegalTransition(
                        "Cette orientation a changé entre-temps : rechargez la page."
                    )
                conn.execute(
                    delete(handover_diagnostics).where(
                        handover_diagnostics.c.handover_id == record.id
                    )
                )
                self._write_children(conn, record.id, record, event)
        except IntegrityError as exc:
            raise self._conflict(record) from exc
        return self.get(record.id)

    def _write_children(self, conn, handover_id: int, record: HandOver, event: Event | None):
        for diagnostic in record.diagnostics:
            conn.execute(
                insert(handover_diagnostics).values(handover_id=handover_id, **asdict(diagnostic))
            )
        if event is not None:
            conn.execute(insert(handover_events).values(handover_id=handover_id, **asdict(event)))

    def _conflict(self, record: HandOver) -> HandOverConflict:
        existing = self.find_open(record.personne_cle, record.axe)
        if existing is None or existing.id == record.id:
            existing = self.find_axe2_entry(record.personne_cle)
        if existing is None:
            return HandOverConflict("Cette orientation existe déjà.")
        return HandOverConflict(conflict_message(existing, self._territory_name(existing)))

    def _territory_name(self, record: HandOver) -> str:
        if record.territoire_id is None:
            return f"équipe du département {record.departement}"
        with self.database.engine.connect() as conn:
            name = conn.execute(
                select(territories.c.nom).where(territories.c.id == record.territoire_id)
            ).scalar()
        return name or f"département {record.departement}"

    # -- reading ------------------------------------------------------------------------------
    def get(self, handover_id: int) -> HandOver | None:
        with self.database.engine.connect() as conn:
            row = conn.execute(select(handovers).where(handovers.c.id == handover_id)).first()
            if row is None:
                return None
            diagnostics = [
                _diagnostic(d)
                for d in conn.execute(
                    select(handover_diagnostics)
                    .where(handover_diagnostics.c.handover_id == handover_id)
                    .order_by(handover_diagnostics.c.id)
                )
            ]
            events = [
                _event(e)
                for e in conn.execute(
                    select(handover_events)
                    .where(handover_events.c.handover_id == handover_id)
                    .order_by(handover_events.c.id)
                )
            ]
        return _record(row, diagnostics, events)

    def _one(self, condition) -> HandOver | None:
        with self.database.engine.connect() as conn:
            row = conn.execute(
                select(handovers.c.id).where(condition).order_by(handovers.c.id.desc())
            ).first()
        return self.get(row.id) if row else None

    def find_open(self, personne_cle: str, axe: int) -> HandOver | None:
        return self._one(
            and_(
                handovers.c.personne_cle == personne_cle,
                handovers.c.axe == axe,
                handovers.c.status.in_(OPEN_STATUSES),
            )
        )

    def find_axe2_entry(self, personne_cle: str) -> HandOver | None:
        return self._one(
            and_(
                handovers.c.personne_cle == personne_cle,
                handovers.c.axe == AXE_GLOBAL,
                handovers.c.entree_le.is_not(None),
            )
        )

    def _filtered(self, query, scope: Scope, statuses, territoire_id):
        condition = scope_condition(scope)
        if condition is not None:
            query = query.where(condition)
        if statuses:
            query = query.where(handovers.c.status.in_(statuses))
        if territoire_id is not None:
            query = query.where(handovers.c.territoire_id == territoire_id)
        return query

    def list(
        self,
        scope: Scope,
        statuses: frozenset[str] | None = None,
        territoire_id: int | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[HandOver]:
        query = self._filtered(select(handovers), scope, statuses, territoire_id)
        query = query.order_by(handovers.c.id.desc()).limit(limit).offset(offset)
        with self.database.engine.connect() as conn:
            rows = conn.execute(query).all()
            ids = [row.id for row in rows]
            diagnostics: dict[int, list[Diagnostic]] = {i: [] for i in ids}
            if ids:
                for d in conn.execute(
                    select(handover_diagnostics).where(handover_diagnostics.c.handover_id.in_(ids))
                ):
                    diagnostics[d.handover_id].append(_diagnostic(d))
        return [_record(row, diagnostics[row.id]) for row in rows]

    def counts(self, scope: Scope, territoire_id: int | None = None) -> dict[str, int]:
        query = self._filtered(
            select(handovers.c.status, func.count()), scope, None, territoire_id
        ).group_by(handovers.c.status)
        with self.database.engine.connect() as conn:
            return {status: int(n) for status, n in conn.execute(query)}

    def _iter(self, condition, batch: int = 500) -> Iterator[HandOver]:
        last = 0
        while True:
            with self.database.engine.connect() as conn:
                rows = conn.execute(
                    select(handovers)
                    .where(condition, handovers.c.id > last)
                    .order_by(handovers.c.id)
                    .limit(batch)
                ).all()
            if not rows:
                return
            for row in rows:
                yield _record(row)
            last = rows[-1].id

    def iter_for_tasks(self, statuses: frozenset[str]) -> Iterator[HandOver]:
        return self._iter(handovers.c.status.in_(statuses))

    def iter_closed_unpurged(self) -> Iterator[HandOver]:
        return self._iter(
            and_(handovers.c.status.in_(CLOSED_STATUSES), handovers.c.textes_purges_le.is_(None))
        )

    def iter_to_anonymise(self) -> Iterator[HandOver]:
        return self._iter(
            and_(handovers.c.anonymisee_le.is_(None), handovers.c.identifiant_ft.is_not(None))
        )

    # -- settings and statistics ----------------------------------------------------------------
    def get_delais(self, departement: str) -> Delais:
        with self.database.engine.connect() as conn:
            row = conn.execute(
                select(handover_delais).where(handover_delais.c.departement == departement)
            ).first()
        if row is None:
            return Delais(departement)
        values = row._asdict()
        values["avec_coordinateurs"] = bool(values["avec_coordinateurs"])
        return Delais(**values)

    def save_delais(self, delais: Delais) -> Delais:
        values = asdict(delais)
        with self.database.engine.begin() as conn:
            conn.execute(
                delete(handover_delais).where(handover_delais.c.departement == delais.departement)
            )
            conn.execute(insert(handover_delais).values(**values))
        return delais

    def add_stat(self, row: StatRow) -> None:
        values = asdict(row)
        values["motifs_refus"] = list(row.motifs_refus)
        with self.database.engine.begin() as conn:
            conn.execute(insert(handover_stats).values(**values))
