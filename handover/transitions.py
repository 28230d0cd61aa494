"""The statuses and their transitions: one explicit table (action, from, to, roles, guard).

Every change of status goes through ``check``; anything not in the table is refused with
``IllegalTransition`` (the web and API answer 409 with its French message). ``SYSTEM`` is the
actor of ``relais taches`` (expiry). Source: issue 10 ("Statuses and transitions are one
explicit table").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from accounts import roles
from accounts.scoping import AccessDenied
from handover.models import (
    ACCEPTEE,
    ANNULEE,
    AXE_GLOBAL,
    ENTREE,
    EXPIREE,
    PRISE_EN_CHARGE,
    REFUSEE,
    RENOUVELEE,
    STATUSES,
    TERMINEE,
    TRANSMISE,
    HandOver,
    IllegalTransition,
)

SYSTEM = "systeme"  # the scheduled tasks

FT = frozenset({roles.CONSEILLER, roles.CONSEILLER_AG})
ROUTERS = frozenset({roles.COORDINATEUR, roles.ADMIN_DEPARTEMENTAL})
CD = frozenset({roles.TRAVAILLEUR_SOCIAL, roles.COORDINATEUR, roles.ADMIN_DEPARTEMENTAL})
DECIDERS = CD | {roles.CONSEILLER_AG}

Guard = Callable[[HandOver], str | None]  # None, or the French reason of a refusal


def _always(_record: HandOver) -> str | None:
    return None


def _axe_2(record: HandOver) -> str | None:
    if record.axe != AXE_GLOBAL:
        return "Seul l'accompagnement global a un diagnostic France Travail et se renouvelle."
    return None


def _diagnostics_done(record: HandOver) -> str | None:
    if record.diagnostics_complete:
        return None
    if record.axe == AXE_GLOBAL:
        return (
            "La décision se prend une fois les deux diagnostics enregistrés "
            "(France Travail et Département)."
        )
    return "La décision se prend une fois le diagnostic du travailleur social enregistré."


@dataclass(frozen=True)
class Transition:
    action: str
    label: str  # French, shown on buttons and in the history
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    guard: Guard = _always


TABLE: tuple[Transition, ...] = (
    Transition("proposer", "Proposer", frozenset({""}), TRANSMISE, FT),
    Transition(
        "prendre_en_charge",
        "Prendre en charge",
        frozenset({TRANSMISE}),
        PRISE_EN_CHARGE,
        CD,
    ),
    Transition(
        "attribuer",
        "Attribuer à un travailleur social",
        frozenset({TRANSMISE, PRISE_EN_CHARGE}),
        PRISE_EN_CHARGE,
        ROUTERS,
    ),
    Transition(
        "rediriger",
        "Rediriger vers un autre territoire",
        frozenset({TRANSMISE, PRISE_EN_CHARGE}),
        TRANSMISE,
        ROUTERS,
    ),
    Transition(
        "refuser_reception",
        "Refuser",
        frozenset({TRANSMISE, PRISE_EN_CHARGE}),
        REFUSEE,
        ROUTERS,
    ),
    Transition(
        "diagnostic_ft",
        "Enregistrer le diagnostic France Travail",
        frozenset({PRISE_EN_CHARGE}),
        PRISE_EN_CHARGE,
        frozenset({roles.CONSEILLER_AG}),
        _axe_2,
    ),
    Transition(
        "diagnostic_cd",
        "Enregistrer le diagnostic du Département",
        frozenset({PRISE_EN_CHARGE}),
        PRISE_EN_CHARGE,
        CD,
    ),
    Transition(
        "accepter",
        "Décider l'entrée",
        frozenset({PRISE_EN_CHARGE}),
        ACCEPTEE,
        DECIDERS,
        _diagnostics_done,
    ),
    Transition(
        "refuser",
        "Décider un refus",
        frozenset({PRISE_EN_CHARGE}),
        REFUSEE,
        DECIDERS,
        _diagnostics_done,
    ),
    Transition(
        "reorienter",
        "Réorienter vers l'autre accompagnement",
        frozenset({PRISE_EN_CHARGE}),
        PRISE_EN_CHARGE,
        DECIDERS,
    ),
    Transition("entrer", "Enregistrer l'entrée", frozenset({ACCEPTEE}), ENTREE, DECIDERS),
    Transition(
        "renouveler", "Renouveler 6 mois", frozenset({ENTREE}), RENOUVELEE, DECIDERS, _axe_2
    ),
    Transition(
        "terminer",
        "Terminer l'accompagnement",
        frozenset({ENTREE, RENOUVELEE}),
        TERMINEE,
        DECIDERS,
    ),
    Transition(
        "annuler",
        "Annuler la proposition",
        frozenset({TRANSMISE, PRISE_EN_CHARGE, ACCEPTEE}),
        ANNULEE,
        FT,
    ),
    Transition(
        "expirer",
        "Expirer",
        frozenset({TRANSMISE, PRISE_EN_CHARGE}),
        EXPIREE,
        frozenset({SYSTEM}),
    ),
)
BY_ACTION: dict[str, Transition] = {t.action: t for t in TABLE}


def status_pairs() -> set[tuple[str, str]]:
    """Every (from, to) the table allows, the creation ``("", transmise)`` included."""
    return {(source, t.target) for t in TABLE for source in t.sources}


def check(action: str, record: HandOver | None, role: str) -> Transition:
    """The transition ``action`` from ``record``'s status by someone of ``role``.

    Raises ``IllegalTransition`` (French; 409) when the action is unknown, not possible from
    the status, or its guard refuses; ``AccessDenied`` (403) when it is not for this role.
    """
    transition = BY_ACTION.get(action)
    if transition is None:
        raise IllegalTransition(f"Action inconnue : « {action} ».")
    current = record.status if record is not None else ""
    if current not in transition.sources:
        raise IllegalTransition(
            f"« {transition.label} » n'est pas possible pour une orientation au statut "
            f"« {STATUSES.get(current, current)} »."
        )
    if role not in transition.roles:
        raise AccessDenied(
            f"« {transition.label} » n'est pas ouvert au rôle « {roles.label(role)} »."
        )
    if record is not None:
        reason = transition.guard(record)
        if reason:
            raise IllegalTransition(reason)
    return transition


def available(record: HandOver, role: str) -> list[Transition]:
    """The transitions ``role`` may take now (buttons to show)."""
    out = []
    for transition in TABLE:
        allowed = record.status in transition.sources and role in transition.roles
        if allowed and transition.guard(record) is None:
            out.append(transition)
    return out


def readme_table() -> str:
    """The table as Markdown, for the README (``tests/test_handover_transitions.py`` checks
    that the README shows this very table)."""
    lines = [
        "| action | de | vers | rôles |",
        "| --- | --- | --- | --- |",
    ]
    for t in TABLE:
        sources = ", ".join(STATUSES.get(s, "(création)") for s in sorted(t.sources))
        who = ", ".join(
            "le système (`relais taches`)" if r == SYSTEM else f"`{r}`" for r in sorted(t.roles)
        )
        lines.append(f"| {t.label} (`{t.action}`) | {sources} | {STATUSES[t.target]} | {who} |")
    return "\n".join(lines)
