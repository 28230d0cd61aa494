"""API keys: who may call the API, from which web origins, how often, with which scopes.

Keys live in their own SQLite file (``DATA_DIR/api.sqlite3``), apart from the resources, so that
a restore of the resource store never brings back a revoked key. Only the SHA-256 of a key is
stored: the key itself is shown once, at creation.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

SCOPE_PROFESSIONNELS = "professionnels"
SCOPES = (SCOPE_PROFESSIONNELS,)
DEFAULT_RATE_LIMIT = 600  # requests per minute
TOKEN_PREFIX = "rl_"
KEYS_FILE = "api.sqlite3"  # in DATA_DIR

SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    token_hint TEXT NOT NULL,
    origins TEXT NOT NULL,
    rate_limit INTEGER NOT NULL,
    scopes TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
-- A name designates one active key; a revoked key's name may be given again.
CREATE UNIQUE INDEX IF NOT EXISTS api_keys_active_name ON api_keys(name) WHERE revoked_at IS NULL;
"""


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

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def allows_origin(self, origin: str) -> bool:
        return "*" in self.origins or normalize_origin(origin) in self.origins

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


class KeyStore:
    """The ``api_keys`` table. Opening is lazy: building an app touches no file."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._local = threading.local()
        self._ready = False
        self._ready_lock = threading.Lock()

    def _conn(self) -> sqlite3.Connection:
        # One connection per thread, kept: a key look-up runs on every request.
        conn = getattr(self._local, "conn", None)
        if conn is None:
            with self._ready_lock:
                if not self._ready:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    setup = sqlite3.connect(self.path, timeout=30)
                    try:
                        setup.executescript(SCHEMA)
                    finally:
                        setup.close()
                    self._ready = True
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

    def create(
        self,
        name: str,
        origins: list[str] | tuple[str, ...] = (),
        rate_limit: int = DEFAULT_RATE_LIMIT,
        scopes: list[str] | tuple[str, ...] = (),
    ) -> tuple[ApiKey, str]:
        """Create a key; return it with the token, which is not stored and cannot be shown
        again."""
        name = name.strip()
        if not name:
            raise KeyStoreError("Le nom de la clé ne peut pas être vide.")
        if rate_limit < 0:
            raise KeyStoreError("La limite de requêtes par minute ne peut pas être négative.")
        unknown = sorted(set(scopes) - set(SCOPES))
        if unknown:
            raise KeyStoreError(f"Portée inconnue : {', '.join(unknown)}.")
        normalized = tuple(dict.fromkeys(normalize_origin(o) for o in origins))
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        key = ApiKey(
            name=name,
            origins=normalized,
            rate_limit=rate_limit,
            scopes=frozenset(scopes),
            created_at=time.strftime("%Y-%m-%dT%H:%M:%S"),
            token_hint=token[: len(TOKEN_PREFIX) + 6],
        )
        try:
            self._conn().execute(
                "INSERT INTO api_keys (name, token_sha256, token_hint, origins, rate_limit, "
                "scopes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    key.name,
                    hash_token(token),
                    key.token_hint,
                    json.dumps(list(key.origins)),
                    key.rate_limit,
                    json.dumps(sorted(key.scopes)),
                    key.created_at,
                ),
            )
        except sqlite3.IntegrityError as exc:
            raise KeyStoreError(
                f"Une clé active nommée « {name} » existe déjà : révoquez-la d'abord."
            ) from exc
        return key, token

    def find(self, token: str) -> ApiKey | None:
        """The key a caller presented (revoked keys included: the caller checks ``active``)."""
        row = (
            self._conn()
            .execute("SELECT * FROM api_keys WHERE token_sha256 = ?", (hash_token(token),))
            .fetchone()
        )
        return _from_row(row) if row else None

    def list_keys(self) -> list[ApiKey]:
        rows = self._conn().execute("SELECT * FROM api_keys ORDER BY name, id").fetchall()
        return [_from_row(row) for row in rows]

    def active_origins(self) -> set[str]:
        """Every origin some active key allows (to answer CORS preflights, which carry no
        key)."""
        origins: set[str] = set()
        for (value,) in self._conn().execute(
            "SELECT origins FROM api_keys WHERE revoked_at IS NULL"
        ):
            origins.update(json.loads(value))
        return origins

    def revoke(self, name: str) -> ApiKey:
        conn = self._conn()
        now = time.strftime("%Y-%m-%dT%H:%M:%S")
        cur = conn.execute(
            "UPDATE api_keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", (now, name)
        )
        if cur.rowcount == 0:
            raise KeyStoreError(f"Aucune clé active nommée « {name} ».")
        row = conn.execute(
            "SELECT * FROM api_keys WHERE name = ? AND revoked_at = ? ORDER BY id DESC LIMIT 1",
            (name, now),
        ).fetchone()
        return _from_row(row)


def _from_row(row: sqlite3.Row) -> ApiKey:
    return ApiKey(
        name=row["name"],
        origins=tuple(json.loads(row["origins"])),
        rate_limit=row["rate_limit"],
        scopes=frozenset(json.loads(row["scopes"])),
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
        token_hint=row["token_hint"],
    )
