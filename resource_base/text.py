"""French text normalisation, the same for indexing and querying in every engine.

Pipeline: case and accent folding, elisions (l', d', qu'…) removed, stop words dropped, light
stemming (plural and feminine endings) so that singular and plural meet. Query words are then
expanded with a short list of synonyms that advisers actually type.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_LIGATURES = (
    ("œ", "oe"),
    ("Œ", "oe"),
    ("æ", "ae"),
    ("Æ", "ae"),
    ("’", "'"),
    ("ʼ", "'"),
    ("`", "'"),
)
_ELISION = re.compile(r"\b(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)'")
_NON_WORD = re.compile(r"[^a-z0-9]+")
# Every ASCII character but [a-z0-9] → a space (for ASCII text, what _NON_WORD.sub does
# before a split()).
_NON_WORD_TABLE = {c: " " for c in range(128) if not (48 <= c <= 57 or 97 <= c <= 122)}

STOP_WORDS = frozenset(
    [
        "a",
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "en",
        "et",
        "eux",
        "il",
        "ils",
        "je",
        "la",
        "le",
        "les",
        "leur",
        "lui",
        "ma",
        "mais",
        "me",
        "meme",
        "mes",
        "moi",
        "mon",
        "ne",
        "nos",
        "notre",
        "nous",
        "on",
        "ou",
        "par",
        "pas",
        "pour",
        "qu",
        "que",
        "qui",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "y",
        "est",
        "sont",
        "etre",
    ]
)


def fold(text: str) -> str:
    """Lower-case, strip accents and punctuation, keep single spaces.

    >>> fold("Châlons-en-Champagne")
    'chalons en champagne'
    """
    return _NON_WORD.sub(" ", _ascii_lower(text)).strip()


def _ascii_lower(text: str) -> str:
    if not text.isascii():
        # Decompose, then keep ASCII only: accents (combining marks) go, letters stay.
        for ligature, plain in _LIGATURES:
            if ligature in text:  # rare: a test is far cheaper than str.translate
                text = text.replace(ligature, plain)
        text = unicodedata.normalize("NFKD", text)
        text = text.encode("ascii", "ignore").decode("ascii")
    return text.lower()


def stem(word: str) -> str:
    """Light French stemming: plural then feminine endings.

    >>> stem("sociaux"), stem("dettes"), stem("enfants"), stem("mentale")
    ('social', 'dett', 'enfant', 'mental')
    """
    if len(word) > 4 and word.endswith("aux"):
        word = word[:-3] + "al"
    elif len(word) > 3 and word[-1] in "sx" and not word.endswith("ss"):
        word = word[:-1]
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


@lru_cache(maxsize=65536)
def _stem_cached(word: str) -> str:
    return stem(word)


def tokens(text: str | None) -> list[str]:
    """Normalised tokens of a text, in order, stop words removed.

    >>> tokens("L'aide aux dettes d'un foyer")
    ['aide', 'dett', 'foyer']
    """
    if not text:
        return []
    # Folding first keeps apostrophes (’ becomes '), so elisions are cut on plain ASCII.
    text = _ascii_lower(text)
    if "'" in text:
        text = _ELISION.sub(" ", text)
    # The folded text is ASCII: one translate does what _NON_WORD.sub does, split() the rest.
    return [_stem_cached(w) for w in text.translate(_NON_WORD_TABLE).split() if w not in STOP_WORDS]


# Words advisers type, expanded to what records say. Keys and values are raw French; they
# go through ``tokens`` like everything else.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "dette": ("surendettement", "endettement", "budget"),
    "dettes": ("surendettement", "endettement", "budget"),
    "surendettement": ("dette", "endettement"),
    "psy": ("santé mentale", "psychologue", "psychiatre", "psychologique"),
    "psychologue": ("santé mentale", "psychologique"),
    "garde": ("garde d'enfants", "crèche", "assistante maternelle", "halte-garderie"),
    "creche": ("garde d'enfants", "halte-garderie"),
    "permis": ("permis de conduire", "auto-école", "code de la route"),
    "caf": ("caisse d'allocations familiales", "allocations familiales"),
    "rsa": ("revenu de solidarité active", "minima sociaux"),
    "apl": ("aide au logement", "allocation logement"),
    "cpam": ("assurance maladie",),
    "mutuelle": ("complémentaire santé", "complémentaire santé solidaire"),
    "css": ("complémentaire santé solidaire",),
    "ordinateur": ("numérique", "informatique"),
    "ordi": ("ordinateur", "numérique", "informatique"),
    "internet": ("numérique",),
    "fle": ("français langue étrangère", "apprendre le français"),
    "illettrisme": ("lecture écriture", "savoirs de base"),
    "voiture": ("mobilité", "garage solidaire", "location solidaire"),
    "transport": ("mobilité",),
    "manger": ("aide alimentaire", "alimentation", "épicerie sociale"),
    "colis": ("aide alimentaire", "alimentation"),
    "hebergement": ("logement", "hébergement d'urgence"),
    "violence": ("violences conjugales", "violences intrafamiliales"),
    "addiction": ("addictologie", "alcool", "drogue"),
    "handicap": ("mdph", "situation de handicap"),
    "mdph": ("handicap",),
}


@dataclass(frozen=True)
class TermGroup:
    """One word of the query and its alternatives; each alternative is a tuple of tokens that
    must all be present. The group matches when any alternative matches."""

    word: str
    alternatives: tuple[tuple[str, ...], ...]


@lru_cache(maxsize=1)
def _synonym_table() -> dict[str, tuple[tuple[str, ...], ...]]:
    table: dict[str, tuple[tuple[str, ...], ...]] = {}
    for key, values in SYNONYMS.items():
        key_tokens = tokens(key)
        if len(key_tokens) != 1:
            continue
        alts = [tuple(tokens(v)) for v in values]
        table[key_tokens[0]] = tuple(a for a in alts if a)
    return table


def query_groups(q: str | None) -> tuple[TermGroup, ...]:
    """The term groups of a free-text query, with synonyms, duplicates removed.

    >>> [g.alternatives for g in query_groups("Dettes")]
    [(('dett',), ('surendettement',), ('endettement',), ('budget',))]
    """
    table = _synonym_table()
    groups: list[TermGroup] = []
    seen: set[str] = set()
    for token in tokens(q):
        if token in seen:
            continue
        seen.add(token)
        alternatives = [(token,)]
        for alt in table.get(token, ()):
            if alt not in alternatives:
                alternatives.append(alt)
        groups.append(TermGroup(token, tuple(alternatives)))
    return tuple(groups)


def group_matches(group: TermGroup, words: frozenset[str] | set[str]) -> bool:
    """Whether a group matches a set of indexed tokens."""
    return any(all(t in words for t in alt) for alt in group.alternatives)
