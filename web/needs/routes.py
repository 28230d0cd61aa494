"""The unmet-needs page ``/besoins`` (issue 13): coordinateurs and department admins see
their department, the national admin every department and each one.

Every view asks ``accounts.scoping`` first: 403 for a role without ``lire_besoins_non_couverts``
(a conseiller) or for another department.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from accounts import roles, scoping
from accounts.models import AccountError, check_departement
from resource_base.needs_events import FEW_ANSWERS, MASK_BELOW, MASKED_LABEL
from web.auth.services import person
from web.helpers import now, runtime
from web.needs.services import (
    csv_text,
    department_report,
    national_csv_rows,
    national_report,
    parse_period,
)
from web.security import mark_private

bp = Blueprint("needs", __name__, url_prefix="/besoins")


def _actor(departement: str | None = None):
    try:
        return scoping.require(person(), roles.READ_NEEDS, departement)
    except scoping.AccessDenied:
        abort(403)


def _departement(code: str) -> str:
    try:
        return check_departement(code)
    except AccountError:
        abort(404)


@bp.before_request
def _private():
    mark_private()


def _page(template: str, report, errors: list[str], **context):
    html = render_template(
        template,
        report=report,
        errors=errors,
        few=FEW_ANSWERS,
        mask_below=MASK_BELOW,
        masked_label=MASKED_LABEL,
        **context,
    )
    return html, (400 if errors else 200)


@bp.get("/")
def index():
    """The national view for the national admin; the others go to their department."""
    actor = _actor()
    if actor.role != roles.ADMIN_NATIONAL:
        if not actor.departement:
            abort(403)
        return redirect(url_for("needs.department", departement=actor.departement))
    period, errors = parse_period(request.args, now().date())
    report = national_report(runtime().needs_log, period)
    return _page("needs/national.html", report, errors)


@bp.get("/export.csv")
def national_csv():
    actor = _actor()
    if actor.role != roles.ADMIN_NATIONAL:
        abort(403)
    period, errors = parse_period(request.args, now().date())
    if errors:
        abort(400)
    report = national_report(runtime().needs_log, period)
    rows = national_csv_rows(runtime().needs_log, period)
    return _csv(csv_text(report, rows), f"besoins-non-couverts-{period.debut}-{period.fin}.csv")


def _report(departement: str):
    _actor(departement)
    rt = runtime()
    # Scoping checked above; territory names only (coordinators may not manage them).
    names = {t.id: t.nom for t in rt.accounts.store.list_territories(departement)}
    period, errors = parse_period(request.args, now().date())
    return department_report(rt.needs_log, departement, period, names), errors


@bp.get("/<departement>")
def department(departement: str):
    departement = _departement(departement)
    report, errors = _report(departement)
    return _page("needs/department.html", report, errors, departement=departement)


@bp.get("/<departement>/export.csv")
def department_csv(departement: str):
    departement = _departement(departement)
    report, errors = _report(departement)
    if errors:
        abort(400)
    name = f"besoins-non-couverts-{departement}-{report.period.debut}-{report.period.fin}.csv"
    return _csv(csv_text(report, report.par_territoire), name)


def _csv(text: str, filename: str) -> Response:
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
