"""Relais JSON API (Flask, flask-smorest): ``api.app.init_app(app)`` registers it on an app.

Kept empty so that importing a light module (``api.keys``) loads no web framework.
"""
