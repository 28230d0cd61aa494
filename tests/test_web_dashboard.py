"""The délais dashboard page and its CSV export, on SQLite and PostgreSQL: figures of the
known set (``dashboard_data``), 403 route by route, a bad filter as a French message."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape

import pytest
from conftest import sign_in
from dashboard_data import TODAY, dashboard_runtime, load

from handover.dashboard import DashboardService
from persistence.handover_stats import SqlHandOverStats
from persistence.tables import territories

PAGE = "/accompagnements/tableau-de-bord"
EXPORT = "/accompagnements/tableau-de-bord/export.csv"


@pytest.fixture
def board_runtime(database, directory, tmp_path):
    rt = dashboard_runtime(database, directory, tmp_path / "data")
    rt.handover_dashboard = DashboardService(SqlHandOverStats(database), today=lambda: TODAY)
    rt.territories = load(database)
    return rt


@pytest.fixture
def board_app(board_runtime):
    from relais.app import create_app

    return create_app({"TESTING": True, "RELAIS_RUNTIME": board_runtime})


def client_for(app, rt, role, departement="51", territoire=None, agence=None):
    user = rt.accounts.create_user(
        None,
        f"{role}-{departement}-{territoire}@example.fr",
        role,
        departement,
        agence,
        None,
        role,
        rt.territories[territoire] if territoire else None,
    )
    client = app.test_client()
    sign_in(client, user)
    return client


def text(response) -> str:
    """The page's words, tags removed, spaces collapsed."""
    words = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", unescape(words))  # \s: non-breaking spaces too


def test_department_admin_sees_the_figures_computed_by_hand(board_app, board_runtime):
    client = client_for(board_app, board_runtime, "admin_departemental")
    response = client.get(PAGE)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    page = text(response)
    assert "7 propositions comptées ; 1 plus récente, pas encore comptée" in page
    assert "57 % entrent en accompagnement" in page  # 4 of 7
    assert "26,0 jours de la proposition à l'entrée (médiane)" in page
    assert "17 à 32 jours – dans la référence" in page
    # The accessible table of the délais chart: the same figures.
    assert "Proposition → entrée 4 26,0 32,5 37,0" in page
    assert "Proposition → prise en charge 6 4,5 5,8 6,5" in page
    assert "Personne non joignable 2" in page and "Absente aux rendez-vous 1" in page
    # Grouped by territory by default, the chart's figures in its attributes.
    assert "MDS Reims (51)" in page and "MDS Châlons (51)" in page
    html = response.get_data(as_text=True)
    chart = re.search(r"<bar-chart[^>]*id=\"graphique-delais\"[^>]*>", html, re.S).group(0)
    y = json.loads(unescape(re.search(r"y='([^']*)'", chart).group(1)))
    assert y[0] == [4.5, 11.0, 12.5, 15.5, 26.0]  # medians, one per step
    assert "/dsfr-chart/BarChart/BarChart.js" in html
    assert "<script>" not in html  # CSP: no inline script


def test_filters_and_grouping_from_the_query_string(board_app, board_runtime):
    client = client_for(board_app, board_runtime, "admin_departemental")
    page = text(client.get(PAGE + "?par=mois&du=2026-07&au=2026-08&axe=3"))
    # Records 4 (July, expired) and 6 (August, entered after 40 days).
    assert "2 propositions comptées ; 0 plus récente" in page
    assert "juillet 2026 1 " in page and "août 2026 1 " in page
    assert "40,0 jours de la proposition à l'entrée (médiane)" in page
    assert "hors de la référence" in page


def test_a_bad_filter_is_a_french_message_and_the_page_still_shows(board_app, board_runtime):
    client = client_for(board_app, board_runtime, "admin_departemental")
    response = client.get(PAGE + "?du=2026-13")
    assert response.status_code == 400
    page = text(response)
    assert "Période : « 2026-13 » n'est pas un mois (AAAA-MM)." in page
    assert "7 propositions comptées" in page
    export = client.get(EXPORT + "?axe=7")
    assert export.status_code == 400
    assert "Axe : « 7 » n'existe pas" in export.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("departement=99", "Département : « 99 » n'existe pas."),
        ("departement=5x", "Département : « 5x » n'est pas un code."),
        ("territoire=999999", "Territoire : « 999999 » n'est pas un territoire de ce périmètre."),
        ("territoire=abc", "Territoire : « abc » n'est pas un numéro."),
    ],
)
def test_an_unknown_department_or_territory_is_a_400_naming_the_field(
    board_app, board_runtime, query, message
):
    for role, departement in (("admin_national", None), ("admin_departemental", "51")):
        client = client_for(board_app, board_runtime, role, departement=departement)
        page = client.get(f"{PAGE}?{query}")
        assert page.status_code == 400, (role, query)
        assert message in text(page) and "Les filtres n'ont pas été appliqués." in text(page)
        export = client.get(f"{EXPORT}?{query}")
        assert export.status_code == 400, (role, query)
        assert export.get_data(as_text=True) == message + "\n"


def test_another_department_territory_is_not_in_an_admin_scope(board_app, board_runtime):
    client = client_for(board_app, board_runtime, "admin_departemental")
    chaumont = board_runtime.territories["chaumont"]
    assert client.get(f"{EXPORT}?territoire={chaumont}").status_code == 400
    reims = board_runtime.territories["reims"]
    assert client.get(f"{EXPORT}?territoire={reims}").status_code == 200


def test_csv_export_has_the_same_figures(board_app, board_runtime):
    client = client_for(board_app, board_runtime, "admin_departemental")
    response = client.get(EXPORT + "?par=axe")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert [r["groupe"] for r in rows] == [
        "Axe 2 – Accompagnement global",
        "Axe 3 – Accompagnement social exclusif",
        "Ensemble",
    ]
    total = rows[-1]
    assert total["propositions_comptees"] == "7" and total["propositions_recentes"] == "1"
    assert total["jours_entree_mediane"] == "26,0" and total["jours_entree_p90"] == "37,0"
    assert total["jours_decision_p75"] == "22,8"  # 22.75 with one decimal
    assert total["taux_entree"] == "0,5714" and total["expirations"] == "1"
    assert total["motifs_refus"] == "Personne non joignable : 2 | Absente aux rendez-vous : 1"
    axe3 = rows[1]
    assert (axe3["propositions_comptees"], axe3["entrees"], axe3["jours_entree_mediane"]) == (
        "2",
        "1",
        "40,0",
    )


def test_csv_cells_never_run_as_formulas(board_app, board_runtime):
    client = client_for(board_app, board_runtime, "admin_departemental")
    with board_runtime.database.engine.begin() as conn:
        conn.execute(
            territories.update()
            .where(territories.c.id == board_runtime.territories["reims"])
            .values(nom="=HYPERLINK(1)")
        )
    rows = list(csv.reader(io.StringIO(client.get(EXPORT).get_data(as_text=True)), delimiter=";"))
    assert [r[1] for r in rows if "HYPERLINK" in r[1]] == ["'=HYPERLINK(1) (51)"]


def test_national_admin_sees_every_department_and_may_pick_one(board_app, board_runtime):
    client = client_for(board_app, board_runtime, "admin_national", departement=None)
    page = text(client.get(PAGE))
    # Groups are named from the commune directory (INSEE), the code beside the name.
    assert "Marne (51) 7 " in page and "Haute-Marne (52) 1 " in page
    assert "Département 51" not in page and "Département 52" not in page
    assert "8 propositions comptées" in page
    page = text(client.get(PAGE + "?departement=52"))
    assert "1 proposition comptée" in page and "CMS Chaumont (52)" in page
    assert "Haute-Marne (52)." in page  # the scope, said under the title
    rows = list(csv.reader(io.StringIO(client.get(EXPORT).get_data(as_text=True)), delimiter=";"))
    assert [r[1] for r in rows[1:3]] == ["Marne (51)", "Haute-Marne (52)"]


def test_the_header_links_to_the_dashboard_for_those_who_may_see_it(board_app, board_runtime):
    link = 'href="/accompagnements/tableau-de-bord"'
    for role, agence, shown in (
        ("coordinateur", None, True),
        ("admin_departemental", None, True),
        ("conseiller", "AG51", False),
        ("travailleur_social", None, False),
    ):
        client = client_for(board_app, board_runtime, role, agence=agence)
        assert (link in client.get("/").get_data(as_text=True)) is shown, role


def test_a_coordinateur_sees_their_territory(board_app, board_runtime):
    client = client_for(board_app, board_runtime, "coordinateur", territoire="chalons")
    response = client.get(PAGE)
    assert response.status_code == 200
    page = text(response)
    assert "3 propositions comptées" in page and "Votre territoire." in page
    other = board_runtime.territories["reims"]
    assert client.get(f"{PAGE}?territoire={other}").status_code == 403
    assert client.get(f"{EXPORT}?territoire={other}").status_code == 403


@pytest.mark.parametrize("path", [PAGE, EXPORT])
@pytest.mark.parametrize("role", ["conseiller", "conseiller_ag", "travailleur_social"])
def test_roles_without_the_dashboard_get_403(board_app, board_runtime, role, path):
    agence = "AG51" if role.startswith("conseiller") else None
    client = client_for(board_app, board_runtime, role, agence=agence)
    response = client.get(path)
    assert response.status_code == 403
    assert "Accès refusé" in text(response)  # the HTML 403 page
    assert "ne donne pas accès au tableau de bord des délais" in text(response)
    assert "Cette action n'est pas autorisée" not in text(response)


@pytest.mark.parametrize("path", [PAGE, EXPORT])
@pytest.mark.parametrize("role", ["admin_departemental", "coordinateur"])
def test_another_department_gets_403(board_app, board_runtime, role, path):
    client = client_for(board_app, board_runtime, role)
    response = client.get(path + "?departement=52")
    assert response.status_code == 403
    assert "Accès refusé" in text(response)
    assert "Le département 52 n'est pas dans votre périmètre." in text(response)


def test_anonymous_people_are_sent_to_the_login_page(board_app):
    response = board_app.test_client().get(PAGE)
    assert response.status_code in (302, 303)
    assert "/connexion" in response.headers["Location"]


def test_figures_survive_relais_taches_anonymising_the_records(board_runtime):
    """``relais taches`` three years on expires record 5 and anonymises six records (writing
    their anonymous statistics rows): the dashboard as of 30 November 2026 says the same."""
    from datetime import date

    from accounts.models import User
    from handover.dashboard import Filters
    from handover.tasks import run_tasks

    national = User(1, "n@example.fr", role="admin_national")
    service = board_runtime.handover_dashboard
    before = {par: service.show(national, Filters(par=par)) for par in ("mois", "territoire")}
    report = run_tasks(
        board_runtime.handovers,
        board_runtime.handover_tasks,
        board_runtime.handover_notifier,
        date(2030, 1, 1),
        mail_enabled=False,
    )
    assert report.anonymisees == 6 and report.expirees == 1, report.summary()
    for par, board in before.items():
        after = service.show(national, Filters(par=par))
        assert after.total == board.total, par
        assert after.groups == board.groups, par
