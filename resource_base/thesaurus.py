"""What advisers type, mapped to what records say: the thesaurus and the query's term groups.

The thesaurus is a reviewed CSV (``resource_base/data/thesaurus.csv``, ``;``-separated,
UTF-8): ``expression`` (what an adviser types: an acronym, an everyday word or phrase),
``equivalents`` (``|``-separated words found in records), ``thematiques`` (``|``-separated
data·inclusion slugs, whose French labels count as equivalents) and ``source`` (where the
equivalence comes from). Add a line to extend it; ``tests/test_thesaurus.py`` checks every
line (known thématiques, a source, no empty expression). It is read once, on first use.

A query becomes term groups: one per word, or per thesaurus phrase (« sans abri »,
« machine à laver »); a group matches a record when any of its alternatives (the word itself,
an equivalent, a thématique label) has all its tokens in the record.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from resource_base import text, vocabulary

THESAURUS_CSV = Path(__file__).resolve().parent / "data" / "thesaurus.csv"
MAX_PHRASE = 4
# Shorter words are not corrected: too many real words lie one letter apart.
MIN_CORRECTED_LENGTH = 5


class ThesaurusError(ValueError):
    """A thesaurus line is malformed (the message names the line)."""


@dataclass(frozen=True)
class Entry:
    expression: str
    alternatives: tuple[tuple[tuple[str, ...], str], ...]  # (tokens, text as written)
    source: str


@dataclass(frozen=True)
class TermGroup:
    """One word (or thesaurus phrase) of the query and its alternatives.

    ``word``: as typed, or as understood after a spelling correction (``corrige_de`` then
    holds what was typed); ``alternatives``: token tuples, each fully required;
    ``labels``: for each alternative, None for the word itself, else the equivalent as the
    thesaurus writes it (for the explanation: « mutuelle » → complémentaire santé solidaire).
    """

    word: str
    alternatives: tuple[tuple[str, ...], ...]
    labels: tuple[str | None, ...] = ()
    corrige_de: str | None = None


def read_thesaurus(path: str | Path = THESAURUS_CSV) -> dict[tuple[str, ...], Entry]:
    """The thesaurus by expression tokens; raises ``ThesaurusError`` naming a bad line."""
    table: dict[tuple[str, ...], Entry] = {}
    with Path(path).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        for line, row in enumerate(reader, start=2):
            expression = (row.get("expression") or "").strip()
            key = tuple(text.tokens(expression))
            source = (row.get("source") or "").strip()
            if not key or len(key) > MAX_PHRASE:
                raise ThesaurusError(f"{path}, ligne {line} : expression vide ou trop longue.")
            if not source:
                raise ThesaurusError(f"{path}, ligne {line} : source manquante.")
            alternatives: list[tuple[tuple[str, ...], str]] = []
            for equivalent in _split(row.get("equivalents")):
                alternatives.append((tuple(text.tokens(equivalent)), equivalent))
            for slug in _split(row.get("thematiques")):
                if not vocabulary.is_thematique(slug):
                    raise ThesaurusError(f"{path}, ligne {line} : thématique inconnue « {slug} ».")
                label = vocabulary.label(slug)
                alternatives.append((tuple(text.tokens(label)), label))
            previous = table.get(key)
            merged = list(previous.alternatives) if previous else []
            for tokens, label in alternatives:
                if tokens and tokens != key and tokens not in {t for t, _ in merged}:
                    merged.append((tokens, label))
            table[key] = Entry(expression, tuple(merged), source)
    return table


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split("|") if part.strip()]


@lru_cache(maxsize=1)
def thesaurus() -> dict[tuple[str, ...], Entry]:
    """The project's thesaurus, read once."""
    return read_thesaurus()


def query_groups(q: str | None, lexicon=None) -> tuple[TermGroup, ...]:
    """The term groups of a free-text query: thesaurus phrases first (longest), then words;
    a word of five letters or more that no record has is corrected against ``lexicon``
    (``resource_base.lexicon.Lexicon``) when given; duplicates removed.

    >>> [g.word for g in query_groups("Sans abri, dettes")]
    ['Sans abri', 'dettes']
    """
    table = thesaurus()
    pairs = text.surface_tokens(q)
    groups: list[TermGroup] = []
    seen: set[tuple[str, ...]] = set()
    i = 0
    while i < len(pairs):
        for size in range(min(MAX_PHRASE, len(pairs) - i), 0, -1):
            key = tuple(token for _, token in pairs[i : i + size])
            if size == 1 or key in table:
                break
        words = " ".join(word for word, _ in pairs[i : i + size])
        i += size
        corrige_de = None
        if (
            size == 1
            and key not in table
            and lexicon is not None
            and len(words) >= MIN_CORRECTED_LENGTH
            and not lexicon.df(key[0])
        ):
            corrected = lexicon.correct(key[0])
            if corrected is not None:
                corrige_de, key, words = words, (corrected,), lexicon.surface(corrected)
            elif (expression := _closest_expression(key[0], table)) is not None:
                # Not in any record, but close to what advisers say (« mutuele »).
                corrige_de, key, words = words, expression, table[expression].expression
        if key in seen:
            continue
        seen.add(key)
        alternatives, labels = [key], [None]
        entry = table.get(key)
        for tokens, label in entry.alternatives if entry else ():
            alternatives.append(tokens)
            labels.append(label)
        groups.append(TermGroup(words, tuple(alternatives), tuple(labels), corrige_de))
    return tuple(groups)


def _closest_expression(token: str, table: dict[tuple[str, ...], Entry]) -> tuple[str, ...] | None:
    """The one-word thesaurus expression one edit away (two from seven letters on)."""
    allowed = 1 if len(token) < 7 else 2
    keys = [key for key in table if len(key) == 1]
    found = process.extractOne(
        token, [key[0] for key in keys], scorer=Levenshtein.distance, score_cutoff=allowed
    )
    return keys[found[2]] if found else None


def group_matches(group: TermGroup, words: frozenset[str] | set[str]) -> bool:
    """Whether a group matches a set of indexed tokens."""
    return any(words.issuperset(alt) for alt in group.alternatives)
