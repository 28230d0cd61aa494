"""Synthetic resources spread over all of France, for scale tests and benchmarks.

Everything is fictional: structure names end with "(fictif)", phones are in ARCEP's range
reserved for fiction (01 99 00 xx xx), e-mails are on ``example.org`` (reserved, RFC 2606),
websites on ``exemple.invalid``.
The output depends only on ``n``, ``seed``, ``reference_date`` and the communes directory:
the generator owns its ``random.Random`` and never touches the global random state.

Places are real communes drawn in proportion to their population (municipal districts stand
for Paris, Lyon and Marseille), coordinates jittered up to 3 km around the commune's centre.
Shares: 75 % on site only, 15 % on site and remote, 10 % remote only; zone_eligibilite 40 %
department, 20 % commune, 15 % EPCI, 15 % none, 10 % ``france`` (mostly remote services);
3 % temporarily closed, 2 % closed, 5 % visible to professionals only.

>>> # directory = CommuneDirectory.load(decoupage_dir, centres_csv)
>>> # write_csv(generate(100_000, directory), "var/synthetique_100k.csv")
"""

from __future__ import annotations

import bisect
import csv
import itertools
import math
import random
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path

from indexer.validation import TEMPLATE_COLUMNS
from resource_base import vocabulary
from resource_base.geo import CommuneDirectory
from resource_base.models import Resource

SOURCE = "synthetique"
ID_PREFIX = "synth--"
REFERENCE_DATE = date(2026, 11, 1)

# The project's CSV import template, as the importer reads it.
CSV_COLUMNS = TEMPLATE_COLUMNS
LIST_SEPARATOR = "|"

# Category weights: the seeds' barriers (financial first, then housing, health…) dominate.
CATEGORY_WEIGHTS = {
    "difficultes-financieres": 14,
    "logement-hebergement": 13,
    "sante": 11,
    "mobilite": 9,
    "famille": 9,
    "numerique": 8,
    "difficultes-administratives-ou-juridiques": 8,
    "equipement-et-alimentation": 7,
    "lecture-ecriture-calcul": 5,
    "trouver-un-emploi": 4,
    "preparer-sa-candidature": 4,
    "remobilisation": 3,
    "se-former": 2,
    "choisir-un-metier": 1.5,
    "creer-une-entreprise": 1.5,
    "souvrir-a-linternational": 0.5,
}
CATEGORY_ONLY_SHARE = 0.08  # tags carrying a category without a sub-theme

# (kind of structure, réseau porteur or None) per category.
STRUCTURE_KINDS = {
    "difficultes-financieres": [
        ("Point conseil budget", "points-conseil-budget"),
        ("CCAS", "ccas-cias"),
        ("Association d'aide budgétaire", "cresus"),
    ],
    "logement-hebergement": [
        ("Agence d'information sur le logement", None),
        ("Association d'insertion par le logement", "federation-des-acteurs-de-la-solidarite"),
        ("Centre d'hébergement et de réinsertion sociale", "chrs"),
        ("Résidence habitat jeunes", "residences-fjt"),
    ],
    "sante": [
        ("Centre médico-psychologique", "cmp"),
        ("Centre de soins en addictologie", "csapa"),
        ("Centre de santé", None),
        ("Caisse primaire d'assurance maladie", "cpam"),
    ],
    "mobilite": [
        ("Plateforme mobilité", "wimoov"),
        ("Garage solidaire", None),
        ("Auto-école sociale", None),
    ],
    "famille": [
        ("Relais petite enfance", None),
        ("Centre social", "fcsf"),
        ("Centre d'information sur les droits des femmes", "cidff"),
        ("Maison des familles", "unaf"),
    ],
    "numerique": [
        ("Espace public numérique", "espaces-publics-numeriques"),
        ("France Services", "france-service"),
        ("Médiathèque", "communes"),
    ],
    "difficultes-administratives-ou-juridiques": [
        ("Point justice", "points-justice"),
        ("France Services", "france-service"),
        ("Maison des solidarités", "maisons-des-solidarites"),
    ],
    "equipement-et-alimentation": [
        ("Épicerie sociale", None),
        ("Banque alimentaire", "banques-alimentaires"),
        ("Ressourcerie", "ressourceries"),
    ],
    "lecture-ecriture-calcul": [
        ("Atelier sociolinguistique", None),
        ("Association d'alphabétisation", "anlci"),
    ],
    "trouver-un-emploi": [
        ("Chantier d'insertion", "aci"),
        ("Entreprise d'insertion", "ei"),
        ("PLIE", "plie"),
    ],
    "preparer-sa-candidature": [
        ("Maison de l'emploi", "maisons-de-l-emploi"),
        ("Mission locale", "mission-locale"),
    ],
    "remobilisation": [("Centre social", "fcsf"), ("Maison des jeunes et de la culture", "mjc")],
    "se-former": [
        ("Organisme de formation", "afpa"),
        ("École de la deuxième chance", "ecoles-de-la-deuxieme-chance"),
    ],
    "choisir-un-metier": [("Point information jeunesse", "reseau-information-jeunesse")],
    "creer-une-entreprise": [
        ("Boutique de gestion", "reseau-bge"),
        ("Couveuse d'entreprises", None),
    ],
    "souvrir-a-linternational": [("Point information Europe", "reseau-information-jeunesse")],
}

SERVICE_PREFIXES = ("Accompagnement", "Atelier", "Permanence", "Information", "Rendez-vous conseil")
OFFERS = (
    "un accompagnement individuel",
    "des ateliers collectifs",
    "une permanence d'information",
    "un suivi personnalisé",
    "un premier accueil et une orientation",
)
RDV = (
    "Accueil sur rendez-vous à {commune}.",
    "Accueil avec ou sans rendez-vous à {commune}.",
    "Permanences régulières à {commune} et dans les communes voisines.",
)
REMOTE_SENTENCE = "Échanges possibles par téléphone ou en visioconférence."
PUBLIC_SENTENCE = "Le service s'adresse en priorité aux publics suivants : {publics}."
CONDITIONS = (
    "Se munir d'une pièce d'identité et d'un justificatif de domicile.",
    "Se munir d'une pièce d'identité et de la dernière attestation de la CAF.",
    "Sur orientation d'un travailleur social ou d'un conseiller France Travail.",
    "Résider sur le territoire couvert par le service.",
)
FRAIS_PRECISIONS = (
    "Participation financière selon les ressources.",
    "Tarif solidaire sur justificatif.",
    "Adhésion annuelle de quelques euros.",
)
HORAIRES = (
    "Mo-Fr 09:00-12:00,14:00-17:00",
    "Mo-Fr 08:30-12:00,13:30-17:00",
    "Mo-Th 09:00-12:00,14:00-17:00; Fr 09:00-12:00",
    "Tu,Th 14:00-17:00",
    "Mo,We,Fr 09:00-12:00",
    "We 09:00-12:00,14:00-18:00",
    "Mo-Sa 09:00-12:30",
    "Tu-Fr 09:30-12:30,13:30-17:30; Sa 09:30-12:00",
)
STREETS = (
    "rue de la République",
    "avenue du Général de Gaulle",
    "place de l'Hôtel de Ville",
    "rue Victor Hugo",
    "rue Jean Jaurès",
    "rue des Écoles",
    "place de la Mairie",
    "rue Pasteur",
    "boulevard de la Liberté",
    "rue du Moulin",
    "chemin des Vignes",
    "rue de la Gare",
)
SPECIFIC_PUBLICS = {
    "demandeurs-emploi": 10,
    "beneficiaires-des-minimas-sociaux": 7,
    "jeunes": 6,
    "familles": 5,
    "femmes": 3,
    "seniors": 3,
    "personnes-en-situation-de-handicap": 3,
    "personnes-en-situation-durgence": 3,
    "personnes-exilees": 2,
    "residents-qpv-frr": 2,
    "actifs": 1,
    "etudiants": 1,
    "personnes-en-situation-juridique-specifique": 1,
}

# Shares of zone levels. Remote-only services are mostly France-wide; the other levels are
# rebalanced so that the overall shares are department 40 %, commune 20 %, EPCI 15 %,
# empty 15 %, France 10 %.
ZONES_REMOTE_ONLY = {"france": 0.70, "departement": 0.15, "epci": 0.05, "vide": 0.10}
ZONES_OTHER = {
    "departement": (0.40 - 0.10 * 0.15) / 0.90,
    "commune": 0.20 / 0.90,
    "epci": (0.15 - 0.10 * 0.05) / 0.90,
    "vide": (0.15 - 0.10 * 0.10) / 0.90,
    "france": (0.10 - 0.10 * 0.70) / 0.90,
}

JITTER_KM = 3.0
KM_PER_DEGREE = 111.195


def _picker(weights: dict | list[tuple[object, float]], rand) -> Callable[[], object]:
    """Weighted choice by bisection over cumulative weights (much faster than choices())."""
    pairs = list(weights.items()) if isinstance(weights, dict) else list(weights)
    items = [item for item, _ in pairs]
    cumulative = list(itertools.accumulate(weight for _, weight in pairs))
    total = cumulative[-1]
    bisect_right = bisect.bisect_right

    def pick():
        return items[bisect_right(cumulative, rand() * total)]

    return pick


def _places(directory: CommuneDirectory) -> list[tuple[object, float]]:
    """Communes weighted by population; municipal districts stand for their city."""
    communes = sorted(directory.communes.values(), key=lambda c: c.code_insee)
    districts: dict[str, int] = {}
    for commune in communes:
        if commune.commune_parente:
            districts[commune.commune_parente] = districts.get(commune.commune_parente, 0) + 1
    places = []
    for commune in communes:
        if commune.code_insee in districts or not commune.codes_postaux:
            continue
        if commune.commune_parente:
            parent = directory.get(commune.commune_parente)
            population = (parent and parent.population or 0) / districts[commune.commune_parente]
        else:
            population = commune.population or 0
        places.append((commune, population if population > 100 else 100))
    return places


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def de_nom(nom: str) -> str:
    """French "de" before a place name: d'Épernay, du Mans, des Ulis, de Reims."""
    if nom.startswith("Le "):
        return "du " + nom[3:]
    if nom.startswith("Les "):
        return "des " + nom[4:]
    if nom[:1].upper() in "AEIOUYÉÈÊÂÎÔÛH":
        return "d'" + nom
    return "de " + nom


def generate(
    n: int,
    directory: CommuneDirectory,
    seed: int = 42,
    reference_date: date = REFERENCE_DATE,
) -> Iterator[Resource]:
    """Yield ``n`` fictional resources over all of France, deterministically.

    The same ``seed`` (and directory and reference date) always gives the same resources;
    ``date_maj`` falls in the three years before ``reference_date``.
    """
    rng = random.Random(seed)
    rand = rng.random
    place = _picker(_places(directory), rand)
    category = _picker(CATEGORY_WEIGHTS, rand)
    public = _picker(SPECIFIC_PUBLICS, rand)
    zone_remote = _picker(ZONES_REMOTE_ONLY, rand)
    zone_other = _picker(ZONES_OTHER, rand)
    sous_themes = {c: vocabulary.sous_themes_of(c) for c in CATEGORY_WEIGHTS}
    labels = {slug: _lower_first(vocabulary.label(slug)) for slug in vocabulary.SOUS_THEMES}
    labels.update({slug: _lower_first(vocabulary.label(slug)) for slug in vocabulary.CATEGORIES})
    public_labels = {slug: _lower_first(label) for slug, label in vocabulary.PUBLICS.items()}
    reference = reference_date.toordinal()
    dates = [date.fromordinal(reference - days).isoformat() for days in range(3 * 365 + 1)]
    de_commune: dict[str, str] = {}

    # random.choice and randrange are exact but slow; floor(random() * k) is plenty here.
    def choice(seq):
        return seq[int(rand() * len(seq))]

    def randrange(start: int, stop: int | None = None) -> int:
        if stop is None:
            start, stop = 0, start
        return start + int(rand() * (stop - start))

    def tag(cat: str) -> str:
        if rand() < CATEGORY_ONLY_SHARE:
            return cat
        return choice(sous_themes[cat])

    for i in range(1, n + 1):
        commune = place()
        source_id = f"{i:06d}"

        primary = category()
        thematiques = [tag(primary)]
        for _ in range(randrange(3)):  # 0 to 2 more tags, half of them in the same category
            extra = tag(primary if rand() < 0.5 else category())
            if extra not in thematiques:
                thematiques.append(extra)

        roll = rand()
        if roll < 0.75:
            modes_accueil = [vocabulary.EN_PRESENTIEL]
        elif roll < 0.90:
            modes_accueil = [vocabulary.EN_PRESENTIEL, vocabulary.A_DISTANCE]
        else:
            modes_accueil = [vocabulary.A_DISTANCE]
        remote_only = roll >= 0.90

        level = zone_remote() if remote_only else zone_other()
        if level == "commune":
            zone = [commune.code_insee]
        elif level == "epci":
            zone = [commune.epci or commune.departement]
        elif level == "departement":
            zone = [commune.departement]
        elif level == "france":
            zone = ["france"]
        else:
            zone = []

        if rand() < 0.35:
            publics = [vocabulary.TOUS_PUBLICS]
        else:
            publics = [public()]
            if rand() < 0.4:
                other = public()
                if other not in publics:
                    publics.append(other)

        payant = rand() < 0.18
        modes_mobilisation = []
        if not remote_only and rand() < 0.7:
            modes_mobilisation.append("se-presenter")
        if rand() < 0.8:
            modes_mobilisation.append("telephoner")
        if rand() < (0.6 if remote_only else 0.35):
            modes_mobilisation.append("envoyer-un-courriel")
        lien = None
        if rand() < (0.4 if remote_only else 0.1) or not modes_mobilisation:
            modes_mobilisation.append("utiliser-lien-mobilisation")
            lien = f"https://exemple.invalid/synth/{source_id}/rendez-vous"

        visibilite = "professionnels" if rand() < 0.05 else "public"
        mobilisable_par = (
            ["professionnels"] if visibilite == "professionnels" else ["usagers", "professionnels"]
        )
        roll = rand()
        statut = "ferme" if roll < 0.02 else "fermeture-temporaire" if roll < 0.05 else "actif"

        kind, reseau = choice(STRUCTURE_KINDS[primary])
        de = de_commune.get(commune.code_insee)
        if de is None:
            de = de_commune[commune.code_insee] = de_nom(commune.nom)
        nom_structure = f"{kind} {de} (fictif)"
        nom = f"{choice(SERVICE_PREFIXES)} : {labels[thematiques[0]]}"

        sentences = [
            f"{kind} propose {choice(OFFERS)} pour {labels[thematiques[0]]}"
            + (f" et {labels[thematiques[1]]}." if len(thematiques) > 1 else ".")
        ]
        if rand() < 0.6:
            sentences.append(choice(RDV).format(commune=commune.nom))
        if publics[0] != vocabulary.TOUS_PUBLICS and rand() < 0.5:
            names = ", ".join(public_labels[p] for p in publics)
            sentences.append(PUBLIC_SENTENCE.format(publics=names))
        elif not remote_only and len(modes_accueil) > 1:
            sentences.append(REMOTE_SENTENCE)
        description = " ".join(sentences[:3])

        # Uniform in a disc of JITTER_KM around the commune's centre.
        r = JITTER_KM * math.sqrt(rand())
        theta = 2 * math.pi * rand()
        lat = commune.latitude + r * math.cos(theta) / KM_PER_DEGREE
        coslat = max(math.cos(math.radians(commune.latitude)), 0.01)
        lon = commune.longitude + r * math.sin(theta) / (KM_PER_DEGREE * coslat)

        yield Resource(
            id=f"{ID_PREFIX}{source_id}",
            source=SOURCE,
            source_id=source_id,
            departement=commune.departement,
            nom=nom,
            nom_structure=nom_structure,
            description=description,
            reseaux_porteurs=[reseau] if reseau and rand() < 0.6 else [],
            thematiques=thematiques,
            publics=publics,
            frais="payant" if payant else "gratuit",
            frais_precisions=choice(FRAIS_PRECISIONS) if payant else None,
            modes_accueil=modes_accueil,
            modes_mobilisation=modes_mobilisation,
            mobilisable_par=mobilisable_par,
            conditions_acces=choice(CONDITIONS) if rand() < 0.6 else None,
            horaires_accueil=choice(HORAIRES) if rand() < 0.85 else None,
            adresse=f"{randrange(1, 80)} {choice(STREETS)}",
            code_postal=choice(commune.codes_postaux),
            commune=commune.nom,
            code_insee=commune.code_insee,
            latitude=round(lat, 6),
            longitude=round(lon, 6),
            precision_geo="fichier",
            telephone=f"+3319900{randrange(10000):04d}" if rand() < 0.9 else None,
            courriel=f"contact.{source_id}@example.org" if rand() < 0.7 else None,
            site_web=f"https://exemple.invalid/synth/{source_id}" if rand() < 0.4 else None,
            lien_mobilisation=lien,
            zone_eligibilite=zone,
            date_maj=choice(dates),
            visibilite=visibilite,
            statut=statut,
        )


def to_row(resource: Resource) -> list[str]:
    """One CSV row of the import template: lists joined with ``|``, None as empty."""
    row = []
    for column in CSV_COLUMNS:
        value = getattr(resource, column)
        if value is None:
            row.append("")
        elif isinstance(value, list):
            row.append(LIST_SEPARATOR.join(value))
        else:
            row.append(str(value))
    return row


def write_csv(resources: Iterable[Resource], path: str | Path) -> int:
    """Write resources in the CSV import template (UTF-8, ``,``-separated, quoted as needed).

    Returns the number of rows written.
    """
    count = 0
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for resource in resources:
            writer.writerow(to_row(resource))
            count += 1
    return count
