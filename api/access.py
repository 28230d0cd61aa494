"""Who is calling: API key, CORS origins, rate limits — run before every /api/ request.

- A key comes in ``X-Api-Key`` or ``Authorization: Bearer``. An unknown or revoked key gets a
  401; no key gets a 401 only when ``ANONYMOUS_ACCESS`` is off.
- CORS: a browser request (``Origin``) gets ``Access-Control-Allow-Origin`` only for an origin
  its key allows (or, without a key, one of ``ANONYMOUS_ORIGINS``); a key used from an origin
  it does not allow gets a 403. Preflights carry no key: they succeed for an origin that some
  active key (or the anonymous list) allows, and the real request is then checked.
- Rate limits per key, or per IP address without a key (api/ratelimit.py).
"""

from __future__ import annotations

from flask import current_app, g, request

from api.errors import api_abort, is_api_request
from api.keys import SCOPE_PROFESSIONNELS, ApiKey, KeyStoreError, normalize_origin
from api.logging import log_request, start_request
from resource_base.audience import Audience

# Endpoints anyone may call, with or without a key, without counting: monitoring and docs.
OPEN_ENDPOINTS = frozenset({"sante.health", "api-docs.openapi_json", "api-docs.documentation"})
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
ALLOWED_HEADERS = "X-Api-Key, Authorization, If-None-Match, X-Request-Id"
EXPOSED_HEADERS = "ETag, Retry-After, X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining"
PREFLIGHT_MAX_AGE = "600"


def audience() -> Audience:
    """This request's audience: professional with a key that has the ``professionnels``
    scope, public otherwise (anonymous calls, other keys)."""
    key: ApiKey | None = g.get("api_key")
    if key is not None and SCOPE_PROFESSIONNELS in key.scopes:
        return Audience.PROFESSIONAL
    return Audience.PUBLIC


def _state():
    return current_app.extensions["relais_api"]


def presented_token() -> str | None:
    token = request.headers.get("X-Api-Key", "").strip()
    if token:
        return token
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def _origin() -> str | None:
    """The caller's web origin, or None for a same-origin or non-browser request."""
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return origin or None
    try:
        if normalize_origin(origin) == normalize_origin(request.host_url):
            return None
    except KeyStoreError:
        pass
    return origin


def _anonymous_allows(origin: str) -> bool:
    allowed = _state().anonymous_origins
    if "*" in allowed:
        return True
    try:
        return normalize_origin(origin) in allowed
    except KeyStoreError:
        return False


def _preflight(origin: str):
    state = _state()
    try:
        allowed = state.keys.active_origins()
        ok = "*" in allowed or normalize_origin(origin) in allowed or _anonymous_allows(origin)
    except KeyStoreError:
        ok = False
    if not ok:
        api_abort(
            403,
            code="origine_non_autorisee",
            message=f"L'origine « {origin} » n'est autorisée pour aucune clé d'API.",
        )
    g.cors_origin = origin
    response = current_app.make_response(("", 204))
    response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
    response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response


def _authenticate() -> ApiKey | None:
    token = presented_token()
    if token is None:
        if not current_app.config["ANONYMOUS_ACCESS"]:
            api_abort(
                401,
                code="cle_requise",
                message="Une clé d'API est nécessaire (en-tête X-Api-Key ou Authorization: Bearer).",
                headers={"WWW-Authenticate": 'Bearer realm="relais"'},
            )
        return None
    key = _state().keys.find(token)
    if key is None or not key.active:
        api_abort(
            401,
            code="cle_invalide",
            message="Clé d'API inconnue ou révoquée.",
            headers={"WWW-Authenticate": 'Bearer realm="relais", error="invalid_token"'},
        )
    return key


def before_api_request():
    if not is_api_request():
        return None
    start_request()
    origin = _origin()
    if (
        request.method == "OPTIONS"
        and origin
        and "Access-Control-Request-Method" in request.headers
    ):
        return _preflight(origin)
    if request.endpoint in OPEN_ENDPOINTS:
        if origin and _anonymous_allows(origin):
            g.cors_origin = origin
        return None
    key = _authenticate()
    g.api_key = key
    g.key_name = key.name if key else None
    if origin:
        if key is not None:
            if not key.allows_origin(origin):
                api_abort(
                    403,
                    code="origine_non_autorisee",
                    message=f"Cette clé d'API n'est pas autorisée depuis l'origine « {origin} ».",
                )
            g.cors_origin = origin
        elif _anonymous_allows(origin):
            g.cors_origin = origin
    _check_rate()
    return None


def _check_rate() -> None:
    key: ApiKey | None = g.get("api_key")
    if key is not None:
        client, limit = f"cle:{key.name}", key.rate_limit
    else:
        client, limit = f"ip:{request.remote_addr}", current_app.config["ANONYMOUS_RATE_LIMIT"]
    decision = _state().limiter.hit(client, int(limit))
    g.rate = decision
    if not decision.allowed:
        api_abort(
            429,
            message=f"Limite de {decision.limit} requêtes par minute atteinte : "
            f"réessayez dans {decision.retry_after} s.",
            headers={"Retry-After": str(decision.retry_after)},
        )


def after_api_request(response):
    if not is_api_request():
        return response
    response.vary.add("Origin")
    origin = g.get("cors_origin")
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    decision = g.get("rate")
    if decision is not None and decision.limit:
        response.headers["X-RateLimit-Limit"] = str(decision.limit)
        response.headers["X-RateLimit-Remaining"] = str(decision.remaining)
    return log_request(response)


def init_app(app) -> None:
    app.before_request(before_api_request)
    app.after_request(after_api_request)
