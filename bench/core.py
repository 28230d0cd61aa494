"""The benchmark's measurements, as one library function: ``run_benchmark(Options())``.

Every figure that has a target in the issues comes as ``{"valeur", "cible", "atteinte"}``;
``synthese`` lists them all. Timings use ``time.perf_counter`` around the call measured and
nothing else (no logging, no JSON encoding inside the timed section).
"""

from __future__ import annotations

import contextlib
import gc
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import data, es, mix, web_page
from bench.stats import ROOT, load_average, machine_info, peak_rss_mb
from relais import settings as settings_module
from resource_base.geo import CommuneDirectory

ENGINES = ("embedded", "elasticsearch")


@dataclass
class Options:
    sizes: list[int] = field(default_factory=lambda: [10_000, 100_000])
    engines: list[str] = field(default_factory=lambda: ["embedded"])
    http: bool = False
    queries: int = 600
    warmup: int = 60
    lookups: int = 2000
    seed: int = 42
    query_seed: int = 2026
    es_port: int = 9260
    keep_es: bool = False
    keep_data: bool = False
    http_size: int | None = None  # default: the largest size
    http_duration_s: float = 20.0
    http_warmup_s: float = 4.0
    http_connections: int | None = None  # default: 2 per gunicorn worker
    http_workers: int | None = None  # default: what gunicorn.conf.py says
    http_max_requests: int = 100_000
    http_client: str = "auto"  # auto (wrk, else Python), wrk, python
    import_rows: int = 1_000_000  # one file of this many rows, for the import's memory; 0: skip
    handovers: int = 100_000  # historical hand-overs (issue 10); 0: skip those measures
    handover_requests: int = 200  # requests per hand-over page measured
    needs_events: int = 10_000_000  # search events of the unmet-needs case (issue 13); 0: skip
    needs_requests: int = 30  # timed requests per unmet-needs page
    cache_dir: Path = ROOT / ".cache" / "bench"
    work_dir: Path | None = None  # default: a fresh folder under cache_dir/travail


from bench.measures import (  # noqa: E402
    TARGET_SEARCH_P95_MS,
    Log,
    _error,
    _measured,
    _no_log,
    _p95,
    _runtime,
    measure_es,
    measure_http,
    measure_import,
    measure_lookups,
    measure_relevance,
    measure_search,
    measure_store_write,
)


def _absent(section: dict, path: str = "accompagnements") -> list[str]:
    """The measures reported ``{"absent": why}`` (a page or command not in this tree)."""
    found = []
    for key, value in section.items():
        if isinstance(value, dict):
            if "absent" in value:
                found.append(f"{path}.{key} : {value['absent']}")
            else:
                found += _absent(value, f"{path}.{key}")
    return found


def _targets(report: dict) -> list[dict]:
    """Every figure with a target, in one list."""
    found = []

    def add(label: str, figure) -> None:
        if isinstance(figure, dict) and "atteinte" in figure:
            found.append({"mesure": label, **figure})

    for size, part in report["tailles"].items():
        add(f"import {size} (ressources/s)", part.get("import", {}).get("ressources_par_s"))
        add(
            f"recherche embarquée {size} p95 (ms)",
            part.get("recherche_embarquee", {}).get("latence_ms", {}).get("p95"),
        )
        add(f"communes {size} p95 (ms)", part.get("communes", {}).get("latence_ms", {}).get("p95"))
        pages = part.get("pages") or {}
        add(
            f"page de recherche connectée {size} p95 (ms)",
            ((pages.get("page_recherche_connecte") or {}).get("latence_ms") or {}).get("p95"),
        )
        add(
            f"api avec clé / sans clé {size} (rapport des p95)",
            (pages.get("api_recherche") or {}).get("rapport_p95"),
        )
        es = part.get("elasticsearch") or {}
        add(
            f"elasticsearch {size} indexation (ressources/s)",
            (es.get("indexation") or {}).get("ressources_par_s"),
        )
        add(
            f"elasticsearch {size} recherche p95 (ms)",
            ((es.get("recherche") or {}).get("latence_ms") or {}).get("p95"),
        )
    big = report.get("import_gros_fichier") or {}
    add(
        f"import d'un fichier de {big.get('lignes')} lignes, RSS pic (Mo)",
        big.get("rss_pic_total_mo"),
    )
    handover = report.get("accompagnements") or {}
    add(
        "corbeille d'un territoire p95 (ms)",
        ((handover.get("corbeille_coordinateur") or {}).get("latence_ms") or {}).get("p95"),
    )
    for who, part in (handover.get("tableau_de_bord") or {}).items():
        add(
            f"tableau de bord des délais ({who}) p95 (ms)",
            (part.get("latence_ms") or {}).get("p95"),
        )
    tasks = handover.get("taches") or {}
    add("relais taches sur tous les dossiers (s)", tasks.get("duree_s"))
    add("relais taches, second passage (s)", (tasks.get("second_passage") or {}).get("duree_s"))
    for name, part in (report.get("besoins_non_couverts") or {}).items():
        if isinstance(part, dict) and "latence_ms" in part:
            events = report["besoins_non_couverts"]["mise_en_place"]["evenements"]
            add(
                f"besoins non couverts {name} ({events} événements) p95 (ms)",
                part["latence_ms"]["p95"],
            )
    for engine, part in (report.get("pertinence") or {}).items():
        add(f"pertinence {engine} part dans les 3 premiers", part.get("top3"))
    for engine, part in (report.get("http") or {}).items():
        if not isinstance(part, dict):
            continue
        add(f"http {engine} p95 (ms)", (part.get("latence_ms") or {}).get("p95"))
        add(f"http {engine} requêtes/s", part.get("requetes_par_s"))
    return found


def run_benchmark(
    options: Options, directory: CommuneDirectory | None = None, log: Log = _no_log
) -> dict:
    """Run every measurement the options ask for and return the report (a JSON-able dict)."""
    started = time.perf_counter()
    for engine in options.engines:
        if engine not in ENGINES:
            raise ValueError(f"moteur inconnu : {engine} (possibles : {', '.join(ENGINES)})")
    settings = settings_module.load()
    report: dict = {
        "machine": machine_info(),
        "parametres": {
            "tailles": options.sizes,
            "moteurs": options.engines,
            "http": options.http,
            "requetes": options.queries,
            "echauffement": options.warmup,
            "recherches_communes": options.lookups,
            "graine_donnees": options.seed,
            "graine_requetes": options.query_seed,
            "lignes_gros_fichier": options.import_rows,
            "accompagnements": options.handovers,
            "evenements_besoins": options.needs_events,
        },
        "tailles": {},
    }
    cache_dir = Path(options.cache_dir)
    work_dir = Path(options.work_dir or cache_dir / "travail" / time.strftime("%Y%m%d-%H%M%S"))
    work_dir.mkdir(parents=True, exist_ok=True)
    if directory is None:
        log("lecture du référentiel des communes…")
        directory = CommuneDirectory.load(settings["DECOUPAGE_DIR"], settings["COMMUNES_CSV"])
    queries = mix.search_queries(directory, options.queries, seed=options.query_seed)
    warmup = mix.search_queries(directory, max(1, options.warmup), seed=options.query_seed + 100)
    prefixes = mix.commune_prefixes(directory, options.lookups, seed=options.query_seed + 1)

    node = None
    if "elasticsearch" in options.engines:
        log(f"démarrage d'Elasticsearch sur 127.0.0.1:{options.es_port}…")
        try:
            node = es.start(options.es_port)
        except Exception as exc:
            report["elasticsearch_demarrage"] = _error(exc)
            log(f"Elasticsearch indisponible : {exc}")
        if node is not None:
            try:
                report["machine"].update(es.describe(node))
                dropped = es.drop_bench_indices(es.client(node))
                if dropped:
                    log(f"index d'un banc précédent supprimés : {', '.join(dropped)}")
            except Exception as exc:  # description only: the measurements will tell
                report["machine"]["elasticsearch"] = _error(exc)["erreur"]

    data_dirs: dict[int, Path] = {}
    try:
        report["pertinence"] = {}
        # Without a resource size (``--sizes 0``), no search measure at all, relevance included.
        for engine in options.engines if options.sizes else []:
            if engine == "elasticsearch" and node is None:
                report["pertinence"][engine] = {"erreur": "Elasticsearch n'a pas démarré"}
                continue
            report["pertinence"][engine] = _measured(
                measure_relevance, engine, node, directory, work_dir / f"pertinence-{engine}", log
            )
        for size in options.sizes:
            log(f"=== {size} ressources ===")
            part: dict = {}
            report["tailles"][str(size)] = part
            dataset = data.load_or_generate(
                size, options.seed, directory, settings, cache_dir, log=log
            )
            part["donnees"] = dataset.describe()
            largest_csv_files = dataset.csv_files

            import_dir = work_dir / f"n{size}-import"
            log(f"import de {size} ressources ({len(dataset.csv_files)} fichiers CSV)…")
            part["import"] = _measured(measure_import, dataset, directory, import_dir, log)
            if "erreur" in part["import"]:
                log(f"  import en échec : {part['import']['erreur']}")

            write_dir = work_dir / f"n{size}-ecriture"
            log("écriture directe dans le magasin (Store.replace + tables embarquées)…")
            part["ecriture_magasin"] = _measured(measure_store_write, dataset, directory, write_dir)
            # The generated objects are not needed any more: a process that serves searches
            # does not hold 100k Resource objects, whose traversal by the garbage collector
            # would add pauses to the latencies measured below.
            dataset.resources = []
            gc.collect()
            # Searches run on the imported data; on the directly written store if the import
            # failed.
            search_dir = import_dir if part["import"].get("complet") else write_dir
            part["magasin_des_recherches"] = (
                "import" if search_dir == import_dir else "ecriture_magasin"
            )
            data_dirs[size] = search_dir
            if search_dir == import_dir:
                shutil.rmtree(write_dir, ignore_errors=True)

            log(f"recherche embarquée : {options.warmup} d'échauffement, {len(queries)} mesurées…")
            part["recherche_embarquee"] = _measured(
                measure_search,
                _runtime(directory, search_dir),
                queries,
                warmup,
                TARGET_SEARCH_P95_MS,
            )
            log("page de recherche connectée et API avec ou sans clé (client de test Flask)…")
            part["pages"] = _measured(
                web_page.measure_pages, _runtime(directory, search_dir), queries, warmup
            )
            log(f"communes : {len(prefixes)} recherches par préfixe…")
            part["communes"] = _measured(measure_lookups, directory, prefixes)

            if "elasticsearch" in options.engines:
                if node is None:
                    part["elasticsearch"] = {"erreur": "Elasticsearch n'a pas démarré"}
                else:
                    part["elasticsearch"] = _measured(
                        measure_es, node, directory, search_dir, size, queries, warmup, log
                    )
                    if "erreur" in part["elasticsearch"]:
                        log(f"  elasticsearch en échec : {part['elasticsearch']['erreur']}")
            part["rss_pic_banc_mo"] = peak_rss_mb()
            del dataset
            gc.collect()

        if options.handovers:
            from bench.handover_pages import measure_handovers
            from persistence.database import default_url

            folder = work_dir / "accompagnements"
            report["accompagnements"] = _measured(
                measure_handovers,
                _runtime(directory, folder, DATABASE_URL=default_url(folder)),
                options.handovers,
                options.handover_requests,
                options.warmup,
                options.seed,
                log,
            )
            if "erreur" in report["accompagnements"]:
                log(f"  accompagnements en échec : {report['accompagnements']['erreur']}")
            absent = _absent(report["accompagnements"])
            if absent:
                report["mesures_absentes"] = absent
                log(f"  mesures absentes de cet arbre : {' ; '.join(absent)}")

        if options.import_rows and options.sizes:
            from bench.big_import import measure_big_import

            report["import_gros_fichier"] = _measured(
                measure_big_import, largest_csv_files, options.import_rows, work_dir / "gros", log
            )

        if options.needs_events:
            from bench.needs import measure_needs

            report["besoins_non_couverts"] = _measured(
                measure_needs,
                directory,
                work_dir / "besoins",
                options.needs_events,
                options.seed,
                options.needs_requests,
                log,
            )

        if options.http and options.sizes:
            size = options.http_size or max(options.sizes)
            report["http"] = {}
            from bench import http_load

            wrk = None
            if options.http_client in ("auto", "wrk"):
                wrk = http_load.ensure_wrk(log)
                if wrk is None and options.http_client == "wrk":
                    raise RuntimeError("wrk demandé mais introuvable")
            report["http"]["client"] = "wrk" if wrk else "python"
            for engine in options.engines:
                log(f"charge HTTP sur {engine} ({size} ressources)…")
                if size not in data_dirs:
                    report["http"][engine] = {"erreur": f"taille {size} non mesurée"}
                    continue
                if engine == "elasticsearch" and node is None:
                    report["http"][engine] = {"erreur": "Elasticsearch n'a pas démarré"}
                    continue
                part = report["tailles"][str(size)]
                engine_part = (
                    part.get("recherche_embarquee")
                    if engine == "embedded"
                    else (part.get("elasticsearch") or {}).get("recherche")
                )
                report["http"][engine] = _measured(
                    measure_http,
                    engine,
                    data_dirs[size],
                    size,
                    node,
                    directory,
                    options,
                    work_dir,
                    wrk,
                    _p95(engine_part),
                    log,
                )
                if "erreur" in report["http"][engine]:
                    log(f"  http {engine} en échec : {report['http'][engine]['erreur'][:300]}")
    finally:
        if node is not None:
            report.setdefault("machine", {})["elasticsearch_memoire"] = node.memory()
            if not options.keep_es:
                with contextlib.suppress(Exception):
                    es.drop_bench_indices(es.client(node))
                if node.started_here:
                    log("arrêt d'Elasticsearch…")
                    node.stop()
        if not options.keep_data:
            shutil.rmtree(work_dir, ignore_errors=True)

    report["rss_pic_banc_mo"] = peak_rss_mb()
    report["machine"]["charge_a_la_fin"] = load_average()
    report["synthese"] = _targets(report)
    report["duree_totale_s"] = round(time.perf_counter() - started, 1)
    return report
