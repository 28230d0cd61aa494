"""Anonymous orientation events (axe 1): which needs came up where, and which resources answered.

A logged-in adviser who prints an orientation sheet records one event: the department, the
commune's EPCI and the commune itself only when it is not small
(``resource_base.needs_events.anonymous_place``), the thématiques searched except the
sensitive ones (counted only in monthly aggregates), the resources chosen and the day.
Nothing else, and nothing about the person (issue 13).
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
    date: str = ""  # UTC day, YYYY-MM-DD; set by ``record`` when empty
    agence: str | None = None  # France Travail agency code of the adviser, if any
    epci: str | None = None  # SIREN code of the commune's EPCI

    @property
    def mois(self) -> str:
        return self.date[:7]

    def to_dict(self) -> dict:
        return {
            "date": self.date,
            "departement": self.departement,
            "code_commune": self.code_commune,
            "epci": self.epci,
            "agence": self.agence,
            "thematiques": list(self.thematiques),
            "ressources": list(self.ressources),
        }


class OrientationLog(Protocol):
    def record(self, event: OrientationEvent, now: datetime | None = None) -> int: ...
    def events(
        self, departement: str | None = None, limit: int = 1000
    ) -> list[OrientationEvent]: ...
