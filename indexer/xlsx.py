"""XLSX workbooks, read safely: the first sheet's rows, bounded and streamed.

Before openpyxl parses anything, the archive is checked: its decompressed size against
``Limits.max_bytes`` (zipfile never inflates an entry beyond its declared size), every XML
part refused if it declares a DTD (entity expansion « billion laughs », external entities:
the same rule as defusedxml's ``forbid_dtd``), and the first sheet and the shared strings
scanned once with expat, in pieces, for the row, column and cell-length limits, for formulas
whose value was never computed and for hyperlinks. openpyxl (with defusedxml installed, it
parses through it too) then streams the values in read-only mode, the sheet's declared
dimension ignored (a sheet may claim ``A1:XFD1048576`` to make a reader pad every row).
"""

from __future__ import annotations

import contextlib
import posixpath
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from indexer.errors import InvalidImportFile
from indexer.header import UNNAMED_PREFIX, header_keys, too_many_rows
from indexer.limits import Limits, megabytes

_CHUNK = 1 << 16
_SHOWN = 10
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


class _Refused(Exception):
    """Raised from inside the expat handlers to stop a scan (message in French)."""


class _Stop(Exception):
    """The prolog is over: the DTD check of a part is done."""


@dataclass
class SheetScan:
    """What one pass over the sheet's XML found."""

    rows: int = 0
    formulas_without_value: list[str] = field(default_factory=list)
    hyperlinks: dict[str, str] = field(default_factory=dict)  # cell ref → relationship id


def _column_index(ref: str) -> int:
    """``"AB12"`` → 28."""
    index = 0
    for char in ref:
        if "A" <= char <= "Z":
            index = index * 26 + ord(char) - 64
        else:
            break
    return index


def _parser(name: str) -> expat.XMLParserType:
    """An expat parser that refuses any DTD (hence entities, internal or external)."""
    parser = expat.ParserCreate()

    def refuse(*_args):
        raise _Refused(
            f"{name} : le classeur contient une déclaration de type de document (DTD, entités "
            "XML) : refusé par sécurité. Réenregistrez-le depuis Excel ou LibreOffice."
        )

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return parser


def _feed(archive: zipfile.ZipFile, member: str, parser, name: str) -> None:
    with archive.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            try:
                parser.Parse(chunk, False)
            except expat.ExpatError as exc:
                raise InvalidImportFile(
                    f"{name} : XML illisible dans {member} ({exc}) : classeur refusé."
                ) from exc
        parser.Parse(b"", True)


def _check_prolog(archive: zipfile.ZipFile, member: str, name: str) -> None:
    parser = _parser(name)

    def stop(*_args):
        raise _Stop

    parser.StartElementHandler = stop
    with contextlib.suppress(_Stop):
        _feed(archive, member, parser, name)


def _scan_strings(archive: zipfile.ZipFile, member: str, name: str, limits: Limits) -> None:
    """Every shared string within ``max_cell`` characters (runs of one string summed)."""
    parser = _parser(name)
    parser.buffer_text = False
    state = {"inside": False, "length": 0, "index": 0}

    def start(tag, _attrs):
        tag = tag.rpartition(":")[2]
        if tag == "si":
            state["length"] = 0
            state["index"] += 1
        elif tag == "t":
            state["inside"] = True

    def end(tag):
        if tag.rpartition(":")[2] == "t":
            state["inside"] = False

    def text(data):
        if state["inside"]:
            state["length"] += len(data)
            if state["length"] > limits.max_cell:
                raise _Refused(_cell_too_long(name, f"texte partagé n° {state['index']}", limits))

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = text
    _feed(archive, member, parser, name)


def _cell_too_long(name: str, where: str, limits: Limits) -> str:
    return (
        f"{name} : {where} : une cellule dépasse {limits.max_cell} caractères (réglage "
        "RELAIS_IMPORT_MAX_CELL) : classeur refusé."
    )


def _scan_sheet(archive: zipfile.ZipFile, member: str, name: str, limits: Limits) -> SheetScan:
    scan = SheetScan()
    parser = _parser(name)
    parser.buffer_text = False
    state = {"ref": "", "formula": False, "value": False, "inside": False, "length": 0}

    def start(tag, attrs):
        tag = tag.rpartition(":")[2]
        if tag == "c":
            ref = attrs.get("r", "")
            if _column_index(ref) > limits.max_columns:
                raise _Refused(
                    f"{name} : la cellule {ref} est au-delà de la limite de "
                    f"{limits.max_columns} colonnes (réglage RELAIS_IMPORT_MAX_COLUMNS) : "
                    "classeur refusé."
                )
            state.update(ref=ref, formula=False, value=False, length=0)
        elif tag in ("v", "t"):
            state["inside"] = True  # an empty <v/> (what scripts write) is no value
        elif tag == "f":
            state["formula"] = True
        elif tag == "row":
            scan.rows += 1
            if scan.rows > limits.max_rows + 1:  # + the header
                raise _Refused(too_many_rows(name, limits).message)
        elif tag == "hyperlink":
            rid = next((v for k, v in attrs.items() if k.rpartition(":")[2] == "id"), None)
            if rid and attrs.get("ref"):
                scan.hyperlinks[attrs["ref"].split(":")[0]] = rid

    def end(tag):
        tag = tag.rpartition(":")[2]
        if tag in ("v", "t"):
            state["inside"] = False
        elif tag == "c" and state["formula"] and not state["value"]:
            scan.formulas_without_value.append(state["ref"])

    def text(data):
        if state["inside"]:
            state["value"] = True
            state["length"] += len(data)
            if state["length"] > limits.max_cell:
                raise _Refused(_cell_too_long(name, f"cellule {state['ref']}", limits))

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = text
    _feed(archive, member, parser, name)
    return scan


def _xml(archive: zipfile.ZipFile, member: str):
    try:
        return fromstring(archive.read(member))
    except KeyError:
        return None


def _relationships(archive: zipfile.ZipFile, member: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (target, mode) of a part's ``_rels`` file."""
    folder, base = posixpath.split(member)
    root = _xml(archive, posixpath.join(folder, "_rels", base + ".rels"))
    if root is None:
        return {}
    return {
        rel.get("Id"): (rel.get("Target", ""), rel.get("TargetMode", ""))
        for rel in root.iter(f"{_RELS_NS}Relationship")
    }


def _first_sheet(archive: zipfile.ZipFile) -> tuple[str | None, int]:
    """Path of the first sheet in the archive, and the number of sheets."""
    root = _xml(archive, "xl/workbook.xml")
    if root is None:
        return None, 0
    sheets = list(root.iter(f"{_MAIN_NS}sheet"))
    if not sheets:
        return None, 0
    target, _ = _relationships(archive, "xl/workbook.xml").get(sheets[0].get(_REL), ("", ""))
    if not target:
        return None, len(sheets)
    path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    return posixpath.normpath(path), len(sheets)


def inspect(path: Path, limits: Limits) -> tuple[SheetScan, dict[str, str]]:
    """Check the archive against the limits and for DTDs; return the first sheet's scan and
    its hyperlinks' targets (cell ref → URL or ``mailto:``). Raises ``InvalidImportFile``."""
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            size = sum(info.file_size for info in members)
            if size > limits.max_bytes:
                raise InvalidImportFile(
                    f"{name} : décompressé, le classeur ferait {megabytes(size)}, au-delà de "
                    f"la limite de {megabytes(limits.max_bytes)} (réglage "
                    "RELAIS_IMPORT_MAX_BYTES) : classeur refusé."
                )
            for info in members:
                if info.filename.endswith((".xml", ".rels", ".vml")):
                    _check_prolog(archive, info.filename, name)
            sheet, _count = _first_sheet(archive)
            if sheet is None or sheet not in archive.NameToInfo:
                return SheetScan(), {}
            if "xl/sharedStrings.xml" in archive.NameToInfo:
                _scan_strings(archive, "xl/sharedStrings.xml", name, limits)
            scan = _scan_sheet(archive, sheet, name, limits)
            links = {}
            if scan.hyperlinks:
                targets = _relationships(archive, sheet)
                for ref, rid in scan.hyperlinks.items():
                    target, _mode = targets.get(rid, ("", ""))
                    if target:
                        links[ref] = target
            return scan, links
    except _Refused as exc:
        raise InvalidImportFile(str(exc)) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise InvalidImportFile(
            f"{name} : classeur XLSX illisible ({exc.__class__.__name__} : {exc})."
        ) from exc
    except (DefusedXmlException, ParseError) as exc:
        raise InvalidImportFile(
            f"{name} : XML refusé ou illisible dans le classeur ({exc.__class__.__name__})."
        ) from exc


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


def _is_address(text: str) -> bool:
    lowered = text.strip().lower()
    return "@" in lowered or lowered.startswith(("http://", "https://", "www."))


def _link_value(target: str) -> str:
    """A hyperlink's target as a value: ``mailto:x@y?subject=…`` → ``x@y``."""
    if target.lower().startswith("mailto:"):
        return target[7:].split("?", 1)[0]
    return target


def _column_letters(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_xlsx(
    path: Path, limits: Limits
) -> tuple[list[str], Iterator[tuple[int, dict]], list[str], Callable[[], None]]:
    """Columns, lazy rows, warnings and closer of the first sheet of an XLSX workbook (cached
    values; a hyperlink whose text is not an address gives its target)."""
    from openpyxl import load_workbook

    scan, links = inspect(path, limits)
    warnings: list[str] = []
    if scan.formulas_without_value:
        cells = scan.formulas_without_value
        more = "…" if len(cells) > _SHOWN else ""
        warnings.append(
            f"{path.name} : {len(cells)} cellule(s) contiennent une formule jamais calculée "
            f"(fichier produit par un programme ?), lue(s) comme vide(s) : "
            f"{', '.join(cells[:_SHOWN])}{more}. Ouvrez et enregistrez le classeur dans un "
            "tableur pour calculer les formules."
        )
    try:
        # data_only: the values Excel computed and showed, not the formulas behind them.
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError) as exc:
        raise InvalidImportFile(
            f"{path.name} : classeur XLSX illisible ({exc.__class__.__name__} : {exc})."
        ) from exc
    except (DefusedXmlException, ParseError) as exc:
        raise InvalidImportFile(
            f"{path.name} : XML refusé ou illisible dans le classeur ({exc.__class__.__name__})."
        ) from exc
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
        sheet.reset_dimensions()  # never trust the declared A1:XFD1048576
        rows = enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)
        columns = None
        for number, values in rows:
            cells = _cells(values, number, links)
            if cells:
                columns = header_keys(cells, path, limits)
                break
        if columns is None:
            raise InvalidImportFile(f"{path.name} : la première feuille est vide.")
    except BaseException:
        workbook.close()
        raise
    return columns, _rows(workbook, rows, columns, links, path, warnings), warnings, workbook.close


def _cells(values, number: int, links: dict[str, str], used: list | None = None) -> list[str]:
    cells = [_cell(v) for v in values]
    if links:
        for index, text in enumerate(cells, start=1):
            target = links.get(f"{_column_letters(index)}{number}")
            if target and not _is_address(text):
                cells[index - 1] = _link_value(target)
                if used is not None:
                    used.append(f"{_column_letters(index)}{number}")
    while cells and not cells[-1].strip():
        cells.pop()
    return cells


def _rows(workbook, rows, columns, links, path, warnings):
    width = len(columns)
    blank = 0
    used: list[str] = []
    try:
        for number, values in rows:
            cells = _cells(values, number, links, used)
            if not cells:
                blank += 1
                continue
            raw = dict(zip(columns, cells, strict=False))
            for extra, value in enumerate(cells[width:], start=width + 1):
                key = f"{UNNAMED_PREFIX}{extra}"
                raw[key] = value
                if key not in columns:
                    columns.append(key)
            yield number, raw
    except (DefusedXmlException, ParseError) as exc:
        raise InvalidImportFile(
            f"{path.name} : XML refusé ou illisible dans la feuille ({exc.__class__.__name__})."
        ) from exc
    finally:
        workbook.close()
    if used:
        more = "…" if len(used) > _SHOWN else ""
        warnings.append(
            f"{path.name} : {len(used)} lien(s) hypertexte(s) dont le texte affiché n'est pas "
            f"une adresse : la cible du lien est utilisée ({', '.join(used[:_SHOWN])}{more})."
        )
    if blank:
        warnings.append(f"{path.name} : {blank} ligne(s) vide(s) ignorée(s).")
