"""The search contract, rule by rule, against every engine (one shared suite).

The same data and queries run on the embedded engine and on a real Elasticsearch server
(``contract_runtime`` is parametrised by engine); ``test_engines_agree`` compares them directly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from contract_data import (
    ALIMENTATION,
    BUDGET,
    DECAY_START,
    DETTE,
    GARDE,
    HEBERGEMENT,
    VIOLENCES,
)

from resource_base.audience import Audience
from resource_base.search import MAX_WINDOW, SearchError, SearchQuery, UnknownLocation

CHALONS = "51108"
REIMS = "51454"


def ids(result) -> list[str]:
    return [item.candidate.id.removeprefix("test--") for item in result.items]


def search(rt, today=None, **kwargs):
    kwargs.setdefault("size", 100)
    for name in ("thematiques", "publics", "modes_accueil", "frais"):
        if name in kwargs:
            kwargs[name] = tuple(kwargs[name])
    return rt.search_service.search(SearchQuery(**kwargs), today=today)


# --- eligibility ---------------------------------------------------------------------------


def test_department_zone_is_eligible_inside_the_department_only(contract_runtime):
    assert "dept51" in ids(search(contract_runtime, code_commune=CHALONS))
    assert "dept52" not in ids(search(contract_runtime, code_commune=CHALONS, rayon_km=200))


def test_commune_zone_is_eligible_in_that_commune_only(contract_runtime):
    assert "commune-reims" not in ids(search(contract_runtime, code_commune=CHALONS, rayon_km=100))
    assert "commune-reims" in ids(search(contract_runtime, code_commune=REIMS))
    assert "commune-chalons" in ids(search(contract_runtime, code_commune=CHALONS))


def test_epci_zone_is_eligible_in_member_communes_only(contract_runtime):
    assert "epci-chalons" in ids(search(contract_runtime, code_commune=CHALONS))
    # Épernay (51230) is within 30 km of the place but not in the CA de Châlons.
    assert "epci-chalons" not in ids(search(contract_runtime, code_commune="51230", rayon_km=100))


def test_empty_zone_and_france_have_no_restriction(contract_runtime):
    found = ids(search(contract_runtime, code_commune=CHALONS))
    assert {"no-zone", "france-remote"} <= set(found)
    explanations = {
        i.candidate.id: i.explication["eligibilite"]
        for i in search(contract_runtime, code_commune=CHALONS).items
    }
    assert explanations["test--no-zone"] == "Aucune restriction territoriale"
    assert "France" in explanations["test--france-remote"]


def test_ambiguous_postal_code_requires_eligibility_for_every_commune(contract_runtime):
    # 51000 is Châlons alone; 51300 covers dozens of communes around Vitry-le-François.
    assert "commune-chalons" in ids(search(contract_runtime, code_postal="51000"))
    result = search(contract_runtime, code_postal="51300", rayon_km=100)
    assert "dept51" in ids(result)
    assert "commune-chalons" not in ids(result)
    assert len(result.lieu.communes) > 1


def test_coordinates_use_the_nearest_commune_for_eligibility(contract_runtime):
    found = ids(search(contract_runtime, lat=48.965, lon=4.38))
    assert "commune-chalons" in found and "epci-chalons" in found


# --- reach and status ----------------------------------------------------------------------


def test_on_site_service_must_lie_within_the_radius(contract_runtime):
    # Épernay is ~33 km from Châlons.
    assert "far-onsite" not in ids(search(contract_runtime, code_commune=CHALONS, rayon_km=30))
    assert "far-onsite" in ids(search(contract_runtime, code_commune=CHALONS, rayon_km=40))


def test_remote_service_has_no_distance_limit(contract_runtime):
    result = search(contract_runtime, code_commune=CHALONS, rayon_km=5)
    by_id = {i.candidate.id: i for i in result.items}
    assert "test--far-remote" in by_id and "test--france-remote" in by_id
    assert by_id["test--france-remote"].to_dict()["distance_km"] is None
    assert by_id["test--far-remote"].to_dict()["distance_km"] > 400  # hybrid: real distance shown


def test_closed_never_appear_temporarily_closed_are_flagged(contract_runtime):
    result = search(contract_runtime, code_commune=CHALONS, thematiques=[GARDE])
    assert "closed" not in ids(result)
    flagged = {i.candidate.id: i.explication.get("avertissement") for i in result.items}
    assert flagged["test--temp-closed"] == "Fermé temporairement"


def test_temporarily_closed_ranks_below_open_equivalents(contract_runtime):
    # "temp-closed" is nearer (0 km) than "commune-chalons" (1.1 km), with the same need.
    found = ids(search(contract_runtime, code_commune=CHALONS, thematiques=[GARDE]))
    assert found == ["commune-chalons", "temp-closed"]


def test_professionals_only_resources_need_the_professional_view(contract_runtime):
    assert "pro-only" not in ids(search(contract_runtime, code_commune=CHALONS))
    assert "pro-only" in ids(
        search(contract_runtime, code_commune=CHALONS, audience=Audience.PROFESSIONAL)
    )


# --- needs, filters and text ---------------------------------------------------------------


def test_category_means_all_its_sub_themes(contract_runtime):
    found = ids(
        search(contract_runtime, code_commune=CHALONS, thematiques=["difficultes-financieres"])
    )
    assert {"dept51", "budget-exact-near", "budget-category", "france-remote"} <= set(found)
    assert "sante-mentale" not in found


def test_sub_theme_matches_itself_and_category_tagged_records_only(contract_runtime):
    found = ids(search(contract_runtime, code_commune=CHALONS, thematiques=[BUDGET]))
    assert set(found) == {"budget-exact-near", "budget-exact-far", "budget-category"}


def test_publics_modes_and_frais_filters(contract_runtime):
    found = ids(search(contract_runtime, code_commune=CHALONS, publics=["jeunes"]))
    assert "sante-mentale" in found and "logements-jeunes" in found
    assert "no-zone" in found  # no publics stated: not excluded
    remote = ids(search(contract_runtime, code_commune=CHALONS, modes_accueil=["a-distance"]))
    assert set(remote) == {"france-remote", "far-remote", "reunion-remote"}
    assert ids(search(contract_runtime, code_commune=CHALONS, frais=["payant"])) == [
        "logements-jeunes"
    ]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("dettes", "dept51"),  # synonym: surendettement
        ("psy", "sante-mentale"),  # synonym: santé mentale, psychologue
        ("logement", "logements-jeunes"),  # plural meets singular
        ("HEBERGEMENT", "logements-jeunes"),  # case and accents; "L'hébergement" elided
        ("epicerie", "epci-chalons"),
        ("garde", "commune-chalons"),  # thématique label "Garde d'enfants"
    ],
)
def test_french_text(contract_runtime, q, expected):
    assert expected in ids(search(contract_runtime, code_commune=CHALONS, q=q))


def test_several_words_rank_by_how_many_match(contract_runtime):
    found = ids(search(contract_runtime, code_commune=CHALONS, q="atelier budget mairie"))
    # All three words first; then two of three (the floor: half of the words, rounded up).
    assert found[0] == "budget-exact-near"
    assert found[1] == "budget-exact-far"
    assert "same-place-fresh" not in found  # "atelier" alone is under the floor
    # A word no record holds does not empty the list.
    assert "budget-exact-near" in ids(
        search(contract_runtime, code_commune=CHALONS, q="budget introuvablissime")
    )
    assert ids(search(contract_runtime, code_commune=CHALONS, q="introuvablissime")) == []


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("dettes mutuelle", "dept51"),  # no resource has both: each word counts
        ("epicerie solidaire", "epci-chalons"),  # « Épicerie sociale » (thesaurus)
        ("sans abri", "logements-jeunes"),  # thesaurus: hébergement temporaire
        ("dormir", "logements-jeunes"),
        ("SDF", "logements-jeunes"),
        ("CMP", "sante-mentale"),
        ("depression", "sante-mentale"),
        ("FJT", "logements-jeunes"),
    ],
)
def test_free_text_finds_what_advisers_mean(contract_runtime, q, expected):
    assert expected in ids(search(contract_runtime, code_commune=CHALONS, q=q))


@pytest.mark.parametrize(
    ("q", "understood", "expected"),
    [
        ("surendetement", "surendettement", "dept51"),
        ("logemnt", "logement", "logements-jeunes"),
        ("psychologe", "psychologue", "sante-mentale"),
    ],
)
def test_typos_are_corrected_against_the_index_vocabulary(
    contract_runtime, q, understood, expected
):
    result = search(contract_runtime, code_commune=CHALONS, q=q)
    assert expected in ids(result)
    assert result.texte_compris == understood
    assert search(contract_runtime, code_commune=CHALONS, q="budget").texte_compris is None


def test_explanation_shows_the_records_words_and_synonyms(contract_runtime):
    items = search(contract_runtime, code_commune=CHALONS, q="mutuelle dettes").items
    by_id = {i.candidate.id.removeprefix("test--"): i.explication for i in items}
    assert by_id["france-remote"]["mots"] == ["dettes"]  # as written: never "dett"
    assert by_id["france-remote"]["synonymes"] == []
    assert "surendettement" in by_id["dept51"]["mots"]
    assert by_id["dept51"]["synonymes"] == ["« dettes » → surendettement"]
    found = search(contract_runtime, code_commune=CHALONS, q="epicerie solidaire").items
    epicerie = next(i for i in found if i.candidate.id == "test--epci-chalons").explication
    assert epicerie["mots"] == ["Épicerie sociale"]
    assert epicerie["synonymes"] == ["« epicerie solidaire » → épicerie sociale"]


def test_stop_words_alone_search_as_no_text(contract_runtime):
    assert (
        search(contract_runtime, code_commune=CHALONS, q="de la").total
        == search(contract_runtime, code_commune=CHALONS).total
    )


# --- ranking -------------------------------------------------------------------------------


def test_exact_sub_theme_ranks_above_category_only(contract_runtime):
    found = ids(search(contract_runtime, code_commune=CHALONS, thematiques=[BUDGET]))
    assert found.index("budget-exact-far") < found.index("budget-category")


def test_closer_first_among_equally_relevant(contract_runtime):
    found = ids(search(contract_runtime, code_commune=CHALONS, thematiques=[BUDGET]))
    assert found[:2] == ["budget-exact-near", "budget-exact-far"]


def test_quality_breaks_ties_at_the_same_place(contract_runtime):
    found = ids(search(contract_runtime, code_commune=CHALONS, q="atelier numerique"))
    # Both words first (the same points, the same place: the fresher record first), then
    # the workshops that only match "atelier".
    assert found[:2] == ["same-place-fresh", "same-place-stale"]
    assert set(found[2:]) == {"budget-exact-near", "budget-exact-far"}


@pytest.mark.parametrize(
    ("days", "first", "qualites"),
    [
        # Both fresh: the more complete record first.
        (100, "epicerie-complete", {"epicerie-complete": 56, "epicerie-recente": 50}),
        # 600 days on, the older record's freshness has decayed below the newer one's.
        (600, "epicerie-recente", {"epicerie-complete": 47, "epicerie-recente": 50}),
        # Both over two years old: completeness decides again.
        (1400, "epicerie-complete", {"epicerie-complete": 44, "epicerie-recente": 38}),
    ],
)
def test_quality_is_the_official_score_on_the_search_day(contract_runtime, days, first, qualites):
    # The same two records at the same place, searched on three days (a moved clock).
    result = search(
        contract_runtime,
        today=DECAY_START + timedelta(days=days),
        code_commune=CHALONS,
        thematiques=[ALIMENTATION],
    )
    # Both match the need exactly at the same place: only quality (then id) separates them;
    # records tagged with the whole category come after them.
    assert ids(result)[:2] == [first, ({*qualites} - {first}).pop()]
    explained = {
        item.candidate.id.removeprefix("test--"): item.explication["points"]["qualite"]
        for item in result.items[:2]
    }
    assert explained == qualites


def test_name_match_ranks_above_description_match(contract_runtime):
    found = ids(search(contract_runtime, code_commune=CHALONS, q="surendettement"))
    # "Plateforme nationale contre les dettes" (remote) matches by its name, through the
    # synonym; the nearer "Point conseil budget" only by its description.
    assert found.index("france-remote") < found.index("dept51")


def test_remote_only_comes_after_on_site_at_equal_relevance(contract_runtime):
    found = ids(search(contract_runtime, code_commune=CHALONS, thematiques=[DETTE]))
    assert found == ["dept51", "france-remote", "budget-category"]


def test_ranking_is_explained(contract_runtime):
    item = search(contract_runtime, code_commune=CHALONS, thematiques=[BUDGET]).items[0].to_dict()
    explication = item["explication"]
    assert explication["thematiques"][0]["thematique"] == BUDGET
    assert explication["thematiques"][0]["correspondance"] == "exacte"
    assert explication["portee"].startswith("Sur place à 1,")
    assert item["distance_km"] == pytest.approx(1.1, abs=0.1)
    assert "Département 51" in explication["eligibilite"]


# --- facets and pagination -----------------------------------------------------------------


def test_facets_count_eligible_resources_per_category_regardless_of_selected_needs(
    contract_runtime,
):
    unfiltered = search(contract_runtime, code_commune=CHALONS).facettes
    filtered = search(contract_runtime, code_commune=CHALONS, thematiques=[GARDE]).facettes
    assert unfiltered == filtered
    # relais petite enfance, halte-garderie and the two violence services (closed excluded)
    assert unfiltered["famille"] == 4
    assert unfiltered["creer-une-entreprise"] == 0
    assert len(unfiltered) == 16


def test_pagination(contract_runtime):
    everything = search(contract_runtime, code_commune=CHALONS)
    count = -(-everything.total // 4)
    pages = [
        search(contract_runtime, code_commune=CHALONS, size=4, page=p) for p in range(1, count + 1)
    ]
    assert pages[0].total == everything.total and pages[0].pages == -(-everything.total // 4)
    assert sum((ids(p) for p in pages), []) == ids(everything)


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "code_commune"),
        ({"code_commune": "99999"}, "code_commune"),
        ({"code_commune": "abc"}, "code_commune"),
        ({"lat": 48.9}, "lon"),
        ({"code_commune": CHALONS, "rayon_km": -1}, "rayon_km"),
        ({"code_commune": CHALONS, "rayon_km": 500}, "rayon_km"),
        ({"code_commune": CHALONS, "thematiques": ["pas-un-theme"]}, "thematiques"),
        ({"code_commune": CHALONS, "size": 1000}, "size"),
        ({"code_commune": CHALONS, "page": MAX_WINDOW}, "page"),
        ({"code_postal": "00000"}, "code_postal"),
        ({"code_commune": CHALONS, "publics": ["martiens"]}, "publics"),
    ],
)
def test_invalid_queries_name_the_field(contract_runtime, kwargs, field):
    with pytest.raises(SearchError) as caught:
        search(contract_runtime, **kwargs)
    assert field in caught.value.errors
    assert all(isinstance(m, str) and m for m in caught.value.errors[field])


def test_unknown_commune_is_an_unknown_location(contract_runtime):
    with pytest.raises(UnknownLocation):
        search(contract_runtime, code_commune="99999")


# --- openness, in each place's own time zone (a pinned clock) -------------------------------

# Tuesday 3 March 2026 at 06:00 UTC: 07:00 in Châlons, 10:00 in La Réunion.
EARLY = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)
# The same day at 08:30 UTC: 09:30 in Châlons, 12:30 in La Réunion.
MORNING = datetime(2026, 3, 3, 8, 30, tzinfo=UTC)
# Saturday 7 March 2026 at 12:00 UTC: the weekend everywhere.
SATURDAY = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)


def search_at(rt, moment, **kwargs):
    clock = rt.search_service.clock
    rt.search_service.clock = lambda: moment
    try:
        return search(rt, **kwargs)
    finally:
        rt.search_service.clock = clock


def test_open_now_uses_the_place_own_time_zone(contract_runtime):
    early = ids(search_at(contract_runtime, EARLY, code_commune=CHALONS, ouvert="maintenant"))
    assert "reunion-remote" in early  # 10:00 in La Réunion: open
    assert "same-place-fresh" not in early  # 07:00 in Châlons: opens at 09:00
    assert "hebergement-near" in early  # open 18:00-09:00, across midnight
    morning = ids(search_at(contract_runtime, MORNING, code_commune=CHALONS, ouvert="maintenant"))
    assert "reunion-remote" not in morning  # 12:30 in La Réunion: closed since 12:00
    assert "same-place-fresh" in morning
    assert "hebergement-near" not in morning
    # A place without hours is never "open now"; one temporarily closed neither, even 24/7.
    assert "dept51" not in morning and "temp-closed" not in morning
    assert "samu-social" in morning


def test_open_today_and_totals(contract_runtime):
    today = search_at(contract_runtime, SATURDAY, code_commune=CHALONS, ouvert="aujourdhui")
    found = ids(today)
    assert "hebergement-near" in found and "samu-social" in found
    assert "same-place-fresh" not in found and "reunion-remote" not in found  # Mo-Fr only
    assert today.total == len(found)
    weekday = search_at(contract_runtime, EARLY, code_commune=CHALONS, ouvert="aujourdhui")
    assert {"same-place-fresh", "reunion-remote"} <= set(ids(weekday))
    # Pagination over the filtered set gives the same ids as one page.
    pages = [
        search_at(
            contract_runtime, EARLY, code_commune=CHALONS, ouvert="aujourdhui", size=2, page=p
        )
        for p in (1, 2, 3, 4)
    ]
    assert pages[0].total == weekday.total
    assert sum((ids(p) for p in pages), []) == ids(weekday)


def test_urgent_needs_put_emergency_services_first(contract_runtime):
    found = ids(search(contract_runtime, code_commune=CHALONS, thematiques=[HEBERGEMENT]))
    assert found[:2] == ["samu-social", "hebergement-near"]  # 5.6 km before 1.1 km
    violences = search(contract_runtime, code_commune=CHALONS, thematiques=[VIOLENCES])
    assert ids(violences)[:2] == ["violences-3919", "violences-near"]
    assert "3919" in violences.items[0].explication["urgence"]
    # Not an urgent need: the ordinary ranking (nearer first).
    plain = ids(
        search(contract_runtime, code_commune=CHALONS, thematiques=["logement-hebergement"])
    )
    assert plain.index("hebergement-near") < plain.index("samu-social")


def test_unknown_openness_value_is_refused(contract_runtime):
    with pytest.raises(SearchError) as caught:
        search(contract_runtime, code_commune=CHALONS, ouvert="demain")
    assert "ouvert" in caught.value.errors


def test_adviser_view_outside_the_zone_marks_resources_not_eligible(contract_runtime):
    # The Crèche of Reims is for the people of Reims only: from Châlons it is only mentioned
    # to the adviser, marked as not eligible.
    result = search(
        contract_runtime,
        code_commune=CHALONS,
        thematiques=[GARDE],
        rayon_km=50,
        ignorer_eligibilite=True,
    )
    by_id = {i.candidate.id.removeprefix("test--"): i.explication for i in result.items}
    assert by_id["commune-reims"]["eligible"] is False
    assert by_id["commune-reims"]["eligibilite"] == "Hors de la zone d'éligibilité de la personne"
    assert "eligible" not in by_id["commune-chalons"]
    assert result.total == len(by_id)
