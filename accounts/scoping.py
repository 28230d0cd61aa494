"""Who may act where: the one rule every service checks before it reads or writes.

- ``admin_national`` acts everywhere;
- everyone else acts only within their own department (CD staff and department admins: their
  department's members, territories, resources, audit log);
- a France Travail adviser sees the records of their own agence;
- Conseil départemental staff may log in only when their department shares the base.

Source: issue 9 ("Scoping is enforced on the server for every query").
"""

from __future__ import annotations

from accounts import roles
from accounts.models import Departement, User


class AccessDenied(PermissionError):
    """The person may not do this here (French message; the web answers 403)."""


def require(actor: User | None, action: str, departement: str | None = None) -> User:
    """Return ``actor`` if they may perform ``action`` (in ``departement`` when given).

    Raises ``AccessDenied`` for an anonymous, inactive or out-of-scope person.
    """
    if actor is None or not actor.active:
        raise AccessDenied("Connectez-vous avec un compte actif.")
    if not actor.can(action):
        raise AccessDenied(
            f"Votre rôle ({actor.role_label}) ne permet pas de "
            f"{roles.ACTION_LABELS.get(action, action)}."
        )
    if departement is not None and not in_department(actor, departement):
        raise AccessDenied(f"Vous n'agissez pas pour le département {departement}.")
    return actor


def in_department(actor: User, departement: str) -> bool:
    """Whether ``actor``'s scope includes ``departement``."""
    if actor.role == roles.ADMIN_NATIONAL:
        return True
    return actor.departement is not None and actor.departement == departement


def departments_in_scope(actor: User, all_codes: list[str]) -> list[str]:
    """The departments among ``all_codes`` that ``actor`` may administer or read."""
    return [code for code in all_codes if in_department(actor, code)]


def sees_agence(actor: User, agence: str | None) -> bool:
    """A France Travail adviser sees the records of their own agence only; department and
    national admins see their department's (checked with ``in_department``)."""
    if actor.role in roles.FRANCE_TRAVAIL_ROLES:
        return agence is not None and actor.agence == agence
    return actor.role in (roles.ADMIN_DEPARTEMENTAL, roles.ADMIN_NATIONAL)


def require_agence(actor: User | None, agence: str, agence_departement: str | None) -> User:
    """Return ``actor`` if they may read the records of ``agence`` (whose department is
    ``agence_departement``, None for an agence Relais does not know).

    A France Travail adviser: their own agence only; a department admin: the agences of their
    department; the national admin: every agence. Raises ``AccessDenied`` otherwise.
    Source: issue 9 ("a France Travail adviser sees the records of their agence").
    """
    if actor is None or not actor.active:
        raise AccessDenied("Connectez-vous avec un compte actif.")
    if not sees_agence(actor, agence):
        raise AccessDenied(f"Vous ne voyez pas les enregistrements de l'agence {agence}.")
    if actor.role == roles.ADMIN_DEPARTEMENTAL and (
        agence_departement is None or not in_department(actor, agence_departement)
    ):
        raise AccessDenied(f"L'agence {agence} ne relève pas de votre département.")
    return actor


def may_log_in(user: User, departement: Departement | None) -> str | None:
    """None if ``user`` may open a session, else the French reason."""
    if user.status == "en_attente":
        return "Votre compte attend la validation d'un administrateur de votre département."
    if not user.active:
        return "Ce compte est désactivé."
    if user.role in roles.CD_ROLES and (departement is None or not departement.partage):
        return (
            "Le Conseil départemental de votre département ne partage pas la base : "
            "les comptes de ses agents ne sont pas ouverts."
        )
    return None
