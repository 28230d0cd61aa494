"""``relais import``: load a department's files (or a data·inclusion source) into Relais."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from indexer.formats import FORMATS, InvalidImportFile
from indexer.importer import ImportRefused, ImportReport, StoreBusy, import_files
from resource_base.search import EngineUnavailable

# Exit codes, documented in the command's help.
EXIT_REFUSED = 1
EXIT_INVALID = 2
EXIT_ENGINE = 3
EXIT_BUSY = 4
SHOWN_REJECTIONS = 20


class _ProgressBars:
    """One click progress bar per step, on stderr."""

    LABELS = {"validation": "Validation  ", "ecriture": "Indexation  "}

    def __init__(self):
        self.bars: dict[str, object] = {}
        self.done: dict[str, int] = {}

    def __call__(self, step: str, done: int, total: int | None, **_counts) -> None:
        if total is None:  # rows still being read: their number is not known yet
            click.echo(
                f"\r{self.LABELS.get(step, step)} {done} ligne(s) lue(s)", nl=False, err=True
            )
            return
        bar = self.bars.get(step)
        if bar is None:
            for other in self.bars.values():
                other.render_finish()
            bar = click.progressbar(
                length=max(total, 1), label=self.LABELS.get(step, step), file=sys.stderr
            )
            bar.__enter__()
            self.bars[step] = bar
            self.done[step] = 0
        bar.update(done - self.done[step])
        self.done[step] = done

    def close(self) -> None:
        for bar in self.bars.values():
            bar.__exit__(None, None, None)


@click.command("import")
@click.argument(
    "fichiers", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@click.option(
    "--departement",
    help="Département qui publie les ressources (CSV/XLSX) ; pour data·inclusion, celui des "
    "services sans commune.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="auto",
    show_default=True,
    help="Format des fichiers (auto : d'après l'extension et le contenu).",
)
@click.option(
    "--rejets",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Fichier CSV des lignes rejetées (par défaut : DATA_DIR/rejets/<date>-<département>.csv).",
)
@click.option("--json", "as_json", is_flag=True, help="Résumé JSON sur la sortie standard.")
@click.option(
    "--force",
    is_flag=True,
    help="Importer malgré plus de 20 % de rejets ou la suppression de plus de la moitié des "
    "ressources actuelles.",
)
@click.pass_context
def import_command(ctx, fichiers, departement, fmt, rejets, as_json, force):
    """Importe des ressources (CSV, XLSX ou data·inclusion) et remplace d'un bloc celles de
    leur département (ou de leur source data·inclusion).

    Colonnes du modèle : voir fixtures/modele_import.csv ; listes séparées par « | ».
    Codes de sortie : 0 importé, 1 import refusé (rien n'est modifié), 2 fichier illisible,
    3 magasin à jour mais moteur de recherche indisponible, 4 magasin occupé par un autre
    import (rien n'est modifié).

    Exemple : relais import ressources-51.csv --departement 51
    """
    # The composition root (relais/cli.py) passes a runtime factory in the context object.
    runtime = ctx.find_object(dict)["runtime"]()
    bars = _ProgressBars() if not as_json and sys.stderr.isatty() else None
    try:
        report = import_files(
            runtime,
            list(fichiers),
            departement=departement,
            fmt=fmt,
            rejets=rejets,
            force=force,
            progress=bars,
        )
    except InvalidImportFile as exc:
        _print_refusal(exc.message, fichiers, as_json)
        click.echo(f"Fichier refusé : {exc.message}", err=True)
        ctx.exit(EXIT_INVALID)
    except ImportRefused as exc:
        _print(exc.report, as_json)
        click.echo(exc.message, err=True)
        ctx.exit(EXIT_REFUSED)
    except StoreBusy as exc:
        _print_refusal(exc.message, fichiers, as_json)
        click.echo(exc.message, err=True)
        ctx.exit(EXIT_BUSY)
    except EngineUnavailable as exc:
        click.echo(
            f"Ressources enregistrées, mais moteur de recherche indisponible : {exc.message}",
            err=True,
        )
        ctx.exit(EXIT_ENGINE)
    finally:
        if bars is not None:
            bars.close()
    _print(report, as_json)


def _print_refusal(message: str, fichiers, as_json: bool) -> None:
    """With ``--json``, the answer of an import that wrote nothing: ``{"refus", "fichiers"}``."""
    if as_json:
        answer = {"refus": message, "fichiers": [str(f) for f in fichiers]}
        click.echo(json.dumps(answer, ensure_ascii=False))


def _print(report: ImportReport, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    scope = f"département {report.departement or '?'}"
    if report.source:
        scope += f", source {report.source}"
    title = "Import refusé" if report.refus else "Import terminé"
    click.echo(f"{title} — {scope} ({len(report.fichiers)} fichier(s), {report.format})")
    click.echo(f"  lignes acceptées : {report.acceptees}, rejetées : {report.rejetees}")
    if not report.refus:
        click.echo(
            f"  ajoutées : {report.ajoutees}, modifiées : {report.modifiees}, "
            f"supprimées : {report.supprimees}, inchangées : {report.inchangees}"
        )
        click.echo(f"  durée : {report.duree_s:.2f} s".replace(".", ",", 1))
    if report.rejets:
        where = f" — détail dans {report.rejets_fichier}" if report.rejets_fichier else ""
        click.echo(f"Lignes rejetées ({report.rejetees}){where} :")
        for rejection in report.rejets[:SHOWN_REJECTIONS]:
            place = f"ligne {rejection.ligne}"
            if len(report.fichiers) > 1:
                place = f"{Path(rejection.fichier).name}, {place}"
            click.echo(f"  {place} [{rejection.champ}] {rejection.motif}")
        if report.rejetees > SHOWN_REJECTIONS:
            click.echo(f"  … et {report.rejetees - SHOWN_REJECTIONS} autre(s)")
    for warning in report.avertissements:
        click.echo(f"Avertissement : {warning}")
