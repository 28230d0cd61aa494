"""HTML error pages (French, DSFR) for every path outside ``/api/``.

Handlers are registered per status code: Flask prefers them to a handler for the whole
``HTTPException`` class (flask-smorest registers one, for JSON). Under ``/api/`` they hand the
error to that class handler, so the API keeps its single JSON error shape.
"""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from werkzeug.exceptions import HTTPException, default_exceptions

from resource_base.search import EngineUnavailable

API_PREFIX = "/api/"

TITLES = {
    400: "Requête incorrecte",
    403: "Accès refusé",
    404: "Page non trouvée",
    405: "Méthode non autorisée",
    429: "Trop de requêtes",
    500: "Erreur inattendue",
    503: "Service indisponible",
}
EXPLANATIONS = {
    400: "La demande contient des informations que nous ne pouvons pas traiter.",
    403: "Cette action n'est pas autorisée depuis cette page.",
    404: "La page que vous cherchez est introuvable. Elle a peut-être été déplacée ou supprimée, "
    "ou l'adresse est mal saisie.",
    405: "Cette page ne peut pas être utilisée de cette façon.",
    429: "Trop de demandes ont été envoyées en peu de temps. Patientez quelques secondes.",
    500: "Une erreur est survenue de notre côté. Réessayez dans quelques instants.",
    503: "Le service est momentanément indisponible. Réessayez dans quelques instants.",
}


def _api_handler(error: HTTPException):
    """The JSON handler the API registered for ``HTTPException`` (None if there is none)."""
    handlers = current_app.error_handler_spec.get(None, {}).get(None, {})
    for cls in type(error).__mro__:
        handler = handlers.get(cls)
        if handler is not None:
            return handler
    return None


def handle_http_error(error: HTTPException):
    if request.path.startswith(API_PREFIX) or request.path == API_PREFIX.rstrip("/"):
        handler = _api_handler(error)
        return handler(error) if handler else error
    code = error.code or 500
    # Flask has already logged the trace of an unexpected error (``app.log_exception``).
    body, status = error_page(code, title=TITLES.get(code, error.name))
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    return body, status, headers


def error_page(code: int, description: str | None = None, title: str | None = None):
    """An HTML error page; views call it with a description written for the adviser."""
    body = render_template(
        "errors/error.html",
        code=code,
        title=title or TITLES.get(code, "Erreur"),
        description=description or EXPLANATIONS.get(code, ""),
    )
    return body, code


def init_app(app: Flask) -> None:
    for code in default_exceptions:
        app.register_error_handler(code, handle_http_error)
    # Views catch an unreachable engine themselves; this is the net for the others. The API's
    # own handler (registered before us by create_app) keeps answering under /api/.
    api_handler = app.error_handler_spec[None][None].get(EngineUnavailable)

    def handle_engine_unavailable(error: EngineUnavailable):
        if api_handler is not None and request.path.startswith(API_PREFIX):
            return api_handler(error)
        return render_template("errors/unavailable.html"), 503

    app.register_error_handler(EngineUnavailable, handle_engine_unavailable)
