"""``/invitation/<token>``: an invited member chooses their password (open page)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from accounts.models import AccountError
from web.helpers import runtime
from web.invitations.services import InvitationError, read_token
from web.security import limiter, login_limit, mark_private

bp = Blueprint("invitations", __name__)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def accept(token: str):
    mark_private()
    accounts = runtime().accounts
    try:
        user = read_token(current_app.config["SECRET_KEY"], token, accounts.store)
    except InvitationError as exc:
        return render_template("invitations/invalid.html", message=str(exc)), 400
    error = None
    if request.method == "POST":
        password = request.form.get("mot_de_passe", "")
        if password != request.form.get("confirmation", ""):
            error = "Les deux mots de passe ne sont pas identiques."
        else:
            try:
                accounts.set_password_by_invitation(user.id, password)
            except AccountError as exc:
                error = str(exc)
            else:
                return render_template("invitations/done.html", email=user.email)
    return render_template("invitations/accept.html", email=user.email, error=error), (
        400 if error else 200
    )
