"""The ``relais`` commands, each imported only when it runs (or for the listing of
``relais --help``): ``relais import``, run once per department file, then does not pay for
SQLAlchemy, Alembic, Werkzeug or the demo (0.45 s of the 0.7 s that importing every command
cost, measured on the 2-core machine, 2026-12-01). The imports stay plain ``from … import``
statements inside functions, so that import-linter and the house's drawing still see them.
"""

from __future__ import annotations

from collections.abc import Callable

import click


def _search() -> click.Command:
    from search_engines.commands import search_command

    return search_command


def _communes() -> click.Command:
    from search_engines.commands import communes_command

    return communes_command


def _import() -> click.Command:
    from indexer.import_command import import_command

    return import_command


def _reindex() -> click.Command:
    from search_engines.commands import reindex_command

    return reindex_command


def _keys() -> click.Command:
    from api.commands import keys_group

    return keys_group


def _serve() -> click.Command:
    from relais.serve import serve_command

    return serve_command


def _openapi() -> click.Command:
    from api.commands import openapi_command

    return openapi_command


def _db() -> click.Command:
    from persistence.commands import db_group

    return db_group


def _users() -> click.Command:
    from accounts.commands import users_group

    return users_group


def _departements() -> click.Command:
    from accounts.commands import departements_group

    return departements_group


def _taches() -> click.Command:
    from handover.commands import taches_command

    return taches_command


def _demo() -> click.Command:
    from handover.demo.command import demo_command

    return demo_command


# name → loader of the command
COMMANDS: dict[str, Callable[[], click.Command]] = {
    "search": _search,
    "communes": _communes,
    "import": _import,
    "reindex": _reindex,
    "keys": _keys,
    "serve": _serve,
    "openapi": _openapi,
    "db": _db,
    "users": _users,
    "departements": _departements,
    "taches": _taches,
    "demo": _demo,
}
