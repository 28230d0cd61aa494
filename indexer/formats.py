"""Readers for the files departments send: CSV, XLSX and data·inclusion v1 (JSON, JSON Lines).

``open_file`` reads a file's header at once and its rows lazily: ``SourceFile.rows`` yields
``(line_number, raw)`` pairs as the file is read, so that a large file is never held in
memory (a JSON array, which cannot be parsed piecewise, is the exception: its size is bounded
by ``Limits.max_bytes``). ``raw`` maps a normalised column name (``"Code INSEE"`` →
``code_insee``) to the cell's value, untouched otherwise: validation happens in
``indexer.validation``. A file that cannot be read at all, or that breaks one of the
``Limits``, raises ``InvalidImportFile`` with a French message (possibly while its rows are
being read: nothing is written then); a single unreadable row is yielded with a ``ROW_ERROR``
entry so that it is rejected like any other bad row, never dropped.

Line numbers are what the person fixing the file sees: for CSV the record's row in a
spreadsheet (the header is line 1), for XLSX the sheet's row number, for a JSON array the
item's position (1-based), for JSON Lines the line of the file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from indexer.errors import InvalidImportFile
from indexer.header import UNNAMED_PREFIX, column_key, header_keys, too_many_rows
from indexer.limits import Limits, megabytes
from indexer.textfile import TextLines, decode

__all__ = [
    "FORMATS",
    "ROW_ERROR",
    "UNNAMED_PREFIX",
    "InvalidImportFile",
    "SourceFile",
    "TextLines",
    "column_key",
    "decode",
    "detect_format",
    "open_file",
]

FORMATS = ("auto", "csv", "xlsx", "data-inclusion")
TABULAR = ("csv", "xlsx")

# Key of the explanation attached to a row that could not be parsed (wrong field count…).
ROW_ERROR = "__erreur__"

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
# A JSON document (not JSON Lines) is parsed whole: several times its size in memory.
JSON_DOCUMENT_MAX_BYTES = 256 * 1024**2


@dataclass
class SourceFile:
    """One file opened for import: its format, columns and (lazily read) rows.

    ``warnings`` grows while ``rows`` is consumed (encoding repairs, blank lines…); read it
    once the rows are exhausted. ``columns`` may grow too (XLSX cells beyond the header)."""

    path: Path
    format: str
    columns: list[str]
    rows: Iterator[tuple[int, dict]]
    sha256: str
    warnings: list[str] = field(default_factory=list)
    # Releases the open file when the rows are not read to the end (an import refused early).
    close: Callable[[], None] = lambda: None


def detect_format(path: Path, data: bytes, fmt: str = "auto") -> str:
    """The format to read ``path`` with: the one asked, else by extension, else by content
    (``data``: the file's first bytes)."""
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


def open_file(path: str | Path, fmt: str = "auto", limits: Limits | None = None) -> SourceFile:
    """Open one file for import: format, header and a lazy iterator over its rows.

    Raises ``InvalidImportFile`` (French message) when the file is unreadable, too large
    (``limits.max_bytes``) or its header is wrong; reading the rows may raise it too when a
    limit is hit (rows, columns, an unclosed quote swallowing the file).
    """
    path = Path(path)
    limits = limits or Limits()
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
            size = path.stat().st_size
            handle.seek(0)
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as exc:
        raise InvalidImportFile(f"Impossible de lire {path} : {exc.strerror or exc}.") from exc
    fmt = detect_format(path, head, fmt)
    if fmt == "xlsx":
        from indexer.xlsx import read_xlsx  # only XLSX imports pay for openpyxl

        columns, rows, warnings, close = read_xlsx(path, limits)
        return SourceFile(path, fmt, columns, rows, digest, warnings, close)
    if size > limits.max_bytes:
        raise InvalidImportFile(
            f"{path.name} : le fichier fait {megabytes(size)}, au-delà de la limite de "
            f"{megabytes(limits.max_bytes)} (réglage RELAIS_IMPORT_MAX_BYTES) : fichier refusé."
        )
    warnings: list[str] = []
    if fmt == "csv":
        columns, rows, close = read_csv(path, limits, warnings)
    else:
        columns, (rows, close) = [], read_data_inclusion(path, limits, warnings)
    return SourceFile(path, fmt, columns, rows, digest, warnings, close)


# --- CSV ---


def read_csv(
    path: Path, limits: Limits, warnings: list[str]
) -> tuple[list[str], Iterator[tuple[int, dict]], Callable[[], None]]:
    """Columns, lazy rows and closer of a CSV file whose separator (``;``, ``,`` or tab) is
    guessed from the header. The file stays open until the rows are exhausted."""
    handle = path.open("rb")
    try:
        lines = TextLines(handle, path.name, limits)
        blocks = lines.blocks()
        _, first_block = next(blocks, (1, ""))
        first_line = next(io.StringIO(first_block, newline=""), "")
        if not first_line.strip():
            raise InvalidImportFile(f"{path.name} : le fichier est vide.")
        counts = {sep: first_line.count(sep) for sep in _SEPARATORS}
        separator = max(_SEPARATORS, key=lambda s: counts[s])
        if not counts[separator]:
            raise InvalidImportFile(
                f"{path.name} : séparateur de colonnes non reconnu dans la première ligne "
                "(attendu : point-virgule, virgule ou tabulation)."
            )
        texts = itertools.chain([first_block], (text for _, text in blocks))
        # StringIO(newline=""): records end at \n or \r only, not at the other characters
        # str.splitlines() treats as line breaks (form feed, U+2028…), which may sit in a field.
        source = itertools.chain.from_iterable(io.StringIO(t, newline="") for t in texts)
        reader = csv.reader(source, delimiter=separator)
        try:
            header = next(reader)
        except csv.Error as exc:
            raise InvalidImportFile(f"{path.name} : en-tête illisible ({exc}).") from exc
        columns = header_keys(header, path, limits)
    except BaseException:
        handle.close()
        raise
    rows = _csv_rows(handle, lines, reader, columns, path, limits, warnings)
    return columns, rows, handle.close


def _csv_rows(handle, lines, reader, columns, path, limits, warnings):
    width = len(columns)
    blank = 0
    record = 1  # the header is record (and spreadsheet row) 1
    previous_limit = csv.field_size_limit(limits.max_cell)
    try:
        while True:
            physical_start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                record += 1
                if "field larger" in str(exc) and reader.line_num > physical_start:
                    raise InvalidImportFile(
                        f"{path.name} : à partir de la ligne {physical_start} du fichier, un "
                        f"champ entre guillemets dépasse {limits.max_cell} caractères et "
                        "s'étend sur plusieurs lignes (guillemet non fermé ?) : fichier refusé."
                    ) from exc
                # The C reader resumes at the next physical line: keep going, reject this one.
                yield record, {ROW_ERROR: ("*", f"ligne illisible ({_csv_reason(exc)})")}
                continue
            record += 1
            if record - 1 > limits.max_rows:
                raise too_many_rows(path.name, limits)
            if not "".join(cells).strip():  # every cell blank (one C call, not forty)
                blank += 1
                continue
            if len(cells) == width:
                yield record, dict(zip(columns, cells, strict=True))
                continue
            if len(cells) > limits.max_columns:
                raise InvalidImportFile(
                    f"{path.name} : la ligne {record} compte {len(cells)} champs, au-delà de la "
                    f"limite de {limits.max_columns} colonnes (réglage "
                    "RELAIS_IMPORT_MAX_COLUMNS) : fichier refusé."
                )
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
            yield record, raw
    finally:
        csv.field_size_limit(previous_limit)
        handle.close()
    warnings.extend(lines.warnings())
    if blank:
        warnings.append(f"{path.name} : {blank} ligne(s) vide(s) ignorée(s).")


def _csv_reason(exc: csv.Error) -> str:
    message = str(exc)
    if "field larger than field limit" in message:
        return f"champ de plus de {csv.field_size_limit()} caractères"
    return message


# --- data·inclusion ---


def read_data_inclusion(
    path: Path, limits: Limits, warnings: list[str]
) -> tuple[Iterator[tuple[int, dict]], Callable[[], None]]:
    """Services of a data·inclusion file, lazily: JSON Lines (one service per line, read
    line by line; a bad line is one rejected row), or a JSON document (an array, an API page
    ``{"items": […]}`` or one object), parsed whole."""
    handle = path.open("rb")
    try:
        lines = TextLines(handle, path.name, limits)
        source = iter(lines)
        first = next((line for line in source if line.strip()), "")
        if not first:
            raise InvalidImportFile(f"{path.name} : le fichier est vide.")
        document = _json_line(first)
        if isinstance(document, dict) and not isinstance(document.get("items"), list):
            # The handle now belongs to the generator, which closes it.
            rows = _json_lines(handle, lines, _chain(first, source), path, limits, warnings)
            return rows, handle.close
        if path.stat().st_size > JSON_DOCUMENT_MAX_BYTES:
            raise InvalidImportFile(
                f"{path.name} : un document JSON de plus de "
                f"{megabytes(JSON_DOCUMENT_MAX_BYTES)} se lit d'un bloc en mémoire : "
                "fichier refusé ; exportez-le en JSON Lines (un service par ligne)."
            )
        text = first + "".join(source)
    except BaseException:
        handle.close()
        raise
    handle.close()
    warnings.extend(lines.warnings())
    return _json_document(text, path, limits), lambda: None


def _json_line(line: str) -> object:
    try:
        return json.loads(line)
    except (ValueError, RecursionError):
        return None


def _json_document(text: str, path: Path, limits: Limits) -> Iterator[tuple[int, dict]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        if text.lstrip().startswith("{"):  # JSON Lines whose first line is broken
            lines = _Numbered(text)
            return _json_lines(None, lines, iter(lines), path, limits, [])
        raise InvalidImportFile(
            f"{path.name} : JSON invalide ligne {exc.lineno}, colonne {exc.colno} ({exc.msg})."
        ) from exc
    except RecursionError as exc:
        raise InvalidImportFile(
            f"{path.name} : JSON imbriqué trop profondément pour être lu : fichier refusé."
        ) from exc
    del text
    if isinstance(document, dict) and isinstance(document.get("items"), list):
        document = document["items"]
    if isinstance(document, dict):
        document = [document]
    if not isinstance(document, list):
        raise InvalidImportFile(
            f"{path.name} : un fichier data·inclusion est une liste de services JSON."
        )
    if len(document) > limits.max_rows:
        raise too_many_rows(path.name, limits)
    return ((index, _unwrap(item)) for index, item in enumerate(document, start=1))


def _json_lines(handle, lines, source, path, limits, warnings):
    try:
        count = 0
        for text in source:
            if not text.strip():
                continue
            count += 1
            if count > limits.max_rows:
                raise too_many_rows(path.name, limits)
            try:
                item = json.loads(text)
            except json.JSONDecodeError as exc:
                yield (
                    lines.line,
                    {ROW_ERROR: ("*", f"JSON invalide ({exc.msg}, colonne {exc.colno})")},
                )
                continue
            except RecursionError:
                yield lines.line, {ROW_ERROR: ("*", "JSON imbriqué trop profondément")}
                continue
            yield lines.line, _unwrap(item)
    finally:
        if handle is not None:
            handle.close()
    warnings.extend(lines.warnings())


class _Numbered:
    """The lines of a text already in memory, counted as ``TextLines`` counts them."""

    def __init__(self, text: str):
        self.text, self.line = text, 0

    def __iter__(self) -> Iterator[str]:
        for line in self.text.splitlines(keepends=True):
            self.line += 1
            yield line

    def warnings(self) -> list[str]:
        return []


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _unwrap(item: object) -> dict:
    """A service, also when wrapped as in data·inclusion's search results ``{"service": …}``."""
    if not isinstance(item, dict):
        return {ROW_ERROR: ("*", "un service doit être un objet JSON")}
    if "id" not in item and isinstance(item.get("service"), dict):
        return item["service"]
    return item
