"""Shared fixtures: settings in a temporary data dir, the runtime, the CLI runner, the app."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from relais import settings as settings_module
from relais.runtime import Runtime
from resource_base.geo import CommuneDirectory


@pytest.fixture(scope="session")
def directory() -> CommuneDirectory:
    """The real communes file (read once per test run)."""
    values = settings_module.load()
    return CommuneDirectory.load(values["DECOUPAGE_DIR"], values["COMMUNES_CSV"])


@pytest.fixture
def settings(tmp_path) -> dict:
    return settings_module.load({"DATA_DIR": str(tmp_path / "data"), "SEARCH_ENGINE": "embedded"})


@pytest.fixture
def runtime(settings, directory) -> Runtime:
    rt = Runtime(settings)
    rt.directory = directory  # cached_property: reuse the session's directory
    return rt


@pytest.fixture
def runner(runtime):
    """Invoke the `relais` CLI against the test runtime: runner(["search", ...])."""
    from relais.cli import main

    cli = CliRunner()

    def invoke(args, **kwargs):
        return cli.invoke(main, args, obj={"runtime": lambda: runtime}, **kwargs)

    return invoke


@pytest.fixture
def app(runtime):
    from relais.app import create_app

    application = create_app({"TESTING": True, "RELAIS_RUNTIME": runtime})
    yield application


@pytest.fixture
def client(app):
    return app.test_client()


# The engines every contract test runs against.
ENGINES = ["embedded", "elasticsearch"]
ROOT = Path(__file__).resolve().parent.parent
ES_TEST_PORT = os.environ.get("RELAIS_TEST_ES_PORT", "9250")


@pytest.fixture(scope="session")
def es_settings() -> dict:
    """A real Elasticsearch node for this test run (started by scripts/elasticsearch).

    Never skipped: when it cannot start, the tests that need it fail with the script's words.
    """
    script = str(ROOT / "scripts" / "elasticsearch")
    was_running = (
        subprocess.run([script, "status", "--port", ES_TEST_PORT], capture_output=True).returncode
        == 0
    )
    started = subprocess.run(
        [script, "start", "--port", ES_TEST_PORT], capture_output=True, text=True, timeout=900
    )
    if started.returncode != 0:
        pytest.fail(f"Elasticsearch n'a pas démarré :\n{started.stderr[-3000:]}")
    values = dict(
        line.split("=", 1) for line in started.stdout.splitlines() if line.startswith("RELAIS_")
    )
    yield {key.removeprefix("RELAIS_"): value for key, value in values.items()}
    if not was_running and not os.environ.get("RELAIS_TEST_ES_KEEP"):
        subprocess.run([script, "stop", "--port", ES_TEST_PORT], capture_output=True, timeout=120)


def engine_overrides(request, engine: str) -> dict:
    """Settings for a runtime on ``engine``; Elasticsearch gets an alias of its own."""
    overrides = {"SEARCH_ENGINE": engine}
    if engine == "elasticsearch":
        overrides.update(request.getfixturevalue("es_settings"))
        overrides["SEARCH_ENGINE"] = "elasticsearch"
        overrides["ES_INDEX"] = f"relais-test-{uuid.uuid4().hex[:10]}"
    return overrides


@pytest.fixture(scope="module", params=ENGINES)
def contract_runtime(request, tmp_path_factory, directory) -> Runtime:
    """A runtime on the given engine, loaded with the contract's hand-made data set."""
    overrides = {
        "DATA_DIR": str(tmp_path_factory.mktemp("contract")),
        **engine_overrides(request, request.param),
    }
    return loaded_runtime(overrides, directory)


def loaded_runtime(overrides: dict, directory: CommuneDirectory) -> Runtime:
    """A runtime with the contract's data set in its store and its engine."""
    from contract_data import resources

    rt = Runtime(settings_module.load(overrides))
    rt.directory = directory
    rt.store.replace(
        "source",
        "test",
        resources(),
        {"fichiers": ["contract_data.py"]},
        writers=rt.store_writers(),
    )
    rt.after_store_change()
    return rt
