"""Reading a proposal from a form or a JSON body: every field checked, each error in French
naming its field (``HandOverError.field``).

The shape (``dict`` of strings or lists, as a form or JSON gives them)::

    {"axe": "2", "identifiant_ft": "1234567A", "nom": "…", "prenom": "…",
     "date_naissance": "1985-04-12", "code_commune": "51454", "telephone": "06…",
     "courriel": "", "beneficiaire_rsa": "oui", "freins": ["logement-hebergement", …],
     "appreciations": ["freins_multiples"], "appreciation_texte": "…",
     "modalite": "entretiens_separes", "consentement_portees": ["transmission", "diagnostic"],
     "consentement_date": "2026-11-30", "consentement_methode": "oral"}

Sources: issue 10 (no NIR, no attachments, free text at most 1,000 characters; consent as a
record with scopes, date, collector, method and the notice's version).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import email_validator
import phonenumbers

from handover.models import (
    APPRECIATIONS,
    AXES,
    CONSENT_METHODS,
    CONSENT_SCOPES,
    IDENTIFIANT_RE,
    MAX_TEXT,
    MODALITES,
    NOTICE_VERSION,
    Consent,
    HandOverError,
    Person,
)
from resource_base import vocabulary

REQUIRED_SCOPES = ("transmission", "diagnostic")
MAX_NAME = 100
MAX_FREINS = 12
AGE_RANGE = (16, 80)  # years, at the date of the proposal
FIELDS = (  # the form's order, that of its errors
    "axe",
    "identifiant_ft",
    "nom",
    "prenom",
    "date_naissance",
    "code_commune",
    "telephone",
    "courriel",
    "freins",
    "appreciations",
    "appreciation_texte",
    "modalite",
    "consentement_portees",
    "consentement_date",
    "consentement_methode",
)


@dataclass(frozen=True)
class Proposal:
    axe: int
    person: Person
    freins: tuple[str, ...]
    appreciations: tuple[str, ...]
    appreciation_texte: str
    modalite: str
    consent: Consent


def _values(form, name: str) -> list[str]:
    getlist = getattr(form, "getlist", None)
    raw = getlist(name) if getlist else form.get(name, [])
    if isinstance(raw, str):
        raw = [raw]
    return [str(v).strip() for v in raw or [] if str(v).strip()]


def _text(form, name: str) -> str:
    value = form.get(name)
    return "" if value is None else str(value).strip()


def parse_date(value: str, field: str, label: str) -> date:
    """``"2026-11-30"`` or ``"30/11/2026"`` → ``date``; ``HandOverError`` otherwise: « obligatoire »
    when empty, the expected shape when malformed (issue 10)."""
    value = (value or "").strip()
    if not value:
        raise HandOverError(f"{label} : obligatoire.", field)
    match = re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})", value)
    try:
        return date.fromisoformat(f"{match[3]}-{match[2]}-{match[1]}" if match else value)
    except ValueError:
        raise HandOverError(
            f"{label} : « {value} » n'est pas une date (attendu : AAAA-MM-JJ).", field
        ) from None


def check_text(value: str, field: str, label: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        raise HandOverError(
            f"{label} : {len(value)} caractères, au plus {MAX_TEXT} sont acceptés.", field
        )
    return value


class ProposalErrors(HandOverError):
    """Every bad field of a proposal at once: ``errors`` maps a field to its French message,
    in the form's order; ``str()`` joins the messages, ``field`` is the first bad field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()), next(iter(errors)))
        self.errors = dict(errors)


class _Collector:
    """Runs each field's check, keeping the first error per field instead of stopping."""

    def __init__(self, found: dict[str, str] | None = None):
        self.errors: dict[str, str] = dict(found or {})

    def check(self, field: str, check: Callable[[], object]):
        try:
            return check()
        except HandOverError as exc:
            self.errors.setdefault(exc.field or field, str(exc))
            return None


def read_proposal(
    form,
    today: date,
    commune_exists: Callable[[str], bool],
    collected_by: int | None,
    found: dict[str, str] | None = None,
) -> Proposal:
    """Check a proposal's fields; raises ``ProposalErrors`` naming every bad field (with
    ``found``, errors already seen by the caller, e.g. the typed commune, first)."""
    seen = _Collector(found)
    axe = seen.check("axe", lambda: _axe(form))
    person = _person(form, today, commune_exists, seen)
    freins = seen.check("freins", lambda: _freins(form))
    appreciations = seen.check("appreciations", lambda: _appreciations(form))
    texte = seen.check(
        "appreciation_texte",
        lambda: check_text(_text(form, "appreciation_texte"), "appreciation_texte", "Appréciation"),
    )
    modalite = seen.check("modalite", lambda: _modalite(form))
    consent = _consent(form, today, collected_by, seen)
    if seen.errors:
        order = {name: rank for rank, name in enumerate(FIELDS)}
        ranked = sorted(seen.errors.items(), key=lambda item: order.get(item[0], len(order)))
        raise ProposalErrors(dict(ranked))
    return Proposal(
        axe=axe,
        person=person,
        freins=freins,
        appreciations=appreciations,
        appreciation_texte=texte,
        modalite=modalite,
        consent=consent,
    )


def _axe(form) -> int:
    axe_text = _text(form, "axe")
    if axe_text not in {str(a) for a in AXES}:
        raise HandOverError(
            "Choisissez l'accompagnement : global (axe 2) ou social (axe 3).", "axe"
        )
    return int(axe_text)


def _identifiant(form) -> str:
    identifiant = re.sub(r"\s", "", _text(form, "identifiant_ft")).upper()
    if not IDENTIFIANT_RE.match(identifiant):
        message = "Identifiant France Travail : 7 à 11 chiffres ou lettres (jamais le NIR)."
        if not identifiant:
            message = "Identifiant France Travail : obligatoire, 7 à 11 chiffres ou lettres."
        raise HandOverError(message, "identifiant_ft")
    return identifiant


def _name(form, name: str, label: str) -> str:
    value = _text(form, name)
    if not value or len(value) > MAX_NAME:
        raise HandOverError(f"{label} : obligatoire, au plus {MAX_NAME} caractères.", name)
    return value


def _birth(form, today: date) -> date:
    birth = parse_date(_text(form, "date_naissance"), "date_naissance", "Date de naissance")
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    if not AGE_RANGE[0] <= age <= AGE_RANGE[1]:
        raise HandOverError(
            f"Date de naissance : la personne aurait {age} ans (attendu entre "
            f"{AGE_RANGE[0]} et {AGE_RANGE[1]}).",
            "date_naissance",
        )
    return birth


def _commune(form, commune_exists: Callable[[str], bool]) -> str:
    commune = _text(form, "code_commune")
    if not commune:
        raise HandOverError("Commune de résidence : obligatoire.", "code_commune")
    if not commune_exists(commune):
        raise HandOverError(
            f"Commune de résidence : « {commune} » n'est pas un code INSEE connu.", "code_commune"
        )
    return commune


def _contact(form) -> tuple[str, str]:
    telephone = _phone(_text(form, "telephone"))
    courriel = _email(_text(form, "courriel"))
    if not telephone and not courriel:
        raise HandOverError(
            "Indiquez comment joindre la personne : téléphone ou adresse électronique.",
            "telephone",
        )
    return telephone, courriel


def _person(form, today, commune_exists, seen: _Collector) -> Person | None:
    before = len(seen.errors)
    identifiant = seen.check("identifiant_ft", lambda: _identifiant(form))
    nom = seen.check("nom", lambda: _name(form, "nom", "Nom"))
    prenom = seen.check("prenom", lambda: _name(form, "prenom", "Prénom"))
    birth = seen.check("date_naissance", lambda: _birth(form, today))
    commune = seen.check("code_commune", lambda: _commune(form, commune_exists))
    contact = seen.check("telephone", lambda: _contact(form))
    if len(seen.errors) > before or contact is None:
        return None
    return Person(
        identifiant_ft=identifiant,
        nom=nom,
        prenom=prenom,
        date_naissance=birth,
        code_commune=commune,
        telephone=contact[0],
        courriel=contact[1],
        beneficiaire_rsa=_text(form, "beneficiaire_rsa") in {"oui", "on", "true", "1"},
    )


def _freins(form) -> tuple[str, ...]:
    freins = tuple(dict.fromkeys(_values(form, "freins")))
    unknown = [f for f in freins if f not in vocabulary.CATEGORIES]
    if unknown:
        raise HandOverError(f"Freins : « {unknown[0]} » n'est pas une thématique connue.", "freins")
    if not freins or len(freins) > MAX_FREINS:
        raise HandOverError(f"Freins : choisissez de 1 à {MAX_FREINS} thématiques.", "freins")
    return freins


def _appreciations(form) -> tuple[str, ...]:
    appreciations = tuple(dict.fromkeys(_values(form, "appreciations")))
    bad = [a for a in appreciations if a not in APPRECIATIONS]
    if bad:
        raise HandOverError(f"Appréciation inconnue : « {bad[0]} ».", "appreciations")
    return appreciations


def _modalite(form) -> str:
    modalite = _text(form, "modalite") or "entretiens_separes"
    if modalite not in MODALITES:
        raise HandOverError(f"Modalité inconnue : « {modalite} ».", "modalite")
    return modalite


def _scopes(form) -> tuple[str, ...]:
    scopes = tuple(s for s in CONSENT_SCOPES if s in _values(form, "consentement_portees"))
    missing = [s for s in REQUIRED_SCOPES if s not in scopes]
    if missing:
        raise HandOverError(
            "Consentement : la personne doit accepter « "
            + CONSENT_SCOPES[missing[0]].lower()
            + " » pour que la proposition soit transmise.",
            "consentement_portees",
        )
    return scopes


def _method(form) -> str:
    method = _text(form, "consentement_methode")
    if method not in CONSENT_METHODS:
        raise HandOverError(
            "Consentement : indiquez comment il a été recueilli (à l'oral ou par écrit).",
            "consentement_methode",
        )
    return method


def _consent_date(form, today: date) -> date:
    when = parse_date(
        _text(form, "consentement_date") or today.isoformat(),
        "consentement_date",
        "Date du consentement",
    )
    if when > today or (today - when).days > 30:
        raise HandOverError(
            "Date du consentement : au plus tard aujourd'hui et depuis moins de 30 jours.",
            "consentement_date",
        )
    return when


def _consent(form, today: date, collected_by: int | None, seen: _Collector) -> Consent | None:
    scopes = seen.check("consentement_portees", lambda: _scopes(form))
    when = seen.check("consentement_date", lambda: _consent_date(form, today))
    method = seen.check("consentement_methode", lambda: _method(form))
    if scopes is None or method is None or when is None:
        return None
    return Consent(scopes, when, collected_by, method, NOTICE_VERSION)


def _phone(value: str) -> str:
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise HandOverError(f"Téléphone : « {value} » n'est pas un numéro valide.", "telephone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _email(value: str) -> str:
    if not value:
        return ""
    try:
        checked = email_validator.validate_email(value, check_deliverability=False)
    except email_validator.EmailNotValidError:
        raise HandOverError(
            f"Adresse électronique : « {value} » n'est pas valide.", "courriel"
        ) from None
    return checked.normalized
