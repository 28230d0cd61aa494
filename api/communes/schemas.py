"""``GET /communes``: the autocomplete's parameters and its answer."""

from __future__ import annotations

import marshmallow as ma

from api.contract import Integer, OutputSchema, QuerySchema, String, described

F = ma.fields
MAX_LIMIT = 20
MAX_Q = 100


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError("Indiquez le début d'un nom de commune ou d'un code postal.")


class CommuneArgsSchema(QuerySchema):
    q = String(
        required=True,
        validate=[
            _not_blank,
            ma.validate.Length(max=MAX_Q, error=f"Indiquez au plus {MAX_Q} caractères."),
        ],
        metadata=described(
            "Début du nom de la commune (accents, majuscules et « St » indifférents) ou début "
            "du code postal.",
            example="chalons",
        ),
    )
    limit = Integer(
        load_default=10,
        validate=ma.validate.Range(
            min=1, max=MAX_LIMIT, error="La limite doit être comprise entre {min} et {max}."
        ),
        metadata=described(f"Nombre de communes au plus (1 à {MAX_LIMIT}).", maximum=MAX_LIMIT),
    )


class CommuneSchema(OutputSchema):
    code_insee = F.String(
        metadata=described("Code INSEE de la commune (à passer en code_commune).")
    )
    nom = F.String(metadata=described("Nom de la commune."))
    departement = F.String(metadata=described("Code du département."))
    region = F.String(metadata=described("Code de la région."))
    codes_postaux = F.List(F.String(), metadata=described("Codes postaux de la commune."))
    latitude = F.Float(metadata=described("Latitude du centre de la commune."))
    longitude = F.Float(metadata=described("Longitude du centre de la commune."))
    epci = F.String(allow_none=True, metadata=described("Code SIREN de l'intercommunalité (EPCI)."))
    epci_nom = F.String(allow_none=True, metadata=described("Nom de l'intercommunalité (EPCI)."))
