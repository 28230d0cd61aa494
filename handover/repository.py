"""What the hand-over domain needs from a store; ``persistence.handovers`` implements it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from handover.access import Scope
from handover.models import Delais, Event, HandOver, StatRow


class HandOverStore(Protocol):
    def add(self, record: HandOver, event: Event) -> HandOver:
        """Insert a new record and its first event. Raises ``HandOverConflict`` (French,
        naming the existing record's status and territory) when the database refuses a second
        open proposal for the person and axe, or a second entry into axe 2."""

    def get(self, handover_id: int) -> HandOver | None: ...

    def save(self, record: HandOver, event: Event | None, expected_status: str) -> HandOver:
        """Write ``record`` (with its diagnostics) if its stored status is still
        ``expected_status`` (else ``IllegalTransition``: someone acted meanwhile), append
        ``event``. Raises ``HandOverConflict`` as ``add`` does."""

    def find_open(self, personne_cle: str, axe: int) -> HandOver | None: ...
    def find_axe2_entry(self, personne_cle: str) -> HandOver | None: ...

    def list(
        self,
        scope: Scope,
        statuses: frozenset[str] | None = None,
        territoire_id: int | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[HandOver]:
        """Records within ``scope``, newest first, without their events."""

    def counts(self, scope: Scope, territoire_id: int | None = None) -> dict[str, int]:
        """Status → number of records within ``scope``."""

    def iter_for_tasks(self, statuses: frozenset[str]) -> Iterator[HandOver]:
        """Every record in ``statuses`` (all departments), for ``relais taches``."""

    def iter_closed_unpurged(self) -> Iterator[HandOver]: ...
    def iter_to_anonymise(self) -> Iterator[HandOver]: ...

    def get_delais(self, departement: str) -> Delais: ...
    def save_delais(self, delais: Delais) -> Delais: ...
    def add_stat(self, row: StatRow) -> None: ...
