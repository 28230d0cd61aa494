"""The ``relais`` command: one click group; each package brings its own commands.

The group builds the runtime (and, for the commands that need it, the Flask app) on first use,
so ``relais --help`` reads nothing. A setting that cannot be used gives a French message
naming the variable and exit code 2.
"""

from __future__ import annotations

import click
from werkzeug.serving import WSGIRequestHandler

from accounts.commands import departements_group, users_group
from api.commands import keys_group, openapi_command
from handover.commands import taches_command
from handover.demo.command import demo_command
from indexer.import_command import import_command
from persistence.commands import db_group
from persistence.database import DatabaseError
from relais.runtime import Runtime
from relais.settings import ConfigError
from resource_base.geo import GeoError
from search_engines.commands import communes_command, reindex_command, search_command


class SettingsError(click.ClickException):
    """An unusable setting: one French line on stderr, exit code 2 (like a usage error)."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"Réglage invalide : {self.format_message()}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """Relais : base de ressources sociales (axe 1) et orientation vers les axes 2 et 3."""
    state = ctx.ensure_object(dict)
    cache: dict = {}

    def runtime() -> Runtime:
        # Built on first use: `relais --help` reads nothing.
        if "runtime" not in cache:
            try:
                cache["runtime"] = Runtime()
            except ConfigError as exc:
                raise SettingsError(str(exc)) from exc
            except GeoError as exc:
                raise click.ClickException(str(exc)) from exc
        return cache["runtime"]

    def app():
        from relais.app import create_app

        try:
            return create_app({"RELAIS_RUNTIME": state["runtime"]()})
        except (ConfigError, DatabaseError) as exc:
            raise SettingsError(str(exc)) from exc

    def checked(attribute: str):
        def get():
            rt = state["runtime"]()
            try:
                rt.database.check()
            except DatabaseError as exc:
                raise click.ClickException(str(exc)) from exc
            return getattr(rt, attribute)

        return get

    state.setdefault("runtime", runtime)
    state.setdefault("app", app)
    state.setdefault("keys", checked("keys"))
    state.setdefault("accounts", checked("accounts"))
    state.setdefault("handovers", checked("handovers"))


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


main.add_command(search_command)
main.add_command(communes_command)
main.add_command(import_command)
main.add_command(reindex_command)
main.add_command(keys_group)
main.add_command(serve_command)
main.add_command(openapi_command)
main.add_command(db_group)
main.add_command(users_group)
main.add_command(departements_group)
main.add_command(taches_command)
main.add_command(demo_command)
