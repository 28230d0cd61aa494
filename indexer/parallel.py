"""Row validation, in this process or in a pool of worker processes.

Validating a row, tokenising it for the search engines and serialising it for the store
cost about two thirds of an import's time, all in pure Python: on a machine with several
cores, worker processes do that while the importing process reads the file and writes
SQLite. The pool is forked (the workers inherit the commune directory already loaded),
created on the first large import and kept for the following ones (``bench/run`` imports a
hundred files in a row), which use it even for a small file; ``shutdown()`` ends it, and so
does the interpreter's exit.

Results come back in the file's order: rows are sent by chunks of ``CHUNK_ROWS`` (fewer for a
small file, so that every worker gets a share), with at most ``2 × workers + 2`` chunks in
flight, so that memory stays bounded however large the file. For each accepted row whose id
and coordinates are final, a worker sends back a ``Prepared`` row: what the importing process
reads (ids, department, place), the stored JSON with its fingerprint and the embedded engine's
row, all computed ahead. The importing process only checks duplicates and inserts; it
rebuilds the ``Resource`` from the JSON (``full``) only when something must still change.
"""

from __future__ import annotations

import atexit
import json
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date

from indexer.formats import ROW_ERROR
from indexer.validation import RowValidator, data_inclusion_row
from indexer.validation.notices import Notices
from resource_base.models import Resource
from resource_base.quality import keep_quality_code
from resource_base.store import keep_serialised
from search_engines.embedded import DOCUMENT_KEY, TEXT_COLUMNS, keep_document_columns

CHUNK_ROWS = 500
# Below this many bytes of input, forking and shipping rows cost more than they save.
POOL_MIN_BYTES = 256 * 1024
# With the pool already running (kept from a previous import), shipping rows pays from here.
WARM_POOL_MIN_BYTES = 16 * 1024
MIN_CHUNK_ROWS = 50
# A department's row with its description, roughly (chunk sizing only): the bench's files
# have 720 bytes a row, the import template's example 600.
ROW_BYTES = 700
# Chunks per worker for a file that fits in fewer than CHUNK_ROWS × that: the file's last
# chunks, validated while the other worker may have nothing left, stay short.
CHUNKS_PER_WORKER = 4


@dataclass(frozen=True)
class Context:
    """What a worker needs to validate a file's rows as the importing process would."""

    departement: str | None  # --departement
    is_di: bool
    today: date | None
    unnamed: tuple[str, ...]
    short: str  # file name, in row labels when several files are imported
    several: bool


# One outcome per row: (line, resource or None, errors, data·inclusion source or None); the
# resource is a ``Prepared`` row when it comes back from a worker ready to be stored.
Outcome = tuple[int, "Resource | Prepared | None", list, str | None]


def check_row(validator: RowValidator, raw: dict, where: str, is_di: bool):
    """``(resource, errors, source)`` of one raw row (``source``: data·inclusion only)."""
    if not is_di:
        resource, errors = validator.validate(raw, where)
        return resource, errors, None
    if ROW_ERROR in raw:
        return None, [raw[ROW_ERROR]], None
    row, source, errors = data_inclusion_row(raw)
    if errors:
        return None, errors, None
    resource, errors = validator.validate(row, where)
    if resource is not None:
        resource.source = source
    return resource, errors, source


def prepare(resource: Resource, departement: str | None) -> None:
    """Tokens and, when the final source and id are already certain, the stored JSON."""
    resource.keep_search_text()
    if resource.source:  # data·inclusion: the row names its source
        source = resource.source
    else:
        scope = departement or resource.departement
        if not scope:
            return  # a remote row: its department (hence source) is the import's
        source = f"cd{scope.lower()}"
        resource.source = source
        resource.departement = resource.departement or scope
    prefix = f"{source}--"
    resource.id = (
        resource.source_id if resource.source_id.startswith(prefix) else prefix + resource.source_id
    )
    if resource.latitude is not None or not resource.code_insee:
        keep_serialised(resource)  # otherwise geocoding will change it
        keep_quality_code(resource)
        # The embedded engine's row too: the importing process only inserts it.
        keep_document_columns(resource)


def validate_chunk(
    validator: RowValidator, context: Context, rows: list[tuple[int, dict]]
) -> list[Outcome]:
    validator.unnamed = context.unnamed
    out = []
    for line, raw in rows:
        where = f"{context.short} ligne {line}" if context.several else f"ligne {line}"
        resource, errors, source = check_row(validator, raw, where, context.is_di)
        if resource is not None:
            prepare(resource, context.departement)
        out.append((line, resource, errors, source))
    return out


# --- the pool ---

_directory = None  # set before forking: the workers inherit it
_validators: dict[tuple, RowValidator] = {}
_pool = None
_pool_key = None


def _worker_chunk(task: tuple[Context, list]) -> tuple[list[Outcome], Notices]:
    context, rows = task
    key = (context.departement, context.is_di, context.today)
    validator = _validators.get(key)
    if validator is None:
        validator = RowValidator(
            _directory,
            departement=context.departement,
            place_first=context.is_di,
            today=context.today,
        )
        _validators[key] = validator
    validator.notices = Notices()
    outcomes = validate_chunk(validator, context, rows)
    # Raw rows stay in the importing process: only outcomes travel back, and a resource
    # already prepared travels as the tuple of its values with what was computed ahead
    # (unpickling a Resource, or json.loads + from_dict, costs the importing process
    # several times what rebuilding it from a tuple does).
    return [_pack(outcome) for outcome in outcomes], validator.notices


class Prepared:
    """An accepted row as an import worker sends it back, ready to be stored: ``id``,
    ``source``, ``source_id``, ``departement``, ``latitude`` and ``code_insee`` (what the
    importing process reads), and in ``__dict__`` the ``(fingerprint, JSON)`` that
    ``Store.replace`` stores and the embedded engine's row (``DOCUMENT_KEY``). The importing
    process neither unpickles nor builds the resource's forty fields; ``full`` rebuilds it
    from the JSON when a field must change."""

    __slots__ = ("id", "source", "source_id", "departement", "latitude", "code_insee", "__dict__")

    def __init__(self, packed: tuple):
        (
            self.id,
            self.source,
            self.source_id,
            self.departement,
            self.latitude,
            self.code_insee,
            serialised,
            document,
        ) = packed
        self.__dict__["_serialised"] = serialised
        self.__dict__[DOCUMENT_KEY] = document


def full(item: Resource | Prepared) -> Resource:
    """The ``Resource`` of an accepted row: ``item`` itself, or rebuilt from a ``Prepared``
    row's JSON (its search text kept: the text fields are the same)."""
    if not isinstance(item, Prepared):
        return item
    resource = Resource.from_dict(json.loads(item.__dict__["_serialised"][1]))
    resource.__dict__["_search_text"] = item.__dict__[DOCUMENT_KEY][TEXT_COLUMNS]
    return resource


def _pack(outcome: Outcome) -> tuple:
    line, resource, errors, source = outcome
    if resource is None or "_serialised" not in resource.__dict__:
        return outcome
    kept = resource.__dict__
    # A tuple of few objects: pickled and unpickled several times faster than the resource.
    packed = (
        resource.id,
        resource.source,
        resource.source_id,
        resource.departement,
        resource.latitude,
        resource.code_insee,
        kept["_serialised"],
        kept[DOCUMENT_KEY],
    )
    return line, packed, errors, source


def _unpacked(outcomes: list[tuple]) -> list[Outcome]:
    """A worker's outcomes as the importing process reads them: packed rows → ``Prepared``
    (one comprehension: a call per row cost the importing process 0.1 s per 100,000)."""
    return [
        (line, Prepared(item) if item.__class__ is tuple else item, errors, source)
        for line, item, errors, source in outcomes
    ]


def _get_pool(directory, workers: int):
    global _pool, _pool_key, _directory
    key = (id(directory), workers)
    if _pool is not None and _pool_key == key:
        return _pool
    shutdown()
    _directory = directory
    _validators.clear()
    # concurrent.futures rather than multiprocessing.Pool: Pool's worker-handler thread wakes
    # up each time a result is waiting to be read, and spun for 1.3 s of CPU per 100,000
    # rows in the importing process (where the CPU is the scarcest).
    _pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    _pool_key = key
    return _pool


def shutdown() -> None:
    """End the worker pool, if any."""
    global _pool, _pool_key
    if _pool is not None:
        # Chunks not started are cancelled; a chunk being validated (milliseconds) ends.
        _pool.shutdown(wait=True, cancel_futures=True)
    _pool = _pool_key = None


atexit.register(shutdown)


def default_workers() -> int:
    """Worker processes to use: the machine's cores (``os.process_cpu_count`` when known)."""
    counter = getattr(os, "process_cpu_count", None) or os.cpu_count
    return counter() or 1


def usable(workers: int, input_bytes: int, directory=None) -> bool:
    """Whether a pool pays off: several workers, ``fork`` available, and enough input, or
    less when the pool of a previous import is still there for the same ``directory`` and
    number of workers (no fork to pay: a department's small file after another)."""
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return False
    if input_bytes >= POOL_MIN_BYTES:
        return True
    warm = _pool is not None and _pool_key == (id(directory), workers)
    return warm and input_bytes >= WARM_POOL_MIN_BYTES


def chunk_rows(workers: int, input_bytes: int) -> int:
    """Rows per chunk sent to the pool: ``CHUNK_ROWS``, or fewer for a smaller input, so
    that every worker gets ``CHUNKS_PER_WORKER`` of them (about ``ROW_BYTES`` bytes a row),
    and at least ``MIN_CHUNK_ROWS``: 125 rows for a department's file of 1,000 rows and two
    workers."""
    estimate = input_bytes // ROW_BYTES
    shares = CHUNKS_PER_WORKER * workers
    return max(MIN_CHUNK_ROWS, min(CHUNK_ROWS, -(-estimate // shares)))


def run(
    chunks: Iterable[tuple[str, Context, list[tuple[int, dict]]]],
    validator: RowValidator,
    workers: int,
) -> Iterator[tuple[str, list[tuple[int, dict]], list[Outcome]]]:
    """``(name, rows, outcomes)`` for each chunk ``(name, context, rows)``, in order,
    validated by a pool of ``workers`` processes that validate as ``validator`` does (same
    directory; their notices are added to ``validator.notices``)."""
    pool = _get_pool(validator.directory, workers)
    window: deque = deque()
    limit = 2 * workers + 2
    try:
        for name, context, rows in chunks:
            window.append((name, rows, pool.submit(_worker_chunk, (context, rows))))
            # Results already back are handed on at once (the importing process writes them
            # between two reads); past ``limit`` chunks in flight, wait for the oldest.
            while window and (len(window) >= limit or window[0][2].done()):
                yield _collect(window.popleft(), validator)
        while window:
            yield _collect(window.popleft(), validator)
    except BaseException:
        # An abandoned import (refused, interrupted): the pool may hold stale chunks.
        shutdown()
        raise


def _collect(item, validator: RowValidator):
    name, rows, pending = item
    outcomes, notices = pending.result()
    validator.notices.merge(notices)
    return name, rows, _unpacked(outcomes)
