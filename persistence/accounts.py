"""People, organisations, territories and the audit log in the relational store
(implements ``accounts.repository.AccountStore``)."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from accounts.models import (
    AccountError,
    AuditEntry,
    Departement,
    Organisation,
    Territory,
    User,
)
from persistence.database import Database
from persistence.tables import (
    audit_log,
    departements,
    organisations,
    territories,
    territory_communes,
    users,
)

USER_FIELDS = (
    "email",
    "nom",
    "role",
    "departement",
    "agence",
    "territoire_id",
    "status",
    "password_hash",
    "oidc_subject",
    "claims",
    "created_at",
    "last_login_at",
)


def _user(row) -> User:
    return User(id=row.id, **{name: getattr(row, name) for name in USER_FIELDS})


def _territory(row) -> Territory:
    return Territory(row.id, row.departement, row.nom, row.kind, row.courriel)


class SqlAccountStore:
    def __init__(self, database: Database):
        self.database = database

    # Departments and organisations ------------------------------------------------------
    def get_departement(self, code: str) -> Departement | None:
        with self.database.engine.connect() as conn:
            row = conn.execute(select(departements).where(departements.c.code == code)).first()
        return Departement(row.code, bool(row.partage)) if row else None

    def save_departement(self, departement: Departement) -> Departement:
        with self.database.engine.begin() as conn:
            exists = conn.execute(
                select(departements.c.code).where(departements.c.code == departement.code)
            ).first()
            if exists:
                conn.execute(
                    update(departements)
                    .where(departements.c.code == departement.code)
                    .values(partage=departement.partage)
                )
            else:
                conn.execute(
                    insert(departements).values(code=departement.code, partage=departement.partage)
                )
        return departement

    def list_departements(self) -> list[Departement]:
        with self.database.engine.connect() as conn:
            rows = conn.execute(select(departements).order_by(departements.c.code))
            return [Departement(row.code, bool(row.partage)) for row in rows]

    def save_organisation(self, organisation: Organisation) -> Organisation:
        with self.database.engine.begin() as conn:
            row = conn.execute(
                select(organisations).where(
                    organisations.c.kind == organisation.kind,
                    organisations.c.code == organisation.code,
                )
            ).first()
            if row:
                return Organisation(row.id, row.kind, row.code, row.nom, row.departement)
            result = conn.execute(
                insert(organisations).values(
                    kind=organisation.kind,
                    code=organisation.code,
                    nom=organisation.nom,
                    departement=organisation.departement,
                )
            )
            new_id = int(result.inserted_primary_key[0])
        return Organisation(
            new_id, organisation.kind, organisation.code, organisation.nom, organisation.departement
        )

    def find_organisation(self, kind: str, code: str) -> Organisation | None:
        with self.database.engine.connect() as conn:
            row = conn.execute(
                select(organisations).where(
                    organisations.c.kind == kind, organisations.c.code == code
                )
            ).first()
        return Organisation(row.id, row.kind, row.code, row.nom, row.departement) if row else None

    def list_organisations(self, departement: str | None = None) -> list[Organisation]:
        query = select(organisations).order_by(organisations.c.kind, organisations.c.code)
        if departement is not None:
            query = query.where(organisations.c.departement == departement)
        with self.database.engine.connect() as conn:
            return [
                Organisation(row.id, row.kind, row.code, row.nom, row.departement)
                for row in conn.execute(query)
            ]

    # People -----------------------------------------------------------------------------
    def add_user(self, user: User) -> User:
        values = {name: getattr(user, name) for name in USER_FIELDS}
        values["claims"] = dict(user.claims)
        try:
            with self.database.engine.begin() as conn:
                result = conn.execute(insert(users).values(**values))
                new_id = int(result.inserted_primary_key[0])
        except IntegrityError as exc:
            raise AccountError(f"Un compte existe déjà pour « {user.email} ».") from exc
        return self.get_user(new_id)

    def update_user(self, user: User) -> User:
        values = {name: getattr(user, name) for name in USER_FIELDS}
        values["claims"] = dict(user.claims)
        with self.database.engine.begin() as conn:
            conn.execute(update(users).where(users.c.id == user.id).values(**values))
        return self.get_user(user.id)

    def _one_user(self, condition) -> User | None:
        with self.database.engine.connect() as conn:
            row = conn.execute(select(users).where(condition)).first()
        return _user(row) if row else None

    def get_user(self, user_id: int) -> User | None:
        return self._one_user(users.c.id == user_id)

    def find_user_by_email(self, email: str) -> User | None:
        return self._one_user(users.c.email == email)

    def find_user_by_subject(self, subject: str) -> User | None:
        return self._one_user(users.c.oidc_subject == subject)

    def list_users(self, departement: str | None = None, status: str | None = None) -> list[User]:
        query = select(users).order_by(users.c.email)
        if departement is not None:
            query = query.where(users.c.departement == departement)
        if status is not None:
            query = query.where(users.c.status == status)
        with self.database.engine.connect() as conn:
            return [_user(row) for row in conn.execute(query)]

    # Territories ------------------------------------------------------------------------
    def list_territories(self, departement: str) -> list[Territory]:
        with self.database.engine.connect() as conn:
            rows = conn.execute(
                select(territories)
                .where(territories.c.departement == departement)
                .order_by(territories.c.nom)
            )
            return [_territory(row) for row in rows]

    def replace_territories(
        self, departement: str, wanted: list[Territory], assignments: dict[str, str]
    ) -> None:
        """One transaction: territories not in ``wanted`` go (their members lose their
        territory), the kept ones keep their id, every assignment is rewritten."""
        with self.database.engine.begin() as conn:
            existing = {
                row.nom: row.id
                for row in conn.execute(
                    select(territories.c.id, territories.c.nom).where(
                        territories.c.departement == departement
                    )
                )
            }
            conn.execute(
                delete(territory_communes).where(territory_communes.c.departement == departement)
            )
            names = {t.nom for t in wanted}
            gone = [tid for name, tid in existing.items() if name not in names]
            if gone:
                conn.execute(
                    update(users).where(users.c.territoire_id.in_(gone)).values(territoire_id=None)
                )
                conn.execute(delete(territories).where(territories.c.id.in_(gone)))
            ids = {}
            for territory in wanted:
                if territory.nom in existing:
                    ids[territory.nom] = existing[territory.nom]
                    continue
                result = conn.execute(
                    insert(territories).values(
                        departement=departement,
                        nom=territory.nom,
                        kind=territory.kind,
                        courriel=territory.courriel,
                    )
                )
                ids[territory.nom] = int(result.inserted_primary_key[0])
            rows = [
                {"code_insee": code, "territory_id": ids[name], "departement": departement}
                for code, name in assignments.items()
            ]
            if rows:
                conn.execute(insert(territory_communes), rows)

    def territory_assignments(self, departement: str) -> dict[str, int]:
        with self.database.engine.connect() as conn:
            rows = conn.execute(
                select(territory_communes.c.code_insee, territory_communes.c.territory_id).where(
                    territory_communes.c.departement == departement
                )
            )
            return {code: tid for code, tid in rows}

    def territory_of(self, code_insee: str) -> Territory | None:
        with self.database.engine.connect() as conn:
            row = conn.execute(
                select(territories)
                .join(territory_communes, territory_communes.c.territory_id == territories.c.id)
                .where(territory_communes.c.code_insee == code_insee)
            ).first()
        return _territory(row) if row else None

    def update_territory(self, territory: Territory) -> Territory:
        try:
            with self.database.engine.begin() as conn:
                conn.execute(
                    update(territories)
                    .where(territories.c.id == territory.id)
                    .values(nom=territory.nom, kind=territory.kind, courriel=territory.courriel)
                )
        except IntegrityError as exc:
            raise AccountError(f"Un territoire « {territory.nom} » existe déjà.") from exc
        return territory

    # Audit log --------------------------------------------------------------------------
    def add_audit(self, entry: AuditEntry) -> AuditEntry:
        with self.database.engine.begin() as conn:
            result = conn.execute(
                insert(audit_log).values(
                    at=entry.at,
                    actor_id=entry.actor_id,
                    actor_email=entry.actor_email,
                    action=entry.action,
                    record=entry.record,
                    departement=entry.departement,
                    details=entry.details,
                )
            )
            new_id = int(result.inserted_primary_key[0])
        return AuditEntry(new_id, *[getattr(entry, f) for f in _AUDIT_FIELDS])

    def list_audit(self, departement: str | None, limit: int = 200) -> list[AuditEntry]:
        query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if departement is not None:
            query = query.where(audit_log.c.departement == departement)
        with self.database.engine.connect() as conn:
            return [
                AuditEntry(row.id, *[getattr(row, f) for f in _AUDIT_FIELDS])
                for row in conn.execute(query)
            ]


_AUDIT_FIELDS = ("at", "actor_id", "actor_email", "action", "record", "departement", "details")
