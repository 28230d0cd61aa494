"""The embedded engine's quality key: every record ranked by (-quality on a day, id).

The quality score changes with the day (``resource_base.quality``). Each record's code
(``"2025-01-14|0:94,180:83,…"`` in ``moteur_docs.qualite``) splits into its update day and
its *profile* (the score from each age on); records share a few dozen profiles. Each profile
becomes a row of scores by age (0 to ``MAX_AGE_DAYS``, the last one holding for ever after),
so the scores of a day are one numpy look-up: ``table[profile, clip(day - update day)]``.
The order of a day is computed at its first search and reused until the day changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from resource_base.quality import MAX_AGE_DAYS


@dataclass
class QualityOrder:
    """Per rid: profile index and update day (ordinal); per profile: scores by age."""

    size: int
    id_rank: np.ndarray  # rank of each rid's id in id order (the last ranking key)
    profile: np.ndarray
    origin: np.ndarray
    table: np.ndarray
    by_day: dict[date, np.ndarray] = field(default_factory=dict)

    @classmethod
    def load(cls, size: int, rows: Iterable[tuple[int, str, str]]) -> QualityOrder:
        """``rows``: (rid, id, quality code) of every record; rids below ``size``. A code
        that cannot be read scores 0 (as ``quality_on`` without steps)."""
        rows = list(rows)
        by_id = sorted(rows, key=lambda r: r[1])
        id_rank = np.zeros(size, dtype=np.int64)
        id_rank[np.fromiter((r[0] for r in by_id), dtype=np.int64, count=len(by_id))] = np.arange(
            len(by_id)
        )
        profiles: dict[str, int] = {"": 0}
        table_rows = [np.zeros(MAX_AGE_DAYS + 1, dtype=np.int64)]
        origins: dict[str, int] = {"": 0}
        profile = np.zeros(size, dtype=np.int64)
        origin = np.zeros(size, dtype=np.int64)
        for rid, _id, code in rows:
            dated, _, runs = code.partition("|")
            index = profiles.get(runs)
            if index is None:
                by_age = _scores_by_age(runs)
                index = profiles[runs] = len(table_rows) if by_age is not None else 0
                if by_age is not None:
                    table_rows.append(by_age)
            day = origins.get(dated)
            if day is None:
                try:
                    day = date.fromisoformat(dated).toordinal()
                except ValueError:
                    day = -1
                origins[dated] = day
            if day < 0:
                day = index = 0
            profile[rid], origin[rid] = index, day
        return cls(size, id_rank, profile, origin, np.vstack(table_rows))

    def tiebreak(self, today: date) -> np.ndarray:
        """Each rid's rank by (-quality on ``today``, id), computed once per day."""
        found = self.by_day.get(today)
        if found is None:
            age = np.clip(today.toordinal() - self.origin, 0, MAX_AGE_DAYS)
            quality = self.table[self.profile, age]
            order = np.lexsort((self.id_rank, -quality))
            found = np.zeros(self.size, dtype=np.int64)
            found[order] = np.arange(self.size)
            self.by_day = {today: found}  # one day at a time
        return found


def _scores_by_age(runs: str) -> np.ndarray | None:
    """``"0:94,180:83,181:94"`` → the score at each age 0…``MAX_AGE_DAYS``; None if malformed."""
    try:
        starts = [tuple(int(part) for part in run.split(":")) for run in runs.split(",")]
        by_age = np.empty(MAX_AGE_DAYS + 1, dtype=np.int64)
        for index, (age, value) in enumerate(starts):
            end = starts[index + 1][0] if index + 1 < len(starts) else MAX_AGE_DAYS + 1
            by_age[age:end] = value
    except ValueError:
        return None
    if not starts or starts[0][0] != 0:
        return None
    return by_age
