"""``GET /api/v1/communes?q=``: commune autocomplete, in memory, fast enough for every keystroke."""

from __future__ import annotations

from flask import current_app

from api.communes.schemas import CommuneArgsSchema, CommuneSchema
from api.contract import Blueprint
from api.errors import document_errors

blp = Blueprint("communes", __name__, description="Recherche de communes (autocomplétion).")


@blp.route("/communes")
@blp.arguments(CommuneArgsSchema, location="query")
@blp.response(
    200, CommuneSchema(many=True), description="Les communes trouvées, les plus probables d'abord."
)
@document_errors(blp, 400, 401, 403, 429)
def communes(args):
    """Chercher une commune

    Un code postal de cinq chiffres donne toutes ses communes (à faire choisir) ; un nom, les
    noms exacts d'abord, ceux du département donné, puis les plus peuplées. Le code INSEE
    obtenu se passe à /api/v1/search en code_commune.
    """
    directory = current_app.extensions["relais"].directory
    departement = (args.get("departement") or "").upper() or None
    found = directory.search(args["q"], limit=args["limit"], departement=departement)
    return [c.to_dict() for c in found]
