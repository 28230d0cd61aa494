"""CLI commands of searching: ``relais search``, ``relais communes`` and ``relais reindex``.

Each command calls one library function and turns domain errors into a clear French message
and a non-zero exit.
"""

from __future__ import annotations

import json
import re

import click

from resource_base.audience import Audience
from resource_base.search import EngineUnavailable, SearchError, SearchQuery


def runtime_from(ctx: click.Context):
    return ctx.find_object(dict)["runtime"]()


def echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.command("search")
@click.option(
    "--commune",
    "code_commune",
    help="Commune de la personne : code INSEE (2A004 ou 2a004) ou nom (« Ajaccio », « saint dizer »).",
)
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
@click.option(
    "--ouvert",
    type=click.Choice(["maintenant", "aujourdhui"]),
    help="Lieux ouverts maintenant ou aujourd'hui (heure locale du lieu).",
)
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
    options = {k: (tuple(v) if isinstance(v, tuple) else v) for k, v in options.items()}
    if options["code_commune"] is not None:
        options["code_commune"] = _commune_code(ctx, runtime.directory, options["code_commune"])
    query = SearchQuery(
        **options, audience=Audience.PROFESSIONAL if professionnels else Audience.PUBLIC
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
    if len(result.lieu.communes) > 1:
        click.echo(
            f"Le code postal {query.code_postal} couvre {len(result.lieu.communes)} communes : "
            "seules les ressources ouvertes à chacune sont montrées. Pour la commune de la "
            f"personne : relais communes {query.code_postal}, puis --commune CODE.",
            err=True,
        )
    click.echo(
        f"{data['total']} ressource(s) pour {data['lieu']['libelle']} — page {data['page']}/{max(data['pages'], 1)}"
    )
    if data["texte_compris"]:
        click.echo(f"Résultats pour « {data['texte_compris']} » (saisi : « {query.q} »)")
    for rank, item in enumerate(data["items"], start=(data["page"] - 1) * data["size"] + 1):
        click.echo(f"{rank:>3}. {item['nom']} — {item['nom_structure']}")
        click.echo(f"     {item['explication']['portee']} · {item['explication']['eligibilite']}")
        themes = ", ".join(m["libelle"] for m in item["explication"]["thematiques"])
        if themes:
            click.echo(f"     Besoins : {themes}")
        words = item["explication"]["mots"] + item["explication"]["synonymes"]
        if words:
            click.echo(f"     Mots : {', '.join(words)}")
    counts = {k: v for k, v in data["facettes"]["thematiques"].items() if v}
    if counts:
        click.echo("Par besoin : " + ", ".join(f"{k} {v}" for k, v in counts.items()))


def _commune_code(ctx: click.Context, directory, typed: str) -> str:
    """The INSEE code of ``--commune``: a code as given (the contract checks it), else the
    one commune a name means; several equally likely communes are listed, exit 2."""
    if typed.strip().isdigit() or re.fullmatch(r"[0-9][0-9ABab][0-9]{3}", typed.strip()):
        return typed.strip()
    match = directory.resolve(typed, limit=10)
    if not match.communes:
        click.echo(f"Erreur (commune) : aucune commune ne correspond à « {typed} ».", err=True)
        ctx.exit(2)
    best = match.best
    same = [c for c in match.communes if c.nom == best.nom]
    if len(same) > 1:
        click.echo(f"« {typed} » désigne plusieurs communes ; précisez --commune CODE :", err=True)
        for c in same:
            click.echo(f"  {_commune_line(c)}", err=True)
        ctx.exit(2)
    if match.corrigee or best.nom.casefold() != typed.strip().casefold():
        click.echo(f"Commune comprise : {_commune_line(best)}", err=True)
    return best.code_insee


def _commune_line(c) -> str:
    return f"{c.code_insee}  {c.nom} ({', '.join(c.codes_postaux)}) — {c.departement_libelle}"


@click.command("communes")
@click.argument("texte")
@click.option("--limit", type=int, default=10, show_default=True)
@click.option(
    "--departement", help="Département de l'utilisateur : ses homonymes d'abord (ex. 51, 2A)."
)
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@click.pass_context
def communes_command(ctx, texte, limit, departement, as_json):
    """Cherche une commune : nom (même avec une faute), code postal, code INSEE.

    Exemples : relais communes "chal" ; relais communes 52200 ; relais communes 2a004
    """
    runtime = runtime_from(ctx)
    match = runtime.directory.resolve(
        texte, limit=limit, departement=departement.upper() if departement else None
    )
    if as_json:
        echo_json([c.to_dict() for c in match.communes])
        return
    if not match.communes:
        click.echo(f"Aucune commune ne correspond à « {texte} ».")
    elif match.choose:
        click.echo(f"Le code postal {texte.strip()} couvre {len(match.communes)} communes :")
    elif match.corrigee:
        click.echo(f"Aucune commune ne s'écrit « {texte} » ; communes proches :")
    for c in match.communes:
        click.echo(_commune_line(c))


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
