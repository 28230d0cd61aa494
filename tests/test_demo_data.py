"""The committed demonstration data set (fixtures/demo): complete, valid and fictional."""

from __future__ import annotations

import collections
import csv
import importlib.util
import re
import sys
from datetime import date
from pathlib import Path

import pytest

from bench.synthetic import write_csv
from indexer.validation import TEMPLATE_COLUMNS, RowValidator
from resource_base import vocabulary
from resource_base.geo import haversine_km

DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "demo"
DEPARTEMENTS = ("51", "52", "48")
# The demonstration files follow the importer's template, column for column.
HEADER = ",".join(TEMPLATE_COLUMNS)
# ARCEP ranges reserved for fiction: 03 53 01 xx xx (Grand Est), 04 65 71 xx xx (Occitanie).
FICTION_PHONES = {"51": "+3335301", "52": "+3335301", "48": "+3346571"}
_DAY = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)"
_DAYS = rf"{_DAY}(?:-{_DAY})?(?:,{_DAY}(?:-{_DAY})?)*"
_TIMES = r"\d\d:\d\d-\d\d:\d\d(?:,\d\d:\d\d-\d\d:\d\d)*"
OPENING_HOURS = re.compile(rf"^(?:24/7|{_DAYS} {_TIMES}(?:; {_DAYS} {_TIMES})*)$")
REAL_LOOKING_PHONE = re.compile(r"(?<!\d)(?:\+33 ?|0)[1-9](?:[ .]?\d\d){4}(?!\d)")


def _read(code: str) -> list[dict]:
    with (DEMO / f"ressources_{code}.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == HEADER.split(",")
        return list(reader)


def _list(value: str) -> list[str]:
    return value.split("|") if value else []


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return [row for code in DEPARTEMENTS for row in _read(code)]


def test_readme_says_demonstration_data():
    text = (DEMO / "README.md").read_text(encoding="utf-8")
    assert "DEMONSTRATION DATA" in text and "fictifs" in text


def test_at_least_300_resources_in_three_departments(rows):
    assert len(rows) >= 300
    per_department = collections.Counter(row["departement"] for row in rows)
    assert set(per_department) == set(DEPARTEMENTS)
    assert all(count >= 60 for count in per_department.values())
    for code in DEPARTEMENTS:
        assert {row["departement"] for row in _read(code)} == {code}


def test_ids_are_unique(rows):
    ids = [row["id"] for row in rows]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(rf"cd{row['departement']}--\d{{4}}", row["id"]) for row in rows)


def test_all_16_categories_are_covered_in_each_department(rows):
    assert len(vocabulary.CATEGORIES) == 16
    for code in DEPARTEMENTS:
        categories = {
            vocabulary.category_of(t)
            for row in rows
            if row["departement"] == code
            for t in _list(row["thematiques"])
        }
        assert categories == set(vocabulary.CATEGORIES), code


def test_every_zone_level_is_present_and_valid(rows, directory):
    epcis = {c.epci for c in directory.communes.values() if c.epci}
    levels = collections.Counter()
    for row in rows:
        zone = _list(row["zone_eligibilite"])
        if not zone:
            levels["vide"] += 1
        for code in zone:
            if code == "france":
                levels["france"] += 1
            elif code in DEPARTEMENTS:
                levels["departement"] += 1
            elif code in epcis:
                levels["epci"] += 1
            else:
                assert directory.get(code) is not None, (row["id"], code)
                levels["commune"] += 1
    assert {"vide", "france", "departement", "epci", "commune"} <= set(levels)
    # The territorial units' zones partition their department: each commune in exactly one.
    for code in DEPARTEMENTS:
        zones = {
            frozenset(_list(row["zone_eligibilite"]))
            for row in rows
            if row["departement"] == code and row["nom"].startswith("Accueil social")
        }
        for commune in directory.communes.values():
            if commune.departement == code:
                holders = [z for z in zones if {commune.code_insee, commune.epci} & z]
                assert len(holders) == 1, commune.code_insee


def test_remote_and_on_site_services(rows):
    modes = collections.Counter(row["modes_accueil"] for row in rows)
    assert modes["en-presentiel"] and modes["a-distance"] and modes["en-presentiel|a-distance"]


def test_values_follow_the_vocabulary(rows):
    publics = set()
    for row in rows:
        assert row["nom"] and row["nom_structure"] and len(row["description"]) >= 40
        assert all(vocabulary.is_thematique(t) for t in _list(row["thematiques"]))
        row_publics = _list(row["publics"])
        assert row_publics and set(row_publics) <= set(vocabulary.PUBLICS)
        assert "tous-publics" not in row_publics or row_publics == ["tous-publics"]
        publics.update(row_publics)
        assert row["frais"] in vocabulary.FRAIS
        assert set(_list(row["modes_accueil"])) <= set(vocabulary.MODES_ACCUEIL)
        assert _list(row["modes_mobilisation"])
        assert set(_list(row["modes_mobilisation"])) <= set(vocabulary.MODES_MOBILISATION)
        assert set(_list(row["mobilisable_par"])) <= set(vocabulary.MOBILISABLE_PAR)
        assert set(_list(row["reseaux_porteurs"])) <= set(vocabulary.RESEAUX_PORTEURS)
        assert row["visibilite"] in ("public", "professionnels")
        assert row["statut"] in ("actif", "fermeture-temporaire", "ferme")
        assert row["horaires_accueil"] == "" or OPENING_HOURS.match(row["horaires_accueil"])
        assert date(2024, 11, 1) <= date.fromisoformat(row["date_maj"]) <= date(2026, 11, 1)
    assert len(publics) >= 8


def test_some_closed_and_professional_only_services(rows):
    statuts = collections.Counter(row["statut"] for row in rows)
    assert statuts["fermeture-temporaire"] >= 5 and statuts["ferme"] >= 2
    assert 5 <= sum(row["visibilite"] == "professionnels" for row in rows) <= 30
    assert any("pièce d'identité" in row["conditions_acces"] for row in rows)


def test_places_are_real_communes(rows, directory):
    for row in rows:
        commune = directory.get(row["code_insee"])
        assert commune is not None, row["code_insee"]
        assert commune.nom == row["commune"] and commune.departement == row["departement"]
        assert row["code_postal"] in commune.codes_postaux
        lat, lon = float(row["latitude"]), float(row["longitude"])
        assert haversine_km(lat, lon, commune.latitude, commune.longitude) <= 1.5
        assert row["adresse"]


def test_every_row_passes_the_import_validation(rows, directory):
    # The e-mail, phone and place rules of the importer (email-validator, phonenumbers) accept
    # every demonstration row: ``scripts/run`` imports them all.
    validator = RowValidator(directory, today=date(2026, 11, 1))
    for row in rows:
        resource, errors = validator.validate(row, f"{row['id']}")
        assert errors == [], (row["id"], errors)
        assert resource.courriel == (row["courriel"] or None)
        assert resource.telephone == row["telephone"]


def test_contacts_are_fictional(rows):
    for row in rows:
        prefix = FICTION_PHONES[row["departement"]]
        assert re.fullmatch(re.escape(prefix) + r"\d{4}", row["telephone"]), row["telephone"]
        assert row["courriel"] == "" or row["courriel"].endswith("@example.org")
        for url in (row["site_web"], row["lien_mobilisation"]):
            assert url == "" or url.startswith("https://exemple.invalid/")
        free_text = " ".join(
            row[k] for k in ("nom_structure", "nom", "description", "conditions_acces", "adresse")
        )
        assert "@" not in free_text and "http" not in free_text
        assert not REAL_LOOKING_PHONE.search(free_text), row["id"]


def test_committed_files_are_the_generator_output(directory, tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("generate_demo", DEMO / "generate_demo.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    for code, resources in module.build(directory).items():
        path = tmp_path / f"ressources_{code}.csv"
        write_csv(resources, path)
        committed = (DEMO / f"ressources_{code}.csv").read_bytes()
        assert path.read_bytes() == committed, f"régénérer fixtures/demo ({code})"
