"""``/agences/<code>/orientations``: an agence's orientation records (403 outside its scope)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for

from accounts import roles
from web.auth.services import person
from web.helpers import runtime
from web.records.services import PAGE_SIZE, agence_records
from web.security import mark_private

bp = Blueprint("records", __name__)


@bp.get("/agence/orientations")
def mine():
    """The logged-in adviser's own agence (403 for a person without one)."""
    actor = person()
    if actor is None or actor.role not in roles.FRANCE_TRAVAIL_ROLES or not actor.agence:
        abort(403)
    return redirect(url_for("records.agence", code=actor.agence))


@bp.get("/agences/<code>/orientations")
def agence(code: str):
    mark_private()
    organisation, rows = agence_records(runtime(), person(), code)
    return render_template(
        "records/agence.html",
        code=code.strip().upper(),
        organisation=organisation,
        rows=rows,
        page_size=PAGE_SIZE,
    )
