"""The one error dispatcher: JSON under the API prefix, DSFR HTML pages everywhere else.

Registered with Flask's public ``register_error_handler`` after the API and the web UI, so it
replaces the app-wide JSON handler that flask-smorest installs. The API prefix is defined once,
in ``api.errors.API_PREFIX``.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.exceptions import Forbidden, HTTPException

from accounts.scoping import AccessDenied
from api import errors as api_errors
from resource_base.search import EngineUnavailable
from web import errors as web_errors


def handle_http_exception(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    if api_errors.is_api_request():
        return api_errors.handle_http_exception(error)
    return web_errors.html_error(error)


def handle_engine_unavailable(error: EngineUnavailable):
    if api_errors.is_api_request():
        return api_errors.handle_engine_unavailable(error)
    return web_errors.html_engine_unavailable(error)


def handle_access_denied(error: AccessDenied):
    """A service refused the person (out of their department or role): 403, never a 500."""
    return handle_http_exception(Forbidden(str(error)))


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(AccessDenied, handle_access_denied)
    app.register_error_handler(EngineUnavailable, handle_engine_unavailable)
