"""CLI commands of the API: ``relais keys …`` and ``relais openapi``.

Each command calls one library function and turns its errors into a French message and a
non-zero exit.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from accounts.key_organisations import AGENCE_ROLES, BindingError, bind
from api.keys import (
    DEFAULT_RATE_LIMIT,
    SCOPE_PROFESSIONNELS,
    KeyService,
    KeyStoreError,
)


def _runtime(ctx: click.Context):
    return ctx.find_object(dict)["runtime"]()


def _store(ctx: click.Context) -> KeyService:
    # The composition root checks that the relational store is up to date (relais/cli.py).
    return ctx.find_object(dict)["keys"]()


def _create_app(ctx: click.Context):
    # The composition root passes its app factory in the context object (relais/cli.py).
    return ctx.find_object(dict)["app"]()


@click.group("keys")
def keys_group() -> None:
    """Gère les clés d'API (créer, lister, révoquer)."""


@keys_group.command("create")
@click.argument("name")
@click.option(
    "--origine",
    "origins",
    multiple=True,
    metavar="URL",
    help="Origine web autorisée (CORS), ex. https://intranet.example.fr ; répétable ; « * » pour toutes.",
)
@click.option(
    "--limite",
    "rate_limit",
    type=click.IntRange(min=0),
    default=DEFAULT_RATE_LIMIT,
    show_default=True,
    help="Requêtes par minute (0 : sans limite).",
)
@click.option(
    "--professionnels",
    is_flag=True,
    help="Donne accès aux ressources réservées aux professionnels.",
)
@click.option(
    "--organisation",
    metavar="TYPE:CODE",
    help="Organisation pour qui la clé agit sur les orientations (portée « accompagnements ») : "
    "agence:FT51001 (comme un conseiller de l'agence), departement:51 (comme l'administrateur "
    "du Conseil départemental) ou territoire:ID, territoire:51:NOM (comme le coordinateur du "
    "territoire).",
)
@click.option(
    "--role",
    type=click.Choice(AGENCE_ROLES),
    help="Pour une clé d'agence : conseiller (par défaut) ou conseiller_ag.",
)
@click.pass_context
def keys_create(ctx, name, origins, rate_limit, professionnels, organisation, role):
    """Crée une clé d'API et l'affiche, une seule fois.

    Exemple : relais keys create intranet-51 --origine https://intranet.example.fr --limite 300

    Exemple : relais keys create si-ft-51 --organisation agence:FT51001 --professionnels
    """
    scopes = [SCOPE_PROFESSIONNELS] if professionnels else []
    if role and not organisation:
        raise click.ClickException("--role s'emploie avec --organisation agence:CODE.")
    try:
        binding = None
        if organisation:
            binding = bind(organisation, ctx.find_object(dict)["accounts"](), role)
        key, token = _store(ctx).create(name, origins, rate_limit, scopes, binding)
    except (KeyStoreError, BindingError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(token)
    if key.binding:
        click.echo(f"Organisation : {key.binding.label}.", err=True)
    click.echo(
        f"Clé « {key.name} » créée. Conservez-la : elle ne sera plus affichée "
        "(seule son empreinte est enregistrée).",
        err=True,
    )


@keys_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@click.pass_context
def keys_list(ctx, as_json):
    """Liste les clés d'API (actives et révoquées), sans les clés elles-mêmes.

    Exemple : relais keys list --json
    """
    keys = _store(ctx).list_keys()
    if as_json:
        click.echo(json.dumps([k.to_dict() for k in keys], ensure_ascii=False, indent=2))
        return
    if not keys:
        click.echo("Aucune clé d'API.")
    for key in keys:
        state = "active" if key.active else f"révoquée le {key.revoked_at}"
        limit = f"{key.rate_limit}/min" if key.rate_limit else "sans limite"
        origins = ", ".join(key.origins) or "aucune origine web"
        scopes = f" · portées : {', '.join(sorted(key.scopes))}" if key.scopes else ""
        bound = f" · pour : {key.binding.label}" if key.binding else ""
        click.echo(
            f"{key.name} ({key.token_hint}…) — {state} — {limit} — {origins}{scopes}{bound} "
            f"— créée le {key.created_at}"
        )


@keys_group.command("revoke")
@click.argument("name")
@click.pass_context
def keys_revoke(ctx, name):
    """Révoque la clé d'API active de ce nom (effet immédiat).

    Exemple : relais keys revoke intranet-51
    """
    try:
        key = _store(ctx).revoke(name)
    except KeyStoreError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Clé « {key.name} » révoquée le {key.revoked_at}.")


@click.command("openapi")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Fichier à écrire (ex. api/openapi.json) ; sinon, la sortie standard.",
)
@click.pass_context
def openapi_command(ctx, output):
    """Produit le document OpenAPI de l'API.

    Exemple : relais openapi --output api/openapi.json
    """
    from api import docs

    text = docs.spec_text(_create_app(ctx))
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"Document OpenAPI écrit dans {output}.", err=True)
