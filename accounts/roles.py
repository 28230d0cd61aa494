"""Roles and what each may do: one table, read by the services and the README.

Source: issue 9 (roles of the national protocol's actors: France Travail advisers, the
dedicated accompagnement-global advisers, the Conseils départementaux' social workers and
coordinators of a territoire d'action sociale, department and national administrators).
"""

from __future__ import annotations

CONSEILLER = "conseiller"
CONSEILLER_AG = "conseiller_ag"
TRAVAILLEUR_SOCIAL = "travailleur_social"
COORDINATEUR = "coordinateur"
ADMIN_DEPARTEMENTAL = "admin_departemental"
ADMIN_NATIONAL = "admin_national"

# code → French label shown in the UI.
ROLES: dict[str, str] = {
    CONSEILLER: "Conseiller France Travail",
    CONSEILLER_AG: "Conseiller France Travail dédié à l'accompagnement global",
    TRAVAILLEUR_SOCIAL: "Travailleur social du Conseil départemental",
    COORDINATEUR: "Coordinateur d'un territoire d'action sociale",
    ADMIN_DEPARTEMENTAL: "Administrateur départemental",
    ADMIN_NATIONAL: "Administrateur national",
}

# Roles held by France Travail staff (members of an agence) and by Conseil départemental staff.
FRANCE_TRAVAIL_ROLES = frozenset({CONSEILLER, CONSEILLER_AG})
CD_ROLES = frozenset({TRAVAILLEUR_SOCIAL, COORDINATEUR})

# Actions (stable codes) and who may perform them. ``departement`` actions are further
# limited to the person's own department by ``accounts.scoping``.
SEARCH = "rechercher"
SEE_PROFESSIONALS = "voir_ressources_professionnels"
ORIENT = "orienter"
MANAGE_MEMBERS = "gerer_membres"
MANAGE_TERRITORIES = "gerer_territoires"
IMPORT_RESOURCES = "importer_ressources"
READ_AUDIT = "lire_journal"
MANAGE_WIDGETS = "gerer_widgets"
READ_NEEDS = "lire_besoins_non_couverts"  # the unmet-needs page (issue 13)
MANAGE_ALL = "administrer_tout"

# Every role searches, sees professionals-only resources and orients; admins add management,
# and the national admin acts in every department.
_EVERY_ROLE = frozenset({SEARCH, SEE_PROFESSIONALS, ORIENT})
# Issue 13: coordinators and admins see the unmet needs of their department.
_DEPARTMENT_ADMIN = _EVERY_ROLE | {
    MANAGE_MEMBERS,
    MANAGE_TERRITORIES,
    IMPORT_RESOURCES,
    READ_AUDIT,
    MANAGE_WIDGETS,
    READ_NEEDS,
}

PERMISSIONS: dict[str, frozenset[str]] = {
    CONSEILLER: _EVERY_ROLE,
    CONSEILLER_AG: _EVERY_ROLE,
    TRAVAILLEUR_SOCIAL: _EVERY_ROLE,
    COORDINATEUR: _EVERY_ROLE | {READ_NEEDS},
    ADMIN_DEPARTEMENTAL: _DEPARTMENT_ADMIN,
    ADMIN_NATIONAL: _DEPARTMENT_ADMIN | {MANAGE_ALL},
}

ACTION_LABELS: dict[str, str] = {
    SEARCH: "chercher dans la base",
    SEE_PROFESSIONALS: "voir les ressources réservées aux professionnels",
    ORIENT: "établir une fiche d'orientation",
    MANAGE_MEMBERS: "gérer les membres du département",
    MANAGE_TERRITORIES: "gérer les territoires d'action sociale",
    IMPORT_RESOURCES: "importer les ressources du département",
    READ_AUDIT: "lire le journal d'audit du département",
    MANAGE_WIDGETS: "gérer les widgets des intranets du département",
    READ_NEEDS: "voir les besoins non couverts du département",
    MANAGE_ALL: "agir sur tous les départements",
}


def label(role: str) -> str:
    """The French label of a role code: ``label("coordinateur")`` → ``"Coordinateur d'un…"``."""
    return ROLES.get(role, role)


def is_role(value: str) -> bool:
    return value in ROLES


def allows(role: str, action: str) -> bool:
    return action in PERMISSIONS.get(role, frozenset())
