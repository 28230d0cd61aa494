"""Rate limits (Flask-Limiter) and security headers for the web UI.

Limits are counted per logged-in person, else per IP address, in the storage
``RATELIMIT_STORAGE_URI`` names (``memory://`` for one process; ``redis://…`` shares counters
between gunicorn workers). Headers: a strict Content-Security-Policy (the UI has no inline
script), ``frame-ancestors 'none'`` except a widget page with a valid token (its allowed
origins, ``allow_framing``), ``nosniff``, ``Referrer-Policy:
same-origin`` and ``Cache-Control: private, no-store`` on every page shown to a logged-in
person or holding professionals-only data.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'"
)


def rate_key() -> str:
    if current_user and current_user.is_authenticated:
        return f"personne:{current_user.get_id()}"
    return f"ip:{get_remote_address()}"


limiter = Limiter(key_func=rate_key, headers_enabled=True)


def ui_limit() -> str:
    return current_app.config["UI_RATE_LIMIT"]


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def orientation_limit() -> str:
    return current_app.config["ORIENTATION_RATE_LIMIT"]


def login_email_key() -> str:
    """Failed logins are also counted per e-mail address, whatever the IP address."""
    return "connexion:" + (request.form.get("email") or "").strip().lower()


def _headers(response):
    if request.path.startswith("/api/"):
        return response
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    is_asset = request.endpoint in ("web.static", "dsfr", "static")
    if is_asset:
        return response
    ancestors = getattr(request, "relais_frame_ancestors", None)
    if ancestors:
        # A widget page with a valid token: framable by its configuration's origins only.
        response.headers["Content-Security-Policy"] = CSP.replace(
            "frame-ancestors 'none'", ancestors
        )
        response.headers.pop("X-Frame-Options", None)
    else:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Frame-Options"] = "DENY"
    if current_user.is_authenticated or getattr(request, "relais_private", False):
        response.headers["Cache-Control"] = "private, no-store"
    return response


def allow_framing(directive: str) -> None:
    """Let the page being built be framed as ``directive`` says
    (``"frame-ancestors 'self' https://intranet.example.fr"``: a widget's allowed origins)."""
    request.relais_frame_ancestors = directive


def mark_private() -> None:
    """The page being built shows professionals-only or personal data: never cache it."""
    request.relais_private = True


def init_app(app: Flask) -> None:
    limiter.init_app(app)
    app.after_request(_headers)
