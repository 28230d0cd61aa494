"""The embeddable widget ``/widget``: a compact search page for an iframe (agency intranets).

Minimal chrome (no header, no footer), public resources only, links open in a new tab.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from resource_base.search import EngineUnavailable
from web.helpers import now_paris, runtime
from web.resources.services import ResourceView
from web.search.services import SearchForm, category_groups, run_search

bp = Blueprint("widget", __name__)


@bp.get("/widget")
def index():
    form = SearchForm.from_args(request.args)
    try:
        outcome = run_search(runtime(), form, professionnels=False)
    except EngineUnavailable:
        return render_template("errors/unavailable.html"), 503
    now = now_paris()
    items = [ResourceView(i.to_dict(), now) for i in outcome.result.items] if outcome.result else []
    html = render_template(
        "widget/index.html",
        form=form,
        outcome=outcome,
        result=outcome.result,
        items=items,
        groups=category_groups(),
        suggest_url=url_for("search.commune_suggestions"),
    )
    return html, (400 if form.errors else 200)


@bp.after_request
def allow_framing(response):
    # Meant to be embedded by other sites: never forbid framing (X-Frame-Options).
    response.headers.pop("X-Frame-Options", None)
    response.headers.setdefault("Content-Security-Policy", "frame-ancestors *")
    return response
