"""The import template: its columns (data·inclusion v1 field names) and their length rules."""

from __future__ import annotations

# The import template's columns, in the template's order.
TEMPLATE_COLUMNS = (
    "id",
    "nom_structure",
    "siret",
    "reseaux_porteurs",
    "nom",
    "description",
    "thematiques",
    "publics",
    "frais",
    "frais_precisions",
    "modes_accueil",
    "modes_mobilisation",
    "mobilisable_par",
    "conditions_acces",
    "telephone",
    "courriel",
    "site_web",
    "lien_mobilisation",
    "adresse",
    "complement_adresse",
    "code_postal",
    "commune",
    "code_insee",
    "latitude",
    "longitude",
    "zone_eligibilite",
    "horaires_accueil",
    "date_maj",
    "visibilite",
    "statut",
    "departement",
)
REQUIRED_COLUMNS = ("nom", "nom_structure", "thematiques")
# A place is one of these column sets (not needed when every service is remote-only).
PLACE_COLUMNS = (("code_insee",), ("code_postal", "commune"), ("latitude", "longitude"))
LIST_SEPARATOR = "|"

# (min, max) length of each free text field, after cleaning.
TEXT_LENGTHS = {
    "nom_structure": (1, 150),
    "nom": (3, 150),
    "description": (0, 10_000),
    "frais_precisions": (0, 2_000),
    "conditions_acces": (0, 10_000),
    "adresse": (0, 255),
    "complement_adresse": (0, 255),
    "commune": (0, 100),
    "horaires_accueil": (0, 1_000),
}
# Fields whose line breaks mean something; the others are single-line.
MULTILINE = frozenset({"description", "conditions_acces", "frais_precisions"})
