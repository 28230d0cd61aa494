"""The index's own vocabulary: how many records hold each token (for the rarity weight of a
query word) and spelling correction against it.

An engine builds a ``Lexicon`` from its tables (the embedded engine reads SQLite's
``fts5vocab``); both engines of a runtime share the one built from the store, so that they
weigh words identically.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

# Rarity weight of a query word (1 to 4), by the share of records holding it: BM25's inverse
# document frequency, in integer steps so that engines add points up exactly.
WEIGHT_STEPS = ((1 / 3, 1), (1 / 10, 2), (1 / 50, 3))
MAX_WEIGHT = 4


class Lexicon:
    """Document frequencies of the index's tokens, and corrections against them.

    ``frequencies``: token → number of records holding it; ``documents``: number of records;
    ``surface``: token → a word as records write it (for « Résultats pour « logement » »).
    """

    def __init__(
        self,
        frequencies: Mapping[str, int],
        documents: int,
        surface: Callable[[str], str | None] | None = None,
    ):
        self.frequencies = frequencies
        self.documents = documents
        self._surface = surface
        by_initial: dict[str, list[str]] = {}
        for token in frequencies:
            if token and not token.isdigit():
                by_initial.setdefault(token[0], []).append(token)
        self._by_initial = by_initial

    def df(self, token: str) -> int:
        return self.frequencies.get(token, 0)

    def weight(self, df: int) -> int:
        """1 for a word in over a third of the records … 4 for one in under 2 %."""
        if self.documents <= 0:
            return 2
        share = df / self.documents
        for threshold, weight in WEIGHT_STEPS:
            if share > threshold:
                return weight
        return MAX_WEIGHT

    def correct(self, token: str) -> str | None:
        """The index token closest to ``token``: one or two edits away (one for tokens under
        eight letters), the most frequent among the closest; None when there is none.
        Words are compared from their first letter on (typos rarely hit it)."""
        candidates = self._by_initial.get(token[:1], [])
        allowed = 1 if len(token) < 7 else 2
        found = process.extract(
            token,
            candidates,
            scorer=Levenshtein.distance,
            score_cutoff=allowed,
            limit=20,
        )
        if not found:
            return None
        best = min(found, key=lambda hit: (hit[1], -self.df(hit[0]), hit[0]))
        return best[0]

    def surface(self, token: str) -> str:
        """A word as records write it for ``token`` (the token itself when unknown)."""
        found = self._surface(token) if self._surface else None
        return found or token
