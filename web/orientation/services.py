"""The orientation sheet: the chosen resources, a QR code to each page, a text to copy.

The sheet is built from resource ids only; what is recorded (``resource_base.orientation``)
holds no data about the person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import segno
from markupsafe import Markup

from resource_base import vocabulary
from resource_base.audience import Audience
from resource_base.needs_events import anonymous_place
from resource_base.orientation import MAX_RESOURCES, OrientationEvent
from web.helpers import Runtime, phone_text
from web.orientation import sms
from web.resources.services import ResourceView

MAX_SHEET = 10  # one printed page holds about six; ten is the hard limit


@dataclass
class SheetEntry:
    resource: ResourceView
    url: str
    qr_svg: Markup
    short_url: str = ""


def parse_ids(values: list[str]) -> list[str]:
    """Resource ids from the form, deduplicated, in the adviser's order."""
    return list(dict.fromkeys(v.strip() for v in values if v and v.strip()))[:MAX_RESOURCES]


def qr_svg(url: str) -> Markup:
    """An inline SVG QR code (decorative for screen readers: the URL is printed beside it)."""
    svg = segno.make(url, error="m").svg_inline(
        scale=1, border=2, omitsize=True, svgclass="relais-qr"
    )
    return Markup(svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1))


def load_resources(
    runtime: Runtime, ids: list[str], audience: Audience
) -> tuple[list[dict], list[str]]:
    """The records ``audience`` may see, and the other ids (deleted since the search, or
    professionals-only for a public audience: the same answer)."""
    found, missing = [], []
    for rid in ids:
        record = runtime.search_service.get(rid, audience)
        if record:
            found.append(record)
        else:
            missing.append(rid)
    return found, missing


def build_sheet(records: list[dict], now: datetime, url_of, short_url_of=None) -> list[SheetEntry]:
    entries = []
    for record in records:
        url = url_of(record["id"])
        short = short_url_of(record["id"]) if short_url_of else url
        entries.append(SheetEntry(ResourceView(record, now), url, qr_svg(url), short))
    return entries


def sms_message(entries: list[SheetEntry]) -> str:
    """The SMS: per resource its name, phone and short link, GSM-7 only (``sms``)."""
    return sms.sms_text(
        [(e.resource.nom, phone_text(e.resource.telephone) or None, e.short_url) for e in entries]
    )


def with_ids(retour: str | None, ids: list[str]) -> str | None:
    """The search page to come back to, with the ticked resources (``ids``) in its query, so
    that "Retour aux résultats" shows them ticked, with or without JavaScript."""
    if not retour:
        return None
    parts = urlsplit(retour)
    args = [(k, v) for k, values in parse_qs(parts.query).items() for v in values if k != "ids"]
    args += [("ids", rid) for rid in ids]
    return urlunsplit(("", "", parts.path, urlencode(args), ""))


def message_text(entries: list[SheetEntry]) -> str:
    """A short text for an SMS or an e-mail: one paragraph per resource."""
    intro = (
        "Bonjour, voici les contacts dont nous avons parlé :"
        if len(entries) > 1
        else "Bonjour, voici le contact dont nous avons parlé :"
    )
    paragraphs = [intro]
    for number, entry in enumerate(entries, start=1):
        r = entry.resource
        lines = [
            f"{number}. {r.nom} ({r.nom_structure})" if r.nom_structure else f"{number}. {r.nom}"
        ]
        if r.temporairement_ferme:
            lines.append("Attention : fermé temporairement, appelez avant de vous déplacer.")
        if r.sur_place and r.adresse_lignes:
            lines.append(r.adresse_texte)
        elif not r.sur_place:
            lines.append("Service à distance")
        if r.telephone:
            lines.append(f"Tél. {phone_text(r.telephone)}")
        if r.courriel:
            lines.append(r.courriel)
        if r.horaires_lignes:
            lines.append("Horaires : " + " ; ".join(r.horaires_lignes))
        lines.append(entry.url)
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def event_for(
    runtime: Runtime,
    code_commune: str | None,
    thematiques: list[str],
    ids: list[str],
    agence: str | None = None,
) -> OrientationEvent:
    """The anonymous event: the commune's department and EPCI (the commune itself only when
    it is not small: ``anonymous_place``), the needs searched, the resources, and the
    adviser's agence code (never the adviser nor the person)."""
    commune = runtime.directory.get(code_commune) if code_commune else None
    place = anonymous_place(commune)
    return OrientationEvent(
        departement=place.departement,
        code_commune=place.code_commune,
        epci=place.epci,
        thematiques=tuple(t for t in dict.fromkeys(thematiques) if vocabulary.is_thematique(t)),
        ressources=tuple(ids),
        agence=agence,
    )


def context_from_return(retour: str | None) -> tuple[str | None, list[str]]:
    """The commune and needs of the search the adviser came from (``/?code_commune=…``)."""
    if not retour:
        return None, []
    args = parse_qs(urlsplit(retour).query)
    codes = args.get("code_commune") or [None]
    return codes[0], args.get("thematiques", [])
