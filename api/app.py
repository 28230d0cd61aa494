"""The JSON API on a Flask app: ``init_app(app)`` (called by ``relais.app.create_app``).

The app holds the runtime (store, communes, engine) in ``app.extensions["relais"]`` and every
setting in ``app.config``. Nothing is read or connected here: the key store (relational store) opens on first use.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import flask
from flask import Flask
from flask_smorest import Api
from werkzeug.middleware.proxy_fix import ProxyFix

from api import access, docs
from api import logging as api_logging
from api.communes.routes import blp as communes_blp
from api.errors import API_PREFIX, ErrorSchema
from api.handover.routes import blp as handover_blp
from api.health.routes import blp as health_blp
from api.keys import KeyService
from api.ratelimit import RateLimiter
from api.resources.routes import blp as resources_blp
from api.search.routes import blp as search_blp
from api.thematiques.routes import blp as thematiques_blp

BLUEPRINTS = (
    search_blp,
    resources_blp,
    communes_blp,
    thematiques_blp,
    health_blp,
    handover_blp,
)

API_DESCRIPTION = """\
Recherche dans la base de ressources sociales (axe 1 du protocole national France Travail – \
départements – DGEFP) : les acteurs locaux vers qui orienter une personne, par lieu et par besoin \
(vocabulaire national data·inclusion).

Accès : une clé d'API dans l'en-tête X-Api-Key (ou Authorization: Bearer). Selon la \
configuration du service, l'accès sans clé est permis (ressources publiques seulement). Chaque \
clé a ses origines autorisées (CORS), sa limite de requêtes par minute et ses portées ; la \
portée « professionnels » montre les ressources réservées aux professionnels ; la portée \
« accompagnements » (une clé liée à une agence France Travail, un Conseil départemental ou un \
territoire d'action sociale) ouvre les orientations vers les axes 2 et 3, avec les droits des \
personnes de cette organisation.

Erreurs : toutes les erreurs ont la même forme JSON — status, code (stable, à tester), message \
(en français), errors (messages par paramètre), request_id (à citer). Une requête mal formée \
reçoit 400 ; une limite atteinte, 429 avec Retry-After ; un moteur indisponible, 503."""

DEFAULTS = {
    "API_TITLE": "API Relais",
    "API_VERSION": "1.0.0",
    "OPENAPI_VERSION": "3.0.3",
    # None: flask-smorest registers no documentation blueprint (``_docs_blueprint`` does).
    "OPENAPI_URL_PREFIX": None,
    "API_SPEC_OPTIONS": {
        "info": {"description": API_DESCRIPTION},
        # {}: anonymous access, when the service allows it (setting ANONYMOUS_ACCESS).
        "security": [{"cle": []}, {"jeton": []}, {}],
        "components": {
            "securitySchemes": {
                "cle": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Api-Key",
                    "description": "Clé d'API (créée par « relais keys create »).",
                },
                "jeton": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "La même clé, dans l'en-tête Authorization: Bearer.",
                },
            }
        },
    },
}


@dataclass
class ApiState:
    """What the API keeps in ``app.extensions["relais_api"]``."""

    api: Api
    keys: KeyService
    limiter: RateLimiter = field(default_factory=RateLimiter)
    anonymous_origins: frozenset[str] = frozenset()


class RelaisApi(Api):
    """flask-smorest's Api with the Relais error schema (``ERROR_SCHEMA``, a public class
    attribute). The French response descriptions are applied to the served document by
    ``api.docs.spec_dict``; the documentation blueprint is ours (``_docs_blueprint``), registered by
    ``init_app`` since ``OPENAPI_URL_PREFIX`` is None (flask-smorest then registers none)."""

    ERROR_SCHEMA = ErrorSchema


# The OpenAPI document and its HTML page, instead of a JavaScript UI from a CDN.
DOCS_BLUEPRINT = "api-docs"


def _docs_blueprint() -> flask.Blueprint:
    blueprint = flask.Blueprint(DOCS_BLUEPRINT, __name__, url_prefix=API_PREFIX)
    blueprint.add_url_rule("/openapi.json", endpoint="openapi_json", view_func=docs.openapi_json)
    blueprint.add_url_rule("/docs", endpoint="documentation", view_func=docs.documentation)
    return blueprint


def init_app(app: Flask) -> None:
    """Attach the key store, access control, logs, errors and the API routes.

    ``ANONYMOUS_ORIGINS`` arrives parsed and checked by the settings registry.
    """
    app.config.update({k: v for k, v in DEFAULTS.items() if k not in app.config})
    api_logging.configure(app.config["LOG_LEVEL"])
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    if app.config["TRUSTED_PROXIES"]:
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    api = RelaisApi(app)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint, url_prefix=API_PREFIX)
    app.register_blueprint(_docs_blueprint())

    app.extensions["relais_api"] = ApiState(
        api=api,
        # The runtime's key service connects on first use: building an app touches nothing.
        keys=app.extensions["relais"].keys,
        anonymous_origins=frozenset(app.config["ANONYMOUS_ORIGINS"]),
    )
    access.init_app(app)
