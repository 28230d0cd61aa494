"""Relais JSON API (Flask, flask-smorest): ``init_app(app)`` registers it on an app."""

from api.app import BLUEPRINTS, ApiConfigError, init_app

__all__ = ["BLUEPRINTS", "ApiConfigError", "init_app"]
