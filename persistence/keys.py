"""API keys in the relational store (implements ``accounts.keys.KeyStore``)."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from accounts.key_organisations import Binding
from accounts.keys import ApiKey, KeyStoreError
from persistence.database import Database
from persistence.tables import api_keys


def _key(row) -> ApiKey:
    return ApiKey(
        name=row.name,
        origins=tuple(row.origins),
        rate_limit=row.rate_limit,
        scopes=frozenset(row.scopes),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        token_hint=row.token_hint,
        binding=Binding(row.role, row.departement, row.agence, row.territoire_id)
        if row.role
        else None,
    )


class SqlKeyStore:
    def __init__(self, database: Database):
        self.database = database

    def insert(self, key: ApiKey, token_sha256: str) -> None:
        try:
            with self.database.engine.begin() as conn:
                conn.execute(
                    insert(api_keys).values(
                        name=key.name,
                        token_sha256=token_sha256,
                        token_hint=key.token_hint,
                        origins=list(key.origins),
                        rate_limit=key.rate_limit,
                        scopes=sorted(key.scopes),
                        created_at=key.created_at,
                        role=key.binding.role if key.binding else None,
                        departement=key.binding.departement if key.binding else None,
                        agence=key.binding.agence if key.binding else None,
                        territoire_id=key.binding.territoire_id if key.binding else None,
                    )
                )
        except IntegrityError as exc:
            raise KeyStoreError(
                f"Une clé active nommée « {key.name} » existe déjà : révoquez-la d'abord."
            ) from exc

    def find_hash(self, token_sha256: str) -> ApiKey | None:
        with self.database.engine.connect() as conn:
            row = conn.execute(
                select(api_keys).where(api_keys.c.token_sha256 == token_sha256)
            ).first()
        return _key(row) if row else None

    def list_keys(self) -> list[ApiKey]:
        with self.database.engine.connect() as conn:
            rows = conn.execute(select(api_keys).order_by(api_keys.c.name, api_keys.c.id))
            return [_key(row) for row in rows]

    def active_origins(self) -> set[str]:
        origins: set[str] = set()
        with self.database.engine.connect() as conn:
            for (value,) in conn.execute(
                select(api_keys.c.origins).where(api_keys.c.revoked_at.is_(None))
            ):
                origins.update(value)
        return origins

    def revoke(self, name: str, when: str) -> ApiKey:
        with self.database.engine.begin() as conn:
            done = conn.execute(
                update(api_keys)
                .where(api_keys.c.name == name, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=when)
            )
            if done.rowcount == 0:
                raise KeyStoreError(f"Aucune clé active nommée « {name} ».")
            row = conn.execute(
                select(api_keys)
                .where(api_keys.c.name == name, api_keys.c.revoked_at == when)
                .order_by(api_keys.c.id.desc())
            ).first()
        return _key(row)
