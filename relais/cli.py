"""The ``relais`` command: one click group; each package brings its own commands.

The group builds the runtime (and, for the commands that need it, the Flask app) on first use,
so ``relais --help`` reads nothing. A setting that cannot be used gives a French message
naming the variable and exit code 2.
"""

from __future__ import annotations

import click

from relais.commands import COMMANDS
from relais.runtime import Runtime
from relais.settings import ConfigError
from resource_base.geo import GeoError


class LazyGroup(click.Group):
    """A click group whose commands (``relais.commands.COMMANDS``: name → loader) are
    imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in COMMANDS:
            self.add_command(COMMANDS[name](), name)
        return super().get_command(ctx, name)


class SettingsError(click.ClickException):
    """An unusable setting: one French line on stderr, exit code 2 (like a usage error)."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"Réglage invalide : {self.format_message()}", err=True)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
        from persistence.database import DatabaseError
        from relais.app import create_app

        try:
            return create_app({"RELAIS_RUNTIME": state["runtime"]()})
        except (ConfigError, DatabaseError) as exc:
            raise SettingsError(str(exc)) from exc

    def checked(attribute: str):
        def get():
            from persistence.database import DatabaseError

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
