"""The thesaurus (a reviewed CSV with sources), query term groups, the index's vocabulary
and spelling correction, and the relevance floor (issue 11, "Free text")."""

from __future__ import annotations

import csv

import pytest

from resource_base import relevance, thesaurus, vocabulary
from resource_base.lexicon import Lexicon
from resource_base.thesaurus import THESAURUS_CSV, ThesaurusError, group_matches, query_groups

ACRONYMS = "115 SIAO CHRS HLM FJT AAH RQTH C2S CSS PASS CMP CSAPA PMI CCAS MDS CAF CPAM MDPH FSL APL RSA ADIL CIDFF"
EVERYDAY = [
    "frigo",
    "machine à laver",
    "meubles",
    "dentiste",
    "lunettes",
    "dépression",
    "SDF",
    "sans abri",
    "expulsion",
    "loyer",
    "facture",
    "électricité",
    "resto",
    "colis",
    "vêtements",
    "scooter",
]


def test_every_line_has_a_source_and_known_thematiques():
    with THESAURUS_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert len(rows) >= 60
    for row in rows:
        assert row["expression"].strip() and row["source"].strip(), row
        assert row["equivalents"].strip() or row["thematiques"].strip(), row
        for slug in filter(None, row["thematiques"].split("|")):
            assert vocabulary.is_thematique(slug), slug


@pytest.mark.parametrize("expression", ACRONYMS.split() + EVERYDAY)
def test_what_advisers_say_is_in_the_thesaurus(expression):
    groups = query_groups(expression)
    assert len(groups) == 1, groups  # a phrase is one group
    assert len(groups[0].alternatives) > 1, expression
    assert all(label for label in groups[0].labels[1:])


def test_phrases_and_words():
    groups = query_groups("Sans abri, dettes psy")
    assert [g.word for g in groups] == ["Sans abri", "dettes", "psy"]
    assert ("surendettement",) in groups[1].alternatives
    assert ("sant", "mental") in groups[2].alternatives
    assert group_matches(groups[2], {"centr", "sant", "mental"})
    assert not group_matches(groups[2], {"sant"})
    # Duplicates and stop words go.
    assert [g.word for g in query_groups("le logement des logements")] == ["logement"]


def test_a_bad_line_is_named(tmp_path):
    bad = tmp_path / "thesaurus.csv"
    bad.write_text(
        "expression;equivalents;thematiques;source\nfrigo;réfrigérateur;inconnue;usage\n",
        encoding="utf-8",
    )
    with pytest.raises(ThesaurusError, match="ligne 2 : thématique inconnue"):
        thesaurus.read_thesaurus(bad)
    bad.write_text(
        "expression;equivalents;thematiques;source\nfrigo;réfrigérateur;;\n", encoding="utf-8"
    )
    with pytest.raises(ThesaurusError, match="ligne 2 : source manquante"):
        thesaurus.read_thesaurus(bad)


def test_extending_the_thesaurus_is_one_line(tmp_path):
    extended = tmp_path / "thesaurus.csv"
    extended.write_text(
        THESAURUS_CSV.read_text(encoding="utf-8")
        + "trottinette;mobilité douce;mobilite;Usage courant\n",
        encoding="utf-8",
    )
    table = thesaurus.read_thesaurus(extended)
    assert (("mobilit", "douc"), "mobilité douce") in table[("trottinett",)].alternatives


LEXICON = Lexicon(
    {"logement": 40, "surendettement": 5, "aide": 60, "epiceri": 3, "social": 30}, 100
)


def test_rarity_weights_follow_the_share_of_records():
    assert [LEXICON.weight(df) for df in (60, 20, 5, 1, 0)] == [1, 2, 3, 4, 4]


@pytest.mark.parametrize(
    ("typed", "corrected"),
    [("logemnt", "logement"), ("surendetement", "surendettement"), ("logemant", "logement")],
)
def test_one_or_two_wrong_letters_are_corrected(typed, corrected):
    groups = query_groups(typed, LEXICON)
    assert groups[0].word == corrected and groups[0].corrige_de == typed
    plan = relevance.text_plan(f"aide {typed}", LEXICON)
    assert plan.understood(f"aide au {typed}") == f"aide au {corrected}"


def test_short_known_or_far_words_are_not_corrected():
    assert query_groups("aid", LEXICON)[0].corrige_de is None  # under five letters
    assert query_groups("logement", LEXICON)[0].corrige_de is None  # known
    assert query_groups("zzzzzzzz", LEXICON)[0].corrige_de is None  # nothing close
    assert query_groups("dettes", LEXICON)[0].corrige_de is None  # a thesaurus word


def test_floor_half_of_the_words_and_one_uncommon():
    plan = relevance.text_plan("aide logement surendettement", LEXICON)
    assert plan.weights == (1, 1, 3)  # "aide" 60 %, "logement" 40 %: common
    assert plan.required == 2 and plan.strong == (2,)
    none = frozenset()
    both_common = frozenset({"aide", "logement"})
    assert relevance.text_points(plan, none, none, both_common) is None  # no uncommon word
    rare = frozenset({"aide", "surendettement"})
    assert relevance.text_points(plan, rare, rare, rare) == (6 * 1 + 6 * 3, [0, 2])
    assert relevance.text_points(plan, none, none, frozenset({"surendettement"})) is None


def test_points_follow_the_best_field():
    plan = relevance.text_plan("epicerie", LEXICON)
    word = frozenset({"epiceri"})
    none = frozenset()
    assert relevance.text_points(plan, word, word, word)[0] == 6 * 3  # in the name
    assert relevance.text_points(plan, none, word, word)[0] == 4 * 3  # thématique label
    assert relevance.text_points(plan, none, none, word)[0] == 2 * 3  # description


def test_a_misspelt_thesaurus_word_no_record_has_is_corrected_to_it():
    empty = Lexicon({}, 100)  # no record holds "mutuelle" nor "depression"
    group = query_groups("mutuele", empty)[0]
    assert (group.word, group.corrige_de) == ("mutuelle", "mutuele")
    assert ("complementair", "sant") in group.alternatives
    assert query_groups("depresion", empty)[0].word == "dépression"
