"""The outbox of the hand-over's e-mails: each message is written before it is sent, and stays
until the SMTP server took it (issue 10: "written to an outbox table so that a failed send is
retried and nothing is lost"). ``persistence.outbox.SqlOutbox`` implements it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

MAX_ATTEMPTS = 20  # ``relais taches`` every 10 minutes: about three hours of retries


@dataclass(frozen=True)
class Message:
    """An e-mail to send: recipients, subject, plain French text (no personal data)."""

    to: tuple[str, ...]
    subject: str
    text: str


@dataclass(frozen=True)
class Queued:
    """A message in the outbox, with its delivery state."""

    id: int
    kind: str
    handover_id: int | None
    message: Message
    attempts: int
    last_error: str = ""
    sent_at: str | None = None


class Outbox(Protocol):
    def add(self, kind: str, handover_id: int | None, message: Message) -> int:
        """Write ``message`` (not sent yet); returns its id."""

    def claim(self, message_id: int, attempts: int) -> bool:
        """Count one more attempt if the message is unsent and still at ``attempts`` (two
        runs never send the same message at once); False when another run took it."""

    def mark_sent(self, message_id: int) -> None: ...
    def mark_failed(self, message_id: int, error: str) -> None: ...

    def pending(self, max_attempts: int = MAX_ATTEMPTS, limit: int = 500) -> list[Queued]:
        """Unsent messages with fewer than ``max_attempts`` attempts, oldest first."""

    def counts(self) -> dict[str, int]:
        """``{"en_attente": …, "abandonnes": …}``: unsent, and unsent after every attempt."""
