"""``/api/v1/accompagnements``: the hand-over to axes 2 and 3 for the information systems of
France Travail and of the Conseils départementaux (issue 10, "the same workflow in the API").

Every route needs a key with the ``accompagnements`` scope (bound to an agence, a Conseil
départemental or a territory); it sees and does what a person of that organisation would.
"""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView

from accounts import roles
from accounts.models import ACTIVE
from api.contract import Blueprint
from api.errors import ErrorSchema, api_abort
from api.handover import schemas, services
from handover import models, transitions

blp = Blueprint(
    "accompagnements",
    __name__,
    description="Orientation d'une personne vers l'accompagnement global (axe 2) ou "
    "l'accompagnement social exclusif (axe 3) : proposition, réception, diagnostic partagé, "
    "décision, entrée, fin. Clé liée à une organisation (portée « accompagnements ») requise.",
)


@blp.after_request
def personal_data(response):
    """A person's file: no cache may keep it, none may serve it to another key."""
    response.headers["Cache-Control"] = "private, no-store"
    response.vary.update(("X-Api-Key", "Authorization"))
    return response


ERRORS = {
    400: "Champ invalide : « errors » nomme le champ en faute.",
    401: "Clé d'API absente, inconnue ou révoquée.",
    403: "Clé sans la portée « accompagnements », ou orientation hors du périmètre de son "
    "organisation, ou action non ouverte à son rôle.",
    404: "Orientation ou action introuvable.",
    409: "Action impossible au statut de l'orientation, ou orientation déjà ouverte pour la "
    "personne (message en français).",
    429: "Limite de requêtes atteinte : voir l'en-tête Retry-After.",
}
HANDOVER_ID = {
    "in": "path",
    "name": "handover_id",
    "description": "Identifiant de l'orientation (champ « id »).",
}
ACTION = {
    "in": "path",
    "name": "action",
    "description": "Action de la table des transitions (voir /accompagnements/vocabulaire).",
    "schema": {"type": "string", "enum": list(services.ACTIONS)},
}


def errors(*statuses: int):
    def decorator(func):
        for status in statuses:
            func = blp.alt_response(
                status,
                schema=ErrorSchema,
                description=ERRORS[status],
                response=None,
            )(func)
        return func

    return decorator


def _terms(labels: dict) -> list[dict]:
    return [{"code": str(code), "libelle": label} for code, label in labels.items()]


@blp.route("/accompagnements")
class HandOvers(MethodView):
    @blp.arguments(schemas.ListArgsSchema, location="query")
    @blp.response(200, schemas.HandOverPageSchema, description="Une page d'orientations.")
    @errors(400, 401, 403, 429)
    def get(self, args):
        """Lister les orientations

        Les orientations du périmètre de la clé (son agence, son département, ou son
        territoire), les plus récentes d'abord, avec les compteurs par statut. La lecture de
        la liste est écrite au journal d'audit.
        """
        user = services.actor()
        statuses = frozenset(args.get("statut") or ()) or None
        page, size = args["page"], args["size"]
        with services.domain_errors():
            records, counts = services.service().inbox(
                user, args.get("territoire"), statuses, size, (page - 1) * size
            )
        total = sum(n for status, n in counts.items() if statuses is None or status in statuses)
        names = services.TerritoryNames()
        return {
            "items": [services.summary(r, names) for r in records],
            "total": total,
            "page": page,
            "size": size,
            "pages": -(-total // size),
            "compteurs": [{"statut": s, "nombre": counts.get(s, 0)} for s in models.STATUSES],
        }

    @blp.arguments(schemas.ProposalBodySchema)
    @blp.response(201, schemas.HandOverSchema, description="L'orientation créée (transmise).")
    @errors(400, 401, 403, 409, 429)
    def post(self, body):
        """Proposer une orientation

        Une clé d'agence (rôle conseiller) propose l'orientation d'une personne ; elle part
        vers le territoire de sa commune (voir /accompagnements/destinataire). Le
        consentement est un enregistrement : portées, date, méthode. Une seconde orientation
        ouverte pour la même personne et le même axe, ou une seconde entrée en accompagnement
        global, est refusée (409).
        """
        user = services.actor()
        with services.domain_errors():
            record = services.service().propose(user, schemas.as_form(body))
        location = url_for("accompagnements.get_one", handover_id=record.id)
        return services.detail(record, user, services.TerritoryNames()), {"Location": location}


@blp.route("/accompagnements/destinataire")
@blp.arguments(schemas.RoutingArgsSchema, location="query")
@blp.response(200, schemas.RoutingSchema, description="Qui recevra l'orientation.")
@errors(400, 401, 403, 429)
def routing(args):
    """Voir qui recevra une orientation

    « Sera reçue par » : le territoire d'action sociale de la commune de résidence, ou
    l'équipe du département quand il travaille sans coordinateurs. 400 si la commune est
    inconnue ou si son Conseil départemental ne reçoit pas les orientations par Relais.
    """
    services.actor()
    with services.domain_errors():
        found = services.service().routing(args["code_commune"])
    territory = found.territoire
    return {
        "departement": found.departement,
        "territoire": {"id": territory.id, "nom": territory.nom} if territory else None,
        "libelle": found.label,
    }


@blp.route("/accompagnements/vocabulaire")
@blp.response(200, schemas.HandOverVocabularySchema, description="Le vocabulaire.")
@errors(401, 403, 429)
def vocabulary():
    """Lire le vocabulaire des orientations

    Axes, statuts, table des transitions (action, statuts de départ, statut d'arrivée,
    rôles), appréciations, modalités, consentement, motifs de refus, d'annulation et de fin.
    """
    services.actor()
    return {
        "axes": _terms(models.AXES),
        "statuts": _terms(models.STATUSES),
        "transitions": [
            {
                "action": t.action,
                "libelle": t.label,
                "depuis": sorted(s for s in t.sources if s),
                "vers": t.target,
                "roles": sorted(t.roles),
            }
            for t in transitions.TABLE
        ],
        "appreciations": _terms(models.APPRECIATIONS),
        "modalites": _terms(models.MODALITES),
        "consentement_portees": _terms(models.CONSENT_SCOPES),
        "consentement_methodes": _terms(models.CONSENT_METHODS),
        "motifs_refus": _terms(models.REFUSAL_REASONS),
        "motifs_annulation": _terms(models.CANCEL_REASONS),
        "motifs_fin": _terms(models.END_REASONS),
    }


@blp.route("/accompagnements/equipe")
@blp.response(200, schemas.TeamSchema, description="Territoires et travailleurs sociaux.")
@errors(401, 403, 429)
def team():
    """Lire l'équipe du département

    Pour une clé du Conseil départemental (département ou territoire) : les territoires
    d'action sociale du département (territoire_id pour rediriger) et ses travailleurs
    sociaux actifs (travailleur_social_id pour attribuer). Une clé d'agence reçoit 403.
    """
    user = services.actor()
    if user.role not in roles.CD_ROLES | {roles.ADMIN_DEPARTEMENTAL}:
        api_abort(
            403,
            code="acces_interdit",
            message="L'équipe du département est réservée aux clés du Conseil départemental.",
        )
    store = services.service().accounts.store
    members = store.list_users(user.departement, ACTIVE)
    return {
        "departement": user.departement,
        "territoires": store.list_territories(user.departement),
        "travailleurs_sociaux": [
            {"id": m.id, "nom": m.nom or m.email, "territoire_id": m.territoire_id}
            for m in members
            if m.role == roles.TRAVAILLEUR_SOCIAL
        ],
    }


@blp.route("/accompagnements/<int:handover_id>", parameters=[HANDOVER_ID])
@blp.response(200, schemas.HandOverSchema, description="Le dossier de la personne.")
@errors(401, 403, 404, 429)
def get_one(handover_id: int):
    """Lire le dossier d'une personne

    Le dossier complet : personne, freins, consentement, diagnostics, décision, historique,
    et les actions que la clé peut faire maintenant. Chaque lecture est écrite au journal
    d'audit (au nom de la clé).
    """
    user = services.actor()
    with services.domain_errors():
        record = services.service().read(user, handover_id)
    return services.detail(record, user, services.TerritoryNames())


@blp.route(
    "/accompagnements/<int:handover_id>/<action>",
    methods=["POST"],
    parameters=[HANDOVER_ID, ACTION],
)
@blp.arguments(schemas.ActionBodySchema)
@blp.response(200, schemas.HandOverSchema, description="Le dossier après l'action.")
@errors(400, 401, 403, 404, 409, 429)
def act(body, handover_id: int, action: str):
    """Agir sur une orientation

    Une transition de la table : prendre_en_charge, attribuer, rediriger,
    refuser_reception, diagnostic_ft, diagnostic_cd, accepter, refuser, reorienter, entrer,
    renouveler, terminer, annuler. Le corps porte les champs de l'action (voir chaque champ).
    Chaque action est écrite dans l'historique du dossier et au journal d'audit.
    """
    if action not in services.ACTIONS:
        api_abort(
            404,
            code="action_inconnue",
            message=f"Action inconnue : « {action} » (valeurs : {', '.join(services.ACTIONS)}).",
        )
    user = services.actor()
    with services.domain_errors():
        record = services.service().act(user, handover_id, action, schemas.as_form(body))
    return services.detail(record, user, services.TerritoryNames())
