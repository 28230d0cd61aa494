"""The commune of a row as departments write it: La Poste labels, postal codes in the INSEE
column, former INSEE codes, every postal code, unreadable coordinates. Never a silent move."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.importer import import_files
from resource_base.commune_labels import label_key
from resource_base.search import SearchQuery

HEADER = "id;nom_structure;nom;thematiques;code_insee;code_postal;commune;latitude;longitude"
REIMS = ("49.2583", "4.0317")  # in Reims, 40 km from La Caure (INSEE 51100)


def write(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def row(ident: str, code_insee="", code_postal="", commune="", lat="", lon="") -> str:
    return (
        f"{ident};DÉMO Structure;Service {ident} (démo);sante;"
        f"{code_insee};{code_postal};{commune};{lat};{lon}"
    )


def warnings_of(report) -> str:
    return " ".join(report.avertissements)


@pytest.mark.parametrize(
    "code_postal, commune, departement, expected",
    [
        ("75011", "PARIS", "75", "75111"),
        ("52100", "ST DIZIER", "52", "52448"),
        ("13008", "MARSEILLE 08", "13", "13208"),
        ("75011", "LYON", "75", None),  # names no commune of 75011: rejected
        ("31000", "Toulouse", "31", "31555"),
        ("31000", "TOULOUSE", "31", "31555"),
    ],
)
def test_la_poste_labels_and_every_postal_code(
    runtime, tmp_path, code_postal, commune, departement, expected
):
    path = write(tmp_path / "poste.csv", [row("p1", code_postal=code_postal, commune=commune)])
    report = import_files(runtime, [path], departement=departement, force=True)
    if expected is None:
        assert report.rejetees == 1
        return
    assert (report.acceptees, report.rejetees) == (1, 0), report.rejets
    resource = next(runtime.store.iter_resources())
    assert (resource.code_insee, resource.code_postal) == (expected, code_postal)


def test_postal_code_31000_with_the_insee_code_of_toulouse(runtime, tmp_path):
    path = write(tmp_path / "toulouse.csv", [row("t1", code_insee="31555", code_postal="31000")])
    report = import_files(runtime, [path])
    assert (report.acceptees, report.rejetees) == (1, 0), report.rejets
    assert runtime.store.get("cd31--t1").code_postal == "31000"


def test_postal_code_typed_in_the_insee_column(runtime, tmp_path):
    path = write(
        tmp_path / "reims.csv",
        [
            # the name and the postal code agree on Reims: Reims, with a warning
            row("r1", code_insee="51100", commune="Reims", lat=REIMS[0], lon=REIMS[1]),
            # no name, but the coordinates are Reims's, 50 km from La Caure (INSEE 51100)
            row("r2", code_insee="51100", lat=REIMS[0], lon=REIMS[1]),
            # nothing agrees: rejected, both values named
            row("r3", code_insee="51100", commune="Épernay"),
            # La Caure itself, named: taken as is
            row("r4", code_insee="51100", commune="La Caure"),
        ],
    )
    report = import_files(runtime, [path], force=True)
    assert [(r.ligne, r.champ) for r in report.rejets] == [(4, "code_insee")]
    motif = report.rejets[0].motif
    assert "51100" in motif and "La Caure" in motif and "Reims" in motif and "Épernay" in motif
    first = runtime.store.get("cd51--r1")
    assert (first.code_insee, first.commune, first.code_postal) == ("51454", "Reims", "51100")
    assert first.precision_geo == "fichier"  # the file's coordinates are kept
    assert runtime.store.get("cd51--r2").code_insee == "51454"
    assert runtime.store.get("cd51--r4").code_insee == "51100"
    text = warnings_of(report)
    assert "code(s) postal(aux) saisi(s) dans la colonne code_insee" in text
    assert "ligne 2" in text and "ligne 3" in text
    found = runtime.search_service.search(SearchQuery(code_commune="51454", rayon_km=5, size=50))
    ids = {item["id"] for item in found.to_dict()["items"]}
    assert {"cd51--r1", "cd51--r2"} <= ids


def test_former_insee_code_is_mapped_to_todays_commune(runtime, tmp_path):
    # Mareuil-sur-Ay (51347) joined Aÿ-Champagne (51030) in 2016.
    path = write(tmp_path / "ancien.csv", [row("a1", code_insee="51347")])
    report = import_files(runtime, [path])
    assert (report.acceptees, report.rejetees) == (1, 0), report.rejets
    assert runtime.store.get("cd51--a1").code_insee == "51030"
    assert "ancienne commune" in warnings_of(report)


def test_unreadable_coordinates_fall_back_to_the_commune(runtime, tmp_path):
    path = write(
        tmp_path / "coordonnees.csv",
        [
            row("c1", code_insee="51108", lat="abc", lon="4,36"),
            row("c2", code_insee="51108", lat="6 873 412", lon="772 345"),  # Lambert-93 metres
            row("c3", lat="abc", lon="def"),  # no commune: nothing to fall back on
        ],
    )
    report = import_files(runtime, [path], departement="51", force=True)
    assert [(r.ligne, r.champ) for r in report.rejets] == [(4, "latitude, longitude")]
    for ident in ("c1", "c2"):
        resource = runtime.store.get(f"cd51--{ident}")
        assert resource.code_insee == "51108" and resource.precision_geo == "commune"
        assert abs(resource.latitude - 48.964) < 0.01
    assert "2 ressource(s) aux coordonnées illisibles" in warnings_of(report)


def test_label_key_and_reference(directory):
    assert label_key("MARSEILLE 08") == label_key("Marseille 8e Arrondissement") == "marseille 8"
    assert label_key("ST DIZIER") == label_key("Saint-Dizier")
    assert label_key("PARIS CEDEX 11") == "paris"
    # The reference geography maps former codes and lists every postal code.
    assert directory.former.get("51347") == "51030"
    assert "31000" in directory.get("31555").codes_postaux


def test_epci_zone_is_visible_from_every_member_commune(runtime, tmp_path, directory):
    # Communes and EPCI come from the same reference year: every member commune of the
    # CU du Grand Reims sees a resource whose zone is that EPCI.
    path = tmp_path / "epci.csv"
    path.write_text(
        "id;nom_structure;nom;thematiques;code_insee;zone_eligibilite\n"
        "z1;DÉMO Structure;Service de l'agglomération (démo);sante;51454;200067213\n",
        encoding="utf-8",
    )
    assert import_files(runtime, [path]).acceptees == 1
    members = [c for c in directory.communes.values() if c.epci == "200067213"]
    assert len(members) > 100
    for commune in members:
        found = runtime.search_service.search(
            SearchQuery(code_commune=commune.code_insee, rayon_km=100, size=10)
        )
        ids = [item["id"] for item in found.to_dict()["items"]]
        assert ids == ["cd51--z1"], commune
    outside = runtime.search_service.search(SearchQuery(code_commune="51108", rayon_km=100))
    assert outside.to_dict()["total"] == 0  # Châlons is not in the Grand Reims
