"""data·inclusion v1 services: checked by the ``data-inclusion-schema`` model, and its
(pydantic) errors translated into the French row rejects of the import summary."""

from __future__ import annotations

import re

from indexer.validation.columns import TEMPLATE_COLUMNS
from indexer.validation.contacts import normalise_email

_SOURCE = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_DI_REASONS = {
    "missing": "champ obligatoire manquant",
    "string_too_short": "au moins {min_length} caractère(s) attendu(s)",
    "string_too_long": "au plus {max_length} caractères autorisés",
    "too_short": "au moins {min_length} élément(s) attendu(s)",
    "too_long": "au plus {max_length} élément(s) autorisé(s)",
    "string_pattern_mismatch": "« {input} » : format invalide",
    "enum": "valeur inconnue « {input} »",
    "literal_error": "valeur inconnue « {input} »",
    "url_parsing": "« {input} » n'est pas une adresse web valide",
    "url_scheme": "« {input} » : adresse web en http:// ou https:// attendue",
    "url_type": "adresse web attendue",
    "date_parsing": "« {input} » n'est pas une date (AAAA-MM-JJ)",
    "date_from_datetime_parsing": "« {input} » n'est pas une date (AAAA-MM-JJ)",
    "date_from_datetime_inexact": "« {input} » : date sans heure attendue",
    "date_type": "date attendue (AAAA-MM-JJ)",
    "float_parsing": "« {input} » n'est pas un nombre",
    "float_type": "nombre attendu",
    "int_parsing": "« {input} » n'est pas un nombre entier",
    "int_type": "nombre entier attendu",
    "string_type": "texte attendu",
    "set_type": "liste attendue",
    "list_type": "liste attendue",
    "greater_than_equal": "doit être supérieur ou égal à {ge}",
    "model_type": "objet attendu",
    "model_attributes_type": "objet attendu",
}


def _di_reason(error: dict) -> str:
    kind = error["type"]
    context = {**(error.get("ctx") or {}), "input": str(error.get("input"))[:80]}
    if kind == "value_error":
        return error["msg"].removeprefix("Value error, ")
    template = _DI_REASONS.get(kind)
    if template is None:
        return f"valeur invalide ({kind})"
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return template


def data_inclusion_row(item: dict) -> tuple[dict | None, str | None, list[tuple[str, str]]]:
    """Check a data·inclusion v1 service with the ``data-inclusion-schema`` model.

    Returns ``(raw, source, errors)``: ``raw`` is the row for ``RowValidator`` (template
    columns, with the structure's name taken from an optional ``structure`` object or
    ``nom_structure`` key, else the ``structure_id``).

    The e-mail address is left out of the model's check: ``contacts.normalise_email`` decides
    for every format (the model's ``EmailStr`` and the CSV rules used to disagree).
    """
    import pydantic  # only data·inclusion files pay for the model
    from data_inclusion.schema.v1 import Service

    try:
        Service.model_validate({k: v for k, v in item.items() if k != "courriel"})
    except pydantic.ValidationError as exc:
        reasons: dict[str, str] = {}
        for error in exc.errors(include_url=False):
            loc = error["loc"]
            name = str(loc[0]) if loc else "*"
            if name == "zone_eligibilite" and len(loc) > 2:
                # One error per member of the union of code types: say it once.
                reason = (
                    f"« {str(error.get('input'))[:40]} » n'est pas un code de commune, "
                    "de département, d'EPCI, de pays, ni « france »"
                )
            else:
                reason = _di_reason(error)
            reasons.setdefault(name, reason)
        courriel = item.get("courriel")
        if isinstance(courriel, str) and courriel.strip() and normalise_email(courriel) is None:
            reasons["courriel"] = f"« {courriel[:80]} » n'est pas une adresse électronique"
        return None, None, list(reasons.items())
    source = item["source"]
    if not _SOURCE.fullmatch(source):
        return (
            None,
            None,
            [
                (
                    "source",
                    f"« {source[:40]} » : identifiant de source invalide (minuscules, chiffres, « - », « _ », « . »)",
                )
            ],
        )
    raw = {name: item[name] for name in TEMPLATE_COLUMNS if name in item}
    structure = item.get("structure") if isinstance(item.get("structure"), dict) else {}
    raw["nom_structure"] = item.get("nom_structure") or structure.get("nom") or item["structure_id"]
    for name in ("siret", "site_web", "reseaux_porteurs"):
        if raw.get(name) in (None, "", []) and structure.get(name):
            raw[name] = structure[name]
    return raw, source, []
