"""Relais indexer: reads departmental files, validates, normalises, geocodes, and loads the
canonical store and the search engines. It never imports ``api`` or ``web``."""
