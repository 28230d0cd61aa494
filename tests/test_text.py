"""French text normalisation: the same pipeline for index and query."""

import pytest

from resource_base import text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Châlons-en-Champagne", ["chalon", "champagn"]),
        ("L'hébergement d'urgence", ["hebergement", "urgenc"]),
        ("qu'il s'inscrit", ["inscrit"]),
        ("Œuvre sociale", ["oeuvr", "social"]),
        ("SANTÉ MENTALE", ["sant", "mental"]),
        ("   ", []),
        (None, []),
    ],
)
def test_tokens(raw, expected):
    assert text.tokens(raw) == expected


@pytest.mark.parametrize(
    ("singular", "plural"),
    [("logement", "logements"), ("social", "sociaux"), ("dette", "dettes"), ("enfant", "enfants")],
)
def test_singular_and_plural_meet(singular, plural):
    assert text.tokens(singular) == text.tokens(plural)


def test_feminine_meets_masculine():
    assert text.tokens("mentale") == text.tokens("mental")


def test_synonyms_expand_query_words_only():
    groups = text.query_groups("dettes psy")
    assert [g.word for g in groups] == ["dett", "psy"]
    assert ("surendettement",) in groups[0].alternatives
    assert ("sant", "mental") in groups[1].alternatives
    assert text.group_matches(groups[1], {"centr", "sant", "mental"})
    assert not text.group_matches(groups[1], {"sant"})


def test_query_groups_drop_duplicates_and_stop_words():
    assert [g.word for g in text.query_groups("le logement des logements")] == ["logement"]


def test_abbreviated_saint_is_a_commune_name_matter():
    from resource_base.geo import name_key

    assert name_key("St-Dizier") == name_key("saint dizier") == "saint dizier"
