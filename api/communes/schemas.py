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
            "Ce que tape le conseiller : début du nom de la commune (accents, majuscules, "
            "tirets et « St » indifférents, une ou deux lettres fausses tolérées), accompagné "
            "ou non du code postal ou du département (« 51100 Reims », « Châlons 51 ») ; code "
            "postal (5 chiffres : toutes ses communes) ou son début ; code INSEE (« 2A004 »). "
            "Obligatoire et non vide : une valeur vide ou faite d'espaces est refusée (400).",
            example="chalons",
            minLength=1,
            pattern=r"\S",
        ),
    )
    departement = String(
        validate=ma.validate.Regexp(
            r"^(?:[0-9]{2}|2[ABab]|97[1-6])$",
            error="Code de département attendu (ex. 51, 2A, 974).",
        ),
        metadata=described(
            "Département de l'utilisateur : ses communes viennent d'abord parmi les homonymes "
            "(Saint-Martin, Le Born), puis les plus peuplées.",
            example="51",
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
    departement = F.String(metadata=described("Code du département (toujours à afficher)."))
    departement_nom = F.String(allow_none=True, metadata=described("Nom du département."))
    population = F.Integer(
        allow_none=True, metadata=described("Population légale (INSEE, millésime du référentiel).")
    )
    region = F.String(metadata=described("Code de la région."))
    codes_postaux = F.List(
        F.String(), metadata=described("Tous les codes postaux de la commune (La Poste).")
    )
    latitude = F.Float(metadata=described("Latitude du centre de la commune."))
    longitude = F.Float(metadata=described("Longitude du centre de la commune."))
    epci = F.String(allow_none=True, metadata=described("Code SIREN de l'intercommunalité (EPCI)."))
    epci_nom = F.String(allow_none=True, metadata=described("Nom de l'intercommunalité (EPCI)."))
