"""The orientation records of one France Travail agence, for the people allowed to read them.

Scoping is checked here, on every read (``accounts.scoping.require_agence``), not only by the
view. The records are the anonymous events an orientation sheet leaves (date, commune,
needs, resources: never the person nor the adviser).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from accounts import scoping
from accounts.models import AGENCE, User
from resource_base import vocabulary
from resource_base.audience import Audience
from resource_base.search import EngineUnavailable

PAGE_SIZE = 200  # newest first; an agence reads its recent activity, not an archive


@dataclass(frozen=True)
class RecordRow:
    """One orientation as the page shows it (French labels)."""

    jour: date | None  # the events are kept to the day (issue 13)
    commune: str  # "Reims (51454)"; a small commune is only its EPCI: "CC de … (EPCI)"
    besoins: tuple[str, ...]  # French labels of the thématiques
    ressources: tuple[str, ...]  # names, or "Ressource retirée (id)"


def event_day(value: str) -> date | None:
    """``2026-11-30`` (or an older row's ``2026-11-30T20:05:00Z``) → its day; None if
    unreadable."""
    try:
        return date.fromisoformat((value or "")[:10])
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
    epci_names: dict[str, str] | None = None
    rows = []
    for event in events:
        commune = runtime.directory.get(event.code_commune) if event.code_commune else None
        if commune:
            place = f"{commune.nom} ({commune.code_insee})"
        elif event.epci:
            if epci_names is None:
                epci_names = {
                    c.epci: c.epci_nom for c in runtime.directory.communes.values() if c.epci
                }
            place = f"{epci_names.get(event.epci) or 'EPCI ' + event.epci} (intercommunalité)"
        else:
            place = event.code_commune or "—"
        rows.append(
            RecordRow(
                jour=event_day(event.date),
                commune=place,
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
