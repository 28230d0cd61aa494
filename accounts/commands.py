"""CLI commands for people and departments: ``relais users …``, ``relais departements …``.

Each command calls one ``AccountService`` method (as the machine's operator: ``actor=None``)
and turns ``AccountError`` into a French message and exit code 1.
"""

from __future__ import annotations

import json
import secrets

import click

from accounts import roles
from accounts.models import AccountError


def _service(ctx: click.Context):
    # The composition root checks that the relational store is up to date (relais/cli.py).
    return ctx.find_object(dict)["accounts"]()


def _password(generate: bool, from_stdin: bool) -> str:
    if generate:
        return secrets.token_urlsafe(15)
    if from_stdin:
        return click.get_text_stream("stdin").readline().rstrip("\n")
    return click.prompt("Mot de passe", hide_input=True, confirmation_prompt="Confirmation")


password_options = [
    click.option(
        "--generer",
        "generate",
        is_flag=True,
        help="Crée un mot de passe aléatoire et l'affiche une fois.",
    ),
    click.option(
        "--mot-de-passe-stdin",
        "from_stdin",
        is_flag=True,
        help="Lit le mot de passe sur l'entrée standard (une ligne).",
    ),
]


def with_password(func):
    for option in reversed(password_options):
        func = option(func)
    return func


@click.group("users")
def users_group() -> None:
    """Gère les comptes locaux (créer, lister, réinitialiser, désactiver)."""


@users_group.command("create")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice(list(roles.ROLES)),
    required=True,
    help="Rôle du compte.",
)
@click.option("--departement", metavar="CODE", help="Département (sauf admin_national).")
@click.option("--agence", metavar="CODE", help="Code de l'agence France Travail (conseillers).")
@click.option("--nom", default="", help="Prénom et nom affichés.")
@click.option("--si-absent", "if_missing", is_flag=True, help="Ne fait rien si le compte existe.")
@with_password
@click.pass_context
def users_create(ctx, email, role, departement, agence, nom, if_missing, generate, from_stdin):
    """Crée un compte local actif, mot de passe haché avec Argon2.

    Exemple : relais users create anne@cd51.fr --role admin_departemental --departement 51 --generer
    """
    service = _service(ctx)
    if if_missing and service.store.find_user_by_email(email.strip().lower()):
        click.echo(f"Le compte {email} existe déjà.", err=True)
        return
    password = _password(generate, from_stdin)
    try:
        user = service.create_user(None, email, role, departement, agence, password, nom)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Compte {user.email} créé ({user.role_label}).", err=True)
    if generate:
        click.echo(password)


@users_group.command("list")
@click.option("--departement", metavar="CODE", help="Seulement ce département.")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@click.pass_context
def users_list(ctx, departement, as_json):
    """Liste les comptes (jamais les mots de passe).

    Exemple : relais users list --departement 51
    """
    users = _service(ctx).store.list_users(departement)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "email": u.email,
                        "role": u.role,
                        "departement": u.departement,
                        "agence": u.agence,
                        "statut": u.status,
                    }
                    for u in users
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for u in users:
        click.echo(f"{u.email}\t{u.role}\t{u.departement or '-'}\t{u.agence or '-'}\t{u.status}")


def _user_id(service, email: str) -> int:
    user = service.store.find_user_by_email(email.strip().lower())
    if user is None:
        raise click.ClickException(f"Aucun compte pour « {email} ».")
    return user.id


@users_group.command("reset-password")
@click.argument("email")
@with_password
@click.pass_context
def users_reset_password(ctx, email, generate, from_stdin):
    """Donne un nouveau mot de passe à un compte.

    Exemple : relais users reset-password anne@cd51.fr --generer
    """
    service = _service(ctx)
    user_id = _user_id(service, email)
    password = _password(generate, from_stdin)
    try:
        service.reset_password(None, user_id, password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Mot de passe de {email} changé.", err=True)
    if generate:
        click.echo(password)


@users_group.command("deactivate")
@click.argument("email")
@click.pass_context
def users_deactivate(ctx, email):
    """Désactive un compte (il ne peut plus se connecter).

    Exemple : relais users deactivate anne@cd51.fr
    """
    service = _service(ctx)
    service.deactivate(None, _user_id(service, email))
    click.echo(f"Compte {email} désactivé.", err=True)


@click.group("departements")
def departements_group() -> None:
    """Déclare les départements et leur partage de la base avec le Conseil départemental."""


@departements_group.command("set")
@click.argument("code")
@click.option(
    "--partage/--sans-partage",
    default=False,
    show_default=True,
    help="Le Conseil départemental partage la base : ses agents peuvent se connecter.",
)
@click.pass_context
def departements_set(ctx, code, partage):
    """Déclare un département (et son Conseil départemental).

    Exemple : relais departements set 51 --partage
    """
    try:
        departement = _service(ctx).set_departement(None, code, partage)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    state = "partage la base" if departement.partage else "ne partage pas la base"
    click.echo(f"Département {departement.code} : le Conseil départemental {state}.", err=True)
