"""The e-mail outbox in the relational store (implements ``notifications.outbox.Outbox``)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, insert, select, update

from notifications.outbox import MAX_ATTEMPTS, Message, Queued
from persistence.database import Database
from persistence.tables import mail_outbox


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class SqlOutbox:
    def __init__(self, database: Database):
        self.database = database

    def add(self, kind: str, handover_id: int | None, message: Message) -> int:
        with self.database.engine.begin() as conn:
            result = conn.execute(
                insert(mail_outbox).values(
                    created_at=_now(),
                    kind=kind,
                    handover_id=handover_id,
                    recipients=list(message.to),
                    subject=message.subject[:300],
                    body=message.text,
                    attempts=0,
                    last_error="",
                )
            )
            return int(result.inserted_primary_key[0])

    def claim(self, message_id: int, attempts: int) -> bool:
        with self.database.engine.begin() as conn:
            result = conn.execute(
                update(mail_outbox)
                .where(
                    mail_outbox.c.id == message_id,
                    mail_outbox.c.sent_at.is_(None),
                    mail_outbox.c.attempts == attempts,
                )
                .values(attempts=attempts + 1)
            )
        return result.rowcount == 1

    def mark_sent(self, message_id: int) -> None:
        with self.database.engine.begin() as conn:
            conn.execute(
                update(mail_outbox)
                .where(mail_outbox.c.id == message_id)
                .values(sent_at=_now(), last_error="")
            )

    def mark_failed(self, message_id: int, error: str) -> None:
        with self.database.engine.begin() as conn:
            conn.execute(
                update(mail_outbox)
                .where(mail_outbox.c.id == message_id)
                .values(last_error=error[:300])
            )

    def pending(self, max_attempts: int = MAX_ATTEMPTS, limit: int = 500) -> list[Queued]:
        query = (
            select(mail_outbox)
            .where(mail_outbox.c.sent_at.is_(None), mail_outbox.c.attempts < max_attempts)
            .order_by(mail_outbox.c.id)
            .limit(limit)
        )
        with self.database.engine.connect() as conn:
            return [
                Queued(
                    id=row.id,
                    kind=row.kind,
                    handover_id=row.handover_id,
                    message=Message(tuple(row.recipients), row.subject, row.body),
                    attempts=row.attempts,
                    last_error=row.last_error,
                    sent_at=row.sent_at,
                )
                for row in conn.execute(query)
            ]

    def counts(self) -> dict[str, int]:
        unsent = mail_outbox.c.sent_at.is_(None)
        with self.database.engine.connect() as conn:
            waiting = conn.execute(select(func.count()).where(unsent)).scalar_one()
            given_up = conn.execute(
                select(func.count()).where(unsent, mail_outbox.c.attempts >= MAX_ATTEMPTS)
            ).scalar_one()
        return {"en_attente": int(waiting) - int(given_up), "abandonnes": int(given_up)}
