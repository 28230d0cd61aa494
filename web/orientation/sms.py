"""The SMS text of an orientation sheet: GSM-7 characters only, short, counted.

Why GSM-7: one character outside the GSM 03.38 alphabet ("’", "–", "ê", "œ"…) switches the
whole message to UCS-2, where an SMS holds 70 characters instead of 160 (153 per part of a
long message). Source: 3GPP TS 23.038, "GSM 7 bit default alphabet".
"""

from __future__ import annotations

import math
import unicodedata

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€")  # two characters each (escape + character)
SMS_SINGLE, SMS_PART = 160, 153
_REPLACEMENTS = {
    "’": "'",
    "‘": "'",
    "“": '"',
    "”": '"',
    "«": '"',
    "»": '"',
    "–": "-",
    "—": "-",
    "…": "...",
    "\u00a0": " ",
    "\u202f": " ",
    "œ": "oe",
    "Œ": "OE",
    "·": "-",
}


def to_gsm7(text: str) -> str:
    """``"Épicerie – l’été"`` → ``"Epicerie - l'été"``: every character in the GSM-7 basic
    alphabet (accents it lacks are dropped: "ê" → "e", "ç" → "c"; "É" and "é" stay)."""
    out = []
    for char in text:
        char = _REPLACEMENTS.get(char, char)
        if all(c in GSM7_BASIC for c in char):
            out.append(char)
            continue
        base = unicodedata.normalize("NFKD", char)[:1]
        out.append(base if base in GSM7_BASIC else "")
    return "".join(out)


def length(text: str) -> int:
    """Length in GSM-7 septets (an extension character counts twice)."""
    return sum(2 if c in GSM7_EXTENSION else 1 for c in text)


def count(text: str) -> int:
    """How many SMS the text takes: 1 up to 160 characters, then parts of 153."""
    n = length(text)
    return 1 if n <= SMS_SINGLE else math.ceil(n / SMS_PART)


def sms_text(entries: list[tuple[str, str | None, str]]) -> str:
    """``[(name, phone, short_url), …]`` → the SMS: one line per resource, names shortened so
    that each resource takes at most one SMS part (306 characters for two).

    >>> sms_text([("Point conseil budget", "03 26 01 02 03", "https://r.fr/r/a")])
    'Votre contact :\\n1. Point conseil budget, 03 26 01 02 03, https://r.fr/r/a'
    """
    intro = "Vos contacts :" if len(entries) > 1 else "Votre contact :"
    budget = SMS_SINGLE if len(entries) <= 1 else SMS_PART * len(entries)
    lines = []
    for number, (name, phone, url) in enumerate(entries, start=1):
        parts = [to_gsm7(p) for p in (phone, url) if p]
        lines.append((f"{number}. ", to_gsm7(name).strip(), parts))
    fixed = length(intro) + sum(
        length(prefix) + 1 + sum(length(p) + 2 for p in parts) for prefix, _, parts in lines
    )
    room = max(20, (budget - fixed) // max(1, len(lines)))
    out = [intro]
    for prefix, name, parts in lines:
        if length(name) > room:
            name = name[: room - 3].rstrip() + "..."
        out.append(", ".join([prefix + name, *parts]))
    return "\n".join(out)
