"""The adviser's web UI and the embeddable widget (server-rendered, DSFR).

``init_app(app)`` registers the feature blueprints (search, resources, orientation, widget,
login, department console, an agence's orientation records, hand-over to axes 2 and 3
and its délais dashboard), sessions and CSRF protection, rate limits and security headers,
the DSFR assets served from ``node_modules`` (no CDN) and the template helpers. HTML error
pages are in ``web.errors``, reached through ``relais.errors``. The app holds the runtime in
``app.extensions["relais"]`` and the settings in ``app.config``.
"""

from __future__ import annotations

from flask import Blueprint, Flask


def init_app(app: Flask) -> None:
    """Register the web UI on the Flask app."""
    from flask_wtf.csrf import CSRFProtect

    from web import assets, helpers, security
    from web.auth import proconnect
    from web.auth import services as auth_services
    from web.auth.routes import bp as auth_bp
    from web.console.index import bp as console_index_bp
    from web.console.routes import bp as console_bp
    from web.handover.dashboard import bp as handover_dashboard_bp
    from web.handover.routes import bp as handover_bp
    from web.invitations.routes import bp as invitations_bp
    from web.needs.routes import bp as needs_bp
    from web.orientation.routes import bp as orientation_bp
    from web.records.routes import bp as records_bp
    from web.resources.routes import bp as resources_bp
    from web.search.routes import bp as search_bp
    from web.widget.console import bp as widget_console_bp
    from web.widget.routes import bp as widget_bp

    # Templates and our own CSS/JS; the feature blueprints hold the routes.
    app.register_blueprint(
        Blueprint(
            "web",
            __name__,
            template_folder="templates",
            static_folder="static",
            static_url_path="/static/relais",
        )
    )
    assets.init_app(app)
    helpers.init_app(app)
    # Every form posted to the UI carries a CSRF token (Flask-WTF); the API only reads.
    app.extensions["relais_csrf"] = CSRFProtect(app)
    auth_services.init_app(app)
    security.init_app(app)
    proconnect.init_app(app)
    app.register_blueprint(auth_bp)
    app.register_blueprint(console_index_bp)
    app.register_blueprint(console_bp)
    app.register_blueprint(needs_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(resources_bp)
    app.register_blueprint(orientation_bp)
    app.register_blueprint(widget_bp)
    app.register_blueprint(records_bp)
    app.register_blueprint(invitations_bp)
    app.register_blueprint(handover_bp)
    app.register_blueprint(widget_console_bp)
    app.register_blueprint(handover_dashboard_bp)
