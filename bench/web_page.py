"""In-process latencies of the logged-in search page and of the API search with and without a
key (issue 9: page p95 ≤ 50 ms at 100k resources; an authenticated API search within 10 % of
the anonymous one). Measured through the Flask test client: the whole request handling (session,
login check, CSRF token, rendering; key look-up in the relational store) without the network."""

from __future__ import annotations

import contextlib
import time

from bench import mix
from bench.stats import summary_ms, target

TARGET_PAGE_P95_MS = 50.0
TARGET_KEY_OVERHEAD = 1.10  # authenticated p95 / anonymous p95


def _timed(client, paths: list[str], headers: dict | None = None) -> list[float]:
    durations = []
    for path in paths:
        t0 = time.perf_counter()
        response = client.get(path, headers=headers or {})
        response.get_data()
        durations.append(time.perf_counter() - t0)
        if response.status_code >= 500:
            raise RuntimeError(f"{path} : {response.status_code}")
    return durations


COUNTED_NEVER_REFUSED = 1_000_000_000  # requests per minute


def measure_pages(runtime, queries: list, warmup: list) -> dict:
    """The search page for a logged-in adviser, and ``/api/v1/search`` with and without a key."""
    from relais.app import create_app

    runtime.database.upgrade()
    app = create_app(
        {
            "TESTING": True,
            "RELAIS_RUNTIME": runtime,
            "UI_RATE_LIMIT": "1000000 per minute",
            # Both callers are counted (Flask-Limiter), never refused: the ratio includes it.
            "ANONYMOUS_RATE_LIMIT": COUNTED_NEVER_REFUSED,
        }
    )
    accounts = runtime.accounts
    email = "banc@relais.invalid"
    user = accounts.store.find_user_by_email(email) or accounts.create_user(
        None, email, "conseiller", "51", "BANC51"
    )
    keys = app.extensions["relais_api"].keys
    with contextlib.suppress(ValueError):  # no key of a previous run
        keys.revoke("banc")
    _, token = keys.create("banc", rate_limit=COUNTED_NEVER_REFUSED, scopes=["professionnels"])

    page_client = app.test_client()
    with page_client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["vu"] = time.time()
    by_commune = [q for q in queries if q.code_commune]
    pages = [mix.search_path(q).replace("/api/v1/search", "/", 1) for q in by_commune]
    api = [mix.search_path(q) for q in queries]
    warm = [mix.search_path(q) for q in warmup]

    _timed(page_client, [p.replace("/api/v1/search", "/", 1) for p in warm])
    page = summary_ms(_timed(page_client, pages))
    page["p95"] = target(page["p95"], TARGET_PAGE_P95_MS, "<=")

    api_client = app.test_client()
    _timed(api_client, warm)
    # Interleaved, so that both see the same machine load.
    anonymous, keyed = [], []
    for path in api:
        anonymous += _timed(api_client, [path])
        keyed += _timed(api_client, [path], {"X-Api-Key": token})
    anonymous_ms, keyed_ms = summary_ms(anonymous), summary_ms(keyed)
    ratio = round(keyed_ms["p95"] / anonymous_ms["p95"], 3) if anonymous_ms["p95"] else None
    return {
        "page_recherche_connecte": {"requetes": len(pages), "latence_ms": page},
        "api_recherche": {
            "sans_cle_ms": anonymous_ms,
            "avec_cle_ms": keyed_ms,
            "rapport_p95": target(ratio, TARGET_KEY_OVERHEAD, "<=") if ratio else None,
        },
    }
