"""Visibility decided in one place: ``resource_base.audience.may_show``, read by the search
filters of both engines and by the reading of one resource (API, web pages). The web side
(adviser pages professional, widget public) is in tests/test_web.py."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from resource_base.audience import Audience, may_show, visibility_of
from resource_base.search import SearchQuery

CHALONS = "51108"


@pytest.mark.parametrize(
    ("record", "public", "professional"),
    [
        ({"visibilite": "public"}, True, True),
        ({"visibilite": "professionnels"}, False, True),
        ({}, True, True),  # no visibility: public (data·inclusion's default)
        ({"visibilite": None}, True, True),
        ({"visibilite": "inconnue"}, False, False),  # never shown by accident
        (SimpleNamespace(visibilite="professionnels"), False, True),
        (SimpleNamespace(), True, True),
    ],
)
def test_may_show(record, public, professional):
    assert may_show(record, Audience.PUBLIC) is public
    assert may_show(record, Audience.PROFESSIONAL) is professional


def test_visibilities_of_each_audience():
    assert Audience.PUBLIC.visibilites == ("public",)
    assert Audience.PROFESSIONAL.visibilites == ("professionnels", "public")
    assert visibility_of({"visibilite": ""}) == "public"
    assert SearchQuery(CHALONS).audience is Audience.PUBLIC  # the safe default


def test_a_query_without_an_audience_is_refused():
    from resource_base.search import SearchError

    with pytest.raises(SearchError) as caught:
        SearchQuery(CHALONS, audience=True).validate()  # the old boolean, say
    assert list(caught.value.errors) == ["audience"]


def test_reading_one_resource_follows_the_audience(contract_runtime):
    service = contract_runtime.search_service
    assert service.get("test--pro-only", Audience.PUBLIC) is None
    record = service.get("test--pro-only", Audience.PROFESSIONAL)
    assert record is not None and record["visibilite"] == "professionnels"
    public = service.get("test--same-place-fresh", Audience.PUBLIC)
    assert public == contract_runtime.engine.get("test--same-place-fresh") is not None
    assert service.get("test--nope", Audience.PROFESSIONAL) is None


def test_search_and_reading_agree_for_every_record(contract_runtime):
    """What a search shows an audience is exactly what it may read."""
    service = contract_runtime.search_service
    for audience in Audience:
        found = service.search(SearchQuery(CHALONS, rayon_km=200, size=100, audience=audience))
        assert found.total < 100
        for item in found.items:
            assert service.get(item.candidate.id, audience) is not None
    pro = service.search(
        SearchQuery(CHALONS, rayon_km=200, size=100, audience=Audience.PROFESSIONAL)
    )
    hidden = [i.candidate.id for i in pro.items if not may_show(i.candidate, Audience.PUBLIC)]
    assert hidden == ["test--pro-only"]
