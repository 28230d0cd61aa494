"""Console imports run in the background, with a status the browser follows.

The upload is checked and saved at once (format, size, scope); the import then runs in a thread
of the serving process while the admin reads a status page: rows read, accepted, rejected,
then the report. The status is a small JSON file in ``DATA_DIR/imports/console/<département>/``
(owner-only), rewritten atomically at most every ``WRITE_EVERY_S`` seconds, so any gunicorn
worker of the machine can answer for it. A status that stops moving for ``STALE_AFTER_S``
(the process was restarted mid-import) reads as interrupted: the atomic replacement of the
importer left the previous resources serving.

The rows are validated in that thread, never in forked worker processes (``IMPORT_WORKERS``
is for ``relais import``): forking a multi-threaded server copies locks another thread may
hold, open SQLite connections, the listening socket and every pipe into children that the
pool would keep alive after this one-off import.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from accounts import roles, scoping
from accounts.models import User
from indexer.formats import InvalidImportFile
from indexer.importer import ImportRefused, ImportReport, StoreBusy, import_files
from web.console.services import IMPORT_SUFFIXES, MAX_UPLOAD_BYTES, rejects_dir
from web.helpers import Runtime, plural

JOB_ID = re.compile(r"[0-9a-f]{16}")
WRITE_EVERY_S = 0.5
STALE_AFTER_S = 600
KEEP_STATUS_S = 30 * 24 * 3600  # a finished import's page stays readable a month
SHOWN_REJECTS = 500
WORKERS = 1  # validation in the import's thread: no fork of the serving process (see above)
RUNNING = ("en_attente", "en_cours")
STATES = {
    "en_attente": "En attente",
    "en_cours": "En cours",
    "termine": "Terminé",
    "refuse": "Refusé",
    "interrompu": "Interrompu",
}
logger = logging.getLogger("relais.console")
STEPS = {"lecture": "Lecture du fichier", "validation": "Validation", "ecriture": "Indexation"}


class UploadRefused(ValueError):
    """The upload cannot be imported (French message for the admin)."""


@dataclass
class ImportJob:
    """One console import: where it stands, then its report (rejects capped for the page)."""

    id: str
    departement: str
    fichier: str
    force: bool
    etat: str = "en_attente"
    etape: str = "lecture"
    lues: int = 0
    acceptees: int = 0
    rejetees: int = 0
    total: int | None = None  # rows to index, once known
    ecrites: int = 0
    message: str | None = None  # refusal or error, in French
    rapport: dict | None = None  # ImportReport.to_dict(), rejects capped
    rejets_nom: str | None = None
    debut: float = field(default_factory=time.time)
    maj: float = field(default_factory=time.time)

    @staticmethod
    def grouped(count: int) -> str:
        """``20000`` → ``"20 000"`` (narrow no-break space, as ``pluriel``)."""
        return f"{count:,}".replace(",", "\u202f")

    @property
    def running(self) -> bool:
        return self.etat in RUNNING

    @property
    def etat_label(self) -> str:
        return STATES.get(self.etat, self.etat)

    @property
    def etape_label(self) -> str:
        return STEPS.get(self.etape, self.etape)

    def to_json(self) -> dict:
        """The status the page's script reads (no report: the page shows it once done)."""
        return {
            "id": self.id,
            "etat": self.etat,
            "etat_libelle": self.etat_label,
            "etape": self.etape,
            "etape_libelle": self.etape_label,
            "lues": self.lues,
            "acceptees": self.acceptees,
            "rejetees": self.rejetees,
            "total": self.total,
            "ecrites": self.ecrites,
            "message": self.message,
        }


def jobs_dir(runtime: Runtime, departement: str) -> Path:
    folder = Path(runtime.settings["DATA_DIR"]) / "imports" / "console" / departement
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _save(folder: Path, job: ImportJob) -> None:
    job.maj = time.time()
    temporary = folder / f".{job.id}.json.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump(asdict(job), out, ensure_ascii=False)
    os.replace(temporary, folder / f"{job.id}.json")


def load_job(runtime: Runtime, actor: User | None, departement: str, job_id: str) -> ImportJob:
    """The job ``job_id`` of ``departement``; ``LookupError`` when there is none.

    Raises ``AccessDenied`` outside the admin's department."""
    scoping.require(actor, roles.IMPORT_RESOURCES, departement)
    if not JOB_ID.fullmatch(job_id):
        raise LookupError(job_id)
    path = jobs_dir(runtime, departement) / f"{job_id}.json"
    try:
        job = ImportJob(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError) as exc:
        raise LookupError(job_id) from exc
    if job.running and time.time() - job.maj > STALE_AFTER_S:
        job.etat = "interrompu"
        job.message = (
            "L'import s'est interrompu (le service a redémarré) : les ressources précédentes "
            "sont toujours publiées. Relancez l'import."
        )
    return job


def _running_elsewhere(folder: Path) -> bool:
    """Whether another import of the department is under way; forgets month-old statuses."""
    now = time.time()
    running = False
    for path in folder.glob("*.json"):
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if now - float(state.get("maj", 0)) > KEEP_STATUS_S:
            path.unlink(missing_ok=True)
        elif state.get("etat") in RUNNING and now - float(state.get("maj", 0)) <= STALE_AFTER_S:
            running = True
    return running


def start_import(
    runtime: Runtime, actor: User, departement: str, upload: FileStorage, force: bool = False
) -> ImportJob:
    """Check and save ``upload``, then import it in a background thread: the job, at once.

    Raises ``AccessDenied`` outside the admin's department and ``UploadRefused`` (French
    message) for a file of another format or over ``MAX_UPLOAD_BYTES``, or while another
    import of the department runs; nothing is imported then. The thread runs
    ``indexer.importer.import_files`` (same guards as the CLI) with ``WORKERS`` (no worker
    process) and writes the audit entry when it ends.
    """
    scoping.require(actor, roles.IMPORT_RESOURCES, departement)
    name = secure_filename(upload.filename or "") or "ressources.csv"
    if not name.lower().endswith(IMPORT_SUFFIXES):
        raise UploadRefused(
            "Format non reconnu : envoyez un fichier CSV, XLSX ou data·inclusion (JSON)."
        )
    folder = jobs_dir(runtime, departement)
    if _running_elsewhere(folder):
        raise UploadRefused(
            "Un import des ressources du département est déjà en cours : attendez sa fin "
            "(sa page montre son avancement), puis envoyez ce fichier."
        )
    job = ImportJob(id=secrets.token_hex(8), departement=departement, fichier=name, force=force)
    work = folder / job.id
    work.mkdir(mode=0o700)
    path = work / name
    try:
        upload.save(path)
    finally:
        upload.close()  # a large upload is spooled to a temporary file: release it now
    if path.stat().st_size > MAX_UPLOAD_BYTES:
        shutil.rmtree(work, ignore_errors=True)
        raise UploadRefused("Fichier trop volumineux (50 Mo au plus).")
    _save(folder, job)
    thread = threading.Thread(
        target=_run,
        args=(runtime, actor, job, path, folder),
        name=f"import-console-{job.id}",
        daemon=True,
    )
    thread.start()
    return job


def _run(runtime: Runtime, actor: User, job: ImportJob, path: Path, folder: Path) -> None:
    last = [0.0]

    def progress(step: str, done: int, total: int | None, **tally) -> None:
        job.etat, job.etape = "en_cours", step
        if step == "validation":
            job.lues = done
            job.acceptees = tally.get("acceptees", job.acceptees)
            job.rejetees = tally.get("rejetees", job.rejetees)
        else:
            job.ecrites, job.total = done, total
        now = time.monotonic()
        if now - last[0] >= WRITE_EVERY_S:
            last[0] = now
            _save(folder, job)

    job.etat = "en_cours"
    _save(folder, job)
    rejects = rejects_dir(runtime, job.departement) / f"{Path(job.fichier).stem}-rejets.csv"
    report: ImportReport | None = None
    try:
        report = import_files(
            runtime,
            [path],
            departement=job.departement,
            rejets=rejects,
            force=job.force,
            progress=progress,
            workers=WORKERS,
        )
        job.etat = "termine"
    except ImportRefused as exc:
        report, job.etat, job.message = exc.report, "refuse", exc.message
    except InvalidImportFile as exc:
        job.etat, job.message = "refuse", str(exc)
    except StoreBusy as exc:
        job.etat, job.message = "refuse", exc.message
    except Exception as exc:  # never a trace to the admin; the log keeps it
        logger.error("import de la console", exc_info=exc)
        job.etat = "refuse"
        job.message = "L'import a échoué sur une erreur interne : elle a été journalisée."
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
    if report is not None:
        data = report.to_dict()
        data["rejets"] = data["rejets"][:SHOWN_REJECTS]
        job.rapport = data
        job.acceptees, job.rejetees = report.acceptees, report.rejetees
        if report.rejets_fichier:
            job.rejets_nom = Path(report.rejets_fichier).name
    # The audit entry first: a page that reads the import as ended finds it in the journal
    # (and the status is written even if the audit fails).
    try:
        runtime.accounts.audit(
            actor,
            "import_ressources",
            f"departement:{job.departement}",
            job.departement,
            f"{job.fichier} : "
            + (
                job.message
                or f"{plural(job.acceptees, 'acceptée')}, {plural(job.rejetees, 'rejetée')}"
            ),
        )
    finally:
        _save(folder, job)
