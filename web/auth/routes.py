"""Logging in and out: local accounts (e-mail and password) and ProConnect."""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import login_user, logout_user

from accounts.models import AccountError, PendingAccount
from web.auth import proconnect
from web.auth.services import LAST_SEEN, SessionUser, person
from web.helpers import runtime, safe_return
from web.security import limiter, login_email_key, login_limit

bp = Blueprint("auth", __name__)


def start_session(user) -> None:
    """A fresh session for ``user`` (cleared first: no fixation of an earlier session)."""
    session.clear()
    login_user(SessionUser(user))
    session.permanent = True
    session[LAST_SEEN] = time.time()


def _target() -> str:
    return safe_return(request.values.get("suivant")) or url_for("search.index")


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(login_limit, methods=["POST"], key_func=login_email_key)
def login():
    error = None
    status = 200
    if request.method == "POST":
        if not current_app.config["LOCAL_LOGIN"]:
            abort(404)
        try:
            user = runtime().accounts.authenticate(
                request.form.get("email", ""), request.form.get("mot_de_passe", "")
            )
        except AccountError as exc:
            error, status = str(exc), 401
        else:
            start_session(user)
            return redirect(_target(), 303)
    return render_template(
        "auth/login.html",
        error=error,
        suivant=safe_return(request.values.get("suivant")),
        expiree=bool(request.args.get("expiree")),
        local_login=current_app.config["LOCAL_LOGIN"],
        proconnect=proconnect.enabled(),
    ), status


@bp.post("/deconnexion")
def logout():
    """Close the session; after ProConnect, also at the provider (end-session endpoint)."""
    id_token = session.get(proconnect.ID_TOKEN)
    user = person()
    if user is not None:
        runtime().accounts.audit(user, "deconnexion", f"compte:{user.id}", user.departement)
    logout_user()
    session.clear()
    if id_token and proconnect.enabled():
        target = proconnect.end_session_url(id_token)
        if target:
            return redirect(target, 303)
    return redirect(url_for("auth.logged_out"), 303)


@bp.get("/deconnecte")
def logged_out():
    return render_template("auth/logged_out.html")


@bp.get("/compte/en-attente")
def pending():
    return render_template("auth/pending.html")


@bp.get("/connexion/proconnect")
@limiter.limit(login_limit)
def proconnect_start():
    if not proconnect.enabled():
        abort(404)
    return proconnect.authorize_redirect(safe_return(request.args.get("suivant")))


@bp.get("/connexion/proconnect/retour")
@limiter.limit(login_limit)
def proconnect_callback():
    if not proconnect.enabled():
        abort(404)
    try:
        claims, id_token, target = proconnect.finish()
        user = runtime().accounts.login_from_identity(claims)
    except proconnect.ProConnectError as exc:
        return render_template(
            "auth/login.html",
            error=str(exc),
            proconnect=True,
            local_login=current_app.config["LOCAL_LOGIN"],
        ), 400
    except PendingAccount:
        return redirect(url_for("auth.pending"), 303)
    except AccountError as exc:
        return render_template(
            "auth/login.html",
            error=str(exc),
            proconnect=True,
            local_login=current_app.config["LOCAL_LOGIN"],
        ), 403
    start_session(user)
    session[proconnect.ID_TOKEN] = id_token
    return redirect(target or url_for("search.index"), 303)
