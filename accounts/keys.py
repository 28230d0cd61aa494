"""API keys: who may call the API, from which web origins, how often, with which scopes.

Keys live in the relational store (``persistence.keys``), apart from the resources, so that a
restore of the resource store never brings back a revoked key. Only the SHA-256 of a key is
stored: the key itself is shown once, at creation. Pure: the store implements ``KeyStore``.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from accounts.key_organisations import Binding

SCOPE_PROFESSIONNELS = "professionnels"
# Hand-overs to axes 2 and 3 (issue 10): only with an organisation binding (``Binding``).
SCOPE_ACCOMPAGNEMENTS = "accompagnements"
SCOPES = (SCOPE_PROFESSIONNELS, SCOPE_ACCOMPAGNEMENTS)
DEFAULT_RATE_LIMIT = 600  # requests per minute
TOKEN_PREFIX = "rl_"
LEGACY_KEYS_FILE = "api.sqlite3"  # in DATA_DIR, before the relational store took over


class KeyStoreError(ValueError):
    """A key operation the store refuses (duplicate name, unknown key, bad origin…)."""


@dataclass(frozen=True)
class ApiKey:
    name: str
    origins: tuple[str, ...] = ()
    rate_limit: int = DEFAULT_RATE_LIMIT
    scopes: frozenset[str] = field(default_factory=frozenset)
    created_at: str = ""
    revoked_at: str | None = None
    token_hint: str = ""
    binding: Binding | None = None  # the organisation a hand-over key acts for

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def allows_origin(self, origin: str) -> bool:
        """False for an origin this key does not list, and for ``null`` or a malformed one."""
        if "*" in self.origins:
            return True
        try:
            return normalize_origin(origin) in self.origins
        except KeyStoreError:
            return False

    def to_dict(self) -> dict:
        """The key as listed by ``relais keys list --json`` (never the key itself)."""
        return {
            "nom": self.name,
            "debut_cle": self.token_hint,
            "origines": list(self.origins),
            "limite_par_minute": self.rate_limit,
            "portees": sorted(self.scopes),
            "creee_le": self.created_at,
            "revoquee_le": self.revoked_at,
            "active": self.active,
            "organisation": self.binding.to_dict() if self.binding else None,
        }


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_origin(origin: str) -> str:
    """``https://Intranet.example.fr/page`` → ``https://intranet.example.fr`` ("*" stays)."""
    origin = origin.strip()
    if origin == "*":
        return origin
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise KeyStoreError(
            f"Origine invalide : « {origin} » (attendu : https://hote[:port], ou « * »)."
        )
    host = parts.hostname.lower()
    default_port = {"http": 80, "https": 443}[parts.scheme]
    try:
        port = parts.port
    except ValueError as exc:
        raise KeyStoreError(f"Origine invalide : « {origin} » (port).") from exc
    netloc = host if port in (None, default_port) else f"{host}:{port}"
    return f"{parts.scheme}://{netloc}"


class KeyStore(Protocol):
    """Where keys are kept (``persistence.keys.SqlKeyStore``)."""

    def insert(self, key: ApiKey, token_sha256: str) -> None: ...
    def find_hash(self, token_sha256: str) -> ApiKey | None: ...
    def list_keys(self) -> list[ApiKey]: ...
    def active_origins(self) -> set[str]: ...
    def revoke(self, name: str, when: str) -> ApiKey: ...


class KeyService:
    """Create, find and revoke keys; raises ``KeyStoreError`` with a French message."""

    def __init__(self, store: KeyStore):
        self.store = store

    def create(
        self,
        name: str,
        origins: list[str] | tuple[str, ...] = (),
        rate_limit: int = DEFAULT_RATE_LIMIT,
        scopes: list[str] | tuple[str, ...] = (),
        binding: Binding | None = None,
    ) -> tuple[ApiKey, str]:
        """Create a key; return it with the token, which is not stored and cannot be shown
        again. A ``binding`` (``accounts.key_organisations.bind``) gives the key the
        ``accompagnements`` scope, which needs one."""
        name = name.strip()
        if not name:
            raise KeyStoreError("Le nom de la clé ne peut pas être vide.")
        if rate_limit < 0:
            raise KeyStoreError("La limite de requêtes par minute ne peut pas être négative.")
        unknown = sorted(set(scopes) - set(SCOPES))
        if unknown:
            raise KeyStoreError(f"Portée inconnue : {', '.join(unknown)}.")
        if binding is not None:
            scopes = (*scopes, SCOPE_ACCOMPAGNEMENTS)
        elif SCOPE_ACCOMPAGNEMENTS in scopes:
            raise KeyStoreError(
                "La portée « accompagnements » demande une organisation (--organisation)."
            )
        normalized = tuple(dict.fromkeys(normalize_origin(o) for o in origins))
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        key = ApiKey(
            name=name,
            origins=normalized,
            rate_limit=rate_limit,
            scopes=frozenset(scopes),
            created_at=time.strftime("%Y-%m-%dT%H:%M:%S"),
            token_hint=token[: len(TOKEN_PREFIX) + 6],
            binding=binding,
        )
        self.store.insert(key, hash_token(token))
        return key, token

    def find(self, token: str) -> ApiKey | None:
        """The key a caller presented (revoked keys included: the caller checks ``active``)."""
        return self.store.find_hash(hash_token(token))

    def list_keys(self) -> list[ApiKey]:
        return self.store.list_keys()

    def active_origins(self) -> set[str]:
        """Every origin some active key allows (to answer CORS preflights, which carry no
        key)."""
        return self.store.active_origins()

    def revoke(self, name: str) -> ApiKey:
        return self.store.revoke(name, time.strftime("%Y-%m-%dT%H:%M:%S"))
