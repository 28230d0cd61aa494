"""E-mail addresses, web links and SIRET numbers.

One function decides whether an e-mail address is acceptable, for every file format
(CSV, XLSX, data·inclusion JSON): ``normalise_email``, which asks ``email-validator`` (the
library pydantic's ``EmailStr`` uses too), without any DNS lookup.
"""

from __future__ import annotations

import re
from functools import lru_cache

import email_validator

_URL = re.compile(r"https?://[^\s/?#:@]+\.[^\s/?#:@]+(?::[0-9]{1,5})?(?:[/?#]\S*)?", re.IGNORECASE)
_SIRET_JUNK = re.compile(r"[\s.]")
_SIRET = re.compile(r"[0-9]{14}")
MAX_URL_LENGTH = 2000


# Pure functions of the text: a department's file repeats its structures' contacts.
@lru_cache(maxsize=8192)
def normalise_email(value: str) -> str | None:
    """The address in normal form (domain in lower case and IDNA-checked, local part in NFC
    and otherwise as written), or ``None`` when it is not a deliverable-looking address.

    A ``mailto:`` prefix is dropped. Internationalised local parts (``élodie@…``) are
    accepted, consecutive dots (``a..b@…``) and reserved domains (``.invalid``, ``.local``…)
    are not: the rules of ``email_validator.validate_email`` with
    ``check_deliverability=False`` (no DNS query during an import).

    >>> normalise_email("mailto:Contact@Example.ORG"), normalise_email("a..b@exemple.fr")
    ('Contact@example.org', None)
    """
    address = value.strip()
    if address[:7].lower() == "mailto:":
        address = address[7:]
    try:
        checked = email_validator.validate_email(address, check_deliverability=False)
    except email_validator.EmailNotValidError:
        return None
    return checked.normalized


def is_web_address(url: str) -> bool:
    """An absolute ``http://`` or ``https://`` address with a dotted host, at most 2,000
    characters."""
    return len(url) <= MAX_URL_LENGTH and _URL.fullmatch(url) is not None


def normalise_siret(value: str) -> tuple[str, bool]:
    """``(siret, valid)``: spaces and dots removed; valid when 14 digits remain."""
    siret = _SIRET_JUNK.sub("", value)
    return siret, _SIRET.fullmatch(siret) is not None
