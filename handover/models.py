"""The records of a hand-over (plain dataclasses, no storage) and their French vocabularies.

Sources: issue 10; ``../shared/DOMAIN.md`` ("Facts that shape the product": a diagnostic
partagé by both sides for axe 2, entry 17–32 days after the proposal, axe 2 lasts 12 months
renewable 6, a person cannot enter axe 2 twice); ``../shared/reference/handover-anchors.md``
(reason codes after DORA and les emplois).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

AXE_GLOBAL = 2  # accompagnement global: a dedicated FT adviser and a CD social worker
AXE_SOCIAL = 3  # accompagnement social exclusif: a CD social worker alone
AXES: dict[int, str] = {
    AXE_GLOBAL: "Accompagnement global",
    AXE_SOCIAL: "Accompagnement social exclusif",
}

# Statuses ------------------------------------------------------------------------------
TRANSMISE = "transmise"  # sent; waits in the territory's inbox
PRISE_EN_CHARGE = "prise_en_charge"  # claimed or assigned; diagnostics under way
ACCEPTEE = "acceptee"  # decided: entry planned
ENTREE = "entree"  # the person is in the accompaniment
RENOUVELEE = "renouvelee"  # axe 2 renewed once (+6 months)
TERMINEE = "terminee"
REFUSEE = "refusee"
ANNULEE = "annulee"  # withdrawn by France Travail before entry
EXPIREE = "expiree"  # no decision in time (``relais taches``)

STATUSES: dict[str, str] = {
    TRANSMISE: "Transmise",
    PRISE_EN_CHARGE: "Prise en charge",
    ACCEPTEE: "Acceptée",
    ENTREE: "Entrée en accompagnement",
    RENOUVELEE: "Renouvelée",
    TERMINEE: "Terminée",
    REFUSEE: "Refusée",
    ANNULEE: "Annulée",
    EXPIREE: "Expirée",
}
# Open: the database allows one such record per person and axe.
OPEN_STATUSES = frozenset({TRANSMISE, PRISE_EN_CHARGE, ACCEPTEE, ENTREE, RENOUVELEE})
BEFORE_DECISION = frozenset({TRANSMISE, PRISE_EN_CHARGE})
CLOSED_STATUSES = frozenset({TERMINEE, REFUSEE, ANNULEE, EXPIREE})

# Durations (DOMAIN.md: axe 2 lasts 12 months, renewable 6).
DURATION_MONTHS = 12
RENEWAL_MONTHS = 6

# Vocabularies ----------------------------------------------------------------------------
MODALITES = {
    "entretiens_separes": "Deux entretiens séparés (France Travail, puis Département)",
    "entretien_tripartite": "Un entretien à trois (la personne, France Travail, le Département)",
}
APPRECIATIONS = {
    "freins_multiples": "Plusieurs freins à traiter en même temps",
    "freins_bloquants": "Des freins qui empêchent aujourd'hui la recherche d'emploi",
    "urgence_sociale": "Une situation sociale urgente (logement, ressources, santé)",
    "suivi_social_existant": "Déjà suivie par un service social",
    "projet_professionnel": "Un projet professionnel à construire",
    "disponible_emploi": "Disponible pour une recherche d'emploi accompagnée",
    "adhesion": "La personne adhère à la démarche",
}
CONSENT_SCOPES = {
    "transmission": "Transmission de sa situation au Département",
    "diagnostic": "Diagnostic partagé entre France Travail et le Département",
    "entree": "Entrée dans l'accompagnement si elle est décidée",
}
CONSENT_METHODS = {"oral": "À l'oral, pendant l'entretien", "ecrit": "Par écrit"}
NOTICE_VERSION = "2026-11"  # the information notice printed for the person (web/handover)
REFUSAL_REASONS = {
    "non_joignable": "Personne non joignable",
    "absente": "Absente aux rendez-vous",
    "non_eligible": "Ne relève pas de cet accompagnement",
    "axe_inadapte": "Un autre accompagnement est plus adapté",
    "deja_accompagnee": "Déjà accompagnée par ailleurs",
    "refus_personne": "La personne ne souhaite pas être accompagnée",
    "capacite": "Pas de place dans l'accompagnement pour l'instant",
    "hors_territoire": "Ne réside pas sur le département",
}
CANCEL_REASONS = {
    "emploi": "La personne a trouvé un emploi",
    "formation": "La personne entre en formation",
    "demenagement": "La personne a déménagé",
    "retrait_consentement": "La personne retire son consentement",
    "erreur": "Proposition faite par erreur",
}
END_REASONS = {
    "emploi": "Emploi",
    "formation": "Formation",
    "demenagement": "Déménagement",
    "abandon": "Abandon",
    "fin_accompagnement": "Fin de l'accompagnement",
    "reorientation": "Réorientation vers un autre accompagnement",
}
SIDE_FT = "france_travail"
SIDE_CD = "departement"
SIDES = {SIDE_FT: "France Travail", SIDE_CD: "Département"}

MAX_TEXT = 1000  # characters of any free text (issue 10: bounded free text)
IDENTIFIANT_RE = re.compile(r"^[0-9A-Z]{7,11}$")  # identifiant France Travail, no NIR


class HandOverError(ValueError):
    """Input the hand-over refuses (French message naming the field)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class IllegalTransition(HandOverError):
    """The action is not allowed from the record's status (the web and API answer 409)."""


class HandOverConflict(HandOverError):
    """A second open proposal for the person and axe, or a second entry into axe 2 (409)."""


@dataclass(frozen=True)
class Person:
    """The job seeker: the minimum to reach and recognise them. No NIR, no attachment."""

    identifiant_ft: str
    nom: str
    prenom: str
    date_naissance: date | None
    code_commune: str
    telephone: str = ""
    courriel: str = ""
    beneficiaire_rsa: bool = False


@dataclass(frozen=True)
class Consent:
    """The person's consent as a record: what they agreed to, when, collected by whom, how,
    on which version of the information notice; ``retire_le`` once withdrawn."""

    portees: tuple[str, ...]
    date: date
    recueilli_par: int | None
    methode: str
    version_notice: str = NOTICE_VERSION
    retire_le: date | None = None


@dataclass(frozen=True)
class Diagnostic:
    """One side's half of the diagnostic partagé (axe 3: the social worker's diagnostic)."""

    side: str
    auteur_id: int | None
    auteur_nom: str
    date: date
    tripartite: bool
    synthese: str  # at most MAX_TEXT characters; purged with the free texts
    enregistre_le: str = ""


@dataclass(frozen=True)
class Event:
    """One transition: who, when, from, to, why. Append-only."""

    at: str
    action: str
    from_status: str | None
    to_status: str
    actor_id: int | None
    actor_label: str
    reason: str = ""


@dataclass(frozen=True)
class HandOver:
    """A proposal and its life until the end of the accompaniment.

    Dates are ``datetime.date``; ``proposee_le`` is kept when the record is redirected to
    another territory (the délais count from the first sending). ``personne_cle`` is a keyed
    hash of the identifiant France Travail: it survives anonymisation so that the database
    keeps refusing a second entry into axe 2.
    """

    id: int | None
    reference: str
    axe: int
    status: str
    person: Person | None  # None once anonymised
    personne_cle: str
    freins: tuple[str, ...]
    appreciations: tuple[str, ...]
    appreciation_texte: str
    modalite: str
    consent: Consent
    departement: str
    territoire_id: int | None
    agence: str | None
    proposee_par: int | None
    proposee_le: date
    prise_en_charge_le: date | None = None
    prise_en_charge_par: int | None = None
    referent_cd_id: int | None = None  # the travailleur social
    referent_ft_id: int | None = None  # the conseiller dédié (axe 2)
    diagnostics: tuple[Diagnostic, ...] = ()
    decidee_le: date | None = None
    motifs_refus: tuple[str, ...] = ()
    refus_communicable: bool = False
    entree_prevue_le: date | None = None
    entree_le: date | None = None
    fin_prevue_le: date | None = None
    renouvelee_le: date | None = None
    terminee_le: date | None = None
    motif_fin: str = ""
    motif_annulation: str = ""
    redirections: int = 0
    derniere_activite: str = ""  # UTC ISO time of the last event
    relances: dict = field(default_factory=dict)  # kind → last reminder's UTC ISO time
    cloturee_le: date | None = None  # refused, cancelled, expired or ended
    textes_purges_le: date | None = None
    anonymisee_le: date | None = None
    events: tuple[Event, ...] = ()

    @property
    def axe_label(self) -> str:
        return AXES.get(self.axe, str(self.axe))

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def diagnostic(self, side: str) -> Diagnostic | None:
        return next((d for d in self.diagnostics if d.side == side), None)

    @property
    def sides_required(self) -> tuple[str, ...]:
        """Axe 2: both halves of the diagnostic partagé; axe 3: the social worker's."""
        return (SIDE_FT, SIDE_CD) if self.axe == AXE_GLOBAL else (SIDE_CD,)

    @property
    def diagnostics_complete(self) -> bool:
        return all(self.diagnostic(side) is not None for side in self.sides_required)


def conflict_message(existing: HandOver, territory: str) -> str:
    if existing.axe == AXE_GLOBAL and existing.entree_le is not None:
        return (
            "Cette personne est déjà entrée en accompagnement global (une seule entrée possible) : "
            f"dossier {existing.reference}, statut « {existing.status_label} », {territory}."
        )
    return (
        f"Une orientation vers l'{existing.axe_label.lower()} est déjà ouverte pour cette "
        f"personne : dossier {existing.reference}, statut « {existing.status_label} », "
        f"{territory}."
    )


@dataclass(frozen=True)
class Delais:
    """A department's timers (days) and retention (months). Defaults from issue 10:
    reminder when unclaimed after 5 days then every 7, escalation to the department admin
    after 15, expiry after 45 days without a decision; free texts purged 3 months after
    closure; identity anonymised 24 months after the end or without activity."""

    departement: str
    relance_jours: int = 5
    relance_intervalle_jours: int = 7
    escalade_jours: int = 15
    expiration_jours: int = 45
    purge_textes_mois: int = 3
    anonymisation_mois: int = 24
    avec_coordinateurs: bool = True  # else the department's team receives every hand-over


@dataclass(frozen=True)
class StatRow:
    """An anonymous month-level row written before a record is anonymised, so that the délais
    dashboard stays true: durations in days from the proposal, no identity, no date finer than
    the month."""

    mois: str  # "2026-11": month of the proposal
    departement: str
    territoire_id: int | None
    agence: str | None
    axe: int
    status: str
    motifs_refus: tuple[str, ...]
    redirections: int
    jours_prise_en_charge: int | None
    jours_diagnostic_ft: int | None
    jours_diagnostic_cd: int | None
    jours_decision: int | None
    jours_entree: int | None
