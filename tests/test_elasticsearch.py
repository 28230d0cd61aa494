"""Elasticsearch-specific behaviour against a real server: index lifecycle and failures."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from conftest import engine_overrides, loaded_runtime

from relais import settings as settings_module
from relais.runtime import Runtime
from resource_base.search import EngineUnavailable, SearchQuery
from search_engines.elasticsearch import ReindexError

QUERY = SearchQuery(code_commune="51108", size=100)


@pytest.fixture
def es_runtime(request, tmp_path, directory) -> Runtime:
    overrides = {"DATA_DIR": str(tmp_path), **engine_overrides(request, "elasticsearch")}
    rt = loaded_runtime(overrides, directory)
    yield rt
    rt.elasticsearch.client.indices.delete(
        index=f"{rt.elasticsearch.alias}-v*", ignore_unavailable=True
    )


def test_reindex_swaps_the_alias_and_keeps_one_previous_index(es_runtime):
    engine = es_runtime.elasticsearch
    first = engine.serving_index()
    second = engine.reindex(es_runtime.store)
    third = engine.reindex(es_runtime.store)
    assert second["precedent"] == first and third["precedent"] == second["index"]
    assert engine.serving_index() == third["index"]
    assert engine._indices() == [second["index"], third["index"]]  # the oldest went
    assert third["documents"] == es_runtime.store.count()


def test_rollback_returns_to_the_previous_index(es_runtime):
    engine = es_runtime.elasticsearch
    before = engine.serving_index()
    after = engine.reindex(es_runtime.store)["index"]
    report = engine.rollback()
    assert report == {"index": before, "retire": after}
    assert engine.serving_index() == before
    assert es_runtime.search_service.search(QUERY).total > 0
    with pytest.raises(ReindexError, match="aucun index précédent"):
        engine.rollback()


def test_failed_bulk_leaves_the_alias_untouched(es_runtime):
    engine = es_runtime.elasticsearch
    serving = engine.serving_index()
    expected = [i.candidate.id for i in es_runtime.search_service.search(QUERY).items]

    def source_failing_midway():
        # The documents' source breaks after five documents (as a store read would).
        for number, document in enumerate(es_runtime.embedded.search_documents()):
            if number == 5:
                raise sqlite3.OperationalError("disk I/O error")
            yield document

    with pytest.raises(ReindexError, match="disk I/O error"):
        engine.reindex(es_runtime.store, documents=source_failing_midway(), chunk_size=2)
    assert engine.serving_index() == serving
    assert engine._indices() == [serving]  # the half-built index was removed
    assert [i.candidate.id for i in es_runtime.search_service.search(QUERY).items] == expected


def test_searches_keep_answering_during_reindex(es_runtime):
    """Searches run while new indices are half built and across each alias swap. No timing
    assumption: the reindex's document source waits, every few documents, until a search has
    completed since, so searches provably overlap every build."""
    engine = es_runtime.elasticsearch
    expected = es_runtime.search_service.search(QUERY).total
    errors, totals = [], []
    done = threading.Condition()
    stop = threading.Event()

    def search_loop():
        while not stop.is_set():
            try:
                total = es_runtime.search_service.search(QUERY).total
            except Exception as exc:  # noqa: BLE001 - any failure is what this test looks for
                errors.append(exc)
                total = None
            with done:
                totals.append(total)
                done.notify_all()

    def documents_interleaved_with_searches():
        for number, document in enumerate(es_runtime.embedded.search_documents()):
            if number % 3 == 0:
                with done:
                    seen = len(totals)
                    # Deadlock guard only: a search takes milliseconds.
                    assert done.wait_for(lambda seen=seen: len(totals) > seen, timeout=60)
            yield document

    threads = [threading.Thread(target=search_loop) for _ in range(2)]
    for thread in threads:
        thread.start()
    swaps = []
    try:
        for _ in range(3):
            before = len(totals)
            report = engine.reindex(
                es_runtime.store, documents=documents_interleaved_with_searches(), chunk_size=3
            )
            swaps.append(report["index"])
            assert engine.serving_index() == report["index"]
            assert len(totals) > before  # searches ran during this build
            # Right after the swap, the new index answers the same.
            assert es_runtime.search_service.search(QUERY).total == expected
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors
    assert set(totals) == {expected}
    assert len(set(swaps)) == 3


def test_wrong_password_is_refused_with_a_clear_message(request, tmp_path, directory):
    overrides = {
        "DATA_DIR": str(tmp_path),
        **engine_overrides(request, "elasticsearch"),
        "ES_PASSWORD": "faux",
    }
    rt = Runtime(settings_module.load(overrides))
    rt.directory = directory
    with pytest.raises(EngineUnavailable, match="authentification refusée"):
        rt.search_service.search(QUERY)
    assert rt.engine.health()["etat"] == "indisponible"


def test_unreachable_cluster_is_a_clear_message(tmp_path, directory):
    rt = Runtime(
        settings_module.load(
            {
                "DATA_DIR": str(tmp_path),
                "SEARCH_ENGINE": "elasticsearch",
                "ES_URL": "http://127.0.0.1:9",
                "ES_TIMEOUT": "2",
            }
        )
    )
    rt.directory = directory
    with pytest.raises(EngineUnavailable, match="injoignable"):
        rt.search_service.search(QUERY)
    health = rt.engine.health()
    assert health["etat"] == "indisponible" and "injoignable" in health["message"]


def test_cli_reindex_and_errors(request, tmp_path, directory, es_runtime):
    from click.testing import CliRunner

    from relais.cli import main

    ok = CliRunner().invoke(main, ["reindex"], obj={"runtime": lambda: es_runtime})
    assert ok.exit_code == 0, ok.output
    assert "alias « relais-test-" in ok.output
    back = CliRunner().invoke(
        main, ["reindex", "--rollback", "--json"], obj={"runtime": lambda: es_runtime}
    )
    assert back.exit_code == 0 and '"retire"' in back.output

    down = Runtime(
        settings_module.load(
            {
                "DATA_DIR": str(tmp_path / "x"),
                "SEARCH_ENGINE": "elasticsearch",
                "ES_URL": "http://127.0.0.1:9",
            }
        )
    )
    down.directory = directory
    failed = CliRunner().invoke(
        main, ["search", "--commune", "51108"], obj={"runtime": lambda: down}
    )
    assert failed.exit_code == 3
    assert "Moteur de recherche indisponible" in failed.output and "Traceback" not in failed.output


def test_missing_index_says_to_reindex(request, tmp_path, directory):
    rt = Runtime(
        settings_module.load(
            {"DATA_DIR": str(tmp_path), **engine_overrides(request, "elasticsearch")}
        )
    )
    rt.directory = directory
    with pytest.raises(EngineUnavailable, match="relais reindex"):
        rt.search_service.search(QUERY)


def test_document_refused_by_elasticsearch_leaves_the_alias_untouched(es_runtime):
    from resource_base.models import Resource

    engine = es_runtime.elasticsearch
    serving = engine.serving_index()
    # A latitude no importer would accept, written straight to the store: the cluster refuses it.
    broken = Resource(
        id="test--broken",
        source="autre",
        source_id="broken",
        departement="51",
        nom="Point cassé",
        nom_structure="X",
        latitude=500.0,
        longitude=4.0,
        modes_accueil=["en-presentiel"],
    )
    es_runtime.store.replace("source", "autre", [broken], {"fichiers": ["x"]})
    with pytest.raises(ReindexError, match="document refusé"):
        engine.reindex(es_runtime.store)
    assert engine.serving_index() == serving and engine._indices() == [serving]
