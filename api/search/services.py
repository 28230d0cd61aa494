"""From the validated query string to the search contract, and from its errors to the API's."""

from __future__ import annotations

from flask import current_app, g

from api.errors import api_abort
from resource_base import needs_events
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
    if query.page == 1:
        _record(runtime, query, result)
    return result.to_dict()


def _record(runtime, query: SearchQuery, result) -> None:
    """The search's anonymous event (issue 13): the commune searched (the first one of a
    postal code), the needs, the eligible results; a key or nobody as the organisation."""
    communes = result.lieu.communes
    runtime.needs_recorder.record_search(
        runtime.search_service,
        query,
        result,
        communes[0] if communes else None,
        needs_events.organisation_type(None, None, api_key=g.get("api_key") is not None),
    )
