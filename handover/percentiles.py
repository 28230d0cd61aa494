"""Percentiles by linear interpolation between closest ranks (numpy's default method, Excel's
``CENTILE.INCLUS``): the median of 10, 20, 30, 40 is 25. Of sorted values, or of a histogram
(value → count) without expanding it. Used by the délais dashboard (``handover.dashboard``);
``persistence.dashboard_cells`` applies the same rule to many histograms at once."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate

__all__ = ["histogram_percentile", "histogram_percentiles", "percentile"]


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0–100) of already sorted values, linear interpolation between
    closest ranks. Raises ``ValueError`` on no value."""
    if not sorted_values:
        raise ValueError("aucune valeur")
    rank = (len(sorted_values) - 1) * p / 100.0
    low = int(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return float(sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low))


def histogram_percentile(histogram: dict[int, int], p: float) -> float:
    """``percentile`` of the values a histogram (value → count) stands for, without expanding
    it: ``histogram_percentile({10: 1, 20: 2}, 50)`` = ``percentile([10, 20, 20], 50)`` = 20."""
    return histogram_percentiles(histogram, (p,))[0]


def histogram_percentiles(histogram: dict[int, int], ps: Sequence[float]) -> list[float]:
    """``histogram_percentile`` for each of ``ps``, sorting the histogram once (cumulative
    counts, then a binary search per rank). Raises ``ValueError`` on an empty histogram."""
    values = sorted(histogram)
    cumulative = list(accumulate(map(histogram.__getitem__, values)))
    total = cumulative[-1] if cumulative else 0
    if not total:
        raise ValueError("aucune valeur")

    def at(position: int) -> int:  # the value at 0-based ``position`` of the expanded list
        return values[bisect_right(cumulative, position)]

    found = []
    for p in ps:
        rank = (total - 1) * p / 100.0
        low = int(rank)
        below, above = at(low), at(min(low + 1, total - 1))
        found.append(float(below + (above - below) * (rank - low)))
    return found
