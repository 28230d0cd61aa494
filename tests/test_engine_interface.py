"""Both engines satisfy the whole interface of ``resource_base.search.SearchEngine`` (no
``hasattr`` anywhere), and both read the candidate window from the plan."""

from __future__ import annotations

import inspect
import subprocess
from pathlib import Path

import pytest

from resource_base.search import (
    WINDOW_MARGIN,
    Retrieval,
    SearchEngine,
    SearchQuery,
    plan,
)
from search_engines.elasticsearch import ElasticsearchEngine
from search_engines.embedded import EmbeddedEngine

ROOT = Path(__file__).resolve().parent.parent
MEMBERS = [
    name
    for name, value in vars(SearchEngine).items()
    if not name.startswith("_") and inspect.isfunction(value)
]


def test_the_interface_lists_every_step():
    assert sorted(MEMBERS) == ["get", "health", "retrieve", "warm"]
    assert "name" in SearchEngine.__annotations__


@pytest.mark.parametrize("engine", [EmbeddedEngine, ElasticsearchEngine])
@pytest.mark.parametrize("member", MEMBERS)
def test_engine_implements_each_step_with_the_interface_s_signature(engine, member):
    expected = inspect.signature(getattr(SearchEngine, member))
    actual = inspect.signature(getattr(engine, member))
    assert [p.kind for p in actual.parameters.values()] == [
        p.kind for p in expected.parameters.values()
    ]
    assert isinstance(engine.name, str) and engine.name


def test_no_hasattr_in_the_product():
    found = subprocess.run(
        [
            "git",
            "grep",
            "-n",
            "hasattr(",
            "--",
            "relais",
            "resource_base",
            "search_engines",
            "indexer",
            "api",
            "web",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert found.stdout == ""


@pytest.mark.parametrize(("page", "size"), [(1, 1), (1, 3), (2, 2)])
def test_each_engine_returns_the_plan_s_window(contract_runtime, directory, page, size):
    query = SearchQuery("51108", rayon_km=200, page=page, size=size)
    plan_ = plan(query, directory)
    assert plan_.window == page * size + WINDOW_MARGIN
    retrieval = contract_runtime.engine.retrieve(plan_)
    assert isinstance(retrieval, Retrieval)
    assert retrieval.total > plan_.window  # the contract's data set is larger than the window
    assert len(retrieval.candidates) == plan_.window


def test_warm_loads_without_searching(contract_runtime):
    contract_runtime.engine.warm()
    assert contract_runtime.engine.health()["etat"] == "ok"
