"""Widget configurations in the department console ``/console/<département>/widgets``.

An ``admin_departemental`` manages its department's widgets (403 elsewhere), the
``admin_national`` every department's: create (name, allowed origins, presets, display
options), show the token, the iframe and resize snippets and a live preview, revoke. Every
change is written to the audit log by ``accounts.widgets.WidgetService``.
"""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from accounts import roles, scoping
from accounts.widgets import SIZES, WidgetError
from resource_base import vocabulary
from web.auth.services import person
from web.helpers import external_url, runtime
from web.search.services import category_groups, commune_label
from web.security import mark_private
from web.widget.services import config_from_form, iframe_snippet, resize_snippet

bp = Blueprint("widget_console", __name__, url_prefix="/console/<departement>/widgets")


def _actor(departement: str):
    try:
        return scoping.require(person(), roles.MANAGE_WIDGETS, departement)
    except scoping.AccessDenied:
        abort(403)


@bp.before_request
def _private():
    mark_private()


def _page(departement: str, actor, status: int = 200, form=None):
    return render_template(
        "widget/console.html",
        departement=departement,
        widgets=runtime().widgets.list(actor, departement),
        groups=category_groups(),
        sizes=SIZES,
        form=form or {},
    ), status


def _preset_commune(rt, text: str, departement: str) -> str:
    """The INSEE code of the department's commune ``text`` names (code, postal code or name);
    raises ``WidgetError``."""
    match = rt.directory.resolve(text, 20, departement)
    commune = next((c for c in match.communes if c.departement == departement), None)
    commune = commune or rt.directory.get(text.upper())
    if commune is None or commune.departement != departement:
        raise WidgetError(
            f"Commune préréglée « {text[:60]} » introuvable dans le département {departement}."
        )
    return commune.code_insee


@bp.get("/")
def index(departement: str):
    return _page(departement, _actor(departement))


@bp.post("/")
def create(departement: str):
    actor = _actor(departement)
    rt = runtime()
    try:
        config = config_from_form(request.form, departement)
        text = (request.form.get("commune") or "").strip()
        if text:
            config = replace(config, code_commune=_preset_commune(rt, text, departement))
        created = rt.widgets.create(actor, config)
    except WidgetError as exc:
        flash(str(exc), "error")
        return _page(departement, actor, 400, request.form)
    flash(f"Widget « {created.name} » créé : copiez son code ci-dessous.", "success")
    return redirect(
        url_for("widget_console.show", departement=departement, widget_id=created.id), 303
    )


@bp.get("/<int:widget_id>")
def show(departement: str, widget_id: int):
    actor = _actor(departement)
    widgets = runtime().widgets
    config = widgets.get(actor, departement, widget_id)
    if config is None:
        abort(404)
    token = widgets.token(config)
    url = external_url("widget.show", token=token)
    relais_origin = url.split("/widget/", 1)[0]
    return render_template(
        "widget/console_show.html",
        departement=departement,
        config=config,
        token=token,
        widget_url=url,
        iframe=iframe_snippet(url, config),
        resize=resize_snippet(relais_origin),
        preview=url_for("widget.show", token=token),
        commune=_commune_text(config.code_commune),
        besoins=[vocabulary.label(t) for t in config.thematiques],
    )


def _commune_text(code: str | None) -> str | None:
    commune = runtime().directory.get(code) if code else None
    return commune_label(commune) if commune else code


@bp.post("/<int:widget_id>/revoquer")
def revoke(departement: str, widget_id: int):
    actor = _actor(departement)
    try:
        config = runtime().widgets.revoke(actor, departement, widget_id)
    except WidgetError as exc:
        flash(str(exc), "error")
    else:
        flash(
            f"Widget « {config.name} » révoqué : les pages qui l'intègrent ne l'affichent plus.",
            "success",
        )
    return redirect(url_for("widget_console.index", departement=departement), 303)
