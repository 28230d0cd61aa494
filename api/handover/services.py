"""What the hand-over routes share: the key's actor, the domain's errors as API errors, and
the records as the answers' dictionaries.

A key acts on hand-overs only with the ``accompagnements`` scope, which comes with an
organisation binding (``accounts.key_organisations``): the services then see it as a person of
that organisation (role, department, agence or territory), so every row-level rule of
``handover.access`` applies to it unchanged, and the audit log names the key.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict

from flask import current_app, g

from accounts import roles
from accounts.keys import SCOPE_ACCOMPAGNEMENTS, ApiKey
from accounts.models import User
from accounts.scoping import AccessDenied
from api.errors import api_abort
from handover import transitions
from handover.models import HandOver, HandOverConflict, HandOverError, IllegalTransition

# Actions a client takes with POST …/{id}/{action}: the table's, but the creation (POST on the
# collection) and the expiry (the scheduled tasks only).
ACTIONS = tuple(t.action for t in transitions.TABLE if t.action not in ("proposer", "expirer"))


def service():
    return current_app.extensions["relais"].handovers


def actor() -> User:
    """The key's actor; 401 without a key, 403 for a key without the hand-over scope."""
    key: ApiKey | None = g.get("api_key")
    if key is None:
        api_abort(
            401,
            code="cle_requise",
            message="Les orientations demandent une clé d'API liée à une organisation "
            "(portée « accompagnements »).",
            headers={"WWW-Authenticate": 'Bearer realm="relais"'},
        )
    if SCOPE_ACCOMPAGNEMENTS not in key.scopes or key.binding is None:
        api_abort(
            403,
            code="portee_manquante",
            message="Cette clé d'API n'a pas la portée « accompagnements » : elle n'est liée à "
            "aucune organisation (relais keys create … --organisation …).",
        )
    user = key.binding.actor(key.name)
    if user.role in roles.CD_ROLES | {roles.ADMIN_DEPARTEMENTAL}:
        # As for its staff's sessions (accounts.scoping.may_log_in): a Conseil départemental
        # that stopped sharing the base closes its keys too.
        shared = service().accounts.store.get_departement(user.departement)
        if shared is None or not shared.partage:
            api_abort(
                403,
                code="acces_interdit",
                message=f"Le Conseil départemental {user.departement} ne partage plus la base : "
                "ses clés d'API n'ouvrent plus les orientations.",
            )
    return user


@contextmanager
def domain_errors() -> Iterator[None]:
    """The domain's refusals in the API's error shape: 400 naming the field, 403, 404, 409."""
    try:
        yield
    except AccessDenied as exc:
        api_abort(403, code="acces_interdit", message=str(exc))
    except IllegalTransition as exc:
        api_abort(409, code="transition_impossible", message=str(exc))
    except HandOverConflict as exc:
        api_abort(409, code="orientation_existante", message=str(exc))
    except HandOverError as exc:
        if exc.field == "id":
            api_abort(404, code="orientation_introuvable", message=str(exc))
        # A proposal names every bad field at once (``ProposalErrors.errors``, issue 10).
        found = getattr(exc, "errors", None) or {exc.field or "_requete": str(exc)}
        errors = {field: [message] for field, message in found.items()}
        api_abort(400, code="requete_invalide", message=str(exc), errors=errors)


class TerritoryNames:
    """Territory id → name, read once per department for one answer."""

    def __init__(self):
        self.accounts = current_app.extensions["relais"].accounts
        self.by_departement: dict[str, dict[int, str]] = {}

    def ref(self, departement: str, territoire_id: int | None) -> dict | None:
        if territoire_id is None:
            return None
        if departement not in self.by_departement:
            self.by_departement[departement] = {
                t.id: t.nom for t in self.accounts.store.list_territories(departement)
            }
        return {"id": territoire_id, "nom": self.by_departement[departement].get(territoire_id)}


def summary(record: HandOver, names: TerritoryNames) -> dict:
    data = asdict(record)
    data["status_label"] = record.status_label
    data["axe_label"] = record.axe_label
    data["territoire"] = names.ref(record.departement, record.territoire_id)
    return data


def detail(record: HandOver, user: User, names: TerritoryNames) -> dict:
    data = summary(record, names)
    data["actions"] = [
        {"action": t.action, "libelle": t.label}
        for t in transitions.available(record, user.role)
        if t.action in ACTIONS
    ]
    return data
