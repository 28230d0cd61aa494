"""Elasticsearch mapping and query building: pure functions, tested against literals.

The index holds the flat ``search_document`` of each resource. Text fields carry the project's
own normalised tokens as keywords (``mots_nom``, ``mots``), so French text handling needs no
analysis plugin: the test distribution has the server modules only. Relevance points are
integer ``constant_score`` boosts, summed exactly as ``resource_base.search`` does; ties are
broken by the same keys (distance, quality, id) in the sort. The quality of the search day is
the value of the nested ``qualite_paliers`` step whose range holds that day: a nested sort with
a range filter, which needs no scripting (the test distribution has no painless).
"""

from __future__ import annotations

from datetime import date

from resource_base import opening, urgency, vocabulary
from resource_base.quality import quality_steps, steps_to_json
from resource_base.relevance import TEXT_LEVELS, TextPlan
from resource_base.search import (
    POINTS_THEME_CATEGORY,
    POINTS_THEME_EXACT,
    SUMMARY_FIELDS,
    TEMPORARILY_CLOSED,
    SearchPlan,
)
from resource_base.thesaurus import TermGroup

# What the shared ranking reads of each hit (the full record stays in "fiche").
CANDIDATE_FIELDS = SUMMARY_FIELDS + (
    "mots_nom",
    "mots_forts",
    "mots",
    "qualite",
    "a_distance",
    "sur_place",
    "fuseau",
    "ouverture_semaine",
    "numero_urgence",
)

MAPPING = {
    "dynamic": False,
    "properties": {
        "id": {"type": "keyword"},
        "nom": {"type": "text", "analyzer": "standard"},
        "nom_structure": {"type": "text", "analyzer": "standard"},
        "description": {"type": "text", "analyzer": "standard"},
        "mots_nom": {"type": "keyword"},
        "mots_forts": {"type": "keyword"},
        "mots": {"type": "keyword"},
        "thematiques": {"type": "keyword"},
        "categories": {"type": "keyword"},
        "publics": {"type": "keyword"},
        "frais": {"type": "keyword"},
        "modes_effectifs": {"type": "keyword"},
        "zone_eligibilite": {"type": "keyword"},
        "zone_vide": {"type": "boolean"},
        "statut": {"type": "keyword"},
        "visibilite": {"type": "keyword"},
        "a_distance": {"type": "boolean"},
        "sur_place": {"type": "boolean"},
        "lieu_sur_place": {"type": "geo_point"},
        # The quality score by day (resource_base.quality): one nested document per step;
        # the compact "qualite" code stays in _source only.
        "qualite_paliers": {
            "type": "nested",
            "properties": {
                "depuis": {"type": "date"},
                "jusqu_a": {"type": "date"},
                "valeur": {"type": "integer"},
            },
        },
        "departement": {"type": "keyword"},
        "source": {"type": "keyword"},
        "date_maj": {"type": "date", "ignore_malformed": True},
        # Openness: the weekly open ranges in minutes, local time of ``fuseau``.
        "fuseau": {"type": "keyword"},
        "ouverture": {"type": "integer_range"},
        "numero_urgence": {"type": "keyword"},
        # 1 for a temporarily closed place: sorted after open ones of equal relevance.
        "rang_statut": {"type": "byte"},
    },
}

INDEX_SETTINGS = {
    "number_of_shards": 1,
    "number_of_replicas": 0,
    "refresh_interval": "1s",
}


def index_document(doc: dict) -> dict:
    """The indexed form of a ``search_document``: derived fields for filters and sorting."""
    indexed = dict(doc)
    indexed["modes_effectifs"] = doc.get("modes_accueil") or [vocabulary.EN_PRESENTIEL]
    indexed["zone_vide"] = not doc.get("zone_eligibilite")
    indexed["qualite_paliers"] = steps_to_json(quality_steps(doc.get("qualite") or ""))
    if (
        doc.get("sur_place")
        and doc.get("latitude") is not None
        and doc.get("longitude") is not None
    ):
        indexed["lieu_sur_place"] = {"lat": doc["latitude"], "lon": doc["longitude"]}
    indexed["ouverture"] = [
        {"gte": start, "lt": end} for start, end in doc.get("ouverture_semaine") or ()
    ]
    indexed["rang_statut"] = int(doc.get("statut") == TEMPORARILY_CLOSED)
    return indexed


def _const(query: dict, boost: int) -> dict:
    return {"constant_score": {"filter": query, "boost": boost}}


def _alternatives(group: TermGroup, field: str) -> dict:
    """Any alternative of the group present in ``field`` (all tokens of that alternative)."""
    should = []
    for alt in group.alternatives:
        if len(alt) == 1:
            should.append({"term": {field: alt[0]}})
        else:
            should.append({"bool": {"filter": [{"term": {field: t}} for t in alt]}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def text_clauses(text: TextPlan) -> tuple[list[dict], list[dict]]:
    """``(scoring, filters)`` for the free text (``resource_base.relevance``).

    Scoring: per word, the best field's points (name 6, name or thématique labels 4,
    anywhere 2) × its rarity weight, as a ``dis_max`` of ``constant_score`` clauses.
    Filters: the floor, at least ``required`` words found anywhere, and one uncommon word.
    """
    if not text.groups:
        return [], []
    scoring = [
        {
            "dis_max": {
                "queries": [
                    _const(_alternatives(group, field), points * weight)
                    for field, points in TEXT_LEVELS
                ],
                "tie_breaker": 0,
            }
        }
        for group, weight in zip(text.groups, text.weights, strict=True)
    ]
    anywhere = [_alternatives(group, "mots") for group in text.groups]
    filters = [{"bool": {"should": anywhere, "minimum_should_match": text.required}}]
    if text.strong and len(text.strong) < len(text.groups):
        strong = [anywhere[i] for i in text.strong]
        filters.append({"bool": {"should": strong, "minimum_should_match": 1}})
    return scoring, filters


def theme_clauses(thematiques: tuple[str, ...]) -> list[dict]:
    """One scoring clause per need asked: exact (100) or category only (40)."""
    clauses = []
    for asked in thematiques:
        if vocabulary.is_category(asked):
            clauses.append(_const({"term": {"categories": asked}}, POINTS_THEME_EXACT))
        else:
            clauses.append(
                {
                    "dis_max": {
                        "queries": [
                            _const({"term": {"thematiques": asked}}, POINTS_THEME_EXACT),
                            _const(
                                {"term": {"thematiques": vocabulary.category_of(asked)}},
                                POINTS_THEME_CATEGORY,
                            ),
                        ],
                        "tie_breaker": 0,
                    }
                }
            )
    return clauses


def filter_clauses(plan: SearchPlan) -> list[dict]:
    """Everything but the needs: eligibility, reach, visibility, publics, modes, frais."""
    query, location = plan.query, plan.location
    filters: list[dict] = []
    filters.append({"terms": {"visibilite": list(query.audience.visibilites)}})
    for codes in () if query.ignorer_eligibilite else location.zone_code_sets:
        filters.append(
            {
                "bool": {
                    "should": [
                        {"term": {"zone_vide": True}},
                        {"terms": {"zone_eligibilite": sorted(codes)}},
                    ],
                    "minimum_should_match": 1,
                }
            }
        )
    filters.append(
        {
            "bool": {
                "should": [
                    {"term": {"a_distance": True}},
                    {
                        "geo_distance": {
                            "distance": f"{query.rayon_km}km",
                            "distance_type": "arc",
                            "lieu_sur_place": {"lat": location.latitude, "lon": location.longitude},
                        }
                    },
                ],
                "minimum_should_match": 1,
            }
        }
    )
    if query.publics:
        filters.append(
            {
                "bool": {
                    "should": [
                        {"bool": {"must_not": [{"exists": {"field": "publics"}}]}},
                        {"terms": {"publics": sorted({vocabulary.TOUS_PUBLICS, *query.publics})}},
                    ],
                    "minimum_should_match": 1,
                }
            }
        )
    if query.modes_accueil:
        filters.append({"terms": {"modes_effectifs": sorted(query.modes_accueil)}})
    if query.frais:
        filters.append({"terms": {"frais": sorted(query.frais)}})
    if query.ouvert:
        filters.append(open_clause(plan))
    return filters


def open_clause(plan: SearchPlan) -> dict:
    """Open in the plan's window, in the place's own time zone; never temporarily closed."""
    per_zone = []
    for zone in opening.ALL_ZONES:
        start, end = plan.open_window(zone)
        per_zone.append(
            {
                "bool": {
                    "filter": [
                        {"term": {"fuseau": zone}},
                        {
                            "range": {
                                "ouverture": {"gte": start, "lt": end, "relation": "intersects"}
                            }
                        },
                    ]
                }
            }
        )
    return {
        "bool": {
            "should": per_zone,
            "minimum_should_match": 1,
            "must_not": [{"term": {"statut": TEMPORARILY_CLOSED}}],
        }
    }


def quality_sort(today: date) -> dict:
    """Sort by the quality score on ``today``: the step with ``depuis <= today < jusqu_a``."""
    day = today.isoformat()
    return {
        "qualite_paliers.valeur": {
            "order": "desc",
            "mode": "max",  # one step holds the day: any mode gives its value
            "nested": {
                "path": "qualite_paliers",
                "filter": {
                    "bool": {
                        "filter": [
                            {"range": {"qualite_paliers.depuis": {"lte": day}}},
                            {"range": {"qualite_paliers.jusqu_a": {"gt": day}}},
                        ]
                    }
                },
            },
        }
    }


def build_search(plan: SearchPlan) -> dict:
    """The search body: filters and text in the query, needs scored in the query and
    filtered in ``post_filter`` so that the category facets ignore the needs selected."""
    query, location = plan.query, plan.location
    themes = theme_clauses(query.thematiques)
    text_scoring, text_filters = text_clauses(plan.text)
    scoring = themes + text_scoring
    if plan.urgence:
        scoring.append(
            _const({"terms": {"numero_urgence": list(plan.urgence)}}, urgency.POINTS_URGENCE)
        )
    body: dict = {
        "query": {
            "bool": {
                "filter": filter_clauses(plan) + text_filters,
                "must_not": [{"term": {"statut": "ferme"}}],
                "should": scoring,
            }
        },
        "sort": [
            {"_score": {"order": "desc"}},
            # unmapped_type: an index built before this field sorts as if every place were open.
            {"rang_statut": {"order": "asc", "unmapped_type": "byte"}},
            {
                "_geo_distance": {
                    "lieu_sur_place": {"lat": location.latitude, "lon": location.longitude},
                    "order": "asc",
                    "unit": "km",
                    "distance_type": "arc",
                    "ignore_unmapped": True,
                }
            },
            quality_sort(plan.today),
            {"id": {"order": "asc"}},
        ],
        "size": plan.window,
        "_source": list(CANDIDATE_FIELDS),
        "track_total_hits": True,
        "aggs": {
            "categories": {"terms": {"field": "categories", "size": len(vocabulary.CATEGORIES)}}
        },
    }
    if themes:
        body["post_filter"] = {"bool": {"should": themes, "minimum_should_match": 1}}
    return body
