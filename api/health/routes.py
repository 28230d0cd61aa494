"""``GET /api/v1/health``: open to all (monitoring), never counted against rate limits."""

from __future__ import annotations

from flask import current_app

from api.contract import Blueprint
from api.errors import DESCRIPTIONS, api_abort
from api.health.schemas import HealthErrorSchema, HealthSchema
from resource_base.search import EngineUnavailable

blp = Blueprint("sante", __name__, description="État du service, pour la supervision.")


@blp.route("/health")
@blp.doc(security=[])  # no key needed
@blp.response(200, HealthSchema, description="Le moteur répond.")
@blp.alt_response(503, schema=HealthErrorSchema, description=DESCRIPTIONS[503])
def health():
    """État du service

    Le moteur de recherche en service et son état. Répond 503 quand le moteur ne répond pas
    (cluster Elasticsearch arrêté, fichier SQLite illisible). Ne demande pas de clé.
    """
    runtime = current_app.extensions["relais"]
    try:
        state = dict(runtime.engine.health())
    except EngineUnavailable as exc:
        state = {
            "moteur": runtime.settings["SEARCH_ENGINE"],
            "etat": "indisponible",
            "message": exc.message,
        }
    if state.get("etat") != "ok":
        api_abort(
            503,
            code="moteur_indisponible",
            message="Le moteur de recherche est indisponible"
            + (f" : {state['message']}" if state.get("message") else "."),
            headers={"Retry-After": "30", "Cache-Control": "no-store"},
            extra={"moteur": state.get("moteur"), "etat": state.get("etat", "indisponible")},
        )
    return state, 200, {"Cache-Control": "no-store"}
