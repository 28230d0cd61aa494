"""Unmet needs at scale (issue 13): ``events`` synthetic search events (10 million by
default) in a fresh relational store (SQLite file), and the latency of the unmet-needs page
read from the monthly counts (target: p95 ≤ 300 ms).

Setup: the events are drawn with numpy (24 months, every department, 8 territories each, the
data·inclusion needs with skewed weights, eligible results from 0 to 40), written to
``search_events`` in batches (rows/s measured), and their monthly counts computed with numpy
and written to ``needs_monthly`` directly, as ``SqlNeedsLog.record`` would have summed them.
The real write path (``NeedsRecorder.record``: one event and its upserts in one transaction)
is timed on ``record_events`` more events. Pages are then timed through the Flask test
client: a department's page over 24 months, the national page, a department's CSV.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import numpy as np

from bench.stats import summary_ms, target

TARGET_PAGE_P95_MS = 300.0
MONTHS = [f"{2025 + i // 12}-{i % 12 + 1:02d}" for i in range(24)]
TERRITORIES_PER_DEPARTMENT = 8
BATCH = 200_000


def _needs() -> list[str]:
    from resource_base import vocabulary

    return ["", *sorted(vocabulary.CATEGORIES), *sorted(vocabulary.SOUS_THEMES)]


def _departments(directory) -> list[str]:
    return sorted({c.departement for c in directory.communes.values()})


def _draw(rng, n: int, departments: int, needs: int) -> dict[str, np.ndarray]:
    # Skewed like real use: a few departments and needs carry most searches.
    dep_weights = 1.0 / np.arange(1, departments + 1) ** 0.6
    need_weights = 1.0 / np.arange(1, needs + 1) ** 0.9
    return {
        "mois": rng.integers(0, len(MONTHS), n, dtype=np.int16),
        "dep": rng.choice(departments, n, p=dep_weights / dep_weights.sum()).astype(np.int16),
        "terr": rng.integers(0, TERRITORIES_PER_DEPARTMENT + 1, n, dtype=np.int16),
        "need": rng.choice(needs, n, p=need_weights / need_weights.sum()).astype(np.int16),
        "found": np.minimum(rng.geometric(0.12, n) - 1, 40).astype(np.int16),
    }


def _territory_id(dep: np.ndarray, terr: np.ndarray) -> np.ndarray:
    """0: no territory; else a global id per (department, territory)."""
    return np.where(terr == 0, 0, dep.astype(np.int64) * TERRITORIES_PER_DEPARTMENT + terr)


def _monthly_row(columns, group: list, figures: list, departments, needs) -> tuple:
    """A ``needs_monthly`` row from a group's values; a None column is summed over ("*",
    or -1 for the territory)."""
    values = iter(group)
    dep, month, territory, need = (None if c is None else next(values) for c in columns)
    return (
        "*" if dep is None else departments[dep],
        MONTHS[month],
        -1 if territory is None else territory,
        "*" if need is None else needs[need],
        *figures,
    )


def build(database_file: Path, directory, events: int, seed: int, log) -> dict:
    """Write ``events`` events and their monthly counts; return the setup's figures."""
    rng = np.random.default_rng(seed)
    needs, departments = _needs(), _departments(directory)
    conn = sqlite3.connect(database_file)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    days = [[f"{month}-{day:02d}" for day in range(1, 29)] for month in MONTHS]
    needs_json = [json.dumps([need] if need else [], ensure_ascii=False) for need in needs]
    by_need = [json.dumps({need: 0})[:-2] for need in needs]  # '{"need": ' then the count
    keys, sums = [], []
    written, t0 = 0, time.perf_counter()
    while written < events:
        n = min(BATCH, events - written)
        d = _draw(rng, n, len(departments), len(needs))
        territory = _territory_id(d["dep"], d["terr"])
        # Plain lists and strings built once: iterating numpy scalars would dominate.
        rows = (
            (
                days[m][i % 28],
                departments[dep],
                t or None,
                needs_json[need],
                found,
                f"{by_need[need]}{found}}}" if need else "{}",
            )
            for i, (m, dep, t, need, found) in enumerate(
                zip(
                    d["mois"].tolist(),
                    d["dep"].tolist(),
                    territory.tolist(),
                    d["need"].tolist(),
                    d["found"].tolist(),
                    strict=True,
                )
            )
        )
        conn.executemany(
            "INSERT INTO search_events (jour, departement, territoire_id, epci, thematiques, "
            "total, par_besoin, moteur, organisation) "
            "VALUES (?, ?, ?, NULL, ?, ?, ?, 'embedded', 'agence')",
            rows,
        )
        conn.commit()
        # The batch's monthly counts: one key per (department, month, territory, need).
        key = ((d["dep"].astype(np.int64) * 100 + d["mois"]) * 10_000 + territory) * 1000 + d[
            "need"
        ]
        unique, inverse = np.unique(key, return_inverse=True)
        keys.append(unique)
        sums.append(
            np.stack(
                [
                    np.bincount(inverse),
                    np.bincount(inverse, weights=d["found"] == 0).astype(np.int64),
                    np.bincount(inverse, weights=d["found"] < 3).astype(np.int64),
                ],
                axis=1,
            )
        )
        written += n
        if written % 2_000_000 == 0 or written == events:
            log(f"  {written} événements écrits…")
    insert_s = time.perf_counter() - t0
    all_keys = np.concatenate(keys)
    unique, inverse = np.unique(all_keys, return_inverse=True)
    total = np.zeros((len(unique), 3), dtype=np.int64)
    np.add.at(total, inverse, np.concatenate(sums))
    need = unique % 1000
    territory = (unique // 1000) % 10_000
    month = (unique // 10_000_000) % 100
    dep = unique // 1_000_000_000
    # The rows per territory, then the sums persistence.needs.rollup_rows adds on insert.
    levels = [
        (dep, month, territory, need),
        (dep, month, None, need),
        (None, month, None, need),
        (dep, month, None, None),
        (None, month, None, None),
    ]
    monthly_rows = 0
    for columns in levels:
        kept = [c for c in columns if c is not None]
        groups, where = np.unique(np.stack(kept, axis=1), axis=0, return_inverse=True)
        sums_of = np.zeros((len(groups), 3), dtype=np.int64)
        np.add.at(sums_of, where.ravel(), total)
        monthly_rows += len(groups)
        conn.executemany(
            "INSERT INTO needs_monthly VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                _monthly_row(columns, group.tolist(), figures.tolist(), departments, needs)
                for group, figures in zip(groups, sums_of, strict=True)
            ),
        )
    conn.commit()
    conn.close()
    return {
        "evenements": events,
        "ecriture_evenements_s": round(insert_s, 1),
        "evenements_par_s": round(events / insert_s) if insert_s else None,
        "lignes_mensuelles": monthly_rows,
        "departements": len(departments),
    }


def measure_needs(directory, work_dir: Path, events: int, seed: int, requests: int, log) -> dict:
    """The whole case: setup, the real write path, the pages' latencies."""
    from bench.measures import _runtime
    from relais.app import create_app
    from resource_base.needs_events import NeedsRecorder

    work_dir.mkdir(parents=True, exist_ok=True)
    database_file = work_dir / "besoins.db"
    runtime = _runtime(directory, work_dir, DATABASE_URL=f"sqlite:///{database_file}")
    runtime.database.upgrade()
    log(f"besoins non couverts : {events} événements synthétiques…")
    report = {"mise_en_place": build(database_file, directory, events, seed, log)}

    # The real write path: one event and its monthly upserts per search.
    recorder = NeedsRecorder(runtime.needs_log, lambda code: None)
    communes = [directory.get(c) for c in ("51108", "51454", "52448", "48095")]
    durations = []
    for i in range(500):
        t0 = time.perf_counter()
        recorder.record(
            communes[i % 4],
            ("logement-hebergement", "mobilite"),
            i % 5,
            {"logement-hebergement": i % 5, "mobilite": 0},
            "embedded",
            "agence",
        )
        durations.append(time.perf_counter() - t0)
    report["enregistrement_ms"] = summary_ms(durations)

    app = create_app({"TESTING": True, "RELAIS_RUNTIME": runtime})
    accounts = runtime.accounts
    clients = {}
    for role, departement in (("admin_departemental", "51"), ("admin_national", None)):
        email = f"banc-{role}@relais.invalid"
        user = accounts.store.find_user_by_email(email) or accounts.create_user(
            None, email, role, departement, None
        )
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["vu"] = time.time()
        clients[role] = client
    period = f"debut={MONTHS[0]}&fin={MONTHS[-1]}"
    busiest = _departments(directory)[0]
    cases = {
        "page_departement": ("admin_national", f"/besoins/{busiest}?{period}"),
        "page_nationale": ("admin_national", f"/besoins/?{period}"),
        "csv_departement": ("admin_national", f"/besoins/{busiest}/export.csv?{period}"),
    }
    for name, (role, path) in cases.items():
        client = clients[role]
        for _ in range(3):  # warm-up
            client.get(path).close()
        durations = []
        for _ in range(requests):
            t0 = time.perf_counter()
            response = client.get(path)
            response.get_data()
            durations.append(time.perf_counter() - t0)
            if response.status_code != 200:
                raise RuntimeError(f"{path} : {response.status_code}")
            response.close()
        report[name] = {"chemin": path, "latence_ms": summary_ms(durations)}
        report[name]["latence_ms"]["p95"] = target(
            report[name]["latence_ms"]["p95"], TARGET_PAGE_P95_MS, "<="
        )
    runtime.database.dispose()
    return report
