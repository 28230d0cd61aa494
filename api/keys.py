"""API keys: the domain is ``accounts.keys``; this module names what the API uses of it."""

from accounts.keys import (
    DEFAULT_RATE_LIMIT,
    SCOPE_PROFESSIONNELS,
    SCOPES,
    TOKEN_PREFIX,
    ApiKey,
    KeyService,
    KeyStoreError,
    hash_token,
    normalize_origin,
)

__all__ = [
    "DEFAULT_RATE_LIMIT",
    "SCOPES",
    "SCOPE_PROFESSIONNELS",
    "TOKEN_PREFIX",
    "ApiKey",
    "KeyService",
    "KeyStoreError",
    "hash_token",
    "normalize_origin",
]
