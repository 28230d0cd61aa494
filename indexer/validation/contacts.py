"""E-mail addresses, web links and SIRET numbers.

One function decides whether an e-mail address is acceptable, for every file format
(CSV, XLSX, data·inclusion JSON): ``normalise_email``, which asks ``email-validator`` (the
library pydantic's ``EmailStr`` uses too), without any DNS lookup.
"""

from __future__ import annotations

import re
from functools import lru_cache

import email_validator
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES, DOT_ATOM_TEXT
from email_validator.syntax import validate_email_domain_name

_URL = re.compile(r"https?://[^\s/?#:@]+\.[^\s/?#:@]+(?::[0-9]{1,5})?(?:[/?#]\S*)?", re.IGNORECASE)
_SIRET_JUNK = re.compile(r"[\s.]")
_SIRET = re.compile(r"[0-9]{14}")
MAX_URL_LENGTH = 2000
# email_validator's bound on an address, in UTF-8 bytes (RFC 5321 4.5.3.1.3 as it reads it).
_EMAIL_MAX_BYTES = 254
_NOT_SIMPLE = frozenset('"<>()[]\\,;: \t')


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
    simple = _simple_email(address)
    if simple is not False:
        return simple
    try:
        checked = email_validator.validate_email(address, check_deliverability=False)
    except email_validator.EmailNotValidError:
        return None
    return checked.normalized


def _simple_email(address: str) -> str | None | bool:
    """``validate_email``'s answer for the common address (ASCII, one ``@``, a dot-atom local
    part: e.g. ``contact.51@mairie-reims.fr``) without its per-address cost, the domain's
    verdict being cached; ``False`` for any other address (the library decides). The steps
    are the library's own for such an address (``validate_email`` in email-validator 2.x):
    the local part is valid and kept as written (lower-cased for RFC 2142 names such as
    ``postmaster``), the domain is checked and normalised by ``validate_email_domain_name``,
    and the three forms of the address must fit in 254 bytes. ``tests/test_import_speed.py``
    compares both on varied addresses."""
    if not address.isascii() or address.count("@") != 1 or not _NOT_SIMPLE.isdisjoint(address):
        return False
    local, _, domain = address.partition("@")
    if not local or not domain or DOT_ATOM_TEXT.match(local) is None:
        return False
    checked = _domain(domain)
    if checked is None:
        return None
    normal, ascii_domain = checked
    if local.lower() in CASE_INSENSITIVE_MAILBOX_NAMES:
        local = local.lower()
    if (
        max(len(address), len(local) + 1 + len(ascii_domain), len(local) + 1 + len(normal.encode()))
        > _EMAIL_MAX_BYTES
    ):
        return False
    return f"{local}@{normal}"


@lru_cache(maxsize=4096)
def _domain(domain: str) -> tuple[str, str] | None:
    """(normalised, IDNA ASCII) forms of an address's domain, or None when it is refused
    (``validate_email``'s defaults: no test environment, globally deliverable)."""
    try:
        found = validate_email_domain_name(
            domain, test_environment=False, globally_deliverable=True
        )
    except email_validator.EmailNotValidError:
        return None
    return found["domain"], found["ascii_domain"]


def is_web_address(url: str) -> bool:
    """An absolute ``http://`` or ``https://`` address with a dotted host, at most 2,000
    characters."""
    return len(url) <= MAX_URL_LENGTH and _URL.fullmatch(url) is not None


def normalise_siret(value: str) -> tuple[str, bool]:
    """``(siret, valid)``: spaces and dots removed; valid when 14 digits remain."""
    siret = _SIRET_JUNK.sub("", value)
    return siret, _SIRET.fullmatch(siret) is not None
