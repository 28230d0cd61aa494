"""Cell values: text cleaning (formula triggers, invisible characters), lists, numbers, dates.

Free text fields (names, description, address…) are cleaned: control and invisible
characters removed, spaces collapsed, and **a leading ``=``, ``+``, ``-`` or ``@`` removed**,
so that no value can run as a formula when an export is opened in a spreadsheet. The text is
kept (a description starting with "- " loses only its dash) and the summary counts it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, timedelta

from indexer.validation.columns import LIST_SEPARATOR, MULTILINE

FORMULA_TRIGGERS = "=+-@"
# A value starting with one of these may need cleaning (the fast path skips the others).
SLOW_START = FORMULA_TRIGGERS + " "

_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff]"
)
_BLANK_LINES = re.compile(r"\n{3,}")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ][0-9:.+\-Z]*)?")
_FR_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4}|[0-9]{2})")
# An Excel date serial (days since 1899-12-30, Excel's 1900 system): 36526 is 2000-01-01,
# 73050 is 2099-12-31; a time of day may follow the decimal point.
_EXCEL_SERIAL = re.compile(r"([0-9]{5})(?:\.[0-9]+)?")
_EXCEL_EPOCH = date(1899, 12, 30)


def needs_cleaning(value: str) -> bool:
    """False for the common value that ``clean_text`` would return unchanged."""
    return not (
        value.isprintable()  # no control, invisible or non-breaking character
        and value[0] not in SLOW_START
        and "  " not in value
        and value[-1] != " "
        and (value.isascii() or unicodedata.is_normalized("NFC", value))
    )


def clean_text(name: str, value: object) -> tuple[str, bool]:
    """``(text, formula_removed)``: the cleaned text of field ``name`` (NFC, no control or
    invisible character, spaces collapsed, line breaks kept only in ``MULTILINE`` fields) and
    whether a leading formula trigger was removed."""
    text = value if value.__class__ is str else as_text(value)
    if not text.isascii() or not text.isprintable():
        text = _CONTROL.sub("", text)
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
    if name in MULTILINE:
        lines = [
            " ".join(line.split())
            for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        ]
        text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    else:
        text = " ".join(text.split())
    if text and text[0] in FORMULA_TRIGGERS:
        return text.lstrip(FORMULA_TRIGGERS + " \t\n"), True
    return text, False


def as_text(value: object) -> str:
    """A cell as text: ``None`` → ``""``, a list joined with ``|``, anything else ``str()``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple | set):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return str(value)


def as_list(value: object) -> list[str]:
    """A cell as a list of stripped, non-empty items (text is split on ``|``)."""
    if value.__class__ is str:
        items = value.split(LIST_SEPARATOR)
    elif isinstance(value, list | tuple | set):
        items = [str(v) for v in value]
    elif value is None:
        return []
    else:
        items = str(value).split(LIST_SEPARATOR)
    return [v.strip() for v in items if v and not v.isspace()]


def parse_float(value: object) -> float | None:
    """A finite number from a cell (``"48,96"`` with a French decimal comma too), or None."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif value.__class__ is str and value.isascii() and "," not in value and "_" not in value:
        try:
            number = float(value)  # the common case: "48.9641"
        except ValueError:
            return None
    else:
        text = as_text(value).strip().replace("\u00a0", "").replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")  # French decimal comma
        try:
            number = float(text)
        except ValueError:
            return None
    return number if math.isfinite(number) else None


def parse_date(value: str) -> date | None:
    """``AAAA-MM-JJ`` (a time part is ignored), ``JJ/MM/AAAA``, ``JJ/MM/AA`` (a two-digit
    year is 20AA) or an Excel serial number (``45383`` → 2024-04-01, Excel's 1900 date
    system); None otherwise.

    >>> parse_date("01/03/25"), parse_date("45383")
    (datetime.date(2025, 3, 1), datetime.date(2024, 4, 1))
    """
    if len(value) == 10 and value[4] == "-":
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    match = _ISO_DATE.fullmatch(value)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        match = _FR_DATE.fullmatch(value)
        if match:
            year = int(match[3]) + (2000 if len(match[3]) == 2 else 0)
            return date(year, int(match[2]), int(match[1]))
        match = _EXCEL_SERIAL.fullmatch(value)
        if match and 36526 <= int(match[1]) <= 73050:
            return _EXCEL_EPOCH + timedelta(days=int(match[1]))
    except ValueError:
        return None
    return None
