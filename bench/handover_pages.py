"""The hand-over measures of issue 10 on historical data (``bench.handover_data``): the inbox
page p95 (≤ 50 ms), the délais dashboard page p95 (≤ 200 ms) and ``relais taches`` over every
record (≤ 30 s), plus the dashboard's snapshot (``persistence.dashboard_cells``): computing it,
and loading it in a new process.

Pages go through the Flask test client with a logged-in person (session, login check,
scoping, queries, rendering; no network), like ``bench.web_page``. A page or a command that
does not exist in the tree measured is reported as ``{"absent": "…"}``, never as a figure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench.handover_data import Population, generate
from bench.stats import summary_ms, target

TARGET_INBOX_P95_MS = 50.0
TARGET_DASHBOARD_P95_MS = 200.0
TARGET_TASKS_S = 30.0
# "" is the page as first opened (national: per department; department: per territory;
# coordinateur of a territory: per month).
GROUPINGS = ("", "mois", "territoire", "agence", "axe")


def _client(app, user_id: int):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["vu"] = time.time()
    return client


def _timed(client, paths: list[str]) -> list[float]:
    durations = []
    for path in paths:
        t0 = time.perf_counter()
        response = client.get(path)
        response.get_data()
        durations.append(time.perf_counter() - t0)
        if response.status_code != 200:
            raise RuntimeError(f"{path} : HTTP {response.status_code}")
    return durations


def measure_page(client, paths: list[str], warmup: int, goal: float) -> dict:
    """p50/p95/… of ``paths`` (in the caller's order) after ``warmup`` requests, and the CPU
    time of this process per request; ``{"absent": …}`` when the first answer is a 404."""
    first = client.get(paths[0])
    if first.status_code == 404:
        return {"absent": f"{paths[0].split('?')[0]} répond 404 : page absente de cet arbre"}
    if first.status_code != 200:
        raise RuntimeError(f"{paths[0]} : HTTP {first.status_code}")
    _timed(client, (paths * (warmup // len(paths) + 1))[:warmup])
    cpu = time.process_time()
    latency = summary_ms(_timed(client, paths))
    cpu_ms = (time.process_time() - cpu) * 1000 / len(paths)
    latency["p95"] = target(latency["p95"], goal, "<=")
    return {
        "requetes": len(paths),
        "chemins": sorted(set(paths))[:4],
        "latence_ms": latency,
        # SQLite runs in this process: its CPU time per request, which a loaded machine does
        # not inflate as much as the wall time (a CPU / wall ratio well under 1: waiting).
        "cpu_ms_par_requete": round(cpu_ms, 2),
        "cpu_sur_mur": round(cpu_ms / latency["moyenne"], 2) if latency["moyenne"] else None,
    }


def _users(runtime, population: Population) -> dict:
    accounts = runtime.accounts
    code = population.busiest
    territory = population.territories[code][0]
    made = {}
    for key, role, departement, territoire_id in (
        ("coordinateur", "coordinateur", code, territory),
        ("admin_departemental", "admin_departemental", code, None),
        ("admin_national", "admin_national", None, None),
    ):
        email = f"banc-{key}@relais.invalid"
        user = accounts.store.find_user_by_email(email) or accounts.create_user(
            None, email, role, departement, None, None, key, territoire_id
        )
        made[key] = user
    return made


def tasks_command_exists() -> bool:
    from relais.cli import main

    return "taches" in main.commands


def measure_tasks(settings: dict, database_url: str, log) -> dict:
    """``relais taches`` in its own process over the whole store, twice (the second run shows
    the idempotent pass: nothing left to do)."""
    if not tasks_command_exists():
        return {"absent": "la commande « relais taches » n'existe pas dans cet arbre"}
    env = {
        **os.environ,
        "RELAIS_DATA_DIR": str(settings["DATA_DIR"]),
        "RELAIS_DATABASE_URL": database_url,
        "RELAIS_SEARCH_ENGINE": "embedded",
    }
    relais = str(Path(sys.executable).parent / "relais")
    runs = []
    for attempt in (1, 2):
        log(f"relais taches, passage {attempt}…")
        t0 = time.perf_counter()
        done = subprocess.run(
            [relais, "taches"], env=env, capture_output=True, text=True, timeout=900
        )
        runs.append(
            {
                "duree_s": round(time.perf_counter() - t0, 2),
                "code_retour": done.returncode,
                "sortie": (done.stdout or done.stderr)[-600:],
            }
        )
    first = runs[0]
    second = runs[1]
    return {
        "duree_s": target(first["duree_s"], TARGET_TASKS_S, "<="),
        "code_retour": first["code_retour"],
        "sortie": first["sortie"],
        "second_passage": {**second, "duree_s": target(second["duree_s"], TARGET_TASKS_S, "<=")},
    }


def measure_snapshot(runtime, log) -> dict:
    """The dashboard's snapshot computed over every record and stored, as ``relais taches``
    does after its work (the pages then read it), and loaded by a process that has not got it
    yet (a new gunicorn worker)."""
    from handover.dates import today_in_france
    from persistence.dashboard_cells import DashboardSnapshots

    log("instantané du tableau de bord (cellules)…")
    today = today_in_france()
    t0 = time.perf_counter()
    snapshot = runtime.dashboard_snapshots.refresh(today)
    computed = time.perf_counter() - t0
    t0 = time.perf_counter()
    loaded = DashboardSnapshots(runtime.database).current(today)
    loading = time.perf_counter() - t0
    if loaded.id != snapshot.id:
        raise RuntimeError("l'instantané relu n'est pas celui qui vient d'être calculé")
    return {
        "calcul_s": round(computed, 2),
        "chargement_ms": round(loading * 1000, 1),
        "dossiers": snapshot.dossiers,
        "cellules": snapshot.cellules,
        "entrees_histogrammes": int(len(snapshot.arrays["h_n"])),
    }


def measure_handovers(runtime, count: int, requests: int, warmup: int, seed: int, log) -> dict:
    """Generate ``count`` hand-overs in ``runtime``'s (fresh SQLite) store, then measure the
    pages and ``relais taches``."""
    from relais.app import create_app, warm_up

    runtime.database.upgrade()
    codes = sorted(runtime.directory.departements)[:100]
    log(f"accompagnements : {count} dossiers historiques sur {len(codes)} départements…")
    t0 = time.perf_counter()
    population = generate(runtime.database, codes, count, seed=seed)
    report: dict = {
        "donnees": {
            "dossiers": count,
            "departements": len(codes),
            "territoires": sum(len(t) for t in population.territories.values()),
            "anonymises_avec_ligne_statistique": population.anonymised,
            "statuts": population.statuses,
            "departement_mesure": population.busiest,
            "generation_s": round(time.perf_counter() - t0, 2),
        }
    }
    app = create_app(
        {"TESTING": True, "RELAIS_RUNTIME": runtime, "UI_RATE_LIMIT": "1000000 per minute"}
    )
    # As a gunicorn worker starts (gunicorn.conf.py): communes read, engine opened, what was
    # loaded frozen out of the collector's full passes (without it, a full pass over the
    # bench's own heap lands in one request in twenty: 130 ms of processor).
    warm_up(app)
    users = _users(runtime, population)
    territory = users["coordinateur"].territoire_id
    cycle = [f"?par={g}" if g else "" for g in GROUPINGS]
    dashboard = "/accompagnements/tableau-de-bord"
    log("page de la corbeille d'un territoire (coordinateur)…")
    report["corbeille_coordinateur"] = measure_page(
        _client(app, users["coordinateur"].id),
        [f"/accompagnements/?territoire={territory}"] * requests,
        warmup,
        TARGET_INBOX_P95_MS,
    )
    report["instantane_tableau_de_bord"] = measure_snapshot(runtime, log)
    pages = {}
    for key in ("coordinateur", "admin_departemental", "admin_national"):
        log(f"tableau de bord des délais ({key})…")
        paths = [dashboard + cycle[i % len(cycle)] for i in range(requests)]
        pages[key] = measure_page(
            _client(app, users[key].id), paths, warmup, TARGET_DASHBOARD_P95_MS
        )
    report["tableau_de_bord"] = pages
    report["taches"] = measure_tasks(runtime.settings, runtime.database.url, log)
    return report
