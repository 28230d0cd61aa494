"""API rate limits on Flask-Limiter: per key (its own ``rate_limit`` per minute), per IP address
without a key (``ANONYMOUS_RATE_LIMIT``).

The counters live in the storage ``RATELIMIT_STORAGE_URI`` names, the same as the UI's limits:
``memory://`` keeps them in the process; ``redis://…`` shares them between gunicorn workers and
servers, so a client gets its limit once, not once per worker. Strategy: sliding-window counter
(about N requests in any 60 seconds; two counters per client, constant cost per request in
memory and in Redis, where a moving window would keep one entry per request). A storage that stops answering is replaced by per-process memory
counters until it answers again (Flask-Limiter's in-memory fallback): searches go on, and the
fallback is logged.

``api.access`` decides who is counted (``g.rate_client``, ``g.rate_per_minute``) before
Flask-Limiter's own ``before_request`` hook counts the request; a refused request raises
``RateLimitExceeded`` (429), turned into the API's JSON error by ``api.errors``.
"""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, g, request
from flask_limiter import ApplicationLimit, Limiter, RequestLimit

STRATEGY = "sliding-window-counter"
KEY_PREFIX = "relais-api"
SCOPE = "api"


def _client() -> str:
    return g.get("rate_client") or "inconnu"


def _limit() -> str:
    """This request's limit (``"60 per 1 minute"``), or "" when it is not counted."""
    per_minute = g.get("rate_per_minute") or 0
    return f"{per_minute} per 1 minute" if per_minute > 0 else ""


def current(app: Flask | None = None) -> RequestLimit | None:
    """The limit this request was counted against (None when it was not counted)."""
    app = app or current_app
    return app.extensions["relais_api"].limiter.current_limit


def retry_after(limit: RequestLimit) -> int:
    """Seconds before one more request is allowed (at least 1)."""
    return max(1, math.ceil(limit.window.reset_time - time.time()))


def _message() -> str:
    limit = current()
    amount = limit.limit.amount if limit else g.get("rate_per_minute")
    try:
        wait = f"réessayez dans {retry_after(limit)} s" if limit else "réessayez plus tard"
    except Exception:  # the storage failed between the count and this message
        wait = "réessayez plus tard"
    return f"Limite de {amount} requêtes par minute atteinte : {wait}."


def build_limiter(app: Flask) -> Limiter:
    """The API's limiter on ``app``: call it after the hook that sets ``g.rate_client`` and
    ``g.rate_per_minute`` and before the hooks that may refuse the request (so that refused
    requests, invalid keys and CORS preflights are counted too)."""
    limiter = Limiter(
        key_func=_client,
        application_limits=[ApplicationLimit(_limit, scope=SCOPE, error_message=_message)],
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        strategy=STRATEGY,
        key_prefix=KEY_PREFIX,
        headers_enabled=False,  # ours are set by api.access (Retry-After only on a 429)
        in_memory_fallback_enabled=True,
        swallow_errors=True,
        # Every path under /api/ is counted, a mistyped one (404) too: guessing keys costs.
        request_identifier=_identifier,
    )
    limiter.init_app(app)
    return limiter


def _identifier() -> str:
    return request.endpoint or "api-sans-route"


def headers(response) -> None:
    """``X-RateLimit-Limit`` and ``X-RateLimit-Remaining`` on every counted answer,
    ``Retry-After`` on a 429."""
    limit = current()
    if limit is None:
        return
    try:
        response.headers["X-RateLimit-Limit"] = str(limit.limit.amount)
        response.headers["X-RateLimit-Remaining"] = str(max(0, limit.remaining))
        if response.status_code == 429:
            response.headers["Retry-After"] = str(retry_after(limit))
    except Exception:  # the storage stopped answering: the answer goes out without them
        current_app.logger.warning("limites : stockage injoignable, en-têtes omis")
