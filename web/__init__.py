"""The adviser's web UI and the embeddable widget (server-rendered, DSFR)."""


def init_app(app) -> None:
    """Register the web UI on the Flask app (filled in by the web feature)."""
