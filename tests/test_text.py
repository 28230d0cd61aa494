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


def test_surface_tokens_keep_words_as_written():
    assert text.surface_tokens("L’Épicerie sociale d'Épernay") == [
        ("Épicerie", "epiceri"),
        ("sociale", "social"),
        ("Épernay", "epernay"),
    ]


def test_abbreviated_saint_is_a_commune_name_matter():
    from resource_base.geo import name_key

    assert name_key("St-Dizier") == name_key("saint dizier") == "saint dizier"
