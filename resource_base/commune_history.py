"""Communes as files name them: La Poste routing labels, former INSEE codes, every postal code.

- ``label_key`` folds a commune's name the way La Poste's routing labels (« libellé
  d'acheminement ») write it: capitals, no accents, ``ST`` for Saint, and a municipal
  district as the city and its number (``PARIS 11``, ``MARSEILLE 08``), so that both meet
  the reference's name (``Paris 11e Arrondissement``).
- ``CommuneHistory`` reads the official administrative divisions of the npm package
  ``@etalab/decoupage-administratif`` (Licence Ouverte; INSEE's COG): each current commune
  with its former INSEE codes (``anciensCodes``: communes nouvelles, mergers) and the
  delegated and associated communes with their chief town, hence the current code of a
  former one; and every postal code of every commune (``codesPostaux``), as La Poste lists
  them (Toulouse: 31000 to 31500).
Nothing is read at import time: ``CommuneHistory.load(path)``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from resource_base.geo import Commune, GeoError, name_key

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


@dataclass
class CommuneHistory:
    """Former INSEE codes → current code, and every postal code of each current commune."""

    current: dict[str, str] = field(default_factory=dict)
    postal_codes: dict[str, frozenset[str]] = field(default_factory=dict)
    by_postal: dict[str, tuple[str, ...]] = field(default_factory=dict)  # postal → INSEE codes
    source: str = ""

    @classmethod
    def load(cls, path: str | Path | None) -> CommuneHistory:
        """Read ``communes.json`` of ``@etalab/decoupage-administratif``; an empty history
        when ``path`` is empty or the file is absent (former codes then stay unknown).
        Raises ``GeoError`` for an unreadable file."""
        if not path or not Path(path).is_file():
            return cls()
        return _load(str(path))

    def current_code(self, code: str) -> str | None:
        """Today's INSEE code of a former commune, or ``None``."""
        return self.current.get(code)


@lru_cache(maxsize=4)
def _load(path: str) -> CommuneHistory:
    try:
        items = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GeoError(f"Découpage administratif illisible : {path} ({exc}).") from exc
    history = CommuneHistory(source=path)
    actual = {item["code"] for item in items if item.get("type") == "commune-actuelle"}
    for item in items:
        code, kind = item.get("code"), item.get("type")
        if kind in ("commune-actuelle", "arrondissement-municipal"):
            if item.get("codesPostaux"):
                history.postal_codes[code] = frozenset(item["codesPostaux"])
            for old in item.get("anciensCodes") or ():
                if old not in actual:
                    history.current.setdefault(old, code)
        elif kind in ("commune-deleguee", "commune-associee"):
            chef = item.get("chefLieu")
            if chef and chef != code and code not in actual:
                history.current.setdefault(code, chef)
    by_postal: dict[str, list[str]] = {}
    for code, postal_codes in history.postal_codes.items():
        for postal in postal_codes:
            by_postal.setdefault(postal, []).append(code)
    history.by_postal = {postal: tuple(sorted(codes)) for postal, codes in by_postal.items()}
    return history
