"""The orientation records of one France Travail agence, for the people allowed to read them.

Scoping is checked here, on every read (``accounts.scoping.require_agence``), not only by the
view. The records are the anonymous events an orientation sheet leaves (date, commune,
needs, resources: never the person nor the adviser).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from accounts import scoping
from accounts.models import AGENCE, User
from resource_base import vocabulary
from resource_base.audience import Audience
from resource_base.search import EngineUnavailable

PAGE_SIZE = 200  # newest first; an agence reads its recent activity, not an archive
PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class RecordRow:
    """One orientation as the page shows it (French labels, local time)."""

    moment: datetime | None  # Europe/Paris
    commune: str  # "Reims (51454)", or the code alone when unknown
    besoins: tuple[str, ...]  # French labels of the thématiques
    ressources: tuple[str, ...]  # names, or "Ressource retirée (id)"


def local_time(value: str) -> datetime | None:
    """``2026-11-30T20:05:00Z`` (UTC) → the same moment in Europe/Paris; None if unreadable."""
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(PARIS)
    except ValueError:
        return None


def agence_records(runtime, actor: User | None, agence: str) -> tuple[object, list[RecordRow]]:
    """``(organisation or None, rows)``: the latest ``PAGE_SIZE`` orientations of ``agence``.

    Raises ``accounts.scoping.AccessDenied`` when ``actor`` may not read them (another
    agence, a Conseil départemental role, another department's admin).
    """
    agence = agence.strip().upper()
    organisation = runtime.accounts.store.find_organisation(AGENCE, agence)
    scoping.require_agence(actor, agence, organisation.departement if organisation else None)
    events = runtime.orientation_log.events(limit=PAGE_SIZE, agence=agence)
    names = _resource_names(runtime, {rid for e in events for rid in e.ressources})
    rows = []
    for event in events:
        commune = runtime.directory.get(event.code_commune) if event.code_commune else None
        rows.append(
            RecordRow(
                moment=local_time(event.date),
                commune=f"{commune.nom} ({commune.code_insee})"
                if commune
                else (event.code_commune or "—"),
                besoins=tuple(vocabulary.label(t) for t in event.thematiques),
                ressources=tuple(names[rid] for rid in event.ressources),
            )
        )
    return organisation, rows


def _resource_names(runtime, ids: set[str]) -> dict[str, str]:
    names = {}
    for rid in ids:
        try:
            record = runtime.search_service.get(rid, Audience.PROFESSIONAL)
        except EngineUnavailable:
            record = None
        names[rid] = record["nom"] if record else f"Ressource retirée ({rid})"
    return names
