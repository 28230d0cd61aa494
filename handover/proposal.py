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


def read_proposal(
    form,
    today: date,
    commune_exists: Callable[[str], bool],
    collected_by: int | None,
) -> Proposal:
    """Check a proposal's fields; raises ``HandOverError`` naming the first bad field."""
    axe_text = _text(form, "axe")
    if axe_text not in {str(a) for a in AXES}:
        raise HandOverError(
            "Choisissez l'accompagnement : global (axe 2) ou social (axe 3).", "axe"
        )

    identifiant = re.sub(r"\s", "", _text(form, "identifiant_ft")).upper()
    if not IDENTIFIANT_RE.match(identifiant):
        raise HandOverError(
            "Identifiant France Travail : 7 à 11 chiffres ou lettres (jamais le NIR).",
            "identifiant_ft",
        )
    names = {}
    for name, label in (("nom", "Nom"), ("prenom", "Prénom")):
        value = _text(form, name)
        if not value or len(value) > MAX_NAME:
            raise HandOverError(f"{label} : obligatoire, au plus {MAX_NAME} caractères.", name)
        names[name] = value
    birth = parse_date(_text(form, "date_naissance"), "date_naissance", "Date de naissance")
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    if not AGE_RANGE[0] <= age <= AGE_RANGE[1]:
        raise HandOverError(
            f"Date de naissance : la personne aurait {age} ans (attendu entre "
            f"{AGE_RANGE[0]} et {AGE_RANGE[1]}).",
            "date_naissance",
        )
    commune = _text(form, "code_commune")
    if not commune_exists(commune):
        raise HandOverError(
            f"Commune de résidence : « {commune} » n'est pas un code INSEE connu.", "code_commune"
        )
    telephone = _phone(_text(form, "telephone"))
    courriel = _email(_text(form, "courriel"))
    if not telephone and not courriel:
        raise HandOverError(
            "Indiquez comment joindre la personne : téléphone ou adresse électronique.",
            "telephone",
        )
    person = Person(
        identifiant_ft=identifiant,
        nom=names["nom"],
        prenom=names["prenom"],
        date_naissance=birth,
        code_commune=commune,
        telephone=telephone,
        courriel=courriel,
        beneficiaire_rsa=_text(form, "beneficiaire_rsa") in {"oui", "on", "true", "1"},
    )

    freins = tuple(dict.fromkeys(_values(form, "freins")))
    unknown = [f for f in freins if f not in vocabulary.CATEGORIES]
    if unknown:
        raise HandOverError(f"Freins : « {unknown[0]} » n'est pas une thématique connue.", "freins")
    if not freins or len(freins) > MAX_FREINS:
        raise HandOverError(f"Freins : choisissez de 1 à {MAX_FREINS} thématiques.", "freins")
    appreciations = tuple(dict.fromkeys(_values(form, "appreciations")))
    bad = [a for a in appreciations if a not in APPRECIATIONS]
    if bad:
        raise HandOverError(f"Appréciation inconnue : « {bad[0]} ».", "appreciations")
    texte = check_text(_text(form, "appreciation_texte"), "appreciation_texte", "Appréciation")
    modalite = _text(form, "modalite") or "entretiens_separes"
    if modalite not in MODALITES:
        raise HandOverError(f"Modalité inconnue : « {modalite} ».", "modalite")

    return Proposal(
        axe=int(axe_text),
        person=person,
        freins=freins,
        appreciations=appreciations,
        appreciation_texte=texte,
        modalite=modalite,
        consent=_consent(form, today, collected_by),
    )


def _consent(form, today: date, collected_by: int | None) -> Consent:
    scopes = tuple(s for s in CONSENT_SCOPES if s in _values(form, "consentement_portees"))
    missing = [s for s in REQUIRED_SCOPES if s not in scopes]
    if missing:
        raise HandOverError(
            "Consentement : la personne doit accepter « "
            + CONSENT_SCOPES[missing[0]].lower()
            + " » pour que la proposition soit transmise.",
            "consentement_portees",
        )
    method = _text(form, "consentement_methode")
    if method not in CONSENT_METHODS:
        raise HandOverError(
            "Consentement : indiquez comment il a été recueilli (à l'oral ou par écrit).",
            "consentement_methode",
        )
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
