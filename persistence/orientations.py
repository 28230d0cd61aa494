"""Anonymous orientation events in the relational store (``resource_base.orientation``)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select

from persistence.database import Database
from persistence.tables import orientations
from resource_base.orientation import MAX_RESOURCES, OrientationEvent


class SqlOrientationLog:
    def __init__(self, database: Database):
        self.database = database

    def record(self, event: OrientationEvent, now: datetime | None = None) -> int:
        """Store one event and return its id (``ValueError`` if it names no resource)."""
        if not event.ressources:
            raise ValueError("an orientation names at least one resource")
        moment = event.date or (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self.database.engine.begin() as conn:
            result = conn.execute(
                insert(orientations).values(
                    date=moment,
                    departement=event.departement,
                    code_commune=event.code_commune,
                    agence=event.agence,
                    thematiques=list(event.thematiques),
                    ressources=list(event.ressources[:MAX_RESOURCES]),
                )
            )
            return int(result.inserted_primary_key[0])

    def events(
        self, departement: str | None = None, limit: int = 1000, agence: str | None = None
    ) -> list[OrientationEvent]:
        """The latest events, newest first (for a department, an agence, when given)."""
        query = select(orientations).order_by(orientations.c.id.desc()).limit(limit)
        if departement is not None:
            query = query.where(orientations.c.departement == departement)
        if agence is not None:
            query = query.where(orientations.c.agence == agence)
        with self.database.engine.connect() as conn:
            return [
                OrientationEvent(
                    departement=row.departement,
                    code_commune=row.code_commune,
                    thematiques=tuple(row.thematiques),
                    ressources=tuple(row.ressources),
                    date=row.date,
                    agence=row.agence,
                )
                for row in conn.execute(query)
            ]
