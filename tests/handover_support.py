"""People and places of the hand-over tests: the Marne with two territories (MDS Châlons with
a functional mailbox, MDS Reims without), the Haute-Marne with one, and one account of each role (local passwords, for the browser tests).

``world(runtime)`` builds them in the runtime's relational store; ``proposal(**changes)`` is
a valid proposal form for a person living in Reims. ``post``, ``propose`` and ``text_of``
help the route tests (their fixtures are in ``tests/handover_web/conftest.py``).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from accounts.models import Territory, User
from handover.dates import today_in_france

PASSWORD = "mot-de-passe-accompagnement"
REIMS, CHALONS, CHAUMONT = "51454", "51108", "52121"
CHALONS_MAILBOX = "accueil.mds-chalons@cd51.example.fr"


@dataclass
class World:
    conseiller: User  # agence AG51
    conseiller_autre: User  # agence AG51B: another agence of the same department
    conseiller_ag: User  # agence AG51
    coordinateur_reims: User
    coordinateur_chalons: User
    travailleur_reims: User
    travailleur_52: User
    coordinateur_52: User
    admin_51: User
    reims: Territory
    chalons: Territory
    chaumont: Territory


def world(runtime, password: str | None = None) -> World:
    """``password``: local passwords (the browser logs in; hashing is slow elsewhere)."""
    accounts = runtime.accounts
    for dep in ("51", "52"):
        accounts.set_departement(None, dep, True)
    accounts.store.replace_territories(
        "51",
        [
            Territory(None, "51", "MDS Reims", "MDS"),
            # A functional mailbox (the browser journeys check it gets the inbox's e-mails).
            Territory(None, "51", "MDS Châlons", "MDS", CHALONS_MAILBOX),
        ],
        {REIMS: "MDS Reims", CHALONS: "MDS Châlons"},
    )
    accounts.store.replace_territories(
        "52", [Territory(None, "52", "CMS Chaumont", "CMS")], {CHAUMONT: "CMS Chaumont"}
    )
    places = {t.nom: t for dep in ("51", "52") for t in accounts.store.list_territories(dep)}

    def user(email, role, dep, agence=None, territory=None, nom=""):
        return accounts.create_user(
            None,
            email,
            role,
            dep,
            agence,
            password,
            nom,
            places[territory].id if territory else None,
        )

    return World(
        conseiller=user(
            "conseillere@ft51.example.fr", "conseiller", "51", "AG51", nom="Claire Conseil"
        ),
        conseiller_autre=user(
            "autre@ft51.example.fr", "conseiller", "51", "AG51B", nom="Paul Autre"
        ),
        conseiller_ag=user(
            "dediee@ft51.example.fr", "conseiller_ag", "51", "AG51", nom="Agathe Dédiée"
        ),
        coordinateur_reims=user(
            "coord.reims@cd51.example.fr",
            "coordinateur",
            "51",
            territory="MDS Reims",
            nom="Colette Reims",
        ),
        coordinateur_chalons=user(
            "coord.chalons@cd51.example.fr",
            "coordinateur",
            "51",
            territory="MDS Châlons",
            nom="Côme Châlons",
        ),
        travailleur_reims=user(
            "ts.reims@cd51.example.fr",
            "travailleur_social",
            "51",
            territory="MDS Reims",
            nom="Théo Social",
        ),
        travailleur_52=user(
            "ts@cd52.example.fr",
            "travailleur_social",
            "52",
            territory="CMS Chaumont",
            nom="Tina Chaumont",
        ),
        coordinateur_52=user(
            "coord@cd52.example.fr",
            "coordinateur",
            "52",
            territory="CMS Chaumont",
            nom="Cyril Chaumont",
        ),
        admin_51=user("admin@cd51.example.fr", "admin_departemental", "51", nom="Adèle Admin"),
        reims=places["MDS Reims"],
        chalons=places["MDS Châlons"],
        chaumont=places["CMS Chaumont"],
    )


def proposal(**changes) -> dict:
    """A valid proposal (axe 2, Reims), as the form posts it."""
    form = {
        "axe": "2",
        "identifiant_ft": "1234567A",
        "nom": "Martin",
        "prenom": "Léa",
        "date_naissance": "1985-04-12",
        "commune": "",
        "code_commune": REIMS,
        "telephone": "06 12 34 56 78",
        "courriel": "",
        "freins": ["logement-hebergement", "difficultes-financieres"],
        "appreciations": ["freins_multiples"],
        "appreciation_texte": "Loyers impayés depuis trois mois.",
        "modalite": "entretiens_separes",
        "consentement_portees": ["transmission", "diagnostic", "entree"],
        "consentement_date": today_in_france().isoformat(),
        "consentement_methode": "oral",
    }
    form.update(changes)
    return form


def post(client, path, data=None):
    return client.post(path, data={**(data or {}), "csrf_token": client.token})


def propose(hand_runtime, people, **changes):
    return hand_runtime.handovers.propose(people.conseiller, proposal(**changes))


def text_of(response) -> str:
    """The page's text with its entities decoded (``n&#39;est`` → ``n'est``)."""
    return html.unescape(response.get_data(as_text=True))
