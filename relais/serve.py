"""``relais serve``: the development server (its own module: Werkzeug is imported only when
it runs)."""

from __future__ import annotations

import click
from werkzeug.serving import WSGIRequestHandler


@click.command("serve")
@click.option("--port", type=int, default=5000, show_default=True, help="Port d'écoute.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Adresse d'écoute.")
@click.option("--debug", is_flag=True, help="Mode débogage de Flask (rechargement du code).")
@click.pass_context
def serve_command(ctx, port, host, debug):
    """Lance l'API et l'interface web pour le développement (serveur de Flask).

    En production, utilisez gunicorn : gunicorn -c gunicorn.conf.py

    Exemple : relais serve --port 5000
    """
    app = ctx.find_object(dict)["app"]()
    click.echo(f"API : http://{host}:{port}/api/v1/docs", err=True)
    app.run(
        host=host,
        port=port,
        debug=debug,
        use_reloader=debug,
        request_handler=PathOnlyRequestHandler,
    )


class PathOnlyRequestHandler(WSGIRequestHandler):
    """The development server logs the path without its query string: the free text ``q`` is
    typed during an interview and may concern the person."""

    def log_request(self, code="-", size="-") -> None:
        self.path = self.path.split("?", 1)[0]
        self.requestline = self.requestline.split("?", 1)[0]
        super().log_request(code, size)
