"""Unmet needs (issue 13), the recording side: the anonymity rules, the events of real
searches (page and API, both engines), the store and the migration on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest
from conftest import make_user, sign_in
from sqlalchemy import select, text

from accounts.models import Territory
from persistence import Database
from persistence.needs import SqlNeedsLog
from persistence.orientations import SqlOrientationLog
from persistence.tables import metadata, needs_monthly, orientation_needs, orientations
from relais import settings as settings_module
from resource_base import needs_events
from resource_base.commune import Commune
from resource_base.needs_events import NeedsRecorder, SearchEvent
from resource_base.orientation import OrientationEvent

DECOUPAGE_DIR = settings_module.load()["DECOUPAGE_DIR"]
LOGEMENT = "logement-hebergement"
MOBILITE = "mobilite"
MENTALE = "sante--sante-mentale"
DETTE = "difficultes-financieres--situation-dendettement-surendettement"
GARDE = "famille--garde-denfants"


def _commune(population, epci="200066876", code="51108") -> Commune:
    return Commune(code, "X", "51", "44", ("51000",), 48.9, 4.3, epci=epci, population=population)


# --- The rules ------------------------------------------------------------------------------


def test_small_communes_become_their_epci_or_their_department():
    threshold = needs_events.SMALL_COMMUNE_POPULATION
    assert needs_events.anonymous_place(_commune(threshold)).code_commune == "51108"
    small = needs_events.anonymous_place(_commune(threshold - 1))
    assert (small.departement, small.code_commune, small.epci) == ("51", None, "200066876")
    lone = needs_events.anonymous_place(_commune(120, epci=None))
    assert (lone.departement, lone.code_commune, lone.epci) == ("51", None, None)
    # Unknown population: treated as small.
    assert needs_events.anonymous_place(_commune(None)).code_commune is None


def test_the_threshold_on_the_real_reference(directory):
    place = needs_events.anonymous_place(directory.get("51108"))  # Châlons, 43,000 inhabitants
    assert place.code_commune == "51108" and place.epci == "200066876"
    village = directory.get("51001")  # Ablancourt, under 200 inhabitants
    assert village.population < needs_events.SMALL_COMMUNE_POPULATION
    assert needs_events.anonymous_place(village).code_commune is None


def test_sensitive_needs_are_data_inclusion_sub_themes():
    from resource_base import vocabulary

    assert all(vocabulary.is_thematique(t) for t in needs_events.SENSITIVE_THEMATIQUES)
    kept, sensitive = needs_events.split_sensitive([DETTE, MENTALE, DETTE, "sante--addictions"])
    assert kept == (DETTE,) and sensitive == (MENTALE, "sante--addictions")


@pytest.mark.parametrize(
    ("count", "shown"), [(0, "< 5"), (1, "< 5"), (4, "< 5"), (5, "5"), (1234, "1234")]
)
def test_counts_below_five_are_masked(count, shown):
    assert needs_events.masked(count) == shown


def test_a_rate_is_shown_only_over_unmasked_counts():
    assert needs_events.shown_rate(10, 40) == "25 %"
    assert needs_events.shown_rate(4, 40) == "—" and needs_events.shown_rate(5, 4) == "—"


@pytest.mark.parametrize(
    ("role", "agence", "key", "expected"),
    [
        ("conseiller", "AG51", False, "agence"),
        ("conseiller_ag", None, False, "agence"),
        ("travailleur_social", None, False, "conseil_departemental"),
        ("coordinateur", None, False, "conseil_departemental"),
        ("admin_departemental", None, False, "conseil_departemental"),
        ("admin_national", None, False, "administration_nationale"),
        (None, None, True, "cle_api"),
        (None, None, False, "anonyme"),
    ],
)
def test_organisation_types(role, agence, key, expected):
    assert needs_events.organisation_type(role, agence, key) == expected


def test_per_need_counts_search_each_need_only_when_several():
    asked = []

    def count(need):
        asked.append(need)
        return {"a": 0, "b": 7}.get(need)

    assert needs_events.per_need_counts(("a",), 12, count) == {"a": 12} and asked == []
    assert needs_events.per_need_counts(("a", "b", "c"), 12, count) == {"a": 0, "b": 7}
    many = tuple(f"n{i}" for i in range(needs_events.MAX_COUNTED_NEEDS + 1))
    assert needs_events.per_need_counts(many, 3, count) == {}


def test_rollup_keys_a_search_without_need_and_leaves_out_uncounted_needs():
    event = SearchEvent("2026-03-04", "51", None, None, (), 2)
    assert event.rollup() == [("", 2)]
    event = SearchEvent("2026-03-04", "51", None, None, ("a", "b"), 9, {"a": 1})
    assert event.rollup() == [("a", 1)]


class _BrokenLog:
    def record(self, event):
        raise RuntimeError("disque plein")


def test_a_failed_write_is_logged_and_never_raised(caplog):
    recorder = NeedsRecorder(_BrokenLog(), lambda code: None)
    with caplog.at_level(logging.ERROR):
        assert recorder.record(_commune(100000), ("a",), 3, {"a": 3}, "embedded", "anonyme") is None
    assert "événement de recherche non enregistré" in caplog.text


# --- Real searches record their event ------------------------------------------------------


def test_searches_record_anonymous_events_on_each_engine(contract_runtime):
    from relais.app import create_app

    rt = contract_runtime
    engine = rt.settings["SEARCH_ENGINE"]
    app = create_app({"TESTING": True, "RELAIS_RUNTIME": rt})
    rt.accounts.store.replace_territories(
        "51",
        [Territory(None, "51", "MDS Châlons")],
        {"51108": "MDS Châlons"},
    )
    territory = rt.accounts.store.territory_of("51108").id

    api = app.test_client()
    query = f"code_commune=51108&thematiques={DETTE}&thematiques={GARDE}&q=budget+secret"
    response = api.get(f"/api/v1/search?{query}")
    assert response.status_code == 200
    body = response.get_json()
    [event] = rt.needs_log.events()
    assert event["jour"] == datetime.now(UTC).date().isoformat()
    assert (event["departement"], event["territoire_id"], event["epci"]) == (
        "51",
        territory,
        "200066876",
    )
    assert event["thematiques"] == [DETTE, GARDE] and event["total"] == body["total"]
    assert event["moteur"] == engine and event["organisation"] == "anonyme"
    # Per need: the same search restricted to each need.
    for need in (DETTE, GARDE):
        alone = api.get(f"/api/v1/search?code_commune=51108&thematiques={need}&q=budget+secret")
        assert event["par_besoin"][need] == alone.get_json()["total"]
    assert "secret" not in json.dumps(event)  # never the free text
    # A second page is the same search: nothing more is recorded.
    before = len(rt.needs_log.events())
    assert api.get(f"/api/v1/search?{query}&page=2").status_code == 200
    assert len(rt.needs_log.events()) == before

    # The adviser's page: the organisation type, nothing about the adviser.
    adviser = make_user(rt, email=f"c-{engine}@ft51.example.fr")
    page = app.test_client()
    sign_in(page, adviser)
    response = page.get(f"/?commune=51000&code_commune=51108&thematiques={MENTALE}")
    assert response.status_code == 200
    newest = rt.needs_log.events(limit=1)[0]
    assert newest["organisation"] == "agence" and newest["moteur"] == engine
    # The sensitive need is only in the monthly counts, never in the event.
    assert newest["thematiques"] == [] and newest["par_besoin"] == {}
    figures = rt.needs_log.by_territory_and_need("51", "2000-01", "2999-12")
    assert any(f.key == (territory, MENTALE) and f.recherches == 1 for f in figures)
    columns = {c.name for c in metadata.tables["search_events"].columns}
    assert columns == {
        "id",
        "jour",
        "departement",
        "territoire_id",
        "epci",
        "thematiques",
        "total",
        "par_besoin",
        "moteur",
        "organisation",
    }


def test_a_failed_write_does_not_break_the_search(contract_runtime, caplog):
    from relais.app import create_app

    rt = contract_runtime
    app = create_app({"TESTING": True, "RELAIS_RUNTIME": rt})
    recorder = rt.needs_recorder
    original = recorder.log
    recorder.log = _BrokenLog()  # a real failure of the store, not a mock of the search
    try:
        with caplog.at_level(logging.ERROR):
            response = app.test_client().get(
                f"/api/v1/search?code_commune=51108&thematiques={DETTE}"
            )
    finally:
        recorder.log = original
    assert response.status_code == 200 and response.get_json()["total"] >= 1
    assert "événement de recherche non enregistré" in caplog.text


# --- The store, on both backends -----------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> Database:
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'store.db'}", tmp_path, DECOUPAGE_DIR)
        db.upgrade()
        yield db
        db.dispose()
        return
    db = Database(request.getfixturevalue("postgresql_url"))
    with db.engine.begin() as conn:
        names = ", ".join(t.name for t in metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    yield db


def test_monthly_counts_add_up_on_insert(database):
    log = SqlNeedsLog(database)
    for jour, found in [("2026-01-05", 0), ("2026-01-20", 2), ("2026-01-31", 3), ("2026-02-01", 0)]:
        log.record(
            SearchEvent(
                jour,
                "51",
                7,
                "200066876",
                (LOGEMENT, MENTALE),
                9,
                {LOGEMENT: found, MENTALE: 0},
                "embedded",
                "agence",
            )
        )
    with database.engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(select(needs_monthly))]
    assert sorted(r for r in rows if r[2] >= 0) == [
        ("51", "2026-01", 7, LOGEMENT, 3, 1, 2),
        ("51", "2026-01", 7, MENTALE, 3, 3, 3),
        ("51", "2026-02", 7, LOGEMENT, 1, 1, 1),
        ("51", "2026-02", 7, MENTALE, 1, 1, 1),
    ]
    # The sums the views read: per department and need, nationally, and over every need
    # (a search for two needs counts twice there).
    assert ("51", "2026-01", -1, LOGEMENT, 3, 1, 2) in rows
    assert ("*", "2026-01", -1, MENTALE, 3, 3, 3) in rows
    assert ("51", "2026-01", -1, "*", 6, 4, 5) in rows
    assert ("*", "2026-02", -1, "*", 2, 2, 2) in rows
    assert len(rows) == 4 + 4 + 4 + 2 + 2
    assert [(f.key, f.recherches) for f in log.by_need("2026-01", "2026-02")] == sorted(
        [((LOGEMENT,), 4), ((MENTALE,), 4)]
    )
    assert [(f.key, f.moins_de_3) for f in log.by_department("2026-01", "2026-02")] == [
        (("51",), 7)
    ]
    assert all(e["thematiques"] == [LOGEMENT] for e in log.events())
    assert all(MENTALE not in e["par_besoin"] for e in log.events())
    [(month,)] = [f.key for f in log.by_month("51", "2026-02", "2026-02")]
    assert month == "2026-02"


def test_orientations_keep_the_day_and_count_sensitive_needs_apart(database):
    log = SqlOrientationLog(database)
    moment = datetime(2026, 3, 9, 14, 35, 12, tzinfo=UTC)
    log.record(OrientationEvent("51", None, (DETTE, MENTALE), ("r1",), epci="200066876"), moment)
    log.record(OrientationEvent("51", "51108", (MENTALE,), ("r2",)), moment)
    [second, first] = log.events()
    assert first.date == "2026-03-09" and first.thematiques == (DETTE,)
    assert first.epci == "200066876" and second.thematiques == ()
    counts = SqlNeedsLog(database).orientations_by_need("51", "2026-03", "2026-03")
    assert counts == {DETTE: 1, MENTALE: 2}


def test_migration_0004_converts_existing_orientations(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'relais.db'}", tmp_path, DECOUPAGE_DIR)
    from alembic import command

    with db.engine.begin() as connection:
        command.upgrade(db._alembic_config(connection), "0001")
    with db.engine.begin() as conn:
        for commune, needs in [
            ("51108", [DETTE, MENTALE]),  # Châlons: kept
            ("51001", ["sante--addictions"]),  # Ablancourt: a village, its EPCI instead
            (None, [DETTE]),
        ]:
            conn.execute(
                text(
                    "INSERT INTO orientations (date, departement, code_commune, agence, "
                    "thematiques, ressources) VALUES ('2026-02-03T10:11:12Z', '51', :c, NULL, "
                    ":t, '[\"r\"]')"
                ),
                {"c": commune, "t": json.dumps(needs)},
            )
    db.upgrade()
    with db.engine.connect() as conn:
        rows = conn.execute(select(orientations).order_by(orientations.c.id)).all()
        counts = conn.execute(
            select(orientation_needs).order_by(orientation_needs.c.thematique)
        ).all()
    assert [(r.date, r.code_commune, r.epci, r.thematiques) for r in rows] == [
        ("2026-02-03", "51108", "200066876", [DETTE]),
        ("2026-02-03", None, "200034718", []),  # CC de Vitry, Champagne et Der
        ("2026-02-03", None, None, [DETTE]),
    ]
    assert [tuple(r) for r in counts] == [
        ("51", "2026-02", DETTE, 2),
        ("51", "2026-02", "sante--addictions", 1),
        ("51", "2026-02", MENTALE, 1),
    ]
    db.dispose()


def test_anonymous_people_record_no_orientation(anonymous_client, runtime):
    response = anonymous_client.post("/orientation", data={"ids": "x"})
    assert response.status_code in (302, 400, 403)
    assert runtime.orientation_log.events() == []
