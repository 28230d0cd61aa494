"""Rows, as the files are read → accepted resources or rejections (``accepted_resources``).

Chunks of rows go through ``parallel`` (a pool of workers, or this process); here, in the
file's order, each outcome becomes a rejection or an accepted resource (yielded at once: the
importer writes it into its open transaction while the workers validate the next chunks), a
second row with an id already seen is rejected, and the departments and sources the rows
name are counted (the import's scope).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from indexer import formats, parallel
from indexer.formats import SourceFile
from indexer.staging import Rejections, rejection
from indexer.validation import RowValidator
from resource_base.models import Resource

_SOURCE_PREFIX = re.compile(r"cd[0-9a-z]{2,3}--")
PROGRESS_EVERY = 1000
# progress(step, done, total, acceptees=…, rejetees=…) with step "validation" or "ecriture";
# total is None while the files are still being read (their number of rows is not known in
# advance); the validation step also gives the rows accepted and rejected so far (keywords).
Progress = Callable[..., None]


def source_of_departement(departement: str) -> str:
    """The source of a department's own files: ``cd51``, ``cd2a``, ``cd974``."""
    return f"cd{departement.lower()}"


@dataclass
class Scope:
    """What the validated rows say about the import's scope (complete once every row is
    read): rows accepted so far, and per department and per source."""

    departements: Counter = field(default_factory=Counter)
    sources: Counter = field(default_factory=Counter)
    acceptees: int = 0


def accepted_resources(
    files: list[SourceFile],
    validator: RowValidator,
    is_di: bool,
    forced: str | None,
    progress: Progress | None,
    rejected: Rejections,
    workers: int,
    today: date,
    scope: Scope,
) -> Iterator[Resource]:
    """Every row, as it is read → an accepted resource (yielded, in the files' order) or a
    rejection (added to ``rejected``); a second row with an id already seen is rejected
    here. ``scope`` counts what was accepted; it is complete once the iterator is exhausted.
    Closing the iterator early ends the pool's work in flight."""
    names = [str(f.path) for f in files]
    input_bytes = sum(f.path.stat().st_size for f in files)
    if parallel.usable(workers, input_bytes, validator.directory):
        chunks = _chunks(files, is_di, forced, today, parallel.chunk_rows(workers, input_bytes))
        results = parallel.run(chunks, validator, workers)
    else:
        results = (
            (name, rows, parallel.validate_chunk(validator, context, rows))
            for name, context, rows in _chunks(files, is_di, forced, today, parallel.CHUNK_ROWS)
        )
    try:
        yield from _accepted(results, names, is_di, forced, progress, rejected, scope)
    finally:
        results.close()


def _accepted(results, names, is_di, forced, progress, rejected, scope) -> Iterator[Resource]:
    # id key → line × 4096 + file index: an int rather than a tuple, a million times over.
    seen: dict[object, int] = {}
    prefixes: dict[str, str] = {}  # department → its source's id prefix, "cd51--"
    done = 0
    for name, rows, outcomes in results:
        file_index = names.index(name)
        for (line, raw), (_, resource, errors, source) in zip(rows, outcomes, strict=True):
            origin = (name, line, raw)
            if resource is None:
                rejected.add(rejection(origin, errors))
                continue
            if is_di:
                if not resource.departement:
                    rejected.add(rejection(origin, [("departement", _NO_DEPARTEMENT)]))
                    continue
                key = (source, resource.source_id.removeprefix(f"{source}--"))
            else:
                departement = forced or resource.departement
                if departement:
                    prefix = prefixes.get(departement)
                    if prefix is None:
                        prefix = prefixes[departement] = f"{source_of_departement(departement)}--"
                    key = resource.source_id.removeprefix(prefix)
                else:
                    key = _SOURCE_PREFIX.sub("", resource.source_id, count=1)
            first = seen.get(key)
            if first is not None:
                first_at = (names[first % 4096], first // 4096)
                rejected.add(rejection(origin, [("id", _duplicate(first_at, origin, resource))]))
                continue
            seen[key] = line * 4096 + file_index
            if resource.departement:
                scope.departements[resource.departement] += 1
            if source:
                scope.sources[source] += 1
            scope.acceptees += 1
            yield resource
        done += len(rows)
        if progress:
            progress("validation", done, None, acceptees=scope.acceptees, rejetees=rejected.count)
    if progress:
        progress("validation", done, done, acceptees=scope.acceptees, rejetees=rejected.count)


def _chunks(files: list[SourceFile], is_di: bool, forced: str | None, today: date, size: int):
    """``(file path, context, rows)`` by ``size`` rows, file after file."""
    several = len(files) > 1
    for source_file in files:
        columns, name = source_file.columns, str(source_file.path)
        rows: list = []
        for row in source_file.rows:
            rows.append(row)
            if len(rows) >= size:
                yield name, _context(source_file, columns, is_di, forced, today, several), rows
                rows = []
        if rows:
            yield name, _context(source_file, columns, is_di, forced, today, several), rows


def _context(source_file, columns, is_di, forced, today, several) -> parallel.Context:
    # XLSX: cells beyond the header may be found late, hence read at each chunk.
    unnamed = tuple(c for c in columns if c.startswith(formats.UNNAMED_PREFIX))
    return parallel.Context(forced, is_di, today, unnamed, source_file.path.name, several)


_NO_DEPARTEMENT = (
    "département introuvable : ni code_insee, ni zone_eligibilite d'un seul département, "
    "ni --departement"
)


def _duplicate(first: tuple[str, int], origin: tuple, resource: Resource) -> str:
    where = (
        f"ligne {first[1]}" if first[0] == origin[0] else f"{Path(first[0]).name} ligne {first[1]}"
    )
    if str(origin[2].get("id") or "").strip():
        return f"identifiant « {resource.source_id} » en double (déjà utilisé {where})"
    return f"ressource en double : même structure, même nom et même lieu qu'à la {where}"
