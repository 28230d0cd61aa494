"""The unmet-needs page (issue 13): its figures equal those of a known set of events, on
SQLite and on PostgreSQL; counts below 5 are masked on the page and in the CSV; scoping."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from html import unescape

import pytest
from conftest import make_user, sign_in
from sqlalchemy import text

from accounts.models import Territory
from persistence.tables import metadata
from relais import settings as settings_module
from relais.runtime import Runtime
from resource_base import vocabulary
from resource_base.needs_events import SearchEvent

LOGEMENT = "logement-hebergement"
MOBILITE = "mobilite"
MENTALE = "sante--sante-mentale"
PERIOD = "debut=2026-01&fin=2026-03"

# (month, department, territory, need, eligible results, how many such searches)
KNOWN = [
    ("2026-01", "51", "MDS Nord", LOGEMENT, 0, 4),
    ("2026-02", "51", "MDS Nord", LOGEMENT, 0, 2),
    ("2026-02", "51", "MDS Nord", LOGEMENT, 2, 3),
    ("2026-03", "51", "MDS Nord", LOGEMENT, 10, 3),
    ("2026-01", "51", "MDS Nord", MOBILITE, 0, 2),
    ("2026-01", "51", "MDS Nord", MOBILITE, 1, 1),
    ("2026-02", "51", "MDS Nord", MOBILITE, 5, 4),
    ("2026-01", "51", "MDS Sud", LOGEMENT, 20, 5),
    ("2026-03", "51", None, MENTALE, 0, 6),
    ("2026-02", "51", None, "", 0, 1),  # a search without a need
    ("2026-01", "52", None, LOGEMENT, 0, 8),
    ("2025-06", "51", "MDS Nord", LOGEMENT, 0, 9),  # outside the period
]
COMMUNES = {"51108": "MDS Nord", "51454": "MDS Sud"}


def show(count: int) -> str:
    """The masking rule, written again: below 5, "< 5"."""
    return "< 5" if count < 5 else str(count)


def expected_by_territory(departement: str) -> dict[tuple[str, str], tuple[str, str, str]]:
    searches, none, few = Counter(), Counter(), Counter()
    for month, dep, territory, need, found, times in KNOWN:
        if dep != departement or not ("2026-01" <= month <= "2026-03"):
            continue
        key = (territory or "Communes sans territoire", need)
        searches[key] += times
        none[key] += times * (found == 0)
        few[key] += times * (found < 3)
    return {k: (show(searches[k]), show(none[k]), show(few[k])) for k in searches}


@pytest.fixture(params=["sqlite", "postgresql"])
def needs_runtime(request, tmp_path, directory) -> Runtime:
    """A runtime whose relational store holds the known events (on each backend)."""
    overrides = {"DATA_DIR": str(tmp_path / "data"), "COOKIE_SECURE": False}
    if request.param == "postgresql":
        url = request.getfixturevalue("postgresql_url")
        overrides["DATABASE_URL"] = url
    rt = Runtime(settings_module.load(overrides))
    rt.directory = directory
    if request.param == "postgresql":
        with rt.database.engine.begin() as conn:
            names = ", ".join(t.name for t in metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    rt.accounts.set_departement(None, "51", True)
    rt.accounts.set_departement(None, "52", True)
    rt.accounts.store.replace_territories(
        "51", [Territory(None, "51", "MDS Nord"), Territory(None, "51", "MDS Sud")], COMMUNES
    )
    ids = {t.nom: t.id for t in rt.accounts.store.list_territories("51")}
    for month, dep, territory, need, found, times in KNOWN:
        for n in range(times):
            rt.needs_log.record(
                SearchEvent(
                    f"{month}-{n % 28 + 1:02d}",
                    dep,
                    ids.get(territory),
                    None,
                    (need,) if need else (),
                    found,
                    {need: found} if need else {},
                    "embedded",
                    "agence",
                )
            )
    return rt


def _client(rt, role: str, departement: str | None = "51"):
    from relais.app import create_app

    app = create_app({"TESTING": True, "RELAIS_RUNTIME": rt})
    user = make_user(
        rt, email=f"{role}-{departement}@exemple.fr", role=role, departement=departement
    )
    client = app.test_client()
    sign_in(client, user)
    return client


def table_rows(html: str, table_id: str) -> list[list[str]]:
    """The body rows of the table inside ``id=table_id``, cells as text."""
    start = html.index(f'id="{table_id}"')
    body = html[html.index("<tbody>", start) : html.index("</tbody>", start)]
    return [
        [
            unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def _label(need: str) -> str:
    return vocabulary.label(need) if need else "Sans besoin précisé"


def test_department_figures_equal_the_known_events(needs_runtime):
    client = _client(needs_runtime, "coordinateur")
    response = client.get(f"/besoins/51?{PERIOD}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = table_rows(html, "table-par-territoire")
    found = {(r[0], r[1]): (r[2], r[3], r[4]) for r in rows}
    expected = {
        (territory, _label(need)): figures
        for (territory, need), figures in expected_by_territory("51").items()
    }
    assert found == expected
    # Literally: MDS Nord, logement: 12 searches, 6 without answer, 9 with fewer than 3.
    assert ["MDS Nord", "Logement et hébergement", "12", "6", "9", "75 %"] in rows
    # Mobility: 7 searches, 2 without answer and 3 with fewer than 3: both masked, no rate.
    assert ["MDS Nord", "Mobilité", "7", "< 5", "< 5", "—"] in rows

    # Needs ranked by shortfall: logement (9 + 0), santé mentale (6), then the masked ones.
    ranking = table_rows(html, "table-classement")
    assert [r[1] for r in ranking[:2]] == ["Logement et hébergement", "Santé mentale"]
    assert ranking[0][2:6] == ["17", "6", "9", "53 %"]
    assert {r[1] for r in ranking[2:]} == {"Mobilité", "Sans besoin précisé"}

    # The monthly trend: January 4 + 3 + 5 = 12 need-searches, February 2 + 3 + 4 + 1 = 10…
    trend = table_rows(html, "table-tendance")
    assert trend == [
        ["janvier 2026", "12", "6", "7", "58 %"],
        ["février 2026", "10", "< 5", "6", "60 %"],
        ["mars 2026", "9", "6", "6", "67 %"],
    ]
    # The charts carry the same figures, masked ones drawn as 0.
    assert 'y="[[9, 6, 0, 0]]"' in unescape(html)
    assert 'y="[[12, 10, 9], [7, 6, 6]]"' in unescape(html)


def test_the_csv_holds_the_page_figures_masked(needs_runtime):
    client = _client(needs_runtime, "admin_departemental")
    response = client.get(f"/besoins/51/export.csv?{PERIOD}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    found = {
        (r["territoire"], r["thematique"]): (
            r["recherches"],
            r["sans_reponse"],
            r["moins_de_3_reponses"],
        )
        for r in rows
    }
    assert found == expected_by_territory("51")
    values = {
        v
        for r in rows
        for k, v in r.items()
        if k in ("recherches", "sans_reponse", "moins_de_3_reponses")
    }
    assert not values & {"0", "1", "2", "3", "4"}  # never a count below 5
    assert {r["periode_debut"] for r in rows} == {"2026-01"}


def test_the_national_admin_sees_every_department(needs_runtime):
    client = _client(needs_runtime, "admin_national", None)
    response = client.get(f"/besoins/?{PERIOD}")
    assert response.status_code == 200
    rows = table_rows(response.get_data(as_text=True), "table-par-departement")
    assert rows == [["51", "31", "15", "19", "61 %"], ["52", "8", "8", "8", "100 %"]]
    assert client.get(f"/besoins/52?{PERIOD}").status_code == 200
    exported = client.get(f"/besoins/export.csv?{PERIOD}").get_data(as_text=True)
    assert "52;;logement-hebergement;Logement et hébergement;8;8;8;100 %" in exported


@pytest.mark.parametrize(
    ("role", "departement", "path", "status"),
    [
        ("conseiller", "51", "/besoins/51", 403),
        ("conseiller", "51", "/besoins/", 403),
        ("travailleur_social", "51", "/besoins/51", 403),
        ("coordinateur", "52", "/besoins/51", 403),
        ("admin_departemental", "52", "/besoins/51", 403),
        ("admin_departemental", "52", "/besoins/51/export.csv", 403),
        ("admin_departemental", "52", "/besoins/export.csv", 403),
        ("coordinateur", "51", "/besoins/", 302),
        ("coordinateur", "51", "/besoins/51", 200),
    ],
)
def test_scoping(runtime, role, departement, path, status):
    client = _client(runtime, role, departement)
    response = client.get(path)
    assert response.status_code == status
    if status == 302:
        assert response.headers["Location"].endswith("/besoins/51")
    if status == 403:
        assert response.mimetype == "text/html"  # the DSFR error page, never JSON


def test_anonymous_visitors_are_sent_to_the_login(anonymous_client):
    response = anonymous_client.get("/besoins/51")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_a_bad_period_is_a_french_error_with_the_default_period(runtime):
    client = _client(runtime, "coordinateur")
    response = client.get("/besoins/51?debut=2026-13&fin=hier")
    assert response.status_code == 400
    html = unescape(response.get_data(as_text=True))
    assert "Mois de début invalide : « 2026-13 »" in html and "La période par défaut" in html
    reversed_period = client.get("/besoins/51?debut=2026-05&fin=2026-01")
    assert "Le mois de début doit précéder le mois de fin." in unescape(
        reversed_period.get_data(as_text=True)
    )
    assert client.get("/besoins/51/export.csv?debut=x").status_code == 400


def test_the_chart_files_are_served_from_npm(anonymous_client):
    response = anonymous_client.get("/dsfr-chart/DSFRChart/DSFRChart.js")
    assert response.status_code == 200 and b"bar-chart" in response.data
    response.close()
