"""The search contract, rule by rule, against every engine (one shared suite).

The same data and queries run on the embedded engine and on a real Elasticsearch server
(``contract_runtime`` is parametrised by engine); ``test_engines_agree`` compares them directly.
"""

from __future__ import annotations

import pytest
from contract_data import BUDGET, DETTE, GARDE

from resource_base.audience import Audience
from resource_base.search import MAX_WINDOW, SearchError, SearchQuery, UnknownLocation

CHALONS = "51108"
REIMS = "51454"


def ids(result) -> list[str]:
    return [item.candidate.id.removeprefix("test--") for item in result.items]


def search(rt, **kwargs):
    kwargs.setdefault("size", 100)
    for name in ("thematiques", "publics", "modes_accueil", "frais"):
        if name in kwargs:
            kwargs[name] = tuple(kwargs[name])
    return rt.search_service.search(SearchQuery(**kwargs))


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
    assert set(remote) == {"france-remote", "far-remote"}
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
    assert unfiltered["famille"] == 2  # relais petite enfance + halte-garderie (closed excluded)
    assert unfiltered["creer-une-entreprise"] == 0
    assert len(unfiltered) == 16


def test_pagination(contract_runtime):
    everything = search(contract_runtime, code_commune=CHALONS)
    pages = [
        search(contract_runtime, code_commune=CHALONS, size=4, page=p) for p in (1, 2, 3, 4, 5)
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
