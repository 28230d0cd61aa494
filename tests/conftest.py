"""Shared fixtures: settings in a temporary data dir, the runtime, the CLI runner, the app."""

from __future__ import annotations

import os
import re
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from database_support import (
    clean_database,
    session_database_url,
    start_postgresql,
    stop_postgresql,
)
from smtp_support import start_smtp
from sqlalchemy import text

from persistence import Database
from persistence.tables import metadata
from relais import settings as settings_module
from relais.runtime import Runtime
from resource_base.geo import CommuneDirectory


@pytest.fixture(scope="session", autouse=True)
def relational_store(tmp_path_factory):
    """One relational store for the whole run, migrated once and emptied before each test.

    SQLite by default; a real PostgreSQL server (scripts/postgresql, port
    ``RELAIS_TEST_PG_PORT``) with ``RELAIS_TEST_DATABASE=postgresql``. Exported as
    ``RELAIS_DATABASE_URL`` so that every runtime, app and ``relais`` subprocess uses it.
    """
    url, started = session_database_url(tmp_path_factory.mktemp("relational"))
    previous = os.environ.get("RELAIS_DATABASE_URL")
    os.environ["RELAIS_DATABASE_URL"] = url
    yield url
    if previous is None:
        os.environ.pop("RELAIS_DATABASE_URL", None)
    else:
        os.environ["RELAIS_DATABASE_URL"] = previous
    if started:
        stop_postgresql()


@pytest.fixture(autouse=True)
def _empty_relational_store(relational_store):
    clean_database(relational_store)


@pytest.fixture(scope="session")
def oidc_provider():
    """A real OpenID Connect provider process on loopback, for the ProConnect tests."""
    from oidc_support import start_provider, stop_provider

    process, base = start_provider()
    yield base
    stop_provider(process)


@pytest.fixture(scope="session")
def postgresql_url(relational_store):
    """A real PostgreSQL server for the store's parametrised tests (started once)."""
    if relational_store.startswith("postgresql"):
        yield relational_store  # the whole run is on PostgreSQL already
        return
    url, _ = start_postgresql()
    yield url
    stop_postgresql()


@pytest.fixture(scope="session")
def directory() -> CommuneDirectory:
    """The real communes file (read once per test run)."""
    values = settings_module.load()
    return CommuneDirectory.load(values["DECOUPAGE_DIR"], values["COMMUNES_CSV"])


@pytest.fixture
def settings(tmp_path) -> dict:
    return settings_module.load(
        {"DATA_DIR": str(tmp_path / "data"), "SEARCH_ENGINE": "embedded", "COOKIE_SECURE": False}
    )


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


def make_user(
    runtime,
    email: str = "conseillere@ft51.example.fr",
    role: str = "conseiller",
    departement: str | None = "51",
    agence: str | None = "AG51",
    password: str | None = None,
    partage: bool = True,
):
    """An active account (its department declared, sharing the base by default)."""
    if departement and runtime.accounts.store.get_departement(departement) is None:
        runtime.accounts.set_departement(None, departement, partage)
    return runtime.accounts.create_user(
        None,
        email,
        role,
        departement,
        agence if role.startswith("conseiller") else None,
        password,
    )


def sign_in(client, user) -> None:
    """Open a session for ``user`` as Flask-Login does (the login form has its own tests)."""
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
        session["vu"] = time.time()


def csrf_token(client) -> str:
    """The CSRF token of ``client``'s session, as a page's form carries it."""
    html = client.get("/connexion").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def adviser(runtime):
    return make_user(runtime)


@pytest.fixture
def client(app, runtime, adviser):
    """A test client logged in as a France Travail adviser (the UI's everyday user)."""
    test_client = app.test_client()
    sign_in(test_client, adviser)
    return test_client


@pytest.fixture
def widget_path(runtime) -> str:
    """The address of a public widget of the Marne (allowed origin https://intranet.example.fr)."""
    _config, token = make_widget(runtime)
    return f"/widget/{token}"


@pytest.fixture
def anonymous_client(app):
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


def make_widget(runtime, origins=("https://intranet.example.fr",), departement="51", **fields):
    """A widget configuration created by a national admin (through the service, audited):
    returns (configuration, token)."""
    from accounts.widgets import WidgetConfig

    email = "admin-widgets@relais.example.fr"
    admin = runtime.accounts.store.find_user_by_email(email) or make_user(
        runtime, email, role="admin_national", departement=None
    )
    fields.setdefault("name", "Intranet de test")
    config = runtime.widgets.create(
        admin, WidgetConfig(id=None, departement=departement, origins=tuple(origins), **fields)
    )
    return config, runtime.widgets.token(config)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """An empty, migrated relational store on each backend (SQLite file, real PostgreSQL)."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'store.db'}", tmp_path)
        db.upgrade()
        yield db
        db.dispose()
        return
    url = request.getfixturevalue("postgresql_url")
    db = Database(url)
    with db.engine.begin() as conn:
        names = ", ".join(t.name for t in metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    yield db


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server on loopback (``smtp_support.Inbox``: ``port``, ``messages``)."""
    controller, inbox = start_smtp()
    yield inbox
    controller.stop()


@pytest.fixture
def smtp(smtp_server):
    """The session's SMTP server, emptied for this test."""
    smtp_server.clear()
    return smtp_server
