"""``GET /api/v1/resources/<id>``: the full record, with an ETag."""

from __future__ import annotations

from flask import current_app

from api.access import audience
from api.caching import ETAG_HEADER, IF_NONE_MATCH, conditional
from api.contract import Blueprint
from api.errors import api_abort, document_errors
from api.resources.schemas import ResourceSchema

blp = Blueprint("ressources", __name__, description="Fiche complète d'une ressource.")

RESOURCE_ID = {
    "in": "path",
    "name": "resource_id",
    "description": "Identifiant de la ressource (champ « id » des résultats de recherche).",
}


@blp.route("/resources/<path:resource_id>", parameters=[RESOURCE_ID, IF_NONE_MATCH])
@conditional("private, no-cache")
@blp.response(200, ResourceSchema, description="La fiche de la ressource.", headers=ETAG_HEADER)
@blp.alt_response(304, response="NOT_MODIFIED")
@document_errors(blp, 401, 403, 404, 429, 503)
def get_resource(resource_id: str):
    """Lire une ressource

    La fiche complète, telle que chargée par le département. Une fiche réservée aux
    professionnels est introuvable (404) sans une clé qui a la portée « professionnels ».
    """
    record = current_app.extensions["relais"].search_service.get(resource_id, audience())
    if record is None:
        api_abort(
            404,
            code="ressource_introuvable",
            message=f"Ressource introuvable : « {resource_id} ».",
        )
    return record
