"""The délais dashboard ``/accompagnements/tableau-de-bord`` and its CSV export.

``coordinateur`` (their territory), ``admin_departemental`` (their department) and
``admin_national`` (every department); anyone else, or a department or territory outside the
person's own, gets 403 (``handover.dashboard.scope_for``). Filters come from the query string
(``du``, ``au``, ``departement``, ``territoire``, ``agence``, ``axe``, ``par``); a bad value,
a department the commune directory does not know or a territory outside the scope gives the
page again with a French message naming the field and status 400 (the CSV: that message, 400).
The charts (``@gouvfr/dsfr-chart`` web components) read their figures from attributes; each
has a table of the same figures beside it.
"""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, render_template, request, url_for

from accounts.scoping import AccessDenied
from handover import dashboard
from handover.models import REFUSAL_REASONS, HandOverError
from web.auth.services import person
from web.handover.charts import chart_data, csv_rows, days, group_rows, moment, percent
from web.helpers import runtime
from web.security import mark_private

bp = Blueprint("handover_dashboard", __name__, url_prefix="/accompagnements")


@bp.before_request
def _private():
    mark_private()


def _actor():
    actor = person()
    if actor is None:
        raise AccessDenied("Connectez-vous avec un compte actif.")
    # The role check comes first: a conseiller gets 403 whatever the query string says.
    dashboard.scope_for(actor, dashboard.Filters())
    return actor


def _query() -> dict:
    return {k: v for k, v in request.args.items() if v}


@bp.get("/tableau-de-bord")
def show():
    actor = _actor()
    try:
        board = _board(actor)
    except HandOverError as exc:
        filters = dashboard.Filters(par=dashboard.default_grouping(actor))
        return _page(actor, _service_show(actor, filters), error=exc), 400
    return _page(actor, board)


def _service_show(actor, filters: dashboard.Filters) -> dashboard.Dashboard:
    return runtime().handover_dashboard.show(actor, filters, runtime().directory.departement_names)


def _board(actor) -> dashboard.Dashboard:
    """The dashboard the query string asks for. Raises ``HandOverError`` (French, naming the
    field) on a value it cannot read, a department the commune directory does not know, or a
    territory that is not one of the scope's; ``AccessDenied`` (403) outside the scope."""
    filters = dashboard.read_filters(request.args, dashboard.default_grouping(actor))
    code = filters.departement
    if code is not None and code not in runtime().directory.departements:
        raise HandOverError(f"Département : « {code} » n'existe pas.", "departement")
    board = _service_show(actor, filters)
    wanted = filters.territoire_id
    if wanted is not None and wanted not in board.territoires:
        raise HandOverError(
            f"Territoire : « {wanted} » n'est pas un territoire de ce périmètre.", "territoire"
        )
    return board


def _page(actor, board: dashboard.Dashboard, error: HandOverError | None = None) -> str:
    # National view without a department: too many territories for one list.
    names = board.territoires if (board.filters.departement or actor.departement) else {}
    return render_template(
        "handover/dashboard.html",
        board=board,
        charts=chart_data(board),
        group_rows=group_rows(board),
        error=error,
        args=request.args,
        actor=actor,
        departement_label=lambda code: dashboard.departement_label(
            code, runtime().directory.departement_names
        ),
        territoires=sorted(names.items(), key=lambda item: item[1]),
        groupings=dashboard.GROUPINGS,
        steps=dashboard.STEPS,
        reasons=REFUSAL_REASONS,
        reference_days=dashboard.REFERENCE_ENTRY_DAYS,
        reference_rate=dashboard.REFERENCE_ENTRY_RATE,
        maturity_days=dashboard.MATURITY_DAYS,
        csv_url=url_for("handover_dashboard.export", **_query()),
        days=days,
        percent=percent,
        moment=moment,
    )


@bp.get("/tableau-de-bord/export.csv")
def export():
    actor = _actor()
    try:
        board = _board(actor)
    except HandOverError as exc:
        return Response(f"{exc}\n", status=400, mimetype="text/plain")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerows(csv_rows(board))
    name = f"delais-accompagnements-{board.today.isoformat()}.csv"
    return Response(
        "\ufeff" + buffer.getvalue(),  # the BOM: spreadsheets read UTF-8 then
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
