"""Row validation: one raw row in, a ``Resource`` or the list of what is wrong (in French).

The same rules serve CSV, XLSX and data·inclusion rows (the latter after the
``data-inclusion-schema`` model has checked them, see ``data_inclusion``). Kept light on
purpose (precompiled patterns, dictionary look-ups): the whole import aims at 10,000 rows/s.
The rules per concern live beside this module: text cleaning (``values``), vocabulary
(``vocabularies``), phones, e-mails and links (``phones``, ``contacts``), places
(``places``).
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from functools import lru_cache

from indexer.formats import ROW_ERROR
from indexer.validation.columns import TEXT_LENGTHS
from indexer.validation.contacts import is_web_address, normalise_email, normalise_siret
from indexer.validation.notices import Notices
from indexer.validation.phones import normalise_phone
from indexer.validation.places import PlaceRules
from indexer.validation.values import as_list, as_text, clean_text, needs_cleaning, parse_date
from indexer.validation.vocabularies import (
    DEFAULTS,
    VOCABULARIES,
    VOCABULARIES_BY_NAME,
    lookup,
    unknown_value_message,
)
from resource_base import vocabulary
from resource_base.geo import CommuneDirectory
from resource_base.models import Resource

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,199}")
_OLDEST = date(2000, 1, 1)


def stable_id(nom_structure: str, nom: str, code_insee: str | None, adresse: str | None) -> str:
    """An id for rows without one: the same service at the same place keeps the same id."""
    key = "\x1f".join(
        " ".join(part.casefold().split())
        for part in (nom_structure, nom, code_insee or "", adresse or "")
    )
    return hashlib.sha256(key.encode()).hexdigest()[:16]


@lru_cache(maxsize=16384)
def _vocabulary_list(name: str, value: str) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """(sorted slugs, errors) of a list cell of vocabulary field ``name``."""
    allowed = VOCABULARIES_BY_NAME[name]
    slugs, errors = set(), []
    for item in as_list(value):
        if item not in allowed:
            found = lookup(name, item)
            if found is None:
                errors.append((name, unknown_value_message(name, item)))
            item = found
        if item is not None:
            slugs.add(item)
    return tuple(sorted(slugs)), tuple(errors)


class RowValidator(PlaceRules):
    """Validates and normalises rows against the national vocabulary and the territories.

    ``departement``: the department asked for on the command line. For CSV/XLSX it owns every
    row (``place_first=False``); for data·inclusion rows the department of the service's
    commune comes first and ``departement`` is the fallback (``place_first=True``).
    """

    def __init__(
        self,
        directory: CommuneDirectory,
        *,
        departement: str | None = None,
        place_first: bool = False,
        today: date | None = None,
    ):
        self.directory = directory
        self.communes = directory.communes
        self.departements = directory.departements
        self.epci = frozenset(directory.epci_names)
        self.forced = departement
        self.place_first = place_first
        self.today = today or date.today()
        self.notices = Notices()
        # Columns without a header in the file being validated (set by the importer).
        self.unnamed: tuple[str, ...] = ()

    # --- helpers that record what they fix ---

    def _clean(self, name: str, value: object, where: str) -> str:
        text, formula = clean_text(name, value)
        if formula:
            self.notices.add("formule", f"{where} ({name})")
        return text

    def _vocab(self, name: str, raw: str, errors: list) -> str | None:
        """The slug of a value not written exactly as the vocabulary's slug, or an error."""
        found = lookup(name, raw)
        if found is None:
            errors.append((name, unknown_value_message(name, raw)))
        return found

    # --- the row ---

    def validate(self, raw: dict, where: str = "") -> tuple[Resource | None, list[tuple[str, str]]]:
        """The resource a row describes, or ``(None, [(field, reason), …])``.

        ``where`` ("fichier.csv:12") only labels the normalisations counted in ``notices``.
        The returned resource has no ``id``/``source`` yet (the importer sets them) and no
        coordinates when they must be geocoded.
        """
        errors: list[tuple[str, str]] = []
        if ROW_ERROR in raw:
            errors.append(raw[ROW_ERROR])
            return None, errors
        get = raw.get
        data: dict = {}

        clean = self._clean
        for name, (low, high) in TEXT_LENGTHS.items():
            value = get(name)
            if not value:
                text = ""
            elif value.__class__ is str and not needs_cleaning(value):
                text = value  # the common case: nothing to clean
            else:
                text = clean(name, value, where)
            if len(text) > high:
                errors.append((name, f"{len(text)} caractères, au plus {high} autorisés"))
            elif len(text) < low:
                if text:
                    errors.append((name, f"{len(text)} caractère(s), au moins {low} attendus"))
                else:
                    errors.append((name, "champ obligatoire vide"))
            data[name] = text or None

        for name, allowed, is_list in VOCABULARIES:
            value = get(name)
            if is_list:
                if not value:
                    data[name] = []
                    continue
                if value.__class__ is str:
                    if "|" not in value and value in allowed:
                        data[name] = [value]  # the common single, exact value
                        continue
                    # A pure function of the text, and a file repeats its combinations.
                    slugs, problems = _vocabulary_list(name, value)
                    data[name] = list(slugs)
                    errors.extend(problems)
                    continue
                slugs = set()
                for item in as_list(value):
                    if item not in allowed:
                        item = self._vocab(name, item, errors)
                    if item is not None:
                        slugs.add(item)
                data[name] = sorted(slugs)
            else:
                text = value.strip() if value.__class__ is str else as_text(value).strip()
                if text and text not in allowed:
                    text = self._vocab(name, text, errors)
                data[name] = text or DEFAULTS.get(name)
        if not data["thematiques"] and not any(f == "thematiques" for f, _ in errors):
            errors.append(("thematiques", "au moins une thématique est obligatoire"))
        if vocabulary.TOUS_PUBLICS in data["publics"] and len(data["publics"]) > 1:
            errors.append(
                ("publics", "« tous-publics » ne peut pas être combiné à d'autres publics")
            )

        self._contacts(raw, data, errors, where)
        self._date(get("date_maj"), data, errors)
        commune = self._place(raw, data, errors, where)
        self._zone(get("zone_eligibilite"), data, errors, where)
        departement = self._departement(get("departement"), commune, data, errors, where)

        identifier = as_text(get("id")).strip()
        if identifier and not _ID.fullmatch(identifier):
            errors.append(
                (
                    "id",
                    "identifiant invalide : lettres sans accent, chiffres, « . », « _ », « : » "
                    "et « - » seulement, 200 caractères au plus",
                )
            )
        for key in self.unnamed:
            if as_text(get(key)).strip():
                self.notices.add("colonne_sans_nom", where)
                break
        if errors:
            return None, errors
        if not identifier:
            identifier = stable_id(
                data["nom_structure"], data["nom"], data.get("code_insee"), data.get("adresse")
            )
        resource = Resource(
            id="",
            source="",
            source_id=identifier,
            departement=departement or "",
            description=data.pop("description") or "",
            **data,
        )
        return resource, errors

    def _contacts(self, raw: dict, data: dict, errors: list, where: str) -> None:
        get = raw.get
        siret = get("siret")
        if siret:
            siret, valid = normalise_siret(as_text(siret))
            if siret and not valid:
                errors.append(("siret", f"« {siret[:40]} » n'est pas un SIRET (14 chiffres)"))
        data["siret"] = siret or None

        phone = get("telephone")
        if phone:
            phone = as_text(phone).strip()
        if phone:
            normalised = normalise_phone(phone)
            if normalised is None:
                errors.append(
                    (
                        "telephone",
                        f"« {phone[:40]} » n'est pas un numéro de téléphone (un seul numéro attendu)",
                    )
                )
            phone = normalised
        data["telephone"] = phone or None

        email = get("courriel")
        if email:
            email = as_text(email).strip()
        if email:
            normalised = normalise_email(email)
            if normalised is None:
                errors.append(("courriel", f"« {email[:80]} » n'est pas une adresse électronique"))
            email = normalised
        data["courriel"] = email or None

        for name in ("site_web", "lien_mobilisation"):
            url = get(name)
            if url:
                url = as_text(url).strip()
            if url:
                if url[:4].lower() == "www.":
                    url = "https://" + url
                    self.notices.add("schema_web", f"{where} ({name})")
                if not is_web_address(url):
                    errors.append(
                        (name, f"« {url[:80]} » n'est pas une adresse web en http:// ou https://")
                    )
            data[name] = url or None

    def _date(self, value: object, data: dict, errors: list) -> None:
        text = value.strip() if value.__class__ is str else as_text(value).strip()
        data["date_maj"] = None
        if not text:
            return
        parsed = parse_date(text)
        if parsed is None:
            errors.append(
                (
                    "date_maj",
                    f"« {text[:40]} » n'est pas une date (AAAA-MM-JJ, JJ/MM/AAAA ou JJ/MM/AA)",
                )
            )
        elif parsed > self.today:
            errors.append(("date_maj", f"la date {parsed.isoformat()} est dans le futur"))
        elif parsed < _OLDEST:
            errors.append(("date_maj", f"la date {parsed.isoformat()} est antérieure à l'an 2000"))
        else:
            data["date_maj"] = parsed.isoformat()
