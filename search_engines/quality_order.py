"""The embedded engine's quality key: every record ranked by (-quality on a day, id).

The quality score changes with the day (``resource_base.quality``): each record's steps
(``qualite_paliers``, stored as JSON in ``moteur_docs``) are flattened into numpy columns once
per index load, and the order of a day is computed at its first search (a few milliseconds
for 100,000 records), then reused until the day changes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np


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
        """``rows``: (rid, id, steps as JSON text) of every record; rids below ``size``."""
        rows = list(rows)
        by_id = sorted(rows, key=lambda r: r[1])
        id_rank = np.zeros(size, dtype=np.int64)
        id_rank[np.fromiter((r[0] for r in by_id), dtype=np.int64, count=len(by_id))] = np.arange(
            len(by_id)
        )
        parsed: dict[str, list[tuple[int, int, int]]] = {}  # records share their steps' text
        steps = [
            (rid, *step)
            for rid, _id, text in rows
            for step in parsed.get(text) or parsed.setdefault(text, _ordinal_steps(text))
        ]
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


def _ordinal_steps(text: str) -> list[tuple[int, int, int]]:
    """Stored quality steps as (first day, end day, value), days as ordinals."""
    return [
        (
            date.fromisoformat(s["depuis"]).toordinal(),
            date.fromisoformat(s["jusqu_a"]).toordinal(),
            s["valeur"],
        )
        for s in json.loads(text)
    ]
