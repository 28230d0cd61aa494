"""A small, realistic data set for the Marne (a few dozen resources) for the browser tests."""

from __future__ import annotations

from datetime import date, timedelta

from resource_base.models import Resource

RECENT = (date.today() - timedelta(days=40)).isoformat()

# (name, INSEE code, postal code, latitude, longitude)
TOWNS = {
    "chalons": ("Châlons-en-Champagne", "51108", "51000", 48.9566, 4.3631),
    "reims": ("Reims", "51454", "51100", 49.2583, 4.0317),
    "epernay": ("Épernay", "51230", "51200", 49.0404, 3.9596),
    "vitry": ("Vitry-le-François", "51649", "51300", 48.7247, 4.5853),
}

HOURS = (
    "Mo-Fr 09:00-12:00,13:30-17:00",
    "Mo,Tu,Th 09:00-12:30; We 14:00-18:00; PH off",
    "24/7",
    "Tu-Sa 10:00-18:00",
    None,
    "les mardis matin",  # not OSM syntax: shown as written, status "à vérifier"
)

# (key, name, structure, thematiques, description, what to bring)
SERVICES = (
    (
        "pcb",
        "Point conseil budget",
        "UDAF de la Marne",
        [
            "difficultes-financieres--situation-dendettement-surendettement",
            "difficultes-financieres--ameliorer-sa-gestion-budgetaire",
        ],
        "Conseils gratuits et confidentiels pour faire le point sur son budget, prévenir le "
        "surendettement et constituer un dossier auprès de la Banque de France.",
        "Derniers relevés de compte, avis d'imposition, justificatifs de ressources.",
    ),
    (
        "epicerie",
        "Épicerie sociale",
        "Centre communal d'action sociale",
        ["equipement-et-alimentation--alimentation"],
        "Produits alimentaires et d'hygiène à petit prix, sur orientation d'un travailleur social.",
        "Justificatif de domicile et de ressources, attestation CAF.",
    ),
    (
        "logement",
        "Accueil logement d'urgence",
        "Service intégré d'accueil et d'orientation",
        [
            "logement-hebergement--rechercher-une-solution-dhebergement-temporaire",
            "logement-hebergement--se-maintenir-dans-le-logement",
        ],
        "Accueil, écoute et orientation des personnes sans logement ou menacées d'expulsion.",
        "Pièce d'identité si possible.",
    ),
    (
        "garage",
        "Garage solidaire",
        "Association Mobilité Marne",
        ["mobilite--entretenir-reparer-son-vehicule", "mobilite--acceder-a-un-vehicule"],
        "Réparations à prix coûtant et location de véhicules pour se rendre au travail ou en "
        "formation.",
        "Permis de conduire, carte grise, prescription d'un conseiller.",
    ),
    (
        "numerique",
        "Atelier numérique",
        "Espace France services",
        [
            "numerique--maitriser-les-fondamentaux-du-numerique",
            "numerique--acceder-a-des-services-en-ligne",
        ],
        "Ateliers collectifs et accompagnement individuel pour utiliser un ordinateur, une messagerie "
        "et faire ses démarches en ligne.",
        "Identifiants de vos comptes en ligne (France Travail, CAF, impôts).",
    ),
    (
        "sante",
        "Permanence d'accès aux soins de santé",
        "Centre hospitalier",
        ["sante--acces-aux-soins", "sante--sante-mentale"],
        "Consultations médicales et sociales pour les personnes sans couverture santé complète.",
        "Carte Vitale ou attestation de droits si vous en avez.",
    ),
    (
        "garde",
        "Relais petite enfance",
        "Communauté d'agglomération",
        ["famille--garde-denfants"],
        "Information sur les modes de garde, mise en relation avec les assistantes maternelles.",
        None,
    ),
    (
        "juridique",
        "Point justice",
        "Conseil départemental de l'accès au droit",
        ["difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits"],
        "Consultations juridiques gratuites avec un avocat ou un juriste, sur rendez-vous.",
        "Documents relatifs à votre situation (courriers, contrats, jugements).",
    ),
    (
        "lecture",
        "Atelier savoirs de base",
        "Association Lire et Écrire",
        [
            "lecture-ecriture-calcul--maitriser-le-francais",
            "lecture-ecriture-calcul--maitriser-le-calcul",
        ],
        "Cours de français, lecture, écriture et calcul pour adultes, en petits groupes.",
        None,
    ),
)

PHONES = ("+33326000001", "+33326000002", "+33326000003", "+33326000004")


def resources() -> list[Resource]:
    items: list[Resource] = []
    n = 0
    for town_key, (town, insee, cp, lat, lon) in TOWNS.items():
        for s_index, (key, name, structure, themes, description, bring) in enumerate(SERVICES):
            # Not every town has every service: a realistic, uneven map of answers.
            if (s_index + len(town_key)) % 4 == 3 and town_key != "chalons":
                continue
            n += 1
            items.append(
                Resource(
                    id=f"marne--{key}-{town_key}",
                    source="marne",
                    source_id=f"{key}-{town_key}",
                    departement="51",
                    nom=f"{name} de {town}",
                    nom_structure=f"{structure} de {town}",
                    description=description,
                    thematiques=themes,
                    publics=["tous-publics"] if n % 3 else ["demandeurs-emploi", "jeunes"],
                    frais="gratuit" if n % 5 else "payant",
                    modes_accueil=["en-presentiel", "a-distance"]
                    if n % 4 == 0
                    else ["en-presentiel"],
                    modes_mobilisation=["telephoner", "se-presenter"],
                    mobilisable_par=["usagers", "professionnels"],
                    conditions_acces=bring,
                    horaires_accueil=HOURS[n % len(HOURS)],
                    adresse=f"{n * 3} rue de la République",
                    code_postal=cp,
                    commune=town,
                    code_insee=insee,
                    latitude=lat + (n % 5) * 0.004,
                    longitude=lon - (n % 3) * 0.005,
                    precision_geo="adresse",
                    telephone=PHONES[n % len(PHONES)],
                    courriel=f"contact-{key}@{town_key}.example.fr",
                    site_web=f"https://{town_key}.example.fr/{key}",
                    zone_eligibilite=["51"],
                    date_maj=RECENT,
                )
            )
    items += [
        Resource(
            id="marne--ecoute-dettes",
            source="marne",
            source_id="ecoute-dettes",
            departement="51",
            nom="Écoute dettes par téléphone",
            nom_structure="Crésus Grand Est",
            description="Conseillers budgétaires joignables par téléphone, partout en France.",
            thematiques=["difficultes-financieres--situation-dendettement-surendettement"],
            publics=["tous-publics"],
            frais="gratuit",
            modes_accueil=["a-distance"],
            horaires_accueil="Mo-Fr 09:00-18:00",
            telephone="+33970000000",
            zone_eligibilite=["france"],
            date_maj=RECENT,
        ),
        Resource(
            id="marne--commission-logement",
            source="marne",
            source_id="commission-logement",
            departement="51",
            nom="Commission logement des professionnels",
            nom_structure="Conseil départemental de la Marne",
            description="Examen des situations de logement complexes, saisie par un professionnel.",
            thematiques=["logement-hebergement--se-maintenir-dans-le-logement"],
            modes_accueil=["en-presentiel"],
            adresse="2 bis rue de Jessaint",
            code_postal="51000",
            commune="Châlons-en-Champagne",
            code_insee="51108",
            latitude=48.9556,
            longitude=4.3650,
            telephone="+33326690000",
            courriel="commission.logement@marne.example.fr",
            zone_eligibilite=["51"],
            visibilite="professionnels",
            date_maj=RECENT,
        ),
        Resource(
            id="marne--halte-garderie",
            source="marne",
            source_id="halte-garderie",
            departement="51",
            nom="Halte-garderie des Jardins",
            nom_structure="Ville de Châlons-en-Champagne",
            thematiques=["famille--garde-denfants"],
            modes_accueil=["en-presentiel"],
            adresse="5 place Foch",
            code_postal="51000",
            commune="Châlons-en-Champagne",
            code_insee="51108",
            latitude=48.9580,
            longitude=4.3600,
            telephone="+33326000099",
            horaires_accueil="Mo-Fr 08:00-18:00",
            zone_eligibilite=["51108"],
            statut="fermeture-temporaire",
            date_maj=RECENT,
        ),
    ]
    return items
