"""ProConnect login end to end against a real OpenID Connect provider process on loopback:
discovery, state, nonce, ID token signature, userinfo, pending first login, end-session."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from conftest import csrf_token, make_user
from joserfc import jwt
from joserfc.jwk import RSAKey
from oidc_support import proconnect_settings, set_identity

from web.auth.proconnect import ProConnectError, decode_signed_claims


@pytest.fixture
def pc_app(runtime, oidc_provider):
    from relais.app import create_app

    return create_app(
        {"TESTING": True, "RELAIS_RUNTIME": runtime, **proconnect_settings(oidc_provider)}
    )


def start(client) -> str:
    """Our app sends the browser to the provider: return the authorization URL."""
    response = client.get("/connexion/proconnect")
    assert response.status_code == 302
    return response.headers["Location"]


def consent(authorize_url: str, sub: str) -> str:
    """What a person does on the provider's page: choose an identity. Returns our callback."""
    response = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text[:500]
    return response.headers["Location"]


def local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + "?" + parts.query


def test_the_authorization_request_carries_state_nonce_scopes_and_acr(pc_app, oidc_provider):
    url = start(pc_app.test_client())
    assert url.startswith(oidc_provider)
    query = parse_qs(urlsplit(url).query)
    assert query["client_id"] == ["relais-test"] and query["response_type"] == ["code"]
    assert query["scope"] == ["openid email given_name usual_name siret idp_id custom"]
    assert query["acr_values"] == ["eidas1"]
    assert len(query["state"][0]) >= 20 and len(query["nonce"][0]) >= 20
    assert query["redirect_uri"] == ["http://localhost/connexion/proconnect/retour"]


def test_a_known_person_logs_in_and_out_through_the_provider(pc_app, runtime, oidc_provider):
    user = make_user(runtime, "agent@ft51.fr")
    set_identity(oidc_provider, "pc-agent", {"email": "agent@ft51.fr", "siret": "13000548100010"})
    client = pc_app.test_client()
    callback = consent(start(client), "pc-agent")
    response = client.get(local(callback))
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert runtime.accounts.store.get_user(user.id).oidc_subject == "pc-agent"

    logout = client.post("/deconnexion", data={"csrf_token": csrf_token(client)})
    assert logout.status_code == 303
    end_session = logout.headers["Location"]
    assert end_session.startswith(f"{oidc_provider}/oauth2/end_session?")
    params = parse_qs(urlsplit(end_session).query)
    assert params["post_logout_redirect_uri"] == ["http://localhost/deconnecte"]
    assert params["state"] and params["id_token_hint"]
    # The provider knows the token it is asked to end the session of.
    assert requests.get(end_session, timeout=10).status_code == 200
    assert client.get("/").status_code == 302


def test_a_first_login_creates_a_pending_account(pc_app, runtime, oidc_provider):
    set_identity(
        oidc_provider,
        "pc-nouveau",
        {
            "email": "nouveau@ft51.fr",
            "usual_name": "Martin",
            "siret": "13000548100010",
            "custom": {"agence": "FT51001"},
        },
    )
    client = pc_app.test_client()
    response = client.get(local(consent(start(client), "pc-nouveau")))
    assert response.status_code == 303 and response.headers["Location"] == "/compte/en-attente"
    [pending] = runtime.accounts.store.list_users(None, "en_attente")
    assert pending.email == "nouveau@ft51.fr" and pending.role == "conseiller"
    assert pending.claims["siret"] == "13000548100010"
    assert client.get("/").status_code == 302  # no session until an admin validates


def test_a_forged_state_is_refused(pc_app, oidc_provider):
    set_identity(oidc_provider, "pc-x", {"email": "x@ft51.fr"})
    client = pc_app.test_client()
    callback = consent(start(client), "pc-x")
    forged = callback.replace("state=", "state=forge")
    response = client.get(local(forged))
    assert response.status_code == 400 and "ProConnect a échoué" in response.get_data(as_text=True)
    # Another browser (no state in its session) cannot use the code either.
    other = pc_app.test_client()
    assert other.get(local(callback)).status_code == 400


def test_proconnect_is_off_without_settings(client):
    assert client.get("/connexion/proconnect").status_code == 404
    assert "ProConnect" not in client.get("/connexion").get_data(as_text=True).split("<main")[1]


def test_a_signed_userinfo_is_verified_with_the_provider_keys():
    key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    jwks = {"keys": [key.as_dict(private=False)]}
    claims = {"sub": "pc-1", "email": "a@ft.fr", "iss": "https://pc.example", "aud": "relais"}
    token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)
    assert decode_signed_claims(token, jwks, "https://pc.example", "relais")["email"] == "a@ft.fr"
    with pytest.raises(ProConnectError, match="autre émetteur"):
        decode_signed_claims(token, jwks, "https://autre.example", "relais")
    with pytest.raises(ProConnectError, match="autre service"):
        decode_signed_claims(token, jwks, "https://pc.example", "autre")
    header, payload, signature = token.split(".")
    tampered = json.loads(base64.urlsafe_b64decode(payload + "=="))
    tampered["email"] = "pirate@x.fr"
    forged_payload = base64.urlsafe_b64encode(json.dumps(tampered).encode()).decode().rstrip("=")
    with pytest.raises(ProConnectError, match="mal signée"):
        decode_signed_claims(
            f"{header}.{forged_payload}.{signature}", jwks, "https://pc.example", "relais"
        )
