"""Every Relais setting, in one place: name, type, default, allowed values or validator, help.

Settings come from defaults, then environment variables prefixed ``RELAIS_``, then explicit
overrides (tests). ``load`` checks every value and raises one ``ConfigError`` whose French
message names the variable and what it expects. The README's settings table is generated from
``SETTINGS`` (``scripts/readme-settings``) and ``tests/test_docs.py`` compares it, defaults
included. This module imports nothing heavy: ``gunicorn.conf.py`` loads it in the master.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from api.keys import KeyStoreError, normalize_origin

PREFIX = "RELAIS_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The default secret: accepted by the tests and the development server only (``check_secret``).
DEV_SECRET_KEY = "relais-dev-secret"
TRUE_WORDS = frozenset({"1", "true", "yes", "oui", "on", "vrai"})
FALSE_WORDS = frozenset({"0", "false", "no", "non", "off", "faux", ""})


class ConfigError(ValueError):
    """A setting has a value Relais cannot use; the message (French) names the variable."""


@dataclass(frozen=True)
class Setting:
    """One setting: ``kind`` converts the environment's text (str, int, float or bool);
    ``choices`` lists the allowed values; ``validator`` checks (and may normalise) the
    converted value, raising ``ValueError`` with a French message of what is expected."""

    name: str
    default: object
    help: str
    kind: type = str
    choices: tuple[str, ...] | None = None
    validator: Callable[[object], object] | None = None

    @property
    def variable(self) -> str:
        return PREFIX + self.name


def _at_least(minimum: float) -> Callable[[object], object]:
    def check(value):
        if value < minimum:
            raise ValueError(f"un nombre supérieur ou égal à {minimum:g}")
        return value

    return check


def _positive(value):
    if not value > 0:
        raise ValueError("un nombre strictement positif")
    return value


def _bind(value: str) -> str:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("une adresse hôte:port, par exemple 127.0.0.1:8000")
    return value


def _es_urls(value: str) -> str:
    if not [part for part in value.split(",") if part.strip()]:
        raise ValueError("au moins une URL, par exemple http://127.0.0.1:9200")
    return value


def parse_origins(value: str) -> tuple[str, ...]:
    """``"https://a.fr, https://B.fr/x"`` → ``("https://a.fr", "https://b.fr")``; "*" stays."""
    try:
        return tuple(normalize_origin(part) for part in value.split(",") if part.strip())
    except KeyStoreError as exc:
        raise ValueError(f"des origines séparées par des virgules ({exc})") from exc


def _database_url(value: str) -> str:
    if value and not value.startswith(("sqlite://", "postgresql")):
        raise ValueError(
            "vide (SQLite dans RELAIS_DATA_DIR), sqlite:///chemin ou "
            "postgresql+psycopg://utilisateur:motdepasse@hote:port/base"
        )
    return value


def _rate_limit(value: str) -> str:
    from limits import parse_many

    try:
        parse_many(value)
    except ValueError:
        raise ValueError("une limite comme « 120 per minute » ou « 10/minute »") from None
    return value


def _storage_uri(value: str) -> str:
    from limits.storage import SCHEMES

    scheme = value.split("://", 1)[0] if "://" in value else ""
    if scheme not in SCHEMES or scheme.startswith("async+"):
        raise ValueError("une adresse de stockage comme memory:// ou redis://hote:6379")
    return value


def _openid_scopes(value: str) -> str:
    if "openid" not in value.split():
        raise ValueError("des portées séparées par des espaces, dont « openid »")
    return value


def _default_communes_csv() -> str:
    return str((PROJECT_ROOT.parent / "shared" / "data" / "geo" / "communes_2022.csv").resolve())


SEARCH_ENGINES = ("embedded", "elasticsearch")
ROUTE_PROVIDERS = ("openstreetmap", "google", "aucun")
GEOCODERS = ("offline", "ban")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATA_DIR",
        str(PROJECT_ROOT / "var"),
        "Dossier du magasin SQLite, des caches et des rejets.",
    ),
    Setting(
        "DECOUPAGE_DIR",
        str(PROJECT_ROOT / "node_modules" / "@etalab" / "decoupage-administratif" / "data"),
        "Dossier data de @etalab/decoupage-administratif : communes, codes postaux, EPCI, départements (millésime 2026).",
    ),
    Setting(
        "COMMUNES_CSV",
        _default_communes_csv(),
        "Fichier CSV des centres des communes (REF_INSEE, LATITUDE, LONGITUDE).",
    ),
    Setting(
        "SEARCH_ENGINE",
        "embedded",
        "Moteur de recherche : « embedded » (SQLite) ou « elasticsearch ».",
        choices=SEARCH_ENGINES,
    ),
    Setting(
        "EMBEDDED_TOKEN_CACHE_MB",
        64,
        "Mémoire (Mo) des masques de mots gardés par processus par le moteur embarqué (au-delà, les moins récents sont oubliés).",
        int,
        validator=_at_least(1),
    ),
    Setting(
        "ES_URL",
        "http://127.0.0.1:9200",
        "URL(s) du cluster Elasticsearch, séparées par des virgules.",
        validator=_es_urls,
    ),
    Setting("ES_USER", "", "Utilisateur Elasticsearch (authentification basique)."),
    Setting("ES_PASSWORD", "", "Mot de passe Elasticsearch (authentification basique)."),
    Setting(
        "ES_API_KEY", "", "Clé d'API Elasticsearch (remplace l'utilisateur et le mot de passe)."
    ),
    Setting("ES_CA_CERT", "", "Certificat d'autorité (PEM) pour vérifier le TLS du cluster."),
    Setting("ES_INDEX", "relais-ressources", "Nom de l'alias Elasticsearch des ressources."),
    Setting(
        "ES_TIMEOUT",
        10.0,
        "Délai d'attente des requêtes Elasticsearch, en secondes.",
        float,
        validator=_positive,
    ),
    Setting(
        "GEOCODER",
        "offline",
        "Géocodage : « offline » (centre de la commune) ou « ban » (Base Adresse Nationale).",
        choices=GEOCODERS,
    ),
    Setting(
        "ANONYMOUS_ACCESS",
        True,
        "Autorise l'API sans clé (accès public, ressources publiques seulement).",
        bool,
    ),
    Setting(
        "ANONYMOUS_RATE_LIMIT",
        120,
        "Requêtes par minute autorisées sans clé d'API.",
        int,
        validator=_at_least(0),
    ),
    Setting(
        "ANONYMOUS_ORIGINS",
        "",
        "Origines web (CORS) autorisées à appeler l'API sans clé, séparées par des virgules ; « * » pour toutes.",
        validator=parse_origins,
    ),
    Setting(
        "TRUSTED_PROXIES",
        0,
        "Nombre de mandataires inverses devant l'API dont les en-têtes X-Forwarded-* sont crus.",
        int,
        validator=_at_least(0),
    ),
    Setting("BIND", "127.0.0.1:8000", "Adresse d'écoute de gunicorn (hôte:port).", validator=_bind),
    Setting(
        "WORKERS",
        2,
        "Nombre de processus gunicorn (ils partagent les compteurs de limites si RELAIS_RATELIMIT_STORAGE_URI est un stockage partagé).",
        int,
        validator=_at_least(1),
    ),
    Setting(
        "DSFR_DIR",
        str(PROJECT_ROOT / "node_modules" / "@gouvfr" / "dsfr" / "dist"),
        "Dossier dist du DSFR servi sous /dsfr/ (installé par npm, aucun CDN).",
    ),
    Setting("PUBLIC_URL", "", "Adresse publique du service, pour les codes QR et les messages."),
    Setting(
        "IMPORT_MAX_BYTES",
        2 * 1024**3,
        "Taille maximale d'un fichier importé, en octets (décompressée pour un XLSX).",
        int,
        validator=_positive,
    ),
    Setting(
        "IMPORT_MAX_ROWS",
        1_000_000,
        "Nombre maximal de lignes de données d'un fichier importé.",
        int,
        validator=_positive,
    ),
    Setting(
        "IMPORT_MAX_COLUMNS",
        200,
        "Nombre maximal de colonnes d'un fichier importé.",
        int,
        validator=_positive,
    ),
    Setting(
        "IMPORT_MAX_CELL",
        32_767,
        "Nombre maximal de caractères d'une cellule importée (la limite d'Excel).",
        int,
        validator=_positive,
    ),
    Setting(
        "IMPORT_MAX_REJECTS",
        10_000,
        "Lignes rejetées détaillées dans le fichier des rejets et la sortie --json (les autres sont comptées).",
        int,
        validator=_at_least(0),
    ),
    Setting(
        "IMPORT_WORKERS",
        0,
        "Processus de validation d'un import par « relais import » (0 : un par cœur ; 1 : aucun, tout dans le processus de l'import) ; la console n'en crée jamais.",
        int,
        validator=_at_least(0),
    ),
    Setting(
        "ROUTE_PROVIDER",
        "openstreetmap",
        "Service des liens « Itinéraire » : « openstreetmap », « google » ou « aucun » (pas de lien).",
        choices=ROUTE_PROVIDERS,
    ),
    Setting(
        "IMPORT_PAUSE_BEFORE_COMMIT",
        0.0,
        "Débogage : secondes de pause d'un import juste avant la validation de sa transaction (test d'atomicité).",
        float,
        validator=_at_least(0),
    ),
    Setting("THREADS", 4, "Fils d'exécution par processus gunicorn.", int, validator=_at_least(1)),
    Setting(
        "SECRET_KEY",
        DEV_SECRET_KEY,
        "Clé secrète Flask : obligatoire et propre au service hors tests et « relais serve ».",
    ),
    Setting(
        "LOG_LEVEL",
        "INFO",
        "Niveau des journaux (DEBUG, INFO, WARNING, ERROR).",
        choices=LOG_LEVELS,
    ),
    Setting(
        "DATABASE_URL",
        "",
        "Base relationnelle (comptes, clés d'API, orientations, journal d'audit) : vide pour le fichier SQLite RELAIS_DATA_DIR/relais.db, ou postgresql+psycopg://utilisateur:motdepasse@hote:port/base.",
        validator=_database_url,
    ),
    Setting(
        "SMTP_HOST",
        "",
        "Serveur SMTP des courriels (invitations, avis d'orientation) : vide pour n'envoyer aucun courriel.",
    ),
    Setting("SMTP_PORT", 25, "Port du serveur SMTP.", int, validator=_at_least(1)),
    Setting("SMTP_USER", "", "Identifiant SMTP (vide : pas d'authentification)."),
    Setting("SMTP_PASSWORD", "", "Mot de passe SMTP."),
    Setting("SMTP_STARTTLS", False, "Chiffrer la connexion SMTP avec STARTTLS.", bool),
    Setting("MAIL_FROM", "relais@localhost", "Adresse d'expédition des courriels."),
    Setting(
        "SESSION_IDLE_HOURS",
        8.0,
        "Durée d'inactivité, en heures, après laquelle une session se ferme.",
        float,
        validator=_positive,
    ),
    Setting(
        "COOKIE_SECURE",
        True,
        "Cookie de session marqué Secure (HTTPS seulement) ; « non » pour http://127.0.0.1 en développement.",
        bool,
    ),
    Setting(
        "LOCAL_LOGIN",
        True,
        "Autorise la connexion par adresse électronique et mot de passe (comptes locaux).",
        bool,
    ),
    Setting(
        "PUBLIC_SEARCH",
        False,
        "Ouvre la page de recherche aux visiteurs non connectés (ressources publiques seulement).",
        bool,
    ),
    Setting(
        "ALLOWED_HOSTS",
        "",
        "Noms d'hôte acceptés pour construire les liens quand RELAIS_PUBLIC_URL est vide, séparés par des virgules (127.0.0.1 et localhost le sont toujours).",
    ),
    Setting(
        "RATELIMIT_STORAGE_URI",
        "memory://",
        "Stockage des compteurs de limites de l'API et de l'interface (Flask-Limiter) : memory:// (chaque processus compte à part) ou redis://:motdepasse@hote:6379/0 pour les partager entre processus et serveurs.",
        validator=_storage_uri,
    ),
    Setting(
        "UI_RATE_LIMIT",
        "120 per minute",
        "Limite des pages de l'interface (recherche, suggestions de communes), par personne connectée ou par adresse IP.",
        validator=_rate_limit,
    ),
    Setting(
        "LOGIN_RATE_LIMIT",
        "10 per minute",
        "Limite des tentatives de connexion, par adresse IP et par adresse électronique.",
        validator=_rate_limit,
    ),
    Setting(
        "ORIENTATION_RATE_LIMIT",
        "30 per minute",
        "Limite des fiches d'orientation enregistrées, par personne connectée.",
        validator=_rate_limit,
    ),
    Setting(
        "PROCONNECT_DISCOVERY_URL",
        "",
        "URL de découverte OpenID Connect de ProConnect (…/.well-known/openid-configuration) ; vide : ProConnect désactivé.",
    ),
    Setting("PROCONNECT_CLIENT_ID", "", "Identifiant client ProConnect."),
    Setting("PROCONNECT_CLIENT_SECRET", "", "Secret client ProConnect."),
    Setting(
        "PROCONNECT_SCOPES",
        "openid email given_name usual_name siret idp_id custom",
        "Portées demandées à ProConnect, séparées par des espaces.",
        validator=_openid_scopes,
    ),
    Setting(
        "PROCONNECT_ACR_VALUES",
        "eidas1",
        "Niveau d'authentification demandé à ProConnect (acr_values) ; vide pour n'en demander aucun.",
    ),
)

BY_NAME = {s.name: s for s in SETTINGS}

_KIND_WORDS = {
    int: "un nombre entier",
    float: "un nombre",
    bool: "oui ou non (oui, non, true, false, 1, 0)",
}


def _expects(setting: Setting, detail: str) -> ConfigError:
    return ConfigError(f"{setting.variable} : valeur attendue : {detail}.")


def _convert(setting: Setting, raw: object) -> object:
    if setting.kind is str:
        # A list setting already loaded (a runtime's settings passed back to ``load``).
        return ",".join(raw) if isinstance(raw, tuple | list) else str(raw)
    if not isinstance(raw, str):
        if setting.kind is bool and isinstance(raw, bool):
            return raw
        if setting.kind is float and isinstance(raw, int | float) and not isinstance(raw, bool):
            return float(raw)
        if setting.kind is int and isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        raise _expects(setting, _KIND_WORDS[setting.kind] + f", reçu « {raw!r} »")
    text = raw.strip()
    if setting.kind is bool:
        if text.lower() in TRUE_WORDS:
            return True
        if text.lower() in FALSE_WORDS:
            return False
        raise _expects(setting, f"{_KIND_WORDS[bool]}, reçu « {raw} »")
    try:
        return setting.kind(text)
    except ValueError:
        raise _expects(setting, f"{_KIND_WORDS[setting.kind]}, reçu « {raw} »") from None


def coerce(setting: Setting, raw: object) -> object:
    """One setting's value from its raw form (environment text or a test's Python value).

    Raises ``ConfigError`` naming ``RELAIS_<NAME>`` and what is expected.
    """
    value = _convert(setting, raw)
    if setting.choices is not None and value not in setting.choices:
        allowed = ", ".join(f"« {c} »" for c in setting.choices)
        raise _expects(setting, f"{allowed} ; reçu « {value} »")
    if setting.validator is not None:
        try:
            value = setting.validator(value)
        except ValueError as exc:
            raise _expects(setting, f"{exc} ; reçu « {raw} »") from None
    return value


def load(overrides: dict | None = None, environ: dict | None = None) -> dict:
    """Every setting: defaults, then ``RELAIS_*`` variables, then ``overrides``.

    Keys of ``overrides`` may carry the ``RELAIS_`` prefix; keys outside the registry (Flask's
    ``TESTING``…) pass through unchanged. Raises ``ConfigError`` on the first unusable value.

    >>> load({"SEARCH_ENGINE": "embedded"}, environ={})["SEARCH_ENGINE"]
    'embedded'
    """
    environ = os.environ if environ is None else environ
    raw = {s.name: environ.get(s.variable, s.default) for s in SETTINGS}
    extra = {}
    for name, value in (overrides or {}).items():
        key = name.removeprefix(PREFIX)
        if key in BY_NAME:
            raw[key] = value
        else:
            extra[name] = value
    values = {s.name: coerce(s, raw[s.name]) for s in SETTINGS}
    values.update(extra)
    return values


def runtime_settings(config) -> dict:
    """The registry's values out of a Flask ``app.config`` (the runtime reads nothing else)."""
    return {setting.name: config[setting.name] for setting in SETTINGS}


def check_secret(values: dict) -> None:
    """Refuse a missing or default ``SECRET_KEY``: serving outside the tests and the
    development server (gunicorn, ``relais.wsgi``) needs a key of its own (Flask signs
    sessions with it). Raises ``ConfigError``."""
    key = str(values.get("SECRET_KEY") or "")
    if not key.strip() or key == DEV_SECRET_KEY:
        raise ConfigError(
            "RELAIS_SECRET_KEY : définissez une clé secrète propre à ce service, par exemple "
            "RELAIS_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))') ; "
            "la valeur par défaut n'est acceptée que par les tests et « relais serve »."
        )
    if len(key) < 16:
        raise ConfigError("RELAIS_SECRET_KEY : valeur attendue : au moins 16 caractères.")


def documented_default(setting: Setting) -> str:
    """The default as the README shows it: ``oui``/``non``, ``(vide)``, paths relative to
    ``<dépôt>`` (this repository) or ``../shared`` (the reference data beside it)."""
    value = setting.default
    if isinstance(value, bool):
        return "oui" if value else "non"
    text = str(value)
    shared = str(PROJECT_ROOT.parent / "shared")
    if text.startswith(shared):
        return "../shared" + text[len(shared) :]
    if text.startswith(str(PROJECT_ROOT)):
        return "<dépôt>" + text[len(str(PROJECT_ROOT)) :]
    return text or "(vide)"


def readme_table() -> str:
    """The README's settings table (Markdown), one row per setting, in registry order."""
    rows = ["| variable | défaut | rôle |", "| --- | --- | --- |"]
    for s in SETTINGS:
        rows.append(f"| `{s.variable}` | `{documented_default(s)}` | {s.help} |")
    return "\n".join(rows)
