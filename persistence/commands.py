"""``relais db upgrade`` and ``relais db status``: the relational store's migrations."""

from __future__ import annotations

import click

from persistence.database import DatabaseError


def _database(ctx: click.Context):
    return ctx.find_object(dict)["runtime"]().database


@click.group("db")
def db_group() -> None:
    """Base relationnelle : migrations (Alembic)."""


@db_group.command("upgrade")
@click.pass_context
def db_upgrade(ctx):
    """Applique les migrations en attente (reprend les clés et orientations des anciens fichiers
    SQLite à la première).

    Exemple : relais db upgrade
    """
    database = _database(ctx)
    try:
        before, after = database.upgrade()
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from exc
    if before == after:
        click.echo(f"Base déjà à jour (version {after}) : {database.safe_url}", err=True)
    else:
        click.echo(
            f"Base mise à jour : version {before or 'vide'} → {after} ({database.safe_url}).",
            err=True,
        )


@db_group.command("status")
@click.pass_context
def db_status(ctx):
    """Dit si la base est à jour (code 0) ou non (code 1).

    Exemple : relais db status
    """
    database = _database(ctx)
    try:
        database.check()
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Base à jour (version {database.head_revision()}) : {database.safe_url}", err=True)
