"""The header row of a tabular file: column names folded to keys, and the size limits that a
header or a row count can break (``RELAIS_IMPORT_MAX_COLUMNS``, ``RELAIS_IMPORT_MAX_ROWS``).

Shared by the CSV reader (``indexer.formats``) and the XLSX reader (``indexer.xlsx``).
"""

from __future__ import annotations

import re
from pathlib import Path

from indexer.errors import InvalidImportFile
from indexer.limits import Limits
from resource_base.text import fold

# Columns without a header (a trailing separator in Excel exports) are named after their
# position, so that their values still reach the rejects file.
UNNAMED_PREFIX = "_colonne_"
_HEADER_JUNK = re.compile(r"[^a-z0-9]+")


def column_key(name: object) -> str:
    """Normalised column name: case, accents, spaces, punctuation and any BOM folded.

    >>> column_key(" Code INSEE "), column_key("Thématiques"), column_key("\\ufeffid")
    ('code_insee', 'thematiques', 'id')
    """
    return _HEADER_JUNK.sub("_", fold(str(name or "").replace("\ufeff", ""))).strip("_")


def header_keys(cells: list, path: Path, limits: Limits) -> list[str]:
    """The keys of a header row (``column_key``, or ``_colonne_N`` for an empty cell).
    Raises ``InvalidImportFile`` for too many columns or a column named twice."""
    if len(cells) > limits.max_columns:
        raise InvalidImportFile(
            f"{path.name} : l'en-tête compte {len(cells)} colonnes, au-delà de la limite de "
            f"{limits.max_columns} (réglage RELAIS_IMPORT_MAX_COLUMNS) : fichier refusé."
        )
    keys = []
    for index, cell in enumerate(cells, start=1):
        keys.append(column_key(cell) or f"{UNNAMED_PREFIX}{index}")
    seen: set[str] = set()
    doubles = sorted({k for k in keys if k in seen or seen.add(k)})
    if doubles:
        raise InvalidImportFile(
            f"{path.name} : colonne(s) en double dans l'en-tête : {', '.join(doubles)}."
        )
    return keys


def too_many_rows(name: str, limits: Limits) -> InvalidImportFile:
    return InvalidImportFile(
        f"{name} : plus de {limits.max_rows} lignes de données (réglage "
        "RELAIS_IMPORT_MAX_ROWS) : fichier refusé ; découpez-le ou relevez la limite."
    )
