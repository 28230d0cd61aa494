"""The Elasticsearch query builder is a pure function: compared with a literal here, and its
behaviour is then held to the shared contract suite against a real server."""

from datetime import date

from resource_base.lexicon import Lexicon
from resource_base.search import SearchQuery, plan

# 100 records: "aide" in half of them (common, weight 1), "santé mentale" in 5 (weight 3).
LEXICON = Lexicon({"aide": 50, "sant": 5, "mental": 5, "psychologu": 3, "psy": 1}, 100)


def test_build_search_literal(directory):
    from search_engines.es_query import build_search

    body = build_search(
        plan(
            SearchQuery(
                code_commune="51108",
                thematiques=("famille--garde-denfants", "sante"),
                q="psy aide",
                publics=("jeunes",),
                modes_accueil=("a-distance",),
                frais=("gratuit",),
                rayon_km=20,
                page=2,
                size=10,
            ),
            directory,
            LEXICON,
            today=date(2026, 11, 30),
        )
    )
    point = {"lat": 48.9640892125, "lon": 4.37883539725}
    psy_alts = lambda field: {  # noqa: E731
        "bool": {
            "should": [
                {"term": {field: "psy"}},
                {"bool": {"filter": [{"term": {field: "sant"}}, {"term": {field: "mental"}}]}},
                {"term": {field: "psychologu"}},
                {"term": {field: "psychiatr"}},
                {"term": {field: "psychologiqu"}},
            ],
            "minimum_should_match": 1,
        }
    }
    aide = lambda field: {  # noqa: E731
        "bool": {"should": [{"term": {field: "aide"}}], "minimum_should_match": 1}
    }

    def points(alternatives, weight):
        return {
            "dis_max": {
                "queries": [
                    {"constant_score": {"filter": alternatives("mots_nom"), "boost": 6 * weight}},
                    {
                        "constant_score": {
                            "filter": alternatives("mots_forts"),
                            "boost": 4 * weight,
                        }
                    },
                    {"constant_score": {"filter": alternatives("mots"), "boost": 2 * weight}},
                ],
                "tie_breaker": 0,
            }
        }

    themes = [
        {
            "dis_max": {
                "queries": [
                    {
                        "constant_score": {
                            "filter": {"term": {"thematiques": "famille--garde-denfants"}},
                            "boost": 100,
                        }
                    },
                    {
                        "constant_score": {
                            "filter": {"term": {"thematiques": "famille"}},
                            "boost": 40,
                        }
                    },
                ],
                "tie_breaker": 0,
            }
        },
        {"constant_score": {"filter": {"term": {"categories": "sante"}}, "boost": 100}},
    ]
    assert body == {
        "query": {
            "bool": {
                "filter": [
                    {"terms": {"visibilite": ["public"]}},
                    {
                        "bool": {
                            "should": [
                                {"term": {"zone_vide": True}},
                                {
                                    "terms": {
                                        "zone_eligibilite": [
                                            "200066876",
                                            "51",
                                            "51108",
                                            "99100",
                                            "france",
                                        ]
                                    }
                                },
                            ],
                            "minimum_should_match": 1,
                        }
                    },
                    {
                        "bool": {
                            "should": [
                                {"term": {"a_distance": True}},
                                {
                                    "geo_distance": {
                                        "distance": "20km",
                                        "distance_type": "arc",
                                        "lieu_sur_place": point,
                                    }
                                },
                            ],
                            "minimum_should_match": 1,
                        }
                    },
                    {
                        "bool": {
                            "should": [
                                {"bool": {"must_not": [{"exists": {"field": "publics"}}]}},
                                {"terms": {"publics": ["jeunes", "tous-publics"]}},
                            ],
                            "minimum_should_match": 1,
                        }
                    },
                    {"terms": {"modes_effectifs": ["a-distance"]}},
                    {"terms": {"frais": ["gratuit"]}},
                    # The floor: one word of two, and the uncommon one ("aide" is common).
                    {
                        "bool": {
                            "should": [psy_alts("mots"), aide("mots")],
                            "minimum_should_match": 1,
                        }
                    },
                    {"bool": {"should": [psy_alts("mots")], "minimum_should_match": 1}},
                ],
                "must_not": [{"term": {"statut": "ferme"}}],
                "should": themes + [points(psy_alts, 3), points(aide, 1)],
            }
        },
        "sort": [
            {"_score": {"order": "desc"}},
            {"rang_statut": {"order": "asc", "unmapped_type": "byte"}},
            {
                "_geo_distance": {
                    "lieu_sur_place": point,
                    "order": "asc",
                    "unit": "km",
                    "distance_type": "arc",
                    "ignore_unmapped": True,
                }
            },
            {
                "qualite_paliers.valeur": {
                    "order": "desc",
                    "mode": "max",
                    "nested": {
                        "path": "qualite_paliers",
                        "filter": {
                            "bool": {
                                "filter": [
                                    {"range": {"qualite_paliers.depuis": {"lte": "2026-11-30"}}},
                                    {"range": {"qualite_paliers.jusqu_a": {"gt": "2026-11-30"}}},
                                ]
                            }
                        },
                    },
                }
            },
            {"id": {"order": "asc"}},
        ],
        "size": 30,
        "_source": [
            "id",
            "nom",
            "nom_structure",
            "description",
            "thematiques",
            "publics",
            "frais",
            "modes_accueil",
            "adresse",
            "complement_adresse",
            "code_postal",
            "commune",
            "code_insee",
            "latitude",
            "longitude",
            "precision_geo",
            "telephone",
            "courriel",
            "site_web",
            "horaires_accueil",
            "conditions_acces",
            "zone_eligibilite",
            "departement",
            "date_maj",
            "statut",
            "visibilite",
            "source",
            "mots_nom",
            "mots_forts",
            "mots",
            "qualite",
            "a_distance",
            "sur_place",
            "fuseau",
            "ouverture_semaine",
            "numero_urgence",
        ],
        "track_total_hits": True,
        "aggs": {"categories": {"terms": {"field": "categories", "size": 16}}},
        "post_filter": {"bool": {"should": themes, "minimum_should_match": 1}},
    }


def test_index_document_derives_filter_fields():
    from search_engines.es_query import index_document

    onsite = index_document(
        {
            "modes_accueil": [],
            "zone_eligibilite": [],
            "sur_place": True,
            "latitude": 1.0,
            "longitude": 2.0,
        }
    )
    assert onsite["modes_effectifs"] == ["en-presentiel"] and onsite["zone_vide"] is True
    assert onsite["lieu_sur_place"] == {"lat": 1.0, "lon": 2.0}
    remote = index_document(
        {
            "modes_accueil": ["a-distance"],
            "zone_eligibilite": ["france"],
            "sur_place": False,
            "latitude": 1.0,
            "longitude": 2.0,
        }
    )
    assert "lieu_sur_place" not in remote and remote["zone_vide"] is False


def test_open_filter_and_urgency_literals(directory):
    """ "Open now" is one clause per time zone on the weekly ranges, at that zone's minute of
    the week; an urgent need scores the emergency numbers above everything else."""
    from datetime import UTC, datetime

    from search_engines.es_query import build_search

    # Tuesday 3 March 2026, 08:30 UTC: 09:30 in Paris, 12:30 in La Réunion, 04:30 in Guadeloupe.
    moment = datetime(2026, 3, 3, 8, 30, tzinfo=UTC)
    body = build_search(
        plan(
            SearchQuery(
                code_commune="51108",
                thematiques=(
                    "logement-hebergement--rechercher-une-solution-dhebergement-temporaire",
                ),
                ouvert="maintenant",
            ),
            directory,
            moment=moment,
        )
    )
    query = body["query"]["bool"]
    open_clause = query["filter"][-1]["bool"]
    assert open_clause["must_not"] == [{"term": {"statut": "fermeture-temporaire"}}]
    by_zone = {
        c["bool"]["filter"][0]["term"]["fuseau"]: c["bool"]["filter"][1]["range"]["ouverture"]
        for c in open_clause["should"]
    }
    assert by_zone["Europe/Paris"] == {
        "gte": 1440 + 570,
        "lt": 1440 + 571,
        "relation": "intersects",
    }
    assert by_zone["Indian/Reunion"]["gte"] == 1440 + 750
    assert by_zone["America/Guadeloupe"]["gte"] == 1440 + 270
    assert query["should"][-1] == {
        "constant_score": {"filter": {"terms": {"numero_urgence": ["115"]}}, "boost": 1000}
    }
    today = build_search(
        plan(SearchQuery(code_commune="51108", ouvert="aujourdhui"), directory, moment=moment)
    )
    day = {
        c["bool"]["filter"][0]["term"]["fuseau"]: c["bool"]["filter"][1]["range"]["ouverture"]
        for c in today["query"]["bool"]["filter"][-1]["bool"]["should"]
    }
    assert day["Europe/Paris"] == {"gte": 1440, "lt": 2880, "relation": "intersects"}
