"""The resource page ``/ressources/<id>``: everything the record holds, contacts first."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from resource_base.search import EngineUnavailable
from web.auth.services import sees_professionals
from web.errors import error_page
from web.helpers import now_paris, runtime, safe_return
from web.resources.services import ResourceView, zone_labels
from web.security import limiter, mark_private, ui_limit

bp = Blueprint("resources", __name__)


def visible(record: dict | None) -> bool:
    """The UI's one visibility rule (search, resource page, sheet): professionals-only
    resources exist only for logged-in professionals."""
    if record is None:
        return False
    return record.get("visibilite") != "professionnels" or sees_professionals()


@bp.get("/ressources/<resource_id>")
@limiter.limit(ui_limit)
def show(resource_id: str):
    rt = runtime()
    try:
        record = rt.engine.get(resource_id)
    except EngineUnavailable:
        return render_template("errors/unavailable.html"), 503
    if not visible(record):
        # The same answer as an unknown id: an anonymous visitor learns nothing.
        return error_page(
            404,
            "Cette ressource n'existe pas ou n'est plus référencée : "
            "elle a peut-être été retirée lors de la dernière mise à jour de la base.",
            title="Ressource introuvable",
        )
    if record.get("visibilite") == "professionnels":
        mark_private()
    resource = ResourceView(record, now_paris())
    return render_template(
        "resources/show.html",
        r=resource,
        zone=zone_labels(record.get("zone_eligibilite"), rt.directory),
        retour=safe_return(request.args.get("retour")),
    )
