"""GET /api/v1/search: parameters, the result shape (the same as `relais search --json`),
visibility of professionals-only resources, and every way a query can be refused."""

from __future__ import annotations

import pytest
from contract_data import BUDGET, DETTE, GARDE, resources

from api.search.schemas import SearchResultSchema
from api.search.services import build_query
from resource_base.audience import Audience
from resource_base.search import EngineUnavailable, SearchQuery, SearchService


@pytest.fixture
def loaded(runtime):
    runtime.store.replace(
        "departement", "51", resources(), {"fichiers": ["test"]}, writers=runtime.store_writers()
    )
    return runtime


def ids(body: dict) -> list[str]:
    return [item["id"] for item in body["items"]]


def test_search_by_commune_and_need(client, loaded):
    response = client.get(f"/api/v1/search?code_commune=51108&thematiques={BUDGET}")
    assert response.status_code == 200
    body = response.get_json()
    assert ids(body)[:2] == ["test--budget-exact-near", "test--budget-exact-far"]
    assert body["page"] == 1 and body["size"] == 20 and body["moteur"] == "embedded"
    assert body["lieu"]["communes"] == ["51108"]
    first = body["items"][0]
    assert first["distance_km"] == pytest.approx(1.1, abs=0.1)
    assert first["explication"]["thematiques"][0]["correspondance"] == "exacte"
    assert body["facettes"]["thematiques"]["difficultes-financieres"] >= 3


def test_response_is_exactly_the_search_contract_result(client, loaded):
    """The schema neither drops nor adds a field: the API answers what `relais search --json`
    prints."""
    for params, query in [
        (f"code_commune=51108&thematiques={DETTE}", SearchQuery("51108", thematiques=(DETTE,))),
        (
            "code_postal=51000&q=atelier&size=3",
            SearchQuery(code_postal="51000", q="atelier", size=3),
        ),
        (
            "code_commune=51108&thematiques=mobilite",
            SearchQuery("51108", thematiques=("mobilite",)),
        ),
        (
            f"code_commune=51108&thematiques={GARDE}",  # a temporary closure's warning
            SearchQuery("51108", thematiques=(GARDE,)),
        ),
    ]:
        expected = loaded.search_service.search(query).to_dict()
        assert client.get(f"/api/v1/search?{params}").get_json() == expected, params


def test_remote_service_has_no_distance(client, loaded):
    body = client.get(f"/api/v1/search?code_commune=51108&thematiques={DETTE}").get_json()
    remote = next(i for i in body["items"] if i["id"] == "test--france-remote")
    assert remote["distance_km"] is None
    assert remote["explication"]["portee"].startswith("À distance")


def test_thematiques_repeatable_or_comma_separated(client, loaded):
    repeated = client.get(
        f"/api/v1/search?code_commune=51108&thematiques={GARDE}&thematiques=mobilite"
    ).get_json()
    commas = client.get(
        f"/api/v1/search?code_commune=51108&thematiques={GARDE},mobilite"
    ).get_json()
    assert repeated == commas
    assert "test--far-remote" in ids(repeated) and "test--commune-chalons" in ids(repeated)


def test_lat_lon_and_postal_code(client, loaded):
    by_point = client.get(f"/api/v1/search?lat=48.9641&lon=4.3788&thematiques={BUDGET}")
    assert by_point.status_code == 200
    assert ids(by_point.get_json())[0] == "test--budget-exact-near"
    by_cp = client.get(f"/api/v1/search?code_postal=51000&thematiques={BUDGET}")
    assert ids(by_cp.get_json())[0] == "test--budget-exact-near"


def test_filters_and_pagination(client, loaded):
    body = client.get("/api/v1/search?code_commune=51108&publics=jeunes&frais=payant").get_json()
    assert "test--logements-jeunes" in ids(body)
    assert all(item["frais"] == "payant" for item in body["items"])
    page2 = client.get("/api/v1/search?code_commune=51108&size=2&page=2").get_json()
    page1 = client.get("/api/v1/search?code_commune=51108&size=2&page=1").get_json()
    assert page2["page"] == 2 and len(page2["items"]) == 2
    assert set(ids(page1)).isdisjoint(ids(page2))
    assert page1["pages"] == -(-page1["total"] // 2)
    near = client.get(
        "/api/v1/search?code_commune=51108&thematiques=mobilite&rayon_km=5"
    ).get_json()
    assert "test--far-onsite" not in ids(near)  # Épernay is ~30 km away


def test_professionals_only_resources_need_the_scope(app, client, loaded):
    keys = app.extensions["relais_api"].keys
    _, pro = keys.create("cd51-pro", scopes=["professionnels"])
    _, plain = keys.create("intranet")
    url = "/api/v1/search?code_commune=51108&thematiques=logement-hebergement"
    assert "test--pro-only" not in ids(client.get(url).get_json())
    assert "test--pro-only" not in ids(client.get(url, headers={"X-Api-Key": plain}).get_json())
    assert "test--pro-only" in ids(client.get(url, headers={"X-Api-Key": pro}).get_json())


def assert_error(response, status: int, code: str, fields: list[str]):
    body = response.get_json()
    assert response.status_code == status, body
    assert set(body) == {"status", "code", "message", "errors", "request_id"}
    assert body["status"] == status and body["code"] == code
    assert sorted(body["errors"]) == sorted(fields), body["errors"]
    assert body["request_id"] == response.headers["X-Request-Id"]
    return body


@pytest.mark.parametrize(
    ("params", "code", "fields", "words"),
    [
        ("", "requete_invalide", ["code_commune"], "Indiquez le lieu"),
        ("code_commune=99999", "lieu_inconnu", ["code_commune"], "Commune inconnue"),
        ("code_postal=00000", "lieu_inconnu", ["code_postal"], "Code postal inconnu"),
        ("code_commune=5110", "requete_invalide", ["code_commune"], "code INSEE"),
        ("lat=48.96", "requete_invalide", ["lon"], "lat et lon vont ensemble"),
        (
            "lat=48.96&lon=4.37&code_commune=51108",
            "requete_invalide",
            ["code_commune"],
            "un seul lieu",
        ),
        ("code_commune=51108&rayon_km=-5", "requete_invalide", ["rayon_km"], "rayon"),
        ("code_commune=51108&rayon_km=500", "requete_invalide", ["rayon_km"], "200"),
        ("code_commune=51108&thematiques=cuisine", "requete_invalide", ["thematiques"], "cuisine"),
        ("code_commune=51108&publics=martiens", "requete_invalide", ["publics"], "martiens"),
        ("code_commune=51108&size=101", "requete_invalide", ["size"], "100"),
        ("code_commune=51108&page=0", "requete_invalide", ["page"], "commence à 1"),
        ("code_commune=51108&page=200&size=100", "requete_invalide", ["page"], "trop lointaine"),
        ("code_commune=51108&q=" + "x" * 201, "requete_invalide", ["q"], "200"),
        # Types, refused by the schema before the contract sees the query:
        ("lat=abc&lon=4", "requete_invalide", ["lat"], "Nombre attendu"),
        ("lat=nan&lon=4", "requete_invalide", ["lat"], "spéciales"),
        ("code_commune=51108&page=deux", "requete_invalide", ["page"], "entier"),
        ("code_commune=51108&thematique=sante", "requete_invalide", ["thematique"], "inconnu"),
    ],
)
def test_refused_queries_get_a_precise_400(client, loaded, params, code, fields, words):
    body = assert_error(client.get(f"/api/v1/search?{params}"), 400, code, fields)
    messages = " ".join(m for ms in body["errors"].values() for m in ms)
    assert words.lower() in messages.lower(), messages
    assert body["message"]


def test_several_faults_are_reported_together(client, loaded):
    body = client.get("/api/v1/search?code_commune=51108&size=500&thematiques=x").get_json()
    assert sorted(body["errors"]) == ["size", "thematiques"]


class UnreachableEngine:
    """Stands for an engine whose server is down (the real Elasticsearch case is in
    test_engine_down_on_elasticsearch): it raises what engines raise then."""

    name = "elasticsearch"

    def retrieve(self, plan_):
        raise EngineUnavailable("connexion refusée (127.0.0.1:9200)")

    def get(self, resource_id):
        raise EngineUnavailable("connexion refusée (127.0.0.1:9200)")

    def health(self):
        raise EngineUnavailable("connexion refusée (127.0.0.1:9200)")


def test_engine_unavailable_is_a_503(app, client, runtime):
    runtime.search_service = SearchService(UnreachableEngine(), runtime.directory)
    response = client.get("/api/v1/search?code_commune=51108")
    body = assert_error(response, 503, "moteur_indisponible", [])
    assert "connexion refusée" in body["message"]
    assert response.headers["Retry-After"]


def test_engine_down_on_elasticsearch(runtime, directory):
    """The real Elasticsearch engine, pointed at a closed port: 503 on search and health."""
    pytest.importorskip("search_engines.elasticsearch")
    from relais import settings as settings_module
    from relais.app import create_app
    from relais.runtime import Runtime

    settings = settings_module.load(
        {
            "DATA_DIR": runtime.settings["DATA_DIR"],
            "SEARCH_ENGINE": "elasticsearch",
            "ES_URL": "http://127.0.0.1:9",
            "ES_TIMEOUT": 2,
        }
    )
    down = Runtime(settings)
    down.directory = directory
    client = create_app({"TESTING": True, "RELAIS_RUNTIME": down}).test_client()
    assert client.get("/api/v1/search?code_commune=51108").status_code == 503
    health = client.get("/api/v1/health")
    assert health.status_code == 503
    assert health.get_json()["etat"] == "indisponible"


def test_build_query_makes_tuples():
    query = build_query(
        {"code_commune": "51108", "thematiques": ["sante"], "frais": ["gratuit"], "page": 2},
        audience=Audience.PROFESSIONAL,
    )
    assert query == SearchQuery(
        "51108", thematiques=("sante",), frais=("gratuit",), page=2, audience=Audience.PROFESSIONAL
    )


def test_result_schema_declares_every_field_of_an_item(loaded):
    """A field added to the contract's result must be added to the schema (and the docs)."""
    result = loaded.search_service.search(SearchQuery("51108", size=100)).to_dict()
    assert SearchResultSchema().dump(result) == result


# --- on both engines -------------------------------------------------------------------------

BOTH_ENGINES_CASES = [
    (f"code_commune=51108&thematiques={BUDGET}", SearchQuery("51108", thematiques=(BUDGET,))),
    (
        f"code_postal=51000&thematiques={DETTE}",
        SearchQuery(code_postal="51000", thematiques=(DETTE,)),
    ),
    (
        "code_commune=51108&q=atelier&size=3&page=2",
        SearchQuery("51108", q="atelier", size=3, page=2),
    ),
    (
        "code_commune=51108&publics=jeunes&rayon_km=10",
        SearchQuery("51108", publics=("jeunes",), rayon_km=10),
    ),
]


def test_search_api_on_each_engine(contract_runtime):
    """The same answers through the API as from the engine's search service, on the embedded
    engine and on a real Elasticsearch node."""
    from relais.app import create_app

    app = create_app({"TESTING": True, "RELAIS_RUNTIME": contract_runtime})
    client = app.test_client()
    engine = contract_runtime.settings["SEARCH_ENGINE"]
    for params, query in BOTH_ENGINES_CASES:
        body = client.get(f"/api/v1/search?{params}").get_json()
        assert body == contract_runtime.search_service.search(query).to_dict(), params
        assert body["moteur"] == engine
    first = client.get(f"/api/v1/search?code_commune=51108&thematiques={BUDGET}").get_json()
    assert ids(first)[:2] == ["test--budget-exact-near", "test--budget-exact-far"]
    record = client.get("/api/v1/resources/test--dept51")
    assert record.status_code == 200 and record.get_json()["nom"] == "Point conseil budget"
    assert client.get("/api/v1/resources/test--pro-only").status_code == 404
    health = client.get("/api/v1/health").get_json()
    assert health["moteur"] == engine and health["etat"] == "ok"
    assert health["ressources"] == len(resources())
    if engine == "elasticsearch":
        assert health["cluster"] in ("green", "yellow") and health["index"]


@pytest.mark.parametrize("value", ["inf", "-inf", "1e400", "nan", "Infinity"])
def test_infinite_radius_is_a_400_naming_the_field(client, loaded, value):
    response = client.get(f"/api/v1/search?code_commune=51108&rayon_km={value}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["code"] == "requete_invalide" and "rayon_km" in body["errors"]


def test_open_filters_and_opening_status_in_the_place_time_zone(client, loaded):
    from datetime import UTC, datetime

    # Tuesday 06:00 UTC: 07:00 in Châlons, 10:00 in La Réunion.
    loaded.search_service.clock = lambda: datetime(2026, 3, 3, 6, 0, tzinfo=UTC)
    body = client.get("/api/v1/search?code_commune=51108&ouvert=maintenant&size=100").get_json()
    by_id = {item["id"]: item for item in body["items"]}
    assert "test--reunion-remote" in by_id and "test--same-place-fresh" not in by_id
    assert body["total"] == len(by_id)
    reunion = by_id["test--reunion-remote"]["ouverture"]
    assert reunion["etat"] == "ouvert" and reunion["fuseau"] == "Indian/Reunion"
    assert reunion["precision"] == "ferme à 12 h (heure locale)"
    every = client.get("/api/v1/search?code_commune=51108&size=100").get_json()["items"]
    statuses = {item["id"]: item["ouverture"] for item in every}
    assert statuses["test--same-place-fresh"]["libelle"] == "Fermé actuellement"
    # Temporarily closed: never "open", whatever its hours (24/7) say.
    assert statuses["test--temp-closed"]["libelle"] == "Fermé temporairement"
    today = client.get("/api/v1/search?code_commune=51108&ouvert=aujourdhui&size=100")
    assert "test--same-place-fresh" in ids(today.get_json())
    refused = client.get("/api/v1/search?code_commune=51108&ouvert=demain")
    assert refused.status_code == 400 and "ouvert" in refused.get_json()["errors"]
