"""One JSON error shape for the whole API, in French.

``{"status": 400, "code": "requete_invalide", "message": "…", "errors": {"champ": ["…"]},
"request_id": "…"}`` for every error under ``/api/``; other paths (the web UI) keep Flask's HTML
error pages. ``relais.errors`` is the dispatcher that sends API paths here.
"""

from __future__ import annotations

from http import HTTPStatus

import marshmallow as ma
from flask import current_app, request
from flask_limiter import RateLimitExceeded
from werkzeug.exceptions import HTTPException, default_exceptions

from api.logging import request_id
from resource_base.search import EngineUnavailable

API_PREFIX = "/api/v1"  # the one definition of where the API lives
# Every path under /api/ (another version, a typo) gets JSON errors, not HTML pages.
API_ROOT = API_PREFIX.rsplit("/", 1)[0]

# status → (code, message): the defaults when a view does not say more.
DEFAULTS: dict[int, tuple[str, str]] = {
    400: ("requete_invalide", "La requête est invalide."),
    401: ("non_authentifie", "Une clé d'API valide est nécessaire."),
    403: ("acces_interdit", "Accès interdit."),
    404: ("introuvable", "Adresse introuvable dans l'API."),
    405: ("methode_non_autorisee", "Méthode HTTP non autorisée pour cette adresse."),
    406: ("format_non_disponible", "Format de réponse non disponible."),
    409: ("conflit", "La requête est en conflit avec l'état de la ressource."),
    412: ("precondition_echouee", "La précondition de la requête a échoué."),
    413: ("requete_trop_grande", "La requête est trop volumineuse."),
    415: ("format_non_supporte", "Format de contenu non supporté."),
    422: ("requete_invalide", "La requête est invalide."),
    429: ("trop_de_requetes", "Trop de requêtes : réessayez plus tard."),
    500: ("erreur_interne", "Erreur interne du service. Elle a été journalisée."),
    501: ("non_implemente", "Fonction non disponible."),
    503: ("service_indisponible", "Service momentanément indisponible."),
}

# French descriptions of the documented responses (OpenAPI).
DESCRIPTIONS: dict[int, str] = {
    200: "Succès.",
    204: "Succès, sans contenu.",
    304: "Non modifié depuis la version que vous détenez (If-None-Match).",
    400: "Requête invalide : le détail par paramètre est dans « errors ».",
    401: "Clé d'API absente, inconnue ou révoquée.",
    403: "Origine (CORS) non autorisée pour cette clé.",
    404: "Introuvable.",
    405: "Méthode non autorisée.",
    422: "Requête invalide.",
    429: "Limite de requêtes atteinte : voir l'en-tête Retry-After.",
    500: "Erreur interne (l'identifiant de requête permet de la retrouver dans les journaux).",
    503: "Moteur de recherche indisponible.",
}


class ErrorSchema(ma.Schema):
    """The error payload (documentation only: errors are built by ``error_body``)."""

    class Meta:
        unknown = ma.EXCLUDE  # some errors add fields (the health check's moteur and etat)

    status = ma.fields.Integer(metadata={"description": "Code HTTP de la réponse."})
    code = ma.fields.String(
        metadata={
            "description": "Code d'erreur stable, à tester dans vos programmes "
            "(ex. « requete_invalide », « lieu_inconnu », « cle_invalide »)."
        }
    )
    message = ma.fields.String(metadata={"description": "Explication en français."})
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Messages par paramètre ou champ en faute (vide sinon)."},
    )
    request_id = ma.fields.String(
        metadata={"description": "Identifiant de la requête, à citer pour toute réclamation."}
    )


def is_api_request() -> bool:
    """True for ``/api`` and every path under it."""
    return request.path == API_ROOT or request.path.startswith(API_ROOT + "/")


def error_body(
    status: int,
    code: str | None = None,
    message: str | None = None,
    errors: dict | None = None,
    extra: dict | None = None,
) -> dict:
    default_code, default_message = DEFAULTS.get(status, ("erreur", _phrase(status)))
    body = {
        "status": status,
        "code": code or default_code,
        "message": message or default_message,
        "errors": errors or {},
        "request_id": request_id(),
    }
    body.update(extra or {})
    return body


def api_abort(
    status: int,
    *,
    code: str | None = None,
    message: str | None = None,
    errors: dict | None = None,
    headers: dict | None = None,
    extra: dict | None = None,
):
    """Stop the request with an error in the API's shape: ``api_abort(404, code=…)``."""
    exc = default_exceptions[status]()
    exc.data = {
        "code": code,
        "message": message,
        "errors": errors,
        "headers": headers or {},
        "extra": extra,
    }
    raise exc


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Erreur"


def _flatten_webargs(messages: dict) -> dict[str, list[str]]:
    """webargs nests messages by location ({"query": {"lat": [...]}}): keep field → list."""
    flat: dict[str, list[str]] = {}
    for location_errors in messages.values():
        if not isinstance(location_errors, dict):
            flat.setdefault("_requete", []).extend(_as_list(location_errors))
            continue
        for name, value in location_errors.items():
            flat.setdefault(str(name), []).extend(_as_list(value))
    return flat


def _as_list(value) -> list[str]:
    if isinstance(value, dict):  # a list field: {index: [messages]}
        return [m for v in value.values() for m in _as_list(v)]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def handle_http_exception(exc: HTTPException):
    """The API's JSON error for an HTTP error (``relais.errors`` dispatches API paths here)."""
    if exc.code is None or exc.code < 400:
        return exc
    data = getattr(exc, "data", None) or {}
    errors = data.get("errors")
    message = data.get("message")
    if isinstance(exc, RateLimitExceeded):  # its French text comes from api.ratelimit
        message = exc.description
    if errors is None and "messages" in data:  # raised by webargs on a validation error
        errors = _flatten_webargs(data["messages"])
        names = ", ".join(sorted(errors))
        message = f"Paramètre(s) invalide(s) : {names}."
    headers = {
        k: v for k, v in exc.get_headers() if k.lower() not in ("content-type", "content-length")
    }
    headers.update(data.get("headers") or {})
    body = error_body(exc.code, data.get("code"), message, errors, data.get("extra"))
    return body, exc.code, headers


def handle_engine_unavailable(exc: EngineUnavailable):
    """The engine being unreachable is a 503, never a 500."""
    current_app.logger.warning("moteur indisponible : %s", exc.message)
    body = error_body(
        503, "moteur_indisponible", f"Le moteur de recherche est indisponible : {exc.message}"
    )
    return body, 503, {"Retry-After": "30"}


def document_errors(blp, *statuses: int):
    """Document error responses of a view (each refers to the common error shape)."""

    def decorator(func):
        for status in statuses:
            func = blp.alt_response(status, response=HTTPStatus(status).name)(func)
        return func

    return decorator
