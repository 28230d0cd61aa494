"""``/api/v1/accompagnements``: the bodies and answers of the hand-over to axes 2 and 3.

The bodies carry the same fields as the web form (``handover.proposal`` and the actions of
``handover.services``); types are checked here, meaning (dates, codes, lengths, consent) by the
domain, which names the field at fault in French (400, ``errors.<champ>``).
"""

from __future__ import annotations

import marshmallow as ma

from api.contract import Integer, MultiValue, OutputSchema, QuerySchema, String, described
from handover import models, proposal

F = ma.fields
TRUE = "oui"  # how the domain reads a ticked box (``"oui"``, ``"on"``, ``"true"``, ``"1"``)


class Boolean(ma.fields.Boolean):
    default_error_messages = {
        "required": "Champ obligatoire.",
        "null": "Valeur vide non permise.",
        "invalid": "Booléen attendu (true ou false).",
    }


class StringList(ma.fields.List):
    default_error_messages = {
        "required": "Champ obligatoire.",
        "null": "Valeur vide non permise.",
        "invalid": "Liste de textes attendue.",
    }

    def __init__(self, description: str, **kwargs):
        super().__init__(String(), metadata=described(description), **kwargs)


class BodySchema(ma.Schema):
    """A JSON body: an unknown field is refused (a typo must not be silently ignored)."""

    class Meta:
        unknown = ma.RAISE

    error_messages = {"unknown": "Champ inconnu.", "type": "Objet JSON attendu."}


def _codes(labels: dict) -> str:
    return ", ".join(labels)


class ListArgsSchema(QuerySchema):
    statut = MultiValue(
        String(
            validate=ma.validate.OneOf(
                list(models.STATUSES), error="Statut inconnu : « {input} » (voir /vocabulaire)."
            ),
            metadata={"enum": list(models.STATUSES)},
        ),
        metadata=described(
            "Seulement ces statuts. Répétable (`?statut=a&statut=b`) ou séparé par des virgules."
        ),
    )
    territoire = Integer(
        metadata=described(
            "Boîte de réception d'un territoire d'action sociale (identifiant) : une clé de "
            "territoire ne lit que la sienne (403 sinon)."
        )
    )
    page = Integer(load_default=1, metadata=described("Numéro de page, à partir de 1.", minimum=1))
    size = Integer(
        load_default=20,
        metadata=described("Nombre d'orientations par page (au plus 100).", minimum=1, maximum=100),
    )


class RoutingArgsSchema(QuerySchema):
    code_commune = String(
        required=True,
        metadata=described(
            "Code INSEE de la commune de résidence de la personne.", example="51454"
        ),
    )


class ProposalBodySchema(BodySchema):
    axe = Integer(
        metadata=described("2 (accompagnement global) ou 3 (accompagnement social exclusif).")
    )
    identifiant_ft = String(
        metadata=described(
            "Identifiant France Travail : 7 à 11 chiffres ou lettres (jamais le NIR)."
        )
    )
    nom = String(metadata=described(f"Nom, au plus {proposal.MAX_NAME} caractères."))
    prenom = String(metadata=described(f"Prénom, au plus {proposal.MAX_NAME} caractères."))
    date_naissance = String(metadata=described("Date de naissance, AAAA-MM-JJ."))
    code_commune = String(metadata=described("Code INSEE de la commune de résidence."))
    telephone = String(metadata=described("Téléphone (ou courriel : l'un des deux au moins)."))
    courriel = String(metadata=described("Adresse électronique (ou téléphone)."))
    beneficiaire_rsa = Boolean(metadata=described("La personne perçoit le RSA."))
    freins = StringList(
        f"Freins : catégories de thématiques data·inclusion (1 à {proposal.MAX_FREINS})."
    )
    appreciations = StringList(
        "Appréciation du conseiller, codes parmi : " + _codes(models.APPRECIATIONS) + "."
    )
    appreciation_texte = String(
        metadata=described(f"Appréciation en texte libre, au plus {models.MAX_TEXT} caractères.")
    )
    modalite = String(
        metadata=described("Modalité du diagnostic : " + _codes(models.MODALITES) + ".")
    )
    consentement_portees = StringList(
        "Ce que la personne accepte, parmi : " + _codes(models.CONSENT_SCOPES) + " (les deux "
        "premiers sont nécessaires)."
    )
    consentement_date = String(
        metadata=described("Date du consentement, AAAA-MM-JJ (aujourd'hui par défaut).")
    )
    consentement_methode = String(
        metadata=described("Comment il a été recueilli : " + _codes(models.CONSENT_METHODS) + ".")
    )


class ActionBodySchema(BodySchema):
    """The fields of every action; each action reads its own (see its description)."""

    travailleur_social_id = Integer(
        metadata=described("attribuer : le travailleur social du département (identifiant).")
    )
    territoire_id = Integer(metadata=described("rediriger : le territoire de destination."))
    motif = String(metadata=described("rediriger, reorienter : le motif, en texte libre."))
    motifs_refus = StringList(
        "refuser, refuser_reception : codes parmi " + _codes(models.REFUSAL_REASONS) + "."
    )
    refus_communicable = Boolean(
        metadata=described("refuser, refuser_reception : le motif peut être dit à la personne.")
    )
    commentaire = String(metadata=described("refuser, refuser_reception : commentaire."))
    date = String(metadata=described("diagnostic_ft, diagnostic_cd : date de l'entretien."))
    synthese = String(
        metadata=described(
            f"diagnostic_ft, diagnostic_cd : synthèse (au plus {models.MAX_TEXT} caractères)."
        )
    )
    tripartite = Boolean(
        metadata=described("diagnostic_ft, diagnostic_cd : entretien à trois (sinon séparé).")
    )
    entree_prevue_le = String(metadata=described("accepter : date d'entrée prévue."))
    entree_le = String(metadata=described("entrer : date d'entrée."))
    terminee_le = String(metadata=described("terminer : date de fin."))
    motif_fin = String(
        metadata=described("terminer : code parmi " + _codes(models.END_REASONS) + ".")
    )
    motif_annulation = String(
        metadata=described("annuler : code parmi " + _codes(models.CANCEL_REASONS) + ".")
    )


def as_form(body: dict) -> dict:
    """The body as the domain reads a form: booleans as ``"oui"``/``""``, numbers as text."""
    form = {}
    for name, value in body.items():
        if isinstance(value, bool):
            form[name] = TRUE if value else ""
        elif isinstance(value, int):
            form[name] = str(value)
        else:
            form[name] = value
    return form


# Answers -------------------------------------------------------------------------------------
def _s(text: str, **kwargs):
    return F.String(metadata=described(text), **kwargs)


def _d(text: str):
    return F.Date(allow_none=True, metadata=described(text + " (AAAA-MM-JJ, null sinon)."))


class PersonSchema(OutputSchema):
    identifiant_ft = _s("Identifiant France Travail.")
    nom = _s("Nom.")
    prenom = _s("Prénom.")
    date_naissance = _d("Date de naissance")
    code_commune = _s("Code INSEE de la commune de résidence.")
    telephone = _s("Téléphone (E.164).")
    courriel = _s("Adresse électronique.")
    beneficiaire_rsa = F.Boolean(metadata=described("Perçoit le RSA."))


class ConsentSchema(OutputSchema):
    portees = F.List(F.String(), metadata=described("Ce que la personne a accepté."))
    date = _d("Date du consentement")
    recueilli_par = F.Integer(
        allow_none=True, metadata=described("Compte qui l'a recueilli (null : une clé d'API).")
    )
    methode = _s("oral ou ecrit.")
    version_notice = _s("Version de la notice d'information remise à la personne.")
    retire_le = _d("Date du retrait du consentement")


class DiagnosticSchema(OutputSchema):
    side = _s("france_travail ou departement.", data_key="cote")
    auteur_nom = _s("Auteur.", data_key="auteur")
    date = _d("Date de l'entretien")
    tripartite = F.Boolean(metadata=described("Entretien à trois."))
    synthese = _s("Synthèse (vide une fois les textes purgés).")


class EventSchema(OutputSchema):
    at = _s("Heure UTC (ISO 8601).", data_key="le")
    action = _s("Action (table des transitions).")
    from_status = _s("Statut avant (null à la création).", allow_none=True, data_key="de")
    to_status = _s("Statut après.", data_key="vers")
    actor_label = _s("Qui (compte, ou clé d'API, et rôle).", data_key="par")
    reason = _s("Motif ou précision.", data_key="motif")


class ActionSchema(OutputSchema):
    action = _s("Code de l'action (POST …/{id}/{action}).")
    libelle = _s("Libellé en français.")


class TerritoryRefSchema(OutputSchema):
    id = F.Integer(metadata=described("Identifiant du territoire d'action sociale."))
    nom = _s("Nom du territoire.")


class HandOverSummarySchema(OutputSchema):
    id = F.Integer(metadata=described("Identifiant (dans les adresses de l'API)."))
    reference = _s("Référence du dossier, à citer.")
    axe = F.Integer(metadata=described("2 : accompagnement global ; 3 : social exclusif."))
    statut = _s("Statut (voir /accompagnements/vocabulaire).", attribute="status")
    statut_libelle = _s("Libellé du statut.", attribute="status_label")
    personne = F.Nested(
        PersonSchema,
        attribute="person",
        allow_none=True,
        metadata=described("La personne (null une fois le dossier anonymisé)."),
    )
    freins = F.List(F.String(), metadata=described("Freins (catégories data·inclusion)."))
    departement = _s("Département qui reçoit l'orientation.")
    territoire = F.Nested(
        TerritoryRefSchema,
        allow_none=True,
        metadata=described("Territoire qui la reçoit (null : l'équipe du département)."),
    )
    agence = _s("Agence France Travail qui l'a proposée.", allow_none=True)
    proposee_le = _d("Date de la proposition (gardée en cas de redirection)")
    derniere_activite = _s("Heure UTC du dernier événement.")


class HandOverSchema(HandOverSummarySchema):
    axe_libelle = _s("Libellé de l'axe.", attribute="axe_label")
    appreciations = F.List(F.String(), metadata=described("Appréciation du conseiller (codes)."))
    appreciation_texte = _s("Appréciation en texte libre (vide une fois purgée).")
    modalite = _s("Modalité du diagnostic.")
    consentement = F.Nested(
        ConsentSchema, attribute="consent", metadata=described("Le consentement.")
    )
    prise_en_charge_le = _d("Prise en charge")
    referent_cd_id = F.Integer(
        allow_none=True, metadata=described("Travailleur social référent (compte).")
    )
    referent_ft_id = F.Integer(
        allow_none=True, metadata=described("Conseiller dédié France Travail (compte).")
    )
    diagnostics = F.List(
        F.Nested(DiagnosticSchema), metadata=described("Les moitiés du diagnostic partagé.")
    )
    decidee_le = _d("Décision")
    motifs_refus = F.List(F.String(), metadata=described("Motifs du refus (codes)."))
    refus_communicable = F.Boolean(metadata=described("Le motif peut être dit à la personne."))
    entree_prevue_le = _d("Entrée prévue")
    entree_le = _d("Entrée")
    fin_prevue_le = _d("Fin prévue (12 mois, + 6 au renouvellement)")
    renouvelee_le = _d("Renouvellement")
    terminee_le = _d("Fin")
    motif_fin = _s("Motif de fin (code).")
    motif_annulation = _s("Motif d'annulation (code).")
    redirections = F.Integer(metadata=described("Nombre de redirections vers un autre territoire."))
    cloturee_le = _d("Clôture")
    textes_purges_le = _d("Purge des textes libres")
    evenements = F.List(
        F.Nested(EventSchema),
        attribute="events",
        metadata=described("Historique : chaque transition, du plus ancien au plus récent."),
    )
    actions = F.List(
        F.Nested(ActionSchema),
        metadata=described("Ce que cette clé peut faire maintenant sur le dossier."),
    )


class CountSchema(OutputSchema):
    statut = _s("Statut.")
    nombre = F.Integer(metadata=described("Orientations à ce statut, dans le périmètre."))


class HandOverPageSchema(OutputSchema):
    items = F.List(
        F.Nested(HandOverSummarySchema),
        metadata=described("Orientations de la page, les plus récentes d'abord."),
    )
    total = F.Integer(metadata=described("Nombre d'orientations qui répondent aux filtres."))
    page = F.Integer(metadata=described("Numéro de la page."))
    size = F.Integer(metadata=described("Taille de page demandée."))
    pages = F.Integer(metadata=described("Nombre de pages."))
    compteurs = F.List(
        F.Nested(CountSchema),
        metadata=described("Nombre d'orientations par statut (filtre de territoire compris)."),
    )


class RoutingSchema(OutputSchema):
    departement = _s("Département de la commune.")
    territoire = F.Nested(
        TerritoryRefSchema,
        allow_none=True,
        metadata=described("Territoire qui recevra l'orientation (null : équipe du département)."),
    )
    libelle = _s("« Sera reçue par : … », à montrer avant l'envoi.")


class HandOverTermSchema(OutputSchema):
    code = _s("Code (valeur à envoyer).")
    libelle = _s("Libellé en français.")


class TransitionSchema(OutputSchema):
    action = _s("Code de l'action.")
    libelle = _s("Libellé en français.")
    depuis = F.List(F.String(), metadata=described("Statuts d'où l'action est possible."))
    vers = _s("Statut après l'action.")
    roles = F.List(F.String(), metadata=described("Rôles qui peuvent la faire."))


def _terms(description: str):
    return F.List(F.Nested(HandOverTermSchema), metadata=described(description))


class HandOverVocabularySchema(OutputSchema):
    axes = _terms("Les accompagnements (2 et 3).")
    statuts = _terms("Les statuts d'une orientation.")
    transitions = F.List(
        F.Nested(TransitionSchema), metadata=described("La table des transitions.")
    )
    appreciations = _terms("Appréciations du conseiller.")
    modalites = _terms("Modalités du diagnostic partagé.")
    consentement_portees = _terms("Portées du consentement.")
    consentement_methodes = _terms("Façons de recueillir le consentement.")
    motifs_refus = _terms("Motifs de refus.")
    motifs_annulation = _terms("Motifs d'annulation.")
    motifs_fin = _terms("Motifs de fin d'accompagnement.")


class MemberSchema(OutputSchema):
    id = F.Integer(metadata=described("Identifiant du compte (travailleur_social_id)."))
    nom = _s("Prénom et nom.")
    territoire_id = F.Integer(
        allow_none=True, metadata=described("Son territoire (null : tout le département).")
    )


class TeamTerritorySchema(OutputSchema):
    id = F.Integer(metadata=described("Identifiant du territoire (territoire_id, ?territoire=)."))
    nom = _s("Nom du territoire.")
    type = _s("MDS, CMS, CDAS, UTAS, STS ou autre.", attribute="kind")


class TeamSchema(OutputSchema):
    departement = _s("Département de la clé.")
    territoires = F.List(
        F.Nested(TeamTerritorySchema),
        metadata=described("Territoires d'action sociale du département (pour rediriger)."),
    )
    travailleurs_sociaux = F.List(
        F.Nested(MemberSchema),
        metadata=described("Travailleurs sociaux actifs du département (pour attribuer)."),
    )
