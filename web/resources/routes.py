"""The resource page ``/ressources/<id>``: everything the record holds, contacts first."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from resource_base.audience import Audience
from resource_base.search import EngineUnavailable
from web.errors import error_page
from web.helpers import now, runtime, safe_return
from web.resources.services import ResourceView, zone_labels

bp = Blueprint("resources", __name__)


@bp.get("/ressources/<resource_id>")
def show(resource_id: str):
    rt = runtime()
    try:
        # The adviser's page: the professional audience (accounts arrive with the next issue).
        record = rt.search_service.get(resource_id, Audience.PROFESSIONAL)
    except EngineUnavailable:
        return render_template("errors/unavailable.html"), 503
    if record is None:
        return error_page(
            404,
            "Cette ressource n'existe pas ou n'est plus référencée : "
            "elle a peut-être été retirée lors de la dernière mise à jour de la base.",
            title="Ressource introuvable",
        )
    resource = ResourceView(record, now())
    return render_template(
        "resources/show.html",
        r=resource,
        zone=zone_labels(record.get("zone_eligibilite"), rt.directory),
        retour=safe_return(request.args.get("retour")),
    )


@bp.get("/r/<resource_id>")
def short(resource_id: str):
    """The short link of an SMS: redirects to the resource page."""
    return redirect(url_for("resources.show", resource_id=resource_id), 301)
