"""Importing departmental data: formats, validation, guards, atomic replacement, CLI."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import threading
from datetime import date, datetime
from pathlib import Path

import pytest

from indexer.formats import InvalidImportFile, column_key, decode, detect_format
from indexer.geocoding import GEOCODERS, BanGeocoder, OfflineGeocoder, make_geocoder, plausible
from indexer.importer import PAUSE_ENV, PAUSE_MARKER, ImportRefused, StoreBusy, import_files
from indexer.validation import (
    RowValidator,
    normalise_email,
    normalise_phone,
    parse_date,
    stable_id,
)
from relais import settings as settings_module
from resource_base.search import SearchQuery

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "import"
TEMPLATE = ROOT / "fixtures" / "modele_import.csv"
HEADER = "id;nom_structure;nom;thematiques;code_insee;latitude;longitude;departement"


def by_source_id(runtime, source: str) -> dict:
    return {r.source_id: r for r in runtime.store.iter_resources() if r.source == source}


def write_csv(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def rows_for(n: int, prefix: str = "r", code_insee: str = "51108") -> list[str]:
    return [
        f"{prefix}{i};DÉMO Structure fictive {i % 7};Service de démonstration {i};sante;{code_insee};;;"
        for i in range(n)
    ]


def read_rejects(path: str) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def search_ids(runtime, **query) -> set[str]:
    result = runtime.search_service.search(SearchQuery(**query, size=100))
    return {item["id"] for item in result.to_dict()["items"]}


# --- the template and valid files ---


def test_template_imports_as_documented(runtime):
    report = import_files(runtime, [TEMPLATE])
    assert (report.departement, report.source, report.acceptees, report.rejetees) == (
        "51",
        "cd51",
        1,
        0,
    )
    resource = runtime.store.get("cd51--exemple-001")
    assert resource.telephone == "+33353010000"
    assert resource.thematiques == [
        "difficultes-financieres--ameliorer-sa-gestion-budgetaire",
        "difficultes-financieres--situation-dendettement-surendettement",
    ]
    assert resource.precision_geo == "fichier"
    assert resource.modes_accueil == ["a-distance", "en-presentiel"]
    assert resource.nom_structure.startswith("EXEMPLE FICTIF")


def test_template_header_lists_every_template_column():
    from indexer.validation import TEMPLATE_COLUMNS

    text, _ = decode(TEMPLATE.read_bytes(), TEMPLATE)
    assert tuple(text.splitlines()[0].split(";")) == TEMPLATE_COLUMNS


def test_valid_csv_is_normalised(runtime):
    report = import_files(runtime, [FIXTURES / "valide.csv"])
    assert (report.acceptees, report.rejetees, report.ajoutees) == (6, 0, 6)
    assert report.rejets_fichier is None
    found = by_source_id(runtime, "cd51")
    reims = found["demo-02"]
    assert (reims.code_insee, reims.commune, reims.date_maj) == ("51454", "Reims", "2025-03-15")
    assert reims.site_web == "https://www.example.org"
    assert reims.zone_eligibilite == ["200066876", "51454"]
    swapped = found["demo-03"]
    assert (swapped.latitude, swapped.longitude, swapped.precision_geo) == (
        49.037,
        3.9314,
        "fichier",
    )
    assert swapped.thematiques == ["mobilite", "mobilite--preparer-un-permis"]
    assert swapped.telephone == "+33353010003"
    remote = found["demo-04"]
    assert (remote.latitude, remote.code_insee, remote.departement) == (None, None, "51")
    assert remote.telephone == "3949"
    assert remote.zone_eligibilite == ["france"]
    far = found["demo-05"]  # coordinates 400 km away: the commune's centre instead
    assert far.precision_geo == "commune"
    assert abs(far.latitude - 48.728) < 0.01 and far.statut == "fermeture-temporaire"
    assert found["demo-06"].code_insee == "51507"
    assert found["demo-06"].precision_geo == "commune"
    warnings = " ".join(report.avertissements)
    assert "inversées" in warnings and "ligne 4" in warnings
    assert "plus de 30 km" in warnings and "ligne 6" in warnings
    assert "https://" in warnings


def test_imported_resources_are_searchable(runtime):
    import_files(runtime, [FIXTURES / "valide.csv"])
    ids = search_ids(runtime, code_commune="51108", rayon_km=200)
    assert {"cd51--demo-01", "cd51--demo-04"} <= ids


def test_comma_separator_bom_and_loose_headers(runtime):
    report = import_files(runtime, [FIXTURES / "virgule_bom.csv"])
    assert (report.acceptees, report.rejetees, report.departement) == (2, 0, "51")
    assert any("remarque_interne" in w for w in report.avertissements)
    garage = next(r for r in runtime.store.iter_resources() if r.code_insee == "51230")
    assert (
        garage.description
        == "Données de démonstration : entretien et réparation.\nSur rendez-vous."
    )
    assert garage.telephone == "+33353010011"  # the leading zero Excel dropped
    cv = next(r for r in runtime.store.iter_resources() if r.code_insee == "51454")
    assert cv.nom_structure == "DÉMO Association fictive, antenne de Reims"


def test_windows_1252_file(runtime):
    report = import_files(runtime, [FIXTURES / "cp1252.csv"])
    assert report.acceptees == 2
    assert any("Windows-1252" in w for w in report.avertissements)
    names = {r.nom_structure for r in runtime.store.iter_resources()}
    assert "DÉMO Crèche fictive à Châlons" in names
    description = next(
        r.description for r in runtime.store.iter_resources() if "Crèche" in r.nom_structure
    )
    assert "« places d'urgence »" in description


def test_encodings_are_detected():
    path = Path("x.csv")
    assert decode("é".encode("utf-8-sig"), path) == ("é", [])
    assert decode("é".encode(), path) == ("é", [])
    assert decode("é;ü".encode("utf-16"), path) == ("é;ü", [])
    text, warnings = decode("é€".encode("cp1252"), path)
    assert text == "é€" and warnings
    with pytest.raises(InvalidImportFile, match="encodage non reconnu"):
        decode(b"caf\x8f\x90", path)  # bytes undefined in both UTF-8 and Windows-1252


def test_duplicate_columns_and_utf16_tab_separated(runtime, tmp_path):
    doubled = tmp_path / "double.csv"
    doubled.write_text("nom;Nom ;thematiques;code_insee\na;b;sante;51108\n", encoding="utf-8")
    with pytest.raises(InvalidImportFile, match="colonne.s. en double dans l'en-tête : nom"):
        import_files(runtime, [doubled])
    unicode_text = tmp_path / "excel-unicode.txt"
    unicode_text.write_text(
        "nom_structure\tnom\tthematiques\tcode_insee\nDÉMO S\tService (démo)\tsante\t51108\n",
        encoding="utf-16",
    )
    assert import_files(runtime, [unicode_text]).acceptees == 1


def test_format_detection():
    assert detect_format(Path("a.CSV"), b"") == "csv"
    assert detect_format(Path("a.xlsx"), b"") == "xlsx"
    assert detect_format(Path("a.jsonl"), b"") == "data-inclusion"
    assert detect_format(Path("a.dat"), b"PK\x03\x04") == "xlsx"
    assert detect_format(Path("a.dat"), b'\n [{"id": 1}]') == "data-inclusion"
    assert detect_format(Path("a.json"), b"", "csv") == "csv"
    with pytest.raises(InvalidImportFile, match=r"\.xls"):
        detect_format(Path("a.xls"), b"")
    assert column_key(" Nom  Structure ") == "nom_structure"
    assert column_key("Thématiques") == "thematiques"


# --- XLSX ---


def make_xlsx(path: Path, header: list, rows: list[list], extra_sheet: bool = False) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Ressources"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if extra_sheet:
        workbook.create_sheet("Notes").append(["à ignorer"])
    workbook.save(path)
    return path


XLSX_HEADER = [
    "id",
    "Nom structure",
    "Nom",
    "Thématiques",
    "Code INSEE",
    "Code postal",
    "Téléphone",
    "Courriel",
    "Latitude",
    "Longitude",
    "Date MAJ",
]


def xlsx_row(**cells) -> list:
    """A row in XLSX_HEADER's order, from the columns' normalised names."""
    return [cells.get(column_key(name)) for name in XLSX_HEADER]


def test_xlsx_import(runtime, tmp_path):
    structure = {"nom_structure": "DÉMO Structure", "code_insee": 51108}
    rows = [
        xlsx_row(
            **structure,
            id="x1",
            nom="Service tableur (démo)",
            thematiques="sante",
            code_postal=51000,  # numbers, as Excel stores them
            telephone=353010000,
            latitude=48.9641,
            longitude=4.3788,
            date_maj=datetime(2025, 2, 1),
        ),
        xlsx_row(
            **structure, id="x2", nom="Courriel faux (démo)", thematiques="sante", courriel="x"
        ),
        xlsx_row(),
        xlsx_row(
            **{**structure, "code_insee": 1053},
            id="x3",
            nom="@Service neutralisé (démo)",
            thematiques="famille",
            code_postal=1000,
            date_maj="01/02/2025",
        ),
        xlsx_row(
            **{**structure, "code_insee": "51454"}, id=7, nom="Id (démo)", thematiques="sante"
        ),
    ]
    path = make_xlsx(tmp_path / "ressources.xlsx", XLSX_HEADER, rows, extra_sheet=True)
    report = import_files(runtime, [path], departement="51", force=True)
    assert report.format == "xlsx"
    assert (report.acceptees, report.rejetees) == (3, 1)
    assert [(r.ligne, r.champ) for r in report.rejets] == [(3, "courriel")]
    found = by_source_id(runtime, "cd51")
    assert found["x1"].telephone == "+33353010000"
    assert found["x1"].code_postal == "51000" and found["x1"].date_maj == "2025-02-01"
    assert (found["x3"].code_insee, found["x3"].code_postal) == ("01053", "01000")
    assert found["x3"].nom == "Service neutralisé (démo)"
    assert found["x3"].departement == "51"  # published by the Marne, located in the Ain
    assert "7" in found
    warnings = " ".join(report.avertissements)
    for expected in (
        "première feuille",
        "ligne(s) vide(s)",
        "zéro initial",
        "hors du département",
        "commençant par",
    ):
        assert expected in warnings


def test_xlsx_unreadable(runtime, tmp_path):
    path = tmp_path / "faux.xlsx"
    path.write_bytes(b"PK\x03\x04 pas vraiment un classeur")
    with pytest.raises(InvalidImportFile, match="classeur XLSX illisible"):
        import_files(runtime, [path])


# --- data·inclusion ---


def test_data_inclusion_json(runtime):
    import_files(runtime, [FIXTURES / "valide.csv"])
    with pytest.raises(ImportRefused, match="25 %"):
        import_files(runtime, [FIXTURES / "data_inclusion.json"])
    report = import_files(runtime, [FIXTURES / "data_inclusion.json"], force=True)
    assert (report.source, report.acceptees, report.rejetees) == ("demo-di", 3, 1)
    [rejection] = report.rejets
    assert (rejection.ligne, rejection.champ) == (3, "nom, thematiques")
    assert "au moins 3 caractère" in rejection.motif and "« logement »" in rejection.motif
    budget = runtime.store.get("demo-di--service-1")
    assert budget.nom_structure == "DÉMO Structure fictive data·inclusion"
    assert (budget.siret, budget.reseaux_porteurs) == ("00000000000000", ["france-travail"])
    assert (budget.departement, budget.precision_geo, budget.telephone) == (
        "51",
        "fichier",
        "+33353010020",
    )
    remote = runtime.store.get("demo-di--service-2")  # id without the source prefix
    assert (remote.nom_structure, remote.departement) == ("DÉMO Autre structure fictive", "52")
    assert runtime.store.get("demo-di--service-4").departement == "52"
    # The source is the scope: the department's own resources are untouched.
    assert runtime.store.count("source", "cd51") == 6


def test_data_inclusion_json_lines(runtime):
    report = import_files(runtime, [FIXTURES / "data_inclusion.jsonl"], force=True)
    assert (report.source, report.acceptees) == ("demo-dij", 2)
    assert [(r.ligne, r.champ) for r in report.rejets] == [(2, "*"), (3, "date_maj, courriel")]
    assert "JSON invalide" in report.rejets[0].motif
    assert "n'est pas une date" in report.rejets[1].motif
    assert "n'est pas une adresse électronique" in report.rejets[1].motif
    mende = runtime.store.get("demo-dij--4")
    assert (mende.code_insee, mende.departement, mende.nom_structure) == ("48095", "48", "s1")


def test_data_inclusion_variants(runtime, tmp_path):
    service = json.loads((FIXTURES / "data_inclusion.json").read_text(encoding="utf-8"))[0]
    page = tmp_path / "page.json"
    page.write_text(
        json.dumps({"items": [{"service": service, "distance": 2}], "total": 1}), encoding="utf-8"
    )
    assert import_files(runtime, [page]).acceptees == 1
    mixed = tmp_path / "sources.json"
    other = {**service, "source": "autre", "id": "autre--1"}
    mixed.write_text(json.dumps([service, other]), encoding="utf-8")
    with pytest.raises(ImportRefused, match="plusieurs sources"):
        import_files(runtime, [mixed])
    broken = tmp_path / "casse.json"
    broken.write_text('[{"id": 1},\n  {oups}]', encoding="utf-8")
    with pytest.raises(InvalidImportFile, match="JSON invalide ligne 2"):
        import_files(runtime, [broken])
    with pytest.raises(InvalidImportFile, match="ne mélangez pas"):
        import_files(runtime, [page, FIXTURES / "valide.csv"])


def test_data_inclusion_without_department(runtime, tmp_path):
    service = {
        "source": "nationale",
        "structure_id": "s",
        "id": "nationale--1",
        "nom": "Ligne nationale (démo)",
        "description": "Données de démonstration.",
        "date_maj": "2025-01-01",
        "thematiques": ["sante--sante-mentale"],
        "modes_accueil": ["a-distance"],
        "zone_eligibilite": ["france"],
    }
    path = tmp_path / "national.json"
    path.write_text(json.dumps([service]), encoding="utf-8")
    with pytest.raises(ImportRefused) as refused:
        import_files(runtime, [path])
    assert refused.value.report.rejets[0].champ == "departement"
    report = import_files(runtime, [path], departement="75")
    assert runtime.store.get("nationale--1").departement == "75" and report.acceptees == 1


# --- malformed, wrong and hostile files ---


def test_malformed_csv(runtime):
    with pytest.raises(ImportRefused, match="60 %") as refused:
        import_files(runtime, [FIXTURES / "malforme.csv"])
    report = refused.value.report
    assert [(r.ligne, r.champ) for r in report.rejets] == [(3, "*"), (4, "*"), (6, "*")]
    assert "5 champ(s) au lieu de 4" in report.rejets[0].motif
    assert "guillemet non fermé" in report.rejets[2].motif
    assert runtime.store.count() == 0
    rows = read_rejects(report.rejets_fichier)
    assert [row["ligne"] for row in rows] == ["3", "4", "6"]
    assert rows[0]["nom"] == "Trop de champs (démo)"


def test_every_wrong_value_is_rejected_with_its_field(runtime):
    with pytest.raises(ImportRefused, match="Aucune ligne valide"):
        import_files(runtime, [FIXTURES / "erreurs.csv"])
    with pytest.raises(ImportRefused, match="100 %") as refused:
        import_files(runtime, [FIXTURES / "erreurs.csv"], departement="51")
    report = refused.value.report
    assert [(r.ligne, r.champ) for r in report.rejets] == [
        (2, "publics"),
        (3, "frais"),
        (4, "thematiques"),
        (5, "code_insee"),
        (6, "code_postal"),
        (7, "courriel"),
        (8, "telephone"),
        (9, "date_maj"),
        (10, "publics"),
        (11, "latitude"),
        (12, "zone_eligibilite"),
        (13, "statut"),
        (14, "code_insee"),
        (15, "site_web"),
        (16, "date_maj"),
        (17, "thematiques"),
        (18, "visibilite"),
        (19, "commune"),
    ]
    motifs = {r.ligne: r.motif for r in report.rejets}
    assert "séparez les valeurs par « | »" in motifs[4]
    assert "dans le futur" in motifs[9]
    assert "« tous-publics » ne peut pas être combiné" in motifs[10]
    assert "EPCI 123456789 inconnu" in motifs[12] and "ZZZZZZ" in motifs[12]
    assert "lieu manquant" in motifs[14]
    rows = read_rejects(report.rejets_fichier)
    assert list(rows[0])[:4] == ["ligne", "champ", "motif", "fichier"]
    assert (rows[0]["ligne"], rows[0]["champ"], rows[0]["nom"]) == (
        "2",
        "publics",
        "Public inconnu (démo)",
    )
    assert runtime.store.count() == 0


def test_hostile_csv(runtime):
    report = import_files(runtime, [FIXTURES / "hostile.csv"], departement="51", force=True)
    assert report.acceptees == 2
    assert [(r.ligne, r.champ) for r in report.rejets] == [
        (3, "nom"),
        (4, "site_web"),
        (6, "lien_mobilisation"),
        (7, "id"),
        (8, "id"),
    ]
    assert "en double (déjà utilisé ligne 2)" in report.rejets[-1].motif
    formula = runtime.store.get("cd51--h01")
    assert formula.nom == "CMD()|' /C calc'!A0 (démo)"
    assert formula.nom_structure.startswith("HYPERLINK(")
    assert formula.description.startswith("SUM(1+1)")
    assert formula.adresse == "2+3 rue Fictive"
    # The rejects file itself is opened in a spreadsheet: nothing in it may start a formula.
    rows = read_rejects(report.rejets_fichier)
    assert rows[0]["nom"] == "'+"
    for row in rows:
        assert not any(value[:1] in "=+-@" for value in row.values() if value)


def test_control_characters_and_huge_fields(runtime, tmp_path):
    path = tmp_path / "pieges.csv"
    header = "id;nom_structure;nom;description;thematiques;code_insee"
    rows = [
        'c1;DÉMO\x00 Structure\u202e;Ser\x07vice\u200b propre (démo);"Ligne 1\r\n\x0bLigne 2\u2028";sante;51108',
        "c2;DÉMO Structure;Trop long (démo);" + "x" * 10_001 + ";sante;51108",
        "c3;DÉMO Structure;" + "n" * 151 + ";;sante;51108",
        "c4;DÉMO Structure;Champ géant (démo);" + "y" * 200_000 + ";sante;51108",
        "c5;DÉMO Structure;Après le champ géant (démo);;sante;51108",
    ]
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8", newline="")
    report = import_files(runtime, [path], force=True)
    assert [(r.ligne, r.champ) for r in report.rejets] == [
        (3, "description"),
        (4, "nom"),
        (5, "*"),
    ]
    assert "au plus 10000" in report.rejets[0].motif
    assert "champ de plus de" in report.rejets[2].motif
    clean = runtime.store.get("cd51--c1")
    assert (clean.nom_structure, clean.nom) == ("DÉMO Structure", "Service propre (démo)")
    assert clean.description == "Ligne 1\nLigne 2"
    assert runtime.store.get("cd51--c5") is not None


def test_missing_required_column(runtime, runner):
    with pytest.raises(InvalidImportFile, match="thematiques"):
        import_files(runtime, [FIXTURES / "colonnes_manquantes.csv"])
    result = runner(["import", str(FIXTURES / "colonnes_manquantes.csv"), "--json"])
    assert result.exit_code == 2
    assert "colonne(s) obligatoire(s) absente(s) : thematiques" in result.stderr
    assert json.loads(result.stdout)["refus"].startswith("colonnes_manquantes.csv : colonne")
    assert runtime.store.count() == 0


def test_no_place_column_is_refused_unless_remote(runtime, tmp_path):
    path = write_csv(
        tmp_path / "a.csv", ["a;S;Service (démo);sante"], "id;nom_structure;nom;thematiques"
    )
    with pytest.raises(InvalidImportFile, match="code_insee"):
        import_files(runtime, [path])
    path = write_csv(
        tmp_path / "b.csv",
        ["a;S;Service à distance (démo);sante;a-distance"],
        "id;nom_structure;nom;thematiques;modes_accueil",
    )
    assert import_files(runtime, [path], departement="51").acceptees == 1


def test_unknown_file_and_department(runtime, runner, tmp_path):
    with pytest.raises(InvalidImportFile, match="Impossible de lire"):
        import_files(runtime, [tmp_path / "absent.csv"])
    with pytest.raises(InvalidImportFile, match="Département « 99 » inconnu"):
        import_files(runtime, [FIXTURES / "valide.csv"], departement="99")
    empty = tmp_path / "vide.csv"
    empty.write_text("", encoding="utf-8")
    result = runner(["import", str(empty)])
    assert result.exit_code == 2 and "Fichier refusé" in result.output


# --- departments ---


def test_several_departments_need_departement(runtime, runner):
    path = FIXTURES / "multi_departements.csv"
    result = runner(["import", str(path)])
    assert result.exit_code == 1
    assert "plusieurs départements (51 : 1 ligne(s), 52 : 2 ligne(s))" in result.output
    with pytest.raises(ImportRefused) as refused:
        import_files(runtime, [path])
    assert refused.value.report.acceptees == 3  # counted, although refused
    report = import_files(runtime, [path], departement="51")
    assert report.acceptees == 3 and runtime.store.count("source", "cd51") == 3
    assert any("hors du département" in w for w in report.avertissements)


def test_row_department_must_match_the_import(runtime, tmp_path):
    path = write_csv(
        tmp_path / "d.csv",
        [f"{r}51" for r in rows_for(9)] + ["z;DÉMO S;Service d'ailleurs (démo);sante;52121;;;52"],
    )
    report = import_files(runtime, [path], departement="51")
    assert [(r.ligne, r.champ) for r in report.rejets] == [(11, "departement")]
    assert "indique le département 52" in report.rejets[0].motif
    assert import_files(runtime, [FIXTURES / "valide.csv"], departement="2a").departement == "2A"


# --- ids ---


def test_stable_ids_without_id_column(runtime, tmp_path):
    header = "nom_structure;nom;thematiques;code_insee;adresse"
    rows = [
        "DÉMO S;Service A (démo);sante;51108;1 rue A",
        "DÉMO S;Service B (démo);sante;51108;1 rue A",
        "DÉMO S;Service A (démo);sante;51108;2 rue B",
        "DÉMO S;Service C (démo);sante;51108;",
        "DÉMO S;Service D (démo);sante;51108;",
        "DÉMO S;Service E (démo);sante;51108;",
        "DÉMO  s;service a (démo);sante;51108;1 rue A",
    ]
    path = write_csv(tmp_path / "sans_id.csv", rows, header)
    report = import_files(runtime, [path])
    assert [(r.ligne, r.champ) for r in report.rejets] == [(8, "id")]
    assert "même structure, même nom et même lieu qu'à la ligne 2" in report.rejets[0].motif
    expected = "cd51--" + stable_id("DÉMO S", "Service A (démo)", "51108", "1 rue A")
    assert runtime.store.get(expected).adresse == "1 rue A"
    again = import_files(runtime, [path])
    assert (again.ajoutees, again.modifiees, again.supprimees, again.inchangees) == (0, 0, 0, 6)


# --- idempotence, replacement and guards ---


def test_same_file_twice_changes_nothing(runtime, tmp_path):
    first = import_files(runtime, [FIXTURES / "valide.csv"])
    generation = runtime.store.generation()
    second = import_files(runtime, [FIXTURES / "valide.csv"])
    assert (first.ajoutees, second.ajoutees, second.modifiees, second.supprimees) == (6, 0, 0, 0)
    assert second.inchangees == 6
    assert runtime.store.generation() == generation
    xlsx = make_xlsx(
        tmp_path / "a.xlsx", XLSX_HEADER[:5], [["x", "DÉMO S", "Service (démo)", "sante", 51108]]
    )
    import_files(runtime, [xlsx], departement="52")
    assert import_files(runtime, [xlsx], departement="52").inchangees == 1
    import_files(runtime, [FIXTURES / "data_inclusion.json"], force=True)
    again = import_files(runtime, [FIXTURES / "data_inclusion.json"], force=True)
    assert (again.ajoutees, again.modifiees, again.supprimees, again.inchangees) == (0, 0, 0, 3)
    history = runtime.store.imports(limit=10)
    assert history[0]["perimetre"] == "source" and history[0]["valeur"] == "demo-di"


def test_changes_are_counted(runtime, tmp_path):
    path = write_csv(tmp_path / "v1.csv", rows_for(10))
    import_files(runtime, [path])
    rows = rows_for(10)
    rows[0] = rows[0].replace("Service de démonstration 0", "Service renommé (démo)")
    rows[9] = "nouveau;DÉMO S;Nouveau service (démo);sante;51108;;;"
    report = import_files(runtime, [write_csv(tmp_path / "v2.csv", rows)])
    assert (report.ajoutees, report.modifiees, report.supprimees, report.inchangees) == (1, 1, 1, 8)
    assert runtime.store.get("cd51--r9") is None
    assert runtime.store.get("cd51--r0").nom == "Service renommé (démo)"


def test_guard_on_rejected_rows(runtime, runner, tmp_path):
    import_files(runtime, [write_csv(tmp_path / "v1.csv", rows_for(10))])
    rows = rows_for(7) + [f"bad{i};DÉMO S;Service (démo);inconnue;51108;;;" for i in range(3)]
    path = write_csv(tmp_path / "v2.csv", rows)
    rejets = tmp_path / "rejets.csv"
    result = runner(["import", str(path), "--rejets", str(rejets)])
    assert result.exit_code == 1
    assert "3 ligne(s) rejetée(s) sur 10 (30 %)" in result.output
    assert len(read_rejects(str(rejets))) == 3
    assert runtime.store.count("source", "cd51") == 10
    assert runtime.store.get("cd51--r9") is not None
    forced = runner(["import", str(path), "--force", "--json"])
    assert forced.exit_code == 0, forced.output
    assert json.loads(forced.output)["supprimees"] == 3
    assert runtime.store.count("source", "cd51") == 7


def test_guard_on_removals(runtime, runner, tmp_path):
    import_files(runtime, [write_csv(tmp_path / "v1.csv", rows_for(10))])
    half = write_csv(tmp_path / "half.csv", rows_for(5))
    assert import_files(runtime, [half]).supprimees == 5  # exactly half: allowed
    import_files(runtime, [write_csv(tmp_path / "v1.csv", rows_for(10))])
    few = write_csv(tmp_path / "few.csv", rows_for(4))
    result = runner(["import", str(few)])
    assert result.exit_code == 1
    assert "supprimerait 6 des 10 ressources" in result.output
    assert runtime.store.count("source", "cd51") == 10
    assert runtime.store.imports(limit=1)[0]["acceptees"] == 10  # the refused import left no trace
    report = import_files(runtime, [few], force=True)
    assert (report.supprimees, runtime.store.count("source", "cd51")) == (6, 4)


def test_several_files_are_one_import(runtime, tmp_path):
    a = write_csv(tmp_path / "nord.csv", rows_for(5, "n"))
    b = write_csv(
        tmp_path / "sud.csv", rows_for(4, "s") + ["n0;DÉMO S;Doublon (démo);sante;51108;;;"]
    )
    report = import_files(runtime, [a, b], force=True)
    assert (report.acceptees, report.rejetees) == (9, 1)
    assert "déjà utilisé nord.csv ligne 2" in report.rejets[0].motif
    assert Path(report.rejets[0].fichier).name == "sud.csv"


# --- atomicity ---


def test_killed_import_leaves_previous_set_serving(runtime, tmp_path):
    """Kill ``relais import`` inside its transaction: the previous set must still serve."""
    previous = import_files(runtime, [write_csv(tmp_path / "v1.csv", rows_for(50, "ancien"))])
    assert previous.ajoutees == 50
    big = write_csv(tmp_path / "v2.csv", rows_for(2000, "nouveau"))
    env = {
        **os.environ,
        "RELAIS_DATA_DIR": str(runtime.data_dir),
        "RELAIS_SEARCH_ENGINE": "embedded",
        "RELAIS_GEOCODER": "offline",
        PAUSE_ENV: "300",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from relais.cli import main; main()",
            "import",
            str(big),
            "--force",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(240, process.kill)  # never hang the suite
    watchdog.start()
    try:
        seen = []
        for line in process.stderr:
            seen.append(line)
            if PAUSE_MARKER in line:
                break
        assert any(PAUSE_MARKER in line for line in seen), "".join(seen)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        watchdog.cancel()
        process.kill()
        process.stdout.close()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL

    from relais.runtime import Runtime

    fresh = Runtime(runtime.settings)
    fresh.directory = runtime.directory
    assert fresh.store.count("source", "cd51") == 50
    assert fresh.embedded.count() == 50
    ids = search_ids(fresh, code_commune="51108")
    assert "cd51--ancien0" in ids and not any("nouveau" in i for i in ids)
    # The lock is gone: the next import goes through.
    report = import_files(fresh, [big], force=True)
    assert (report.ajoutees, report.supprimees) == (2000, 50)
    assert fresh.embedded.count() == 2000


# --- geocoding ---


class FakeLocation:
    def __init__(self, latitude, longitude):
        self.latitude, self.longitude = latitude, longitude


class FakeBan:
    def __init__(self, answers=None, error=None):
        self.answers, self.error, self.queries = answers or {}, error, []

    def geocode(self, query):
        self.queries.append(query)
        if self.error:
            raise self.error
        return self.answers.get(query)


def test_ban_geocoder_cache(tmp_path, directory):
    chalons = directory.get("51108")
    cache = tmp_path / "geocodage.json"
    query = "1 rue de l'Exemple 51000 Châlons-en-Champagne"
    client = FakeBan({query: FakeLocation(48.95, 4.36)})
    geocoder = BanGeocoder(cache, client=client)
    assert geocoder.locate("1 rue de l'Exemple", "51000", chalons) == (48.95, 4.36, "adresse")
    assert geocoder.locate("2 rue Inconnue", "51000", chalons)[2] == "commune"
    assert geocoder.locate(None, "51000", chalons)[2] == "commune"
    assert geocoder.close() == []
    assert len(json.loads(cache.read_text(encoding="utf-8"))) == 2
    # A second import reads the cache: no query at all.
    offline = FakeBan(error=AssertionError("pas de réseau attendu"))
    again = BanGeocoder(cache, client=offline)
    assert again.locate("1 RUE de l'Exemple", "51000", chalons) == (48.95, 4.36, "adresse")
    assert again.locate("2 rue Inconnue", "51000", chalons)[2] == "commune"
    assert offline.queries == []


def test_ban_geocoder_falls_back_on_errors(tmp_path, directory):
    chalons = directory.get("51108")
    client = FakeBan(error=OSError("réseau injoignable"))
    geocoder = BanGeocoder(tmp_path / "geocodage.json", client=client)
    for number in range(3):
        lat, lon, precision = geocoder.locate(f"{number} rue A", "51000", chalons)
        assert (lat, lon, precision) == (chalons.latitude, chalons.longitude, "commune")
    assert len(client.queries) == 1  # no timeout per row once the network failed
    [warning] = geocoder.close()
    assert "Géocodage BAN indisponible" in warning and "3 ressource(s)" in warning
    far = BanGeocoder(
        tmp_path / "autre.json",
        client=FakeBan({"1 rue A 51000 Châlons-en-Champagne": FakeLocation(43.3, 5.4)}),
    )
    assert far.locate("1 rue A", "51000", chalons)[2] == "commune"  # a homonym street elsewhere
    corrupt = tmp_path / "corrompu.json"
    corrupt.write_text("{pas du json", encoding="utf-8")
    assert BanGeocoder(corrupt, client=FakeBan()).cache == {}


def test_import_with_injected_geocoder(runtime):
    chalons = "6 chemin Factice 51800 Sainte-Menehould"
    geocoder = BanGeocoder(
        runtime.data_dir / "geocodage.json", client=FakeBan({chalons: FakeLocation(49.09, 4.9)})
    )
    import_files(runtime, [FIXTURES / "valide.csv"], geocoder=geocoder)
    resource = runtime.store.get("cd51--demo-06")
    assert (resource.latitude, resource.longitude, resource.precision_geo) == (
        49.09,
        4.9,
        "adresse",
    )
    assert (runtime.data_dir / "geocodage.json").is_file()


def test_make_geocoder(tmp_path):
    assert isinstance(make_geocoder({"GEOCODER": "offline"}, tmp_path), OfflineGeocoder)
    ban = make_geocoder({"GEOCODER": "ban"}, tmp_path)
    assert isinstance(ban, BanGeocoder) and ban.cache_path == tmp_path / "geocodage.json"
    # The registry offers exactly the geocoders the importer knows, and refuses any other.
    assert settings_module.BY_NAME["GEOCODER"].choices == GEOCODERS
    with pytest.raises(settings_module.ConfigError, match="RELAIS_GEOCODER"):
        settings_module.load({"GEOCODER": "google"})


def test_plausible_coordinates(directory):
    reims = directory.get("51454")
    assert plausible(49.25, 4.04, reims) == (49.25, 4.04, False)
    assert plausible(4.04, 49.25, reims) == (49.25, 4.04, True)
    assert plausible(43.3, 5.4, reims) is None


# --- value rules ---


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("03 26 00 00 00", "+33326000000"),
        ("03.26.00.00.00", "+33326000000"),
        ("+33 (0)3 26 00 00 00", "+33326000000"),
        ("0033 3 26 00 00 00", "+33326000000"),
        ("326000000", "+33326000000"),
        ("06-12-34-56-78", "+33612345678"),
        ("0262 12 34 56", "+262262123456"),
        ("0696 12 34 56", "+596696123456"),
        ("+32 2 123 45 67", "+3221234567"),
        ("115", "115"),
        ("3919", "3919"),
        ("116 000", "116000"),  # European harmonised numbers (116xxx), from phonenumbers
        ("0693 12 34 56", "+262693123456"),  # La Réunion, mobile
        ("+262 262 12 34 56", "+262262123456"),
        ("0590 12 34 56", "+590590123456"),  # Guadeloupe
        ("0594 12 34 56", "+594594123456"),  # Guyane
        ("0269 61 23 45", "+262269612345"),  # Mayotte
        ("04 65 71 00 00", "+33465710000"),  # ARCEP fiction range, Occitanie
        ("01 99 00 12 34", "+33199001234"),  # ARCEP fiction range, the synthetic data's
        ("12 34", None),
        ("1234", None),  # not a French short number
        ("03 26 00 00", None),  # too short
        ("+33 6 12", None),
        ("00 00 00 00 00", None),
        ("03 26 00 00 00 / 06 12 34 56 78", None),
        ("appeler la mairie", None),
    ],
)
def test_phone_numbers(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("élodie@exemple.fr", "élodie@exemple.fr"),  # internationalised local part
        ("mailto:Contact@Example.ORG", "Contact@example.org"),
        (" jean.dupont@mairie-reims.fr ", "jean.dupont@mairie-reims.fr"),
        ("a..b@exemple.fr", None),  # consecutive dots
        ("x@exemple.invalid", None),  # reserved domain
        ("x@localhost", None),
        ("contact@", None),
        ("deux@exemple.fr; trois@exemple.fr", None),
    ],
)
def test_email_addresses(raw, expected):
    assert normalise_email(raw) == expected


# One rule for every format: the two addresses on which CSV and data·inclusion used to disagree.
EMAILS = (("accepte", "élodie@exemple.fr"), ("refuse", "a..b@exemple.fr"))


def test_csv_and_xlsx_rows_follow_the_email_rule(runtime, tmp_path):
    header = "id;nom_structure;nom;thematiques;code_insee;courriel"
    path = write_csv(
        tmp_path / "courriels.csv",
        [f"{key};DÉMO Structure;Service {key} (démo);sante;51108;{email}" for key, email in EMAILS]
        + [f"ok{i};DÉMO Structure;Service ok{i} (démo);sante;51108;" for i in range(8)],
        header=header,
    )
    report = import_files(runtime, [path], departement="51")
    assert [(r.ligne, r.champ) for r in report.rejets] == [(3, "courriel")]
    assert "« a..b@exemple.fr » n'est pas une adresse électronique" in report.rejets[0].motif
    assert by_source_id(runtime, "cd51")["accepte"].courriel == "élodie@exemple.fr"


def test_data_inclusion_rows_follow_the_email_rule(runtime, tmp_path):
    base = json.loads((FIXTURES / "data_inclusion.json").read_text(encoding="utf-8"))[0]
    items = [{**base, "id": f"svc-{key}", "courriel": email} for key, email in EMAILS] + [
        {**base, "id": f"svc-ok{i}"} for i in range(8)
    ]
    path = tmp_path / "courriels.json"
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    report = import_files(runtime, [path])
    assert [(r.ligne, r.champ) for r in report.rejets] == [(2, "courriel")]
    assert "« a..b@exemple.fr » n'est pas une adresse électronique" in report.rejets[0].motif
    assert runtime.store.get("demo-di--svc-accepte").courriel == "élodie@exemple.fr"
    # The model's other errors and the e-mail rule are reported together.
    items = [{**items[1], "date_maj": "hier"}, *items[2:]]
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    report = import_files(runtime, [path])
    assert [(r.ligne, r.champ) for r in report.rejets] == [(1, "date_maj, courriel")]


def test_dates():
    assert parse_date("2025-03-01") == date(2025, 3, 1)
    assert parse_date("2025-03-01T10:00:00+01:00") == date(2025, 3, 1)
    assert parse_date("1/3/2025") == date(2025, 3, 1)
    assert parse_date("31/02/2025") is None
    assert parse_date("mars 2025") is None


def test_validator_accepts_labels_and_lists(directory):
    validator = RowValidator(directory, departement="51", today=date(2025, 6, 1))
    row = {
        "nom_structure": "DÉMO S",
        "nom": "Service (démo)",
        "thematiques": " Santé | sante--acces-aux-soins | sante ",
        "publics": "Femmes|jeunes",
        "frais": "Gratuit",
        "statut": "Fermé",
        "code_postal": "51000",
        "latitude": "48,9641",
        "longitude": "4,3788",
    }
    resource, errors = validator.validate({**row, "date_maj": "2025-06-02"})
    assert [f for f, _ in errors] == ["date_maj"]
    resource, errors = validator.validate({**row, "courriel": "mailto:Contact@Example.ORG"})
    assert errors == []
    assert resource.thematiques == ["sante", "sante--acces-aux-soins"]
    assert (resource.publics, resource.frais, resource.statut) == (
        ["femmes", "jeunes"],
        "gratuit",
        "ferme",
    )
    assert (resource.code_insee, resource.latitude, resource.courriel) == (
        "51108",
        48.9641,
        "Contact@example.org",
    )


def test_coordinates_only_place(directory):
    validator = RowValidator(directory)
    row = {"nom_structure": "DÉMO S", "nom": "Service (démo)", "thematiques": "sante"}
    resource, errors = validator.validate({**row, "latitude": "4.3788", "longitude": "48.9641"})
    assert errors == [] and resource.code_insee == "51108" and resource.departement == "51"
    assert validator.notices.counts == {"inversees": 1, "par_coordonnees": 1}
    _, errors = validator.validate({**row, "latitude": "0", "longitude": "-30"})
    assert [f for f, _ in errors] == ["latitude"]
    _, errors = validator.validate({**row, "latitude": "48.9"})
    assert [f for f, _ in errors] == ["longitude"]


def test_paris_arrondissement_postal_code(directory):
    validator = RowValidator(directory)
    row = {"nom_structure": "DÉMO S", "nom": "Service (démo)", "thematiques": "sante"}
    resource, errors = validator.validate({**row, "code_insee": "75056", "code_postal": "75011"})
    assert errors == [] and resource.departement == "75"


# --- the command ---


def test_cli_json_summary(runner):
    result = runner(["import", str(FIXTURES / "valide.csv"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    for key in (
        "departement",
        "source",
        "acceptees",
        "rejetees",
        "ajoutees",
        "modifiees",
        "supprimees",
        "inchangees",
        "duree_s",
        "rejets_fichier",
        "avertissements",
    ):
        assert key in data
    assert (data["departement"], data["source"], data["acceptees"], data["ajoutees"]) == (
        "51",
        "cd51",
        6,
        6,
    )
    refused = runner(["import", str(FIXTURES / "malforme.csv"), "--json"])
    assert refused.exit_code == 1
    summary = json.loads(refused.stdout)
    assert summary["refus"].startswith("Import refusé") and summary["rejetees"] == 3
    assert Path(summary["rejets_fichier"]).parent.name == "rejets"


def test_cli_text_summary(runner, runtime):
    result = runner(["import", str(FIXTURES / "hostile.csv"), "--departement", "51", "--force"])
    assert result.exit_code == 0, result.output
    assert "Import terminé — département 51, source cd51" in result.output
    assert "lignes acceptées : 2, rejetées : 5" in result.output
    assert "ligne 4 [site_web]" in result.output
    assert "Avertissement : 5 valeur(s) commençant par" in result.output
    [rejects] = (runtime.data_dir / "rejets").iterdir()
    assert f"détail dans {rejects}" in result.output


def test_progress_is_reported(runtime):
    steps: dict[str, tuple[int, int]] = {}
    counts: list[dict] = []

    def progress(step, done, total, **tally):
        steps[step] = (done, total)
        counts.append(tally)

    import_files(runtime, [FIXTURES / "valide.csv"], progress=progress)
    assert steps == {"validation": (6, 6), "ecriture": (6, 6)}
    # The validation step tells the rows accepted and rejected so far.
    assert {"acceptees": 6, "rejetees": 0} in counts


def test_cli_busy_store(runtime, runner, monkeypatch):
    """Another connection holds the store's write lock (an import in progress): the import
    waits ``BUSY_TIMEOUT_S``, then says the store is busy, exit code 4, nothing written."""
    from resource_base import store as store_module

    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_S", 0.2)
    holder = runtime.store.connect()
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = runner(["import", str(FIXTURES / "valide.csv")])
        as_json = runner(["import", str(FIXTURES / "valide.csv"), "--json"])
        with pytest.raises(StoreBusy, match="Le magasin est occupé"):
            import_files(runtime, [FIXTURES / "valide.csv"])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert runtime.store.count() == 0
    assert result.exit_code == 4 and "Le magasin est occupé" in result.output
    assert "Traceback" not in result.output
    assert as_json.exit_code == 4
    answer = json.loads(as_json.stdout)
    assert answer["refus"].startswith("Le magasin est occupé")
    assert answer["fichiers"] == [str(FIXTURES / "valide.csv")]
