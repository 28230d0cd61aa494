"""The WSGI entry point for gunicorn: ``gunicorn -c gunicorn.conf.py`` (``relais.wsgi:app``).

Settings come from ``RELAIS_*`` environment variables; serving here needs a secret key of the
service's own (``RELAIS_SECRET_KEY``). An unusable setting prints its French message and exits
with code 2 (``gunicorn.conf.py`` makes the same check in the master, before any worker starts).
Building the app reads no file: the communes and the engine are loaded by
``gunicorn.conf.py``'s ``post_worker_init`` hook.
"""

import sys

from relais.app import create_app
from relais.settings import ConfigError

try:
    app = create_app(serving=True)
except ConfigError as exc:
    print(f"Réglage invalide : {exc}", file=sys.stderr)
    sys.exit(2)
