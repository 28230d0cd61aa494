"""The Flask application: ``create_app(config=None)``.

Settings come from the registry's defaults, then ``RELAIS_*`` environment variables, then
``config`` (tests); they all land in ``app.config``, and the runtime (store, communes, engine)
is built from ``app.config`` alone and kept in ``app.extensions["relais"]``. A test may pass a
ready runtime as ``config["RELAIS_RUNTIME"]``: its settings are then the base of
``app.config``, so that app and runtime agree. The only connection made here checks that the
relational store is at the code's last migration; the rest opens on first use.
"""

from __future__ import annotations

import gc

from flask import Flask

from api import logging as api_logging
from api.app import BLUEPRINTS as API_BLUEPRINTS
from api.app import init_app as init_api
from relais import errors, settings
from relais.runtime import Runtime
from web import init_app as init_web


class RelaisFlask(Flask):
    def log_exception(self, exc_info) -> None:
        # The trace goes to the JSON log with the request id the 500 response shows.
        api_logging.log_exception(exc_info)


def create_app(config: dict | None = None, *, serving: bool = False) -> Flask:
    """Build the app: ``create_app({"TESTING": True, "RELAIS_RUNTIME": runtime})``.

    ``serving=True`` (``relais.wsgi``, what gunicorn serves) also requires a secret key of the
    service's own, unless ``TESTING``; the development server (``relais serve``) and the
    commands that only read the app (``relais openapi``) keep the default one.
    Raises ``relais.settings.ConfigError`` (French message naming the variable) on an
    unusable setting.
    Raises ``persistence.DatabaseOutOfDate`` when the relational store needs
    ``relais db upgrade``.
    """
    overrides = dict(config or {})
    runtime = overrides.pop("RELAIS_RUNTIME", None)
    app = RelaisFlask(__name__)
    if runtime is not None:
        overrides = {**runtime.settings, **overrides}
    app.config.update(settings.load(overrides))
    if serving and not app.testing:
        settings.check_secret(app.config)
    if runtime is None:
        runtime = Runtime(settings.runtime_settings(app.config))
    app.extensions["relais"] = runtime
    runtime.send_mail_after_response()  # a request never waits on SMTP (the outbox keeps all)
    init_api(app)
    init_web(app)
    for blueprint in API_BLUEPRINTS:
        # API calls carry a key, not a session cookie: no CSRF token to check.
        app.extensions["relais_csrf"].exempt(blueprint)
    errors.init_app(app)
    if app.config.get("CHECK_DATABASE", True):
        # Refuse to start on a schema behind the code (French message: what to run).
        runtime.database.check()
    return app


def warm_up(app: Flask) -> None:
    """Read the communes and open the engine before the first request (gunicorn workers)."""
    runtime = app.extensions["relais"]
    _ = runtime.directory
    runtime.search_service.engine.warm()
    # What was loaded lives as long as the worker: keep it out of the collector's full
    # passes, which otherwise pause searches for a few hundred milliseconds at 100k.
    gc.collect()
    gc.freeze()
