"""Rate limits counted in one shared storage: a real Redis server on loopback (scripts/redis),
two app instances and two gunicorn servers counting against it; a storage that stops answering
falls back to per-process counters instead of failing requests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import redis
from conftest import sign_in

from relais.app import create_app

ROOT = Path(__file__).resolve().parent.parent
SEARCH = "/api/v1/search?code_commune=51108"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url():
    """A throwaway Redis on a free loopback port (installed from Debian if missing)."""
    script, port = str(ROOT / "scripts" / "redis"), str(_free_port())
    started = subprocess.run(
        [script, "start", "--port", port], capture_output=True, text=True, timeout=600
    )
    if started.returncode != 0:
        pytest.fail(f"Redis n'a pas démarré :\n{started.stderr[-3000:]}")
    url = started.stdout.strip().split("=", 1)[1]
    yield url
    subprocess.run([script, "stop", "--port", port], capture_output=True, timeout=60)


@pytest.fixture
def shared(redis_url):
    redis.Redis.from_url(redis_url).flushdb()
    return redis_url


def _app(runtime, **config):
    return create_app({"TESTING": True, "RELAIS_RUNTIME": runtime, **config})


def test_two_app_instances_share_the_api_counters(runtime, shared):
    first = _app(runtime, RATELIMIT_STORAGE_URI=shared, ANONYMOUS_RATE_LIMIT=3).test_client()
    second = _app(runtime, RATELIMIT_STORAGE_URI=shared, ANONYMOUS_RATE_LIMIT=3).test_client()
    assert first.get(SEARCH).headers["X-RateLimit-Remaining"] == "2"
    assert second.get(SEARCH).headers["X-RateLimit-Remaining"] == "1"
    assert first.get(SEARCH).status_code == 200
    refused = [second.get(SEARCH), first.get(SEARCH)]
    assert [r.status_code for r in refused] == [429, 429]
    assert all(int(r.headers["Retry-After"]) >= 1 for r in refused)
    assert refused[0].get_json()["code"] == "trop_de_requetes"
    # The counters are in Redis, not in either process.
    assert any(b"relais-api" in key for key in redis.Redis.from_url(shared).scan_iter())


def test_a_key_counts_once_across_instances(runtime, shared):
    first = _app(runtime, RATELIMIT_STORAGE_URI=shared)
    token = first.extensions["relais_api"].keys.create("partagee", rate_limit=2)[1]
    second = _app(runtime, RATELIMIT_STORAGE_URI=shared)
    headers = {"X-Api-Key": token}
    statuses = [
        first.test_client().get(SEARCH, headers=headers).status_code,
        second.test_client().get(SEARCH, headers=headers).status_code,
        first.test_client().get(SEARCH, headers=headers).status_code,
    ]
    assert statuses == [200, 200, 429]
    # The key's count is its own: the address still has its anonymous allowance.
    assert second.test_client().get(SEARCH).status_code == 200


def test_memory_storage_counts_per_instance(runtime):
    """What the shared storage fixes: two processes on memory:// each give the full limit."""
    first = _app(runtime, RATELIMIT_STORAGE_URI="memory://", ANONYMOUS_RATE_LIMIT=1).test_client()
    second = _app(runtime, RATELIMIT_STORAGE_URI="memory://", ANONYMOUS_RATE_LIMIT=1).test_client()
    assert [first.get(SEARCH).status_code, second.get(SEARCH).status_code] == [200, 200]
    assert [first.get(SEARCH).status_code, second.get(SEARCH).status_code] == [429, 429]


def test_an_unreachable_storage_falls_back_to_memory(runtime, adviser, caplog):
    """Redis down: searches go on, still limited, per process (Flask-Limiter's fallback)."""
    dead = f"redis://127.0.0.1:{_free_port()}/0"
    app = _app(
        runtime, RATELIMIT_STORAGE_URI=dead, ANONYMOUS_RATE_LIMIT=2, UI_RATE_LIMIT="2/minute"
    )
    client = app.test_client()
    assert [client.get(SEARCH).status_code for _ in range(3)] == [200, 200, 429]
    sign_in(client, adviser)
    pages = [client.get("/communes/suggestions?q=reims") for _ in range(3)]
    assert [p.status_code for p in pages] == [200, 200, 429]
    assert pages[0].get_json()[0]["code_insee"] == "51454"
    assert "falling back to in-memory storage" in caplog.text


def _gunicorn(tmp_path: Path, port: int, storage: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "RELAIS_BIND": f"127.0.0.1:{port}",
        "RELAIS_WORKERS": "1",
        "RELAIS_DATA_DIR": str(tmp_path / "data"),
        "RELAIS_SECRET_KEY": "k" * 32,
        "RELAIS_RATELIMIT_STORAGE_URI": storage,
        "RELAIS_ANONYMOUS_RATE_LIMIT": "4",
        "RELAIS_LOGIN_RATE_LIMIT": "3 per minute",
        "RELAIS_COOKIE_SECURE": "non",
    }
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _wait(process: subprocess.Popen, base: str) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/v1/health", timeout=5):
                return
        except urllib.error.HTTPError:
            return  # answering (a 503 health check is an answer)
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_two_gunicorn_servers_share_api_and_ui_counters(tmp_path, shared):
    """Two real gunicorn servers (one worker each) on one Redis: the API's per-address limit
    (4) and the UI's login limit (3) are each granted once in all, whoever serves."""
    ports = [_free_port(), _free_port()]
    servers = [_gunicorn(tmp_path, port, shared) for port in ports]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for process, base in zip(servers, bases, strict=True):
            _wait(process, base)
        api = [_status(bases[i % 2] + "/api/v1/communes?q=reims&limit=1") for i in range(8)]
        assert api == [200, 200, 200, 200, 429, 429, 429, 429]
        # ProConnect is off here: the start page answers 404, counted by the login limit.
        ui = [_status(bases[i % 2] + "/connexion/proconnect") for i in range(6)]
        assert ui == [404, 404, 404, 429, 429, 429]
    finally:
        for process in servers:
            process.terminate()
        logs = [process.communicate(timeout=30)[1].decode() for process in servers]
    served = [
        [json.loads(line) for line in log.splitlines() if line.startswith('{"time"')]
        for log in logs
    ]
    # Each server answered its half of the API calls, refusals included.
    for lines in served:
        statuses = [line["status"] for line in lines if line.get("path") == "/api/v1/communes"]
        assert statuses == [200, 200, 429, 429]
