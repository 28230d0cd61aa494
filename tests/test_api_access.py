"""API keys, anonymous access, CORS origins and rate limits."""

from __future__ import annotations

import pytest

from api.keys import KeyStoreError, normalize_origin
from relais.app import create_app

SEARCH = "/api/v1/search?code_commune=51108"
INTRANET = "https://intranet.cd51.example.fr"


def make_client(runtime, **config):
    app = create_app({"TESTING": True, "RELAIS_RUNTIME": runtime, **config})
    return app, app.test_client()


def create_key(app, name="intranet", **kwargs):
    return app.extensions["relais_api"].keys.create(name, **kwargs)[1]


# --- keys ------------------------------------------------------------------------------------


def test_anonymous_access_can_be_switched_off(runtime):
    app, client = make_client(runtime, ANONYMOUS_ACCESS=False)
    response = client.get(SEARCH)
    body = response.get_json()
    assert response.status_code == 401
    assert body["code"] == "cle_requise" and "X-Api-Key" in body["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    token = create_key(app)
    assert client.get(SEARCH, headers={"X-Api-Key": token}).status_code == 200
    assert client.get(SEARCH, headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_anonymous_access_is_on_by_default(client):
    assert client.get(SEARCH).status_code == 200


@pytest.mark.parametrize("anonymous", [True, False])
def test_unknown_or_revoked_key_is_a_401(runtime, anonymous):
    app, client = make_client(runtime, ANONYMOUS_ACCESS=anonymous)
    assert client.get(SEARCH, headers={"X-Api-Key": "rl_inconnue"}).get_json()["code"] == (
        "cle_invalide"
    )
    token = create_key(app)
    assert client.get(SEARCH, headers={"X-Api-Key": token}).status_code == 200
    app.extensions["relais_api"].keys.revoke("intranet")
    response = client.get(SEARCH, headers={"X-Api-Key": token})
    assert response.status_code == 401 and response.get_json()["code"] == "cle_invalide"


# The key store's own tests (hash only, unique active names) run on SQLite and PostgreSQL in
# tests/test_persistence.py.


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        ("https://a.example.fr/", "https://a.example.fr"),
        ("https://A.example.fr:443", "https://a.example.fr"),
        ("http://localhost:8080/page?x=1", "http://localhost:8080"),
        ("*", "*"),
    ],
)
def test_normalize_origin(origin, expected):
    assert normalize_origin(origin) == expected


@pytest.mark.parametrize("origin", ["intranet.example.fr", "ftp://x.fr", "https://"])
def test_bad_origins_are_refused(origin):
    with pytest.raises(KeyStoreError, match="Origine invalide"):
        normalize_origin(origin)


# --- CORS ------------------------------------------------------------------------------------


def test_cors_allowed_origin_gets_the_header(app, client):
    token = create_key(app, origins=[INTRANET])
    response = client.get(SEARCH, headers={"X-Api-Key": token, "Origin": INTRANET})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == INTRANET
    assert "Origin" in response.headers["Vary"]
    assert "X-Request-Id" in response.headers["Access-Control-Expose-Headers"]


def test_cors_other_origin_with_a_key_is_a_403(app, client):
    token = create_key(app, origins=[INTRANET])
    response = client.get(SEARCH, headers={"X-Api-Key": token, "Origin": "https://evil.example"})
    assert response.status_code == 403
    assert response.get_json()["code"] == "origine_non_autorisee"
    assert "Access-Control-Allow-Origin" not in response.headers
    # A key without origins is for servers: any browser origin is refused.
    server = create_key(app, name="serveur")
    assert client.get(SEARCH, headers={"X-Api-Key": server, "Origin": INTRANET}).status_code == 403


def test_cors_same_origin_and_wildcard(app, client):
    token = create_key(app)
    same = client.get(SEARCH, headers={"X-Api-Key": token, "Origin": "http://localhost"})
    assert same.status_code == 200  # the test client's own host
    anywhere = create_key(app, name="widget", origins=["*"])
    response = client.get(SEARCH, headers={"X-Api-Key": anywhere, "Origin": "https://x.fr"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://x.fr"


def test_cors_anonymous_origins(runtime):
    _, client = make_client(runtime, ANONYMOUS_ORIGINS="https://mairie.example.fr")
    allowed = client.get(SEARCH, headers={"Origin": "https://mairie.example.fr"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://mairie.example.fr"
    other = client.get(SEARCH, headers={"Origin": "https://autre.example.fr"})
    assert other.status_code == 200  # not a browser-only secret: the browser just can't read it
    assert "Access-Control-Allow-Origin" not in other.headers


def test_bad_anonymous_origins_are_a_configuration_error(runtime):
    from relais.settings import ConfigError

    with pytest.raises(ConfigError, match="RELAIS_ANONYMOUS_ORIGINS"):
        make_client(runtime, ANONYMOUS_ORIGINS="mairie.example.fr")


def test_cors_preflight(app, client):
    create_key(app, origins=[INTRANET])
    preflight = {"Origin": INTRANET, "Access-Control-Request-Method": "GET"}
    response = client.options(SEARCH, headers=preflight)
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == INTRANET
    assert "X-Api-Key" in response.headers["Access-Control-Allow-Headers"]
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    refused = client.options(
        SEARCH, headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    )
    assert refused.status_code == 403
    assert refused.get_json()["code"] == "origine_non_autorisee"


def test_preflight_needs_no_key_even_without_anonymous_access(runtime):
    app, client = make_client(runtime, ANONYMOUS_ACCESS=False)
    create_key(app, origins=[INTRANET])
    response = client.options(
        SEARCH, headers={"Origin": INTRANET, "Access-Control-Request-Method": "GET"}
    )
    assert response.status_code == 204


# --- rate limits -----------------------------------------------------------------------------


def test_anonymous_rate_limit_per_ip(runtime):
    _, client = make_client(runtime, ANONYMOUS_RATE_LIMIT=2)
    assert client.get(SEARCH).headers["X-RateLimit-Remaining"] == "1"
    assert client.get(SEARCH).status_code == 200
    response = client.get(SEARCH)
    body = response.get_json()
    assert response.status_code == 429
    assert body["code"] == "trop_de_requetes" and "2 requêtes par minute" in body["message"]
    assert int(response.headers["Retry-After"]) >= 1
    other_ip = client.get(SEARCH, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert other_ip.status_code == 200


def test_key_rate_limit_is_per_key(app, client):
    slow = create_key(app, name="lent", rate_limit=1)
    fast = create_key(app, name="rapide", rate_limit=0)  # 0: no limit
    assert client.get(SEARCH, headers={"X-Api-Key": slow}).status_code == 200
    assert client.get(SEARCH, headers={"X-Api-Key": slow}).status_code == 429
    for _ in range(5):
        assert client.get(SEARCH, headers={"X-Api-Key": fast}).status_code == 200


def test_rate_headers_and_what_is_counted(runtime):
    app, client = make_client(runtime, ANONYMOUS_RATE_LIMIT=3)
    token = create_key(app, name="compteur", rate_limit=5)
    keyed = client.get(SEARCH, headers={"X-Api-Key": token})
    assert keyed.headers["X-RateLimit-Limit"] == "5"
    assert keyed.headers["X-RateLimit-Remaining"] == "4"
    assert "Retry-After" not in keyed.headers  # only on a refusal
    # Monitoring and documentation are not counted; a mistyped path is.
    for _ in range(4):
        assert client.get("/api/v1/health").status_code in (200, 503)
        assert "X-RateLimit-Limit" not in client.get("/api/v1/openapi.json").headers
    assert client.get("/api/v1/nulle-part").headers["X-RateLimit-Remaining"] == "2"
    assert client.get(SEARCH).headers["X-RateLimit-Remaining"] == "1"


def test_a_refusal_for_the_limit_still_reaches_the_browser(runtime):
    """CORS is decided before the count: a script of an allowed origin can read its 429."""
    app, client = make_client(runtime, ANONYMOUS_RATE_LIMIT=1, ANONYMOUS_ORIGINS=INTRANET)
    token = create_key(app, name="lente", origins=[INTRANET], rate_limit=1)
    for headers in ({"Origin": INTRANET}, {"Origin": INTRANET, "X-Api-Key": token}):
        assert client.get(SEARCH, headers=headers).status_code == 200
        refused = client.get(SEARCH, headers=headers)
        assert refused.status_code == 429
        assert refused.headers["Access-Control-Allow-Origin"] == INTRANET
        assert "Retry-After" in refused.headers["Access-Control-Expose-Headers"]
    other = client.get(
        SEARCH, headers={"Origin": "https://ailleurs.example.fr", "X-Api-Key": token}
    )
    assert other.status_code == 429  # counted first; no CORS grant for an origin not allowed
    assert "Access-Control-Allow-Origin" not in other.headers


def test_missing_key_where_required_counts_against_the_address(runtime):
    _, client = make_client(runtime, ANONYMOUS_ACCESS=False, ANONYMOUS_RATE_LIMIT=2)
    assert [client.get(SEARCH).status_code for _ in range(3)] == [401, 401, 429]


def test_invalid_keys_and_preflights_count_against_the_address(runtime):
    app, client = make_client(runtime, ANONYMOUS_RATE_LIMIT=3, ANONYMOUS_ORIGINS=INTRANET)
    statuses = [
        client.get(SEARCH, headers={"X-Api-Key": "rl_devine"}).status_code for _ in range(3)
    ]
    assert statuses == [401, 401, 401]
    assert client.get(SEARCH, headers={"X-Api-Key": "rl_devine"}).status_code == 429
    _, other = make_client(runtime, ANONYMOUS_RATE_LIMIT=2, ANONYMOUS_ORIGINS=INTRANET)
    preflight = {"Origin": INTRANET, "Access-Control-Request-Method": "GET"}
    assert [other.options(SEARCH, headers=preflight).status_code for _ in range(3)] == [
        204,
        204,
        429,
    ]
