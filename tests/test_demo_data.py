"""The committed demonstration data set (fixtures/demo): complete, valid and fictional."""

from __future__ import annotations

import collections
import csv
import importlib.util
import re
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from bench.synthetic import write_csv
from handover.dates import today_in_france
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


# --- the hand-over's demonstration (issue 10): territories, accounts, hand-overs ---------------

DEMO_PASSWORD = "demo-relais-2026"


@pytest.fixture
def demo_runtime(runtime, database):
    """A runtime on this test's relational store (SQLite, then a real PostgreSQL)."""
    runtime.database = database  # cached_property
    return runtime


def _load(rt, today=None):
    from handover.demo.loader import load

    return load(rt.accounts, rt.handovers, rt.directory, DEMO, DEMO_PASSWORD, today)


def test_demo_territories_partition_each_department(demo_runtime, directory):
    from handover.demo.territories import read

    report = _load(demo_runtime)
    assert report.territories == {"51": 6, "52": 4, "48": 6}
    store = demo_runtime.accounts.store
    for code in DEPARTEMENTS:
        territories = {t.id: t for t in store.list_territories(code)}
        assignments = store.territory_assignments(code)
        communes = {c.code_insee for c in directory.communes.values() if c.departement == code}
        assert set(assignments) == communes, code  # every commune, exactly one territory
        assert set(assignments.values()) == set(territories), code  # none is empty
        expected = "CMS" if code == "48" else "MDS"
        assert {t.kind for t in territories.values()} == {expected}
    # Each territory is the zone of the demonstration's own unit: its seat is in it.
    for demo in read(DEMO, "51", directory):
        assert store.territory_of(demo.siege).nom == demo.nom
    assert store.territory_of("51454").nom == (
        "Circonscription de la solidarité départementale de Reims"
    )
    assert store.territory_of("48095").nom == "Centre médico-social de Mende"


def test_demo_accounts_cover_the_new_roles(demo_runtime):
    report = _load(demo_runtime)
    store = demo_runtime.accounts.store
    users = {u.email: u for u in store.list_users()}
    adviser = users["conseiller@demo.relais.fr"]
    assert (adviser.role, adviser.agence) == ("conseiller", "FT51001")
    ag = users["conseiller-ag@demo.relais.fr"]
    assert (ag.role, ag.agence, ag.departement) == ("conseiller_ag", "FT51001", "51")
    assert users["travailleur-social-48@demo.relais.fr"].role == "travailleur_social"
    for code in ("51", "48"):
        coordinators = {
            u.territoire_id
            for u in users.values()
            if u.role == "coordinateur" and u.departement == code
        }
        assert coordinators == {t.id for t in store.list_territories(code)}, code
    assert not [u for u in users.values() if u.departement == "52"]  # the CD 52 does not share
    assert {email for email, _ in report.accounts} == set(users)
    logged = demo_runtime.accounts.authenticate("coordination-reims@demo.relais.fr", DEMO_PASSWORD)
    assert logged.role == "coordinateur"
    assert demo_runtime.accounts.store.get_departement("52").partage is False


def test_demo_handovers_in_every_status_with_their_events(demo_runtime):
    from accounts.scoping import AccessDenied
    from handover.access import Scope
    from handover.models import STATUSES

    today = today_in_france()
    told = []
    demo_runtime.handovers.notify = lambda kind, record: told.append(kind)
    report = _load(demo_runtime, today)
    assert told == []  # a replayed past: no e-mail
    service = demo_runtime.handovers
    counts = service.store.counts(Scope(everything=True))
    assert set(counts) == set(STATUSES) and counts == report.handovers
    records = service.store.list(Scope(everything=True), limit=100)
    assert {r.departement for r in records} == {"51", "48"}
    for summary in records:
        record = service.store.get(summary.id)
        events = record.events
        assert events[0].action == "proposer" and events[-1].to_status == record.status
        assert all(e.from_status == p.to_status for p, e in zip(events, events[1:], strict=False))
        assert record.proposee_le <= today and record.consent.date == record.proposee_le
        # The history reads on the scenario's days, those the record says (issue 10).
        days = [today_in_france(datetime.fromisoformat(e.at)) for e in events]
        assert days[0] == record.proposee_le and days == sorted(days), (record.reference, days)
        assert days[-1] <= today
        for moment, (name, value) in (
            ("prendre_en_charge", ("prise_en_charge_le", record.prise_en_charge_le)),
            ("entrer", ("entree_le", record.entree_le)),
            ("renouveler", ("renouvelee_le", record.renouvelee_le)),
        ):
            stamped = [d for d, e in zip(days, events, strict=True) if e.action == moment]
            assert stamped[-1:] in ([], [value]), (record.reference, name, stamped, value)
        if record.cloturee_le:
            assert days[-1] == record.cloturee_le, record.reference
        person = record.person  # fictional: ARCEP fiction ranges, DEMO identifiants
        assert re.fullmatch(r"\+33(353019|465719)\d{3}", person.telephone), person.telephone
        assert person.identifiant_ft.startswith("DEMO") and person.nom in {
            "Fictif",
            "Exemple",
            "Démo",
        }
        if record.status in ("transmise", "prise_en_charge"):
            # Still waiting: recent enough not to expire at the next scheduled task.
            assert (today - record.proposee_le).days < 45
    by_status = {r.status: service.store.get(r.id) for r in records}
    renewed = by_status["renouvelee"]
    assert renewed.fin_prevue_le > today and renewed.entree_le < today
    assert by_status["expiree"].events[-1].actor_id is None
    assert any(r.redirections == 1 for r in records)
    assert any(e.action == "reorienter" for r in records for e in service.store.get(r.id).events)

    # The demonstration's people see what their role and territory allow.
    store = demo_runtime.accounts.store
    reims = store.find_user_by_email("coordination-reims@demo.relais.fr")
    inbox, inbox_counts = service.inbox(reims, reims.territoire_id)
    assert inbox and all(r.territoire_id == reims.territoire_id for r in inbox)
    assert inbox_counts.get("transmise", 0) >= 1
    mende = store.find_user_by_email("coordination-mende@demo.relais.fr")
    with pytest.raises(AccessDenied):
        service.read(mende, inbox[0].id)


def test_demo_load_is_idempotent_and_keeps_changes(demo_runtime):
    from accounts.models import Territory
    from handover.access import Scope

    _load(demo_runtime)
    store = demo_runtime.accounts.store
    users = len(store.list_users())
    events = sum(
        len(store_record.events)
        for store_record in (
            demo_runtime.handovers.store.get(r.id)
            for r in demo_runtime.handovers.store.list(Scope(everything=True), limit=100)
        )
    )
    store.replace_territories(
        "48",
        [Territory(None, "48", "Lozère entière")],
        {c: "Lozère entière" for c in store.territory_assignments("48")},
    )
    demo_runtime.accounts.set_departement(None, "52", True)  # an administrator's choice
    report = _load(demo_runtime)
    assert report.handovers == {} and report.skipped == "des orientations existent déjà"
    assert [t.nom for t in store.list_territories("48")] == ["Lozère entière"]
    assert store.get_departement("52").partage is True
    assert len(store.list_users()) == users == 20
    # The coordinators of the replaced territories are not listed as such any more.
    assert len(report.accounts) == 20 - 6
    assert events == sum(
        len(demo_runtime.handovers.store.get(r.id).events)
        for r in demo_runtime.handovers.store.list(Scope(everything=True), limit=100)
    )


def test_relais_demo_command(runner):
    result = runner(
        ["demo", "--mot-de-passe-stdin", "--dossier", str(DEMO)], input="pw-1234567890\n"
    )
    assert result.exit_code == 0, result.output
    assert "coordination-reims@demo.relais.fr" in result.output
    assert "Orientations créées — transmise 3" in result.output
    again = runner(["demo", "--mot-de-passe-stdin", "--dossier", str(DEMO)], input="x\n")
    assert again.exit_code == 0 and "Orientations créées" not in again.output
    missing = runner(
        ["demo", "--mot-de-passe-stdin", "--dossier", str(DEMO / "absent")], input="x\n"
    )
    assert missing.exit_code == 2 and "absent" in missing.output


def test_demo_creates_no_handover_on_territories_of_its_own(demo_runtime):
    from accounts.models import Territory

    accounts = demo_runtime.accounts
    accounts.set_departement(None, "48", True)
    communes = {
        c.code_insee for c in demo_runtime.directory.communes.values() if c.departement == "48"
    }
    accounts.store.replace_territories(
        "48", [Territory(None, "48", "Lozère entière")], dict.fromkeys(communes, "Lozère entière")
    )
    report = _load(demo_runtime)
    assert report.handovers == {} and "ne sont plus ceux" in report.skipped
    assert [t.nom for t in accounts.store.list_territories("48")] == ["Lozère entière"]
    assert report.territories["51"] == 6  # the rest of the demonstration is there
