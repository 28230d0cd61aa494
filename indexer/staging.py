"""The rejections of an import in progress (the first ``max_rejects`` kept, the rest
counted), and the rejects CSV written from them.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from indexer.formats import ROW_ERROR
from indexer.validation import FORMULA_TRIGGERS


@dataclass
class Rejection:
    """A row that was not imported: where it is, which field(s) and why."""

    fichier: str
    ligne: int
    champ: str
    motif: str
    donnees: dict = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict:
        return {
            "fichier": self.fichier,
            "ligne": self.ligne,
            "champ": self.champ,
            "motif": self.motif,
        }


def rejection(origin: tuple, errors: list[tuple[str, str]]) -> Rejection:
    """A ``Rejection`` of the row ``origin`` = (file, line, raw) for ``errors``."""
    name, line, raw = origin
    fields = list(dict.fromkeys(f for f, _ in errors))
    motif = " ; ".join(f"{f} : {reason}" if f != "*" else reason for f, reason in errors)
    return Rejection(name, line, ", ".join(fields), motif, raw)


class Rejections:
    """The rejections of an import: all counted, the first ``limit`` kept (with their row)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.kept: list[Rejection] = []
        self.count = 0

    def add(self, item: Rejection) -> None:
        self.count += 1
        if len(self.kept) < self.limit:
            self.kept.append(item)

    @property
    def left_out(self) -> int:
        return self.count - len(self.kept)


# --- rejects file ---


def spreadsheet_safe(value: object) -> str:
    """A cell value that a spreadsheet will not run as a formula (OWASP: prefix with ')."""
    text = "" if value is None else value if isinstance(value, str) else str(value)
    if text and (text[0] in FORMULA_TRIGGERS or text[0] in "\t\r"):
        return "'" + text
    return text


def write_rejects(
    rejected: list[Rejection],
    path: str | Path | None,
    folder: Path,
    label: str,
    left_out: int = 0,
) -> str | None:
    """Write the rejects CSV (``;``, UTF-8 with BOM: Excel opens it as is); every cell,
    header and file name included, is made formula-safe. Without an explicit ``path`` the
    file goes to ``folder`` (``<date>-<label>.csv``) and nothing is written when nothing was
    rejected. ``left_out`` rejections beyond the cap are announced in a last line."""
    if path is None:
        if not rejected:
            return None
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = folder / f"{stamp}-{label}.csv"
        counter = 2
        while path.exists():
            path = folder / f"{stamp}-{label}-{counter}.csv"
            counter += 1
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    columns: dict[str, None] = {}
    for item in rejected:
        for key in item.donnees:
            if key != ROW_ERROR:
                columns.setdefault(key, None)
    head = ["ligne", "champ", "motif", "fichier"]
    original = [c for c in columns if c not in head]
    # Readable by its owner only: rejected rows may hold contacts of professionals-only services.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(descriptor, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(head + [spreadsheet_safe(c) for c in original])
        for r in rejected:
            writer.writerow(
                [
                    r.ligne,
                    spreadsheet_safe(r.champ),
                    spreadsheet_safe(r.motif),
                    spreadsheet_safe(Path(r.fichier).name),
                ]
                + [spreadsheet_safe(_flatten(r.donnees.get(c))) for c in original]
            )
        if left_out:
            writer.writerow(
                [
                    "",
                    "",
                    f"… et {left_out} autre(s) ligne(s) rejetée(s), non détaillée(s) ici "
                    "(limite RELAIS_IMPORT_MAX_REJECTS)",
                    "",
                ]
            )
    return str(path)


def _flatten(value: object) -> object:
    if isinstance(value, list | tuple):
        return "|".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value
