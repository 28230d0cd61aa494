"""French text normalisation, the same for indexing and querying in every engine.

Pipeline: case and accent folding, elisions (l', d', qu'…) removed, stop words dropped, light
stemming (plural and feminine endings) so that singular and plural meet. Query words are then
expanded with the thesaurus (``resource_base.thesaurus``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from itertools import chain

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


class OnDemand(dict):
    """key → ``compute(key)``, filled on demand (a dict look-up is several times cheaper than
    an ``lru_cache`` call). Bounded: emptied past ``limit`` entries; a key longer than
    ``longest`` (when given) is computed but not kept."""

    def __init__(self, compute: Callable, limit: int, longest: int | None = None):
        super().__init__()
        self.compute, self.limit, self.longest = compute, limit, longest

    def __missing__(self, key):
        found = self.compute(key)
        if self.longest is None or len(key) <= self.longest:
            if len(self) >= self.limit:
                self.clear()
            self[key] = found
        return found


_STEMS = OnDemand(stem, 100_000)  # word → stem(word)


def tokens(text: str | None) -> list[str]:
    """Normalised tokens of a text, in order, stop words removed. Each chunk (the text between
    two spaces) is tokenised once, then found in a bounded cache (``_CHUNKS``).

    >>> tokens("L'aide aux dettes d'un foyer")
    ['aide', 'dett', 'foyer']
    """
    if not text:
        return []
    # No token crosses a space (see _chunk_tokens): the text's tokens are its chunks', in order.
    return list(chain.from_iterable(map(_CHUNKS.__getitem__, _chunks(text))))


def token_set(text: str | None) -> set[str]:
    """``set(tokens(text))``, without the intermediate list.

    >>> sorted(token_set("aide aux dettes, aide aux enfants"))
    ['aide', 'dett', 'enfant']
    """
    if not text:
        return set()
    return set(chain.from_iterable(map(_CHUNKS.__getitem__, _chunks(text))))


def _chunks(text: str) -> list[str]:
    """The text between spaces, for ``_CHUNKS``."""
    if "`" in text and not text.isascii():
        # Folding a text that is not ASCII turns every backtick into an apostrophe (an
        # elision), even in its ASCII chunks, which fold alone would leave as they are.
        text = text.replace("`", "'")
    return text.split(" ")


def _chunk_tokens(text: str) -> tuple[str, ...]:
    """Tokens of a text, computed (the reference pipeline ``tokens`` caches per chunk).

    A space stays a separator at every step, so the tokens of ``a + " " + b`` are those of
    ``a`` then those of ``b``: NFKD decomposes code point by code point and reorders only
    combining marks, which a space (a starter) bounds; an elision (``l'``) contains no space,
    and the word boundary it needs holds after a space exactly as at the start of a text.
    """
    # Folding first keeps apostrophes (’ becomes '), so elisions are cut on plain ASCII.
    text = _ascii_lower(text)
    if "'" in text:
        text = _ELISION.sub(" ", text)
    # The folded text is ASCII: one translate does what _NON_WORD.sub does, split() the rest.
    stems = _STEMS
    return tuple(stems[w] for w in text.translate(_NON_WORD_TABLE).split() if w not in STOP_WORDS)


# chunk (a text between two spaces: a word and its punctuation, "l'accès,") → its tokens.
# Chunks longer than _CHUNK_MAX_LENGTH characters are not kept: 12 MB at worst, measured.
_CHUNKS_MAX = 30_000
_CHUNK_MAX_LENGTH = 40
_CHUNKS = OnDemand(_chunk_tokens, _CHUNKS_MAX, _CHUNK_MAX_LENGTH)


_SURFACE_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def surface_tokens(text: str | None) -> list[tuple[str, str]]:
    """``(word as written, token)`` pairs of a text, in order; stop words dropped. The
    explanation shows the written word, never the token.

    >>> surface_tokens("L'Épicerie sociale")
    [('Épicerie', 'epiceri'), ('sociale', 'social')]
    """
    found = []
    for raw in _SURFACE_WORD.findall(text or ""):
        found.extend(_surface_of(raw))
    return found


@lru_cache(maxsize=65536)
def _surface_of(raw: str) -> tuple[tuple[str, str], ...]:
    # "L'Épicerie": the elision goes, the word stays as written.
    word = raw.split("'")[-1].split("’")[-1]
    return tuple((word, token) for token in tokens(raw))
