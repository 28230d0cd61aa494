"""Relais JSON API (Flask, flask-smorest): ``init_app(app)`` registers it on an app."""

from api.app import ApiConfigError, init_app

__all__ = ["ApiConfigError", "init_app"]
