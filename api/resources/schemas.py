"""The full record of a resource (``GET /resources/<id>``), and the field definitions that the
search results reuse for their summary."""

from __future__ import annotations

import marshmallow as ma

from api.contract import described, output_schema
from resource_base import vocabulary
from resource_base.models import PRECISIONS_GEO, STATUTS, VISIBILITES

F = ma.fields


def _text(description: str, *, nullable: bool = True, **metadata):
    # Fields without a default in Resource are never null.
    return lambda: F.String(allow_none=nullable, metadata=described(description, **metadata))


def _texts(description: str, **metadata):
    return lambda: F.List(F.String(), metadata=described(description, **metadata))


def _number(description: str):
    return lambda: F.Float(allow_none=True, metadata=described(description))


# Field factories, one per Resource field (tests/test_api_resources.py checks none is missing).
RESOURCE_FIELDS = {
    "id": _text(
        "Identifiant de la ressource dans Relais (« source--identifiant »).", nullable=False
    ),
    "source": _text("Source des données (fichier ou flux importé).", nullable=False),
    "source_id": _text("Identifiant de la ressource dans sa source.", nullable=False),
    "departement": _text(
        "Département qui a chargé la ressource (code INSEE, ex. 51).", nullable=False
    ),
    "nom": _text("Nom du service.", nullable=False),
    "nom_structure": _text("Nom de la structure qui porte le service.", nullable=False),
    "description": _text("Description du service."),
    "siret": _text("SIRET de la structure."),
    "reseaux_porteurs": _texts("Réseaux porteurs de la structure (vocabulaire data·inclusion)."),
    "thematiques": _texts(
        "Thématiques du service : catégories ou sous-thématiques data·inclusion "
        "(« categorie--sous-theme »). Voir /api/v1/thematiques."
    ),
    "publics": _texts(
        "Publics visés (vocabulaire data·inclusion) ; vide : pas de restriction de public."
    ),
    "frais": _text(
        "Frais à la charge de la personne : " + ", ".join(sorted(vocabulary.FRAIS)) + ".",
    ),
    "frais_precisions": _text("Précisions sur les frais."),
    "modes_accueil": _texts(
        "Modes d'accueil : en-presentiel (sur place) et/ou a-distance ; vide : sur place."
    ),
    "modes_mobilisation": _texts(
        "Comment mobiliser le service : " + ", ".join(sorted(vocabulary.MODES_MOBILISATION)) + "."
    ),
    "mobilisable_par": _texts(
        "Qui peut mobiliser le service : " + ", ".join(sorted(vocabulary.MOBILISABLE_PAR)) + "."
    ),
    "conditions_acces": _text("Conditions d'accès au service."),
    "horaires_accueil": _text("Horaires d'accueil, syntaxe OpenStreetMap « opening_hours »."),
    "adresse": _text("Adresse du lieu d'accueil."),
    "complement_adresse": _text("Complément d'adresse."),
    "code_postal": _text("Code postal du lieu d'accueil."),
    "commune": _text("Commune du lieu d'accueil."),
    "code_insee": _text("Code INSEE de la commune du lieu d'accueil."),
    "latitude": _number("Latitude du lieu d'accueil (WGS84)."),
    "longitude": _number("Longitude du lieu d'accueil (WGS84)."),
    "precision_geo": _text(
        "Précision des coordonnées : "
        + " ; ".join(f"{k} ({v.lower()})" for k, v in PRECISIONS_GEO.items())
        + "."
    ),
    "telephone": _text("Téléphone de contact."),
    "courriel": _text("Adresse électronique de contact."),
    "site_web": _text("Site web du service ou de la structure."),
    "lien_mobilisation": _text("Lien pour mobiliser le service en ligne."),
    "zone_eligibilite": _texts(
        "Zone d'éligibilité : codes de communes, d'EPCI ou de départements, ou « france » ; "
        "vide : pas de restriction territoriale."
    ),
    "date_maj": _text("Date de dernière mise à jour de la fiche (AAAA-MM-JJ).", format="date"),
    "visibilite": _text(
        "Visibilité : " + " ; ".join(f"{k} ({v.lower()})" for k, v in VISIBILITES.items()) + "."
    ),
    "statut": _text(
        "Statut : " + " ; ".join(f"{k} ({v.lower()})" for k, v in STATUTS.items()) + "."
    ),
}


def resource_schema_fields(names) -> dict:
    return {name: RESOURCE_FIELDS[name]() for name in names}


ResourceSchema = output_schema(
    "ResourceSchema",
    resource_schema_fields(RESOURCE_FIELDS),
    "Une ressource : un service offert par une structure en un lieu.",
)
