"""Territoires d'action sociale: the CSV ``code_insee;territoire`` and coverage.

Every commune of a department that shares the base resolves to exactly one territory
(issue 9); by default one territory covers the whole department. An upload replaces the
department's assignments; each bad line is rejected with its number and the reason, as the
resource importer does.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

MAX_NAME = 120


@dataclass(frozen=True)
class Reject:
    ligne: int  # spreadsheet line: the header is line 1
    motif: str

    def to_dict(self) -> dict:
        return {"ligne": self.ligne, "motif": self.motif}


@dataclass
class TerritoryUpload:
    """What a CSV gave: commune code → territory name, and the rejected lines."""

    assignments: dict[str, str] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)

    @property
    def territories(self) -> list[str]:
        return sorted(set(self.assignments.values()))


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 (Excel's "CSV" in France)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse_csv(text: str, departement: str, communes: dict[str, str]) -> TerritoryUpload:
    """Read ``code_insee;territoire`` lines for ``departement``.

    ``communes`` maps the department's INSEE codes to names. A header line is optional.
    Rejected: missing fields, a commune unknown or of another department, an empty or too
    long territory name, a commune given twice with two territories.

    >>> parse_csv("code_insee;territoire\\n51108;MDS Châlons", "51", {"51108": "Châlons"}).assignments
    {'51108': 'MDS Châlons'}
    """
    upload = TerritoryUpload()
    delimiter = ";" if ";" in text.split("\n", 1)[0] or "," not in text else ","
    for number, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if number == 1 and cells[0].lower().replace("_", "") in {"codeinsee", "commune", "code"}:
            continue
        if len(cells) < 2 or not cells[0] or not cells[1]:
            upload.rejects.append(Reject(number, "Deux champs attendus : code_insee;territoire."))
            continue
        code, name = cells[0].zfill(5) if cells[0].isdigit() else cells[0].upper(), cells[1]
        if code not in communes:
            upload.rejects.append(
                Reject(
                    number, f"Commune « {cells[0]} » inconnue dans le département {departement}."
                )
            )
            continue
        if len(name) > MAX_NAME:
            upload.rejects.append(
                Reject(number, f"Nom de territoire trop long ({MAX_NAME} caractères au plus).")
            )
            continue
        previous = upload.assignments.get(code)
        if previous is not None and previous != name:
            upload.rejects.append(
                Reject(
                    number,
                    f"La commune {code} est déjà rattachée au territoire « {previous} » : "
                    "une commune relève d'un seul territoire.",
                )
            )
            continue
        upload.assignments[code] = name
    return upload


def uncovered(communes: dict[str, str], assignments: dict[str, object]) -> list[str]:
    """The department's communes (codes, sorted) that no territory covers."""
    return sorted(code for code in communes if code not in assignments)


def default_name(departement: str) -> str:
    """The territory that covers the whole department until an admin sets others."""
    return f"Département {departement}"
