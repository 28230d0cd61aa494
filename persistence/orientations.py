"""Anonymous orientation events in the relational store (``resource_base.orientation``)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select

from persistence.database import Database
from persistence.needs import upsert
from persistence.tables import orientation_needs, orientations
from resource_base.needs_events import split_sensitive
from resource_base.orientation import MAX_RESOURCES, OrientationEvent


class SqlOrientationLog:
    def __init__(self, database: Database):
        self.database = database

    def record(self, event: OrientationEvent, now: datetime | None = None) -> int:
        """Store one event and return its id (``ValueError`` if it names no resource).

        The date is kept to the day; the sensitive needs leave the row and, like every need,
        are counted in ``orientation_needs`` (department, month, need) in the same
        transaction."""
        if not event.ressources:
            raise ValueError("an orientation names at least one resource")
        day = (event.date or (now or datetime.now(UTC)).strftime("%Y-%m-%d"))[:10]
        kept, sensitive = split_sensitive(event.thematiques)
        with self.database.engine.begin() as conn:
            result = conn.execute(
                insert(orientations).values(
                    date=day,
                    departement=event.departement,
                    code_commune=event.code_commune,
                    epci=event.epci,
                    agence=event.agence,
                    thematiques=list(kept),
                    ressources=list(event.ressources[:MAX_RESOURCES]),
                )
            )
            if kept or sensitive:
                conn.execute(
                    upsert(
                        self.database,
                        orientation_needs,
                        [
                            {
                                "departement": event.departement or "",
                                "mois": day[:7],
                                "thematique": need,
                                "orientations": 1,
                            }
                            for need in (*kept, *sensitive)
                        ],
                        ["departement", "mois", "thematique"],
                        ["orientations"],
                    )
                )
            return int(result.inserted_primary_key[0])

    def events(self, departement: str | None = None, limit: int = 1000) -> list[OrientationEvent]:
        """The latest events, newest first (for a department when given)."""
        query = select(orientations).order_by(orientations.c.id.desc()).limit(limit)
        if departement is not None:
            query = query.where(orientations.c.departement == departement)
        with self.database.engine.connect() as conn:
            return [
                OrientationEvent(
                    departement=row.departement,
                    code_commune=row.code_commune,
                    thematiques=tuple(row.thematiques),
                    ressources=tuple(row.ressources),
                    date=row.date,
                    agence=row.agence,
                    epci=row.epci,
                )
                for row in conn.execute(query)
            ]
