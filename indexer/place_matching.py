"""The commune of a row, as departments really write it (issue 12).

Pure functions over the ``CommuneDirectory`` (the reference geography of
``@etalab/decoupage-administratif``: every postal code of every commune, and former INSEE codes
mapped to today's commune); the validator calls them and turns their ``notice`` into a
counted warning. Nothing here relocates a resource
silently: every correction comes back with the notice that reports it.
"""

from __future__ import annotations

from resource_base.commune_labels import match_label, names_agree
from resource_base.geo import Commune, CommuneDirectory
from resource_base.text import fold

# The warnings these corrections add to an import's summary (validation.NOTICES).
NOTICES = {
    "ancien_code": "{n} code(s) INSEE d'une ancienne commune (fusion, commune nouvelle) "
    "remplacé(s) par celui de la commune d'aujourd'hui",
    "code_postal_en_code_insee": "{n} code(s) postal(aux) saisi(s) dans la colonne code_insee "
    "(la commune et ce code postal s'accordent) : commune retenue d'après eux",
    "nom_commune_different": "{n} ligne(s) dont le nom de commune diffère de celui du code "
    "INSEE : nom du référentiel retenu",
    "coordonnees_illisibles": "{n} ressource(s) aux coordonnées illisibles (ni degrés "
    "décimaux ni nombres : Lambert-93 ?) : ressource placée d'après sa commune",
}


def candidates(directory: CommuneDirectory, code_postal: str) -> list[Commune]:
    """Every commune of a postal code (La Poste's codes: Toulouse has 31000 to 31500)."""
    return directory.by_code_postal(code_postal)


def by_name(directory: CommuneDirectory, code_postal: str, nom: str) -> Commune | None:
    """The commune ``nom`` names among those of ``code_postal`` (La Poste labels too)."""
    found = candidates(directory, code_postal)
    commune = match_label(nom, found)
    if commune is None:
        key = fold(nom)
        exact = [c for c in found if fold(c.nom) == key]
        commune = exact[0] if len(exact) == 1 else None
    return commune


def by_code(
    directory: CommuneDirectory, code_insee: str, nom: str | None
) -> tuple[Commune | None, str | None, str | None]:
    """``(commune, notice, error)`` for the value of the ``code_insee`` column.

    A current code whose commune the name (if any) agrees with is taken as is. A code that
    is also a postal code, with a name that names a commune of that postal code rather than
    the code's commune (51100 and Reims, not La Caure), gives that commune and a notice;
    when the name agrees with neither, an error names both values. A former code gives
    today's commune and a notice.
    """
    commune = directory.communes.get(code_insee)
    if commune is not None:
        if not nom or names_agree(nom, commune):
            return commune, None, None
        other = by_name(directory, code_insee, nom)
        if other is not None:
            return other, "code_postal_en_code_insee", None
        if candidates(directory, code_insee):
            names = ", ".join(c.nom for c in candidates(directory, code_insee)[:5])
            return (
                None,
                None,
                f"« {code_insee} » est le code INSEE de {commune.nom} et le code postal de "
                f"{names}, mais la commune indiquée est « {nom[:60]} » : corrigez le code "
                "INSEE ou la commune",
            )
        return commune, "nom_commune_different", None
    current = directory.former.get(code_insee)
    if current is not None and current in directory.communes:
        return directory.communes[current], "ancien_code", None
    if nom:
        other = by_name(directory, code_insee, nom)
        if other is not None:
            return other, "code_postal_en_code_insee", None
    return None, None, f"commune {code_insee} inconnue du référentiel des communes"


def by_coordinates(
    directory: CommuneDirectory,
    code_insee: str,
    lat: float,
    lon: float,
    plausible,
) -> Commune | None:
    """When the file's coordinates are far from the ``code_insee`` commune but plausible for
    the single commune whose *postal* code it is, that commune (a postal code in the wrong
    column, told by the coordinates)."""
    near = [c for c in candidates(directory, code_insee) if plausible(lat, lon, c)]
    return near[0] if len(near) == 1 else None
