"""The search page ``/``: one GET form, the results, the facets and the pagination."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request, url_for

from resource_base.audience import Audience
from resource_base.needs_events import organisation_type
from resource_base.search import EngineUnavailable
from web.auth.services import audience as current_audience
from web.auth.services import person
from web.helpers import now, runtime, without_text
from web.resources.services import ResourceView
from web.search.services import PAGE_SIZE, SearchForm, category_groups, run_search
from web.security import limiter, mark_private, ui_limit

bp = Blueprint("search", __name__)


def render_search(
    template: str,
    *,
    audience: Audience,
    form: SearchForm | None = None,
    size: int = PAGE_SIZE,
    suggest_url: str | None = None,
    **context,
):
    """Run the form's search and render it: the adviser page and the widget share this.
    ``form``: already read (the widget applies its presets); ``size``: results per page."""
    form = form or SearchForm.from_args(request.args)
    if audience is Audience.PROFESSIONAL:
        mark_private()
    user = person()
    organisation = organisation_type(
        user.role if user else None, user.agence if user else None, api_key=False
    )
    try:
        outcome = run_search(
            runtime(),
            form,
            audience=audience,
            path=request.path,
            size=size,
            organisation=organisation,
        )
    except EngineUnavailable:
        return render_template("errors/unavailable.html"), 503
    moment = now()
    items = (
        [ResourceView(i.to_dict(), moment) for i in outcome.result.items] if outcome.result else []
    )
    html = render_template(
        template,
        form=form,
        outcome=outcome,
        result=outcome.result,
        items=items,
        groups=category_groups(),
        suggest_url=suggest_url or url_for("search.commune_suggestions"),
        **context,
    )
    return html, (400 if form.errors else 200)


@bp.get("/")
@limiter.limit(ui_limit)
def index():
    # Professionals-only resources: the same rule as the resource page and the sheet.
    return render_search(
        "search/index.html",
        audience=current_audience(),
        # The way back to this search, without the free text ``q`` (never in shared URLs).
        retour=without_text(request.full_path) if request.query_string else "/",
    )


@bp.get("/accessibilite")
def accessibilite():
    return render_template("pages/accessibilite.html")


@bp.get("/donnees-personnelles")
def donnees():
    return render_template("pages/donnees.html")


@bp.get("/communes/suggestions")
@limiter.limit(ui_limit)
def commune_suggestions():
    """Commune autocomplete for the UI's own script, in-process: advisers of one agency share
    an address, so the API's anonymous per-address limit must not throttle their typing."""
    text = request.args.get("q", "")
    limit = min(max(request.args.get("limit", 8, type=int) or 8, 1), 20)
    departement = (request.args.get("departement") or "").strip().upper()[:3] or None
    found = runtime().directory.search(text, limit=limit, departement=departement)
    return jsonify([c.to_dict() for c in found])
