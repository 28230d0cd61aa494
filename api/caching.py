"""HTTP validation caching: a strong ETag (hash of the JSON body) and 304 on If-None-Match."""

from __future__ import annotations

import hashlib
from functools import wraps

from flask import request

IF_NONE_MATCH = {
    "in": "header",
    "name": "If-None-Match",
    "required": False,
    "description": "ETag d'une réponse déjà reçue : la réponse est alors 304 si rien n'a changé.",
    "schema": {"type": "string"},
}
ETAG_HEADER = {
    "ETag": {
        "description": "Empreinte du contenu, à renvoyer dans If-None-Match.",
        "schema": {"type": "string"},
    }
}


def etag_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


def conditional(cache_control: str):
    """Decorate a view that returns a JSON response (put it above ``blp.response``)."""

    def decorator(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            response = func(*args, **kwargs)
            response.set_etag(etag_of(response.get_data()))
            response.headers["Cache-Control"] = cache_control
            return response.make_conditional(request)

        return wrapper

    return decorator
