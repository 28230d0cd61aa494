"""Who sees which hand-over: the row-level rule every read and action goes through.

- ``admin_national``: every department;
- ``admin_departemental``: their department;
- ``coordinateur`` and ``travailleur_social``: their territory's records (the department's
  when they have no territory: a department that works without coordinators), and the
  records assigned to them;
- ``conseiller`` and ``conseiller_ag``: their agence's records, and the ones they follow as
  referent.

Source: issue 10 ("a coordinateur of one territory cannot read another territory's inbox, nor a
person's file of another department"); ``handover-anchors.md`` (Carnet de bord's empty row
filter: scope every table at row level).
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts import roles
from accounts.models import User
from accounts.scoping import AccessDenied
from handover.models import HandOver


@dataclass(frozen=True)
class Scope:
    """A row filter the store applies: every field that is not None must match (an OR between
    ``territoire_id``/``agence`` and the ``user_id`` the person follows as referent)."""

    departement: str | None = None
    territoire_id: int | None = None
    agence: str | None = None
    user_id: int | None = None  # records where this person is a referent
    everything: bool = False


def scope_of(actor: User | None) -> Scope:
    """The rows ``actor`` may read. Raises ``AccessDenied`` for anyone without one."""
    if actor is None or not actor.active:
        raise AccessDenied("Connectez-vous avec un compte actif.")
    if actor.role == roles.ADMIN_NATIONAL:
        return Scope(everything=True)
    if actor.departement is None:
        raise AccessDenied("Votre compte n'est rattaché à aucun département.")
    if actor.role == roles.ADMIN_DEPARTEMENTAL:
        return Scope(departement=actor.departement)
    if actor.role in roles.CD_ROLES:
        return Scope(
            departement=actor.departement, territoire_id=actor.territoire_id, user_id=actor.id
        )
    if actor.role in roles.FRANCE_TRAVAIL_ROLES:
        if not actor.agence:
            raise AccessDenied("Votre compte n'est rattaché à aucune agence.")
        return Scope(agence=actor.agence, user_id=actor.id)
    raise AccessDenied(f"Le rôle « {actor.role_label} » ne voit pas les orientations.")


def sees(actor: User | None, record: HandOver) -> bool:
    """Whether ``record`` is within ``scope_of(actor)`` (the same rule as the store's filter)."""
    try:
        scope = scope_of(actor)
    except AccessDenied:
        return False
    return matches(scope, record)


def matches(scope: Scope, record: HandOver) -> bool:
    if scope.everything:
        return True
    if scope.user_id is not None and scope.user_id in (
        record.referent_cd_id,
        record.referent_ft_id,
        record.prise_en_charge_par,
    ):
        return True
    if scope.agence is not None:
        return record.agence == scope.agence
    if scope.departement != record.departement:
        return False
    return scope.territoire_id is None or scope.territoire_id == record.territoire_id


def require(actor: User | None, record: HandOver) -> User:
    """``actor`` if they may read ``record``; ``AccessDenied`` (403) otherwise."""
    if not sees(actor, record):
        raise AccessDenied("Cette orientation n'est pas dans votre périmètre.")
    assert actor is not None
    return actor
