"""``GET /api/v1/thematiques``: the vocabulary, cacheable for a day."""

from __future__ import annotations

from functools import cache

from api.caching import ETAG_HEADER, IF_NONE_MATCH, conditional
from api.contract import Blueprint
from api.errors import document_errors
from api.thematiques.schemas import VocabularySchema
from resource_base import vocabulary

blp = Blueprint(
    "vocabulaire",
    __name__,
    description="Vocabulaire national data·inclusion : thématiques, publics, frais, modes d'accueil.",
)


@cache
def vocabulary_document() -> dict:
    def terms(labels: dict[str, str]) -> list[dict]:
        return [{"slug": k, "label": v} for k, v in labels.items()]

    return {
        "thematiques": vocabulary.tree(),
        "publics": terms(vocabulary.PUBLICS),
        "frais": terms(vocabulary.FRAIS),
        "modes_accueil": terms(vocabulary.MODES_ACCUEIL),
    }


@blp.route("/thematiques", parameters=[IF_NONE_MATCH])
@conditional("public, max-age=86400")
@blp.response(200, VocabularySchema, description="Le vocabulaire.", headers=ETAG_HEADER)
@blp.alt_response(304, response="NOT_MODIFIED")
@document_errors(blp, 401, 403, 429)
def thematiques():
    """Lire le vocabulaire

    Les valeurs possibles des paramètres thematiques, publics, frais et modes_accueil, avec
    leurs libellés. Il change rarement : la réponse peut être gardée un jour en cache.
    """
    return vocabulary_document()
