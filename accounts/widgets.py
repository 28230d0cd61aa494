"""Widget configurations for intranets: who may embed the search, with which presets.

A department admin (or the national admin) creates a configuration: a name, the intranet's
web origins allowed to frame the widget, presets (a commune, needs), whether
professionals-only resources may appear (France Travail intranets only), display options.
Its token is ``<id>.<signature>``: an HMAC-SHA256 of the id and a random nonce, keyed by the
service's secret, so that it can be shown again at any time but not forged, and a store
rebuilt with the same ids never honours an old token. Revocation is read from the store on
every request (``WidgetService.resolve``).

Pure: the relational store implements ``WidgetStore`` (``persistence.widgets``). Source:
issue 13 ("The widget for intranets"), and DOMAIN.md (data·inclusion and Soliguide widgets
bind their tokens to allowed hosts).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import urlsplit

from accounts import roles, scoping
from accounts.models import AccountError, User, check_departement

MAX_ORIGINS = 10
MAX_NAME = 120
MAX_TITLE = 120
MAX_THEMATIQUES = 10
SIZES = (3, 5, 10, 20)  # results per page the console offers
DEFAULT_SIZE = 5
DEFAULT_TITLE = "Trouver une ressource sociale"
_CODE_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
_TOKEN = re.compile(r"^([1-9][0-9]{0,8})\.([A-Za-z0-9_-]{20,64})$")


class WidgetError(AccountError):
    """A configuration the domain refuses (French message, shown as is)."""


@dataclass(frozen=True)
class WidgetConfig:
    """One widget configuration. ``origins``: normalised ``scheme://host[:port]``;
    ``code_commune``: the preset commune (INSEE code) or None; ``thematiques``: preset needs
    (data·inclusion slugs); ``taille``: results per page; ``nonce``: part of the signature."""

    id: int | None
    departement: str
    name: str
    origins: tuple[str, ...]
    code_commune: str | None = None
    thematiques: tuple[str, ...] = ()
    intranet_france_travail: bool = False
    professionnels: bool = False
    titre: str = DEFAULT_TITLE
    taille: int = DEFAULT_SIZE
    nonce: str = field(default="", repr=False)
    created_at: str = ""
    created_by: str = ""
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def frame_ancestors(self) -> str:
        """The CSP directive: Relais itself (the console's preview) and the allowed origins."""
        return " ".join(("frame-ancestors", "'self'", *self.origins))


class WidgetStore(Protocol):
    def add_widget(self, config: WidgetConfig) -> WidgetConfig: ...
    def get_widget(self, widget_id: int) -> WidgetConfig | None: ...
    def list_widgets(self, departement: str) -> list[WidgetConfig]: ...
    def revoke_widget(self, widget_id: int, when: str) -> WidgetConfig | None: ...


def normalize_origin(value: str) -> str:
    """``"https://Intranet.FT.fr:443"`` → ``"https://intranet.ft.fr"``.

    An origin is a scheme (http or https), a host and an optional port: no path (a lone
    trailing ``/`` is tolerated), no query, no user, no ``*`` and no ``null`` (the origin of
    a ``file:`` page, which any local file could claim). Raises ``WidgetError``.
    """
    text = (value or "").strip()
    shown = text[:100]
    if not text:
        raise WidgetError("Origine vide.")
    if "*" in text:
        raise WidgetError(f"Origine « {shown} » refusée : le joker « * » n'est pas permis.")
    if text.lower() == "null" or text.lower().startswith("file:"):
        raise WidgetError(
            f"Origine « {shown} » refusée : une page ouverte depuis un fichier (file:) ne peut "
            "pas intégrer le widget ; donnez un lien vers la page du widget à la place."
        )
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise WidgetError(f"Origine « {shown} » invalide (port ou adresse illisible).") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WidgetError(f"Origine « {shown} » invalide : attendu https://hote[:port].")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise WidgetError(f"Origine « {shown} » invalide : ni identifiant, ni « ? », ni « # ».")
    if parts.path not in ("", "/"):
        raise WidgetError(
            f"Origine « {shown} » invalide : une origine n'a pas de chemin "
            f"(« {parts.path[:40]} ») ; gardez https://hote[:port]."
        )
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    else:
        try:  # browsers send an international name in its ASCII form (xn--…)
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            host = "?"
    if not host.startswith("[") and not _HOST.match(host):
        raise WidgetError(f"Origine « {shown} » invalide : nom d'hôte « {host[:60]} » illisible.")
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def normalize_origins(values: list[str]) -> tuple[str, ...]:
    """Each non-empty line normalised, duplicates dropped; at least one, at most 10."""
    origins = tuple(dict.fromkeys(normalize_origin(v) for v in values if v and v.strip()))
    if not origins:
        raise WidgetError("Indiquez au moins une origine web autorisée (https://hote[:port]).")
    if len(origins) > MAX_ORIGINS:
        raise WidgetError(f"{MAX_ORIGINS} origines au plus par widget.")
    return origins


def check_config(config: WidgetConfig, is_thematique) -> WidgetConfig:
    """The configuration with its fields checked and trimmed; raises ``WidgetError``.

    ``is_thematique(slug)`` says whether a slug belongs to the data·inclusion vocabulary.
    Professionals-only resources need a France Travail intranet (issue 13): such pages are
    reached by France Travail staff only, which a department's public site is not.
    """
    name = " ".join(config.name.split())
    if not name or len(name) > MAX_NAME:
        raise WidgetError(f"Donnez au widget un nom de 1 à {MAX_NAME} caractères.")
    titre = " ".join(config.titre.split()) or DEFAULT_TITLE
    if len(titre) > MAX_TITLE:
        raise WidgetError(f"Le titre affiché a {MAX_TITLE} caractères au plus.")
    code = (config.code_commune or "").strip().upper() or None
    if code and not _CODE_INSEE.match(code):
        raise WidgetError(f"Commune préréglée invalide : « {code[:20]} » (code INSEE attendu).")
    thematiques = tuple(dict.fromkeys(t.strip() for t in config.thematiques if t.strip()))
    unknown = [t for t in thematiques if not is_thematique(t)]
    if unknown:
        raise WidgetError(f"Besoin inconnu : « {unknown[0][:60]} ».")
    if len(thematiques) > MAX_THEMATIQUES:
        raise WidgetError(f"{MAX_THEMATIQUES} besoins préréglés au plus.")
    if config.taille not in SIZES:
        raise WidgetError(f"Nombre de résultats par page : {', '.join(map(str, SIZES))}.")
    if config.professionnels and not config.intranet_france_travail:
        raise WidgetError(
            "Les ressources réservées aux professionnels ne peuvent apparaître que dans un "
            "widget d'intranet France Travail."
        )
    return WidgetConfig(
        id=config.id,
        departement=check_departement(config.departement),
        name=name,
        origins=normalize_origins(list(config.origins)),
        code_commune=code,
        thematiques=thematiques,
        intranet_france_travail=config.intranet_france_travail,
        professionnels=config.professionnels,
        titre=titre,
        taille=config.taille,
        nonce=config.nonce,
        created_at=config.created_at,
        created_by=config.created_by,
        revoked_at=config.revoked_at,
    )


def _signature(secret: str, widget_id: int, nonce: str) -> str:
    # A key of its own, derived from the service's secret (which also signs sessions).
    key = hmac.new(secret.encode(), b"relais-widget-token", hashlib.sha256).digest()
    digest = hmac.new(key, f"{widget_id}.{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def token_of(config: WidgetConfig, secret: str) -> str:
    """``"12.3q…"``: the configuration id and its signature (32 URL-safe characters)."""
    if config.id is None or not config.nonce:
        raise ValueError("a stored configuration (id and nonce) is needed for a token")
    return f"{config.id}.{_signature(secret, config.id, config.nonce)}"


def token_id(token: str) -> int | None:
    """The configuration id a well-formed token names (unchecked), else None."""
    match = _TOKEN.match(token or "")
    return int(match.group(1)) if match else None


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class WidgetService:
    """Create, list, revoke (each scoped and audited) and resolve tokens.

    ``audit(actor, action, record, departement, details)`` is ``AccountService.audit``.
    Methods raise ``WidgetError`` (bad input) or ``scoping.AccessDenied`` (out of scope).
    """

    def __init__(self, store: WidgetStore, secret: str, audit, is_thematique):
        self.store = store
        self.secret = secret
        self._audit = audit
        self._is_thematique = is_thematique

    def create(self, actor: User, config: WidgetConfig) -> WidgetConfig:
        scoping.require(actor, roles.MANAGE_WIDGETS, config.departement)
        checked = check_config(config, self._is_thematique)
        stored = self.store.add_widget(
            replace(
                checked,
                id=None,
                nonce=secrets.token_urlsafe(16),
                created_at=now_iso(),
                created_by=actor.email,
                revoked_at=None,
            )
        )
        self._audit(
            actor,
            "creation_widget",
            f"widget:{stored.id}",
            stored.departement,
            f"{stored.name} ; origines : {' '.join(stored.origins)} ; "
            f"professionnels : {'oui' if stored.professionnels else 'non'}",
        )
        return stored

    def list(self, actor: User, departement: str) -> list[WidgetConfig]:
        scoping.require(actor, roles.MANAGE_WIDGETS, departement)
        return self.store.list_widgets(departement)

    def get(self, actor: User, departement: str, widget_id: int) -> WidgetConfig | None:
        """The department's configuration ``widget_id``; None for another department's."""
        scoping.require(actor, roles.MANAGE_WIDGETS, departement)
        config = self.store.get_widget(widget_id)
        return config if config and config.departement == departement else None

    def revoke(self, actor: User, departement: str, widget_id: int) -> WidgetConfig:
        config = self.get(actor, departement, widget_id)
        if config is None:
            raise WidgetError("Ce widget n'existe pas dans ce département.")
        if not config.active:
            raise WidgetError(f"Le widget « {config.name} » est déjà révoqué.")
        revoked = self.store.revoke_widget(widget_id, now_iso()) or config
        self._audit(actor, "revocation_widget", f"widget:{widget_id}", departement, config.name)
        return revoked

    def token(self, config: WidgetConfig) -> str:
        return token_of(config, self.secret)

    def resolve(self, token: str) -> tuple[WidgetConfig | None, str]:
        """``(config, "")`` for a valid token of an active configuration; otherwise
        ``(None, "inconnu")`` (absent, malformed, forged, deleted) or ``(config, "revoque")``."""
        widget_id = token_id(token)
        if widget_id is None:
            return None, "inconnu"
        config = self.store.get_widget(widget_id)
        if config is None or not hmac.compare_digest(
            token.encode(), token_of(config, self.secret).encode()
        ):
            return None, "inconnu"
        if not config.active:
            return config, "revoque"
        return config, ""
