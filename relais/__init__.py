"""The composition root of Relais: settings, runtime, Flask app, ``relais`` command, errors.

Thin on purpose: it wires the packages below it (``resource_base``, ``search_engines``,
``indexer``, ``api``, ``web``) and holds no domain rule. Nothing imports it except
``relais/wsgi.py``, ``gunicorn.conf.py``, the tests and the benchmarks.
"""
