"""``GET /health``: the engine in use and its state."""

from __future__ import annotations

import marshmallow as ma

from api.contract import OutputSchema, described
from api.errors import ErrorSchema

F = ma.fields

_MOTEUR = "Moteur de recherche en service : embedded (SQLite intégré) ou elasticsearch."
_ETAT = "État du moteur : « ok » ou « indisponible »."


class HealthSchema(OutputSchema):
    moteur = F.String(metadata=described(_MOTEUR))
    etat = F.String(metadata=described(_ETAT))
    ressources = F.Integer(metadata=described("Nombre de ressources servies par le moteur."))
    message = F.String(metadata=described("Précision sur l'état du moteur."))
    cluster = F.String(
        metadata=described("Elasticsearch seulement : état du cluster (green, yellow ou red).")
    )
    index = F.String(metadata=described("Elasticsearch seulement : index servi derrière l'alias."))


class HealthErrorSchema(ErrorSchema):
    moteur = F.String(metadata=described(_MOTEUR))
    etat = F.String(metadata=described(_ETAT))
