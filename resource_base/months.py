"""French month names, the one list every page and export reads."""

from __future__ import annotations

MOIS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def month_label(mois: str) -> str:
    """``"2026-03"`` → ``"mars 2026"``."""
    return f"{MOIS[int(mois[5:7]) - 1]} {mois[:4]}"
