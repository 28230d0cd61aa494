"""The organisation an API key acts for: hand-over keys of the France Travail and Conseil
départemental information systems (issue 10, "keys bound to an organisation and scoped like the
people of that organisation").

A key bound to an agence acts like a ``conseiller`` (or ``conseiller_ag``) of that agence; a key
bound to a Conseil départemental like its ``admin_departemental``; a key bound to a territoire
d'action sociale like the territory's ``coordinateur``. The hand-over services see such a key as
a ``User`` without id (``Binding.actor``) whose e-mail names the key, so that the audit log and
the events name it. Pure: no storage here.
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts import roles
from accounts.models import ACTIVE, AGENCE, AccountError, User, check_departement

KINDS = {
    "agence": "Agence France Travail (agence:CODE, ou agence:CODE:DEPARTEMENT si elle est nouvelle)",
    "departement": "Conseil départemental (departement:CODE)",
    "territoire": "Territoire d'action sociale (territoire:ID ou territoire:DEPARTEMENT:NOM)",
}
AGENCE_ROLES = (roles.CONSEILLER, roles.CONSEILLER_AG)
ACTOR_PREFIX = "cle-api:"  # the audit log's ``actor_email`` of a key


class BindingError(ValueError):
    """An organisation a key cannot be bound to (French message)."""


@dataclass(frozen=True)
class Binding:
    """Who a key acts as: ``role`` in ``departement`` (and ``agence`` or ``territoire_id``)."""

    role: str
    departement: str
    agence: str | None = None
    territoire_id: int | None = None

    @property
    def label(self) -> str:
        """``"Agence France Travail FT51001 (51), conseiller"`` and the like (French)."""
        if self.agence:
            where = f"Agence France Travail {self.agence} ({self.departement})"
        elif self.territoire_id is not None:
            where = f"Territoire n° {self.territoire_id} ({self.departement})"
        else:
            where = f"Conseil départemental {self.departement}"
        return f"{where}, {roles.label(self.role)}"

    def to_dict(self) -> dict:
        return {
            "role": self.role,
            "departement": self.departement,
            "agence": self.agence,
            "territoire_id": self.territoire_id,
            "libelle": self.label,
        }

    def actor(self, key_name: str) -> User:
        """The person the hand-over services see: no id, e-mail ``cle-api:<name>``."""
        return User(
            id=None,
            email=f"{ACTOR_PREFIX}{key_name}",
            nom=f"Clé d'API « {key_name} »",
            role=self.role,
            departement=self.departement,
            agence=self.agence,
            territoire_id=self.territoire_id,
            status=ACTIVE,
        )


def bind(spec: str, accounts, role: str | None = None) -> Binding:
    """Read ``agence:FT51001[:51]``, ``departement:51``, ``territoire:12`` or
    ``territoire:51:MDS de Reims`` against the
    accounts (``accounts.services.AccountService``); ``role`` chooses ``conseiller_ag`` for an
    agence (default ``conseiller``). Raises ``BindingError`` (French) for an unknown
    organisation, a Conseil départemental that does not share the base, or a role that does
    not fit the organisation.

    >>> bind("departement:51", service).role  # doctest: +SKIP
    'admin_departemental'
    """
    kind, _, rest = (spec or "").strip().partition(":")
    kind = kind.lower()
    if kind not in KINDS or not rest:
        choices = " ; ".join(KINDS.values())
        raise BindingError(f"Organisation invalide : « {spec} » (attendu : {choices}).")
    if kind == "agence":
        return _agence(rest, accounts, role or roles.CONSEILLER)
    if kind == "departement":
        expected = roles.ADMIN_DEPARTEMENTAL
        departement = _departement(rest, accounts)
        binding = Binding(expected, departement)
    else:
        expected = roles.COORDINATEUR
        binding = _territoire(rest, accounts)
    if role not in (None, expected):
        raise BindingError(
            f"Une clé de cette organisation agit comme « {roles.label(expected)} » : "
            f"le rôle « {role} » ne convient pas."
        )
    return binding


def _agence(rest: str, accounts, role: str) -> Binding:
    if role not in AGENCE_ROLES:
        raise BindingError(
            f"Une clé d'agence agit comme {' ou '.join(AGENCE_ROLES)}, pas « {role} »."
        )
    code, _, departement = rest.partition(":")
    code = code.strip().upper()
    organisation = accounts.store.find_organisation(AGENCE, code)
    if organisation is None:
        if not departement:
            raise BindingError(
                f"Agence inconnue : « {code} ». Pour une agence nouvelle, donnez son "
                f"département : agence:{code}:51."
            )
        try:
            organisation = accounts.ensure_agence(code, check_departement(departement))
        except AccountError as exc:
            raise BindingError(str(exc)) from exc
    elif departement and departement.strip().upper() != organisation.departement:
        raise BindingError(
            f"L'agence {code} relève du département {organisation.departement}, "
            f"pas du {departement}."
        )
    return Binding(role, organisation.departement, agence=organisation.code)


def _departement(code: str, accounts) -> str:
    try:
        code = check_departement(code)
    except AccountError as exc:
        raise BindingError(str(exc)) from exc
    departement = accounts.store.get_departement(code)
    if departement is None or not departement.partage:
        raise BindingError(
            f"Le Conseil départemental {code} ne partage pas la base (relais departements set "
            f"{code} --partage) : ses clés ne sont pas ouvertes."
        )
    return code


def _territoire(rest: str, accounts) -> Binding:
    code, sep, name = rest.partition(":")
    if sep:  # territoire:51:MDS de Reims
        departement = _departement(code, accounts)
        territories = accounts.store.list_territories(departement)
        for territory in territories:
            if territory.nom.casefold() == name.strip().casefold():
                return Binding(roles.COORDINATEUR, departement, territoire_id=territory.id)
        known = " ; ".join(f"{t.id} : {t.nom}" for t in territories) or "aucun"
        raise BindingError(
            f"Aucun territoire « {name.strip()} » dans le département {departement} "
            f"(territoires : {known})."
        )
    try:
        wanted = int(rest)
    except ValueError:
        raise BindingError(
            f"Territoire : « {rest} » n'est ni un identifiant ni DEPARTEMENT:NOM "
            "(territoire:12 ou territoire:51:MDS de Reims)."
        ) from None
    for departement in accounts.store.list_departements():
        for territory in accounts.store.list_territories(departement.code):
            if territory.id == wanted:
                _departement(territory.departement, accounts)
                return Binding(roles.COORDINATEUR, territory.departement, territoire_id=wanted)
    raise BindingError(f"Aucun territoire d'action sociale n° {wanted}.")
