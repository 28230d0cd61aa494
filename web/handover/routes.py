"""The hand-over to axes 2 and 3 in the web UI: ``/accompagnements/…`` (issue 10, "The journey").

- ``GET /accompagnements/``: the list (a territory's inbox for the Département, the agence's
  records for France Travail) with counters per status, ``?territoire=&statut=&page=``;
- ``GET|POST /accompagnements/nouvelle``: the proposal form (pre-filled from a search with
  ``?thematiques=…&code_commune=…``); "Vérifier le destinataire" shows where it will go;
- ``GET /accompagnements/destinataire?code_commune=``: the same routing preview in JSON, for
  ``handover.js``;
- ``GET /accompagnements/notice``: the printable information notice;
- ``GET /accompagnements/<id>``: the person's file (its read is audited);
- ``POST /accompagnements/<id>/<action>``: one transition of ``handover.transitions.TABLE``.

The service checks scope and status on every call: ``AccessDenied`` → 403,
``IllegalTransition`` / ``HandOverConflict`` → 409, an unknown record or action → 404, a bad
field → the form again with every value and the French message beside the field (400).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from accounts import roles
from accounts.scoping import AccessDenied
from handover import access, transitions
from handover.models import HandOverConflict, HandOverError, IllegalTransition
from web.auth.services import person
from web.errors import error_page
from web.handover import services as views
from web.helpers import runtime, safe_return, without_text
from web.security import limiter, mark_private, ui_limit

bp = Blueprint("handover", __name__, url_prefix="/accompagnements")


@bp.before_request
def _private():
    mark_private()  # every page here shows personal data or who follows whom


@bp.app_context_processor
def _templates() -> dict:
    return {
        "peut_proposer": _may_propose,
        "lien_proposition": _proposal_link,
        "heure_locale": views.local_time,
        "besoins_recherche": views.search_needs,
        "commune_recherche": views.search_commune,
    }


def _may_propose() -> bool:
    actor = person()
    return actor is not None and actor.role in views.PROPOSERS and bool(actor.agence)


def _proposal_link(thematiques=(), code_commune: str = "", retour: str | None = None) -> str:
    """``/accompagnements/nouvelle?thematiques=…&code_commune=…&retour=…`` from a search or a
    resource page (``retour``: the page to go back to without sending, never the free text)."""
    values = {"thematiques": list(thematiques)}
    if code_commune:
        values["code_commune"] = code_commune
    back = safe_return(retour)
    if back:
        values["retour"] = without_text(back)
    return url_for("handover.new", **values)


def _refused(exc: Exception, handover_id: int | None = None):
    """The French page for a refusal of the service: 403, 404, or 409 with a way back to the
    file (someone else acted meanwhile, or the status does not allow it)."""
    if isinstance(exc, AccessDenied):
        return error_page(403, str(exc))
    if isinstance(exc, IllegalTransition | HandOverConflict):
        body = render_template(
            "handover/refused.html",
            code=409,
            title="Action impossible",
            description=str(exc),
            dossier=handover_id,
        )
        return body, 409
    return error_page(404, str(exc), title="Orientation introuvable")


def _service():
    return runtime().handovers


@bp.get("/")
@limiter.limit(ui_limit)
def inbox():
    actor = person()
    rt = runtime()
    wanted = views.InboxFilter.from_args(request.args, actor)
    try:
        records, counts = _service().inbox(
            actor, wanted.territoire_id, wanted.statuses, views.PAGE_SIZE, wanted.offset
        )
    except AccessDenied as exc:
        return _refused(exc)
    territories = views.territories_of(rt.accounts, actor.departement)
    routers = actor.role in transitions.ROUTERS
    return render_template(
        "handover/inbox.html",
        records=records,
        counts=counts,
        filtre=wanted,
        total=wanted.total(counts),
        pages=wanted.pages(counts),
        territories=territories,
        # The records' own departments: a national admin's list spans several.
        territory_names=views.territory_names(
            rt.accounts, [actor.departement, *(r.departement for r in records)]
        ),
        choose_territory=actor.role in (roles.ADMIN_DEPARTEMENTAL, roles.ADMIN_NATIONAL),
        workers=views.social_workers(rt.accounts, actor.departement) if routers else [],
        routers=routers,
        commune_name=_commune_name,
        **views.VOCABULARIES,
    )


def _commune_name(code: str) -> str:
    commune = runtime().directory.get(code) if code else None
    return commune.nom if commune else code


@bp.route("/nouvelle", methods=["GET", "POST"])
@limiter.limit(ui_limit)
def new():
    actor = person()
    rt = runtime()
    service = _service()
    today = service.today()
    if request.method == "GET":
        form = views.ProposalForm.from_search(request.args, rt.directory, today.isoformat())
        return _proposal_page(form, actor)
    form = views.ProposalForm.from_request(request.form)
    try:
        try:
            form.resolve_commune(rt.directory)
            routing = service.routing(form.get("code_commune"))
        except HandOverError as exc:
            if request.form.get("etape") != "verifier":
                service.check_proposal(form, exc)  # every other bad field with the commune's
            raise
        if request.form.get("etape") == "verifier":
            return _proposal_page(form, actor, routing=routing)
        record = service.propose(actor, form)
    except AccessDenied as exc:
        return _refused(exc)
    except HandOverConflict as exc:
        return _proposal_page(form, actor, error=exc, status=409)
    except HandOverError as exc:
        return _proposal_page(form, actor, error=exc, status=400)
    flash(
        f"Proposition {record.reference} transmise : {routing.label}.",
        "success",
    )
    return redirect(url_for("handover.show", handover_id=record.id), 303)


def _proposal_page(form, actor, routing=None, error=None, status=200):
    if actor.role not in views.PROPOSERS:
        return error_page(
            403,
            "Seuls les conseillers France Travail proposent un accompagnement global ou social.",
        )
    refusal = None  # a commune whose Département does not receive hand-overs, said at once
    if routing is None and form.get("code_commune") and error is None:
        try:
            routing = _service().routing(form.get("code_commune"))
        except HandOverError as exc:
            refusal = str(exc)
    # Every bad field at once (issue 10): field → message, "formulaire" for the whole form.
    errors = getattr(error, "errors", None) or (
        {error.field or "formulaire": str(error)} if error else {}
    )
    body = render_template(
        "handover/new.html",
        form=form,
        routing=routing,
        routing_refusal=refusal,
        error=errors,
        field=next(iter(errors), None),
        routing_url=url_for("handover.destination"),
        suggest_url=url_for("search.commune_suggestions"),
        retour=safe_return(request.values.get("retour")),
        **views.VOCABULARIES,
    )
    return body, status


@bp.get("/destinataire")
@limiter.limit(ui_limit)
def destination():
    """``{"destinataire": "MDS Reims, coordination du territoire (département 51)"}`` or
    ``{"erreur": "…"}`` (400): the routing preview of the proposal form, for its script."""
    code = (request.args.get("code_commune") or "").strip()[:10]
    try:
        routing = _service().routing(code)
    except HandOverError as exc:
        return jsonify({"erreur": str(exc)}), 400
    return jsonify({"destinataire": routing.label})


@bp.get("/notice")
def notice():
    return render_template("handover/notice.html", **views.VOCABULARIES)


@bp.get("/<int:handover_id>")
def show(handover_id: int):
    try:
        record = _service().read(person(), handover_id)
    except (AccessDenied, HandOverError) as exc:
        return _refused(exc)
    return _file_page(record)


def _file_page(record, failed: str | None = None, error=None, form=None, status=200):
    actor = person()
    rt = runtime()
    available = transitions.available(record, actor.role)
    actions = {t.action for t in available}
    territories = views.territories_of(rt.accounts, record.departement)
    body = render_template(
        "handover/show.html",
        r=record,
        available=available,
        failed=failed,
        error=error,
        values=views.action_values(failed, form),
        names=views.people_names(rt.accounts, record),
        territory_name=_territory_label(record, territories),
        other_territories=[(t.id, t.nom) for t in territories if t.id != record.territoire_id]
        if "rediriger" in actions
        else [],
        workers=[
            (u.id, u.nom or u.email) for u in views.social_workers(rt.accounts, record.departement)
        ]
        if "attribuer" in actions
        else [],
        commune_name=_commune_name,
        today=_service().today().isoformat(),
        **views.VOCABULARIES,
    )
    return body, status


def _territory_label(record, territories) -> str:
    for territory in territories:
        if territory.id == record.territoire_id:
            return territory.nom
    return f"Équipe du département {record.departement}"


@bp.post("/<int:handover_id>/<action>")
@limiter.limit(ui_limit)
def act(handover_id: int, action: str):
    if action not in transitions.BY_ACTION:
        # No such route: 404, while a known action the status does not allow stays 409.
        return error_page(404, f"Action inconnue : « {action} ».", title="Page non trouvée")
    actor = person()
    service = _service()
    try:
        record = service.act(actor, handover_id, action, request.form)
    except (AccessDenied, IllegalTransition, HandOverConflict) as exc:
        return _refused(exc, handover_id)
    except HandOverError as exc:
        if exc.field == "id":
            return _refused(exc)
        try:
            current = service.read(actor, handover_id)
        except (AccessDenied, HandOverError) as again:
            return _refused(again)
        return _file_page(current, action, exc, request.form, status=400)
    label = transitions.BY_ACTION[action].label
    flash(f"« {label} » : enregistré (dossier {record.reference}).", "success")
    back = safe_return(request.form.get("retour"))
    if not access.sees(actor, record):
        # Redirected to another territory, for instance: the file has left this inbox.
        return redirect(back or url_for("handover.inbox"), 303)
    return redirect(back or url_for("handover.show", handover_id=record.id), 303)
