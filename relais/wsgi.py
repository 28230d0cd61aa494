"""The WSGI entry point for gunicorn: ``gunicorn -c gunicorn.conf.py`` (``relais.wsgi:app``).

Settings come from ``RELAIS_*`` environment variables. Building the app only checks that the
relational store is migrated (it refuses to start otherwise, saying to run ``relais db
upgrade``); the communes and the engine are loaded by ``gunicorn.conf.py``'s
``post_worker_init`` hook.
"""

from relais.app import create_app

app = create_app()
