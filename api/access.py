"""Who is calling: API key, CORS origins, rate limits — run before every /api/ request.

- A key comes in ``X-Api-Key`` or ``Authorization: Bearer``. An unknown or revoked key gets a
  401; no key gets a 401 only when ``ANONYMOUS_ACCESS`` is off.
- CORS: a browser request (``Origin``) gets ``Access-Control-Allow-Origin`` only for an origin
  its key allows (or, without a key, one of ``ANONYMOUS_ORIGINS``); a key used from an origin
  it does not allow gets a 403. Preflights carry no key: they succeed for an origin that some
  active key (or the anonymous list) allows, and the real request is then checked.
- Rate limits per key, or per IP address without a key (api/ratelimit.py, Flask-Limiter with
  the shared storage ``RATELIMIT_STORAGE_URI``); requests with an invalid key or no key where
  one is required, and CORS preflights, count against the IP address too.

Three ``before_request`` hooks, in this order: ``before_api_request`` says who is calling and
who is counted, Flask-Limiter counts (429 past the limit), ``check_api_access`` answers
preflights and refuses bad keys (401) and origins (403).
"""

from __future__ import annotations

from flask import current_app, g, request
from flask_limiter import Limiter

from api import ratelimit
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


def _identify() -> None:
    """Who is calling (``g.api_key``, ``g.key_name``) and who is counted: the key, or the
    caller's address without a valid key (invalid keys and preflights included)."""
    token = presented_token()
    key = _state().keys.find(token) if token is not None else None
    if key is not None and not key.active:
        key = None
    g.api_key = key
    g.key_name = key.name if key else None
    g.token_refused = token is not None and key is None
    if key is not None:
        g.rate_client, g.rate_per_minute = f"cle:{key.name}", int(key.rate_limit)
    else:
        g.rate_client = f"ip:{request.remote_addr}"
        g.rate_per_minute = int(current_app.config["ANONYMOUS_RATE_LIMIT"])


def _is_preflight(origin: str | None) -> bool:
    return bool(
        request.method == "OPTIONS"
        and origin
        and "Access-Control-Request-Method" in request.headers
    )


def before_api_request():
    """First hook: start the request's log and say who is counted (Flask-Limiter counts next)."""
    if not is_api_request():
        return None
    start_request()
    if _is_preflight(_origin()):
        # Preflights carry no key: counted against the caller's address.
        g.api_key, g.key_name, g.token_refused = None, None, False
        g.rate_client = f"ip:{request.remote_addr}"
        g.rate_per_minute = int(current_app.config["ANONYMOUS_RATE_LIMIT"])
        return None
    origin = _origin()
    if request.endpoint in OPEN_ENDPOINTS:
        if origin and _anonymous_allows(origin):
            g.cors_origin = origin
        return None
    _identify()
    # Set before the count, so that a 429 reaches the browser's script too.
    key = g.api_key
    if origin and (
        (key is not None and key.allows_origin(origin))
        or (key is None and not g.token_refused and _anonymous_allows(origin))
    ):
        g.cors_origin = origin
    return None


def check_api_access():
    """Last hook, after the count: answer preflights, refuse missing or invalid keys (401) and
    origins a key does not allow (403)."""
    if not is_api_request():
        return None
    origin = _origin()
    if _is_preflight(origin):
        return _preflight(origin)
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    key: ApiKey | None = g.get("api_key")
    if g.get("token_refused"):
        api_abort(
            401,
            code="cle_invalide",
            message="Clé d'API inconnue ou révoquée.",
            headers={"WWW-Authenticate": 'Bearer realm="relais", error="invalid_token"'},
        )
    if key is None and not current_app.config["ANONYMOUS_ACCESS"]:
        api_abort(
            401,
            code="cle_requise",
            message="Une clé d'API est nécessaire (en-tête X-Api-Key ou Authorization: Bearer).",
            headers={"WWW-Authenticate": 'Bearer realm="relais"'},
        )
    if origin and key is not None and not key.allows_origin(origin):
        api_abort(
            403,
            code="origine_non_autorisee",
            message=f"Cette clé d'API n'est pas autorisée depuis l'origine « {origin} ».",
        )
    return None


def after_api_request(response):
    if not is_api_request():
        return response
    response.vary.add("Origin")
    if audience() is Audience.PROFESSIONAL:
        # Professionals-only data: no shared cache may keep it or serve it to another key.
        response.vary.update(("X-Api-Key", "Authorization"))
        directives = response.headers.get("Cache-Control", "")
        response.headers["Cache-Control"] = ", ".join(
            [
                "private",
                *[d.strip() for d in directives.split(",") if d.strip() and d.strip() != "public"],
            ]
        )
    origin = g.get("cors_origin")
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    ratelimit.headers(response)
    return log_request(response)


def init_app(app) -> Limiter:
    """Register the hooks in their order: identify, count (Flask-Limiter), check.

    Returns the API's limiter (kept in ``app.extensions["relais_api"].limiter``)."""
    app.before_request(before_api_request)
    limiter = ratelimit.build_limiter(app)
    app.before_request(check_api_access)
    app.after_request(after_api_request)
    return limiter
