"""The resource page ``/ressources/<id>``: everything the record holds, contacts first."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from resource_base.audience import PROFESSIONAL_VISIBILITY, visibility_of
from resource_base.search import EngineUnavailable
from web.auth.services import audience
from web.errors import error_page
from web.helpers import now, runtime, safe_return
from web.resources.services import ResourceView, zone_labels
from web.security import limiter, mark_private, ui_limit

bp = Blueprint("resources", __name__)


@bp.get("/ressources/<resource_id>")
@limiter.limit(ui_limit)
def show(resource_id: str):
    rt = runtime()
    try:
        # Professionals-only resources for logged-in professionals only (QR codes and the
        # widget lead anonymous visitors here: they see public resources).
        record = rt.search_service.get(resource_id, audience())
    except EngineUnavailable:
        return render_template("errors/unavailable.html"), 503
    if record is None:
        # The same answer for an unknown id and a hidden one: an anonymous visitor learns nothing.
        return error_page(
            404,
            "Cette ressource n'existe pas ou n'est plus référencée : "
            "elle a peut-être été retirée lors de la dernière mise à jour de la base.",
            title="Ressource introuvable",
        )
    if visibility_of(record) == PROFESSIONAL_VISIBILITY:
        mark_private()
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
