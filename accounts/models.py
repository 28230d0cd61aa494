"""The records of people and organisations (plain dataclasses, no storage)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from accounts import audit_labels, roles

ACTIVE = "actif"
PENDING = "en_attente"
DEACTIVATED = "desactive"
STATUSES = {ACTIVE: "Actif", PENDING: "En attente de validation", DEACTIVATED: "Désactivé"}

AGENCE = "agence"
CONSEIL_DEPARTEMENTAL = "conseil_departemental"
ORGANISATION_KINDS = {
    AGENCE: "Agence France Travail",
    CONSEIL_DEPARTEMENTAL: "Conseil départemental",
}

TERRITORY_KINDS = ("MDS", "CMS", "CDAS", "UTAS", "STS", "autre")

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DEPARTEMENT_RE = re.compile(r"^(\d{2}|2A|2B|97[1-6])$")


class AccountError(ValueError):
    """A request the accounts domain refuses (French message, shown as is)."""


class PendingAccount(AccountError):
    """The account exists but waits for an administrator's validation."""


def check_email(email: str) -> str:
    """``" Anne@Exemple.fr "`` → ``"anne@exemple.fr"``; raises ``AccountError`` if malformed."""
    email = (email or "").strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise AccountError(f"Adresse électronique invalide : « {email} ».")
    return email


def check_departement(code: str) -> str:
    """``"51"``, ``"2A"``, ``"974"``; raises ``AccountError`` otherwise."""
    code = (code or "").strip().upper()
    if not DEPARTEMENT_RE.match(code):
        raise AccountError(f"Code de département invalide : « {code} ».")
    return code


@dataclass(frozen=True)
class Departement:
    """A department and whether its Conseil départemental shares the base (its staff may log
    in); issue 9, and DOMAIN.md: 18 departments shared the base with their CD in 2017."""

    code: str
    partage: bool = False


@dataclass(frozen=True)
class Organisation:
    """A France Travail agence (``code`` its agency code) or a Conseil départemental."""

    id: int | None
    kind: str
    code: str
    nom: str
    departement: str

    @property
    def kind_label(self) -> str:
        return ORGANISATION_KINDS.get(self.kind, self.kind)


@dataclass(frozen=True)
class Territory:
    """A territoire d'action sociale (MDS, CMS, CDAS…) of a department."""

    id: int | None
    departement: str
    nom: str
    kind: str = "autre"
    courriel: str = ""


@dataclass(frozen=True)
class User:
    """A person who may log in. ``departement`` scopes what they see; ``agence`` is the
    France Travail agency code of an adviser; ``territoire_id`` a CD member's territory."""

    id: int | None
    email: str
    nom: str = ""
    role: str = roles.CONSEILLER
    departement: str | None = None
    agence: str | None = None
    territoire_id: int | None = None
    status: str = ACTIVE
    password_hash: str | None = None
    oidc_subject: str | None = None
    claims: dict = field(default_factory=dict)  # what the identity provider said, for review
    created_at: str = ""
    last_login_at: str | None = None

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    @property
    def role_label(self) -> str:
        return roles.label(self.role)

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    def can(self, action: str) -> bool:
        return self.active and roles.allows(self.role, action)


@dataclass(frozen=True)
class AuditEntry:
    """Who did what, when, on which record. Never any search text."""

    id: int | None
    at: str
    actor_id: int | None
    actor_email: str
    action: str
    record: str
    departement: str | None
    details: str = ""

    @property
    def actor_label(self) -> str:
        return audit_labels.actor_label(self.actor_email)

    @property
    def action_label(self) -> str:
        return audit_labels.action_label(self.action)

    @property
    def record_label(self) -> str:
        return audit_labels.record_label(self.record)

    @property
    def details_label(self) -> str:
        return audit_labels.details_label(self.details)
