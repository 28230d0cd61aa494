"""The hand-over part of the bench on a small population: the generator's distributions are
realistic (the national evaluation's figures come out of the dashboard), the page measures
work on the dashboard, and a page or command missing from the tree is reported as absent."""

from __future__ import annotations

from datetime import date

import pytest

from bench.handover_data import generate
from bench.handover_pages import measure_handovers, measure_page, tasks_command_exists
from bench.measures import _runtime
from handover.dashboard import DashboardService, Filters
from persistence.database import default_url
from persistence.handover_stats import SqlHandOverStats

COUNT = 3000


@pytest.fixture
def bench_runtime(tmp_path, directory):
    folder = tmp_path / "accompagnements"
    return _runtime(directory, folder, DATABASE_URL=default_url(folder))


def test_generated_history_has_the_national_evaluations_shape(bench_runtime):
    from accounts.models import User

    bench_runtime.database.upgrade()
    codes = sorted(bench_runtime.directory.departements)[:100]
    population = generate(bench_runtime.database, codes, COUNT, seed=7, today=date(2026, 11, 30))
    assert len(population.departements) == 100
    assert sum(population.statuses.values()) == COUNT
    assert {"transmise", "entree", "terminee", "refusee", "expiree", "annulee"} <= set(
        population.statuses
    )
    assert population.anonymised > 0
    service = DashboardService(
        SqlHandOverStats(bench_runtime.database), today=lambda: date(2026, 11, 30)
    )
    board = service.show(User(1, "n@x.fr", role="admin_national"), Filters(par="departement"))
    total = board.total
    assert len(board.groups) == 100
    assert total.propositions + total.recentes == COUNT
    # One proposal in two enters; entry 17–32 days after the proposal (DOMAIN.md).
    assert 0.4 < total.taux_entree < 0.6
    assert 17 <= total.delais["jours_entree"].p50 <= 32
    assert 0.05 < total.taux_expiration < 0.12


def test_measures_of_the_inbox_the_dashboard_its_snapshot_and_relais_taches(bench_runtime):
    messages = []
    report = measure_handovers(bench_runtime, COUNT, 12, 2, 7, messages.append)
    assert report["donnees"]["dossiers"] == COUNT
    for who in ("coordinateur", "admin_departemental", "admin_national"):
        page = report["tableau_de_bord"][who]
        assert page["requetes"] == 12
        assert page["cpu_ms_par_requete"] > 0
        p95 = page["latence_ms"]["p95"]
        assert p95["valeur"] > 0 and p95["cible"] == "<= 200"
    inbox = report["corbeille_coordinateur"]["latence_ms"]["p95"]
    assert inbox["valeur"] > 0 and inbox["cible"] == "<= 50"
    snapshot = report["instantane_tableau_de_bord"]
    # Every generated record counted once: live, or through its anonymous statistics row.
    assert snapshot["dossiers"] == COUNT
    assert 0 < snapshot["cellules"] <= COUNT * 2 and snapshot["entrees_histogrammes"] > 0
    assert snapshot["calcul_s"] > 0 and snapshot["chargement_ms"] > 0
    assert tasks_command_exists()
    tasks = report["taches"]
    assert tasks["code_retour"] == 0, tasks["sortie"]
    assert tasks["duree_s"]["cible"] == "<= 30" and tasks["duree_s"]["valeur"] > 0
    second = tasks["second_passage"]
    assert second["code_retour"] == 0 and second["duree_s"]["cible"] == "<= 30"


def test_a_missing_page_is_reported_absent_not_measured(bench_runtime):
    from relais.app import create_app

    bench_runtime.database.upgrade()
    app = create_app({"TESTING": True, "RELAIS_RUNTIME": bench_runtime})
    result = measure_page(app.test_client(), ["/accompagnements/nulle-part"], 1, 50.0)
    assert result == {
        "absent": "/accompagnements/nulle-part répond 404 : page absente de cet arbre"
    }
