"""The OpenAPI document: valid, described in French, served, browsable, and kept under review
in api/openapi.json."""

from __future__ import annotations

import json

from openapi_spec_validator import validate

from api import docs

REGENERATE = "relais openapi --output api/openapi.json"


def test_document_is_valid_openapi(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {
        "/api/v1/search",
        "/api/v1/resources/{resource_id}",
        "/api/v1/communes",
        "/api/v1/thematiques",
        "/api/v1/health",
        "/api/v1/accompagnements",
        "/api/v1/accompagnements/destinataire",
        "/api/v1/accompagnements/vocabulaire",
        "/api/v1/accompagnements/equipe",
        "/api/v1/accompagnements/{handover_id}",
        "/api/v1/accompagnements/{handover_id}/{action}",
    }


def test_committed_document_is_up_to_date(app):
    """A change to the API shows up in review as a change to api/openapi.json."""
    live = docs.spec_text(app)
    committed = docs.COMMITTED.read_text(encoding="utf-8")
    assert live == committed, (
        f"api/openapi.json n'est plus à jour : régénérez-le avec « {REGENERATE} » "
        "et relisez la différence."
    )


def test_document_does_not_depend_on_the_configuration(runtime):
    from relais.app import create_app

    other = create_app(
        {
            "TESTING": True,
            "RELAIS_RUNTIME": runtime,
            "ANONYMOUS_ACCESS": False,
            "ANONYMOUS_ORIGINS": "*",
            "TRUSTED_PROXIES": 1,
        }
    )
    assert docs.spec_text(other) == docs.COMMITTED.read_text(encoding="utf-8")


def test_every_parameter_field_and_response_is_described(app):
    spec = json.loads(docs.spec_text(app))
    missing = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            if method == "parameters":
                params = op
            else:
                params = op.get("parameters", [])
                if not op.get("summary") or not op.get("description"):
                    missing.append(f"{method} {path}")
                for status, response in op["responses"].items():
                    if "$ref" not in response and not response.get("description"):
                        missing.append(f"{method} {path} {status}")
            missing += [f"{path} {p['name']}" for p in params if not p.get("description")]
    for name, schema in spec["components"]["schemas"].items():
        missing += [
            f"{name}.{p}"
            for p, prop in schema.get("properties", {}).items()
            if not prop.get("description")
        ]
    for name, response in spec["components"]["responses"].items():
        if not response.get("description"):
            missing.append(f"réponse {name}")
    assert not missing, f"Sans description : {missing}"
    # In French: no description is one of the libraries' English defaults.
    text = json.dumps(spec, ensure_ascii=False)
    for english in ("Total number", "Tag to check", "Default error response", '"Not Found"'):
        assert english not in text


def test_documentation_page_lists_every_operation(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert response.content_type.startswith("text/html")
    page = response.get_data(as_text=True)
    assert '<html lang="fr">' in page
    for path in ("/api/v1/search", "/api/v1/communes", "/api/v1/thematiques", "/api/v1/health"):
        assert path in page
    assert "code_commune" in page and "Code INSEE de la commune" in page
    assert "<script" not in page and "http" not in page.split("<body>")[0]  # no CDN
    assert 'id="schema-SearchResult"' in page


def test_docs_and_document_are_open_without_a_key(runtime):
    from relais.app import create_app

    client = create_app(
        {"TESTING": True, "RELAIS_RUNTIME": runtime, "ANONYMOUS_ACCESS": False}
    ).test_client()
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/v1/docs").status_code == 200


def test_the_api_uses_only_public_hooks_of_flask_smorest():
    from api.app import RelaisApi

    overridden = [name for name in vars(RelaisApi) if name.startswith("_") and name[1] != "_"]
    assert overridden == []
    assert RelaisApi.ERROR_SCHEMA.__name__ == "ErrorSchema"


def test_document_says_what_the_api_refuses(app, client):
    """A client generated from the document does not send an empty commune query, and its
    users read that the place parameters exclude each other."""
    spec = json.loads(docs.spec_text(app))
    communes = {p["name"]: p for p in spec["paths"]["/api/v1/communes"]["get"]["parameters"]}
    q = communes["q"]
    assert q["required"] is True
    assert q["schema"]["minLength"] == 1 and q["schema"]["pattern"] == r"\S"
    assert "vide" in q["description"]
    assert client.get("/api/v1/communes?q=").status_code == 400
    search = spec["paths"]["/api/v1/search"]["get"]
    params = {p["name"]: p for p in search["parameters"]}
    for name in ("code_commune", "lat", "lon", "code_postal"):
        assert "Un seul lieu par recherche" in params[name]["description"], name
        assert "400" in params[name]["description"]
    assert "s'excluent" in search["description"]
    response = client.get("/api/v1/search?code_commune=51108&code_postal=51000")
    assert response.status_code == 400
    assert "Indiquez un seul lieu" in response.get_json()["errors"]["code_commune"][0]
