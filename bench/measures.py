"""The benchmark's measurements, one function per kind: import, store write, search,
commune look-ups, Elasticsearch, HTTP and relevance. ``bench.core.run_benchmark`` calls them
and gathers their sections into one report.

Each returns a JSON-ready dict; timings use ``time.perf_counter`` around the call measured
and nothing else.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import resource
import time
import traceback
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench import data, mix
from bench.stats import load_average, summary_ms, target
from relais import settings as settings_module
from relais.runtime import Runtime
from resource_base.geo import CommuneDirectory
from resource_base.search import SearchError

# Targets on the 2-core machine (issues 2, 3 and 4).
TARGET_IMPORT_PER_S = 10_000
TARGET_SEARCH_P95_MS = 10.0  # embedded, at 100k
TARGET_LOOKUP_P95_MS = 2.0
TARGET_ES_INDEX_PER_S = 5_000
TARGET_ES_SEARCH_P95_MS = 25.0  # at 100k
TARGET_HTTP_EMBEDDED_P95_MS = 30.0
TARGET_HTTP_EMBEDDED_RPS = 300.0
TARGET_HTTP_ES_P95_MS = 60.0

Log = Callable[[str], None]


def _no_log(message: str) -> None:
    pass


def _error(exc: BaseException) -> dict:
    return {
        "erreur": f"{type(exc).__name__} : {exc}",
        "trace": traceback.format_exc(limit=6).splitlines()[-6:],
    }


@contextlib.contextmanager
def _phase(section: dict):
    """Adds to ``section`` the phase's wall time, the CPU time of this process and of the
    child processes that ended during it (the fresh importing process and its workers, a
    ``relais import``, gunicorn), and the load average at its end. CPU / wall well under 1
    for a phase that runs on one core means the process waited for the CPU (a shared
    machine): the figures are then pessimistic."""
    wall, cpu = time.perf_counter(), _cpu_with_children()
    try:
        yield
    finally:
        wall = time.perf_counter() - wall
        cpu = _cpu_with_children() - cpu
        section["phase"] = {
            "duree_s": round(wall, 1),
            "cpu_s": round(cpu, 1),
            "cpu_sur_mur": round(cpu / wall, 2) if wall else None,
            "charge_1min": (load_average() or [None])[0],
        }


def _cpu_with_children() -> float:
    """CPU seconds of this process and of its children waited for, user and system."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _measured(function, *args, **kwargs) -> dict:
    """Run a measurement; its section, with the phase's times, or the error."""
    section: dict = {}
    try:
        with _phase(section):
            section.update(function(*args, **kwargs))
    except Exception as exc:
        section.update(_error(exc))
    phase = section.pop("phase", None)
    if phase:
        section["phase"] = phase
    return section


def _settings(data_dir: Path, **overrides) -> dict:
    values = {"DATA_DIR": str(data_dir), "SEARCH_ENGINE": "embedded", "GEOCODER": "offline"}
    values.update(overrides)
    return settings_module.load(values)


def _runtime(directory: CommuneDirectory, data_dir: Path, **overrides) -> Runtime:
    runtime = Runtime(_settings(data_dir, **overrides))
    runtime.directory = directory  # loaded once for the whole run (reference data)
    return runtime


# --- import -------------------------------------------------------------------------------


def measure_import(dataset: data.DataSet, directory, data_dir: Path, log: Log) -> dict:
    """The real importer, one CSV per department, into a fresh data dir: reading, validation,
    store and embedded tables, each department in its own transaction.

    The imports run in a fresh interpreter (``spawn``) that holds what ``relais import``
    holds (settings, the commune directory), not the bench's generated objects: forked
    workers share the importing process's memory, and 100,000 resources held beside the
    import cost it ~1.5 s of CPU per 100,000 rows (copy-on-write faults and garbage
    collections over them; measured on the 2-core machine, 2026-12-01), a cost no real
    import pays. ``directory`` is the bench's, unused there: the fresh process loads its own
    (not timed). ``cpu_s``: the importing process's CPU and its workers', in seconds."""
    names = ", ".join(p.name for p in dataset.csv_files[:2])
    log(f"  import dans un processus neuf ({len(dataset.csv_files)} fichiers : {names}…)")
    spawned = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawned) as apart:
        section = apart.submit(
            _import_apart, [str(p) for p in dataset.csv_files], dataset.size, str(data_dir)
        ).result()
    log(f"  import : {section['acceptees']} acceptées en {section['duree_s']} s")
    return section


def _import_apart(csv_files: list[str], size: int, data_dir: str) -> dict:
    """``measure_import``'s body, in the fresh process: loads the directory, then times the
    imports and nothing else."""
    from indexer import parallel
    from indexer.importer import import_files

    runtime = Runtime(_settings(Path(data_dir)))
    _ = runtime.directory, runtime.embedded  # reference data and schema: not timed
    accepted = rejected = 0
    per_file = []
    gc.collect()
    cpu = time.process_time()
    started = time.perf_counter()
    try:
        for path in csv_files:
            t0 = time.perf_counter()
            report = import_files(runtime, [path])
            per_file.append(time.perf_counter() - t0)
            accepted += report.acceptees
            rejected += report.rejetees
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
    finally:
        parallel.shutdown()  # atexit does not run in a pool's worker
    workers_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    stored = runtime.store.count()
    indexed = runtime.embedded.count()
    rate = round(size / elapsed, 1)
    return {
        "methode": "indexer.importer.import_files, un fichier CSV par département (une "
        "transaction chacun), dans un processus neuf qui ne tient que le référentiel",
        "fichiers": len(csv_files),
        "acceptees": accepted,
        "rejetees": rejected,
        "dans_le_magasin": stored,
        "dans_le_moteur_embarque": indexed,
        "duree_s": round(elapsed, 3),
        "duree_moyenne_par_fichier_ms": round(1000 * elapsed / len(csv_files), 1),
        "duree_max_par_fichier_ms": round(1000 * max(per_file), 1),
        "cpu_s": {
            "processus": round(cpu, 2),
            "workers": round(workers_cpu.ru_utime + workers_cpu.ru_stime, 2),
        },
        "ressources_par_s": target(rate, TARGET_IMPORT_PER_S, ">="),
        "complet": accepted == size and stored == size and indexed == size,
    }


def measure_store_write(dataset: data.DataSet, directory, data_dir: Path) -> dict:
    """``Store.replace`` with the generated objects and the embedded engine's writer: the
    write part of an import, without reading or validating a file."""
    runtime = _runtime(directory, data_dir)
    _ = runtime.embedded
    gc.collect()
    started = time.perf_counter()
    outcome = runtime.store.replace(
        "source",
        "synthetique",
        dataset.resources,
        {"fichiers": ["bench"], "format": "bench"},
        writers=runtime.store_writers(),
    )
    elapsed = time.perf_counter() - started
    return {
        "methode": "Store.replace(..., writers=runtime.store_writers()), une transaction",
        "ajoutees": outcome.ajoutees,
        "duree_s": round(elapsed, 3),
        "ressources_par_s": round(dataset.size / elapsed, 1),
        "taille_fichier_sqlite_mo": _sqlite_size_mb(data_dir),
    }


def _sqlite_size_mb(data_dir: Path) -> float:
    total = sum(p.stat().st_size for p in data_dir.glob("relais.sqlite3*"))
    return round(total / 1024 / 1024, 1)


# --- searches -----------------------------------------------------------------------------


def measure_search(runtime: Runtime, queries: list, warmup: list, p95_target: float) -> dict:
    """Latency of ``runtime.search_service.search(query)`` over the mix, after a warm-up."""
    service = runtime.search_service
    gc.collect()
    t0 = time.perf_counter()
    service.search(warmup[0])
    first_ms = round((time.perf_counter() - t0) * 1000, 3)
    warm = []
    for query in warmup[1:]:
        t0 = time.perf_counter()
        with contextlib.suppress(SearchError):
            service.search(query)
        warm.append(time.perf_counter() - t0)
    durations, totals, refused = [], [], 0
    by_label: dict[str, list[float]] = defaultdict(list)
    for query in queries:
        t0 = time.perf_counter()
        try:
            result = service.search(query)
        except SearchError:
            refused += 1
            result = None
        elapsed = time.perf_counter() - t0
        durations.append(elapsed)
        if result is not None:
            totals.append(result.total)
        for label in mix.query_kind(query).values():
            by_label[label].append(elapsed)
    latency = summary_ms(durations)
    latency["p95"] = target(latency["p95"], p95_target, "<=")
    return {
        "requetes": len(queries),
        "echauffement": len(warmup),
        "premiere_requete_ms": first_ms,
        "echauffement_latence_ms": summary_ms(warm) if warm else None,
        "latence_ms": latency,
        "refusees": refused,
        "resultats": {
            "total_moyen": round(sum(totals) / len(totals), 1) if totals else 0,
            "total_median": sorted(totals)[len(totals) // 2] if totals else 0,
            "part_sans_resultat": round(sum(1 for t in totals if t == 0) / len(totals), 3)
            if totals
            else None,
        },
        "par_type": {
            label: {k: v for k, v in summary_ms(values).items() if k in ("n", "p50", "p95")}
            for label, values in sorted(by_label.items())
        },
    }


def measure_lookups(directory: CommuneDirectory, prefixes: list[str]) -> dict:
    """Latency of ``directory.search(prefix)`` (the autocomplete), after a warm-up."""
    for prefix in prefixes[:100]:
        directory.search(prefix)
    durations, found = [], []
    gc.collect()
    for prefix in prefixes:
        t0 = time.perf_counter()
        answer = directory.search(prefix)
        durations.append(time.perf_counter() - t0)
        found.append(len(answer))
    latency = summary_ms(durations)
    latency["p95"] = target(latency["p95"], TARGET_LOOKUP_P95_MS, "<=")
    digits = [d for d, p in zip(durations, prefixes, strict=True) if p.isdigit()]
    names = [d for d, p in zip(durations, prefixes, strict=True) if not p.isdigit()]
    return {
        "recherches": len(prefixes),
        "latence_ms": latency,
        "communes_trouvees_moyenne": round(sum(found) / len(found), 2),
        "par_type": {
            "nom": {k: v for k, v in summary_ms(names).items() if k in ("n", "p50", "p95")},
            "code_postal": {k: v for k, v in summary_ms(digits).items() if k in ("n", "p50", "p95")}
            if digits
            else None,
        },
    }


# --- Elasticsearch ------------------------------------------------------------------------


def measure_es(
    node, directory, data_dir: Path, size: int, queries: list, warmup: list, log: Log
) -> dict:
    runtime = _runtime(
        directory,
        data_dir,
        SEARCH_ENGINE="elasticsearch",
        ES_INDEX=f"relais-bench-{size}",
        **node.settings,
    )
    engine = runtime.elasticsearch
    count = runtime.store.count()
    out: dict = {}
    log(f"  elasticsearch : indexation en masse de {count} ressources…")
    gc.collect()
    started = time.perf_counter()
    result = runtime.reindex_elasticsearch()
    elapsed = time.perf_counter() - started
    rate = round(result["documents"] / elapsed, 1)
    out["indexation"] = {
        "methode": "Runtime.reindex_elasticsearch() : documents du magasin (jetons des tables embarquées), bulk, contrôle, alias",
        "documents": result["documents"],
        "duree_s": round(elapsed, 3),
        "ressources_par_s": target(rate, TARGET_ES_INDEX_PER_S, ">="),
    }
    # Where the time goes: the Python side alone (reading the store, building documents).
    try:
        t0 = time.perf_counter()
        for _ in engine._documents(runtime.store, "x"):
            pass
        python_side = time.perf_counter() - t0
        out["indexation"]["dont_preparation_python_s"] = round(python_side, 3)
        out["indexation"]["part_preparation_python"] = round(python_side / elapsed, 3)
    except Exception as exc:  # diagnostic only
        out["indexation"]["dont_preparation_python_s"] = _error(exc)["erreur"]
    try:
        stats = engine.client.indices.stats(index=engine.alias, metric="store")
        out["indexation"]["taille_index_mo"] = round(
            stats["_all"]["primaries"]["store"]["size_in_bytes"] / 1024 / 1024, 1
        )
    except Exception as exc:  # diagnostic only
        out["indexation"]["taille_index_mo"] = _error(exc)["erreur"]
    log(f"  elasticsearch : {len(queries)} recherches…")
    # Where the time goes: the cluster's own time for each search ("took", in ms), recorded by
    # wrapping the client's search method (a dictionary append per call).
    tooks: list[float] = []
    original = engine.client.search

    def search_and_record(*args, **kwargs):
        response = original(*args, **kwargs)
        with contextlib.suppress(KeyError, TypeError):
            tooks.append(response["took"] / 1000.0)
        return response

    engine.client.search = search_and_record
    try:
        out["recherche"] = measure_search(runtime, queries, warmup, TARGET_ES_SEARCH_P95_MS)
    finally:
        engine.client.search = original
    measured = tooks[-len(queries) :]
    if measured:
        server = summary_ms(measured)
        out["recherche"]["temps_serveur_es_ms"] = {
            k: server[k] for k in ("p50", "p95", "p99", "moyenne")
        }
    out["memoire_noeud"] = node.memory()
    return out


# --- HTTP ---------------------------------------------------------------------------------


def measure_http(
    engine: str,
    data_dir: Path,
    size: int,
    node,
    directory,
    options,
    work_dir: Path,
    wrk: str | None,
    engine_p95_ms: float | None,
    log: Log,
) -> dict:
    """``options``: the run's ``bench.core.Options`` (HTTP workers, connections, durations)."""
    from bench import http_load

    server = http_load.start_server(
        data_dir,
        engine,
        node.settings if node else None,
        f"relais-bench-{size}",
        work_dir / f"gunicorn-{engine}.log",
        workers=options.http_workers,
    )
    try:
        connections = options.http_connections or 2 * server.workers
        requests = mix.http_requests(directory, 4000, seed=options.query_seed + 2)
        log(
            f"  http {engine} : gunicorn ({server.workers} workers) sur {server.base_url}, "
            f"{connections} connexions ; échauffement {options.http_warmup_s:g} s…"
        )
        primed_s = http_load.prime(server.base_url, requests, server.workers)
        if options.http_warmup_s > 0:
            http_load.load_run(
                server.base_url,
                requests[::-1],
                work_dir,
                connections,
                options.http_warmup_s,
                options.http_max_requests,
                wrk,
            )
        log(f"  http {engine} : mesure {options.http_duration_s:g} s…")
        charge = load_average()
        run = http_load.load_run(
            server.base_url,
            requests,
            work_dir,
            connections,
            options.http_duration_s,
            options.http_max_requests,
            wrk,
        )
        memory = server.memory()
    finally:
        server.stop()
    p95_target = TARGET_HTTP_EMBEDDED_P95_MS if engine == "embedded" else TARGET_HTTP_ES_P95_MS
    latency = run["latence_ms"]
    if latency:
        latency["p95"] = target(latency["p95"], p95_target, "<=")
    if engine == "embedded":
        run["requetes_par_s"] = target(run["requetes_par_s"], TARGET_HTTP_EMBEDDED_RPS, ">=")
    search = run["par_type"]["recherche"]["latence_ms"]
    ratio = None
    if search and engine_p95_ms:
        ratio = round(search["p95"] / engine_p95_ms, 2)
    return {
        "serveur": "gunicorn -c gunicorn.conf.py",
        "workers": server.workers,
        "worker_class": http_load.gunicorn_setting("worker_class") or "sync",
        "connexions": connections,
        "taille": size,
        "melange": f"{round(100 * (1 - mix.SHARE_COMMUNE_LOOKUPS_HTTP))} % /api/v1/search, "
        f"{round(100 * mix.SHARE_COMMUNE_LOOKUPS_HTTP)} % /api/v1/communes",
        **run,
        "amorcage_s": primed_s,
        "ratio_p95_recherche_api_sur_moteur": ratio,
        "p95_moteur_seul_ms": engine_p95_ms,
        "memoire_gunicorn": memory,
        "charge_pendant": charge,
    }


# --- the whole run ------------------------------------------------------------------------


def _p95(section: dict | None) -> float | None:
    try:
        return section["latence_ms"]["p95"]["valeur"]
    except (KeyError, TypeError):
        return None


def measure_relevance(
    engine: str, node, directory: CommuneDirectory, data_dir: Path, log: Log
) -> dict:
    """The relevance test set (``bench.relevance``) on one engine: top-3 and no-result
    shares over the fictional resources of ``fixtures/pertinence/``."""
    from bench import relevance

    overrides = {}
    if engine == "elasticsearch":
        overrides = {"SEARCH_ENGINE": "elasticsearch", "ES_INDEX": "relais-bench-pertinence"}
        overrides.update(node.settings)
    runtime = _runtime(directory, data_dir, **overrides)
    log(
        f"pertinence ({engine}) : import du jeu fictif et {len(relevance.read_queries())} requêtes…"
    )
    relevance.load_fixture(runtime)
    report = relevance.evaluate(runtime)
    report["top3"] = target(report["top3"], relevance.TARGET_TOP3, ">=")
    return report
