"""The embeddable widget ``/widget``: a compact search page for an iframe (agency intranets).

Minimal chrome (no header, no footer), public resources only, links open in a new tab.
"""

from __future__ import annotations

from flask import Blueprint

from resource_base.audience import Audience
from web.search.routes import render_search

bp = Blueprint("widget", __name__)


@bp.get("/widget")
def index():
    # Intranets are not professionals' tools: public resources only.
    return render_search("widget/index.html", audience=Audience.PUBLIC)


@bp.after_request
def allow_framing(response):
    # Meant to be embedded by other sites: never forbid framing (X-Frame-Options).
    response.headers.pop("X-Frame-Options", None)
    response.headers.setdefault("Content-Security-Policy", "frame-ancestors *")
    return response
