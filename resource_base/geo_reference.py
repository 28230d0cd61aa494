"""Reading the reference geography: one official vintage for communes, EPCI and postal codes.

Source of truth: the npm package ``@etalab/decoupage-administratif`` (Licence Ouverte; version
6.0.0, vintage 2026: INSEE's Code officiel géographique, the DGCL's EPCI, La Poste's *base
officielle des codes postaux*, INSEE's legal populations), read from its ``data/`` folder
(setting ``RELAIS_DECOUPAGE_DIR``):

- ``communes.json``: current communes (``commune-actuelle``) with every postal code and their
  population, municipal districts of Paris, Lyon and Marseille (``arrondissement-municipal``),
  and former communes (``commune-deleguee``, ``commune-associee``, ``anciensCodes``) whose
  codes still appear in old files: they resolve to the commune they belong to today;
- ``epci.json``: EPCI and their member communes; ``departements.json``: department names.

The package has no coordinates: each commune's centre comes from the centres CSV (setting
``RELAIS_COMMUNES_CSV``, columns ``REF_INSEE``, ``LATITUDE``, ``LONGITUDE``). A commune created
after that file takes the mean centre of the communes it was made of, else of the communes
sharing its postal codes; the few with no centre at all (overseas collectivities of the
Pacific, Saint-Pierre-et-Miquelon, Saint-Barthélemy, Saint-Martin, TAAF) are left out.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from resource_base.commune import Commune, GeoError

REFERENCE_VINTAGE = 2026
CURRENT_TYPES = ("commune-actuelle", "arrondissement-municipal")
FORMER_TYPES = ("commune-deleguee", "commune-associee")


def _read_json(folder: Path, name: str) -> list[dict]:
    path = folder / name
    if not path.is_file():
        raise GeoError(
            f"Fichier du découpage administratif introuvable : {path} (réglage "
            "RELAIS_DECOUPAGE_DIR ; « npm ci » installe @etalab/decoupage-administratif)."
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GeoError(f"Fichier du découpage administratif illisible : {path} ({exc}).") from exc
    if not isinstance(data, list):
        raise GeoError(f"{path} : une liste JSON est attendue.")
    return data


def read_centres(path: str | Path) -> dict[str, tuple[float, float]]:
    """INSEE code → (latitude, longitude) from the centres CSV; ``GeoError`` names a bad line."""
    path = Path(path)
    if not path.is_file():
        raise GeoError(
            f"Fichier des centres des communes introuvable : {path} (réglage RELAIS_COMMUNES_CSV)."
        )
    centres: dict[str, tuple[float, float]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                centres[row["REF_INSEE"].strip()] = (
                    float(row["LATITUDE"]),
                    float(row["LONGITUDE"]),
                )
            except (KeyError, ValueError, AttributeError) as exc:
                raise GeoError(
                    f"{path}, ligne {line} : ligne de commune illisible ({exc})."
                ) from exc
    return centres


def _mean(points: list[tuple[float, float]]) -> tuple[float, float] | None:
    if not points:
        return None
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def read_reference(
    decoupage_dir: str | Path, centres_csv: str | Path
) -> tuple[dict[str, Commune], dict[str, str], dict[str, str], dict[str, str]]:
    """Read the reference files.

    Returns ``(communes, former, epci_names, departement_names)``: communes by INSEE code
    (current communes and municipal districts), former commune code → current code, EPCI
    code → name, department code → name. Raises ``GeoError`` (French) on a missing or
    malformed file.
    """
    folder = Path(decoupage_dir)
    rows = _read_json(folder, "communes.json")
    epcis = _read_json(folder, "epci.json")
    departements = {d["code"]: d["nom"] for d in _read_json(folder, "departements.json")}
    centres = read_centres(centres_csv)

    epci_of: dict[str, str] = {}
    epci_names: dict[str, str] = {}
    for epci in epcis:
        epci_names[epci["code"]] = epci["nom"]
        for member in epci.get("membres", ()):
            epci_of[member["code"]] = epci["code"]

    current = [r for r in rows if r.get("type") in CURRENT_TYPES]
    former: dict[str, str] = {}
    parts: dict[str, list[str]] = {}  # current code → codes it was made of
    for row in rows:
        if row.get("type") in FORMER_TYPES and row.get("chefLieu"):
            parts.setdefault(row["chefLieu"], []).append(row["code"])
            if row["code"] != row["chefLieu"]:
                former.setdefault(row["code"], row["chefLieu"])
    for row in current:
        for old in row.get("anciensCodes", ()):
            parts.setdefault(row["code"], []).append(old)
            former.setdefault(old, row["code"])

    by_postal_centre: dict[str, list[tuple[float, float]]] = {}
    for row in current:
        if row["code"] in centres:
            for cp in row.get("codesPostaux", ()):
                by_postal_centre.setdefault(cp, []).append(centres[row["code"]])

    communes: dict[str, Commune] = {}
    for row in current:
        code = row["code"]
        postal = tuple(row.get("codesPostaux", ()))
        centre = (
            centres.get(code)
            or _mean([centres[p] for p in parts.get(code, ()) if p in centres])
            or _mean([pt for cp in postal for pt in by_postal_centre.get(cp, ())])
        )
        if centre is None:
            continue
        parent = row.get("commune") if row["type"] == "arrondissement-municipal" else None
        epci = epci_of.get(code) or (epci_of.get(parent) if parent else None)
        communes[code] = Commune(
            code_insee=code,
            nom=row["nom"],
            departement=row["departement"],
            region=row["region"],
            codes_postaux=postal,
            latitude=centre[0],
            longitude=centre[1],
            epci=epci,
            epci_nom=epci_names.get(epci) if epci else None,
            commune_parente=parent,
            population=row.get("population"),
            departement_nom=departements.get(row["departement"]),
        )
    former = {old: new for old, new in former.items() if new in communes and old not in communes}
    return communes, former, epci_names, departements
