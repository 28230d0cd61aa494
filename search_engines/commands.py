"""CLI commands of searching: ``relais search``, ``relais communes`` and ``relais reindex``.

Each command calls one library function and turns domain errors into a clear French message
and a non-zero exit.
"""

from __future__ import annotations

import json

import click

from resource_base.audience import Audience
from resource_base.search import EngineUnavailable, SearchError, SearchQuery


def runtime_from(ctx: click.Context):
    return ctx.find_object(dict)["runtime"]()


def echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.command("search")
@click.option("--commune", "code_commune", help="Code INSEE de la commune de la personne.")
@click.option("--lat", type=float, help="Latitude (avec --lon).")
@click.option("--lon", type=float, help="Longitude (avec --lat).")
@click.option("--code-postal", help="Code postal de la personne.")
@click.option(
    "--thematique", "thematiques", multiple=True, help="Thématique ou catégorie (répétable)."
)
@click.option("--q", help="Texte libre.")
@click.option("--public", "publics", multiple=True, help="Public visé (répétable).")
@click.option("--mode-accueil", "modes_accueil", multiple=True, help="en-presentiel ou a-distance.")
@click.option("--frais", multiple=True, help="gratuit ou payant (répétable).")
@click.option("--rayon-km", type=float, default=30.0, show_default=True, help="Rayon en km.")
@click.option("--page", type=int, default=1, show_default=True)
@click.option("--size", type=int, default=20, show_default=True)
@click.option(
    "--professionnels", is_flag=True, help="Inclure les ressources réservées aux professionnels."
)
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON (la forme de l'API).")
@click.pass_context
def search_command(ctx, as_json, professionnels, **options):
    """Cherche des ressources pour une personne.

    Exemple : relais search --commune 51108 --thematique logement-hebergement --q dettes
    """
    runtime = runtime_from(ctx)
    query = SearchQuery(
        **{k: (tuple(v) if isinstance(v, tuple) else v) for k, v in options.items()},
        audience=Audience.PROFESSIONAL if professionnels else Audience.PUBLIC,
    )
    try:
        result = runtime.search_service.search(query)
    except SearchError as exc:
        for name, messages in exc.errors.items():
            click.echo(f"Erreur ({name}) : {' '.join(messages)}", err=True)
        ctx.exit(2)
    except EngineUnavailable as exc:
        click.echo(f"Moteur de recherche indisponible : {exc.message}", err=True)
        ctx.exit(3)
    data = result.to_dict()
    if as_json:
        echo_json(data)
        return
    click.echo(
        f"{data['total']} ressource(s) pour {data['lieu']['libelle']} — page {data['page']}/{max(data['pages'], 1)}"
    )
    for rank, item in enumerate(data["items"], start=(data["page"] - 1) * data["size"] + 1):
        click.echo(f"{rank:>3}. {item['nom']} — {item['nom_structure']}")
        click.echo(f"     {item['explication']['portee']} · {item['explication']['eligibilite']}")
        themes = ", ".join(m["libelle"] for m in item["explication"]["thematiques"])
        if themes:
            click.echo(f"     Besoins : {themes}")
    counts = {k: v for k, v in data["facettes"]["thematiques"].items() if v}
    if counts:
        click.echo("Par besoin : " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@click.command("communes")
@click.argument("texte")
@click.option("--limit", type=int, default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@click.pass_context
def communes_command(ctx, texte, limit, as_json):
    """Cherche une commune par début de nom ou code postal.

    Exemple : relais communes "chal"
    """
    runtime = runtime_from(ctx)
    communes = runtime.directory.search(texte, limit=limit)
    if as_json:
        echo_json([c.to_dict() for c in communes])
        return
    if not communes:
        click.echo(f"Aucune commune ne correspond à « {texte} ».")
    for c in communes:
        click.echo(
            f"{c.code_insee}  {c.nom} ({', '.join(c.codes_postaux)}) — département {c.departement}"
        )


@click.command("reindex")
@click.option(
    "--rollback", is_flag=True, help="Revenir à l'index précédent (gardé par le dernier reindex)."
)
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@click.pass_context
def reindex_command(ctx, rollback, as_json):
    """Reconstruit l'index Elasticsearch depuis le magasin et bascule l'alias.

    Exemple : relais reindex ; relais reindex --rollback
    """
    from search_engines.elasticsearch import ReindexError

    runtime = runtime_from(ctx)
    engine = runtime.elasticsearch
    try:
        report = engine.rollback() if rollback else runtime.reindex_elasticsearch()
    except EngineUnavailable as exc:
        click.echo(f"Elasticsearch indisponible : {exc.message}", err=True)
        ctx.exit(3)
    except ReindexError as exc:
        click.echo(f"Échec, l'alias reste sur l'index qui servait : {exc}", err=True)
        ctx.exit(1)
    if as_json:
        echo_json(report)
    elif rollback:
        click.echo(
            f"Alias « {engine.alias} » rétabli sur {report['index']} (retiré : {report['retire']})."
        )
    else:
        click.echo(
            f"Index {report['index']} : {report['documents']} ressources en {report['duree_s']} s ; "
            f"alias « {engine.alias} » basculé (précédent gardé : {report['precedent'] or 'aucun'})."
        )
