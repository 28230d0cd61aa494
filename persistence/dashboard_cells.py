"""The délais dashboard read fast: a snapshot of cohort cells, merged with numpy per view.

Counting every hand-over on each display costs about a second of processor per 100,000 records
(``persistence.handover_stats``: read, join, group), far above issue 10's target (the dashboard
page p95 ≤ 200 ms at 100,000 hand-overs). So the same SQL counts them once, grouped by *cell*
(departement, territoire, agence, axe, mois of the proposal, and whether the cohort is mature on
the snapshot's day): per cell the counts, the délais histograms of the five steps and the
refusal reasons. The cells are stored, as columnar numpy arrays in one row of
``handover_dashboard_snapshots``; every view (any scope, filter and grouping: the dimensions of
the cells are those of the filters and groupings) is then a few vectorised sums over them, in
milliseconds, and gives the same tallies as the live computation of that day (tests compare
them on SQLite and PostgreSQL). The percentiles of every group are computed at once too
(``Tally.delais``, the rule of ``handover.percentiles.histogram_percentiles``), and the page
reads them without the histograms themselves (fewer objects per request).

A snapshot is computed by ``relais taches`` (every 10 minutes), or by a request that finds none,
one of another day (maturity moves with the day) or one older than ``MAX_AGE``; the page says
when ("Chiffres arrêtés le … à …").
"""

from __future__ import annotations

import io
import json
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import delete, insert, select

from handover.access import Scope
from handover.dashboard import PERCENTILES, STEPS, Delay, Filters, Tally
from persistence.database import Database
from persistence.handover_stats import SqlHandOverStats
from persistence.tables import handover_dashboard_snapshots as snapshots

# Older than this, a request computes a new snapshot: ``relais taches`` runs every 10 minutes,
# so with cron no request waits; without it, the figures are at most this old.
MAX_AGE = timedelta(minutes=15)
CELL_KEYS = ["departement", "territoire_id", "agence", "axe", "mois"]
COUNTS = ("n", "entrees", "refus", "expirations", "redirigees")


@dataclass(frozen=True)
class Snapshot:
    """The cells of one day: ``arrays`` (see ``build_cells``), when they were computed (aware,
    UTC) and for which day's maturity rule, how many hand-overs and cells."""

    id: int | None
    calcule_le: datetime
    jour: date
    dossiers: int
    cellules: int
    arrays: dict[str, np.ndarray]


def build_cells(rows: list) -> dict[str, np.ndarray]:
    """Columnar cells from ``SqlHandOverStats.grouped`` rows grouped by ``CELL_KEYS``.

    Dictionaries (sorted): ``departements``, ``agences`` ("" for none), ``mois``, ``motifs``.
    Per cell: ``c_dep``, ``c_age``, ``c_mois`` (indexes), ``c_ter`` (−1 for none), ``c_axe``,
    ``c_mature`` (0/1) and the counts ``c_n``, ``c_entrees``, ``c_refus``, ``c_expirations``,
    ``c_redirigees``. Histogram entries: ``h_cell``, ``h_step`` (index in ``STEPS``),
    ``h_days``, ``h_n``. Refusal reasons: ``m_cell``, ``m_code`` (index), ``m_n``."""
    cells: dict[tuple, int] = {}
    counts: list[list[int]] = []
    hist: list[tuple[int, int, int, int]] = []
    reasons: dict[tuple[int, str], int] = {}

    def cell(dep, ter, age, axe, mois, mature) -> int:
        key = (dep, -1 if ter is None else int(ter), age or "", int(axe), mois, int(mature))
        index = cells.get(key)
        if index is None:
            index = cells[key] = len(counts)
            counts.append([0, 0, 0, 0, 0])
        return index

    for kind, dep, ter, age, axe, mois, a, b, n, entrees, refus, expirations, redirigees in rows:
        if kind == 0:
            total = counts[cell(dep, ter, age, axe, mois, a)]
            for i, value in enumerate((n, entrees, refus, expirations, redirigees)):
                total[i] += int(value or 0)
        elif kind == 1:
            hist.append((cell(dep, ter, age, axe, mois, 1), int(a), int(b), int(n)))
        else:
            index = cell(dep, ter, age, axe, mois, 1)
            for code in set(json.loads(b or "[]")):
                reasons[(index, code)] = reasons.get((index, code), 0) + int(n)
    keys = list(cells)
    departements = sorted({k[0] for k in keys})
    agences = sorted({k[2] for k in keys})
    months = sorted({k[4] for k in keys})
    codes = sorted({code for _, code in reasons})

    def indexes(values: list, dictionary: list) -> np.ndarray:
        where = {v: i for i, v in enumerate(dictionary)}
        return np.array([where[v] for v in values], dtype=np.int32)

    table = np.array(counts, dtype=np.int64).reshape(-1, len(COUNTS))
    hist_array = np.array(hist, dtype=np.int64).reshape(-1, 4)
    reason_items = list(reasons.items())
    return {
        "departements": np.array(departements, dtype=str),
        "agences": np.array(agences, dtype=str),
        "mois": np.array(months, dtype=str),
        "motifs": np.array(codes, dtype=str),
        "c_dep": indexes([k[0] for k in keys], departements),
        "c_ter": np.array([k[1] for k in keys], dtype=np.int64),
        "c_age": indexes([k[2] for k in keys], agences),
        "c_axe": np.array([k[3] for k in keys], dtype=np.int16),
        "c_mois": indexes([k[4] for k in keys], months),
        "c_mature": np.array([k[5] for k in keys], dtype=np.int8),
        **{f"c_{name}": table[:, i] for i, name in enumerate(COUNTS)},
        "h_cell": hist_array[:, 0],
        "h_step": hist_array[:, 1],
        "h_days": hist_array[:, 2],
        "h_n": hist_array[:, 3],
        "m_cell": np.array([cell_ for (cell_, _), _n in reason_items], dtype=np.int64),
        "m_code": indexes([code for (_, code), _n in reason_items], codes),
        "m_n": np.array([n for _, n in reason_items], dtype=np.int64),
    }


def _position(dictionary: np.ndarray, value: str) -> int | None:
    found = int(np.searchsorted(dictionary, value))
    if found < len(dictionary) and dictionary[found] == value:
        return found
    return None


def tally_cells(
    arrays: dict[str, np.ndarray], scope: Scope, filters: Filters, histograms: bool = True
) -> tuple[dict[str, Tally], Tally]:
    """``(tallies, total)``: per group of ``filters.par``, the tallies of the cells within
    ``scope`` and ``filters`` (what ``SqlHandOverStats.tallies`` counts on the snapshot's day),
    and their sum; each with its ``delais``. ``histograms=False``: without the histograms
    (``Tally.histograms`` None), which a page does not need: fewer objects per request."""
    group_of, keys = _groups(arrays, _selection(arrays, scope, filters), filters.par)
    return _tallies(arrays, group_of, keys, histograms)


def _selection(a: dict[str, np.ndarray], scope: Scope, filters: Filters) -> np.ndarray:
    """Which cells are within ``scope`` and ``filters`` (booleans, one per cell)."""
    selected = np.ones(len(a["c_n"]), dtype=bool)
    if not scope.everything:
        selected &= a["c_dep"] == _index_or_missing(a["departements"], scope.departement)
    if scope.territoire_id is not None:
        selected &= a["c_ter"] == scope.territoire_id
    if filters.agence:
        selected &= a["c_age"] == _index_or_missing(a["agences"], filters.agence)
    if filters.axe is not None:
        selected &= a["c_axe"] == filters.axe
    if filters.du:
        selected &= a["c_mois"] >= int(np.searchsorted(a["mois"], filters.du, side="left"))
    if filters.au:
        selected &= a["c_mois"] < int(np.searchsorted(a["mois"], filters.au, side="right"))
    return selected


def _groups(
    a: dict[str, np.ndarray], selected: np.ndarray, par: str
) -> tuple[np.ndarray, list[str]]:
    """``(group of each cell, −1 when not selected; the groups' keys)`` for grouping ``par``
    (keys as ``SqlHandOverStats.tallies`` gives them)."""
    values, labels = {
        "departement": (a["c_dep"], a["departements"].tolist()),
        "territoire": (a["c_ter"], None),
        "agence": (a["c_age"], a["agences"].tolist()),
        "axe": (a["c_axe"], None),
        "mois": (a["c_mois"], a["mois"].tolist()),
    }[par]
    present, inverse = _factorize(values[selected])
    if labels is not None:
        keys = [labels[v] for v in present.tolist()]
    elif par == "territoire":
        keys = ["" if v < 0 else str(v) for v in present.tolist()]
    else:
        keys = [str(v) for v in present.tolist()]
    group_of = np.full(len(selected), -1, dtype=np.int64)
    group_of[selected] = inverse
    return group_of, keys


def _tallies(
    a: dict[str, np.ndarray], group_of: np.ndarray, keys: list[str], histograms: bool = True
) -> tuple[dict[str, Tally], Tally]:
    """One ``Tally`` per key, the sums of the cells of each group (``group_of``: a group
    number per cell, −1 for the cells left out), and the total of the groups."""
    selected = group_of >= 0
    groups = len(keys)

    # ``delais``: filled with the histograms below (a step without any stays absent: n = 0).
    def new() -> Tally:
        return Tally(histograms={s: Counter() for s in STEPS} if histograms else None, delais={})

    tallies = [new() for _ in keys]
    total = new()

    mature = a["c_mature"] == 1
    fields = ("propositions", "entrees", "refus", "expirations", "redirigees")
    for name, field_name in (*zip(COUNTS, fields, strict=True), ("young", "recentes")):
        column = a["c_n" if name == "young" else f"c_{name}"]
        chosen = selected & (~mature if name == "young" else mature)
        sums = np.bincount(group_of[chosen], weights=column[chosen], minlength=groups)
        values = sums.astype(np.int64).tolist()
        for tally, value in zip(tallies, values, strict=True):
            setattr(tally, field_name, value)
        setattr(total, field_name, sum(values))

    steps = list(STEPS)
    group = group_of[a["h_cell"]]
    keep = group >= 0
    if keep.any():
        days = a["h_days"][keep]
        low = int(days.min())
        span = int(days.max()) - low + 1
        code = (group[keep] * len(steps) + a["h_step"][keep]) * span + (days - low)
        unique, sums = _sums(code, a["h_n"][keep], groups * len(steps) * span)
        _histograms(tallies, unique, sums, span, low, histograms)
        # The total: the same codes without their group (code modulo steps × span).
        unique, sums = _sums(unique % (len(steps) * span), sums, len(steps) * span)
        _histograms([total], unique, sums, span, low, histograms)

    group = group_of[a["m_cell"]]
    keep = group >= 0
    if keep.any():
        motifs = a["motifs"].tolist()
        code = group[keep] * len(motifs) + a["m_code"][keep]
        unique, sums = _sums(code, a["m_n"][keep], groups * len(motifs))
        for value, n in zip(unique.tolist(), sums.tolist(), strict=True):
            g, reason = divmod(value, len(motifs))
            tallies[g].motifs_refus[motifs[reason]] = n
            total.motifs_refus[motifs[reason]] += n
    return dict(zip(keys, tallies, strict=True)), total


def _histograms(
    tallies: list[Tally],
    unique: np.ndarray,
    sums: np.ndarray,
    span: int,
    low: int,
    histograms: bool = True,
) -> None:
    """Fill the histograms of ``tallies`` from sorted codes ``(group × steps + step) × span
    + days − low`` and their counts: each (group, step) is one run of days, one Counter. Their
    percentiles too (``Tally.delais``), for all runs at once: the rule of
    ``handover.percentiles.histogram_percentiles`` (the value at a 0-based position is found by
    a binary search in the cumulative counts), with the same float operations."""
    steps = list(STEPS)
    runs, day = np.divmod(unique, span)
    day = day + low
    starts_array = np.flatnonzero(np.r_[True, runs[1:] != runs[:-1]])
    cumulative = np.cumsum(sums)
    counts = np.add.reduceat(sums, starts_array) if len(sums) else sums
    before = cumulative[starts_array] - sums[starts_array]
    found = []
    for p in PERCENTILES:
        rank = (counts - 1) * p / 100.0
        position = rank.astype(np.int64)
        above = np.minimum(position + 1, counts - 1)
        below_value = day[np.searchsorted(cumulative, before + position, side="right")]
        above_value = day[np.searchsorted(cumulative, before + above, side="right")]
        found.append((below_value + (above_value - below_value) * (rank - position)).tolist())
    starts = starts_array.tolist()
    day_list, count_list = day.tolist(), sums.tolist()
    ends = starts[1:] + [len(day_list)]
    for i, (start, end, run) in enumerate(
        zip(starts, ends, runs[starts_array].tolist(), strict=True)
    ):
        g, step = divmod(run, len(steps))
        tally = tallies[g]
        if histograms:
            tally.histograms[steps[step]] = Counter(
                dict(zip(day_list[start:end], count_list[start:end], strict=True))
            )
        tally.delais[steps[step]] = Delay(int(counts[i]), found[0][i], found[1][i], found[2][i])


DENSE_LIMIT = 8_000_000  # above this many possible codes, sort rather than count densely


def _factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` for small integers (≥ −1), without sorting:
    ``(sorted distinct values, index of each value among them)``."""
    if not len(values):
        return values[:0], np.zeros(0, dtype=np.int64)
    shifted = values.astype(np.int64) + 1
    top = int(shifted.max()) + 1
    if top > DENSE_LIMIT:
        present, inverse = np.unique(values, return_inverse=True)
        return present, inverse.reshape(-1)
    seen = np.bincount(shifted, minlength=top)
    present = np.flatnonzero(seen)
    lookup = np.zeros(top, dtype=np.int64)
    lookup[present] = np.arange(len(present))
    return present - 1, lookup[shifted]


def _sums(code: np.ndarray, weights: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``(sorted distinct codes, sum of weights per code)``, codes in ``0..size-1``: a dense
    count when ``size`` is small enough, else a sort."""
    if size <= DENSE_LIMIT:
        totals = np.bincount(code, weights=weights, minlength=size)
        unique = np.flatnonzero(totals)
        return unique, totals[unique].astype(np.int64)
    unique, where = np.unique(code, return_inverse=True)
    return unique, np.bincount(where.reshape(-1), weights=weights).astype(np.int64)


def _index_or_missing(dictionary: np.ndarray, value: str | None) -> int:
    found = None if value is None else _position(dictionary, value)
    return -1 if found is None else found  # −1 matches no cell


def _dump(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def _load(data: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class DashboardSnapshots:
    """The dashboard's ``StatsSource`` read from the snapshot (``tallies_as_of`` also says when
    it was computed), and ``refresh(today)`` for ``relais taches``.

    ``now``: the clock (aware UTC), ``max_age``: see ``MAX_AGE``. The cells last loaded are
    kept in memory; each read asks the database only which snapshot is the latest."""

    def __init__(
        self,
        database: Database,
        max_age: timedelta = MAX_AGE,
        now=lambda: datetime.now(UTC),
    ):
        self.database = database
        self.live = SqlHandOverStats(database)
        self.max_age = max_age
        self.now = now
        self._loaded: Snapshot | None = None
        self._lock = threading.Lock()

    def compute(self, today: date) -> Snapshot:
        """The cells of every hand-over as of ``today``, computed live (not stored)."""
        started = self.now()
        rows = self.live.grouped(Scope(everything=True), Filters(), today, CELL_KEYS)
        arrays = build_cells(rows)
        return Snapshot(
            None,
            started.replace(microsecond=0),
            today,
            int(arrays["c_n"].sum()),
            len(arrays["c_n"]),
            arrays,
        )

    def refresh(self, today: date) -> Snapshot:
        """Compute the cells as of ``today`` and store them (older snapshots deleted, in the
        same transaction); returns the stored ``Snapshot``."""
        snapshot = self.compute(today)
        with self.database.engine.begin() as conn:
            new_id = conn.execute(
                insert(snapshots).values(
                    calcule_le=snapshot.calcule_le.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    jour=today,
                    dossiers=snapshot.dossiers,
                    cellules=snapshot.cellules,
                    donnees=_dump(snapshot.arrays),
                )
            ).inserted_primary_key[0]
            conn.execute(delete(snapshots).where(snapshots.c.id < new_id))
        stored = Snapshot(new_id, *[getattr(snapshot, f) for f in _FIELDS])
        self._loaded = stored
        return stored

    def current(self, today: date) -> Snapshot:
        """The latest snapshot, loaded once per process; a new one when there is none, when
        it is of another day or older than ``max_age``."""
        query = select(snapshots.c.id, snapshots.c.calcule_le, snapshots.c.jour)
        with self.database.engine.connect() as conn:
            head = conn.execute(query.order_by(snapshots.c.id.desc()).limit(1)).first()
        if head is None or head.jour != today or self.now() - _utc(head.calcule_le) > self.max_age:
            with self._lock:  # one computation per process at a time
                return self.refresh(today)
        loaded = self._loaded
        if loaded is not None and loaded.id == head.id:
            return loaded
        with self.database.engine.connect() as conn:
            row = conn.execute(select(snapshots).where(snapshots.c.id == head.id)).first()
        if row is None:  # replaced meanwhile by another process
            return self.current(today)
        loaded = Snapshot(
            row.id, _utc(row.calcule_le), row.jour, row.dossiers, row.cellules, _load(row.donnees)
        )
        self._loaded = loaded
        return loaded

    def tallies_as_of(
        self, scope: Scope, filters: Filters, today: date
    ) -> tuple[dict[str, Tally], Tally, datetime]:
        """``(tallies, total, computed_at)``: ``tallies`` as ``SqlHandOverStats.tallies``
        counts them on the snapshot's day (``today``) but without their histograms (their
        ``delais`` computed), their sum (counted at once, not added group by group) and when
        the snapshot was computed (UTC)."""
        snapshot = self.current(today)
        tallies, total = tally_cells(snapshot.arrays, scope, filters, histograms=False)
        return tallies, total, snapshot.calcule_le

    def tallies(self, scope: Scope, filters: Filters, today: date) -> dict[str, Tally]:
        """The tallies with their histograms (``StatsSource``)."""
        return tally_cells(self.current(today).arrays, scope, filters)[0]

    def territory_names(self, departement: str | None = None) -> dict[int, str]:
        return self.live.territory_names(departement)


_FIELDS = ("calcule_le", "jour", "dossiers", "cellules", "arrays")
