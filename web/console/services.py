"""What the console needs besides ``accounts.services``: the department's communes, its
resource imports (the importer's own function, with the same guards) and the rejects files."""

from __future__ import annotations

import tempfile
from pathlib import Path

from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from accounts import roles, scoping
from accounts.models import User
from indexer.formats import InvalidImportFile
from indexer.importer import ImportRefused, ImportReport, import_files, source_of_departement
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


def import_upload(
    runtime: Runtime, actor: User, departement: str, upload: FileStorage, force: bool = False
) -> tuple[ImportReport | None, str | None]:
    """Import a file sent from the browser for ``departement``: (report, error message).

    Raises ``AccessDenied`` outside the admin's department. The file goes to a private
    temporary folder, is read by ``indexer.importer.import_files`` (same guards as the CLI),
    then deleted; the rejects CSV stays in ``DATA_DIR/rejets/console/<département>/``.
    """
    scoping.require(actor, roles.IMPORT_RESOURCES, departement)
    name = secure_filename(upload.filename or "") or "ressources.csv"
    if not name.lower().endswith(IMPORT_SUFFIXES):
        return None, "Format non reconnu : envoyez un fichier CSV, XLSX ou data·inclusion (JSON)."
    with tempfile.TemporaryDirectory(prefix="relais-import-") as folder:
        path = Path(folder) / name
        upload.save(path)
        if path.stat().st_size > MAX_UPLOAD_BYTES:
            return None, "Fichier trop volumineux (50 Mo au plus)."
        rejects = rejects_dir(runtime, departement) / f"{Path(name).stem}-rejets.csv"
        try:
            report = import_files(
                runtime, [path], departement=departement, rejets=rejects, force=force
            )
        except ImportRefused as exc:
            return exc.report, exc.message
        except InvalidImportFile as exc:
            return None, str(exc)
    return report, None


def import_history(runtime: Runtime, departement: str, limit: int = 50) -> list[dict]:
    source = source_of_departement(departement)
    return [
        row
        for row in runtime.store.imports(limit=500)
        if row.get("valeur") in (departement, source)
    ][:limit]
