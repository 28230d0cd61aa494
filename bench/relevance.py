"""The project's relevance test set: fictional resources (``fixtures/pertinence/``) and
queries of the kinds advisers type (acronyms, everyday words, several words, typos, commune
forms), each with the resources expected in the top 3.

``evaluate(runtime)`` runs every query on the runtime's engine and reports the share whose
expected resource is in the top 3 (target ≥ 95 %) and the share with no result. Both
``tests/test_relevance.py`` (both engines) and ``bench/run`` use it.

>>> # load_fixture(runtime); evaluate(runtime)["top3"]
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

from resource_base.search import SearchQuery

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pertinence"
QUERIES = FIXTURES / "requetes.csv"
TARGET_TOP3 = 0.95


def load_fixture(runtime) -> int:
    """Import the fictional resources (one file per department) with the real importer;
    returns how many were accepted."""
    from indexer.importer import import_files

    accepted = 0
    for path in sorted(FIXTURES.glob("ressources_*.csv")):
        departement = path.stem.removeprefix("ressources_")
        accepted += import_files(runtime, [path], departement=departement).acceptees
    return accepted


def read_queries(path: Path = QUERIES) -> list[dict]:
    """``requete``, ``commune`` (as an adviser types it), ``attendu`` (ids, ``|``), ``genre``."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    for row in rows:
        row["attendu"] = [a.strip() for a in row["attendu"].split("|") if a.strip()]
    return rows


def evaluate(runtime, queries: list[dict] | None = None) -> dict:
    """Run the test set: top-3 share, no-result share, per kind, failures and latency."""
    queries = read_queries() if queries is None else queries
    top3 = empty = 0
    per_kind: dict[str, list[int]] = {}
    failures = []
    durations = []
    for row in queries:
        commune = runtime.directory.resolve(row["commune"]).best
        if commune is None:
            raise ValueError(f"Commune introuvable dans le jeu de pertinence : {row['commune']}")
        started = time.perf_counter()
        result = runtime.search_service.search(
            SearchQuery(code_commune=commune.code_insee, q=row["requete"], size=10)
        )
        durations.append(time.perf_counter() - started)
        found = [item.candidate.id.split("--", 1)[-1] for item in result.items]
        hit = any(expected in found[:3] for expected in row["attendu"])
        top3 += hit
        empty += not found
        kind = per_kind.setdefault(row["genre"], [0, 0])
        kind[0] += hit
        kind[1] += 1
        if not hit:
            failures.append(
                {"requete": row["requete"], "attendu": row["attendu"], "obtenu": found[:3]}
            )
    n = len(queries)
    durations.sort()
    return {
        "requetes": n,
        "top3": round(top3 / n, 4),
        "cible_top3": TARGET_TOP3,
        "sans_resultat": round(empty / n, 4),
        "par_genre": {k: round(v[0] / v[1], 4) for k, v in sorted(per_kind.items())},
        "echecs": failures,
        "latence_p95_ms": round(durations[int(0.95 * (n - 1))] * 1000, 2),
    }
