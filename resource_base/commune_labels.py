"""Commune names as files write them: La Poste routing labels.

``label_key`` folds a commune's name the way La Poste's routing labels (« libellé
d'acheminement ») write it: capitals, no accents, ``ST`` for Saint, and a municipal district
as the city and its number (``PARIS 11``, ``MARSEILLE 08``), so that both meet the
reference's name (``Paris 11e Arrondissement``).
"""

from __future__ import annotations

import re

from resource_base.geo import Commune, name_key

_DISTRICT = re.compile(r"^(.*?) 0*([0-9]{1,2})(?: ?(?:e|er|eme|ieme))?(?: arrondissement)?$")
_CEDEX = re.compile(r" cedex(?: [0-9]+)?$")


def label_key(text: str) -> str:
    """``"MARSEILLE 08"``, ``"Marseille 8e Arrondissement"`` → ``"marseille 8"``;
    ``"ST DIZIER"``, ``"Saint-Dizier"`` → ``"saint dizier"``; ``CEDEX`` dropped."""
    key = _CEDEX.sub("", name_key(text))
    match = _DISTRICT.match(key)
    return f"{match[1]} {int(match[2])}" if match else key


def city_of_district(commune: Commune) -> str | None:
    """``"paris"`` for Paris 11e Arrondissement; ``None`` for a commune."""
    if not commune.commune_parente:
        return None
    match = _DISTRICT.match(name_key(commune.nom))
    return match[1] if match else None


def match_label(label: str, candidates: list[Commune]) -> Commune | None:
    """The one commune among ``candidates`` (those of a postal code) that ``label`` names,
    directly or, for ``"PARIS"`` with 75011, as the city of the code's only district."""
    key = label_key(label)
    # The city's district for this postal code first: more precise than the whole city.
    districts = [c for c in candidates if city_of_district(c) == key]
    if len(districts) == 1:
        return districts[0]
    found = [c for c in candidates if label_key(c.nom) == key]
    return found[0] if len(found) == 1 else None


def names_agree(label: str, commune: Commune) -> bool:
    """Whether a name written in a file plausibly names ``commune`` (same key, the city of
    a district, or one key a word-prefix of the other: "Reims centre" and Reims)."""
    key, reference = label_key(label), label_key(commune.nom)
    if not key or key == reference or city_of_district(commune) == key:
        return True
    return key.startswith(reference + " ") or reference.startswith(key + " ")
