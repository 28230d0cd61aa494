"""HTML error pages (French, DSFR) for every path outside the API.

``relais.errors`` is the one dispatcher: it sends API paths to ``api.errors`` and every other
path here. Views call ``error_page`` with a description written for the adviser.
"""

from __future__ import annotations

from flask import render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from resource_base.search import EngineUnavailable

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
    403: "Vous n'avez pas accès à cette page.",
    404: "La page que vous cherchez est introuvable. Elle a peut-être été déplacée ou supprimée, "
    "ou l'adresse est mal saisie.",
    405: "Cette page ne peut pas être utilisée de cette façon.",
    429: "Trop de demandes ont été envoyées en peu de temps. Patientez quelques secondes.",
    500: "Une erreur est survenue de notre côté. Réessayez dans quelques instants.",
    503: "Le service est momentanément indisponible. Réessayez dans quelques instants.",
}
# A form sent (POST…) and refused: the action, not the page, is what may not be done.
ACTION_EXPLANATIONS = {
    403: "Cette action n'est pas autorisée depuis cette page.",
}


def html_error(error: HTTPException):
    """The DSFR page for an HTTP error outside the API (``relais.errors`` dispatches here)."""
    code = error.code or 500
    # Flask has already logged the trace of an unexpected error (``app.log_exception``).
    description = None
    if isinstance(error, CSRFError):
        description = (
            "Ce formulaire a expiré ou n'a pas été envoyé depuis Relais : "
            "rechargez la page, puis recommencez."
        )
    elif code == 403 and error.description != type(error).description:
        # A view's own French reason (``abort(403, "…")``, ``AccessDenied``), not werkzeug's.
        description = error.description
    body, status = error_page(code, description, title=TITLES.get(code, error.name))
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    return body, status, headers


def html_engine_unavailable(error: EngineUnavailable):
    """Views catch an unreachable engine themselves; this is the net for the others."""
    return render_template("errors/unavailable.html"), 503


def error_page(code: int, description: str | None = None, title: str | None = None):
    """An HTML error page ``(body, code)``; views call it with a description written for the
    adviser. Without one: the page's generic explanation for a GET, the action's for a form
    sent (403: "Vous n'avez pas accès à cette page." or "Cette action n'est pas autorisée…")."""
    generic = EXPLANATIONS.get(code, "")
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        generic = ACTION_EXPLANATIONS.get(code, generic)
    body = render_template(
        "errors/error.html",
        code=code,
        title=title or TITLES.get(code, "Erreur"),
        description=description or generic,
    )
    return body, code
