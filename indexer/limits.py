"""The bounds an import file must stay within, so that a hostile or broken file is refused
quickly instead of exhausting memory or a core.

Each bound is a setting (``relais/settings.py``, documented in the README); the defaults come
from what departments really send: a department publishes a few thousand resources, a
national data·inclusion export a few hundred thousand services; Excel itself stops at
32,767 characters per cell.
"""

from __future__ import annotations

from dataclasses import dataclass

# Defaults (also the registry's defaults in relais/settings.py).
MAX_BYTES = 2 * 1024**3  # 2 GiB, decompressed for XLSX
MAX_ROWS = 1_000_000
MAX_COLUMNS = 200
MAX_CELL = 32_767  # characters: Excel's own limit for a cell
MAX_REJECTS = 10_000


@dataclass(frozen=True)
class Limits:
    """Bounds on one import file: ``max_bytes`` (bytes, decompressed for XLSX),
    ``max_rows`` (data rows), ``max_columns``, ``max_cell`` (characters in one cell) and
    ``max_rejects`` (rejections kept for the rejects file and the ``--json`` output; the
    others are counted only)."""

    max_bytes: int = MAX_BYTES
    max_rows: int = MAX_ROWS
    max_columns: int = MAX_COLUMNS
    max_cell: int = MAX_CELL
    max_rejects: int = MAX_REJECTS

    @classmethod
    def from_settings(cls, settings: dict) -> Limits:
        """The limits of the ``RELAIS_IMPORT_MAX_*`` settings (defaults when absent)."""
        return cls(
            max_bytes=int(settings.get("IMPORT_MAX_BYTES") or MAX_BYTES),
            max_rows=int(settings.get("IMPORT_MAX_ROWS") or MAX_ROWS),
            max_columns=int(settings.get("IMPORT_MAX_COLUMNS") or MAX_COLUMNS),
            max_cell=int(settings.get("IMPORT_MAX_CELL") or MAX_CELL),
            max_rejects=int(settings.get("IMPORT_MAX_REJECTS") or MAX_REJECTS),
        )

    @property
    def max_line_bytes(self) -> int:
        """Longest physical line read at once: every column at its longest, 4 bytes a
        character (UTF-8), plus separators. A longer line cannot be a valid row."""
        return self.max_columns * (4 * self.max_cell + 3)


def megabytes(size: int) -> str:
    """``1 536 Mo`` (French thousands separator), for messages."""
    return f"{size / 1024**2:,.0f} Mo".replace(",", "\u202f")
