"""The settings registry at the doors: the CLI, gunicorn, the WSGI module and create_app
refuse an unusable setting with one French line and exit code 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from relais.app import create_app
from relais.settings import DEV_SECRET_KEY, PREFIX, ConfigError

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"


def _run(command: list[str], tmp_path: Path, **variables: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(PREFIX)}
    env.update({"RELAIS_DATA_DIR": str(tmp_path / "data"), **variables})
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def _relais() -> str:
    found = BIN / "relais"
    return str(found) if found.exists() else "relais"


@pytest.mark.parametrize(
    ("variables", "args", "expected"),
    [
        (
            {"RELAIS_GEOCODER": "bogus"},
            ["import", "fixtures/demo/ressources_51.csv", "--departement", "51"],
            "RELAIS_GEOCODER : valeur attendue : « offline », « ban » ; reçu « bogus »",
        ),
        (
            {"RELAIS_WORKERS": "abc"},
            ["communes", "chal"],
            "RELAIS_WORKERS : valeur attendue : un nombre entier, reçu « abc »",
        ),
        (
            {"RELAIS_SEARCH_ENGINE": "solr"},
            ["search", "--commune", "51108"],
            "RELAIS_SEARCH_ENGINE : valeur attendue : « embedded », « elasticsearch » ; reçu « solr »",
        ),
    ],
)
def test_cli_refuses_an_unusable_setting(tmp_path, variables, args, expected):
    result = _run([_relais(), *args], tmp_path, **variables)
    assert result.returncode == 2
    assert result.stderr.strip() == f"Réglage invalide : {expected}."
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()  # nothing was touched


def test_cli_help_reads_no_setting(tmp_path):
    result = _run([_relais(), "--help"], tmp_path, RELAIS_WORKERS="abc")
    assert result.returncode == 0 and "relais" in result.stdout.lower()


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"RELAIS_WORKERS": "abc"}, "RELAIS_WORKERS : valeur attendue : un nombre entier"),
        ({}, "RELAIS_SECRET_KEY : définissez une clé secrète propre à ce service"),
        ({"RELAIS_SECRET_KEY": DEV_SECRET_KEY}, "RELAIS_SECRET_KEY : définissez"),
        ({"RELAIS_SECRET_KEY": "court"}, "RELAIS_SECRET_KEY : valeur attendue : au moins 16"),
    ],
)
def test_gunicorn_refuses_an_unusable_setting(tmp_path, variables, expected):
    gunicorn = BIN / "gunicorn"
    command = [str(gunicorn) if gunicorn.exists() else "gunicorn", "-c", "gunicorn.conf.py"]
    result = _run(command, tmp_path, RELAIS_BIND="127.0.0.1:5061", **variables)
    assert result.returncode == 2
    assert result.stderr.startswith(f"Réglage invalide : {expected}")
    assert "Traceback" not in result.stderr


def test_wsgi_module_refuses_the_default_secret(tmp_path):
    result = _run([sys.executable, "-c", "import relais.wsgi"], tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("Réglage invalide : RELAIS_SECRET_KEY")
    assert "Traceback" not in result.stderr


def test_create_app_serving_requires_a_secret_except_in_tests(runtime):
    with pytest.raises(ConfigError, match="RELAIS_SECRET_KEY"):
        create_app({"RELAIS_RUNTIME": runtime}, serving=True)
    app = create_app({"RELAIS_RUNTIME": runtime, "SECRET_KEY": "s" * 32}, serving=True)
    assert app.secret_key == "s" * 32
    assert create_app({"TESTING": True, "RELAIS_RUNTIME": runtime}, serving=True).testing
    # The development server and the commands that only read the app keep the default.
    assert create_app({"RELAIS_RUNTIME": runtime}).secret_key == DEV_SECRET_KEY


def test_app_config_is_the_test_runtime_s(app, runtime, tmp_path):
    assert app.extensions["relais"] is runtime
    assert app.config["DATA_DIR"] == runtime.settings["DATA_DIR"] == str(tmp_path / "data")
    assert app.config["SEARCH_ENGINE"] == runtime.settings["SEARCH_ENGINE"]


def test_runtime_is_built_from_app_config(tmp_path):
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "ici")})
    runtime = app.extensions["relais"]
    assert runtime.settings["DATA_DIR"] == app.config["DATA_DIR"] == str(tmp_path / "ici")


def test_create_app_refuses_an_unusable_override(runtime):
    with pytest.raises(ConfigError, match="RELAIS_ANONYMOUS_RATE_LIMIT"):
        create_app({"TESTING": True, "RELAIS_RUNTIME": runtime, "ANONYMOUS_RATE_LIMIT": "beaucoup"})
