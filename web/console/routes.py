"""``/console/<departement>/…``: placeholder replaced below."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("console", __name__, url_prefix="/console/<departement>")


@bp.get("/")
def home(departement: str):
    return "console"
