"""The worker pool validates exactly as the importing process does: same resources, same
rejections, same warnings, same engine tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer import parallel
from indexer.importer import ImportRefused, import_files
from relais import settings as settings_module
from relais.runtime import Runtime
from resource_base.search import SearchQuery

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "import"


def big_file(path: Path) -> Path:
    """1,300 rows (three chunks), a few of them wrong, some duplicated, some remote."""
    lines = [
        "id;nom_structure;nom;description;thematiques;code_insee;latitude;longitude;telephone;"
        "modes_accueil;date_maj"
    ]
    for i in range(1300):
        code, lat, lon = ("51108", "48.9566", "4.3631") if i % 2 else ("51454", "", "")
        theme = "sante" if i % 97 else "pas-une-thematique"
        ident = f"p{i}" if i % 211 else "p1"  # a few duplicate ids
        remote = "a-distance" if i % 50 == 0 else ""
        lines.append(
            f"{ident};DÉMO Structure {i % 13};Service parallèle n° {i} (démo);"
            f"Données de démonstration : aide à l'accès aux droits, n° {i}.;{theme};"
            f"{'' if remote else code};{'' if remote else lat};{'' if remote else lon};"
            f"03 26 00 {i % 100:02d} 00;{remote};15/01/2025"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(tmp_path: Path, directory, name: str, paths: list[Path], workers: int, **kwargs):
    runtime = Runtime(
        settings_module.load(
            {
                "DATA_DIR": str(tmp_path / name),
                "SEARCH_ENGINE": "embedded",
                "IMPORT_WORKERS": workers,
            }
        )
    )
    runtime.directory = directory
    try:
        report = import_files(runtime, paths, **kwargs)
    except ImportRefused as refused:
        report = refused.report
    stored = {r.id: r.to_dict() for r in runtime.store.iter_resources()}
    found = runtime.search_service.search(
        SearchQuery(code_commune="51108", q="parallele", size=100, rayon_km=100)
    ).to_dict()
    summary = report.to_dict()
    summary.pop("duree_s")
    summary.pop("rejets_fichier")
    return summary, stored, (found["total"], [item["id"] for item in found["items"]])


@pytest.mark.parametrize(
    "files, kwargs",
    [
        (["big"], {"force": True}),
        (["big"], {"departement": "51", "force": True}),
        (["valide.csv", "hostile.csv"], {"departement": "51", "force": True}),
        (["data_inclusion.jsonl"], {"force": True}),
    ],
)
def test_pool_and_single_process_agree(tmp_path, directory, monkeypatch, files, kwargs):
    paths = [big_file(tmp_path / "gros.csv") if f == "big" else FIXTURES / f for f in files]
    single = run(tmp_path, directory, "seul", paths, 1, **kwargs)
    monkeypatch.setattr(parallel, "POOL_MIN_BYTES", 0)
    try:
        pooled = run(tmp_path, directory, "groupe", paths, 2, **kwargs)
        assert parallel._pool is not None  # the pool really ran
    finally:
        parallel.shutdown()
    assert pooled == single
    if files == ["big"]:
        summary, stored, (total, _) = single
        assert summary["acceptees"] > 1200 and summary["rejetees"] > 10 and total > 0


def test_a_limit_hit_while_the_pool_works_refuses_and_keeps_serving(
    tmp_path, directory, monkeypatch
):
    from indexer.formats import InvalidImportFile

    runtime = Runtime(
        settings_module.load(
            {"DATA_DIR": str(tmp_path / "d"), "SEARCH_ENGINE": "embedded", "IMPORT_WORKERS": 2}
        )
    )
    runtime.directory = directory
    import_files(runtime, [FIXTURES / "valide.csv"])
    before = {r.id for r in runtime.store.iter_resources()}
    monkeypatch.setattr(parallel, "POOL_MIN_BYTES", 0)
    runtime.settings["IMPORT_MAX_ROWS"] = 1000  # the file has 1,300 rows: hit mid-stream
    try:
        with pytest.raises(InvalidImportFile, match="plus de 1000 lignes"):
            import_files(runtime, [big_file(tmp_path / "gros.csv")], departement="51")
        assert parallel._pool is None  # an abandoned import ends the pool
    finally:
        parallel.shutdown()
    assert {r.id for r in runtime.store.iter_resources()} == before


def _runtime(tmp_path: Path, directory, workers: int) -> Runtime:
    runtime = Runtime(
        settings_module.load(
            {"DATA_DIR": str(tmp_path), "SEARCH_ENGINE": "embedded", "IMPORT_WORKERS": workers}
        )
    )
    runtime.directory = directory
    return runtime


@pytest.mark.parametrize("workers", [1, 2])
def test_rows_are_written_while_later_rows_are_validated(tmp_path, directory, monkeypatch, workers):
    """Accepted rows go into the open transaction by batches as they come: the first batch
    is written before the last rows are validated (no second pass over a staged copy)."""
    from resource_base import store as store_module

    monkeypatch.setattr(store_module, "REPLACE_BATCH", 200)
    monkeypatch.setattr(parallel, "POOL_MIN_BYTES", 0)
    runtime = _runtime(tmp_path / "d", directory, workers)
    events: list[tuple[str, int]] = []
    writers = runtime.store_writers

    def spy(conn, removed, upserted) -> None:
        if upserted:
            events.append(("ecrites", len(upserted)))

    monkeypatch.setattr(runtime, "store_writers", lambda: [*writers(), spy])

    def progress(step, done, total, **tally) -> None:
        if step == "validation":
            events.append(("lues", done))

    try:
        report = import_files(
            runtime, [big_file(tmp_path / "gros.csv")], force=True, progress=progress
        )
    finally:
        parallel.shutdown()
    assert report.acceptees > 1200
    first_write = next(i for i, (kind, _) in enumerate(events) if kind == "ecrites")
    last_read = max(i for i, (kind, _) in enumerate(events) if kind == "lues")
    assert first_write < last_read, events
    assert sum(n for kind, n in events if kind == "ecrites") == report.acceptees
    assert runtime.store.count("source", "cd51") == report.acceptees


@pytest.mark.parametrize("workers", [1, 2])
def test_a_scope_refusal_found_after_the_rows_were_written_rolls_them_back(
    tmp_path, directory, monkeypatch, workers
):
    """The last row names another department: every row before it was already written in
    the transaction; the refusal rolls them back and the previous data still serves."""
    monkeypatch.setattr(parallel, "POOL_MIN_BYTES", 0)
    runtime = _runtime(tmp_path / "d", directory, workers)
    import_files(runtime, [FIXTURES / "valide.csv"])
    before = {r.id: r.to_dict() for r in runtime.store.iter_resources()}
    history = runtime.store.imports()
    path = big_file(tmp_path / "gros.csv")
    with path.open("a", encoding="utf-8") as handle:
        handle.write("ailleurs;DÉMO S;Service d'ailleurs (démo);;sante;52121;;;;;15/01/2025\n")
    try:
        with pytest.raises(ImportRefused, match=r"plusieurs départements \(51 : .*52 : 1 ligne"):
            import_files(runtime, [path], force=True, rejets=tmp_path / "rejets.csv")
    finally:
        parallel.shutdown()
    assert {r.id: r.to_dict() for r in runtime.store.iter_resources()} == before
    assert runtime.store.imports() == history
    assert runtime.embedded.count() == len(before)
    assert (tmp_path / "rejets.csv").is_file()  # written on a refusal too


def test_chunks_are_sized_so_that_each_worker_gets_several():
    # A department's file of 1,000 rows (~700 KB): 8 chunks of 125 rows for two workers.
    assert parallel.chunk_rows(2, 1000 * parallel.ROW_BYTES) == 125
    assert parallel.chunk_rows(4, 1000 * parallel.ROW_BYTES) == 63
    assert parallel.chunk_rows(2, 700 * 1024 * 1024) == parallel.CHUNK_ROWS  # a big file
    assert parallel.chunk_rows(2, 20 * 1024) == parallel.MIN_CHUNK_ROWS  # a small one
