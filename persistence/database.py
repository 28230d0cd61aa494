"""The connection to the relational store, its migrations and the up-to-date check.

``Database.from_settings(settings)`` reads ``DATABASE_URL`` (default: the SQLite file
``DATA_DIR/relais.db``; PostgreSQL as ``postgresql+psycopg://user:pass@host:port/db``).
Nothing connects until first used. ``upgrade()`` applies the Alembic migrations
(``relais db upgrade``); ``check()`` raises ``DatabaseOutOfDate`` with the French message the
app shows when it refuses to start.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DEFAULT_FILE = "relais.db"  # in DATA_DIR


class DatabaseError(RuntimeError):
    """The store cannot be reached or used (French message naming the setting)."""


class DatabaseOutOfDate(DatabaseError):
    """The schema is behind the code's migrations."""


def default_url(data_dir: str | Path) -> str:
    return f"sqlite:///{Path(data_dir) / DEFAULT_FILE}"


def _owner_only_file(path: Path) -> None:
    """Create the SQLite file readable by its owner only (SQLite gives its journal and WAL
    files the permissions of the database file)."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


# One engine (one connection pool) per URL and process, however many runtimes are built.
_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()


class Database:
    def __init__(
        self,
        url: str,
        data_dir: str | Path | None = None,
        decoupage_dir: str | Path | None = None,
    ):
        """``decoupage_dir``: the reference geography, read by the migration that holds
        existing orientation events to the anonymity rules (revision 0004)."""
        self.url = url
        self.data_dir = Path(data_dir) if data_dir else None
        self.decoupage_dir = Path(decoupage_dir) if decoupage_dir else None

    @classmethod
    def from_settings(cls, settings: dict) -> Database:
        url = settings.get("DATABASE_URL") or default_url(settings["DATA_DIR"])
        return cls(url, settings["DATA_DIR"], settings.get("DECOUPAGE_DIR"))

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.url).get_backend_name() == "sqlite"

    @property
    def safe_url(self) -> str:
        """The URL without its password, for messages."""
        return make_url(self.url).render_as_string(hide_password=True)

    @property
    def engine(self) -> Engine:
        engine = _ENGINES.get(self.url)
        if engine is None:
            with _ENGINES_LOCK:
                engine = _ENGINES.get(self.url)
                if engine is None:
                    engine = _ENGINES[self.url] = self._create_engine()
        return engine

    def _create_engine(self) -> Engine:
        url = make_url(self.url)
        if self.is_sqlite:
            if url.database and url.database != ":memory:":
                _owner_only_file(Path(url.database))
            engine = create_engine(url, connect_args={"timeout": 30})

            @event.listens_for(engine, "connect")
            def _pragmas(dbapi_connection, _record):
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA foreign_keys = ON")
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.close()

            return engine
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)

    def _alembic_config(self, connection) -> Config:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        config.attributes["legacy_data_dir"] = self.data_dir
        config.attributes["decoupage_dir"] = self.decoupage_dir
        return config

    def head_revision(self) -> str:
        return ScriptDirectory(str(MIGRATIONS)).get_current_head()

    def current_revision(self) -> str | None:
        try:
            with self.engine.connect() as connection:
                return MigrationContext.configure(connection).get_current_revision()
        except SQLAlchemyError as exc:
            raise DatabaseError(
                f"Base de données injoignable ({self.safe_url}) : {exc.__class__.__name__}. "
                "Vérifiez RELAIS_DATABASE_URL."
            ) from exc

    def upgrade(self) -> tuple[str | None, str]:
        """Apply every pending migration; return (revision before, revision after)."""
        before = self.current_revision()
        with self.engine.begin() as connection:
            command.upgrade(self._alembic_config(connection), "head")
        return before, self.head_revision()

    def check(self) -> None:
        """Raise ``DatabaseOutOfDate`` unless the schema is at the code's last migration."""
        current, head = self.current_revision(), self.head_revision()
        if current != head:
            state = "vide" if current is None else f"à la version {current}"
            raise DatabaseOutOfDate(
                f"La base de données ({self.safe_url}) est {state}, le code attend la version "
                f"{head}. Lancez « relais db upgrade » puis redémarrez."
            )

    def dispose(self) -> None:
        """Close the pooled connections of this URL (tests, process shutdown)."""
        with _ENGINES_LOCK:
            engine = _ENGINES.pop(self.url, None)
        if engine is not None:
            engine.dispose()
