"""The search page ``/``: one GET form, the results, the facets and the pagination."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from resource_base.search import EngineUnavailable
from web.helpers import now_paris, runtime
from web.resources.services import ResourceView
from web.search.services import SUGGEST_URL, SearchForm, category_groups, run_search

bp = Blueprint("search", __name__)


@bp.get("/")
def index():
    form = SearchForm.from_args(request.args)
    try:
        outcome = run_search(runtime(), form, professionnels=True)
    except EngineUnavailable:
        return render_template("errors/unavailable.html"), 503
    now = now_paris()
    items = (
        [ResourceView(item.to_dict(), now) for item in outcome.result.items]
        if outcome.result
        else []
    )
    html = render_template(
        "search/index.html",
        form=form,
        outcome=outcome,
        result=outcome.result,
        items=items,
        groups=category_groups(),
        retour=request.full_path if request.query_string else "/",
        suggest_url=SUGGEST_URL,
    )
    return html, (400 if form.errors else 200)


@bp.get("/accessibilite")
def accessibilite():
    return render_template("pages/accessibilite.html")


@bp.get("/donnees-personnelles")
def donnees():
    return render_template("pages/donnees.html")
