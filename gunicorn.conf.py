"""gunicorn settings for the Relais API: ``gunicorn -c gunicorn.conf.py``.

The address and the number of workers come from the Relais settings (``RELAIS_BIND``,
``RELAIS_WORKERS``). Workers share rate-limit counters when ``RELAIS_RATELIMIT_STORAGE_URI``
is a shared storage (Redis); with ``memory://`` each counts its own. Logs:
the API writes one JSON line per request to stderr, so gunicorn's access log stays off.

The settings are checked here, in the master, before any worker starts: an unusable value
(``RELAIS_WORKERS=abc``, a missing ``RELAIS_SECRET_KEY``…) prints one French line and exits
with code 2 (gunicorn lets ``SystemExit`` through when it reads this file).
"""

import sys

from relais import settings

try:
    _values = settings.load()
    settings.check_secret(_values)
except settings.ConfigError as exc:
    print(f"Réglage invalide : {exc}", file=sys.stderr)
    sys.exit(2)

wsgi_app = "relais.wsgi:app"
bind = _values["BIND"]
workers = _values["WORKERS"]
# Threads: a worker waiting on Elasticsearch keeps serving commune look-ups and other searches.
worker_class = "gthread"
threads = _values["THREADS"]
timeout = 30
graceful_timeout = 30
keepalive = 5
accesslog = None
errorlog = "-"
loglevel = str(_values["LOG_LEVEL"]).lower()


def post_worker_init(worker):
    """Load the communes and open the engine before the worker's first request."""
    from relais.app import warm_up

    warm_up(worker.wsgi)
