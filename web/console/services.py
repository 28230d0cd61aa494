"""What the console needs besides ``accounts.services``: the department's communes, its
import history and the rejects files (the imports themselves: ``web.console.jobs``)."""

from __future__ import annotations

import json
from pathlib import Path

from indexer.importer import source_of_departement
from web.helpers import Runtime

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # the largest department file seen is a few MB
IMPORT_SUFFIXES = (".csv", ".xlsx", ".json", ".jsonl")


def communes_of(runtime: Runtime, departement: str) -> dict[str, str]:
    """INSEE code → name, for every commune of the department (municipal districts aside)."""
    return {
        c.code_insee: c.nom
        for c in runtime.directory.communes.values()
        if c.departement == departement and not c.commune_parente
    }


def rejects_dir(runtime: Runtime, departement: str) -> Path:
    folder = Path(runtime.settings["DATA_DIR"]) / "rejets" / "console" / departement
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def import_history(runtime: Runtime, departement: str, limit: int = 50) -> list[dict]:
    """The department's latest imports, newest first; ``fichiers`` as a list of names."""
    source = source_of_departement(departement)
    rows = [
        dict(row)
        for row in runtime.store.imports(limit=500)
        if row.get("valeur") in (departement, source)
    ][:limit]
    for row in rows:
        row["fichiers"] = _names(row.get("fichiers"))
    return rows


def _names(value) -> list[str]:
    """The store keeps the file names as a JSON list (``["ressources-51.csv"]``)."""
    if isinstance(value, list):
        return [str(v) for v in value]
    try:
        names = json.loads(value or "[]")
    except ValueError:
        return [str(value)]
    return [str(n) for n in names] if isinstance(names, list) else [str(names)]
