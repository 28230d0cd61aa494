"""``bench/run``: command-line options, progress on stderr (in French), JSON on stdout."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bench.core import ENGINES, Options, run_benchmark


def _int_list(text: str) -> list[int]:
    """``"10000,100000"`` → ``[10000, 100000]``; ``"0"`` → ``[]`` (no resource size: the
    search measures are left out, e.g. to run the hand-over measures alone)."""
    try:
        values = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"liste d'entiers attendue : {text}") from exc
    if values == [0]:
        return []
    if not values or any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError(f"tailles positives attendues (ou 0 : aucune) : {text}")
    return values


def _engines(text: str) -> list[str]:
    values = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [v for v in values if v not in ENGINES]
    if unknown or not values:
        raise argparse.ArgumentTypeError(
            f"moteur(s) inconnu(s) : {', '.join(unknown) or '(aucun)'} ; possibles : {', '.join(ENGINES)}"
        )
    return values


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="bench/run",
        description="Banc de mesure de Relais : import, recherche embarquée, communes, "
        "Elasticsearch et charge HTTP. Rapport JSON sur la sortie standard.",
    )
    p.add_argument(
        "--sizes",
        type=_int_list,
        default=[10_000, 100_000],
        help="tailles (10000,100000 ; 0 : aucune)",
    )
    p.add_argument("--engines", type=_engines, default=["embedded"], help="embedded,elasticsearch")
    p.add_argument("--http", action="store_true", help="ajoute la charge HTTP (gunicorn + wrk)")
    p.add_argument("--queries", type=int, default=600, help="recherches mesurées par moteur (600)")
    p.add_argument("--warmup", type=int, default=60, help="recherches d'échauffement (60)")
    p.add_argument("--lookups", type=int, default=2000, help="recherches de communes (2000)")
    p.add_argument("--seed", type=int, default=42, help="graine des données synthétiques (42)")
    p.add_argument("--query-seed", type=int, default=2026, help="graine du mélange de requêtes")
    p.add_argument("--out", type=Path, help="écrit aussi le rapport JSON dans ce fichier")
    p.add_argument("--es-port", type=int, default=9260, help="port du nœud Elasticsearch (9260)")
    p.add_argument("--keep-es", action="store_true", help="laisse Elasticsearch tourner à la fin")
    p.add_argument("--keep-data", action="store_true", help="garde les magasins SQLite mesurés")
    p.add_argument("--http-size", type=int, help="taille servie en HTTP (la plus grande)")
    p.add_argument("--http-duration", type=float, default=20.0, help="durée de mesure HTTP (20 s)")
    p.add_argument("--http-warmup", type=float, default=4.0, help="échauffement HTTP (4 s)")
    p.add_argument("--http-connections", type=int, help="connexions (2 par worker gunicorn)")
    p.add_argument("--http-workers", type=int, help="workers gunicorn (réglage RELAIS_WORKERS)")
    p.add_argument(
        "--http-max-requests", type=int, default=100_000, help="plafond de requêtes HTTP (100000)"
    )
    p.add_argument(
        "--http-client", choices=("auto", "wrk", "python"), default="auto", help="générateur"
    )
    p.add_argument(
        "--import-rows",
        type=int,
        default=1_000_000,
        help="lignes du gros fichier dont l'import est mesuré en mémoire (1000000 ; 0 : sans)",
    )
    p.add_argument(
        "--handovers",
        type=int,
        default=100_000,
        help="dossiers d'accompagnement historiques (100000 ; 0 : sans ces mesures)",
    )
    p.add_argument(
        "--handover-requests", type=int, default=200, help="requêtes par page d'accompagnement"
    )
    p.add_argument(
        "--needs-events",
        type=int,
        default=10_000_000,
        help="événements de recherche du cas « besoins non couverts » (10000000 ; 0 : sans)",
    )
    p.add_argument("--cache-dir", type=Path, help="cache des données (.cache/bench)")
    return p


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.queries < 1 or args.lookups < 1 or args.warmup < 0:
        parser().error("--queries et --lookups doivent être positifs")
    options = Options(
        sizes=args.sizes,
        engines=args.engines,
        http=args.http,
        queries=args.queries,
        warmup=args.warmup,
        lookups=args.lookups,
        seed=args.seed,
        query_seed=args.query_seed,
        es_port=args.es_port,
        keep_es=args.keep_es,
        keep_data=args.keep_data,
        http_size=args.http_size,
        http_duration_s=args.http_duration,
        http_warmup_s=args.http_warmup,
        http_connections=args.http_connections,
        http_workers=args.http_workers,
        http_max_requests=args.http_max_requests,
        http_client=args.http_client,
        import_rows=args.import_rows,
        handovers=args.handovers,
        handover_requests=args.handover_requests,
        needs_events=args.needs_events,
    )
    if args.cache_dir:
        options.cache_dir = args.cache_dir
    report = run_benchmark(options, log=log)
    text = json.dumps(report, ensure_ascii=False, indent=2)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
        log(f"rapport écrit dans {args.out}")
    missed = [t["mesure"] for t in report["synthese"] if not t["atteinte"]]
    log(
        f"terminé en {report['duree_totale_s']:.0f} s ; "
        + (
            f"cibles manquées : {', '.join(missed)}"
            if missed
            else "toutes les cibles mesurées sont atteintes"
        )
    )
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
