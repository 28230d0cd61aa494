"""Readers for the files departments send: CSV, XLSX and data·inclusion v1 (JSON, JSON Lines).

Each reader yields ``(line_number, raw)`` pairs, where ``raw`` maps a normalised column name
(``"Code INSEE"`` → ``code_insee``) to the cell's value, untouched otherwise: validation
happens in ``indexer.validation``. A file that cannot be read at all raises
``InvalidImportFile`` with a French message; a single unreadable row is yielded with a
``ROW_ERROR`` entry so that it is rejected like any other bad row, never dropped.

Line numbers are what the person fixing the file sees: for CSV the record's row in a
spreadsheet (the header is line 1), for XLSX the sheet's row number, for a JSON array the
item's position (1-based), for JSON Lines the line of the file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from resource_base.text import fold

FORMATS = ("auto", "csv", "xlsx", "data-inclusion")
TABULAR = ("csv", "xlsx")

# Key of the explanation attached to a row that could not be parsed (wrong field count…).
ROW_ERROR = "__erreur__"
# Columns without a header (a trailing separator in Excel exports) are named after their
# position, so that their values still reach the rejects file.
UNNAMED_PREFIX = "_colonne_"

_SEPARATORS = (";", ",", "\t")
_EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".json": "data-inclusion",
    ".jsonl": "data-inclusion",
    ".ndjson": "data-inclusion",
}
_HEADER_JUNK = re.compile(r"[^a-z0-9]+")


class InvalidImportFile(ValueError):
    """A file Relais cannot read as a whole: nothing of it is imported."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass
class SourceFile:
    """One file opened for import: its format, columns and rows."""

    path: Path
    format: str
    columns: list[str]
    rows: list[tuple[int, dict]]
    sha256: str
    warnings: list[str] = field(default_factory=list)


def column_key(name: object) -> str:
    """Normalised column name: case, accents, spaces and punctuation folded.

    >>> column_key(" Code INSEE "), column_key("Thématiques")
    ('code_insee', 'thematiques')
    """
    return _HEADER_JUNK.sub("_", fold(str(name or ""))).strip("_")


def detect_format(path: Path, data: bytes, fmt: str = "auto") -> str:
    """The format to read ``path`` with: the one asked, else by extension, else by content."""
    if fmt not in FORMATS:
        raise InvalidImportFile(
            f"Format « {fmt} » inconnu : valeurs possibles {', '.join(FORMATS)}."
        )
    if fmt != "auto":
        return fmt
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise InvalidImportFile(
            f"{path.name} : le format Excel 97-2003 (.xls) n'est pas pris en charge ; "
            "enregistrez le fichier au format .xlsx ou CSV."
        )
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{"):
        return "data-inclusion"
    return "csv"


def read_file(path: str | Path, fmt: str = "auto") -> SourceFile:
    """Open one file and read every row (rows are validated later)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidImportFile(f"Impossible de lire {path} : {exc.strerror or exc}.") from exc
    fmt = detect_format(path, data, fmt)
    digest = hashlib.sha256(data).hexdigest()
    if fmt == "csv":
        text, warnings = decode(data, path)
        columns, rows, more = read_csv(text, path)
        return SourceFile(path, fmt, columns, rows, digest, warnings + more)
    if fmt == "xlsx":
        columns, rows, warnings = read_xlsx(path)
        return SourceFile(path, fmt, columns, rows, digest, warnings)
    text, warnings = decode(data, path)
    rows = read_data_inclusion(text, path)
    return SourceFile(path, fmt, [], rows, digest, warnings)


def decode(data: bytes, path: Path) -> tuple[str, list[str]]:
    """Text of a file exported by Excel or another tool: UTF-8 (with or without BOM), UTF-16
    with BOM (Excel's « texte Unicode »), else Windows-1252 (Excel's default in France)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError as exc:
            raise InvalidImportFile(f"{path.name} : fichier UTF-16 illisible ({exc}).") from exc
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise InvalidImportFile(
            f"{path.name} : encodage non reconnu (ni UTF-8 ni Windows-1252, octet illisible "
            f"à la position {exc.start}) ; enregistrez le fichier en « CSV UTF-8 »."
        ) from exc
    return text, [f"{path.name} : fichier lu en Windows-1252 (il n'est pas en UTF-8)."]


def _header(cells: list, path: Path) -> list[str]:
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


def read_csv(text: str, path: Path) -> tuple[list[str], list[tuple[int, dict]], list[str]]:
    """Rows of a CSV file whose separator (``;``, ``,`` or tab) is guessed from the header."""
    first_line = text[: text.find("\n")] if "\n" in text else text
    counts = {sep: first_line.count(sep) for sep in _SEPARATORS}
    separator = max(_SEPARATORS, key=lambda s: counts[s])
    if not counts[separator]:
        raise InvalidImportFile(
            f"{path.name} : séparateur de colonnes non reconnu dans la première ligne "
            "(attendu : point-virgule, virgule ou tabulation)."
        )
    # StringIO(newline=""): records end at \n or \r only, not at the other characters
    # str.splitlines() treats as line breaks (form feed, U+2028…), which may sit in a field.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidImportFile(f"{path.name} : le fichier est vide.") from None
    except csv.Error as exc:
        raise InvalidImportFile(f"{path.name} : en-tête illisible ({exc}).") from exc
    columns = _header(header, path)
    width = len(columns)
    rows: list[tuple[int, dict]] = []
    warnings: list[str] = []
    blank = 0
    record = 1  # the header is record (and spreadsheet row) 1
    while True:
        physical_start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # The C reader resumes at the next physical line: keep going, reject this one.
            record += 1
            rows.append((record, {ROW_ERROR: ("*", f"ligne illisible ({_csv_reason(exc)})")}))
            continue
        record += 1
        if not any(c.strip() for c in cells):
            blank += 1
            continue
        if len(cells) != width:
            raw = dict(zip(columns, cells, strict=False))
            for extra, value in enumerate(cells[width:], start=width + 1):
                raw[f"{UNNAMED_PREFIX}{extra}"] = value
            reason = f"la ligne compte {len(cells)} champ(s) au lieu de {width}"
            if reader.line_num - physical_start > 0:
                reason += (
                    f" et s'étend sur les lignes {physical_start} à {reader.line_num} du fichier"
                    " (guillemet non fermé ?)"
                )
            else:
                reason += " (séparateur manquant ou en trop ?)"
            raw[ROW_ERROR] = ("*", reason)
            rows.append((record, raw))
            continue
        rows.append((record, dict(zip(columns, cells, strict=True))))
    if blank:
        warnings.append(f"{path.name} : {blank} ligne(s) vide(s) ignorée(s).")
    return columns, rows, warnings


def _csv_reason(exc: csv.Error) -> str:
    message = str(exc)
    if "field larger than field limit" in message:
        return f"champ de plus de {csv.field_size_limit()} caractères"
    return message


def _cell(value: object) -> str:
    """A spreadsheet cell as text, undoing what Excel does to codes and dates."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def read_xlsx(path: Path) -> tuple[list[str], list[tuple[int, dict]], list[str]]:
    """Rows of the first sheet of an XLSX workbook (cached values, never formulas)."""
    from openpyxl import load_workbook  # imported here: only XLSX imports pay for it

    try:
        # data_only: the values Excel computed and showed, not the formulas behind them.
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InvalidImportFile(
            f"{path.name} : classeur XLSX illisible ({exc.__class__.__name__} : {exc})."
        ) from exc
    warnings: list[str] = []
    try:
        sheets = workbook.worksheets
        if not sheets:
            raise InvalidImportFile(f"{path.name} : le classeur ne contient aucune feuille.")
        sheet = sheets[0]
        if len(sheets) > 1:
            warnings.append(
                f"{path.name} : seule la première feuille (« {sheet.title} ») est lue, "
                f"{len(sheets) - 1} autre(s) ignorée(s)."
            )
        columns: list[str] | None = None
        rows: list[tuple[int, dict]] = []
        extras: set[int] = set()  # cells beyond the header's last column
        blank = 0
        for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            cells = [_cell(v) for v in values]
            while cells and not cells[-1].strip():
                cells.pop()
            if columns is None:
                if cells:
                    columns = _header(cells, path)
                continue
            if not cells:
                blank += 1
                continue
            raw = dict(zip(columns, cells, strict=False))
            for extra, value in enumerate(cells[len(columns) :], start=len(columns) + 1):
                raw[f"{UNNAMED_PREFIX}{extra}"] = value
                extras.add(extra)
            rows.append((number, raw))
    finally:
        workbook.close()
    if columns is None:
        raise InvalidImportFile(f"{path.name} : la première feuille est vide.")
    columns += [f"{UNNAMED_PREFIX}{extra}" for extra in sorted(extras)]
    if blank:
        warnings.append(f"{path.name} : {blank} ligne(s) vide(s) ignorée(s).")
    return columns, rows, warnings


def read_data_inclusion(text: str, path: Path) -> list[tuple[int, dict]]:
    """Services of a data·inclusion file: a JSON array (or an API page ``{"items": […]}``),
    or JSON Lines (one service per line)."""
    stripped = text.lstrip()
    if not stripped:
        raise InvalidImportFile(f"{path.name} : le fichier est vide.")
    if stripped[0] == "[" or stripped[0] == "{":
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            if stripped[0] == "[":
                raise InvalidImportFile(
                    f"{path.name} : JSON invalide ligne {exc.lineno}, colonne {exc.colno} "
                    f"({exc.msg})."
                ) from exc
            document = None  # several objects: JSON Lines
        if isinstance(document, dict) and isinstance(document.get("items"), list):
            document = document["items"]
        if isinstance(document, dict):
            document = [document]
        if isinstance(document, list):
            return [(index, _unwrap(item)) for index, item in enumerate(document, start=1)]
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            rows.append(
                (number, {ROW_ERROR: ("*", f"JSON invalide ({exc.msg}, colonne {exc.colno})")})
            )
            continue
        rows.append((number, _unwrap(item)))
    return rows


def _unwrap(item: object) -> dict:
    """A service, also when wrapped as in data·inclusion's search results ``{"service": …}``."""
    if not isinstance(item, dict):
        return {ROW_ERROR: ("*", "un service doit être un objet JSON")}
    if "id" not in item and isinstance(item.get("service"), dict):
        return item["service"]
    return item
