"""The relevance test set (``fixtures/pertinence/``, ``bench/relevance.py``) on both engines:
at least 95 % of the queries find their expected resource in the top 3, none finds nothing,
and both engines give the same answers (issue 11)."""

from __future__ import annotations

import pytest
from conftest import engine_overrides

from bench import relevance
from relais import settings as settings_module
from relais.runtime import Runtime
from resource_base.search import SearchQuery


@pytest.fixture(scope="module")
def both(request, tmp_path_factory, directory) -> dict[str, Runtime]:
    """The embedded engine loaded by the real importer, and Elasticsearch indexed from the
    same store."""
    data_dir = str(tmp_path_factory.mktemp("pertinence"))
    embedded = Runtime(settings_module.load({"DATA_DIR": data_dir, "SEARCH_ENGINE": "embedded"}))
    embedded.directory = directory
    assert relevance.load_fixture(embedded) == 42
    es = Runtime(
        settings_module.load({"DATA_DIR": data_dir, **engine_overrides(request, "elasticsearch")})
    )
    es.directory = directory
    es.after_store_change()
    return {"embedded": embedded, "elasticsearch": es}


def test_the_test_set_is_large_and_varied():
    queries = relevance.read_queries()
    assert len(queries) >= 60
    kinds = {q["genre"] for q in queries}
    assert {"sigle", "mot courant", "plusieurs mots", "faute de frappe", "commune"} <= kinds


@pytest.mark.parametrize("engine", ["embedded", "elasticsearch"])
def test_expected_resource_in_the_top_3(both, engine):
    report = relevance.evaluate(both[engine])
    assert report["top3"] >= relevance.TARGET_TOP3, report["echecs"]
    assert report["sans_resultat"] == 0, report["echecs"]


def test_a_wrong_expectation_is_reported(both):
    """The measure can fail: a query whose expected resource is elsewhere counts as a miss."""
    queries = [{"requete": "frigo", "commune": "Reims", "attendu": ["cmp"], "genre": "x"}]
    report = relevance.evaluate(both["embedded"], queries)
    assert report["top3"] == 0 and report["echecs"][0]["attendu"] == ["cmp"]


def test_both_engines_answer_the_test_set_alike(both, directory):
    for row in relevance.read_queries():
        query = SearchQuery(
            code_commune=directory.resolve(row["commune"]).best.code_insee, q=row["requete"]
        )
        a = both["embedded"].search_service.search(query).to_dict()
        b = both["elasticsearch"].search_service.search(query).to_dict()
        assert [i["id"] for i in a["items"]] == [i["id"] for i in b["items"]], row
        assert a["total"] == b["total"] and a["texte_compris"] == b["texte_compris"], row
        assert [i["explication"] for i in a["items"]] == [i["explication"] for i in b["items"]]
