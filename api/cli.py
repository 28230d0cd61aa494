"""The ``relais`` command: one group, commands registered from the modules that own them."""

from __future__ import annotations

import click

from api.commands import keys_group, openapi_command, serve_command
from indexer.commands import communes_command, reindex_command, search_command
from indexer.import_command import import_command
from indexer.runtime import ConfigError, Runtime
from resource_base.geo import GeoError


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
            except (ConfigError, GeoError) as exc:
                raise click.ClickException(str(exc)) from exc
        return cache["runtime"]

    state.setdefault("runtime", runtime)


main.add_command(search_command)
main.add_command(communes_command)
main.add_command(import_command)
main.add_command(reindex_command)
main.add_command(keys_group)
main.add_command(serve_command)
main.add_command(openapi_command)
