"""Relais JSON API (Flask, flask-smorest) and the `relais` command line."""
