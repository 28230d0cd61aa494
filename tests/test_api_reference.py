"""The small endpoints: commune autocomplete, the vocabulary, the health check."""

from __future__ import annotations

import sqlite3
import time

import pytest

from resource_base import vocabulary


def test_communes_by_name_prefix(client):
    response = client.get("/api/v1/communes?q=chalons en&limit=3")
    assert response.status_code == 200
    communes = response.get_json()
    assert communes[0]["code_insee"] == "51108"
    assert communes[0]["nom"] == "Châlons-en-Champagne"
    assert set(communes[0]) == {
        "code_insee",
        "nom",
        "departement",
        "departement_nom",
        "region",
        "codes_postaux",
        "latitude",
        "longitude",
        "epci",
        "epci_nom",
        "population",
    }


@pytest.mark.parametrize(
    ("q", "codes"),
    [
        ("51100", ["51454"]),  # the postal code of Reims, not the INSEE code 51100
        ("31000", ["31555"]),  # Toulouse has six postal codes
        ("2a004", ["2A004"]),
        ("Ajaccio", ["2A004"]),
        ("saint dizer", ["52448"]),
        ("51100 Reims", ["51454"]),
    ],
)
def test_communes_read_what_advisers_type(client, q, codes):
    communes = client.get("/api/v1/communes", query_string={"q": q, "limit": 1}).get_json()
    assert [c["code_insee"] for c in communes] == codes


def test_communes_lists_every_commune_of_a_postal_code_and_prefers_a_department(client):
    communes = client.get("/api/v1/communes?q=52200&limit=20").get_json()
    assert communes[0]["nom"] == "Langres" and len(communes) == 19
    assert all("52200" in c["codes_postaux"] for c in communes)
    born = client.get("/api/v1/communes?q=le born&departement=48").get_json()
    assert [(c["departement"], c["departement_nom"]) for c in born] == [
        ("48", "Lozère"),
        ("31", "Haute-Garonne"),
    ]
    response = client.get("/api/v1/communes?q=le born&departement=Lozère")
    assert response.status_code == 400
    assert list(response.get_json()["errors"]) == ["departement"]


def test_communes_by_postal_code_and_limit(client):
    communes = client.get("/api/v1/communes?q=510").get_json()
    assert 1 <= len(communes) <= 10
    assert all(any(cp.startswith("510") for cp in c["codes_postaux"]) for c in communes)
    assert len(client.get("/api/v1/communes?q=saint&limit=20").get_json()) == 20


def test_communes_is_fast_enough_for_every_keystroke(client):
    client.get("/api/v1/communes?q=a")  # the directory is already loaded; warm the app
    started = time.perf_counter()
    for prefix in ("r", "re", "rei", "reim", "reims"):
        assert client.get(f"/api/v1/communes?q={prefix}").status_code == 200
    assert (time.perf_counter() - started) / 5 < 0.05


def test_communes_refuses_bad_queries(client):
    for url, field in [
        ("/api/v1/communes", "q"),
        ("/api/v1/communes?q=", "q"),
        ("/api/v1/communes?q=%20%20", "q"),
        ("/api/v1/communes?q=reims&limit=21", "limit"),
        ("/api/v1/communes?q=reims&limit=0", "limit"),
        ("/api/v1/communes?q=reims&limit=dix", "limit"),
        ("/api/v1/communes?q=" + "a" * 101, "q"),
    ]:
        response = client.get(url)
        body = response.get_json()
        assert response.status_code == 400, url
        assert body["code"] == "requete_invalide" and list(body["errors"]) == [field], url


def test_thematiques_vocabulary(client):
    response = client.get("/api/v1/thematiques")
    assert response.status_code == 200
    body = response.get_json()
    assert body["thematiques"] == vocabulary.tree()
    assert {"slug": "gratuit", "label": "Gratuit"} in body["frais"]
    assert {t["slug"] for t in body["publics"]} == set(vocabulary.PUBLICS)
    assert {t["slug"] for t in body["modes_accueil"]} == set(vocabulary.MODES_ACCUEIL)
    logement = next(c for c in body["thematiques"] if c["slug"] == "logement-hebergement")
    assert logement["frein_peripherique"] is True and logement["label"]


def test_thematiques_is_cacheable(client):
    response = client.get("/api/v1/thematiques")
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    etag = response.headers["ETag"]
    again = client.get("/api/v1/thematiques", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["Cache-Control"] == "public, max-age=86400"


def test_health_ok(client, runtime):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json() == {"moteur": "embedded", "etat": "ok", "ressources": 0}
    assert response.headers["Cache-Control"] == "no-store"


def test_health_unavailable_when_the_engine_says_so(client, runtime):
    """A real failure of the embedded engine: its search tables are gone."""
    assert runtime.embedded.count() == 0  # the tables exist; now break them
    with sqlite3.connect(runtime.store.path) as conn:
        conn.execute("DROP TABLE moteur_docs")
    response = client.get("/api/v1/health")
    body = response.get_json()
    assert response.status_code == 503
    assert body["code"] == "moteur_indisponible"
    assert body["moteur"] == "embedded" and body["etat"] == "indisponible"
    assert body["request_id"] and body["errors"] == {}
    assert response.headers["Retry-After"]


def test_health_needs_no_key_and_is_not_counted(runtime):
    from relais.app import create_app

    app = create_app(
        {
            "TESTING": True,
            "RELAIS_RUNTIME": runtime,
            "ANONYMOUS_ACCESS": False,
            "ANONYMOUS_RATE_LIMIT": 1,
        }
    )
    client = app.test_client()
    for _ in range(3):
        assert client.get("/api/v1/health").status_code == 200
    assert client.get("/api/v1/thematiques").status_code == 401
