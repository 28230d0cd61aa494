"""ProConnect (OpenID Connect) through Authlib.

Discovery from ``PROCONNECT_DISCOVERY_URL``; Authlib sends and checks ``state`` and
``nonce`` and verifies the ID token's signature against the provider's JWKS. ProConnect
answers the userinfo endpoint with a signed JWT (``application/jwt``): it is verified with the
same keys, its issuer and audience checked; a plain JSON answer is also accepted. Logout goes
through the provider's ``end_session_endpoint`` with ``id_token_hint`` and ``state``.
Source: ProConnect's integration guide (partenaires.proconnect.gouv.fr, "Implémentation
technique"), OpenID Connect Core 1.0 §5.3.2, RP-Initiated Logout 1.0.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from web.helpers import external_url

ID_TOKEN = "proconnect_id_token"
TARGET = "proconnect_suivant"
CLIENT = "proconnect"


class ProConnectError(RuntimeError):
    """The identity provider's answer cannot be used (French message)."""


def enabled() -> bool:
    config = current_app.config
    return bool(config["PROCONNECT_DISCOVERY_URL"] and config["PROCONNECT_CLIENT_ID"])


def _client():
    return current_app.extensions["authlib.integrations.flask_client"].create_client(CLIENT)


def authorize_redirect(target: str | None):
    session[TARGET] = target
    extra = {}
    if current_app.config["PROCONNECT_ACR_VALUES"]:
        extra["acr_values"] = current_app.config["PROCONNECT_ACR_VALUES"]
    # Authlib generates and stores state and nonce (the scope holds "openid").
    return _client().authorize_redirect(external_url("auth.proconnect_callback"), **extra)


def decode_signed_claims(token: str, jwks: dict, issuer: str, audience: str) -> dict:
    """Verify a signed JWT (ProConnect's userinfo) with the provider's keys; return its claims.

    Raises ``ProConnectError`` on a bad signature, issuer or audience.
    """
    try:
        decoded = jwt.decode(
            token,
            KeySet.import_key_set(jwks),
            registry=JWSRegistry(strict_check_header=False),
        )
    except (JoseError, ValueError) as exc:
        raise ProConnectError("Réponse de ProConnect mal signée.") from exc
    claims = dict(decoded.claims)
    if claims.get("iss") not in (None, issuer):
        raise ProConnectError("Réponse de ProConnect d'un autre émetteur.")
    aud = claims.get("aud")
    if aud is not None and audience not in (aud if isinstance(aud, list) else [aud]):
        raise ProConnectError("Réponse de ProConnect destinée à un autre service.")
    return claims


def finish() -> tuple[dict, str, str | None]:
    """Complete the login: (claims, ID token, the page to go back to)."""
    client = _client()
    try:
        token = client.authorize_access_token()
    except (OAuthError, JoseError, ValueError) as exc:
        raise ProConnectError(
            "La connexion avec ProConnect a échoué (réponse refusée ou expirée) : recommencez."
        ) from exc
    id_claims = dict(token.get("userinfo") or {})
    if not id_claims.get("sub") or not token.get("id_token"):
        raise ProConnectError("ProConnect n'a pas renvoyé de jeton d'identité.")
    metadata = client.load_server_metadata()
    response = client.get(metadata["userinfo_endpoint"], token=token)
    if response.status_code != 200:
        raise ProConnectError("ProConnect n'a pas donné les informations du compte.")
    if response.headers.get("Content-Type", "").startswith("application/jwt"):
        userinfo = decode_signed_claims(
            response.text.strip(),
            client.fetch_jwk_set(),
            metadata.get("issuer", ""),
            current_app.config["PROCONNECT_CLIENT_ID"],
        )
    else:
        userinfo = response.json()
    if userinfo.get("sub") != id_claims["sub"]:
        raise ProConnectError("Les informations du compte ne correspondent pas à l'identité.")
    return {**id_claims, **userinfo}, token["id_token"], session.pop(TARGET, None)


def end_session_url(id_token: str) -> str | None:
    """The provider's logout URL, or None when it has no ``end_session_endpoint``."""
    try:
        metadata = _client().load_server_metadata()
    except (OAuthError, OSError, ValueError):
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint:
        return None
    params = {
        "id_token_hint": id_token,
        "state": secrets.token_urlsafe(16),
        "post_logout_redirect_uri": external_url("auth.logged_out"),
    }
    return endpoint + ("&" if "?" in endpoint else "?") + urlencode(params)


def init_app(app: Flask) -> None:
    oauth = OAuth(app)
    if app.config["PROCONNECT_DISCOVERY_URL"]:
        oauth.register(
            CLIENT,
            client_id=app.config["PROCONNECT_CLIENT_ID"],
            client_secret=app.config["PROCONNECT_CLIENT_SECRET"],
            server_metadata_url=app.config["PROCONNECT_DISCOVERY_URL"],
            client_kwargs={"scope": app.config["PROCONNECT_SCOPES"]},
        )
