"""Loading departmental data: read → validate → normalise → geocode → guards → replace.

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
``motif``, then the original row) and to the report. Guards refuse, unless ``force``, an
import with more than 20 % of rows rejected or one that would remove more than half of the
scope's current resources; a refused import writes nothing to the store.

Debugging hook: ``RELAIS_IMPORT_PAUSE_BEFORE_COMMIT=<seconds>`` pauses inside the transaction,
after everything is written and before the commit, once ``PAUSE_MARKER`` is printed on stderr
(the atomicity test kills the process there).
"""

from __future__ import annotations

import csv
import gc
import hashlib
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from indexer import formats
from indexer.formats import ROW_ERROR, InvalidImportFile, SourceFile
from indexer.geocoding import Geocoder, make_geocoder
from indexer.validation import (
    FORMULA_TRIGGERS,
    PLACE_COLUMNS,
    REQUIRED_COLUMNS,
    TEMPLATE_COLUMNS,
    RowValidator,
    data_inclusion_row,
    normalise_departement,
)
from resource_base.models import Resource

MAX_REJECTED_SHARE = 0.20
MAX_REMOVED_SHARE = 0.50
PAUSE_ENV = "RELAIS_IMPORT_PAUSE_BEFORE_COMMIT"
PAUSE_MARKER = "relais import : pause avant validation de la transaction"
PROGRESS_EVERY = 1000
WRITE_CHUNK = 2000

# progress(step, done, total) with step "validation" or "ecriture".
Progress = Callable[[str, int, int], None]

__all__ = [
    "ImportRefused",
    "ImportReport",
    "InvalidImportFile",
    "Rejection",
    "import_files",
]


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
) -> ImportReport:
    """Import one or more files into the store and the engines, as one replacement.

    Raises ``InvalidImportFile`` when a file cannot be read as a whole (nothing is written)
    and ``ImportRefused`` when the rows lead to a refusal (guards, several departments or
    sources); the rejects file is written in both the success and the refusal cases.

    >>> # import_files(runtime, ["ressources-51.csv"], departement="51").ajoutees
    """
    if not paths:
        raise InvalidImportFile("Aucun fichier à importer.")
    directory = runtime.directory  # reference data, loaded once per process: not timed
    with _gc_paused():
        return _import(
            runtime, paths, directory, departement, fmt, rejets, force, progress, geocoder, today
        )


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


def _import(runtime, paths, directory, departement, fmt, rejets, force, progress, geocoder, today):
    started = time.monotonic()
    forced = None
    if departement is not None:
        forced = normalise_departement(departement, directory.departements)
        if forced is None:
            raise InvalidImportFile(f"Département « {departement} » inconnu.")

    files = [formats.read_file(path, fmt) for path in paths]
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
    for source_file in files:
        report.avertissements.extend(source_file.warnings)
        if not is_di:
            report.avertissements.extend(check_columns(source_file))

    validator = RowValidator(directory, departement=forced, place_first=is_di, today=today)
    accepted, rejected = _validate(files, validator, is_di, progress)
    report.avertissements.extend(validator.notices.messages())

    # Scope: the department (CSV/XLSX) or the source (data·inclusion) of the accepted rows.
    refuse = _Refusal(report, rejected, rejets, runtime)
    if is_di:
        accepted = _data_inclusion_scope(report, accepted, rejected, refuse)
    else:
        _department_scope(report, accepted, refuse)

    resources = _assign_ids(accepted, rejected, report.source)
    geocoder = geocoder or make_geocoder(runtime.settings, runtime.data_dir)
    try:
        _geocode(resources, directory, geocoder)
    finally:
        report.avertissements.extend(geocoder.close())

    report.acceptees = len(resources)
    refuse.write_rejects()
    total = report.acceptees + report.rejetees
    if report.source is None:
        refuse(
            "Aucune ligne valide : rien à importer."
            if not accepted
            else "Département introuvable (aucune ligne n'indique de commune ni de "
            "département) : précisez-le avec --departement."
        )
    if not force and total and report.rejetees > MAX_REJECTED_SHARE * total:
        refuse(
            f"Import refusé : {report.rejetees} ligne(s) rejetée(s) sur {total} "
            f"({100 * report.rejetees / total:.0f} %), au-delà du seuil de "
            f"{100 * MAX_REJECTED_SHARE:.0f} %. Corrigez le fichier (voir les rejets) ou "
            "relancez avec --force."
        )

    store = runtime.store
    current = store.count("source", report.source)
    writers = [_removal_guard(report, current, force)]
    for writer in runtime.store_writers():
        writers.append(_with_progress(writer, progress) if progress else writer)
    pause = float(runtime.settings.get("IMPORT_PAUSE_BEFORE_COMMIT") or 0)
    if pause > 0:
        writers.append(_pause_writer(pause))
    record = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "fichiers": [f.path.name for f in files],
        "empreinte_fichiers": hashlib.sha256("".join(f.sha256 for f in files).encode()).hexdigest(),
        "format": report.format,
        "rejetees": report.rejetees,
        "duree_lecture_s": time.monotonic() - started,
    }
    outcome = store.replace("source", report.source, resources, record, writers=writers)
    report.ajoutees = outcome.ajoutees
    report.modifiees = outcome.modifiees
    report.supprimees = outcome.supprimees
    report.inchangees = outcome.inchangees
    # Always: an external engine left stale by an earlier failure catches up.
    runtime.after_store_change()
    report.duree_s = round(time.monotonic() - started, 3)
    return report


def _data_inclusion_scope(report, accepted, rejected, refuse) -> list:
    """One source per file; services whose department cannot be known are rejected."""
    sources = Counter(resource.source for _, resource in accepted)
    if len(sources) > 1:
        listing = ", ".join(f"{s} : {n} service(s)" for s, n in sources.most_common())
        refuse(
            f"Le fichier mêle plusieurs sources data·inclusion ({listing}) : importez une "
            "source à la fois (l'import remplace les ressources de sa source)."
        )
    report.source = next(iter(sources), None)
    departements = {r.departement for _, r in accepted if r.departement}
    if report.departement is None and len(departements) == 1:
        report.departement = next(iter(departements))
    reason = (
        "département introuvable : ni code_insee, ni zone_eligibilite d'un seul département, "
        "ni --departement"
    )
    rejected.extend(
        _rejection(origin, [("departement", reason)]) for origin, r in accepted if not r.departement
    )
    return [item for item in accepted if item[1].departement]


def _department_scope(report, accepted, refuse) -> None:
    """One department per import: ``--departement``, else the only one the rows name."""
    departements = Counter(r.departement for _, r in accepted if r.departement)
    if report.departement is None and len(departements) > 1:
        listing = ", ".join(f"{d} : {n} ligne(s)" for d, n in sorted(departements.items()))
        refuse(
            f"Les lignes relèvent de plusieurs départements ({listing}) : précisez celui "
            "qui publie ces ressources avec --departement."
        )
    report.departement = report.departement or next(iter(departements), None)
    if report.departement is not None:
        report.source = source_of_departement(report.departement)
    for _, resource in accepted:
        resource.source = report.source
        resource.departement = resource.departement or report.departement


def source_of_departement(departement: str) -> str:
    """The source of a department's own files: ``cd51``, ``cd2a``, ``cd974``."""
    return f"cd{departement.lower()}"


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


def _validate(
    files: list[SourceFile], validator: RowValidator, is_di: bool, progress: Progress | None
) -> tuple[list[tuple[tuple, Resource]], list[Rejection]]:
    """Every row → an accepted resource (with its origin) or a rejection."""
    accepted: list[tuple[tuple, Resource]] = []
    rejected: list[Rejection] = []
    total = sum(len(f.rows) for f in files)
    several = len(files) > 1
    done = 0
    for source_file in files:
        name = str(source_file.path)
        short = source_file.path.name
        validator.unnamed = tuple(
            c for c in source_file.columns if c.startswith(formats.UNNAMED_PREFIX)
        )
        for line, raw in source_file.rows:
            origin = (name, line, raw)
            where = f"{short} ligne {line}" if several else f"ligne {line}"
            if is_di:
                if ROW_ERROR in raw:
                    rejected.append(_rejection(origin, [raw[ROW_ERROR]]))
                    continue
                row, source, errors = data_inclusion_row(raw)
                if errors:
                    rejected.append(_rejection(origin, errors))
                    continue
                resource, errors = validator.validate(row, where)
                if resource is not None:
                    resource.source = source
            else:
                resource, errors = validator.validate(raw, where)
            if resource is None:
                rejected.append(_rejection(origin, errors))
            else:
                accepted.append((origin, resource))
            done += 1
            if progress and done % PROGRESS_EVERY == 0:
                progress("validation", done, total)
    if progress:
        progress("validation", total, total)
    return accepted, rejected


def _rejection(origin: tuple, errors: list[tuple[str, str]]) -> Rejection:
    name, line, raw = origin
    fields = list(dict.fromkeys(f for f, _ in errors))
    motif = " ; ".join(f"{f} : {reason}" if f != "*" else reason for f, reason in errors)
    return Rejection(name, line, ", ".join(fields), motif, raw)


def _assign_ids(
    accepted: list[tuple[tuple, Resource]], rejected: list[Rejection], source: str | None
) -> list[Resource]:
    """``<source>--<id>``; the second row with an id already seen is rejected."""
    seen: dict[str, tuple] = {}
    resources = []
    for origin, resource in accepted:
        source_id = resource.source_id
        prefix = f"{resource.source}--"
        resource.id = source_id if source_id.startswith(prefix) else prefix + source_id
        first = seen.get(resource.id)
        if first is not None:
            where = (
                f"ligne {first[1]}"
                if first[0] == origin[0]
                else f"{Path(first[0]).name} ligne {first[1]}"
            )
            if str(origin[2].get("id") or "").strip():
                reason = f"identifiant « {source_id} » en double (déjà utilisé {where})"
            else:
                reason = (
                    f"ressource en double : même structure, même nom et même lieu qu'à la {where}"
                )
            rejected.append(_rejection(origin, [("id", reason)]))
            continue
        seen[resource.id] = origin
        resources.append(resource)
    return resources


def _geocode(resources: list[Resource], directory, geocoder: Geocoder) -> None:
    """Coordinates for resources whose file gave none usable (commune known)."""
    for resource in resources:
        if resource.latitude is None and resource.code_insee:
            commune = directory.get(resource.code_insee)
            if commune is not None:
                lat, lon, precision = geocoder.locate(
                    resource.adresse, resource.code_postal, commune
                )
                resource.latitude, resource.longitude = lat, lon
                resource.precision_geo = precision


class _Refusal:
    """Writes the rejects file once, and refuses the import (``ImportRefused``)."""

    def __init__(self, report: ImportReport, rejected: list[Rejection], path, runtime):
        self.report, self.rejected, self.path, self.runtime = report, rejected, path, runtime
        self.written = False

    def write_rejects(self) -> None:
        if self.written:
            return
        order = {name: index for index, name in enumerate(self.report.fichiers)}
        self.rejected.sort(key=lambda r: (order.get(r.fichier, 0), r.ligne))
        self.report.rejets = self.rejected
        self.report.rejetees = len(self.rejected)
        self.report.rejets_fichier = write_rejects(
            self.rejected, self.path, self.runtime, self.report
        )
        self.written = True

    def __call__(self, message: str):
        self.write_rejects()
        raise ImportRefused(message, self.report)


def _removal_guard(report: ImportReport, current: int, force: bool):
    """A writer run first in the transaction: it sees the exact ids about to be removed and
    rolls everything back when too many would go."""

    def guard(conn, removed, upserted) -> None:
        report.supprimees = len(removed or ())
        if not force and current and report.supprimees > MAX_REMOVED_SHARE * current:
            raise ImportRefused(
                f"Import refusé : il supprimerait {report.supprimees} des {current} ressources "
                f"actuelles de la source {report.source} (plus de la moitié). Vérifiez que "
                "l'export est complet, ou relancez avec --force.",
                report,
            )

    return guard


def _with_progress(writer, progress: Progress):
    """The same writer fed in chunks, to report progress (same result: each chunk replaces
    its own ids)."""

    def run(conn, removed, upserted) -> None:
        writer(conn, removed, [])
        total = len(upserted)
        for start in range(0, total, WRITE_CHUNK):
            writer(conn, [], upserted[start : start + WRITE_CHUNK])
            progress("ecriture", min(start + WRITE_CHUNK, total), total)
        progress("ecriture", total, total)

    return run


def _pause_writer(seconds: float):
    def pause(conn, removed, upserted) -> None:
        print(PAUSE_MARKER, file=sys.stderr, flush=True)
        time.sleep(seconds)

    return pause


# --- rejects file ---


def _spreadsheet_safe(value: object) -> str:
    """A cell value that a spreadsheet will not run as a formula (OWASP: prefix with ')."""
    text = "" if value is None else value if isinstance(value, str) else str(value)
    if text and (text[0] in FORMULA_TRIGGERS or text[0] in "\t\r"):
        return "'" + text
    return text


def write_rejects(
    rejected: list[Rejection], path: str | Path | None, runtime, report: ImportReport
) -> str | None:
    """Write the rejects CSV (``;``, UTF-8 with BOM: Excel opens it as is). Without an
    explicit path, nothing is written when nothing was rejected."""
    if path is None:
        if not rejected:
            return None
        folder = runtime.data_dir / "rejets"
        folder.mkdir(parents=True, exist_ok=True)
        label = report.departement or report.source or "import"
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = folder / f"{stamp}-{label}.csv"
        counter = 2
        while path.exists():
            path = folder / f"{stamp}-{label}-{counter}.csv"
            counter += 1
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    columns: dict[str, None] = {}
    for rejection in rejected:
        for key in rejection.donnees:
            if key != ROW_ERROR:
                columns.setdefault(key, None)
    head = ["ligne", "champ", "motif", "fichier"]
    original = [c for c in columns if c not in head]
    # Readable by its owner only: rejected rows may hold contacts of professionals-only services.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(descriptor, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(head + original)
        for r in rejected:
            writer.writerow(
                [r.ligne, r.champ, _spreadsheet_safe(r.motif), Path(r.fichier).name]
                + [_spreadsheet_safe(_flatten(r.donnees.get(c))) for c in original]
            )
    return str(path)


def _flatten(value: object) -> object:
    if isinstance(value, list | tuple):
        return "|".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value
