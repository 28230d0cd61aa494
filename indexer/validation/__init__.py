"""Validation of imported rows, split by concern.

- ``columns``: the import template (columns, required ones, lengths);
- ``values``: text cleaning (formula triggers, invisible characters), lists, numbers, dates;
- ``vocabularies``: the national vocabulary, slugs and French labels;
- ``phones``: phone numbers (``phonenumbers``);
- ``contacts``: e-mail addresses (``email-validator``), web links, SIRET;
- ``places``: commune, coordinates, eligibility zone, publishing department;
- ``rows``: ``RowValidator``, one row in, a ``Resource`` or French reasons out;
- ``data_inclusion``: data·inclusion v1 services checked by their model, errors in French.
"""

from indexer.validation.columns import PLACE_COLUMNS, REQUIRED_COLUMNS, TEMPLATE_COLUMNS
from indexer.validation.contacts import normalise_email
from indexer.validation.data_inclusion import data_inclusion_row
from indexer.validation.phones import normalise_phone
from indexer.validation.places import departement_of_code, normalise_departement
from indexer.validation.rows import RowValidator, stable_id
from indexer.validation.values import FORMULA_TRIGGERS, parse_date

__all__ = [
    "FORMULA_TRIGGERS",
    "PLACE_COLUMNS",
    "REQUIRED_COLUMNS",
    "TEMPLATE_COLUMNS",
    "RowValidator",
    "data_inclusion_row",
    "departement_of_code",
    "normalise_departement",
    "normalise_email",
    "normalise_phone",
    "parse_date",
    "stable_id",
]
