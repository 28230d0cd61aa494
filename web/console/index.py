"""``/console/``: the way into the department consoles.

A department admin is sent to their own department's console; the national admin gets the list
of every department of the reference geography (name, whether its Conseil départemental shares
the base, how many resources it has) with a link to each console; any other role gets 403, as
for the consoles themselves (``accounts.scoping``).
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for

from accounts import roles
from web.auth.services import person
from web.helpers import runtime
from web.security import mark_private

bp = Blueprint("console_index", __name__, url_prefix="/console")


@bp.before_request
def _private():
    mark_private()


@bp.get("/")
def index():
    actor = person()
    if actor is None or not actor.can(roles.MANAGE_MEMBERS):
        abort(403)
    if actor.role != roles.ADMIN_NATIONAL:
        if not actor.departement:
            abort(403)
        return redirect(url_for("console.home", departement=actor.departement))
    rt = runtime()
    shared = {d.code: d.partage for d in rt.accounts.store.list_departements()}
    counts = rt.store.count_by("departement")
    names = rt.directory.departement_names
    rows = [
        {
            "code": code,
            "nom": names.get(code, ""),
            "partage": shared.get(code, False),
            "ressources": counts.get(code, 0),
        }
        for code in sorted(set(names) | set(counts) | set(shared), key=_department_order)
    ]
    return render_template("console/index.html", departements=rows)


def _department_order(code: str) -> str:
    """The usual order of department codes: 01…19, 2A, 2B, 21…95, then 971…976."""
    return "020" + code[1] if code in ("2A", "2B") else code.zfill(3)
