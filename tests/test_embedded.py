"""Embedded-engine specifics: its tables live in the store and follow its schema version."""

from __future__ import annotations

import threading

from contract_data import resources

from resource_base.search import SearchQuery, SearchService
from resource_base.store import Store
from search_engines.embedded import SCHEMA_VERSION, EmbeddedEngine


def test_schema_change_rebuilds_once_even_with_concurrent_workers(tmp_path, directory):
    store = Store(tmp_path / "relais.sqlite3")
    first = EmbeddedEngine(store)
    store.replace("source", "test", resources(), {"fichiers": ["x"]}, writers=[first.writer])
    with store.transaction() as conn:  # as after an upgrade: the tables are of an older schema
        conn.execute("UPDATE meta SET value = 'ancien' WHERE key = 'moteur_schema'")
    engines, errors = [], []

    def start():
        try:
            engines.append(EmbeddedEngine(store))
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(engines) == 3
    with store.transaction() as conn:
        assert (
            conn.execute("SELECT value FROM meta WHERE key = 'moteur_schema'").fetchone()[0]
            == SCHEMA_VERSION
        )
    assert engines[0].count() == len(resources())
    result = SearchService(engines[0], directory).search(SearchQuery(code_commune="51108"))
    assert result.total > 0


def test_index_follows_writes_from_another_process_view(tmp_path, directory):
    store = Store(tmp_path / "relais.sqlite3")
    writer_side, reader_side = EmbeddedEngine(store), EmbeddedEngine(store)
    service = SearchService(reader_side, directory)
    reader_side.warm()
    assert service.search(SearchQuery(code_commune="51108")).total == 0
    store.replace("source", "test", resources(), {"fichiers": ["x"]}, writers=[writer_side.writer])
    assert service.search(SearchQuery(code_commune="51108")).total > 0


def test_search_documents_match_those_built_from_the_store(tmp_path):
    from search_engines.elasticsearch import ElasticsearchEngine

    store = Store(tmp_path / "relais.sqlite3")
    engine = EmbeddedEngine(store)
    store.replace("source", "test", resources(), {"fichiers": ["x"]}, writers=[engine.writer])
    from_tables = sorted(engine.search_documents(), key=lambda d: d["id"])
    from_store = sorted(ElasticsearchEngine.documents_from(store), key=lambda d: d["id"])
    assert len(from_tables) == len(resources())
    assert from_tables == from_store


def test_token_cache_is_bounded_in_bytes(tmp_path, directory):
    """New words from anonymous requests cannot grow a worker without limit (issue 11)."""
    from bench import synthetic

    store = Store(tmp_path / "relais.sqlite3")
    budget = 40_000  # bytes: a handful of masks of this index
    engine = EmbeddedEngine(store, token_cache_bytes=budget)
    records = list(synthetic.generate(3_000, directory, seed=3))
    store.replace("source", "synth", records, {"fichiers": ["x"]}, writers=[engine.writer])
    service = SearchService(engine, directory, lexicon=engine.lexicon)
    words = sorted(engine.lexicon().frequencies)[:120]
    assert len(words) == 120
    for word in words:
        service.search(SearchQuery(code_commune="51108", q=word, rayon_km=200))
    masks = engine._current_index().masks
    mask_bytes = masks.size  # one boolean per record slot
    assert mask_bytes * 3 < budget  # several masks fit…
    assert 0 < masks.nbytes <= budget  # …but never more than the budget
    assert len(masks) == masks.nbytes // mask_bytes < 120 * 3
    # The least recently used masks went first: the last word's are kept, the first's not.
    assert ("mots", words[-1]) in masks
    assert ("mots", words[0]) not in masks


def test_token_cache_budget_is_a_setting(runtime):
    assert runtime.settings["EMBEDDED_TOKEN_CACHE_MB"] == 64
    assert runtime.embedded.token_cache_bytes == 64 * 1024 * 1024


def test_the_wal_grows_past_sqlites_default_checkpoint_before_syncing(tmp_path, directory):
    """SQLite checkpoints (and syncs) a WAL of 1,000 pages by default; the store lets it grow
    to ``WAL_CHECKPOINT_PAGES`` first, so that an import of department after department
    does not sync at each one, and cuts it back after the checkpoint."""
    from bench import synthetic
    from resource_base import store as store_module

    store = Store(tmp_path / "relais.sqlite3")
    engine = EmbeddedEngine(store)
    wal = tmp_path / "relais.sqlite3-wal"
    by_departement: dict[str, list] = {}
    for resource in synthetic.generate(6000, directory, seed=7):
        by_departement.setdefault(resource.departement, []).append(resource)
    sizes = []
    for departement, batch in sorted(by_departement.items()):
        store.replace("departement", departement, batch, {}, writers=[engine.writer])
        sizes.append(wal.stat().st_size)
    default_checkpoint = 1000 * 4096
    assert max(sizes) > 2 * default_checkpoint  # it grew well past SQLite's default
    assert all(size <= store_module.WAL_SIZE_LIMIT + 8 * 1024 * 1024 for size in sizes)
    assert store.count() == 6000
