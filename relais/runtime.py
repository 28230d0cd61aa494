"""The running parts of Relais (store, communes, engine), built lazily from the settings.

Shared by the CLI and the Flask app (``app.extensions["relais"]``): nothing connects or reads a
big file until it is first used.
"""

from __future__ import annotations

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

    @property
    def data_dir(self) -> Path:
        path = Path(self.settings["DATA_DIR"])
        path.mkdir(parents=True, exist_ok=True)
        return path

    @cached_property
    def store(self) -> Store:
        return Store(self.data_dir / "relais.sqlite3")

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
