"""The DSFR (``@gouvfr/dsfr``, installed by the project's setup from npm), served by Flask.

No CDN at run time: the ``dist`` folder of the npm package is served under ``/dsfr/``, so that
the relative URLs inside ``dsfr.min.css`` (fonts, icons) keep working. The DSFR's chart web
components (``@gouvfr/dsfr-chart``, the sibling npm package) are served under
``/dsfr-chart/``: pages load them as ES modules and give them their data in attributes (the
CSP allows no inline script).
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, current_app, send_from_directory

CACHE_SECONDS = 24 * 3600

log = logging.getLogger(__name__)


def dsfr_dir(app: Flask) -> Path:
    """The DSFR ``dist`` folder: setting ``DSFR_DIR`` (``RELAIS_DSFR_DIR``), in ``app.config``."""
    return Path(app.config["DSFR_DIR"])


def init_app(app: Flask) -> None:
    folder = dsfr_dir(app)
    if not (folder / "dsfr.min.css").is_file():
        # The UI still works (unstyled); the setup script installs the package.
        log.warning("DSFR introuvable dans %s : lancez scripts/setup (npm).", folder)
    app.add_url_rule("/dsfr/<path:filename>", "dsfr", _serve_dsfr)
    app.add_url_rule("/dsfr-chart/<path:filename>", "dsfr_chart", _serve_dsfr_chart)


def _serve_dsfr(filename: str):
    return send_from_directory(dsfr_dir(current_app), filename, max_age=CACHE_SECONDS)


def dsfr_chart_dir(app: Flask) -> Path:
    """``@gouvfr/dsfr-chart``'s ``dist`` folder, beside the DSFR's in ``node_modules``."""
    return dsfr_dir(app).parent.parent / "dsfr-chart" / "dist"


def _serve_dsfr_chart(filename: str):
    return send_from_directory(dsfr_chart_dir(current_app), filename, max_age=CACHE_SECONDS)
