"""Relais benchmark: import, search and look-up latencies, Elasticsearch, HTTP load.

Run it with ``bench/run`` (see bench/README.md); the library entry point is
``bench.core.run_benchmark``.
"""
