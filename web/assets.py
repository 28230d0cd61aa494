"""The DSFR (``@gouvfr/dsfr``, installed by the project's setup from npm), served by Flask.

No CDN at run time: the ``dist`` folder of the npm package is served under ``/dsfr/``, so that
the relative URLs inside ``dsfr.min.css`` (fonts, icons) keep working. The charts of DSFR Chart
(``@gouvfr/dsfr-chart``, beside it in ``node_modules/@gouvfr``) are served under
``/dsfr-chart/`` the same way: ES modules loaded by ``<script type="module">``, which the strict
CSP (``script-src 'self'``) allows.
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


def dsfr_chart_dir(app: Flask) -> Path:
    """``@gouvfr/dsfr-chart``'s ``dist`` folder, the sibling package of the DSFR's."""
    return dsfr_dir(app).parent.parent / "dsfr-chart" / "dist"


def _serve_dsfr(filename: str):
    return send_from_directory(dsfr_dir(current_app), filename, max_age=CACHE_SECONDS)


def _serve_dsfr_chart(filename: str):
    return send_from_directory(dsfr_chart_dir(current_app), filename, max_age=CACHE_SECONDS)
