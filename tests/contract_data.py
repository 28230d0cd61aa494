"""A small, hand-made data set in the Marne that exercises each rule of the search contract.

Places: Châlons-en-Champagne (51108, CA de Châlons 200066876), Reims (51454), Épernay (51230),
Saint-Dizier (52448, Haute-Marne), Mende (48095, Lozère).
"""

from __future__ import annotations

from datetime import date, timedelta

from resource_base.models import Resource

CHALONS = (48.9640892125, 4.37883539725)
REIMS = (49.2535, 4.0479)
EPERNAY = (49.0411, 3.9578)
SAINT_DIZIER = (48.6280100668, 4.94923523578)
MENDE = (44.5283, 3.4856)

RECENT = (date.today() - timedelta(days=30)).isoformat()
OLD = (date.today() - timedelta(days=1000)).isoformat()

DETTE = "difficultes-financieres--situation-dendettement-surendettement"
BUDGET = "difficultes-financieres--ameliorer-sa-gestion-budgetaire"
GARDE = "famille--garde-denfants"
LOGEMENT_ACCOMP = "logement-hebergement--se-maintenir-dans-le-logement"
HEBERGEMENT = "logement-hebergement--rechercher-une-solution-dhebergement-temporaire"
VIOLENCES = "famille--surmonter-conflits-separation-violence"
ALIMENTATION = "equipement-et-alimentation--alimentation"
# Quality decay: "epicerie-complete" is the more complete record, "epicerie-recente" the more
# recently updated one (600 days later); the ranking between them depends on the day.
DECAY_START = date(2023, 1, 1)
DECAY_RECENT = DECAY_START + timedelta(days=600)


def _r(rid: str, nom: str, place, **fields) -> Resource:
    lat, lon = place if place else (None, None)
    base = dict(
        id=f"test--{rid}",
        source="test",
        source_id=rid,
        departement=fields.pop("departement", "51"),
        nom=nom,
        nom_structure=fields.pop("nom_structure", "Structure de test"),
        latitude=lat,
        longitude=lon,
        modes_accueil=fields.pop("modes_accueil", ["en-presentiel"]),
        date_maj=fields.pop("date_maj", RECENT),
    )
    base.update(fields)
    return Resource(**base)


def resources() -> list[Resource]:
    near = (CHALONS[0] + 0.01, CHALONS[1])  # ~1.1 km north of Châlons' centre
    mid = (CHALONS[0] + 0.05, CHALONS[1])  # ~5.6 km
    return [
        # Eligibility levels
        _r(
            "dept51",
            "Point conseil budget",
            near,
            thematiques=[DETTE],
            zone_eligibilite=["51"],
            description="Aide en cas de surendettement et accompagnement budgétaire des ménages.",
        ),
        _r(
            "epci-chalons",
            "Épicerie sociale de l'agglomération",
            mid,
            thematiques=["equipement-et-alimentation--alimentation"],
            zone_eligibilite=["200066876"],
        ),
        _r(
            "commune-reims",
            "Crèche municipale de Reims",
            REIMS,
            thematiques=[GARDE],
            zone_eligibilite=["51454"],
        ),
        _r(
            "commune-chalons",
            "Relais petite enfance de Châlons",
            near,
            thematiques=[GARDE],
            zone_eligibilite=["51108"],
        ),
        _r(
            "dept52",
            "Permanence logement de Haute-Marne",
            SAINT_DIZIER,
            departement="52",
            thematiques=[LOGEMENT_ACCOMP],
            zone_eligibilite=["52"],
            modes_accueil=["en-presentiel", "a-distance"],
        ),
        _r(
            "france-remote",
            "Plateforme nationale contre les dettes",
            None,
            departement="48",
            thematiques=[DETTE],
            zone_eligibilite=["france"],
            modes_accueil=["a-distance"],
            description="Conseil par téléphone pour les personnes endettées.",
        ),
        _r(
            "no-zone",
            "Accueil de jour solidaire",
            mid,
            thematiques=["equipement-et-alimentation--habillement"],
        ),
        # Reach
        _r(
            "far-onsite",
            "Garage solidaire d'Épernay",
            EPERNAY,
            thematiques=["mobilite"],
            zone_eligibilite=["51"],
        ),
        _r(
            "far-remote",
            "Auto-école sociale en ligne",
            MENDE,
            departement="48",
            thematiques=["mobilite"],
            zone_eligibilite=["france"],
            modes_accueil=["en-presentiel", "a-distance"],
        ),
        # Status and visibility
        _r("closed", "Ancien centre social", near, thematiques=[GARDE], statut="ferme"),
        # Nearer than the open "commune-chalons", and always open by its hours: it still
        # ranks after it, and never passes the openness filters.
        _r(
            "temp-closed",
            "Halte-garderie des Jards",
            CHALONS,
            thematiques=[GARDE],
            statut="fermeture-temporaire",
            horaires_accueil="24/7",
        ),
        _r(
            "pro-only",
            "Commission de coordination des situations",
            near,
            thematiques=[LOGEMENT_ACCOMP],
            visibilite="professionnels",
        ),
        # Ranking: exact sub-theme vs category-only, distance, quality
        _r(
            "budget-category",
            "Conseil en économie familiale",
            near,
            thematiques=["difficultes-financieres"],
            zone_eligibilite=["51"],
        ),
        _r(
            "budget-exact-far",
            "Atelier budget du quartier",
            mid,
            thematiques=[BUDGET],
            zone_eligibilite=["51"],
        ),
        _r(
            "budget-exact-near",
            "Atelier budget de la mairie",
            near,
            thematiques=[BUDGET],
            zone_eligibilite=["51"],
        ),
        _r(
            "same-place-fresh",
            "Atelier numérique A",
            near,
            thematiques=["numerique--maitriser-les-fondamentaux-du-numerique"],
            description="Ateliers pour apprendre à utiliser un ordinateur et internet, sur rendez-vous.",
            telephone="+33353010000",
            horaires_accueil="Mo-Fr 09:00-12:00",
            publics=["tous-publics"],
            conditions_acces="Sans condition",
            adresse="1 rue de la Marne",
        ),
        _r(
            "same-place-stale",
            "Atelier numérique B",
            near,
            thematiques=["numerique--maitriser-les-fondamentaux-du-numerique"],
            date_maj=OLD,
        ),
        # Quality decay (searched with a moved clock: SearchService.search(today=…))
        _r(
            "epicerie-complete",
            "Épicerie solidaire du centre",
            near,
            thematiques=[ALIMENTATION],
            description="Une épicerie solidaire : produits à petit prix, sur orientation.",
            modes_mobilisation=["se-presenter"],
            mobilisable_par=["professionnels"],
            adresse="2 rue de la Marne",
            date_maj=DECAY_START.isoformat(),
        ),
        _r(
            "epicerie-recente",
            "Épicerie solidaire du marché",
            near,
            thematiques=[ALIMENTATION],
            description="Une épicerie solidaire : produits à petit prix, sur orientation.",
            modes_mobilisation=["se-presenter"],
            adresse="2 rue de la Marne",
            date_maj=DECAY_RECENT.isoformat(),
        ),
        # Text and publics
        _r(
            "sante-mentale",
            "Centre médico-psychologique",
            mid,
            thematiques=["sante--sante-mentale"],
            zone_eligibilite=["51"],
            publics=["jeunes"],
            description="Consultations de santé mentale avec psychologue et psychiatre.",
        ),
        # Urgency: emergency services lead the list for urgent needs, nearer ones follow.
        _r(
            "hebergement-near",
            "Accueil de nuit de Châlons",
            near,
            thematiques=[HEBERGEMENT],
            zone_eligibilite=["51"],
            telephone="+33326000000",
            horaires_accueil="Mo-Su 18:00-09:00",
        ),
        _r(
            "samu-social",
            "Samu social de la Marne (115)",
            mid,
            thematiques=[HEBERGEMENT],
            zone_eligibilite=["51"],
            telephone="115",
            horaires_accueil="24/7",
        ),
        _r(
            "violences-near",
            "Permanence d'aide aux victimes",
            near,
            thematiques=[VIOLENCES],
            zone_eligibilite=["51"],
        ),
        _r(
            "violences-3919",
            "Violences Femmes Info (3919)",
            mid,
            thematiques=[VIOLENCES],
            zone_eligibilite=["51"],
            telephone="3919",
        ),
        # Openness in the place's own time zone: a remote service run from La Réunion.
        _r(
            "reunion-remote",
            "Plateforme téléphonique de La Réunion",
            None,
            departement="974",
            thematiques=["difficultes-administratives-ou-juridiques"],
            zone_eligibilite=["france"],
            modes_accueil=["a-distance"],
            horaires_accueil="Mo-Fr 08:00-12:00",
        ),
        _r(
            "logements-jeunes",
            "Foyer de jeunes travailleurs : logements temporaires",
            mid,
            thematiques=["logement-hebergement"],
            publics=["jeunes"],
            frais="payant",
            description="L'hébergement temporaire pour les jeunes en formation.",
        ),
    ]
