"""Smoke test of the benchmark library: a tiny run, embedded engine only, no server.

It checks the report's shape and that every figure is a positive number; the performance
targets themselves are only reported, never asserted (this machine is shared with the tests).
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from bench import mix
from bench.core import Options, run_benchmark
from bench.stats import percentile, summary_ms, target

SIZE = 500


def _positive(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def _figure(value) -> float:
    """A plain number, or the ``valeur`` of a figure that carries its target."""
    if isinstance(value, dict):
        assert set(value) == {"valeur", "cible", "atteinte"}
        assert isinstance(value["atteinte"], bool)
        assert value["cible"].startswith(("<= ", ">= "))
        return value["valeur"]
    return value


@pytest.fixture(scope="module")
def report(tmp_path_factory, directory) -> dict:
    base = tmp_path_factory.mktemp("bench")
    options = Options(
        sizes=[SIZE],
        engines=["embedded"],
        queries=30,
        warmup=5,
        lookups=200,
        import_rows=300,
        handovers=500,
        handover_requests=5,
        needs_events=20_000,
        needs_requests=3,
        cache_dir=base / "cache",
        work_dir=base / "travail",
    )
    return run_benchmark(options, directory=directory)


def test_report_is_json_with_machine_and_sections(report):
    json.dumps(report)  # JSON-able as is
    machine = report["machine"]
    assert machine["cpu"] >= 1
    assert machine["python"].count(".") == 2
    assert machine["plateforme"]
    assert list(report["tailles"]) == [str(SIZE)]
    assert "http" not in report
    assert report["duree_totale_s"] > 0
    assert _positive(report["rss_pic_banc_mo"])


def test_import_and_store_write(report):
    part = report["tailles"][str(SIZE)]
    assert part["donnees"]["ressources"] == SIZE
    assert part["donnees"]["fichiers_csv"] > 1  # one CSV per department
    imported = part["import"]
    assert "erreur" not in imported, imported
    assert imported["acceptees"] == SIZE and imported["rejetees"] == 0
    assert imported["complet"] is True
    assert _positive(_figure(imported["ressources_par_s"]))
    assert _positive(imported["duree_s"])
    # Measured in a fresh process: its CPU is reported, the workers' too (none for tiny files).
    assert _positive(imported["cpu_s"]["processus"]) and imported["cpu_s"]["workers"] >= 0
    # The phase counts the fresh process's CPU (it ended during the phase), start-up included.
    assert imported["phase"]["cpu_s"] >= imported["cpu_s"]["processus"]
    written = part["ecriture_magasin"]
    assert written["ajoutees"] == SIZE
    assert _positive(written["ressources_par_s"])
    assert part["magasin_des_recherches"] == "import"


def test_import_of_one_big_file_reports_its_memory(report):
    big = report["import_gros_fichier"]
    assert "erreur" not in big, big
    assert (big["lignes"], big["code_de_sortie"]) == (300, 0)
    assert big["acceptees"] + big["rejetees"] == 300 and big["acceptees"] > 0
    assert _positive(big["ressources_par_s"])
    peak = _figure(big["rss_pic_total_mo"])
    assert _positive(peak) and peak >= big["rss_pic_processus_mo"]


def test_search_and_lookup_latencies(report):
    part = report["tailles"][str(SIZE)]
    search = part["recherche_embarquee"]
    assert search["requetes"] == 30
    assert search["refusees"] == 0
    latency = search["latence_ms"]
    for key in ("p50", "p95", "p99", "max"):
        assert _positive(_figure(latency[key])), key
    assert _figure(latency["p50"]) <= _figure(latency["p95"]) <= latency["p99"] <= latency["max"]
    assert search["resultats"]["total_moyen"] > 0
    lookups = part["communes"]
    assert lookups["recherches"] == 200
    assert _positive(_figure(lookups["latence_ms"]["p95"]))
    assert lookups["communes_trouvees_moyenne"] > 0


def test_logged_in_page_and_keyed_api_latencies(report):
    pages = report["tailles"][str(SIZE)]["pages"]
    assert "erreur" not in pages, pages
    page = pages["page_recherche_connecte"]
    assert page["requetes"] > 0 and _positive(_figure(page["latence_ms"]["p95"]))
    api = pages["api_recherche"]
    assert api["sans_cle_ms"]["n"] == api["avec_cle_ms"]["n"] == 30
    assert _positive(_figure(api["rapport_p95"]))


def test_summary_lists_every_target(report):
    labels = [t["mesure"] for t in report["synthese"]]
    assert labels == [
        f"import {SIZE} (ressources/s)",
        f"recherche embarquée {SIZE} p95 (ms)",
        f"communes {SIZE} p95 (ms)",
        f"page de recherche connectée {SIZE} p95 (ms)",
        f"api avec clé / sans clé {SIZE} (rapport des p95)",
        "import d'un fichier de 300 lignes, RSS pic (Mo)",
        "corbeille d'un territoire p95 (ms)",
        "tableau de bord des délais (coordinateur) p95 (ms)",
        "tableau de bord des délais (admin_departemental) p95 (ms)",
        "tableau de bord des délais (admin_national) p95 (ms)",
        "relais taches sur tous les dossiers (s)",
        "relais taches, second passage (s)",
        "besoins non couverts page_departement (20000 événements) p95 (ms)",
        "besoins non couverts page_nationale (20000 événements) p95 (ms)",
        "besoins non couverts csv_departement (20000 événements) p95 (ms)",
        "pertinence embedded part dans les 3 premiers",
    ]


def test_hand_over_measures_are_reported(report):
    part = report["accompagnements"]
    assert "erreur" not in part, part
    assert part["donnees"]["dossiers"] == 500
    for who, page in part["tableau_de_bord"].items():
        assert _positive(_figure(page["latence_ms"]["p95"])), who
    assert _positive(_figure(part["corbeille_coordinateur"]["latence_ms"]["p95"]))
    assert part["instantane_tableau_de_bord"]["dossiers"] == 500
    assert _positive(_figure(part["taches"]["second_passage"]["duree_s"]))
    assert "mesures_absentes" not in report  # every piece of issue 10 is in the tree


def test_hand_over_measures_alone(tmp_path, directory):
    """``bench/run --sizes 0 --import-rows 0 --needs-events 0 --handovers N``: the hand-over
    section only, no resource size, relevance, big import nor unmet-needs case."""
    from bench.cli import parser

    args = parser().parse_args(
        ["--sizes", "0", "--import-rows", "0", "--needs-events", "0", "--handovers", "300"]
    )
    assert (args.sizes, args.import_rows, args.needs_events) == ([], 0, 0)
    options = Options(
        sizes=args.sizes,
        import_rows=0,
        needs_events=0,
        handovers=args.handovers,
        handover_requests=3,
        warmup=1,
        queries=3,
        lookups=10,
        cache_dir=tmp_path / "cache",
        work_dir=tmp_path / "w",
    )
    alone = run_benchmark(options, directory=directory)
    assert alone["tailles"] == {} and alone["pertinence"] == {}
    assert "import_gros_fichier" not in alone and "besoins_non_couverts" not in alone
    assert alone["accompagnements"]["donnees"]["dossiers"] == 300
    assert [t["mesure"] for t in alone["synthese"]][-2:] == [
        "relais taches sur tous les dossiers (s)",
        "relais taches, second passage (s)",
    ]


def test_unmet_needs_case(report):
    needs = report["besoins_non_couverts"]
    assert "erreur" not in needs, needs
    setup = needs["mise_en_place"]
    assert setup["evenements"] == 20_000 and _positive(setup["evenements_par_s"])
    assert setup["lignes_mensuelles"] > 0
    assert _positive(needs["enregistrement_ms"]["p95"])
    for name in ("page_departement", "page_nationale", "csv_departement"):
        assert _positive(_figure(needs[name]["latence_ms"]["p95"])), name


def test_relevance_test_set_is_reported(report):
    relevance = report["pertinence"]["embedded"]
    assert relevance["requetes"] >= 60
    assert relevance["top3"]["cible"] == ">= 0.95"
    assert 0 <= relevance["top3"]["valeur"] <= 1 and 0 <= relevance["sans_resultat"] <= 1


def test_second_run_reads_the_cache(tmp_path, directory):
    options = Options(
        sizes=[50],
        queries=3,
        warmup=1,
        lookups=10,
        import_rows=0,
        handovers=0,
        needs_events=0,
        cache_dir=tmp_path / "cache",
        work_dir=tmp_path / "w1",
    )
    first = run_benchmark(options, directory=directory)
    options.work_dir = tmp_path / "w2"
    second = run_benchmark(options, directory=directory)
    assert first["tailles"]["50"]["donnees"]["depuis_le_cache"] is False
    assert second["tailles"]["50"]["donnees"]["depuis_le_cache"] is True
    assert not (tmp_path / "w1").exists()  # measured stores are removed unless --keep-data


def test_helpers():
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([5.0], 99) == 5.0
    assert summary_ms([0.001, 0.002])["max"] == 2.0
    assert target(8.0, 10, "<=") == {"valeur": 8.0, "cible": "<= 10", "atteinte": True}
    assert target(8.0, 10, ">=")["atteinte"] is False


def test_mix_is_deterministic_and_valid(directory):
    first = mix.search_queries(directory, 200, seed=1)
    assert first == mix.search_queries(directory, 200, seed=1)
    for query in first:
        query.validate()
    with_text = sum(1 for q in first if q.q) / len(first)
    assert 0.2 < with_text < 0.4
    requests = mix.http_requests(directory, 100, seed=3)
    assert {kind for kind, _ in requests} == {"recherche", "communes"}
    assert all(path.startswith("/api/v1/") for _, path in requests)


def test_unmet_needs_setup_builds_the_monthly_counts_the_real_writes_would(tmp_path, directory):
    """The bench writes ``needs_monthly`` directly: it must equal what ``SqlNeedsLog.record``
    would have summed for the same events."""
    from collections import Counter

    from bench.needs import build
    from persistence import Database
    from persistence.needs import rollup_rows
    from resource_base.needs_events import SearchEvent

    db = Database(f"sqlite:///{tmp_path / 'besoins.db'}")
    db.upgrade()
    setup = build(tmp_path / "besoins.db", directory, 3000, 7, lambda message: None)
    expected: Counter = Counter()
    with sqlite3.connect(tmp_path / "besoins.db") as conn:
        events = conn.execute(
            "SELECT jour, departement, territoire_id, thematiques, total, par_besoin "
            "FROM search_events"
        ).fetchall()
        monthly = conn.execute("SELECT * FROM needs_monthly").fetchall()
    conn.close()
    assert len(events) == 3000
    for jour, dep, territory, needs, total, per_need in events:
        event = SearchEvent(
            jour, dep, territory, None, tuple(json.loads(needs)), total, json.loads(per_need)
        )
        for row in rollup_rows(event):
            key = (row["departement"], row["mois"], row["territoire_id"], row["thematique"])
            expected[key] += 0  # present even when every count is 0
            for name in ("recherches", "sans_reponse", "moins_de_3"):
                expected[(*key, name)] += row[name]
    found = {(r[0], r[1], r[2], r[3]): r[4:] for r in monthly}
    assert setup["lignes_mensuelles"] == len(found) == sum(1 for k in expected if len(k) == 4)
    for key, (searches, none, few) in found.items():
        assert (searches, none, few) == (
            expected[(*key, "recherches")],
            expected[(*key, "sans_reponse")],
            expected[(*key, "moins_de_3")],
        ), key
    db.dispose()
