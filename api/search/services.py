"""From the validated query string to the search contract, and from its errors to the API's."""

from __future__ import annotations

from flask import current_app

from api.errors import api_abort
from resource_base.audience import Audience
from resource_base.search import SearchError, SearchQuery, UnknownLocation

_TUPLES = ("thematiques", "publics", "modes_accueil", "frais")


def build_query(args: dict, *, audience: Audience) -> SearchQuery:
    """``args`` as loaded by ``SearchArgsSchema`` → ``SearchQuery``.

    >>> build_query({"code_commune": "51108", "thematiques": ["sante"]},
    ...             audience=Audience.PUBLIC).thematiques
    ('sante',)
    """
    values = {k: (tuple(v) if k in _TUPLES else v) for k, v in args.items()}
    return SearchQuery(**values, audience=audience)


def search(args: dict, *, audience: Audience) -> dict:
    """Run the search; a query the contract refuses is a 400 with messages per parameter."""
    runtime = current_app.extensions["relais"]
    query = build_query(args, audience=audience)
    try:
        result = runtime.search_service.search(query)
    except SearchError as exc:
        if isinstance(exc, UnknownLocation):
            message = " ".join(m for ms in exc.errors.values() for m in ms)
        else:
            message = f"Paramètre(s) invalide(s) : {', '.join(sorted(exc.errors))}."
        api_abort(400, code=exc.code, message=message, errors=exc.errors)
    return result.to_dict()
