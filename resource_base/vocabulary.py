"""The national vocabulary (data·inclusion schema v1), with French labels.

The ``data-inclusion-schema`` package is the source of truth; this module only indexes it
for fast look-ups (category of a sub-theme, label of a slug, validation).
"""

from __future__ import annotations

from functools import cache

from data_inclusion.schema import v1

CATEGORY_SEPARATOR = "--"

# The seeds' barrier families, mapped onto data·inclusion categories (DOMAIN.md).
FREINS_PERIPHERIQUES = (
    "difficultes-financieres",
    "logement-hebergement",
    "sante",
    "mobilite",
    "famille",
    "numerique",
    "lecture-ecriture-calcul",
    "difficultes-administratives-ou-juridiques",
    "equipement-et-alimentation",
)


def _labels(enum) -> dict[str, str]:
    return {member.value: member.label for member in enum}


CATEGORIES: dict[str, str] = _labels(v1.Categorie)
SOUS_THEMES: dict[str, str] = _labels(v1.Thematique)
PUBLICS: dict[str, str] = _labels(v1.Public)
FRAIS: dict[str, str] = _labels(v1.Frais)
MODES_ACCUEIL: dict[str, str] = _labels(v1.ModeAccueil)
MODES_MOBILISATION: dict[str, str] = _labels(v1.ModeMobilisation)
MOBILISABLE_PAR: dict[str, str] = _labels(v1.PersonneMobilisatrice)
RESEAUX_PORTEURS: dict[str, str] = _labels(v1.ReseauPorteur)

A_DISTANCE = v1.ModeAccueil.A_DISTANCE.value
EN_PRESENTIEL = v1.ModeAccueil.EN_PRESENTIEL.value
TOUS_PUBLICS = v1.Public.TOUS_PUBLICS.value


def category_of(slug: str) -> str:
    """Category of a thématique slug (a category is its own category).

    >>> category_of("famille--garde-denfants")
    'famille'
    """
    return slug.split(CATEGORY_SEPARATOR, 1)[0]


def is_category(slug: str) -> bool:
    return slug in CATEGORIES


def is_thematique(slug: str) -> bool:
    """A valid thématique is a category or one of its sub-themes."""
    return slug in CATEGORIES or slug in SOUS_THEMES


def label(slug: str) -> str:
    """French label of a thématique (category or sub-theme)."""
    return CATEGORIES.get(slug) or SOUS_THEMES.get(slug) or slug


@cache
def sous_themes_of(category: str) -> tuple[str, ...]:
    prefix = category + CATEGORY_SEPARATOR
    return tuple(sorted(s for s in SOUS_THEMES if s.startswith(prefix)))


def tree() -> list[dict]:
    """Categories with their sub-themes and labels, sorted by slug (for the API and the UI)."""
    return [
        {
            "slug": category,
            "label": CATEGORIES[category],
            "frein_peripherique": category in FREINS_PERIPHERIQUES,
            "sous_themes": [{"slug": s, "label": SOUS_THEMES[s]} for s in sous_themes_of(category)],
        }
        for category in sorted(CATEGORIES)
    ]
