"""The import's shortcuts change nothing: the fast paths of e-mail and phone checking answer as
the libraries do, tokens computed field by field are those of the joined text, and a varied
file imported by the worker pool or in this process leaves identical tables (store and
engine), byte for byte."""

from __future__ import annotations

import random
import re
import sqlite3
from pathlib import Path

import email_validator
import pytest

from indexer import parallel
from indexer.importer import ImportRefused, import_files
from indexer.validation import contacts, phones
from relais import settings as settings_module
from relais.runtime import Runtime
from resource_base import text, urgency, vocabulary
from resource_base.models import Resource

ADDRESSES = [
    "contact.51@mairie-reims.fr",
    "Contact@Example.ORG",
    "mailto:Accueil@CCAS-Epernay.fr",
    "Postmaster@Exemple.fr",
    "abuse@exemple.fr",
    "a..b@exemple.fr",
    ".a@exemple.fr",
    "a.@exemple.fr",
    "a@exemple",
    "a@exemple.invalid",
    "a@localhost",
    "a@exemple.local",
    "a@-exemple.fr",
    "a@exemple-.fr",
    "a@exemple..fr",
    "a@xn--bcher-kva.ch",
    "a@XN--BCHER-KVA.CH",
    "a@exemple.fr.",
    "a@1.2.3.4",
    "a@[1.2.3.4]",
    "x" * 64 + "@exemple.fr",
    "x" * 65 + "@exemple.fr",
    "x" * 244 + "@exemple.fr",
    "x" * 250 + "@exemple.fr",
    "a@" + "b" * 63 + ".fr",
    "a@" + "b" * 64 + ".fr",
    "a+b@exemple.fr",
    "a!#$%&'*+-/=?^_`{|}~@exemple.fr",
    "a@exemple_x.fr",
    "a@exemple.f",
    "a@exemple.123",
    "a@b@exemple.fr",
    "a@.fr",
    "a@fr",
    "a@exemple.onion",
    "a@exemple.test",
    "a@exemple.arpa",
    '"a b"@exemple.fr',
    "Jean <jean@exemple.fr>",
    "élodie@exemple.fr",
    "a@bücher.de",
    "a b@exemple.fr",
    "a@exemple.fr;b@exemple.fr",
]


def _library_email(address: str) -> str | None:
    if address[:7].lower() == "mailto:":
        address = address[7:]
    try:
        return email_validator.validate_email(address, check_deliverability=False).normalized
    except email_validator.EmailNotValidError:
        return None


@pytest.mark.parametrize("address", ADDRESSES)
def test_the_email_fast_path_answers_as_email_validator(address):
    contacts.normalise_email.cache_clear()
    assert contacts.normalise_email(address) == _library_email(address)


def test_the_email_fast_path_takes_the_common_addresses():
    assert contacts._simple_email("contact.51@mairie-reims.fr") == "contact.51@mairie-reims.fr"
    assert contacts._simple_email("Postmaster@Exemple.FR") == "postmaster@exemple.fr"
    assert contacts._simple_email("a@exemple.invalid") is None
    assert contacts._simple_email("élodie@exemple.fr") is False  # left to the library


def _phone_cases(count: int) -> list[str]:
    rnd = random.Random(12)
    prefixes = ["262", "269", "590", "594", "596", "639", "692", "694", "800", "891", "970"]
    cases = []
    for _ in range(count):
        digits = str(rnd.randint(1, 9)) + "".join(str(rnd.randint(0, 9)) for _ in range(8))
        if rnd.random() < 0.5:
            digits = rnd.choice(prefixes) + digits[3:]
        sep = rnd.choice(["", " ", ".", "-"])
        body = digits[0] + sep + sep.join(digits[i : i + 2] for i in (1, 3, 5, 7))
        cases.append(rnd.choice(["0", "+33", "+33 ", "+33."]) + body)
    return cases + ["03 26 00 00 00 poste 12", "115", "+33 (0)3 26 00 00 00", "0 326 000 000"]


def test_the_phone_fast_path_answers_as_phonenumbers_parsing(monkeypatch):
    cases = _phone_cases(3000)
    phones.normalise_phone.cache_clear()
    fast = [phones.normalise_phone(c) for c in cases]
    assert sum(1 for c in cases if phones._FRENCH_FORM.fullmatch(c)) >= 3000
    monkeypatch.setattr(phones, "_FRENCH_FORM", re.compile(r"(?!)"))  # never: always parse
    phones.normalise_phone.cache_clear()
    try:
        parsed = [phones.normalise_phone(c) for c in cases]
    finally:
        phones.normalise_phone.cache_clear()
    assert fast == parsed
    assert None in fast and any(n and n.startswith("+262") for n in fast)
    assert any(n and n.startswith("+33") for n in fast)


def test_emergency_numbers_fast_path():
    found = [
        urgency.emergency_number(v)
        for v in (None, "", "115", "+115", "+33326000000", "3919", "11 5", "119 poste 2")
    ]
    assert found == [None, None, "115", "115", None, "3919", "115", None]


def test_tokens_field_by_field_are_those_of_the_joined_text():
    resource = Resource(
        "x",
        "cd51",
        "x",
        "51",
        nom="L'Épicerie sociale d’Œuvre",
        nom_structure="Centre communal d'action sociale",
        description="Aide aux dettes ; jusqu'à l'accès aux droits. Cœur, cafés.",
        conditions_acces="Être qu'un résident",
        frais_precisions="Gratuit\npour les enfants",
        commune="Châlons-en-Champagne",
        thematiques=["sante"],
        reseaux_porteurs=["mission-locale"],
    )
    joined = " \n ".join(
        p
        for p in (
            resource.nom,
            resource.nom_structure,
            resource.description,
            resource.conditions_acces,
            resource.frais_precisions,
            resource.commune,
        )
        if p
    )
    labels = (
        vocabulary.label("sante"),
        vocabulary.label(vocabulary.category_of("sante")),
        vocabulary.RESEAUX_PORTEURS["mission-locale"],
    )
    expected = set(text.tokens(joined)) | set(text.tokens(" \n ".join(labels)))
    assert resource.mots() == sorted(expected)
    assert "oeuvr" in resource.mots() and "chalon" in resource.mots()


def varied_file(path: Path) -> Path:
    """1,400 rows: phones, e-mails, accents, elisions, remote rows, rows to geocode,
    duplicates, wrong values."""
    head = (
        "id;nom_structure;nom;description;thematiques;code_insee;latitude;longitude;"
        "telephone;courriel;modes_accueil;date_maj;horaires_accueil;frais;publics"
    )
    phone_forms = ["03 26 00 {0:02d} 00", "+33326{0:02d}0000", "0262 12 {0:02d} 56", "115", "x"]
    mails = [
        "contact.{0}@mairie-reims.fr",
        "Accueil.{0}@CCAS-Epernay.FR",
        "mailto:p{0}@exemple.fr",
        "élodie.{0}@exemple.fr",
        "a..{0}@exemple.fr",
        "",
    ]
    lines = [head]
    for i in range(1400):
        code, lat, lon = [("51108", "48.9566", "4.3631"), ("51454", "", ""), ("51230", "", "")][
            i % 3
        ]
        remote = i % 40 == 0
        theme = "sante" if i % 101 else "pas-une-thematique"
        ident = f"v{i}" if i % 307 else "v1"
        lines.append(
            ";".join(
                [
                    ident,
                    f"Œuvre d’entraide n° {i % 17}",
                    f"L'épicerie sociale {i % 23} (démo)",
                    f"Données de démonstration : aide à l'accès aux droits, cœur n° {i}.",
                    theme,
                    "" if remote else code,
                    "" if remote else lat,
                    "" if remote else lon,
                    phone_forms[i % len(phone_forms)].format(i % 100),
                    mails[i % len(mails)].format(i),
                    "a-distance" if remote else "",
                    ["15/01/2025", "2024-06-30", "", "31/12/23"][i % 4],
                    ["Mo-Fr 09:00-12:00", "", "Tu 14:00-17:00"][i % 3],
                    ["gratuit", "payant", ""][i % 3],
                    ["tous-publics", "jeunes|familles", ""][i % 3],
                ]
            )
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _tables(data_dir: Path) -> dict:
    conn = sqlite3.connect(data_dir / "relais.sqlite3")
    try:
        return {
            "resources": conn.execute("SELECT * FROM resources ORDER BY id").fetchall(),
            "moteur_docs": conn.execute("SELECT * FROM moteur_docs ORDER BY id").fetchall(),
            "moteur_vocab": conn.execute("SELECT * FROM moteur_vocab ORDER BY term").fetchall(),
        }
    finally:
        conn.close()


def _import(tmp_path: Path, directory, name: str, path: Path, workers: int) -> tuple:
    data_dir = tmp_path / name
    runtime = Runtime(
        settings_module.load(
            {"DATA_DIR": str(data_dir), "SEARCH_ENGINE": "embedded", "IMPORT_WORKERS": workers}
        )
    )
    runtime.directory = directory
    try:
        report = import_files(runtime, [path], departement="51", force=True)
    except ImportRefused as refused:
        report = refused.report
    summary = report.to_dict()
    summary.pop("duree_s")
    summary.pop("rejets_fichier")
    return summary, _tables(Path(runtime.settings["DATA_DIR"]))


def test_pool_and_single_process_leave_identical_tables(tmp_path, directory, monkeypatch):
    path = varied_file(tmp_path / "varie.csv")
    single = _import(tmp_path, directory, "seul", path, 1)
    monkeypatch.setattr(parallel, "POOL_MIN_BYTES", 0)
    try:
        pooled = _import(tmp_path, directory, "groupe", path, 2)
        assert parallel._pool is not None  # the pool really ran
    finally:
        parallel.shutdown()
    assert pooled[0] == single[0]
    assert pooled[1] == single[1]
    summary, tables = single
    assert summary["acceptees"] > 800 and summary["rejetees"] > 100
    assert len(tables["resources"]) == summary["acceptees"] == len(tables["moteur_docs"])
    assert tables["moteur_vocab"]


def test_a_prepared_row_rebuilds_the_resource_it_was_made_of(tmp_path, directory):
    """A worker sends back a ``Prepared`` row (ids, place, JSON, engine row), not the
    resource: ``parallel.full`` rebuilds the same resource from it, with its search text."""
    import csv

    from resource_base.store import serialise
    from search_engines.embedded import DOCUMENT_KEY, document_columns

    validator = parallel.RowValidator(directory, departement="51")
    context = parallel.Context("51", False, None, (), "varie.csv", False)
    with varied_file(tmp_path / "varie.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(enumerate(csv.DictReader(handle, delimiter=";"), start=2))
    outcomes = parallel.validate_chunk(validator, context, rows)
    prepared = [o for o in outcomes if o[1] is not None and "_serialised" in o[1].__dict__]
    assert len(prepared) > 300
    for outcome in prepared:
        resource = outcome[1]
        row = parallel._unpacked([parallel._pack(outcome)])[0][1]
        assert isinstance(row, parallel.Prepared)
        assert (row.id, row.departement, row.source_id) == (
            resource.id,
            resource.departement,
            resource.source_id,
        )
        assert serialise(row) == serialise(resource)
        rebuilt = parallel.full(row)
        assert rebuilt.to_dict() == resource.to_dict()
        assert rebuilt.search_text() == resource.search_text()
        assert document_columns(rebuilt) == resource.__dict__[DOCUMENT_KEY]
