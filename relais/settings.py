"""Every Relais setting, in one place: name, default and one line of help.

Settings come from defaults, then environment variables prefixed ``RELAIS_``, then explicit
overrides (tests). The README's settings table is checked against ``SETTINGS`` by a test.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PREFIX = "RELAIS_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str
    kind: type = str


def _default_communes_csv() -> str:
    return str((PROJECT_ROOT.parent / "shared" / "data" / "geo" / "communes_2022.csv").resolve())


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATA_DIR",
        str(PROJECT_ROOT / "var"),
        "Dossier du magasin SQLite, des caches et des rejets.",
    ),
    Setting(
        "COMMUNES_CSV",
        _default_communes_csv(),
        "Fichier CSV des communes (référentiel géographique).",
    ),
    Setting(
        "EPCI_JSON",
        str(
            PROJECT_ROOT
            / "node_modules"
            / "@etalab"
            / "decoupage-administratif"
            / "data"
            / "epci.json"
        ),
        "Fichier JSON des EPCI et de leurs communes membres (@etalab/decoupage-administratif).",
    ),
    Setting(
        "COMMUNES_JSON",
        str(
            PROJECT_ROOT
            / "node_modules"
            / "@etalab"
            / "decoupage-administratif"
            / "data"
            / "communes.json"
        ),
        "Fichier JSON des communes (@etalab/decoupage-administratif) : anciens codes INSEE et tous les codes postaux, pour l'import.",
    ),
    Setting(
        "SEARCH_ENGINE",
        "embedded",
        "Moteur de recherche : « embedded » (SQLite) ou « elasticsearch ».",
    ),
    Setting(
        "ES_URL",
        "http://127.0.0.1:9200",
        "URL(s) du cluster Elasticsearch, séparées par des virgules.",
    ),
    Setting("ES_USER", "", "Utilisateur Elasticsearch (authentification basique)."),
    Setting("ES_PASSWORD", "", "Mot de passe Elasticsearch (authentification basique)."),
    Setting(
        "ES_API_KEY", "", "Clé d'API Elasticsearch (remplace l'utilisateur et le mot de passe)."
    ),
    Setting("ES_CA_CERT", "", "Certificat d'autorité (PEM) pour vérifier le TLS du cluster."),
    Setting("ES_INDEX", "relais-ressources", "Nom de l'alias Elasticsearch des ressources."),
    Setting("ES_TIMEOUT", 10.0, "Délai d'attente des requêtes Elasticsearch, en secondes.", float),
    Setting(
        "GEOCODER",
        "offline",
        "Géocodage : « offline » (centre de la commune) ou « ban » (Base Adresse Nationale).",
    ),
    Setting(
        "ANONYMOUS_ACCESS",
        True,
        "Autorise l'API sans clé (accès public, ressources publiques seulement).",
        bool,
    ),
    Setting("ANONYMOUS_RATE_LIMIT", 120, "Requêtes par minute autorisées sans clé d'API.", int),
    Setting(
        "ANONYMOUS_ORIGINS",
        "",
        "Origines web (CORS) autorisées à appeler l'API sans clé, séparées par des virgules ; « * » pour toutes.",
    ),
    Setting(
        "TRUSTED_PROXIES",
        0,
        "Nombre de mandataires inverses devant l'API dont les en-têtes X-Forwarded-* sont crus.",
        int,
    ),
    Setting("BIND", "127.0.0.1:8000", "Adresse d'écoute de gunicorn (hôte:port)."),
    Setting(
        "WORKERS",
        2,
        "Nombre de processus gunicorn (chacun a ses propres compteurs de limite de requêtes).",
        int,
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
    ),
    Setting(
        "IMPORT_MAX_ROWS",
        1_000_000,
        "Nombre maximal de lignes de données d'un fichier importé.",
        int,
    ),
    Setting("IMPORT_MAX_COLUMNS", 200, "Nombre maximal de colonnes d'un fichier importé.", int),
    Setting(
        "IMPORT_MAX_CELL",
        32_767,
        "Nombre maximal de caractères d'une cellule importée (la limite d'Excel).",
        int,
    ),
    Setting(
        "IMPORT_MAX_REJECTS",
        10_000,
        "Lignes rejetées détaillées dans le fichier des rejets et la sortie --json (les autres sont comptées).",
        int,
    ),
    Setting(
        "IMPORT_WORKERS",
        0,
        "Processus de validation d'un import (0 : un par cœur ; 1 : aucun, tout dans le processus de l'import).",
        int,
    ),
    Setting(
        "IMPORT_PAUSE_BEFORE_COMMIT",
        0.0,
        "Débogage : secondes de pause d'un import juste avant la validation de sa transaction (test d'atomicité).",
        float,
    ),
    Setting("THREADS", 4, "Fils d'exécution par processus gunicorn.", int),
    Setting("SECRET_KEY", "relais-dev-secret", "Clé secrète Flask (à changer en production)."),
    Setting("LOG_LEVEL", "INFO", "Niveau des journaux (DEBUG, INFO, WARNING, ERROR)."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def _coerce(setting: Setting, raw: object) -> object:
    if not isinstance(raw, str) or setting.kind is str:
        return raw
    if setting.kind is bool:
        return raw.strip().lower() in {"1", "true", "yes", "oui", "on"}
    return setting.kind(raw)


def load(overrides: dict | None = None, environ: dict | None = None) -> dict:
    """Return every setting: defaults, then ``RELAIS_*`` variables, then ``overrides``.

    >>> load({"SEARCH_ENGINE": "embedded"})["SEARCH_ENGINE"]
    'embedded'
    """
    environ = os.environ if environ is None else environ
    values = {}
    for setting in SETTINGS:
        raw = environ.get(PREFIX + setting.name, setting.default)
        values[setting.name] = _coerce(setting, raw)
    for name, value in (overrides or {}).items():
        key = name.removeprefix(PREFIX)
        values[key] = _coerce(_BY_NAME[key], value) if key in _BY_NAME else value
    return values


def runtime_settings(config) -> dict:
    """The registry's values out of a Flask ``app.config`` (the runtime reads nothing else)."""
    return {setting.name: config[setting.name] for setting in SETTINGS}
