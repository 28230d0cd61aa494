"""The department console ``/console/<département>/…`` (``admin_departemental``).

Every view asks ``accounts.scoping`` first (403 outside the admin's department, or for a role
without the right), and the services check again: scoping holds even if a view forgets.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from accounts import roles, scoping
from accounts.models import TERRITORY_KINDS, AccountError
from handover.models import HandOverError
from handover.schedule import DELAIS_FIELDS, read_delais
from notifications.mailer import Mailer
from web.auth.services import person
from web.console.jobs import UploadRefused, load_job, start_import
from web.console.services import communes_of, import_history, rejects_dir
from web.helpers import external_url, runtime
from web.invitations.services import INVITATION_HOURS, make_token, send_invitation
from web.security import mark_private

bp = Blueprint("console", __name__, url_prefix="/console/<departement>")


def _actor(departement: str, action: str = roles.MANAGE_MEMBERS):
    try:
        return scoping.require(person(), action, departement)
    except scoping.AccessDenied as exc:
        abort(403, str(exc))  # its French reason, on the 403 page


def _member(accounts, user_id: int, departement: str, pending_ok: bool = False):
    """The account ``user_id`` of ``departement``, else 404 (an account of another
    department is not revealed). ``pending_ok``: an account without a department yet (a
    first ProConnect login) may be claimed too."""
    target = accounts.store.get_user(user_id)
    allowed = (departement, None) if pending_ok else (departement,)
    if target is None or target.departement not in allowed:
        abort(404)
    return target


@bp.before_request
def _private():
    mark_private()


@bp.get("/")
def home(departement: str):
    actor = _actor(departement)
    accounts = runtime().accounts
    return render_template(
        "console/home.html",
        departement=departement,
        info=accounts.store.get_departement(departement),
        members=accounts.members(actor, departement),
        pending=accounts.pending(actor, departement),
    )


@bp.get("/membres")
def members(departement: str):
    actor = _actor(departement)
    accounts = runtime().accounts
    return render_template(
        "console/members.html",
        departement=departement,
        members=accounts.members(actor, departement),
        territories=accounts.territories(actor, departement),
        roles=_assignable_roles(actor),
        unclaimed=(
            accounts.pending_without_department(actor) if actor.can(roles.MANAGE_ALL) else []
        ),
    )


def _assignable_roles(actor) -> dict[str, str]:
    return {
        code: label
        for code, label in roles.ROLES.items()
        if code != roles.ADMIN_NATIONAL or actor.role == roles.ADMIN_NATIONAL
    }


def _territory_id() -> int | None:
    value = request.form.get("territoire", "").strip()
    return int(value) if value.isdigit() else None


@bp.post("/membres")
def invite(departement: str):
    actor = _actor(departement)
    try:
        user = runtime().accounts.create_user(
            actor,
            request.form.get("email", ""),
            request.form.get("role", ""),
            departement,
            request.form.get("agence") or None,
            request.form.get("mot_de_passe") or None,
            request.form.get("nom", ""),
            _territory_id(),
        )
    except AccountError as exc:
        flash(str(exc), "error")
        return redirect(url_for("console.members", departement=departement), 303)
    # The invitation: e-mailed when an SMTP server is set, else the link shown to pass on.
    sent = send_invitation(
        Mailer.from_settings(current_app.config),
        user,
        external_url(
            "invitations.accept", token=make_token(current_app.config["SECRET_KEY"], user)
        ),
        external_url("auth.login"),
    )
    runtime().accounts.audit(
        actor,
        "invitation",
        f"compte:{user.id}",
        departement,
        {"envoye": "courriel envoyé"}.get(sent.outcome, "lien affiché dans la console"),
    )
    return render_template(
        "console/invited.html",
        departement=departement,
        user=user,
        sent=sent,
        hours=INVITATION_HOURS,
    )


@bp.post("/membres/<int:user_id>")
def update_member(departement: str, user_id: int):
    actor = _actor(departement)
    accounts = runtime().accounts
    # A pending account without a department is claimed by the national admin's choice.
    _member(accounts, user_id, departement, pending_ok=True)
    try:
        user = accounts.update_member(
            actor,
            user_id,
            request.form.get("role", ""),
            request.form.get("agence") or None,
            _territory_id(),
            departement,
        )
    except AccountError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Compte {user.email} : {user.role_label}, {user.status_label.lower()}.", "success")
    return redirect(url_for("console.members", departement=departement), 303)


@bp.post("/membres/<int:user_id>/desactiver")
def deactivate(departement: str, user_id: int):
    actor = _actor(departement)
    accounts = runtime().accounts
    target = _member(accounts, user_id, departement)
    try:
        accounts.deactivate(actor, user_id)
    except AccountError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Compte {target.email} désactivé.", "success")
    return redirect(url_for("console.members", departement=departement), 303)


@bp.post("/membres/<int:user_id>/mot-de-passe")
def reset_password(departement: str, user_id: int):
    actor = _actor(departement)
    accounts = runtime().accounts
    target = _member(accounts, user_id, departement)
    try:
        accounts.reset_password(actor, user_id, request.form.get("mot_de_passe", ""))
    except AccountError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Mot de passe de {target.email} réinitialisé.", "success")
    return redirect(url_for("console.members", departement=departement), 303)


@bp.route("/territoires", methods=["GET", "POST"])
def territories(departement: str):
    actor = _actor(departement, roles.MANAGE_TERRITORIES)
    rt = runtime()
    communes = communes_of(rt, departement)
    upload = None
    status = 200
    if request.method == "POST":
        file = request.files.get("fichier")
        if file is None or not file.filename:
            flash("Choisissez un fichier CSV « code_insee;territoire ».", "error")
            status = 400
        else:
            upload = rt.accounts.upload_territories(actor, departement, file.read(), communes)
            status = 400 if upload.rejects else 200
    listed, assignments, uncovered = rt.accounts.coverage(actor, departement, communes)
    counts: dict[int, int] = {}
    for territory_id in assignments.values():
        counts[territory_id] = counts.get(territory_id, 0) + 1
    return render_template(
        "console/territories.html",
        departement=departement,
        territories=listed,
        counts=counts,
        uncovered=[(code, communes[code]) for code in uncovered],
        upload=upload,
        kinds=TERRITORY_KINDS,
        total=len(communes),
    ), status


@bp.post("/territoires/<int:territory_id>")
def edit_territory(departement: str, territory_id: int):
    actor = _actor(departement, roles.MANAGE_TERRITORIES)
    try:
        territory = runtime().accounts.edit_territory(
            actor,
            departement,
            territory_id,
            request.form.get("nom", ""),
            request.form.get("type", ""),
            request.form.get("courriel", ""),
        )
    except AccountError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Territoire « {territory.nom} » enregistré.", "success")
    return redirect(url_for("console.territories", departement=departement), 303)


@bp.route("/ressources", methods=["GET", "POST"])
def resources(departement: str):
    actor = _actor(departement, roles.IMPORT_RESOURCES)
    rt = runtime()
    error, status = None, 200
    if request.method == "POST":
        file = request.files.get("fichier")
        if file is None or not file.filename:
            error, status = "Choisissez un fichier à importer.", 400
        else:
            try:
                job = start_import(
                    rt, actor, departement, file, force=bool(request.form.get("forcer"))
                )
            except UploadRefused as exc:
                error, status = str(exc), 400
            else:
                # The import goes on in the background: its page follows it.
                return redirect(
                    url_for("console.import_status", departement=departement, job_id=job.id), 303
                )
    return render_template(
        "console/resources.html",
        departement=departement,
        error=error,
        history=import_history(rt, departement),
    ), status


def _job(departement: str, job_id: str):
    actor = _actor(departement, roles.IMPORT_RESOURCES)
    try:
        return load_job(runtime(), actor, departement, job_id)
    except LookupError:
        abort(404)


@bp.get("/ressources/imports/<job_id>")
def import_status(departement: str, job_id: str):
    """The import's page: progress while it runs (refreshed), then its report."""
    job = _job(departement, job_id)
    return render_template("console/import.html", departement=departement, job=job)


@bp.get("/ressources/imports/<job_id>/etat")
def import_state(departement: str, job_id: str):
    """The import's progress as JSON, for the page's script (import-progress.js)."""
    return jsonify(_job(departement, job_id).to_json())


@bp.get("/ressources/rejets/<name>")
def rejects(departement: str, name: str):
    _actor(departement, roles.IMPORT_RESOURCES)
    folder = rejects_dir(runtime(), departement)
    path = (folder / name).resolve()
    if path.parent != folder.resolve() or not path.is_file():
        abort(404)
    return send_file(path, mimetype="text/csv", as_attachment=True, download_name=name)


@bp.get("/journal")
def audit(departement: str):
    actor = _actor(departement, roles.READ_AUDIT)
    return render_template(
        "console/audit.html",
        departement=departement,
        entries=runtime().accounts.audit_log(actor, departement),
    )


@bp.route("/delais", methods=["GET", "POST"])
def delais(departement: str):
    """The department's timers and retention (``handover.schedule.DELAIS_FIELDS``)."""
    actor = _actor(departement, roles.MANAGE_TERRITORIES)
    rt = runtime()
    store = rt.handovers.store
    current, error, status = store.get_delais(departement), None, 200
    if request.method == "POST":
        try:
            current = store.save_delais(read_delais(request.form, departement))
        except HandOverError as exc:
            error, status = exc, 400
        else:
            rt.accounts.audit(
                actor,
                "delais_orientations",
                f"departement:{departement}",
                departement,
                ", ".join(f"{name}={getattr(current, name)}" for name in DELAIS_FIELDS),
            )
            flash(
                "Délais enregistrés : ils s'appliquent dès le prochain passage des tâches.",
                "success",
            )
            return redirect(url_for("console.delais", departement=departement), 303)
    return render_template(
        "console/delais.html",
        departement=departement,
        delais=current,
        fields=DELAIS_FIELDS,
        form=request.form if error else None,
        error=error,
    ), status
