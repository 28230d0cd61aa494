"""Urgent needs: when an adviser searches for emergency housing or help against violence,
the national emergency services (115, 3919…) come first.

Source of the numbers: service-public.fr, « Numéros d'urgence » (115 : Samu social,
hébergement d'urgence ; 3919 : Violences Femmes Info ; 119 : Allô enfance en danger).
"""

from __future__ import annotations

# Urgent need (data·inclusion sub-theme) → the emergency numbers that answer it.
URGENT_NEEDS: dict[str, tuple[str, ...]] = {
    "logement-hebergement--rechercher-une-solution-dhebergement-temporaire": ("115",),
    "famille--surmonter-conflits-separation-violence": ("3919", "119"),
}
EMERGENCY_NUMBERS = frozenset(n for numbers in URGENT_NEEDS.values() for n in numbers)
# Above any sum of need and text points, so that emergency services lead the list.
POINTS_URGENCE = 1000


def emergency_number(telephone: str | None) -> str | None:
    """The emergency number a resource answers on, if any: ``"115"`` → ``"115"``,
    ``"+33326000000"`` → None."""
    if not telephone:
        return None
    if telephone[0] == "+" and telephone[1:].isdigit():
        digits = telephone[1:]  # the stored E.164 form, without a character-by-character walk
    elif telephone.isdigit():
        digits = telephone
    else:
        digits = "".join(c for c in telephone if c.isdigit())
    return digits if digits in EMERGENCY_NUMBERS else None


def numbers_for(thematiques) -> tuple[str, ...]:
    """Emergency numbers that answer the urgent needs among ``thematiques`` (sorted)."""
    return tuple(sorted({n for t in thematiques for n in URGENT_NEEDS.get(t, ())}))
