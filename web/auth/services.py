"""The session's person, the inactivity expiry and the pages open without login.

The domain's ``accounts.models.User`` is wrapped in ``SessionUser`` for Flask-Login. Every
request reloads the person from the store, so a deactivated account loses its session at once.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Flask, current_app, redirect, request, session, url_for
from flask_login import AnonymousUserMixin, LoginManager, current_user, logout_user

from accounts import roles
from accounts.models import User
from resource_base.audience import Audience

# Endpoints anyone may reach (issue 9: by default the login pages and the widget, which checks its own token; the
# resource page shows public resources to everyone, since QR codes and the widget link there).
OPEN_ENDPOINTS = frozenset(
    {
        "auth.login",
        "auth.proconnect_start",
        "auth.proconnect_callback",
        "auth.logged_out",
        "auth.pending",
        "widget.missing",
        "widget.show",
        "widget.communes",
        "widget.sheet",
        "resources.show",
        "search.accessibilite",
        "search.donnees",
        "web.static",
        "dsfr",
        "dsfr_chart",
        "static",
    }
)
LAST_SEEN = "vu"


class SessionUser:
    """Flask-Login's view of a domain ``User``."""

    is_anonymous = False

    def __init__(self, user: User):
        self.user = user

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.user.active

    def get_id(self) -> str:
        return str(self.user.id)

    def can(self, action: str) -> bool:
        return self.user.can(action)


class Anonymous(AnonymousUserMixin):
    user = None

    def can(self, action: str) -> bool:
        return False


def person() -> User | None:
    """The logged-in person's domain record, or None."""
    return current_user.user if current_user.is_authenticated else None


def sees_professionals() -> bool:
    """The one rule for the UI: professionals-only resources appear to logged-in
    professionals whose role allows it (the API's rule is the key's scope)."""
    return current_user.can(roles.SEE_PROFESSIONALS)


def audience() -> Audience:
    """Who is looking, for ``resource_base.audience.may_show`` and the engines' filters."""
    return Audience.PROFESSIONAL if sees_professionals() else Audience.PUBLIC


def _load(user_id: str) -> SessionUser | None:
    try:
        user = current_app.extensions["relais"].accounts.store.get_user(int(user_id))
    except ValueError:
        return None
    return SessionUser(user) if user is not None and user.active else None


def _login_target() -> str:
    # Only the path: the query string may hold the free text ``q`` (never in shared URLs).
    return url_for("auth.login", suivant=request.path)


def _guard():
    """Before every web request: expire an idle session, require login outside the open pages."""
    if request.path.startswith("/api/"):
        return None
    idle = timedelta(hours=float(current_app.config["SESSION_IDLE_HOURS"]))
    if current_user.is_authenticated:
        seen = session.get(LAST_SEEN, 0)
        now = time.time()
        if now - seen > idle.total_seconds():
            logout_user()
            session.clear()
            return redirect(url_for("auth.login", expiree=1))
        session[LAST_SEEN] = now
        session.permanent = True
        return None
    endpoint = request.endpoint or ""
    if endpoint in OPEN_ENDPOINTS or not endpoint:
        return None
    if endpoint == "search.index" and current_app.config["PUBLIC_SEARCH"]:
        return None
    return redirect(_login_target())


def init_app(app: Flask) -> None:
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config["COOKIE_SECURE"])
    app.config["SESSION_COOKIE_NAME"] = "relais_session"
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(
        hours=float(app.config["SESSION_IDLE_HOURS"])
    )
    app.config["SESSION_REFRESH_EACH_REQUEST"] = True
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_SECURE"] = bool(app.config["COOKIE_SECURE"])
    manager = LoginManager()
    manager.anonymous_user = Anonymous
    manager.user_loader(_load)
    manager.init_app(app)
    app.before_request(_guard)

    @app.context_processor
    def who() -> dict:
        return {"personne": person(), "voit_professionnels": sees_professionals()}
