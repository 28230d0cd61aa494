"""Hostile and oversized files: every limit gives a French refusal, the previous data keeps
serving, parser failures are refusals, the rejects file is capped and formula-safe."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import pytest

from indexer.formats import InvalidImportFile
from indexer.importer import import_files

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "import"
HEADER = "id;nom_structure;nom;thematiques;code_insee"


def csv_file(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def good_rows(n: int, prefix: str = "r") -> list[str]:
    return [
        f"{prefix}{i};DÉMO Structure;Service de démonstration {i};sante;51108" for i in range(n)
    ]


def serving(runtime) -> set[str]:
    return {r.id for r in runtime.store.iter_resources()}


@pytest.fixture
def loaded(runtime, tmp_path):
    """A runtime already serving three resources of the Marne."""
    import_files(runtime, [csv_file(tmp_path / "avant.csv", good_rows(3, "avant"))])
    before = serving(runtime)
    assert len(before) == 3
    return runtime, before


# --- a hand-written XLSX: what a script or an attacker produces ---

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Ressources" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)


def _cell(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def sheet_xml(rows: list[list[str]], dimension: str = "A1:E3", prolog: str = "") -> str:
    body = []
    for number, values in enumerate(rows, start=1):
        cells = "".join(_cell(f"{chr(65 + i)}{number}", v) for i, v in enumerate(values))
        body.append(f'<row r="{number}">{cells}</row>')
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{"".join(body)}</sheetData></worksheet>'
    )


def raw_xlsx(path: Path, sheet: str) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


XLSX_HEADER = ["id", "nom_structure", "nom", "thematiques", "code_insee"]


def xlsx_rows(n: int) -> list[list[str]]:
    return [XLSX_HEADER] + [
        [f"x{i}", "DÉMO Structure", f"Service de démonstration {i}", "sante", "51108"]
        for i in range(n)
    ]


def test_hand_written_xlsx_is_read(runtime, tmp_path):
    report = import_files(runtime, [raw_xlsx(tmp_path / "ok.xlsx", sheet_xml(xlsx_rows(3)))])
    assert (report.acceptees, report.rejetees) == (3, 0)


def test_declared_dimension_is_ignored(runtime, tmp_path):
    # The sheet claims every cell of Excel: a reader that trusts it pads each row to 16,384
    # cells and a million rows. The two real rows are read, and nothing else.
    sheet = sheet_xml(xlsx_rows(2), dimension="A1:XFD1048576")
    report = import_files(runtime, [raw_xlsx(tmp_path / "dimension.xlsx", sheet)])
    assert (report.acceptees, report.rejetees) == (2, 0)
    assert not any("colonne" in w for w in report.avertissements)


def test_xlsx_cell_beyond_the_column_limit_is_refused(loaded, tmp_path):
    runtime, before = loaded
    rows = xlsx_rows(1)
    sheet = sheet_xml(rows).replace(
        "</row></sheetData>", _cell("XFD2", "loin") + "</row></sheetData>"
    )
    with pytest.raises(InvalidImportFile, match=r"XFD2.*200 colonnes.*RELAIS_IMPORT_MAX_COLUMNS"):
        import_files(runtime, [raw_xlsx(tmp_path / "large.xlsx", sheet)])
    assert serving(runtime) == before


def test_xlsx_zip_bomb_of_rows_is_refused(loaded, tmp_path):
    runtime, before = loaded
    runtime.settings["IMPORT_MAX_ROWS"] = 1000
    sheet = sheet_xml(xlsx_rows(5000))
    path = raw_xlsx(tmp_path / "bombe.xlsx", sheet)
    assert path.stat().st_size * 10 < len(sheet)  # highly compressed
    with pytest.raises(InvalidImportFile, match=r"plus de 1000 lignes.*RELAIS_IMPORT_MAX_ROWS"):
        import_files(runtime, [path])
    assert serving(runtime) == before


def test_xlsx_decompressed_size_is_bounded(loaded, tmp_path):
    runtime, before = loaded
    runtime.settings["IMPORT_MAX_BYTES"] = 50_000
    path = raw_xlsx(tmp_path / "gros.xlsx", sheet_xml(xlsx_rows(2000)))
    with pytest.raises(InvalidImportFile, match=r"décompressé.*RELAIS_IMPORT_MAX_BYTES"):
        import_files(runtime, [path])
    assert serving(runtime) == before


@pytest.mark.parametrize("shared", [False, True])
def test_xlsx_huge_cell_is_refused_before_parsing(loaded, tmp_path, shared):
    runtime, before = loaded
    huge = "x" * 40_000
    rows = xlsx_rows(1)
    rows[1][2] = huge
    sheet = sheet_xml(rows)
    path = tmp_path / "cellule.xlsx"
    raw_xlsx(path, sheet)
    if shared:  # the same text through the shared strings table
        strings = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"<si><t>{huge[:20_000]}</t><r><t>{huge[20_000:]}</t></r></si></sst>"
        )
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr("xl/sharedStrings.xml", strings)
    with pytest.raises(InvalidImportFile, match=r"32767 caractères.*RELAIS_IMPORT_MAX_CELL"):
        import_files(runtime, [path])
    assert serving(runtime) == before


BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>'
)
EXTERNAL_ENTITY = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize("prolog", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["expansion", "externe"])
def test_xlsx_entities_are_refused_with_exit_code_2(loaded, runner, tmp_path, prolog):
    runtime, before = loaded
    rows = xlsx_rows(1)
    rows[1][2] = "&lol2;" if prolog == BILLION_LAUGHS else "&xxe;"
    path = raw_xlsx(tmp_path / "entites.xlsx", sheet_xml(rows, prolog=prolog))
    result = runner(["import", str(path), "--json"])
    assert result.exit_code == 2
    answer = json.loads(result.stdout)
    assert "DTD" in answer["refus"] and "entités" in answer["refus"]
    assert "Traceback" not in result.output
    assert serving(runtime) == before


def test_json_nested_too_deep_is_refused(loaded, runner, tmp_path):
    runtime, before = loaded
    path = tmp_path / "profond.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = runner(["import", str(path), "--json"])
    assert result.exit_code == 2, result.output
    assert "imbriqué trop profondément" in json.loads(result.stdout)["refus"]
    assert "Traceback" not in result.output
    assert serving(runtime) == before


def test_large_json_document_is_refused_but_json_lines_are_streamed(loaded, tmp_path, monkeypatch):
    from indexer import formats

    runtime, before = loaded
    monkeypatch.setattr(formats, "JSON_DOCUMENT_MAX_BYTES", 1000)
    services = [di_service(n) for n in range(20)]
    document = tmp_path / "gros.json"
    document.write_text(json.dumps(services, indent=1), encoding="utf-8")
    with pytest.raises(InvalidImportFile, match="JSON Lines"):
        import_files(runtime, [document])
    assert serving(runtime) == before
    lines = tmp_path / "gros.jsonl"
    lines.write_text("\n".join(json.dumps(s) for s in services), encoding="utf-8")
    assert import_files(runtime, [lines]).acceptees == 20


def di_service(number: int) -> dict:
    return {
        "id": f"svc-{number}",
        "source": "demo-source",
        "structure_id": "structure-demo",
        "nom": f"Service data·inclusion {number} (démo)",
        "description": "Données de démonstration.",
        "date_maj": "2025-01-10",
        "thematiques": ["sante--acces-aux-soins"],
        "code_insee": "51108",
    }


def test_json_lines_one_bad_line_is_one_rejected_line(runtime, tmp_path):
    path = tmp_path / "services.jsonl"
    lines = [json.dumps(di_service(n)) for n in range(9)]
    lines.insert(3, "[" * 100_000)  # nested too deep on its own line
    lines.insert(6, '{"id": "coupé", ')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_files(runtime, [path], force=True)
    assert report.acceptees == 9
    assert [(r.ligne, r.champ) for r in report.rejets] == [(4, "*"), (7, "*")]
    assert "imbriqué trop profondément" in report.rejets[0].motif
    assert "JSON invalide" in report.rejets[1].motif


def test_json_lines_with_a_broken_first_line(runtime, tmp_path):
    path = tmp_path / "services.jsonl"
    lines = ['{"id": "coupé", '] + [json.dumps(di_service(n)) for n in range(5)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_files(runtime, [path], force=True)
    assert report.acceptees == 5
    assert [(r.ligne, r.champ) for r in report.rejets] == [(1, "*")]


# --- CSV limits ---


def test_csv_size_rows_and_columns_limits(loaded, tmp_path):
    runtime, before = loaded
    path = csv_file(tmp_path / "lignes.csv", good_rows(30))
    runtime.settings["IMPORT_MAX_ROWS"] = 10
    with pytest.raises(InvalidImportFile, match=r"plus de 10 lignes"):
        import_files(runtime, [path])
    runtime.settings["IMPORT_MAX_ROWS"] = 1000
    runtime.settings["IMPORT_MAX_BYTES"] = 100
    with pytest.raises(InvalidImportFile, match=r"au-delà de la limite.*RELAIS_IMPORT_MAX_BYTES"):
        import_files(runtime, [path])
    runtime.settings["IMPORT_MAX_BYTES"] = 10**9
    wide = csv_file(
        tmp_path / "large.csv", ["a;" * 300 + "b"], header=";".join(f"c{i}" for i in range(301))
    )
    with pytest.raises(InvalidImportFile, match=r"301 colonnes.*200"):
        import_files(runtime, [wide])
    assert serving(runtime) == before


def test_unclosed_quote_swallowing_the_file_is_one_refusal(loaded, tmp_path):
    # A multi-line quoted cell past the cell limit: one clear refusal, not a reject for
    # every line the runaway quote swallowed.
    runtime, before = loaded
    runtime.settings["IMPORT_MAX_CELL"] = 1000
    rows = good_rows(2) + ['q1;DÉMO Structure;"Guillemet jamais fermé;sante;51108']
    rows += [
        f"ligne {i} d'un texte collé qui n'en finit pas ; encore ; et encore" for i in range(200)
    ]
    path = csv_file(tmp_path / "guillemet.csv", rows)
    with pytest.raises(InvalidImportFile, match=r"ligne 4 du fichier.*1000 caractères.*guillemet"):
        import_files(runtime, [path])
    assert serving(runtime) == before


def test_line_without_end_is_refused(loaded, tmp_path):
    runtime, before = loaded
    runtime.settings["IMPORT_MAX_CELL"] = 100
    runtime.settings["IMPORT_MAX_COLUMNS"] = 10
    path = tmp_path / "sans-fin.csv"
    path.write_text(HEADER + "\n" + "x" * 50_000, encoding="utf-8")
    with pytest.raises(InvalidImportFile, match=r"ligne 2 du fichier dépasse"):
        import_files(runtime, [path])
    assert serving(runtime) == before


# --- the rejects file and the --json output ---


def test_rejects_are_capped_with_the_count_left_out(runtime, runner, tmp_path):
    runtime.settings["IMPORT_MAX_REJECTS"] = 3
    bad = [f"b{i};DÉMO Structure;Service sans thématique {i};inconnue;51108" for i in range(10)]
    path = csv_file(tmp_path / "rejets.csv", good_rows(2) + bad)
    rejects = tmp_path / "rejets-sortie.csv"
    result = runner(["import", str(path), "--force", "--json", "--rejets", str(rejects)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["rejetees"], len(summary["rejets"]), summary["rejets_omis"]) == (10, 3, 7)
    with rejects.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert len(rows) == 1 + 3 + 1
    assert "7 autre(s) ligne(s) rejetée(s)" in rows[-1][2]


def test_rejects_file_neutralises_formulas_in_header_and_file_name(runtime, tmp_path):
    path = tmp_path / "=x.json"
    services = [di_service(n) for n in range(6)]
    services[0]["=1+1"] = "valeur"
    services[0]["thematiques"] = ["inconnue"]
    path.write_text(json.dumps(services), encoding="utf-8")
    report = import_files(runtime, [path], force=True)
    assert report.rejetees == 1
    with open(report.rejets_fichier, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert "'=1+1" in rows[0]
    assert rows[1][3] == "'=x.json"
    for row in rows:
        assert not any(cell[:1] in "=+-@" for cell in row if cell)
