"""Building blocks of the API contract: a Blueprint whose validation errors are 400s, query
fields with French error messages, and a query schema that refuses unknown parameters.

Why 400 and not flask-smorest's default 422: the contract's own checks (an unknown commune, a
radius too large…) are 400s, and a client should not have to tell a badly typed ``lat`` from an
out-of-range one. Every error the client made in the query string is a 400, in one shape.
"""

from __future__ import annotations

import flask_smorest
import marshmallow as ma
from webargs.flaskparser import FlaskParser, abort

VALIDATION_STATUS = 400

_COMMON = {
    "required": "Paramètre obligatoire.",
    "null": "Valeur vide non permise.",
    "validator_failed": "Valeur invalide.",
}


class Parser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = VALIDATION_STATUS

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        # webargs' own message is English.
        abort(400, exc=error, messages={"json": ["Corps JSON illisible."]})

    # None: each schema's own Meta.unknown decides (webargs ignores unknown query parameters
    # by default).
    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": None,
        "querystring": None,
    }


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = Parser()


class String(ma.fields.String):
    default_error_messages = {**_COMMON, "invalid": "Texte attendu."}


class Integer(ma.fields.Integer):
    default_error_messages = {
        **_COMMON,
        "invalid": "Nombre entier attendu.",
        "too_large": "Nombre trop grand.",
    }


class Float(ma.fields.Float):
    default_error_messages = {
        **_COMMON,
        "invalid": "Nombre attendu (décimales avec un point, ex. 48.96).",
        "too_large": "Nombre trop grand.",
        "special": "Les valeurs spéciales (nan, infini) ne sont pas acceptées.",
    }


class MultiValue(ma.fields.List):
    """A repeatable query parameter that also accepts comma-separated values:
    ``?thematiques=a&thematiques=b`` or ``?thematiques=a,b``."""

    default_error_messages = {**_COMMON, "invalid": "Liste de valeurs attendue."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple):
            raise self.make_error("invalid")
        split = [part.strip() for item in value for part in str(item).split(",")]
        return super()._deserialize([p for p in split if p], attr, data, **kwargs)


class QuerySchema(ma.Schema):
    """Query-string parameters: an unknown one is an error, so that a typo
    (``thematique=`` for ``thematiques=``) does not silently widen a search."""

    class Meta:
        unknown = ma.RAISE

    error_messages = {"unknown": "Paramètre inconnu.", "type": "Paramètres invalides."}


class OutputSchema(ma.Schema):
    """Responses are dumped, never loaded, by the API. ``EXCLUDE``: the OpenAPI document then
    does not forbid additional properties, so that adding a field later breaks no client."""

    class Meta:
        unknown = ma.EXCLUDE


def output_schema(name: str, fields: dict, doc: str = "") -> type[OutputSchema]:
    """A response schema class built from a dict of fields (for generated field lists)."""
    return type(name, (OutputSchema,), {**fields, "__doc__": doc})


def described(text: str, **metadata) -> dict:
    """Field metadata for the OpenAPI document: ``metadata=described("…")``."""
    return {"description": text, **metadata}
