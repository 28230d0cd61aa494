"""The embedded engine and Elasticsearch give the same results in the same order.

Both engines are built from one store of generated resources; a deterministic mix of queries
(places, needs, text, filters, radii, pages) must return the same ids, totals and facets.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from bench import synthetic
from relais import settings as settings_module
from relais.runtime import Runtime
from resource_base import vocabulary
from resource_base.audience import Audience
from resource_base.search import SearchQuery

N_RESOURCES = 12_000
N_QUERIES = 80
WORDS = [
    "aide",
    "logement",
    "dettes",
    "psy",
    "atelier",
    "garde",
    "numerique",
    "emploi",
    "permis",
    "accompagnement",
    # Several words, thesaurus phrases and typos (issue 11): partial matches, corrections.
    "dettes mutuelle",
    "sans abri",
    "aide logement jeunes",
    "surendetement",
    "acompagnement numerique",
]


@pytest.fixture(scope="module")
def both(tmp_path_factory, directory, request):
    data_dir = str(tmp_path_factory.mktemp("agree"))
    from conftest import engine_overrides

    embedded = Runtime(settings_module.load({"DATA_DIR": data_dir, "SEARCH_ENGINE": "embedded"}))
    embedded.directory = directory
    embedded.store.replace(
        "source",
        "synthetique",
        list(synthetic.generate(N_RESOURCES, directory, seed=7)),
        {"fichiers": ["synthetique"]},
        writers=embedded.store_writers(),
    )
    es = Runtime(
        settings_module.load({"DATA_DIR": data_dir, **engine_overrides(request, "elasticsearch")})
    )
    es.directory = directory
    es.after_store_change()
    return embedded, es


def queries(directory) -> list[SearchQuery]:
    rng = random.Random(2026)
    communes = sorted(
        c for c, commune in directory.communes.items() if (commune.population or 0) > 20_000
    )
    themes = sorted(vocabulary.CATEGORIES) + sorted(vocabulary.SOUS_THEMES)
    found = []
    for _ in range(N_QUERIES):
        found.append(
            SearchQuery(
                code_commune=rng.choice(communes),
                thematiques=tuple(rng.sample(themes, rng.choice([0, 0, 1, 1, 2, 3]))),
                q=rng.choice([None, None, None, *WORDS]),
                publics=tuple(rng.sample(sorted(vocabulary.PUBLICS), rng.choice([0, 0, 0, 1]))),
                modes_accueil=tuple(
                    rng.sample(sorted(vocabulary.MODES_ACCUEIL), rng.choice([0, 0, 0, 1]))
                ),
                frais=tuple(rng.sample(sorted(vocabulary.FRAIS), rng.choice([0, 0, 0, 1]))),
                rayon_km=rng.choice([10, 30, 30, 50, 100]),
                page=rng.choice([1, 1, 1, 2, 3]),
                size=rng.choice([10, 20]),
                audience=Audience.PROFESSIONAL if rng.random() < 0.2 else Audience.PUBLIC,
                ouvert=rng.choice([None, None, None, "maintenant", "aujourdhui"]),
            )
        )
    return found


def test_same_results_in_the_same_order(both, directory):
    embedded, es = both
    # One pinned clock (a Tuesday, 10:30 in Paris) for the openness filters of both engines.
    for rt in both:
        rt.search_service.clock = lambda: datetime(2026, 3, 3, 9, 30, tzinfo=UTC)
    compared = nonempty = 0
    for query in queries(directory):
        a = embedded.search_service.search(query).to_dict()
        b = es.search_service.search(query).to_dict()
        assert [i["id"] for i in a["items"]] == [i["id"] for i in b["items"]], query
        assert a["total"] == b["total"], query
        assert a["facettes"] == b["facettes"], query
        assert a["texte_compris"] == b["texte_compris"], query
        assert [i["explication"] for i in a["items"]] == [i["explication"] for i in b["items"]], (
            query
        )
        compared += 1
        nonempty += bool(a["items"])
    assert compared == N_QUERIES
    assert nonempty > N_QUERIES // 2, "the query mix must mostly find something to compare"


def test_same_full_record(both):
    embedded, es = both
    assert embedded.engine.get("synth--000123") == es.engine.get("synth--000123") is not None
