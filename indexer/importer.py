"""Loading departmental data: read → validate → normalise → geocode → write, then guards.

``import_files`` is the one entry point (the ``relais import`` command is a thin shell around
it). An import replaces one scope of the canonical store in a single SQLite transaction,
engine tables included (``Store.replace`` with ``runtime.store_writers()``), so that either
the whole new set serves or the previous one still does:

- a CSV/XLSX file publishes the resources of one department: its source is ``cd<code>``
  (``cd51``) and the import replaces that source. Scoping by source rather than by the
  ``departement`` column keeps a department's own file from deleting the resources another
  source (a data·inclusion import) placed in the same department;
- a data·inclusion file replaces the resources of its ``source``.

Every row is accepted or rejected; rejections go to a CSV file (``ligne``, ``champ``,
``motif``, then the original row) and to the report. Accepted rows are written into the
transaction as they come (the scope is taken from ``--departement`` or the first row that
tells it), while the worker pool validates the next ones. Once every row is read, guards
inside the transaction refuse, unless ``force``, an import that names several departments
or sources, one with more than 20 % of rows rejected, or one that would remove more than
half of the scope's current resources: the transaction is rolled back, so that a refused
import leaves the store as it was.

Debugging hook: ``RELAIS_IMPORT_PAUSE_BEFORE_COMMIT=<seconds>`` pauses inside the transaction,
after everything is written and before the commit, once ``PAUSE_MARKER`` is printed on stderr
(the atomicity test kills the process there).
"""

from __future__ import annotations

import gc
import hashlib
import sqlite3
import sys
import time
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain
from pathlib import Path

from indexer import formats, parallel
from indexer.errors import StoreBusy
from indexer.formats import InvalidImportFile, SourceFile
from indexer.geocoding import Geocoder, make_geocoder
from indexer.limits import Limits
from indexer.rows import Progress, Scope, accepted_resources, source_of_departement
from indexer.staging import Rejection, Rejections, write_rejects
from indexer.validation import (
    PLACE_COLUMNS,
    REQUIRED_COLUMNS,
    TEMPLATE_COLUMNS,
    RowValidator,
    normalise_departement,
)
from resource_base.models import Resource
from resource_base.store import forget_serialised

MAX_REJECTED_SHARE = 0.20
MAX_REMOVED_SHARE = 0.50
PAUSE_ENV = "RELAIS_IMPORT_PAUSE_BEFORE_COMMIT"
PAUSE_MARKER = "relais import : pause avant validation de la transaction"


__all__ = [
    "ImportRefused",
    "StoreBusy",
    "ImportReport",
    "InvalidImportFile",
    "Rejection",
    "import_files",
]


@dataclass
class ImportReport:
    """What an import did (or would have done, when refused)."""

    fichiers: list[str]
    format: str
    departement: str | None = None
    source: str | None = None
    acceptees: int = 0
    rejetees: int = 0
    ajoutees: int = 0
    modifiees: int = 0
    supprimees: int = 0
    inchangees: int = 0
    duree_s: float = 0.0
    rejets_fichier: str | None = None
    avertissements: list[str] = field(default_factory=list)
    rejets: list[Rejection] = field(default_factory=list)
    rejets_omis: int = 0
    refus: str | None = None

    def to_dict(self) -> dict:
        """The ``--json`` summary."""
        return {
            "departement": self.departement,
            "source": self.source,
            "format": self.format,
            "fichiers": self.fichiers,
            "acceptees": self.acceptees,
            "rejetees": self.rejetees,
            "ajoutees": self.ajoutees,
            "modifiees": self.modifiees,
            "supprimees": self.supprimees,
            "inchangees": self.inchangees,
            "duree_s": self.duree_s,
            "rejets_fichier": self.rejets_fichier,
            "avertissements": self.avertissements,
            "rejets": [r.to_dict() for r in self.rejets],
            "rejets_omis": self.rejets_omis,
            "refus": self.refus,
        }


class ImportRefused(Exception):
    """The import was refused after reading the rows; the store is untouched."""

    def __init__(self, message: str, report: ImportReport):
        self.message = message
        self.report = report
        report.refus = message
        super().__init__(message)


def import_files(
    runtime,
    paths: Sequence[str | Path],
    departement: str | None = None,
    fmt: str = "auto",
    rejets: str | Path | None = None,
    force: bool = False,
    progress: Progress | None = None,
    geocoder: Geocoder | None = None,
    today: date | None = None,
    workers: int | None = None,
) -> ImportReport:
    """Import one or more files into the store and the engines, as one replacement.

    ``workers``: validation processes, as the ``IMPORT_WORKERS`` setting (its value when
    ``None``; ``0`` one per core; ``1`` none, all in this process: what a multi-threaded web
    server passes, since forking it is unsafe).

    Raises ``InvalidImportFile`` when a file cannot be read as a whole (nothing is written),
    ``ImportRefused`` when the rows lead to a refusal (guards, several departments or
    sources; the rejects file is written in both the success and the refusal cases), and
    ``StoreBusy`` when another import kept the store locked for ``BUSY_TIMEOUT_S`` (nothing is
    written).

    >>> # import_files(runtime, ["ressources-51.csv"], departement="51").ajoutees
    """
    if not paths:
        raise InvalidImportFile("Aucun fichier à importer.")
    asked = _Asked(departement, fmt, rejets, force, progress, geocoder, today, workers)
    try:
        with _gc_paused():
            return _import(runtime, paths, runtime.directory, asked)
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc):
            raise
        raise StoreBusy() from exc


@dataclass(frozen=True)
class _Asked:
    """What ``import_files`` was asked, handed down as one value."""

    departement: str | None
    fmt: str
    rejets: str | Path | None
    force: bool
    progress: Progress | None
    geocoder: Geocoder | None
    today: date | None
    workers: int | None


@contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector: a bulk import allocates hundreds of thousands of
    acyclic objects, and repeated full collections over them cost ~15 % of the import."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _import(runtime, paths, directory, asked: _Asked):
    # ``directory``: reference data, loaded once per process (not timed).
    started = time.monotonic()
    limits = Limits.from_settings(runtime.settings)
    forced = None
    if asked.departement is not None:
        forced = normalise_departement(asked.departement, directory.departements)
        if forced is None:
            raise InvalidImportFile(f"Département « {asked.departement} » inconnu.")

    files: list[SourceFile] = []
    try:
        for path in paths:
            files.append(formats.open_file(path, asked.fmt, limits))
        return _import_files(runtime, files, directory, forced, asked, limits, started)
    finally:
        for source_file in files:
            source_file.close()


def _import_files(runtime, files, directory, forced, asked: _Asked, limits, started):
    data_inclusion = {f.format == "data-inclusion" for f in files}
    if len(data_inclusion) > 1:
        raise InvalidImportFile(
            "Un import porte sur un seul périmètre : ne mélangez pas des fichiers "
            "data·inclusion et des tableurs (CSV, XLSX)."
        )
    is_di = data_inclusion == {True}
    report = ImportReport(
        fichiers=[str(f.path) for f in files],
        format="+".join(dict.fromkeys(f.format for f in files)),
        departement=forced,
    )
    if not is_di:
        for source_file in files:
            report.avertissements.extend(check_columns(source_file))

    rejected = Rejections(limits.max_rejects)
    today = asked.today or date.today()
    validator = RowValidator(directory, departement=forced, place_first=is_di, today=today)
    workers = asked.workers
    if workers is None:
        workers = int(runtime.settings.get("IMPORT_WORKERS") or 0)
    workers = workers or parallel.default_workers()
    scope = Scope()
    progress, force = asked.progress, asked.force
    stream = accepted_resources(
        files, validator, is_di, forced, progress, rejected, workers, today, scope
    )
    refuse = _Refusal(report, rejected, asked.rejets, runtime)

    def check(tentative: str | None) -> None:
        _check_scope(report, scope, rejected, validator, files, refuse, force, tentative)

    try:
        head, source, departement = _until_scope_known(stream, forced, is_di)
        if source is None:  # every row was read and none tells the scope: refused here
            check(None)
        report.source = source
        resources = _finalised(chain(head, stream), report, departement, progress)
        outcome = _write(runtime, report, files, resources, started, force, asked.geocoder, check)
    finally:
        stream.close()
    report.ajoutees = outcome.ajoutees
    report.modifiees = outcome.modifiees
    report.supprimees = outcome.supprimees
    report.inchangees = outcome.inchangees
    # Always: an external engine left stale by an earlier failure catches up.
    runtime.after_store_change()
    report.duree_s = round(time.monotonic() - started, 3)
    return report


def _until_scope_known(
    stream, forced: str | None, is_di: bool
) -> tuple[list[Resource], str | None, str | None]:
    """``(head, source, departement)``: the first accepted resources, read until one tells
    the import's source (``--departement``, or the first department a spreadsheet row names;
    a data·inclusion service's own source), and that source and department, tentatively:
    ``_check_scope`` confirms them once every row is read. ``source`` is None when no row
    tells it (then every row was read)."""
    head: list[Resource] = []
    if not is_di and forced is not None:
        return head, source_of_departement(forced), forced
    for resource in stream:
        head.append(resource)
        if is_di:
            return head, resource.source, None
        if resource.departement:
            return head, source_of_departement(resource.departement), resource.departement
    return head, None, None


def _check_scope(
    report, scope: Scope, rejected, validator, files, refuse, force, tentative
) -> None:
    """Once every row is read: the warnings, the scope (one department or one source:
    ``tentative``, the one the rows were written under) and the share of rejected rows;
    refuses (``refuse``: ``ImportRefused``) or writes the rejects file."""
    for source_file in files:
        report.avertissements.extend(source_file.warnings)
    report.avertissements.extend(validator.notices.messages())
    report.acceptees = scope.acceptees  # also when the scope is refused just below
    if report.format.startswith("data-inclusion"):
        _data_inclusion_scope(report, scope, refuse)
    else:
        _department_scope(report, scope, refuse)
    total = report.acceptees + rejected.count
    if report.source is None:
        refuse(
            "Aucune ligne valide : rien à importer."
            if not scope.acceptees
            else "Département introuvable (aucune ligne n'indique de commune ni de "
            "département) : précisez-le avec --departement."
        )
    if tentative is not None and report.source != tentative:  # cannot happen: one scope
        raise RuntimeError(f"import scope {report.source} != {tentative}")
    if not force and total and rejected.count > MAX_REJECTED_SHARE * total:
        refuse(
            f"Import refusé : {rejected.count} ligne(s) rejetée(s) sur {total} "
            f"({100 * rejected.count / total:.0f} %), au-delà du seuil de "
            f"{100 * MAX_REJECTED_SHARE:.0f} %. Corrigez le fichier (voir les rejets) ou "
            "relancez avec --force."
        )
    refuse.write_rejects()


def _write(runtime, report, files, resources, started, force, geocoder, check):
    """Replace the scope's resources (``report.source``) by ``resources`` as they come (the
    pool validates the next rows meanwhile), in one transaction; ``check(report.source)``
    runs inside it once they are all read, and may refuse: the transaction is then rolled
    back and the previous data still serves. Returns ``Store.replace``'s outcome."""
    store, tentative = runtime.store, report.source
    current = store.count("source", report.source)
    record = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "fichiers": [f.path.name for f in files],
        "empreinte_fichiers": "",  # known once every file is read (``checked``)
        "format": report.format,
        "rejetees": 0,
        "duree_lecture_s": 0.0,
    }
    write_started = time.monotonic()

    def checked(conn, removed, upserted) -> None:
        """First writer: on the last call, every row is read; check, then complete the record."""
        if upserted:
            return
        check(tentative)
        record["rejetees"] = report.rejetees
        record["empreinte_fichiers"] = hashlib.sha256(
            "".join(f.sha256 for f in files).encode()
        ).hexdigest()
        record["duree_lecture_s"] = write_started - started

    writers = [checked, _removal_guard(report, current, force), *runtime.store_writers()]
    pause = float(runtime.settings.get("IMPORT_PAUSE_BEFORE_COMMIT") or 0)
    if pause > 0:
        writers.append(_pause_writer(pause))
    geocoder = geocoder or make_geocoder(runtime.settings, runtime.data_dir)
    try:
        located = _located(resources, runtime.directory, geocoder)
        return store.replace("source", report.source, located, record, writers=writers)
    finally:
        report.avertissements.extend(geocoder.close())


def _data_inclusion_scope(report, scope: Scope, refuse) -> None:
    """One source per file (services whose department is unknown were rejected)."""
    sources = scope.sources
    if len(sources) > 1:
        listing = ", ".join(f"{s} : {n} service(s)" for s, n in sources.most_common())
        refuse(
            f"Le fichier mêle plusieurs sources data·inclusion ({listing}) : importez une "
            "source à la fois (l'import remplace les ressources de sa source)."
        )
    report.source = next(iter(sources), None)
    if report.departement is None and len(scope.departements) == 1:
        report.departement = next(iter(scope.departements))


def _department_scope(report, scope: Scope, refuse) -> None:
    """One department per import: ``--departement``, else the only one the rows name."""
    departements = scope.departements
    if report.departement is None and len(departements) > 1:
        listing = ", ".join(f"{d} : {n} ligne(s)" for d, n in sorted(departements.items()))
        refuse(
            f"Les lignes relèvent de plusieurs départements ({listing}) : précisez celui "
            "qui publie ces ressources avec --departement."
        )
    report.departement = report.departement or next(iter(departements), None)
    if report.departement is not None:
        report.source = source_of_departement(report.departement)


def _finalised(resources, report, departement, progress):
    """The accepted resources with the import's source, ``departement`` (a spreadsheet's
    rows that name none) and id, lazily; a resource (or ``Prepared`` row) whose JSON was
    computed ahead by ``parallel.prepare`` is rebuilt and serialised again if one of them
    changes. Progress ``ecriture`` once they are all read."""
    tabular = not report.format.startswith("data-inclusion")
    done = 0
    for resource in resources:
        source, place = resource.source, resource.departement
        if tabular:
            source, place = report.source, place or departement
        prefix = f"{source}--"
        identifier = resource.source_id
        identifier = identifier if identifier.startswith(prefix) else prefix + identifier
        if (source, place, identifier) != (resource.source, resource.departement, resource.id):
            resource = parallel.full(resource)
            resource.source, resource.departement, resource.id = source, place, identifier
            forget_serialised(resource)
        yield resource
        done += 1
    if progress:
        progress("ecriture", done, done)


def _located(resources, directory, geocoder: Geocoder):
    """The resources, those without coordinates (commune known) geocoded."""
    for resource in resources:
        if resource.latitude is None and resource.code_insee:
            resource = parallel.full(resource)
            _geocode(resource, directory, geocoder)
            forget_serialised(resource)
        yield resource


def check_columns(source_file: SourceFile) -> list[str]:
    """Refuse a spreadsheet missing a required column; warn about unknown ones."""
    columns = [c for c in source_file.columns if not c.startswith(formats.UNNAMED_PREFIX)]
    present = set(columns)
    name = source_file.path.name
    missing = [c for c in REQUIRED_COLUMNS if c not in present]
    has_place = any(all(c in present for c in group) for group in PLACE_COLUMNS)
    if not has_place and "modes_accueil" not in present:
        missing.append("code_insee (ou code_postal et commune, ou latitude et longitude)")
    if missing:
        raise InvalidImportFile(
            f"{name} : colonne(s) obligatoire(s) absente(s) : {', '.join(missing)}. "
            f"Colonnes lues : {', '.join(columns) or '(aucune)'}. Voir le modèle "
            "fixtures/modele_import.csv."
        )
    unknown = [c for c in columns if c not in TEMPLATE_COLUMNS]
    if unknown:
        return [f"{name} : colonne(s) inconnue(s) ignorée(s) : {', '.join(unknown)}."]
    return []


# --- steps ---


def _geocode(resource: Resource, directory, geocoder: Geocoder) -> None:
    """Coordinates for a resource whose file gave none usable (commune known)."""
    commune = directory.get(resource.code_insee)
    if commune is not None:
        lat, lon, precision = geocoder.locate(resource.adresse, resource.code_postal, commune)
        resource.latitude, resource.longitude = lat, lon
        resource.precision_geo = precision


class _Refusal:
    """Writes the rejects file once, and refuses the import (``ImportRefused``)."""

    def __init__(self, report: ImportReport, rejected: Rejections, path, runtime):
        self.report, self.rejected, self.path, self.runtime = report, rejected, path, runtime
        self.written = False

    def write_rejects(self) -> None:
        if self.written:
            return
        report = self.report
        order = {name: index for index, name in enumerate(report.fichiers)}
        kept = sorted(self.rejected.kept, key=lambda r: (order.get(r.fichier, 0), r.ligne))
        report.rejets = kept
        report.rejetees = self.rejected.count
        report.rejets_omis = self.rejected.left_out
        report.rejets_fichier = write_rejects(
            kept,
            self.path,
            self.runtime.data_dir / "rejets",
            report.departement or report.source or "import",
            self.rejected.left_out,
        )
        self.written = True

    def __call__(self, message: str):
        self.write_rejects()
        raise ImportRefused(message, self.report)


def _removal_guard(report: ImportReport, current: int, force: bool):
    """A writer run first in the transaction: on the last call (the removed ids, no
    resources) it sees the exact ids about to be removed and rolls everything back when too
    many would go."""

    def guard(conn, removed, upserted) -> None:
        if upserted:
            return
        report.supprimees = len(removed or ())
        if not force and current and report.supprimees > MAX_REMOVED_SHARE * current:
            raise ImportRefused(
                f"Import refusé : il supprimerait {report.supprimees} des {current} ressources "
                f"actuelles de la source {report.source} (plus de la moitié). Vérifiez que "
                "l'export est complet, ou relancez avec --force.",
                report,
            )

    return guard


def _pause_writer(seconds: float):
    def pause(conn, removed, upserted) -> None:
        if upserted:
            return  # pause once, on the last call, when everything is written
        print(PAUSE_MARKER, file=sys.stderr, flush=True)
        time.sleep(seconds)

    return pause
