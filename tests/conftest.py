"""Shared fixtures: settings in a temporary data dir, the runtime, the CLI runner, the app."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from indexer.runtime import Runtime
from resource_base import settings as settings_module
from resource_base.geo import CommuneDirectory


@pytest.fixture(scope="session")
def directory() -> CommuneDirectory:
    """The real communes file (read once per test run)."""
    values = settings_module.load()
    return CommuneDirectory.load(values["COMMUNES_CSV"], values["EPCI_JSON"])


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
    from api.cli import main

    cli = CliRunner()

    def invoke(args, **kwargs):
        return cli.invoke(main, args, obj={"runtime": lambda: runtime}, **kwargs)

    return invoke


@pytest.fixture
def app(runtime):
    from api.app import create_app

    application = create_app({"TESTING": True, "RELAIS_RUNTIME": runtime})
    yield application


@pytest.fixture
def client(app):
    return app.test_client()
