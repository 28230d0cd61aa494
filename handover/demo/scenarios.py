"""The demonstration's hand-overs: fictional people, and what happens to each, day by day.

Every status of ``handover.models.STATUSES`` appears, with a redirect, a re-orientation from
axe 2 to axe 3, a refusal at reception and one after the diagnostic partagé. Days count from
the proposal, which is ``days_ago`` days before the load; the proposals still waiting for a
decision are recent, so that the scheduled tasks do not expire them at once. Form values
``"{date}"`` and ``"{date+N}"`` are the step's day (plus N days); ``"{ts}"`` the department's
demonstration social worker; ``"{territoire:<slug>}"`` a territory of the department.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Who acts: a demonstration account by role (``loader.ACCOUNTS``); ``coordinateur`` is the
# coordinator of the record's territory at that moment; ``systeme`` the scheduled tasks.
CONSEILLER, CONSEILLER_AG, COORDINATEUR, TS, ADMIN, SYSTEME = (
    "conseiller",
    "conseiller_ag",
    "coordinateur",
    "travailleur_social",
    "admin_departemental",
    "systeme",
)


@dataclass(frozen=True)
class Step:
    day: int  # days after the proposal
    action: str
    who: str
    form: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    departement: str
    code_commune: str
    axe: int
    days_ago: int
    nom: str
    prenom: str
    naissance: str
    freins: tuple[str, ...]
    appreciations: tuple[str, ...]
    texte: str
    steps: tuple[Step, ...] = ()
    modalite: str = "entretiens_separes"
    rsa: bool = False


def _diag(day: int, who: str, text: str, tripartite: bool = False) -> Step:
    action = "diagnostic_ft" if who == CONSEILLER_AG else "diagnostic_cd"
    form = {"date": "{date}", "synthese": text, "tripartite": "oui" if tripartite else ""}
    return Step(day, action, who, form)


def _axe2_until_decision(start: int = 2) -> tuple[Step, ...]:
    return (
        Step(start, "attribuer", COORDINATEUR, {"travailleur_social_id": "{ts}"}),
        _diag(
            start + 7,
            CONSEILLER_AG,
            "Projet professionnel dans l'aide à domicile ; permis B à financer.",
        ),
        _diag(start + 9, TS, "Dettes de loyer en cours d'apurement, dossier FSL déposé."),
    )


SCENARIOS: tuple[Scenario, ...] = (
    # -- Marne (51) ------------------------------------------------------------------------
    Scenario(
        "51",
        "51454",
        2,
        2,
        "Fictif",
        "Amandine",
        "1988-03-14",
        ("logement-hebergement", "difficultes-financieres", "mobilite"),
        ("freins_multiples", "adhesion"),
        "Loyer impayé depuis trois mois, pas de véhicule pour les offres en horaires décalés.",
        rsa=True,
    ),
    Scenario(
        "51",
        "51108",
        3,
        6,
        "Exemple",
        "Bruno",
        "1971-09-02",
        ("sante", "logement-hebergement"),
        ("freins_bloquants", "urgence_sociale"),
        "Soins en cours, hébergé chez un tiers ; la recherche d'emploi est suspendue.",
    ),
    Scenario(
        "51",
        "51230",
        2,
        9,
        "Démo",
        "Chloé",
        "1995-06-21",
        ("famille", "mobilite"),
        ("freins_multiples", "disponible_emploi"),
        "Mère isolée de deux enfants, sans solution de garde ni de transport.",
        (
            Step(1, "attribuer", COORDINATEUR, {"travailleur_social_id": "{ts}"}),
            _diag(5, TS, "Demande de place en crèche faite ; aide à la mobilité à étudier."),
        ),
    ),
    Scenario(
        "51",
        "51649",
        2,
        12,
        "Fictif",
        "David",
        "1983-11-30",
        ("difficultes-financieres", "numerique"),
        ("freins_multiples",),
        "Surendettement ; pas d'accès à internet pour ses démarches.",
        (
            Step(
                2,
                "rediriger",
                COORDINATEUR,
                {
                    "territoire_id": "{territoire:sainte-menehould}",
                    "motif": "A déménagé à Sainte-Menehould.",
                },
            ),
            Step(3, "prendre_en_charge", COORDINATEUR),
        ),
    ),
    Scenario(
        "51",
        "51454",
        2,
        25,
        "Exemple",
        "Emma",
        "1990-01-08",
        ("logement-hebergement", "difficultes-financieres"),
        ("freins_multiples", "projet_professionnel"),
        "Expulsion évitée de justesse ; souhaite se former à l'aide à domicile.",
        (
            *_axe2_until_decision(1),
            Step(14, "accepter", TS, {"entree_prevue_le": "{date+14}"}),
        ),
        modalite="entretien_tripartite",
    ),
    Scenario(
        "51",
        "51108",
        2,
        75,
        "Démo",
        "Farid",
        "1979-04-17",
        ("difficultes-financieres", "mobilite", "sante"),
        ("freins_multiples", "adhesion"),
        "Trois freins à traiter ensemble ; très motivé.",
        (
            *_axe2_until_decision(2),
            Step(16, "accepter", TS, {"entree_prevue_le": "{date+9}"}),
            Step(25, "entrer", CONSEILLER_AG, {"entree_le": "{date}"}),
        ),
        rsa=True,
    ),
    Scenario(
        "51",
        "51230",
        2,
        400,
        "Fictif",
        "Gaëlle",
        "1986-12-05",
        ("logement-hebergement", "famille"),
        ("freins_multiples",),
        "Séparation récente, relogement en cours.",
        (
            *_axe2_until_decision(3),
            Step(18, "accepter", ADMIN, {"entree_prevue_le": "{date+10}"}),
            Step(28, "entrer", TS, {"entree_le": "{date}"}),
            Step(363, "renouveler", CONSEILLER_AG),
        ),
    ),
    Scenario(
        "51",
        "51454",
        3,
        240,
        "Exemple",
        "Hugo",
        "1968-07-23",
        ("sante", "difficultes-administratives-ou-juridiques"),
        ("freins_bloquants", "suivi_social_existant"),
        "Droits à rouvrir avant toute recherche d'emploi.",
        (
            Step(1, "prendre_en_charge", TS),
            _diag(8, TS, "Dossier MDPH à constituer, droits santé à rouvrir."),
            Step(12, "accepter", TS, {"entree_prevue_le": "{date+8}"}),
            Step(20, "entrer", TS, {"entree_le": "{date}"}),
            Step(170, "terminer", TS, {"terminee_le": "{date}", "motif_fin": "fin_accompagnement"}),
        ),
    ),
    Scenario(
        "51",
        "51535",
        2,
        20,
        "Démo",
        "Inès",
        "1999-02-11",
        ("numerique", "lecture-ecriture-calcul"),
        ("projet_professionnel",),
        "Difficultés avec l'écrit et les démarches en ligne.",
        (
            Step(
                3,
                "refuser_reception",
                COORDINATEUR,
                {
                    "motifs_refus": ["deja_accompagnee"],
                    "refus_communicable": "oui",
                    "commentaire": "Déjà suivie par le CCAS de Sézanne.",
                },
            ),
        ),
    ),
    Scenario(
        "51",
        "51108",
        2,
        40,
        "Fictif",
        "Jules",
        "1992-08-29",
        ("sante", "logement-hebergement"),
        ("freins_bloquants",),
        "Santé fragile ; logement précaire.",
        (
            *_axe2_until_decision(2),
            Step(
                15, "refuser", TS, {"motifs_refus": ["axe_inadapte"], "refus_communicable": "oui"}
            ),
        ),
    ),
    Scenario(
        "51",
        "51454",
        2,
        15,
        "Exemple",
        "Karima",
        "1987-05-03",
        ("famille", "difficultes-financieres"),
        ("adhesion",),
        "Garde d'enfants et budget serré.",
        (Step(4, "annuler", CONSEILLER, {"motif_annulation": "emploi"}),),
    ),
    Scenario(
        "51",
        "51649",
        3,
        55,
        "Démo",
        "Louis",
        "1975-10-19",
        ("logement-hebergement",),
        ("urgence_sociale",),
        "Sans domicile stable depuis l'hiver.",
        (Step(46, "expirer", SYSTEME),),
    ),
    Scenario(
        "51",
        "51454",
        2,
        60,
        "Fictif",
        "Manon",
        "1984-03-27",
        ("sante", "famille", "difficultes-financieres"),
        ("freins_multiples", "freins_bloquants"),
        "Les soins passent avant la reprise d'emploi.",
        (
            *_axe2_until_decision(2),
            Step(
                12,
                "reorienter",
                TS,
                {"motif": "Les freins de santé passent avant la recherche d'emploi."},
            ),
            Step(15, "accepter", TS, {"entree_prevue_le": "{date+9}"}),
            Step(24, "entrer", TS, {"entree_le": "{date}"}),
        ),
    ),
    # -- Lozère (48) -----------------------------------------------------------------------
    Scenario(
        "48",
        "48095",
        3,
        3,
        "Exemple",
        "Nathan",
        "1981-12-12",
        ("logement-hebergement", "sante"),
        ("urgence_sociale",),
        "Logement insalubre, soins à reprendre.",
    ),
    Scenario(
        "48",
        "48092",
        2,
        10,
        "Démo",
        "Océane",
        "1997-04-09",
        ("mobilite", "numerique"),
        ("disponible_emploi", "adhesion"),
        "Commune isolée, pas de permis.",
        (Step(2, "prendre_en_charge", TS),),
    ),
    Scenario(
        "48",
        "48080",
        3,
        50,
        "Fictif",
        "Paul",
        "1970-06-30",
        ("difficultes-financieres", "sante"),
        ("freins_bloquants",),
        "Dettes et problèmes de santé à régler d'abord.",
        (
            Step(1, "prendre_en_charge", COORDINATEUR),
            Step(2, "attribuer", COORDINATEUR, {"travailleur_social_id": "{ts}"}),
            _diag(6, TS, "Plan d'apurement des dettes à négocier ; suivi médical repris."),
            Step(10, "accepter", COORDINATEUR, {"entree_prevue_le": "{date+10}"}),
            Step(20, "entrer", TS, {"entree_le": "{date}"}),
        ),
    ),
)
