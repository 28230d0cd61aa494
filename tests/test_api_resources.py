"""GET /api/v1/resources/<id>: the full record, its ETag, and professionals-only records."""

from __future__ import annotations

import dataclasses

import pytest
from contract_data import resources

from api.resources.schemas import RESOURCE_FIELDS, ResourceSchema
from resource_base.models import Resource


@pytest.fixture
def loaded(runtime):
    runtime.store.replace(
        "departement", "51", resources(), {"fichiers": ["test"]}, writers=runtime.store_writers()
    )
    return runtime


def test_full_record(client, loaded):
    response = client.get("/api/v1/resources/test--same-place-fresh")
    assert response.status_code == 200
    assert response.get_json() == loaded.engine.get("test--same-place-fresh")
    assert response.get_json()["horaires_accueil"] == "Mo-Fr 09:00-12:00"
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_etag_and_not_modified(client, loaded):
    first = client.get("/api/v1/resources/test--dept51")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and len(etag) > 10
    again = client.get("/api/v1/resources/test--dept51", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    other = client.get("/api/v1/resources/test--dept51", headers={"If-None-Match": '"autre"'})
    assert other.status_code == 200


def test_etag_changes_with_the_record(client, loaded):
    etag = client.get("/api/v1/resources/test--dept51").headers["ETag"]
    changed = [
        dataclasses.replace(r, description="Nouvelle description.") if r.id == "test--dept51" else r
        for r in resources()
    ]
    loaded.store.replace(
        "departement", "51", changed, {"fichiers": ["test"]}, writers=loaded.store_writers()
    )
    response = client.get("/api/v1/resources/test--dept51", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.get_json()["description"] == "Nouvelle description."


def test_unknown_resource_is_a_404(client, loaded):
    response = client.get("/api/v1/resources/test--nope")
    body = response.get_json()
    assert response.status_code == 404
    assert body["code"] == "ressource_introuvable"
    assert "test--nope" in body["message"]


def test_professionals_only_record_needs_the_scope(app, client, loaded):
    keys = app.extensions["relais_api"].keys
    _, pro = keys.create("cd51", scopes=["professionnels"])
    _, plain = keys.create("intranet")
    url = "/api/v1/resources/test--pro-only"
    assert client.get(url).status_code == 404
    assert client.get(url, headers={"X-Api-Key": plain}).status_code == 404
    response = client.get(url, headers={"Authorization": f"Bearer {pro}"})
    assert response.status_code == 200
    assert response.get_json()["visibilite"] == "professionnels"


def test_schema_describes_every_resource_field():
    assert set(RESOURCE_FIELDS) == {f.name for f in dataclasses.fields(Resource)}
    record = resources()[0].to_dict()
    assert ResourceSchema().dump(record) == record
