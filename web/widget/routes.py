"""The embeddable widget ``/widget/<jeton>``: a compact search page for an intranet's iframe.

The token names a configuration (``accounts.widgets``), checked on every request: unknown,
revoked or absent, the answer is a French page that no site may frame. A valid token's page
may be framed by its configuration's origins only (``Content-Security-Policy:
frame-ancestors 'self' <origines>``; ``'self'`` is the console's live preview). Minimal
chrome, links open in a new tab; resources per the configuration (public, or
professionals-only too for a France Travail intranet that allows them). The widget's own
paths carry the token: commune suggestions (the adviser's need a login) and the printable
orientation sheet, which records nothing (only logged-in people record orientation events).
No per-address rate limit, as before tokens: an agency's advisers share one address.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request, url_for

from resource_base import opening
from resource_base.search import EngineUnavailable
from web.helpers import external_url, now, runtime, safe_return, without_text
from web.orientation.services import MAX_SHEET, build_sheet, load_resources, parse_ids
from web.search.routes import render_search
from web.security import allow_framing, mark_private
from web.widget.services import audience_of, preset_form

bp = Blueprint("widget", __name__)

REFUSALS = {
    "absent": (
        404,
        "Adresse de widget incomplète",
        "Cette adresse ne contient pas de jeton de widget. Le widget Relais s'intègre avec "
        "l'adresse complète, /widget/<jeton>, que l'administrateur de votre département "
        "trouve dans la console de Relais.",
    ),
    "inconnu": (
        404,
        "Widget introuvable",
        "Ce jeton de widget n'est pas reconnu. Vérifiez l'adresse copiée dans la page, ou "
        "demandez un nouveau widget à l'administrateur Relais de votre département.",
    ),
    "revoque": (
        403,
        "Widget révoqué",
        "Ce widget a été révoqué par l'administrateur Relais de votre département : il ne "
        "peut plus être utilisé. Demandez-lui un nouveau widget.",
    ),
}


def _refusal(reason: str):
    # Never framable (no allow_framing): 'none' and X-Frame-Options: DENY.
    status, title, message = REFUSALS[reason]
    return render_template("widget/refused.html", title=title, message=message), status


def _config(token: str):
    """(configuration, "") for a valid token (the page may then be framed by its origins),
    else (None, the reason: "inconnu" or "revoque")."""
    config, reason = runtime().widgets.resolve(token)
    if reason:
        return None, reason
    allow_framing(config.frame_ancestors)
    return config, ""


@bp.get("/widget")
def missing():
    """The tokenless widget of earlier versions: framable by anyone, it is gone."""
    return _refusal("absent")


@bp.get("/widget/<token>")
def show(token: str):
    config, refused = _config(token)
    if refused:
        return _refusal(refused)
    rt = runtime()
    return render_search(
        "widget/index.html",
        audience=audience_of(config),
        form=preset_form(config, request.args, rt),
        size=config.taille,
        suggest_url=url_for("widget.communes", token=token),
        config=config,
        token=token,
        parent_origins=" ".join(config.origins),
    )


@bp.get("/widget/<token>/communes")
def communes(token: str):
    """Commune suggestions for the widget's field (JSON list, as ``/communes/suggestions``)."""
    config, refused = _config(token)
    if refused:
        status, _title, message = REFUSALS[refused]
        return jsonify({"message": message}), status
    text = request.args.get("q", "")
    limit = min(max(request.args.get("limit", 8, type=int) or 8, 1), 20)
    departement = (request.args.get("departement") or config.departement).strip().upper()[:3]
    found = runtime().directory.search(text, limit=limit, departement=departement or None)
    return jsonify([c.to_dict() for c in found])


@bp.get("/widget/<token>/fiche")
def sheet(token: str):
    """The printable orientation sheet of the ticked resources (GET: it records nothing)."""
    config, refused = _config(token)
    if refused:
        return _refusal(refused)
    audience = audience_of(config)
    mark_private()  # the chosen resources say something of a person's needs
    retour = safe_return(request.args.get("retour"))
    if not retour or not retour.startswith(f"/widget/{token}"):
        retour = url_for("widget.show", token=token)
    retour = without_text(retour)
    ids = parse_ids(request.args.getlist("ids"))
    problem, status = None, 400
    if not ids:
        problem = "Aucune ressource n'a été cochée : cochez au moins une ressource."
    elif len(ids) > MAX_SHEET:
        problem = f"Une fiche d'orientation contient au plus {MAX_SHEET} ressources."
    rt = runtime()
    records, missing = [], []
    if problem is None:
        try:
            records, missing = load_resources(rt, ids, audience)
        except EngineUnavailable:
            return render_template("errors/unavailable.html"), 503
        if not records:
            problem, status = "Ces ressources ne sont plus référencées.", 404
    if problem:
        page = render_template(
            "widget/sheet.html", problem=problem, retour=retour, config=config, entries=[]
        )
        return page, status
    moment = now()
    entries = build_sheet(
        records,
        moment,
        lambda rid: external_url("resources.show", resource_id=rid),
        lambda rid: external_url("resources.short", resource_id=rid),
    )
    return render_template(
        "widget/sheet.html",
        entries=entries,
        missing=missing,
        today=opening.local_now(None, moment).date(),
        retour=retour,
        config=config,
        parent_origins=" ".join(config.origins),
        professionnels=any(r.get("visibilite") == "professionnels" for r in records),
    )
