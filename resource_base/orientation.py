"""Anonymous orientation events (axe 1): which needs came up where, and which resources answered.

An adviser who prints an orientation sheet records one event: the department and commune of
the search, the thématiques searched, the resources chosen and the time. Nothing else, and
nothing about the person: departments later see needs per territory and where answers miss.
Stored by an ``OrientationLog`` (``persistence.orientations``: the relational store). The
adviser's agence code is kept so that an agence sees its own records (``accounts.scoping``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

MAX_RESOURCES = 20


@dataclass(frozen=True)
class OrientationEvent:
    """One orientation: where (department, commune INSEE code), which needs, which resources."""

    departement: str | None
    code_commune: str | None
    thematiques: tuple[str, ...]
    ressources: tuple[str, ...]
    date: str = ""  # UTC, ISO 8601 to the second; set by ``record`` when empty
    agence: str | None = None  # France Travail agency code of the adviser, if any

    def to_dict(self) -> dict:
        return {
            "date": self.date,
            "departement": self.departement,
            "code_commune": self.code_commune,
            "agence": self.agence,
            "thematiques": list(self.thematiques),
            "ressources": list(self.ressources),
        }


class OrientationLog(Protocol):
    def record(self, event: OrientationEvent, now: datetime | None = None) -> int: ...
    def events(
        self, departement: str | None = None, limit: int = 1000, agence: str | None = None
    ) -> list[OrientationEvent]: ...
