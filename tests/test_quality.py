"""The quality score: data·inclusion's official ``score_qualite``, evaluated on a given day.

The official functions read the real clock; nothing here mocks them. A record dated ``D``
searched on day ``D + age`` must score what the official function gives, today, to the same
record dated ``age`` days ago.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from data_inclusion.schema.v1 import Service
from data_inclusion.schema.v1 import score_qualite as official

from resource_base.models import Resource
from resource_base.quality import (
    FIRST_DAY,
    LAST_DAY,
    Step,
    quality,
    quality_code,
    quality_on,
    quality_steps,
    steps_to_json,
)

BASE = Resource(
    id="t--1",
    source="cd51",
    source_id="1",
    departement="51",
    nom="Atelier budget (démo)",
    nom_structure="Structure (démo)",
    description="Un atelier collectif pour apprendre à tenir son budget. " * 5,
    thematiques=["difficultes-financieres--ameliorer-sa-gestion-budgetaire"],
    publics=["tous-publics"],
    frais="gratuit",
    modes_accueil=["en-presentiel"],
    modes_mobilisation=["telephoner", "envoyer-un-courriel"],
    mobilisable_par=["usagers"],
    adresse="1 rue de la Marne",
    telephone="+33326000000",
    date_maj="2025-01-01",
)
VARIANTS = [
    BASE,
    dataclasses.replace(BASE, courriel="contact@example.org", description="Court."),
    dataclasses.replace(BASE, adresse=None, frais="payant", mobilisable_par=[]),
    dataclasses.replace(BASE, frais="payant", frais_precisions="5 € par an", publics=[]),
    dataclasses.replace(BASE, modes_mobilisation=[], modes_accueil=["a-distance"], telephone=None),
    dataclasses.replace(BASE, description="x" * 3000, lien_mobilisation="https://example.org/"),
]


def official_score(resource: Resource, date_maj: date | None) -> int:
    """What ``score_qualite.score`` gives now, as a 0–100 integer."""
    service = Service.model_construct(
        source=resource.source,
        description=resource.description,
        adresse=resource.adresse,
        telephone=resource.telephone,
        courriel=resource.courriel,
        lien_mobilisation=resource.lien_mobilisation,
        frais=resource.frais,
        frais_precisions=resource.frais_precisions,
        thematiques=set(resource.thematiques) or None,
        publics=set(resource.publics) or None,
        modes_accueil=set(resource.modes_accueil) or None,
        modes_mobilisation=set(resource.modes_mobilisation) or None,
        mobilisable_par=set(resource.mobilisable_par) or None,
        date_maj=date_maj,
    )
    return round(official.score(service)[0] * 100)


@pytest.mark.parametrize("resource", VARIANTS, ids=range(len(VARIANTS)))
def test_today_the_score_is_the_official_one(resource):
    today = date.today()
    for age in (0, 30, 179, 180, 181, 200, 365, 500, 729, 730, 731, 2000):
        dated = dataclasses.replace(resource, date_maj=(today - timedelta(days=age)).isoformat())
        assert quality(dated) == official_score(dated, today - timedelta(days=age)), age
    undated = dataclasses.replace(resource, date_maj=None)
    assert quality(undated) == official_score(undated, None)


@pytest.mark.parametrize("resource", VARIANTS[:3], ids=range(3))
def test_the_score_decays_with_a_moved_clock(resource):
    dated = date.fromisoformat(resource.date_maj)
    today = date.today()
    steps = quality_steps(quality_code(resource))
    by_age = [quality_on(steps, dated + timedelta(days=age)) for age in range(0, 800)]
    for age, value in enumerate(by_age):
        # Searched `age` days after its update = updated `age` days ago, searched today.
        assert value == official_score(resource, today - timedelta(days=age)), age
    assert by_age[0] == by_age[179] > by_age[400] > by_age[730] == by_age[799]
    assert quality(resource, dated + timedelta(days=5000)) == by_age[799]
    assert quality(resource, dated - timedelta(days=10)) == by_age[0]  # before its date: fresh


def test_the_code_stands_for_steps_covering_every_day_once():
    code = quality_code(BASE)
    assert code.startswith("2025-01-01|0:")
    steps = quality_steps(code)
    assert steps[0].depuis == FIRST_DAY and steps[-1].jusqu_a == LAST_DAY
    assert all(a.jusqu_a == b.depuis for a, b in zip(steps, steps[1:], strict=False))
    assert 5 < len(steps) < 40
    # The official quirk at exactly 180 days (neither "< 6 months" nor "> 6 months").
    assert steps[1] == Step(date(2025, 6, 30), date(2025, 7, 1), steps[1].valeur)
    assert steps[1].valeur < steps[0].valeur == steps[2].valeur
    assert steps_to_json(steps)[0] == {
        "depuis": "1970-01-01",
        "jusqu_a": "2025-06-30",
        "valeur": steps[0].valeur,
    }
    assert quality_steps("|0:55") == (Step(FIRST_DAY, LAST_DAY, 55),)
    for broken in ("", "x", "2025-13-01|0:1", "|0:"):
        assert quality_steps(broken) == ()
    assert quality_on((), date.today()) == 0  # a document indexed without steps


def test_records_without_freshness_have_one_step():
    undated = quality_steps(quality_code(dataclasses.replace(BASE, date_maj=None)))
    exempt = quality_steps(quality_code(dataclasses.replace(BASE, source="france-travail")))
    assert len(undated) == len(exempt) == 1
    # Without a date, freshness counts 0; for a source the criterion skips, it does not count.
    assert (
        undated[0].valeur
        < exempt[0].valeur
        == official_score(dataclasses.replace(BASE, source="france-travail"), None)
    )


def test_empty_description_scores_as_too_short():
    # The schema forbids it (and the official criterion raises); the import template allows it.
    empty = dataclasses.replace(BASE, description="")
    short = dataclasses.replace(BASE, description="Court.")
    assert quality_code(empty) == quality_code(short)


def test_the_embedded_order_reads_the_same_scores_as_the_steps():
    from search_engines.quality_order import QualityOrder

    codes = [quality_code(r) for r in VARIANTS] + [
        quality_code(dataclasses.replace(BASE, date_maj=None)),
        "2025-13-01|0:90",  # unreadable: 0, as quality_on without steps
        "|0:",
    ]
    order = QualityOrder.load(len(codes), ((i, f"id{i}", c) for i, c in enumerate(codes)))
    for day in (date(2024, 1, 1), date(2025, 6, 30), date(2025, 7, 1), date(2026, 3, 1)):
        expected = [quality_on(quality_steps(c), day) for c in codes]
        age = (day.toordinal() - order.origin).clip(0, len(order.table[0]) - 1)
        assert order.table[order.profile, age].tolist() == expected, day
        ranks = order.tiebreak(day)
        by_rank = sorted(range(len(codes)), key=lambda i: (-expected[i], f"id{i}"))
        assert [int(ranks[i]) for i in by_rank] == list(range(len(codes)))
