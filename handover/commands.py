"""``relais taches``: the scheduled work of the hand-over (cron, every 10 minutes)."""

from __future__ import annotations

import json
from datetime import date

import click

from handover.dates import today_in_france
from handover.tasks import run_tasks


@click.command("taches")
@click.option(
    "--date",
    "day",
    metavar="AAAA-MM-JJ",
    help="Jour à prendre pour aujourd'hui (essais et démonstrations) ; par défaut, le jour même.",
)
@click.option("--json", "as_json", is_flag=True, help="Écrit le bilan en JSON.")
@click.pass_context
def taches_command(ctx, day, as_json):
    """Relances, escalades, expirations, purge des textes libres et anonymisation des
    orientations, pour tous les départements. Sans effet si rien n'est dû : peut tourner
    toutes les 10 minutes.

    Exemple : relais taches   (cron : */10 * * * * relais taches)
    """
    try:
        today = date.fromisoformat(day) if day else today_in_france()
    except ValueError:
        click.echo(
            f"Erreur (--date) : « {day} » n'est pas une date (attendu : AAAA-MM-JJ).", err=True
        )
        ctx.exit(2)
    state = ctx.find_object(dict)
    service = state["handovers"]()  # checks that the relational store is up to date
    runtime = state["runtime"]()
    notifier = runtime.handover_notifier
    report = run_tasks(
        service,
        runtime.handover_tasks,
        notifier,
        today,
        flush=notifier.flush,
        mail_enabled=notifier.mailer.enabled,
        backlog=notifier.backlog,
        refresh=runtime.dashboard_snapshots.refresh,
    )
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(report.summary())
    if report.erreurs:
        ctx.exit(1)
