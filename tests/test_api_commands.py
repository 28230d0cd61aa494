"""`relais keys …`, `relais serve`, `relais openapi`, and the gunicorn configuration."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

from flask import Flask

from api import docs
from relais.app import create_app

ROOT = Path(__file__).resolve().parent.parent


def test_keys_create_list_revoke(runner, runtime):
    created = runner(
        [
            "keys",
            "create",
            "intranet-51",
            "--origine",
            "https://intranet.cd51.example.fr/",
            "--origine",
            "http://localhost:3000",
            "--limite",
            "300",
            "--professionnels",
        ]
    )
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    assert token.startswith("rl_")
    assert "ne sera plus affichée" in created.stderr

    client = create_app({"TESTING": True, "RELAIS_RUNTIME": runtime}).test_client()
    assert client.get("/api/v1/thematiques", headers={"X-Api-Key": token}).status_code == 200

    listed = json.loads(runner(["keys", "list", "--json"]).stdout)
    assert listed == [
        {
            "nom": "intranet-51",
            "debut_cle": token[:9],
            "origines": ["https://intranet.cd51.example.fr", "http://localhost:3000"],
            "limite_par_minute": 300,
            "portees": ["professionnels"],
            "creee_le": listed[0]["creee_le"],
            "revoquee_le": None,
            "active": True,
            "organisation": None,
        }
    ]
    assert token not in runner(["keys", "list"]).output
    assert "intranet-51" in runner(["keys", "list"]).output

    revoked = runner(["keys", "revoke", "intranet-51"])
    assert revoked.exit_code == 0 and "révoquée" in revoked.output
    assert client.get("/api/v1/thematiques", headers={"X-Api-Key": token}).status_code == 401
    assert "révoquée le" in runner(["keys", "list"]).output


def test_keys_errors_are_clear(runner):
    assert "Aucune clé d'API." in runner(["keys", "list"]).output
    runner(["keys", "create", "cd51"])
    duplicate = runner(["keys", "create", "cd51"])
    assert duplicate.exit_code == 1 and "existe déjà" in duplicate.output
    bad_origin = runner(["keys", "create", "autre", "--origine", "intranet.fr"])
    assert bad_origin.exit_code == 1 and "Origine invalide" in bad_origin.output
    negative = runner(["keys", "create", "autre", "--limite", "-1"])
    assert negative.exit_code == 2
    unknown = runner(["keys", "revoke", "inconnue"])
    assert unknown.exit_code == 1 and "Aucune clé active" in unknown.output


def test_serve_runs_the_app_on_the_given_port(runner, runtime, monkeypatch):
    calls = []

    def fake_run(self, **kwargs):  # the dev server itself is Flask's, not ours to test
        calls.append((self, kwargs))

    monkeypatch.setattr(Flask, "run", fake_run)
    result = runner(["serve", "--port", "5050", "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    app, kwargs = calls[0]
    assert kwargs["port"] == 5050 and kwargs["host"] == "0.0.0.0"
    assert app.extensions["relais"] is runtime
    assert app.test_client().get("/api/v1/health").status_code == 200


def test_openapi_command_prints_and_writes_the_committed_document(runner, tmp_path):
    printed = runner(["openapi"])
    assert printed.exit_code == 0
    assert printed.stdout == docs.COMMITTED.read_text(encoding="utf-8")
    target = tmp_path / "openapi.json"
    assert runner(["openapi", "--output", str(target)]).exit_code == 0
    assert target.read_text(encoding="utf-8") == printed.stdout


def test_gunicorn_configuration(monkeypatch):
    monkeypatch.setenv("RELAIS_WORKERS", "4")
    monkeypatch.setenv("RELAIS_SECRET_KEY", "k" * 32)
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert config["wsgi_app"] == "relais.wsgi:app"
    assert config["bind"] == "127.0.0.1:8000"
    assert config["workers"] == 4
    assert callable(config["post_worker_init"])


def test_wsgi_module_builds_the_app(monkeypatch, tmp_path):
    import importlib
    import sys

    monkeypatch.setenv("RELAIS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RELAIS_SECRET_KEY", "k" * 32)
    sys.modules.pop("relais.wsgi", None)
    module = importlib.import_module("relais.wsgi")
    assert isinstance(module.app, Flask)
    assert not (tmp_path / "data").exists()  # building the app reads and creates nothing
    sys.modules.pop("relais.wsgi", None)


def test_gunicorn_serves_the_api(tmp_path):
    """The documented production command, for real: one worker on a free loopback port."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "RELAIS_BIND": f"127.0.0.1:{port}",
        "RELAIS_WORKERS": "1",
        "RELAIS_DATA_DIR": str(tmp_path / "data"),
        "RELAIS_SECRET_KEY": "k" * 32,
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/v1/communes?q=reims&limit=1", timeout=5
                ) as response:
                    body = json.loads(response.read())
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert body[0]["code_insee"] == "51454"
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    log = [json.loads(line) for line in stderr.decode().splitlines() if line.startswith("{")]
    assert any(line.get("path") == "/api/v1/communes" for line in log)
