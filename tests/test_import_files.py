"""Departmental files as they really come: mixed encodings, XLSX hyperlinks and formulas,
dates written by Excel."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from indexer.formats import decode
from indexer.importer import import_files
from indexer.validation import normalise_phone, parse_date

HEADER = "id;nom_structure;nom;thematiques;code_insee;commune"


def test_utf8_bom_file_with_a_stray_windows_1252_byte(runtime, tmp_path):
    # Excel user pasted one line typed in a Windows-1252 tool into a UTF-8 file.
    lines = [
        HEADER.encode(),
        "a1;DÉMO Structure de Châlons;Écoute et accès aux droits (démo);sante;51108;Châlons-en-Champagne".encode(),
        b"a2;D\xc9MO Structure r\xe9moise;Caf\xe9 solidaire (d\xe9mo);sante;51454;Reims",
        "a3;DÉMO Épicerie;Épicerie sociale (démo);sante;51454;Reims".encode(),
    ]
    path = tmp_path / "bom-melange.csv"
    path.write_bytes(b"\xef\xbb\xbf" + b"\r\n".join(lines) + b"\r\n")
    report = import_files(runtime, [path])
    assert (report.acceptees, report.rejetees) == (3, 0)
    # The file's own ids: the BOM did not turn "id" into an unknown column.
    assert {r.source_id for r in runtime.store.iter_resources()} == {"a1", "a2", "a3"}
    assert not any("inconnue" in w for w in report.avertissements)
    first = runtime.store.get("cd51--a1")
    assert first.nom_structure == "DÉMO Structure de Châlons"  # not « ChÃ¢lons »
    repaired = runtime.store.get("cd51--a2")
    assert (repaired.nom_structure, repaired.nom) == (
        "DÉMO Structure rémoise",
        "Café solidaire (démo)",
    )
    warning = next(w for w in report.avertissements if "non UTF-8" in w)
    assert "lignes 3 du fichier" in warning
    assert not any("fichier lu en Windows-1252" in w for w in report.avertissements)


def test_decode_repairs_per_line():
    text, warnings = decode(b"\xef\xbb\xbfnom\n\xc3\xa9t\xc3\xa9\ncaf\xe9\n", Path("x.csv"))
    assert text == "nom\nété\ncafé\n"
    assert len(warnings) == 1 and "lignes 3" in warnings[0]
    # Without a BOM, the first accented line decides: Windows-1252 for the whole file.
    text, warnings = decode("nom\nété\n".encode("cp1252"), Path("x.csv"))
    assert text == "nom\nété\n" and "Windows-1252" in warnings[0]
    # Old Mac line ends.
    assert decode(b"a;b\r1;2\r", Path("x.csv"))[0] == "a;b\r1;2\r"


def test_old_mac_line_ends(runtime, tmp_path):
    path = tmp_path / "mac.csv"
    path.write_bytes(
        b"\r".join([HEADER.encode(), b"m1;DEMO Structure;Service Mac (demo);sante;51108;"]) + b"\r"
    )
    assert import_files(runtime, [path]).acceptees == 1


# --- XLSX written by people and by programs ---


def make_workbook(path: Path, rows: list[list], links: dict[str, str] | None = None) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for ref, target in (links or {}).items():
        sheet[ref].hyperlink = target
    workbook.save(path)
    return path


XLSX_HEADER = ["id", "Nom structure", "Nom", "Thématiques", "Code INSEE", "Site web", "Courriel"]


def test_xlsx_hyperlink_cells_give_their_target(runtime, tmp_path):
    rows = [
        XLSX_HEADER,
        ["l1", "DÉMO Structure", "Service lié (démo)", "sante", "51108", "Site internet", "Écrire"],
        [
            "l2",
            "DÉMO Structure",
            "Adresse affichée (démo)",
            "sante",
            "51108",
            "https://affiche.example.org",
            "ecrire@example.org",
        ],
    ]
    links = {
        "F2": "https://www.example.org/service",
        "G2": "mailto:contact@example.org?subject=Orientation",
        "F3": "https://autre.example.org",
        "G3": "mailto:autre@example.org",
    }
    report = import_files(runtime, [make_workbook(tmp_path / "liens.xlsx", rows, links)])
    assert (report.acceptees, report.rejetees) == (2, 0)
    linked = runtime.store.get("cd51--l1")
    assert (linked.site_web, linked.courriel) == (
        "https://www.example.org/service",
        "contact@example.org",
    )
    shown = runtime.store.get("cd51--l2")  # the displayed text is an address: kept
    assert (shown.site_web, shown.courriel) == ("https://affiche.example.org", "ecrire@example.org")
    warning = next(w for w in report.avertissements if "lien(s) hypertexte(s)" in w)
    assert "F2, G2" in warning


def test_xlsx_formulas_without_cached_value_are_named(runtime, tmp_path):
    rows = [
        XLSX_HEADER + ["Date MAJ"],
        [
            "f1",
            "DÉMO Structure",
            "Service calculé (démo)",
            "sante",
            "51108",
            None,
            None,
            "=TODAY()-3",
        ],
        [
            "f2",
            "DÉMO Structure",
            '=CONCAT("Service ", "(démo)")',
            "sante",
            "51108",
            None,
            None,
            None,
        ],
    ]
    # openpyxl, like any script, writes formulas without the value a spreadsheet computes.
    report = import_files(runtime, [make_workbook(tmp_path / "formules.xlsx", rows)], force=True)
    warning = next(w for w in report.avertissements if "formule jamais calculée" in w)
    assert "2 cellule(s)" in warning and "H2, C3" in warning
    assert [(r.ligne, r.champ) for r in report.rejets] == [(3, "nom")]
    assert runtime.store.get("cd51--f1").date_maj is None


def test_dates_written_by_excel(runtime, tmp_path):
    rows = [
        XLSX_HEADER + ["Date MAJ"],
        ["d1", "DÉMO Structure", "Date en nombre (démo)", "sante", "51108", None, None, 45383],
        [
            "d2",
            "DÉMO Structure",
            "Année sur deux chiffres (démo)",
            "sante",
            "51108",
            None,
            None,
            "01/03/25",
        ],
    ]
    import_files(runtime, [make_workbook(tmp_path / "dates.xlsx", rows)], today=date(2026, 1, 1))
    assert runtime.store.get("cd51--d1").date_maj == "2024-04-01"
    assert runtime.store.get("cd51--d2").date_maj == "2025-03-01"
    assert parse_date("45383") == date(2024, 4, 1)
    assert parse_date("01/03/25") == date(2025, 3, 1)
    assert parse_date("12345") is None  # 1933: not a plausible serial
    assert parse_date("31/02/25") is None


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("116 006", "116006"),  # aide aux victimes
        ("116117", "116117"),  # médecin de garde
        ("116000", "116000"),  # enfants disparus
        ("118 712", "118712"),
        ("3919", "3919"),
        ("+33 2 62 12 34 56", "+262262123456"),  # La Réunion written with +33
        ("+33 6 92 12 34 56", "+262692123456"),
        ("03 26 00 00 00 poste 12", "+33326000000 poste 12"),
        ("03.26.00.00.00 ext. 7", "+33326000000 poste 7"),
        ("12 34", None),
    ],
)
def test_phones_as_departments_write_them(raw, expected):
    assert normalise_phone(raw) == expected


def test_phone_extension_is_imported_and_dialled(runtime, tmp_path):
    from web.helpers import phone_href, phone_text

    path = tmp_path / "telephones.csv"
    path.write_text(
        "id;nom_structure;nom;thematiques;code_insee;telephone\n"
        "t1;DÉMO Structure;Service avec poste (démo);sante;51108;03 26 00 00 00 poste 12\n"
        "t2;DÉMO Structure;Aide aux victimes (démo);sante;51108;116 006\n"
        "t3;DÉMO Structure;Service réunionnais (démo);sante;97411;+33 2 62 12 34 56\n",
        encoding="utf-8",
    )
    report = import_files(runtime, [path], departement="51", force=True)
    assert report.rejetees == 0, report.rejets
    phones = {r.source_id: r.telephone for r in runtime.store.iter_resources()}
    assert phones == {"t1": "+33326000000 poste 12", "t2": "116006", "t3": "+262262123456"}
    assert phone_href(phones["t1"]) == "tel:+33326000000;ext=12"
    assert phone_text(phones["t1"]) == "03 26 00 00 00 poste 12"
