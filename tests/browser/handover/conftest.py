"""Fixtures of the hand-over's browser journeys, on SQLite and on a real PostgreSQL: per
database, one runtime and one live server for the whole run (session scope, so pytest runs
every journey on SQLite, then every journey on PostgreSQL, with two servers in all), whose
e-mails go to the run's real SMTP server (``smtp_server``, aiosmtpd on loopback).

- ``hand_server``: ``Served(url, runtime, database_url, backend)``;
- ``people``: the accounts and territories of ``handover_support.world`` (store emptied first);
- ``session_of(user, js=True)``: a Chromium page logged in as ``user``, in its own context;
- ``mails``: the SMTP server's messages once the app's background sender is idle;
- ``relais_taches(day)``: ``relais taches --date day`` run for real, as cron would, in a
  ``.venv/bin/relais`` subprocess on the live server's data folder and database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from database_support import clean_database
from handover_support import PASSWORD, world
from werkzeug.serving import make_server

from persistence import Database
from relais import settings as settings_module
from relais.runtime import Runtime

from ..conftest import _context, load_marne, log_in

ROOT = Path(__file__).resolve().parents[3]
RELAIS = Path(sys.executable).with_name("relais")
BACKENDS = ["sqlite", "postgresql"]


@dataclass
class Served:
    url: str
    runtime: Runtime
    database_url: str
    backend: str


@pytest.fixture(scope="session", params=BACKENDS)
def hand_server(request, tmp_path_factory, directory, smtp_server):
    """The app on its own database (SQLite file, or the run's PostgreSQL), served on loopback."""
    folder = tmp_path_factory.mktemp(f"handover-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'relais.db'}"
        Database(url).upgrade()
    else:
        url = request.getfixturevalue("postgresql_url")  # migrated when started
    rt = Runtime(
        settings_module.load(
            {
                "DATA_DIR": str(folder / "data"),
                "SEARCH_ENGINE": "embedded",
                "COOKIE_SECURE": False,  # plain HTTP on loopback
                "DATABASE_URL": url,
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": smtp_server.port,
                "MAIL_FROM": "relais@cd51.example.fr",
            }
        )
    )
    rt.directory = directory
    load_marne(rt)

    from relais.app import create_app

    # Every test logs in from 127.0.0.1: throttling has its own tests.
    app = create_app({"TESTING": True, "RELAIS_RUNTIME": rt, "LOGIN_RATE_LIMIT": "1000 per minute"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    # The links of the e-mails (the notifier is built on the first message, after this).
    rt.settings["PUBLIC_URL"] = app.config["PUBLIC_URL"] = base
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(base, rt, url, request.param)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        rt.database.dispose()


@pytest.fixture
def hand_runtime(hand_server) -> Runtime:
    sender = hand_server.runtime.mail_sender
    assert sender is None or sender.wait_idle(30)  # nothing of the last test still sending
    clean_database(hand_server.database_url)  # each journey starts from an empty store
    return hand_server.runtime


@pytest.fixture
def people(hand_runtime):
    return world(hand_runtime, PASSWORD)


@pytest.fixture
def session_of(browser, hand_server, people):
    """``session_of(user, js=True)`` → a page logged in as ``user`` in its own context."""
    opened = []

    def open_page(user=None, js: bool = True):
        context = _context(browser, base_url=hand_server.url, java_script_enabled=js)
        context.set_default_timeout(10_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        opened.append((context, errors))
        if user is not None:
            log_in(page, user.email, PASSWORD)
        return page

    yield open_page
    for context, errors in opened:
        context.close()
        assert not errors, f"Erreurs JavaScript : {errors}"


@pytest.fixture
def mails(smtp, hand_runtime):
    """``mails()`` → the messages received since the test began, once the app's background
    sender has tried every message it was given (the pages do not wait on SMTP)."""

    def received() -> list:
        sender = hand_runtime.mail_sender
        assert sender is None or sender.wait_idle(30), "courriels toujours en cours d'envoi"
        with smtp.lock:
            return list(smtp.messages)

    return received


@pytest.fixture
def relais_taches(hand_server):
    """``relais_taches(day)`` → the ``relais taches --date day`` process's output (asserts
    exit code 0): what cron runs, against the live server's data folder and database."""
    settings = hand_server.runtime.settings
    env = {
        **os.environ,
        "RELAIS_DATA_DIR": str(settings["DATA_DIR"]),
        "RELAIS_DATABASE_URL": hand_server.database_url,
        "RELAIS_SEARCH_ENGINE": "embedded",
        "RELAIS_SMTP_HOST": str(settings["SMTP_HOST"]),
        "RELAIS_SMTP_PORT": str(settings["SMTP_PORT"]),
        "RELAIS_MAIL_FROM": str(settings["MAIL_FROM"]),
        "RELAIS_PUBLIC_URL": hand_server.url,
        "RELAIS_SECRET_KEY": str(settings["SECRET_KEY"]),
    }

    def run(day: date) -> str:
        done = subprocess.run(
            [str(RELAIS), "taches", "--date", day.isoformat()],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    return run
