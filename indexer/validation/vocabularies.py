"""The national vocabulary (data·inclusion v1) as the validator reads it: slugs, and French
labels written by hand in a spreadsheet (``"Santé"`` → ``sante``)."""

from __future__ import annotations

from resource_base import vocabulary
from resource_base.models import STATUTS, VISIBILITES
from resource_base.text import fold


def slug(value: str) -> str:
    """Folded, with hyphens: ``"Accès aux soins"`` → ``"acces-aux-soins"``."""
    return fold(value).replace(" ", "-")


def _index(values: dict[str, str]) -> dict[str, str]:
    """Slug and French label (folded) → slug; a label shared by several slugs is left out."""
    index: dict[str, str] = {}
    ambiguous: set[str] = set()
    for key_slug, label in values.items():
        index[slug(key_slug)] = key_slug
        key = slug(label)
        if key in index and index[key] != key_slug:
            ambiguous.add(key)
        index.setdefault(key, key_slug)
    for key in ambiguous - {slug(s) for s in values}:
        del index[key]
    return index


THEMATIQUES = {**vocabulary.CATEGORIES, **vocabulary.SOUS_THEMES}
# (field, allowed values, is a list) — validated against the national vocabulary.
VOCABULARIES: tuple[tuple[str, dict[str, str], bool], ...] = (
    ("thematiques", THEMATIQUES, True),
    ("publics", vocabulary.PUBLICS, True),
    ("modes_accueil", vocabulary.MODES_ACCUEIL, True),
    ("modes_mobilisation", vocabulary.MODES_MOBILISATION, True),
    ("mobilisable_par", vocabulary.MOBILISABLE_PAR, True),
    ("reseaux_porteurs", vocabulary.RESEAUX_PORTEURS, True),
    ("frais", vocabulary.FRAIS, False),
    ("visibilite", VISIBILITES, False),
    ("statut", STATUTS, False),
)
VOCABULARIES_BY_NAME = {name: values for name, values, _ in VOCABULARIES}
INDEXES = {name: _index(values) for name, values, _ in VOCABULARIES}
DEFAULTS = {"visibilite": "public", "statut": "actif"}


def lookup(name: str, raw: str) -> str | None:
    """The slug of field ``name`` that ``raw`` stands for (slug or label), or None."""
    value = raw.strip().lower()
    if value in VOCABULARIES_BY_NAME[name]:
        return value
    return INDEXES[name].get(slug(raw))


def unknown_value_message(name: str, raw: str) -> str:
    """The French reason for a value of ``name`` outside the vocabulary."""
    allowed = VOCABULARIES_BY_NAME[name]
    hint = " (séparez les valeurs par « | »)" if ("," in raw or ";" in raw) else ""
    if len(allowed) <= 20:
        hint += f" ; valeurs possibles : {', '.join(sorted(allowed))}"
    return f"valeur inconnue « {raw[:80]} »{hint}"
