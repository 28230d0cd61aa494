"""The embedded engine's quality key: every record ranked by (-quality on a day, id).

The quality score changes with the day (``resource_base.quality``): each record's steps (from
its ``qualite`` code in ``moteur_docs``) are flattened into numpy columns once per index load, and the order of a day is computed at its first search (a few milliseconds
for 100,000 records), then reused until the day changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import numpy as np

from resource_base.quality import quality_steps


@dataclass
class QualityOrder:
    """Flattened quality steps (rid, first day, end day as ordinals, value) and id ranks."""

    size: int
    id_rank: np.ndarray  # rank of each rid's id in id order (the last ranking key)
    step_rid: np.ndarray
    step_start: np.ndarray
    step_end: np.ndarray
    step_value: np.ndarray
    by_day: dict[date, np.ndarray] = field(default_factory=dict)

    @classmethod
    def load(cls, size: int, rows: Iterable[tuple[int, str, str]]) -> QualityOrder:
        """``rows``: (rid, id, quality code) of every record; rids below ``size``."""
        rows = list(rows)
        by_id = sorted(rows, key=lambda r: r[1])
        id_rank = np.zeros(size, dtype=np.int64)
        id_rank[np.fromiter((r[0] for r in by_id), dtype=np.int64, count=len(by_id))] = np.arange(
            len(by_id)
        )
        steps = [(rid, *step) for rid, _id, code in rows for step in _ordinal_steps(code)]
        columns = [
            np.fromiter((step[i] for step in steps), dtype=np.int64, count=len(steps))
            for i in range(4)
        ]
        return cls(size, id_rank, *columns)

    def tiebreak(self, today: date) -> np.ndarray:
        """Each rid's rank by (-quality on ``today``, id), computed once per day."""
        found = self.by_day.get(today)
        if found is None:
            day = today.toordinal()
            holds = (self.step_start <= day) & (day < self.step_end)
            quality = np.zeros(self.size, dtype=np.int64)
            quality[self.step_rid[holds]] = self.step_value[holds]
            order = np.lexsort((self.id_rank, -quality))
            found = np.zeros(self.size, dtype=np.int64)
            found[order] = np.arange(self.size)
            self.by_day = {today: found}  # one day at a time
        return found


@lru_cache(maxsize=65_536)
def _ordinal_steps(code: str) -> tuple[tuple[int, int, int], ...]:
    """A record's quality steps as (first day, end day, value), days as ordinals; records
    updated the same day with the same criteria share their code."""
    return tuple(
        (step.depuis.toordinal(), step.jusqu_a.toordinal(), step.valeur)
        for step in quality_steps(code)
    )
