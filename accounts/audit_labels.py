"""French words for the audit log's codes: the console shows labels, the store keeps codes.

An action, record or detail this table does not know is shown as stored (a new action added
elsewhere stays readable, only less polished).
"""

from __future__ import annotations

from accounts import roles

ACTIONS: dict[str, str] = {
    "connexion": "Connexion",
    "deconnexion": "Déconnexion",
    "creation_compte": "Création d'un compte",
    "compte_en_attente": "Première connexion ProConnect : compte en attente",
    "validation_compte": "Validation d'un compte",
    "modification_compte": "Modification d'un compte",
    "desactivation_compte": "Désactivation d'un compte",
    "reinitialisation_mot_de_passe": "Réinitialisation d'un mot de passe",
    "lecture_journal": "Lecture du journal d'audit",
    "lecture_membres": "Lecture de la liste des membres",
    "departement": "Réglage du département",
    "territoires": "Envoi des territoires d'action sociale",
    "territoire": "Modification d'un territoire",
    "import_ressources": "Import de ressources",
    "creation_widget": "Création d'un widget d'intranet",
    "revocation_widget": "Révocation d'un widget d'intranet",
    # The hand-over (issue 10): its audit codes are "orientation_" + the transition's action.
    "orientation_creation": "Orientation vers l'axe 2 ou 3 : proposition",
    "orientation_lecture": "Orientation vers l'axe 2 ou 3 : lecture du dossier",
    "orientation_liste": "Orientation vers l'axe 2 ou 3 : liste des dossiers",
    "orientation_anonymisation": "Orientation vers l'axe 2 ou 3 : anonymisation",
    "orientation_purge_textes": "Orientation vers l'axe 2 ou 3 : effacement des textes libres",
    "delais_orientations": "Réglage des délais des orientations",
    "invitation": "Invitation d'un membre",
    "mot_de_passe_choisi": "Mot de passe choisi par la personne invitée",
}

RECORDS: dict[str, str] = {
    "compte": "Compte n° {}",
    "departement": "Département {}",
    "territoire": "Territoire n° {}",
    "widget": "Widget n° {}",
    "orientation": "Dossier d'orientation n° {}",
}


CLI_ACTOR = "ligne-de-commande"  # who the log names for a ``relais`` command
ACTORS = {
    CLI_ACTOR: "Ligne de commande (relais)",
    "relais-taches": "Tâches programmées (relais taches)",  # handover.tasks.SYSTEM_ACTOR
}


def actor_label(email: str) -> str:
    """The person's address, or who acted for a command: "Ligne de commande (relais)"."""
    return ACTORS.get(email, email)


def action_label(code: str) -> str:
    """``"import_ressources"`` → ``"Import de ressources"``; a hand-over transition
    ``"orientation_prendre_en_charge"`` → ``"Orientation vers l'axe 2 ou 3 : prendre en
    charge"``."""
    if code in ACTIONS:
        return ACTIONS[code]
    if code.startswith("orientation_"):
        action = code.removeprefix("orientation_").replace("_", " ")
        return f"Orientation vers l'axe 2 ou 3 : {action}"
    return code


def record_label(record: str) -> str:
    """``"compte:12"`` → ``"Compte n° 12"``; ``"departement:51"`` → ``"Département 51"``."""
    kind, _, value = record.partition(":")
    template = RECORDS.get(kind)
    return template.format(value) if template and value else record


def details_label(details: str) -> str:
    """``"role=conseiller"`` → ``"Rôle : Conseiller France Travail"``;
    ``"partage=True"`` → ``"Partage la base : oui"``; other details as stored."""
    key, sep, value = details.partition("=")
    if not sep:
        return details
    if key == "role":
        return f"Rôle : {roles.label(value)}"
    if key == "partage":
        return "Partage la base : " + ("oui" if value == "True" else "non")
    return details
