"""Phone numbers, parsed and validated by ``phonenumbers`` (Google's libphonenumber metadata).

Stored form: E.164 (``+33…``), overseas departments with their own country code (``+262…``,
``+590…``, ``+594…``, ``+596…``), and short numbers (115, 119, 3919…) as their digits.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumber, shortnumberinfo

# Overseas departments dialled from France with a 0 and their own prefix (0262, 0590…).
# They come first: Google's metadata also counts some of them as mainland numbers (0269…).
OVERSEAS_REGIONS = ("RE", "YT", "GP", "MQ", "GF")
_SHORT = re.compile(r"[0-9]{2,6}")
_NO_ZERO = re.compile(r"[1-9][0-9]{8}")  # a national number whose leading 0 Excel dropped
# A French number written 0X XX XX XX XX or +33 X XX XX XX XX (spaces, dots or hyphens
# between pairs, or none): its national number is the nine digits after 0 or +33.
_FRENCH_FORM = re.compile(r"(?:\+33[ .-]?|0)([1-9](?:[ .-]?[0-9]{2}){4})")
# An extension after the number: « poste 12 », « p. 12 », « ext. 12 », « x12 ».
_EXTENSION = re.compile(
    r"[\s,;]*(?:poste|p\.|ext\.?|extension|x)\s*([0-9]{1,6})\s*$", re.IGNORECASE
)


# Pure functions of the text: a department's file repeats its structures' contacts.
@lru_cache(maxsize=8192)
def normalise_phone(value: str) -> str | None:
    """A phone number in E.164, a valid French short number (115, 3919…) as its digits, or
    ``None`` when the value is not one valid phone number.

    French numbers (mainland and overseas) must be valid for their region. A foreign ``+…``
    number must have a possible length for its country: its numbering plan is the
    foreign operator's business, not the department's.

    >>> normalise_phone("03 26 00 00 00"), normalise_phone("+33 (0)3 26 00 00 00")
    ('+33326000000', '+33326000000')
    >>> normalise_phone("0262 12 34 56"), normalise_phone("115")
    ('+262262123456', '115')

    An overseas number written with +33 (``+33 2 62 12 34 56``) is given its own country code
    (``+262262123456``); an extension is kept after the number (``+33326000000 poste 12``).
    """
    extension = _EXTENSION.search(value)
    if extension and extension.start():
        number = normalise_phone(value[: extension.start()])
        return f"{number} poste {extension[1]}" if number else None
    text = value.strip()
    french = _FRENCH_FORM.fullmatch(text)
    if french:
        # What parsing would give (country code 33, the nine digits after 0 or +33), without
        # parsing: most numbers of a departmental file are written so.
        return _french(int("".join(c for c in french[1] if c.isdigit())))
    compact = "".join(c for c in text if c.isdigit() or c == "+")
    if _SHORT.fullmatch(compact):
        number = _parse(compact, "FR")
        if number is not None and shortnumberinfo.is_valid_short_number_for_region(number, "FR"):
            return compact
    if _NO_ZERO.fullmatch(compact):
        text = "0" + compact
    number = _parse(text, "FR")
    if number is None:
        return None
    if number.country_code != 33:
        # An international form: the country code is given.
        valid = (
            phonenumbers.is_valid_number(number)
            if phonenumbers.region_code_for_country_code(number.country_code)
            in ("FR", *OVERSEAS_REGIONS)
            else phonenumbers.is_possible_number(number)
        )
        return _e164(number) if valid else None
    return _french(number.national_number, number)


def _french(national_number: int, number: PhoneNumber | None = None) -> str | None:
    """The E.164 form of a French national number (overseas ones with their own country
    code), or None when it is not valid."""
    national = str(national_number)
    for country_code, pattern in _overseas_patterns():
        if pattern.fullmatch(national):
            overseas = PhoneNumber(country_code=country_code, national_number=national_number)
            if phonenumbers.is_valid_number(overseas):
                return _e164(overseas)
    if number is None:
        number = PhoneNumber(country_code=33, national_number=national_number)
    return _e164(number) if phonenumbers.is_valid_number(number) else None


@cache
def _overseas_patterns() -> tuple[tuple[int, re.Pattern], ...]:
    """(country code, national number pattern) of each overseas region, from the metadata:
    a cheap first test before the full validation."""
    out = []
    for region in OVERSEAS_REGIONS:
        metadata = PhoneMetadata.metadata_for_region(region)
        out.append(
            (metadata.country_code, re.compile(metadata.general_desc.national_number_pattern))
        )
    return tuple(out)


def _parse(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
