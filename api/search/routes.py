"""``GET /api/v1/search``."""

from __future__ import annotations

from api.access import audience
from api.contract import Blueprint
from api.errors import document_errors
from api.search import services
from api.search.schemas import SearchArgsSchema, SearchResultSchema

blp = Blueprint(
    "recherche",
    __name__,
    description="Recherche de ressources sociales pour une personne, par lieu et par besoin.",
)


@blp.route("/search")
@blp.arguments(SearchArgsSchema, location="query")
@blp.response(200, SearchResultSchema, description="Une page de résultats.")
@document_errors(blp, 400, 401, 403, 429, 503)
def search(args):
    """Chercher des ressources

    Les ressources auxquelles la personne est éligible (zone d'éligibilité) et qui sont à
    portée (sur place dans le rayon, ou à distance), classées par pertinence puis distance.
    Un seul lieu, obligatoire : code_commune, ou lat et lon, ou code_postal ; ces paramètres
    s'excluent (en combiner plusieurs est refusé : 400 requete_invalide).
    Chaque résultat porte une « explication » : besoins reconnus, éligibilité, portée, points.
    Les ressources réservées aux professionnels n'apparaissent qu'avec une clé qui a la
    portée « professionnels ».
    """
    return services.search(args, audience=audience())
