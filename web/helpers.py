"""Small helpers shared by the web features: the runtime, French formatting, safe links."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Protocol
from urllib.parse import parse_qsl, quote, urlencode, urlsplit
from zoneinfo import ZoneInfo

import phonenumbers
from flask import Flask, abort, current_app, request, url_for

from resource_base import vocabulary
from resource_base.geo import CommuneDirectory
from resource_base.models import PRECISIONS_GEO, STATUTS, VISIBILITES
from resource_base.months import MOIS
from resource_base.search import SearchEngine, SearchService
from resource_base.store import Store

PARIS = ZoneInfo("Europe/Paris")  # the time people read (overseas departments: later)


class Runtime(Protocol):
    """What the web UI uses of the runtime the composition root attaches to the app."""

    directory: CommuneDirectory
    search_service: SearchService
    engine: SearchEngine
    store: Store


def runtime() -> Runtime:
    return current_app.extensions["relais"]


def now() -> datetime:
    """The search service's clock (aware): every place reads it in its own time zone."""
    return runtime().search_service.clock()


def french_number(value: float, digits: int = 1) -> str:
    """``3.25`` → ``"3,2"`` (French decimal comma)."""
    return f"{value:.{digits}f}".replace(".", ",")


def distance_text(km: float | None) -> str:
    if km is None:
        return ""
    return f"{french_number(km)} km" if km < 10 else f"{round(km):d} km"


# Regions of the French numbering plan: dialled from France in their national form.
_FRENCH_PLAN = frozenset({"FR", "RE", "YT", "GP", "BL", "MF", "MQ", "GF", "PM"})


def phone_text(number: str | None) -> str:
    """A stored number (E.164, or a short number) as an adviser dials it from France, by
    ``phonenumbers``: ``+33353010000`` → ``03 53 01 00 00``, ``+262262123456`` →
    ``0262 12 34 56``, ``+3221234567`` → ``+32 2 123 45 67``; short numbers (``3919``) and
    anything unparsable are left as given."""
    if not number:
        return ""
    number, _, extension = number.partition(" poste ")
    if extension:  # an extension kept by the import: « +33326000000 poste 12 »
        return f"{phone_text(number)} poste {extension}"
    parsed = _parse_phone(number)
    if parsed is None:
        return number
    if phonenumbers.region_code_for_number(parsed) in _FRENCH_PLAN:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def phone_href(number: str | None) -> str:
    """A ``tel:`` link: the E.164 form, or the digits of a short number; an extension as
    RFC 3966 says (``+33326000000 poste 12`` → ``tel:+33326000000;ext=12``)."""
    if not number:
        return ""
    number, _, extension = number.partition(" poste ")
    suffix = f";ext={extension}" if extension.isdigit() else ""
    parsed = _parse_phone(number)
    if parsed is None:
        return "tel:" + "".join(c for c in number if c.isdigit() or c == "+") + suffix
    return "tel:" + phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) + suffix


def _parse_phone(number: str) -> phonenumbers.PhoneNumber | None:
    """A stored number (E.164, or a national French one written by hand into a record);
    None for a short number or an unparsable value."""
    if not number.startswith(("+", "0")) or len(number) < 10:
        return None
    try:
        return phonenumbers.parse(number, "FR")
    except phonenumbers.NumberParseException:
        return None


def french_date(value: date | str | None) -> str:
    """``2026-11-23`` → ``23 novembre 2026``."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MOIS[value.month - 1]} {value.year}"


ISO_DATE_IN_TEXT = re.compile(r"(?<![\d-])(\d{4}-\d{2}-\d{2})(?![\d-])")


def french_dates_in(text: str | None) -> str:
    """Dates written ``AAAA-MM-JJ`` inside a text shown in French form, the rest untouched:
    ``"entretien séparé du 2026-12-01"`` → ``"entretien séparé du 1er décembre 2026"`` (the
    file's history: stored reasons keep their ISO dates, issue 10)."""
    return ISO_DATE_IN_TEXT.sub(lambda match: french_date(match[1]), text or "")


def french_datetime(value: datetime | str | None) -> str:
    """A moment in Paris time, to the minute: ``2026-11-30T21:16:13Z`` → ``30 novembre 2026
    à 22 h 16``. A string without offset is the server's local time (the import history)."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    moment = value.astimezone(PARIS)
    return f"{french_date(moment.date())} à {moment.hour} h {moment.minute:02d}"


def capitalize_first(text: str) -> str:
    """``"ouvre demain à 9 h"`` → ``"Ouvre demain à 9 h"`` (Jinja's ``capitalize`` lowers the rest)."""
    return text[:1].upper() + text[1:] if text else text


def lower_first(text: str) -> str:
    """A label inside a sentence or list: ``"Se présenter"`` → ``"se présenter"``; an acronym
    stays as written (``"RSA"``)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``plural(2, "ressource")`` → ``"2 ressources"`` (0 and 1 take the singular in French);
    thousands grouped with a narrow no-break space: ``"20 000 lignes"``."""
    word = singular if count <= 1 else (plural_form or singular + "s")
    return f"{count:,} {word}".replace(",", "\u202f")  # 20 000: narrow no-break space


def safe_return(url: str | None) -> str | None:
    """A local path to go back to (never another site): ``/?commune=…`` is kept."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not url.startswith("/") or url.startswith("//"):
        return None
    if "\\" in url:
        return None
    return url


def without_text(path: str) -> str:
    """``/?code_commune=51108&q=dettes`` → ``/?code_commune=51108``: the free text ``q`` is
    typed during an interview and may concern the person, so it never travels in a URL that
    is logged or shared (``retour=``, redirects, the sheet's address)."""
    parts = urlsplit(path)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "q"]
    return parts.path + ("?" + urlencode(query) if query else "")


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def web_link(url: str | None) -> str | None:
    """A safe ``href`` for a web address from a source file: http(s) only, scheme added to
    ``www.example.fr``; anything else (``javascript:``…) gives None."""
    if not url or not url.strip():
        return None
    url = url.strip()
    scheme = urlsplit(url).scheme.lower()
    if not scheme:
        return "https://" + url.lstrip("/")
    return url if scheme in ("http", "https") else None


def external_url(endpoint: str, **values) -> str:
    """Absolute URL for a QR code, a message or an identity provider: setting ``PUBLIC_URL``
    (the address people reach). Without it, the request's host only if it is a loopback
    address or listed in ``ALLOWED_HOSTS``; otherwise 400, so that a forged ``Host:
    phishing.example`` never rewrites a link."""
    base = current_app.config.get("PUBLIC_URL") or (runtime().settings or {}).get("PUBLIC_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    allowed = {h.strip().lower() for h in current_app.config.get("ALLOWED_HOSTS", "").split(",")}
    host = (request.host or "").lower()
    hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    if hostname not in LOOPBACK_HOSTS and hostname not in allowed and host not in allowed:
        abort(400, "Adresse publique non configurée (RELAIS_PUBLIC_URL ou RELAIS_ALLOWED_HOSTS).")
    return url_for(endpoint, _external=True, **values)


def route_url(
    lat: float | None, lon: float | None, origin: tuple[float, float] | None = None
) -> str | None:
    """A route link to a place, from ``origin`` (the person's commune) when known, with the
    provider of the setting ``ROUTE_PROVIDER`` (OpenStreetMap by default; "aucun": None).

    >>> # route_url(48.97, 4.37, (48.96, 4.36)) with openstreetmap:
    >>> # "https://www.openstreetmap.org/directions?from=48.96000%2C4.36000&to=48.97000%2C4.37000"
    """
    if lat is None or lon is None:
        return None
    provider = (runtime().settings or {}).get("ROUTE_PROVIDER", "openstreetmap")
    to = f"{lat:.5f},{lon:.5f}"
    start = f"{origin[0]:.5f},{origin[1]:.5f}" if origin else ""
    if provider == "google":
        url = f"https://www.google.com/maps/dir/?api=1&destination={quote(to)}"
        return url + (f"&origin={quote(start)}" if start else "")
    if provider == "openstreetmap":
        return f"https://www.openstreetmap.org/directions?from={quote(start)}&to={quote(to)}"
    return None


def init_app(app: Flask) -> None:
    app.add_template_filter(distance_text, "distance")
    app.add_template_filter(phone_text, "phone")
    app.add_template_filter(phone_href, "tel")
    app.add_template_filter(french_date, "date_fr")
    app.add_template_filter(french_dates_in, "dates_fr_dans")
    app.add_template_filter(french_datetime, "date_heure")
    app.add_template_filter(french_number, "nombre")
    app.add_template_filter(capitalize_first)
    app.add_template_filter(lower_first)
    app.add_template_filter(web_link)
    app.add_template_global(plural, "pluriel")
    app.add_template_global(route_url, "itineraire")

    @app.context_processor
    def vocabulary_labels() -> dict:
        return {
            "libelle": vocabulary.label,
            "PUBLICS": vocabulary.PUBLICS,
            "FRAIS": vocabulary.FRAIS,
            "MODES_ACCUEIL": vocabulary.MODES_ACCUEIL,
            "MODES_MOBILISATION": vocabulary.MODES_MOBILISATION,
            "MOBILISABLE_PAR": vocabulary.MOBILISABLE_PAR,
            "RESEAUX_PORTEURS": vocabulary.RESEAUX_PORTEURS,
            "STATUTS": STATUTS,
            "VISIBILITES": VISIBILITES,
            "PRECISIONS_GEO": PRECISIONS_GEO,
        }
