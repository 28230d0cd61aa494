"""One JSON error shape for every HTTP error under /api/; HTML pages elsewhere; structured
logs with the request id."""

from __future__ import annotations

import json

import pytest
from werkzeug.exceptions import default_exceptions

from api.errors import api_abort
from relais.app import create_app
from resource_base.search import EngineUnavailable

SHAPE = {"status", "code", "message", "errors", "request_id"}


@pytest.fixture
def test_app(runtime):
    """The app with a few routes that fail on purpose (added before the first request)."""
    app = create_app(
        {
            "TESTING": True,
            "PROPAGATE_EXCEPTIONS": False,  # let the 500 handler answer, as in production
            "RELAIS_RUNTIME": runtime,
            "ANONYMOUS_RATE_LIMIT": 3,
        }
    )

    def fail(status: int):
        if status == 500:
            raise RuntimeError("panne de test")
        if status == 503:
            raise EngineUnavailable("cluster arrêté")
        api_abort(status)

    app.add_url_rule("/api/v1/_echec/<int:status>", "echec_api", fail)
    app.add_url_rule("/_echec/<int:status>", "echec_web", fail)
    return app


def error_for(test_app, status: int, runtime):
    """Produce ``status`` the way a real client would meet it."""
    client = test_app.test_client()
    if status == 400:
        return client.get("/api/v1/search?code_commune=1")
    if status == 401:
        return client.get("/api/v1/search?code_commune=51108", headers={"X-Api-Key": "faux"})
    if status == 403:
        key, token = test_app.extensions["relais_api"].keys.create("k", ["https://a.fr"])
        return client.get(
            "/api/v1/thematiques", headers={"X-Api-Key": token, "Origin": "https://b.fr"}
        )
    if status == 404:
        return client.get("/api/v1/ressources-inconnues")
    if status == 405:
        return client.delete("/api/v1/thematiques")
    if status == 429:
        for _ in range(3):
            client.get("/api/v1/thematiques")
        return client.get("/api/v1/thematiques")
    return client.get(f"/api/v1/_echec/{status}")


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 422, 429, 500, 503])
def test_every_error_has_the_same_json_shape(test_app, runtime, status):
    response = error_for(test_app, status, runtime)
    body = response.get_json()
    assert response.status_code == status, body
    assert response.content_type == "application/json"
    assert set(body) == SHAPE
    assert body["status"] == status
    assert body["code"] and body["code"].isascii() and " " not in body["code"]
    english = default_exceptions[status]
    assert body["message"] and body["message"] not in (english.description, english().name)
    assert isinstance(body["errors"], dict)
    assert body["request_id"] == response.headers["X-Request-Id"]


def test_error_messages_are_french(test_app, runtime):
    messages = {
        status: error_for(test_app, status, runtime).get_json()["message"]
        for status in (401, 404, 500, 429)
    }
    assert messages[401] == "Clé d'API inconnue ou révoquée."
    assert messages[404] == "Adresse introuvable dans l'API."
    assert "réessayez dans" in messages[429]
    assert "journalisée" in messages[500]


def test_405_keeps_the_allow_header(test_app):
    response = test_app.test_client().post("/api/v1/search")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_500_logs_the_trace_with_the_request_id(test_app, capsys):
    response = test_app.test_client().get(
        "/api/v1/_echec/500", headers={"X-Request-Id": "demande-42"}
    )
    assert response.status_code == 500
    assert response.get_json()["request_id"] == "demande-42"
    assert "panne de test" not in response.get_data(as_text=True)  # no trace to the client
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    error = next(line for line in lines if line["message"] == "erreur_interne")
    assert error["request_id"] == "demande-42" and error["level"] == "ERROR"
    assert "RuntimeError: panne de test" in error["trace"]


def test_html_pages_keep_html_errors(test_app):
    client = test_app.test_client()
    for url, status in (("/page-inconnue", 404), ("/_echec/500", 500), ("/_echec/409", 409)):
        response = client.get(url)
        assert response.content_type.startswith("text/html"), url
        assert response.status_code == status, url


def test_one_log_line_per_request(client, capsys):
    client.get("/api/v1/communes?q=reims&limit=2", headers={"X-Request-Id": "abc-1"})
    client.get("/api/v1/communes?q=", headers={"X-Request-Id": "abc-2"})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    requests = [line for line in lines if line["message"] == "requete"]
    assert [(r["request_id"], r["status"]) for r in requests] == [("abc-1", 200), ("abc-2", 400)]
    first = requests[0]
    assert first["method"] == "GET" and first["path"] == "/api/v1/communes"
    assert first["duration_ms"] >= 0 and first["cle"] is None
    assert "reims" not in json.dumps(requests)  # the query string is not logged


def test_log_line_names_the_key(app, client, capsys):
    _, token = app.extensions["relais_api"].keys.create("intranet-51")
    client.get("/api/v1/thematiques", headers={"X-Api-Key": token})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    assert lines[-1]["cle"] == "intranet-51"


def test_unsafe_request_ids_are_replaced(client):
    response = client.get("/api/v1/health", headers={"X-Request-Id": "<script> x" * 10})
    assert response.headers["X-Request-Id"].isalnum()
    assert len(response.headers["X-Request-Id"]) == 32
