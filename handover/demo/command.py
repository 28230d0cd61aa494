"""``relais demo``: load the demonstration's departments, territories, accounts and hand-overs
(``handover.demo.loader``), then list the accounts."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from accounts.models import AccountError
from handover.demo.loader import load
from handover.models import STATUSES, HandOverError

DEFAULT_FOLDER = Path("fixtures") / "demo"


@click.command("demo")
@click.option(
    "--dossier",
    "folder",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=DEFAULT_FOLDER,
    show_default=True,
    help="Dossier des fichiers de démonstration (ressources_51.csv…), d'où viennent les "
    "territoires.",
)
@click.option(
    "--mot-de-passe-stdin",
    "from_stdin",
    is_flag=True,
    help="Lit le mot de passe des comptes sur l'entrée standard (une ligne) ; sinon, il est "
    "demandé.",
)
@click.pass_context
def demo_command(ctx, folder, from_stdin):
    """Charge la démonstration : départements 51, 52, 48, leurs territoires d'action sociale,
    les comptes de chaque rôle (même mot de passe) et des orientations à chaque statut.

    Sans effet sur ce qui existe déjà (comptes, territoires modifiés, orientations).

    Exemple : echo demo-relais-2026 | relais demo --mot-de-passe-stdin
    """
    objects = ctx.find_object(dict)
    accounts = objects["accounts"]()  # checks that the relational store is up to date
    runtime = objects["runtime"]()
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Mot de passe", hide_input=True, confirmation_prompt="Confirmation")
    try:
        report = load(accounts, runtime.handovers, runtime.directory, folder, password)
    except (AccountError, HandOverError, FileNotFoundError) as exc:
        raise click.ClickException(str(exc)) from exc
    territories = ", ".join(f"{code} : {n}" for code, n in report.territories.items())
    click.echo(f"Territoires d'action sociale — {territories}.", err=True)
    if report.handovers:
        counts = ", ".join(
            f"{STATUSES[s].lower()} {report.handovers[s]}"
            for s in STATUSES
            if s in report.handovers
        )
        click.echo(f"Orientations créées — {counts}.", err=True)
    elif report.skipped:
        click.echo(f"Aucune orientation créée : {report.skipped}.", err=True)
    click.echo("\nComptes de démonstration :", err=True)
    width = max(len(e) for e, _ in report.accounts)
    for address, description in report.accounts:
        click.echo(f"  {address.ljust(width)}  {description}", err=True)
