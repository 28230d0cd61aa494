"""The running parts of Relais (store, communes, engine), built lazily from the settings.

Shared by the CLI and the Flask app (``app.extensions["relais"]``): nothing connects or reads a
big file until it is first used. The resource store and the embedded engine stay in their
SQLite file (``DATA_DIR/relais.sqlite3``); people, keys, orientations and the audit log are in
the relational store (``database``, ``persistence/``).
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

from relais import settings as settings_module
from resource_base.geo import CommuneDirectory
from resource_base.search import SearchService
from resource_base.store import Store


class Runtime:
    """``Runtime(settings)``: ``settings`` as ``relais.settings.load`` returns them (checked
    there: the runtime validates nothing itself); None loads them from the environment and
    raises ``relais.settings.ConfigError`` on an unusable value."""

    def __init__(self, settings: dict | None = None):
        self.settings = settings if settings is not None else settings_module.load()
        self.mail_after_response = False  # see send_mail_after_response
        self.mail_sender = None  # its notifications.sender.BackgroundSender, once built

    @property
    def data_dir(self) -> Path:
        """The data folder, created readable by its owner only (stores, rejects, caches)."""
        path = Path(self.settings["DATA_DIR"])
        if not path.exists():
            path.mkdir(parents=True, mode=0o700)
        return path

    @cached_property
    def store(self) -> Store:
        path = self.data_dir / "relais.sqlite3"
        if not path.exists():
            # Owner-only: SQLite gives its journal and WAL files the same permissions.
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        return Store(path)

    @cached_property
    def database(self):
        """The relational store (accounts, keys, orientations, audit); connects on first use."""
        from persistence import Database

        return Database.from_settings(self.settings)

    @cached_property
    def accounts(self):
        from accounts.services import AccountService
        from persistence.accounts import SqlAccountStore

        return AccountService(SqlAccountStore(self.database))

    @cached_property
    def keys(self):
        from accounts.keys import KeyService
        from persistence.keys import SqlKeyStore

        return KeyService(SqlKeyStore(self.database))

    @cached_property
    def widgets(self):
        """Widget configurations for intranets (issue 13), tokens signed with SECRET_KEY."""
        from accounts.widgets import WidgetService
        from persistence.widgets import SqlWidgetStore
        from resource_base import vocabulary

        return WidgetService(
            SqlWidgetStore(self.database),
            str(self.settings["SECRET_KEY"]),
            self.accounts.audit,
            vocabulary.is_thematique,
        )

    @cached_property
    def handovers(self):
        """The hand-overs to axes 2 and 3 (``handover.services.HandOverService``)."""
        import hashlib
        import hmac

        from handover.services import HandOverService
        from persistence.handovers import SqlHandOverStore

        secret = str(self.settings["SECRET_KEY"]).encode()

        def person_key(identifiant_ft: str) -> str:
            # Keyed, so that the column alone does not reveal the identifiant.
            return hmac.new(secret, identifiant_ft.encode(), hashlib.sha256).hexdigest()

        def commune_departement(code: str) -> str | None:
            commune = self.directory.get(code)
            return commune.departement if commune else None

        return HandOverService(
            SqlHandOverStore(self.database),
            self.accounts,
            commune_departement,
            person_key,
            notify=self.handover_notifier,
            departement_name=lambda code: self.directory.departement_names.get(code),
        )

    @cached_property
    def handover_dashboard(self):
        """The délais dashboard (``handover.dashboard.DashboardService``), read from the
        snapshot of cohort cells (``persistence.dashboard_cells``)."""
        from handover.dashboard import DashboardService

        return DashboardService(self.dashboard_snapshots)

    @cached_property
    def dashboard_snapshots(self):
        """The délais dashboard's snapshot: read by the page, refreshed by ``relais taches``."""
        from persistence.dashboard_cells import DashboardSnapshots

        return DashboardSnapshots(self.database)

    @cached_property
    def handover_notifier(self):
        """The hand-over's e-mails (``notifications.handover``), without personal data."""
        from notifications.handover import HandOverNotifier
        from notifications.mailer import Mailer
        from persistence.outbox import SqlOutbox

        notifier = HandOverNotifier(
            Mailer.from_settings(self.settings),
            self.accounts.store,
            SqlOutbox(self.database),
            self.settings["PUBLIC_URL"],
        )
        if self.mail_after_response:
            self._send_later(notifier)
        return notifier

    def _send_later(self, notifier) -> None:
        from notifications.sender import BackgroundSender

        self.mail_sender = BackgroundSender(notifier.deliver)
        notifier.later = self.mail_sender.submit

    def send_mail_after_response(self) -> None:
        """The app's choice (``create_app``): hand-over e-mails are written to the outbox and
        sent by a background thread, so that no web request waits on SMTP; the CLI (``relais
        taches``) keeps sending at once."""
        self.mail_after_response = True
        notifier = self.__dict__.get("handover_notifier")
        if notifier is not None and notifier.later is None:
            self._send_later(notifier)

    @cached_property
    def handover_tasks(self):
        """The queries of ``relais taches`` (``persistence.handover_tasks``)."""
        from persistence.handover_tasks import SqlHandOverTaskStore

        return SqlHandOverTaskStore(self.database)

    @cached_property
    def orientation_log(self):
        from persistence.orientations import SqlOrientationLog

        return SqlOrientationLog(self.database)

    @cached_property
    def needs_log(self):
        """Search events and the monthly counts of the unmet-needs page (issue 13)."""
        from persistence.needs import SqlNeedsLog

        return SqlNeedsLog(self.database)

    @cached_property
    def needs_recorder(self):
        """Records one anonymous event per search (``resource_base.needs_events``)."""
        from resource_base.needs_events import NeedsRecorder

        def territory_id(code_insee: str) -> int | None:
            territory = self.accounts.store.territory_of(code_insee)
            return territory.id if territory else None

        # The search service's clock: the day of the event is the day of the search.
        return NeedsRecorder(self.needs_log, territory_id, lambda: self.search_service.clock())

    @cached_property
    def directory(self) -> CommuneDirectory:
        return CommuneDirectory.load(self.settings["DECOUPAGE_DIR"], self.settings["COMMUNES_CSV"])

    @cached_property
    def embedded(self):
        from search_engines.embedded import EmbeddedEngine

        budget = int(self.settings["EMBEDDED_TOKEN_CACHE_MB"]) * 1024 * 1024
        return EmbeddedEngine(self.store, token_cache_bytes=budget)

    @cached_property
    def elasticsearch(self):
        from search_engines.elasticsearch import ElasticsearchEngine

        return ElasticsearchEngine.from_settings(self.settings)

    @property
    def engine(self):
        """The engine that serves searches, per ``RELAIS_SEARCH_ENGINE``."""
        if self.settings["SEARCH_ENGINE"] == "elasticsearch":
            return self.elasticsearch
        return self.embedded

    @cached_property
    def search_service(self) -> SearchService:
        # Both engines weigh and correct words with the vocabulary of the embedded tables,
        # written in the store's own transactions (so it is there for Elasticsearch too).
        return SearchService(self.engine, self.directory, lexicon=self.embedded.lexicon)

    def store_writers(self) -> list:
        """Engine tables kept in the store's own transactions (the embedded engine's)."""
        return [self.embedded.writer]

    def reindex_elasticsearch(self) -> dict:
        """Rebuild the Elasticsearch index from the store, with the tokens the embedded
        tables already hold (written in the same transactions as the store)."""
        return self.elasticsearch.reindex(self.store, documents=self.embedded.search_documents())

    def after_store_change(self) -> dict | None:
        """Bring external engines in step after the store changed (Elasticsearch reindex)."""
        if self.settings["SEARCH_ENGINE"] == "elasticsearch":
            return self.reindex_elasticsearch()
        return None
