"""Free text in the embedded engine: token masks read from FTS5 (cached within a byte
budget), the relevance floor and points of ``resource_base.relevance``, and the index's
vocabulary (``Lexicon``) read from SQLite's ``fts5vocab``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict

import numpy as np

from resource_base import text, vocabulary
from resource_base.lexicon import Lexicon
from resource_base.relevance import TEXT_LEVELS, TextPlan
from resource_base.thesaurus import TermGroup

# The three token columns of moteur_texte, best field first (mots_nom ⊂ mots_forts ⊂ mots).
COLUMNS = tuple(field for field, _ in TEXT_LEVELS)


class TokenMasks:
    """One boolean mask per (column, token), read from FTS5 on first use and kept in a
    least-recently-used cache bounded in bytes (``budget_bytes``), not in entries: on a
    264k-record index a mask weighs 264 kB, and anonymous queries bring new words."""

    def __init__(self, size: int, budget_bytes: int):
        self.size = size
        self.budget_bytes = max(0, int(budget_bytes))
        self._masks: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        """Bytes held by the cached masks."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._masks)

    def __contains__(self, key: tuple[str, str]) -> bool:
        """Whether the mask of ``(column, token)`` is cached."""
        return key in self._masks

    def mask(self, column: str, token: str, conn: sqlite3.Connection) -> np.ndarray:
        key = (column, token)
        with self._lock:
            found = self._masks.get(key)
            if found is not None:
                self._masks.move_to_end(key)
                return found
        rids = [
            r[0]
            for r in conn.execute(
                "SELECT rowid FROM moteur_texte WHERE moteur_texte MATCH ?",
                (f'{column} : "{token}"',),
            )
        ]
        found = np.zeros(self.size, dtype=bool)
        found[np.asarray(rids, dtype=np.int64)] = True
        with self._lock:
            if key not in self._masks and found.nbytes <= self.budget_bytes:
                self._masks[key] = found
                self._bytes += found.nbytes
                while self._bytes > self.budget_bytes:
                    _, dropped = self._masks.popitem(last=False)
                    self._bytes -= dropped.nbytes
        return found

    def group(self, group: TermGroup, column: str, conn: sqlite3.Connection) -> np.ndarray:
        """Records where any alternative of the group has all its tokens in ``column``."""
        out = np.zeros(self.size, dtype=bool)
        for alternative in group.alternatives:
            both = np.ones(self.size, dtype=bool)
            for token in alternative:
                both &= self.mask(column, token, conn)
            out |= both
        return out

    def floor(self, plan: TextPlan, conn: sqlite3.Connection) -> np.ndarray | None:
        """Records above the relevance floor (``resource_base.relevance``); None: no text."""
        if not plan.groups:
            return None
        found = [self.group(g, "mots", conn) for g in plan.groups]
        count = np.sum(found, axis=0, dtype=np.int16)
        keep = count >= plan.required
        if plan.strong and len(plan.strong) < len(plan.groups):
            keep &= np.logical_or.reduce([found[i] for i in plan.strong])
        return keep

    def points(self, plan: TextPlan, rids: np.ndarray, conn: sqlite3.Connection) -> np.ndarray:
        """Text points of ``rids``: per word, its best field's points × its rarity weight
        (computed on the rids only: far fewer than the records)."""
        total = np.zeros(len(rids), dtype=np.int64)
        for group, weight in zip(plan.groups, plan.weights, strict=True):
            best = np.zeros(len(rids), dtype=np.int64)
            for column, points in reversed(TEXT_LEVELS):  # weakest first, best overwrites
                found = np.zeros(len(rids), dtype=bool)
                for alternative in group.alternatives:
                    both = np.ones(len(rids), dtype=bool)
                    for token in alternative:
                        both &= self.mask(column, token, conn)[rids]
                    found |= both
                best = np.where(found, points * weight, best)
            total += best
        return total


def read_lexicon(conn: sqlite3.Connection, documents: int, connect) -> Lexicon:
    """The index's vocabulary: each token's number of records, from ``fts5vocab``.
    ``connect``: opens a connection (corrections may come from any thread)."""
    frequencies = dict(conn.execute("SELECT term, doc FROM moteur_vocab").fetchall())

    def surface(token: str) -> str | None:
        # A word as a record writes it: read one record holding the token.
        reader = connect()
        try:
            row = reader.execute(
                "SELECT r.data FROM moteur_texte t JOIN moteur_docs d ON d.rid = t.rowid "
                "JOIN resources r ON r.id = d.id WHERE moteur_texte MATCH ? LIMIT 1",
                (f'mots : "{token}"',),
            ).fetchone()
        finally:
            reader.close()
        record = json.loads(row[0]) if row else {}
        fields = ("nom", "nom_structure", "description", "conditions_acces", "frais_precisions")
        texts = [record.get(name) or "" for name in fields]
        texts += [vocabulary.label(t) for t in record.get("thematiques") or ()]
        for chunk in texts:
            for word, found in text.surface_tokens(chunk):
                if found == token:
                    return word.lower() if word[1:].islower() or len(word) == 1 else word
        return None

    return Lexicon(frequencies, documents, surface)
