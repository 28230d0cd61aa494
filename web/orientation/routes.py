"""Orientation (axe 1): the adviser's chosen resources become a printable sheet.

``POST /orientation`` records the anonymous event and redirects (303) to ``GET /orientation``,
which only shows the sheet: reloading or printing it records nothing twice.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, render_template, request, url_for

from resource_base import opening
from resource_base.search import EngineUnavailable
from web.auth.services import audience, person
from web.helpers import external_url, now, runtime, safe_return, without_text
from web.orientation import sms
from web.orientation.services import (
    MAX_SHEET,
    build_sheet,
    context_from_return,
    event_for,
    load_resources,
    message_text,
    parse_ids,
    sms_message,
    with_ids,
)
from web.security import limiter, mark_private, orientation_limit

bp = Blueprint("orientation", __name__)


def _same_origin() -> bool:
    """Refuse forms posted from another site (no cookie, so no CSRF token: check the origin)."""
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return False
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return True
    return urlsplit(origin).netloc == request.host


def _problem(message: str, retour: str | None, status: int):
    return render_template("orientation/problem.html", message=message, retour=retour), status


def _return_path(value: str | None) -> str | None:
    path = safe_return(value)
    return without_text(path) if path else None


def _visible_records(rt, ids: list[str]) -> tuple[list[dict], list[str]]:
    """The records this person may see; the others count as missing (``may_show``, the rule
    the API and the engines apply)."""
    return load_resources(rt, ids, audience())


@bp.post("/orientation")
@limiter.limit(orientation_limit)
def create():
    """Login required (``web.auth.services``, and checked again here: only logged-in people
    record orientation events, issue 13), CSRF token checked (Flask-WTF), rate-limited."""
    if not _same_origin() or person() is None:
        abort(403)
    retour = _return_path(request.form.get("retour"))
    ids = parse_ids(request.form.getlist("ids"))
    if not ids:
        return _problem(
            "Aucune ressource n'a été cochée : cochez au moins une ressource dans les résultats.",
            retour,
            400,
        )
    if len(ids) > MAX_SHEET:
        return _problem(
            f"Une fiche d'orientation contient au plus {MAX_SHEET} ressources : "
            f"vous en avez coché {len(ids)}.",
            retour,
            400,
        )
    rt = runtime()
    try:
        records, _missing = _visible_records(rt, ids)
    except EngineUnavailable:
        return render_template("errors/unavailable.html"), 503
    if not records:
        return _problem("Les ressources cochées ne sont plus référencées.", retour, 404)
    code_commune = request.form.get("code_commune")
    thematiques = request.form.getlist("thematiques")
    if not code_commune:
        code_commune, thematiques = context_from_return(retour)
    chosen = [r["id"] for r in records]
    user = person()
    rt.orientation_log.record(
        event_for(rt, code_commune, thematiques, chosen, agence=user.agence if user else None)
    )
    retour = with_ids(retour, chosen)
    return redirect(url_for("orientation.sheet", ids=chosen, retour=retour), 303)


@bp.get("/orientation")
def sheet():
    mark_private()
    retour = _return_path(request.args.get("retour"))
    ids = parse_ids(request.args.getlist("ids"))
    if not ids:
        return _problem("Aucune ressource n'est indiquée pour la fiche d'orientation.", retour, 400)
    if len(ids) > MAX_SHEET:
        return _problem(
            f"Une fiche d'orientation contient au plus {MAX_SHEET} ressources.", retour, 400
        )
    rt = runtime()
    try:
        records, missing = _visible_records(rt, ids)
    except EngineUnavailable:
        return render_template("errors/unavailable.html"), 503
    if not records:
        return _problem("Ces ressources ne sont plus référencées.", retour, 404)
    moment = now()
    entries = build_sheet(
        records,
        moment,
        lambda rid: external_url("resources.show", resource_id=rid),
        lambda rid: external_url("resources.short", resource_id=rid),
    )
    sms_text = sms_message(entries)
    return render_template(
        "orientation/sheet.html",
        entries=entries,
        missing=missing,
        message=message_text(entries),
        sms=sms_text,
        sms_length=sms.length(sms_text),
        sms_count=sms.count(sms_text),
        today=opening.local_now(None, moment).date(),
        retour=retour,
        professionnels=any(r.get("visibilite") == "professionnels" for r in records),
    )
