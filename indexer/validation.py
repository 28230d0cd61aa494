"""Row validation: one raw row in, a ``Resource`` or the list of what is wrong (in French).

The same rules serve CSV, XLSX and data·inclusion rows (the latter after the
``data-inclusion-schema`` model has checked them). Kept light on purpose (precompiled
patterns, dictionary look-ups, no model library): the whole import aims at 10,000 rows/s.

Free text fields (names, description, address…) are cleaned: control and invisible
characters removed, spaces collapsed, and **a leading ``=``, ``+``, ``-`` or ``@`` removed**,
so that no value can run as a formula when an export is opened in a spreadsheet. The text is
kept (a description starting with "- " loses only its dash) and the summary counts it.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from indexer import place_matching
from indexer.formats import ROW_ERROR
from indexer.geocoding import PLAUSIBLE_KM, plausible
from resource_base import vocabulary
from resource_base.commune_labels import names_agree
from resource_base.geo import Commune, CommuneDirectory, haversine_km
from resource_base.models import STATUTS, VISIBILITES, Resource
from resource_base.text import fold

# The import template's columns (data·inclusion v1 field names), in the template's order.
TEMPLATE_COLUMNS = (
    "id",
    "nom_structure",
    "siret",
    "reseaux_porteurs",
    "nom",
    "description",
    "thematiques",
    "publics",
    "frais",
    "frais_precisions",
    "modes_accueil",
    "modes_mobilisation",
    "mobilisable_par",
    "conditions_acces",
    "telephone",
    "courriel",
    "site_web",
    "lien_mobilisation",
    "adresse",
    "complement_adresse",
    "code_postal",
    "commune",
    "code_insee",
    "latitude",
    "longitude",
    "zone_eligibilite",
    "horaires_accueil",
    "date_maj",
    "visibilite",
    "statut",
    "departement",
)
REQUIRED_COLUMNS = ("nom", "nom_structure", "thematiques")
# A place is one of these column sets (not needed when every service is remote-only).
PLACE_COLUMNS = (("code_insee",), ("code_postal", "commune"), ("latitude", "longitude"))
LIST_SEPARATOR = "|"

# (min, max) length of each free text field, after cleaning.
TEXT_LENGTHS = {
    "nom_structure": (1, 150),
    "nom": (3, 150),
    "description": (0, 10_000),
    "frais_precisions": (0, 2_000),
    "conditions_acces": (0, 10_000),
    "adresse": (0, 255),
    "complement_adresse": (0, 255),
    "commune": (0, 100),
    "horaires_accueil": (0, 1_000),
}
# Fields whose line breaks mean something; the others are single-line.
MULTILINE = frozenset({"description", "conditions_acces", "frais_precisions"})
FORMULA_TRIGGERS = "=+-@"
_SLOW_START = FORMULA_TRIGGERS + " "

_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff]"
)
_BLANK_LINES = re.compile(r"\n{3,}")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,199}")
_COMMUNE_CODE = re.compile(r"[0-9][0-9AB][0-9]{3}")
_DIGITS5 = re.compile(r"[0-9]{5}")
_DIGITS4 = re.compile(r"[0-9]{4}")
_EPCI = re.compile(r"[0-9]{9}")
_PAYS = re.compile(r"99[0-5][0-9]{2}")
_SIRET_JUNK = re.compile(r"[\s.]")
_SIRET = re.compile(r"[0-9]{14}")
_PHONE_JUNK = re.compile(r"[\s.\-/()\u00a0]")
_PHONE_INTL = re.compile(r"\+[1-9][0-9]{6,14}")
_PHONE_NATIONAL = re.compile(r"0[1-9][0-9]{8}")
_PHONE_NO_ZERO = re.compile(r"[1-9][0-9]{8}")  # Excel drops the leading 0
# 115, 119, 3919, 3949…; the European 116 000, 116 006, 116 117; 10xx; 118 xxx.
_PHONE_SHORT = re.compile(r"1[0-9]{1,2}|3[0-9]{3}|116[0-9]{3}|118[0-9]{3}|10[0-9]{2}")
_PHONE_EXTENSION = re.compile(
    r"[\s,;]*(?:poste|p\.|ext\.?|extension|x)\s*([0-9]{1,6})\s*$", re.IGNORECASE
)
_EMAIL = re.compile(
    r"[A-Za-z0-9_][A-Za-z0-9._%+'-]{0,63}@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
    r"\.[A-Za-z]{2,24}"
)
_URL = re.compile(r"https?://[^\s/?#:@]+\.[^\s/?#:@]+(?::[0-9]{1,5})?(?:[/?#]\S*)?", re.IGNORECASE)
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ][0-9:.+\-Z]*)?")
_FR_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4}|[0-9]{2})")
# An Excel date serial (days since 1899-12-30, Excel's 1900 system): 36526 is 2000-01-01,
# 73050 is 2099-12-31; a time of day may follow the decimal point.
_EXCEL_SERIAL = re.compile(r"([0-9]{5})(?:\.[0-9]+)?")
_EXCEL_EPOCH = date(1899, 12, 30)
_OLDEST = date(2000, 1, 1)

# Overseas numbers: national prefix → country calling code (E.164).
_PHONE_OVERSEAS = {
    "0590": "590",
    "0690": "590",
    "0691": "590",
    "0594": "594",
    "0694": "594",
    "0596": "596",
    "0696": "596",
    "0697": "596",
    "0262": "262",
    "0263": "262",
    "0692": "262",
    "0693": "262",
    "0269": "262",
    "0639": "262",
    "0508": "508",
}


def _slug(value: str) -> str:
    return fold(value).replace(" ", "-")


def _index(values: dict[str, str]) -> dict[str, str]:
    """Slug and French label (folded) → slug; a label shared by several slugs is left out."""
    index: dict[str, str] = {}
    ambiguous: set[str] = set()
    for slug, label in values.items():
        index[_slug(slug)] = slug
        key = _slug(label)
        if key in index and index[key] != slug:
            ambiguous.add(key)
        index.setdefault(key, slug)
    for key in ambiguous - {_slug(s) for s in values}:
        del index[key]
    return index


THEMATIQUES = {**vocabulary.CATEGORIES, **vocabulary.SOUS_THEMES}
# (field, allowed values, is a list) — validated against the national vocabulary.
VOCABULARIES: tuple[tuple[str, dict[str, str], bool], ...] = (
    ("thematiques", THEMATIQUES, True),
    ("publics", vocabulary.PUBLICS, True),
    ("modes_accueil", vocabulary.MODES_ACCUEIL, True),
    ("modes_mobilisation", vocabulary.MODES_MOBILISATION, True),
    ("mobilisable_par", vocabulary.MOBILISABLE_PAR, True),
    ("reseaux_porteurs", vocabulary.RESEAUX_PORTEURS, True),
    ("frais", vocabulary.FRAIS, False),
    ("visibilite", VISIBILITES, False),
    ("statut", STATUTS, False),
)
_INDEXES = {name: _index(values) for name, values, _ in VOCABULARIES}
_DEFAULTS = {"visibilite": "public", "statut": "actif"}

NOTICES = {
    "formule": "{n} valeur(s) commençant par =, +, - ou @ : ce caractère a été retiré "
    "(protection contre l'exécution de formules dans un tableur)",
    "inversees": "{n} ressource(s) aux latitude et longitude inversées : corrigées",
    "lointaines": "{n} ressource(s) dont les coordonnées sont à plus de "
    f"{PLAUSIBLE_KM:.0f} km de la commune : coordonnées ignorées, ressource géocodée",
    "par_coordonnees": "{n} ressource(s) rattachée(s) à la commune la plus proche de leurs "
    "coordonnées",
    "schema_web": "{n} adresse(s) web sans « https:// » : complétée(s)",
    "zero_initial": "{n} code(s) complété(s) du zéro initial perdu par le tableur",
    "hors_departement": "{n} ressource(s) situées hors du département qui les publie",
    "colonne_sans_nom": "{n} ligne(s) avec des valeurs dans une colonne sans en-tête "
    "(valeurs ignorées)",
    **place_matching.NOTICES,
}


@dataclass
class Notices:
    """Normalisations applied to accepted values, counted for the summary (never silent)."""

    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, kind: str, where: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        sample = self.examples.setdefault(kind, [])
        if len(sample) < 5:
            sample.append(where)

    def merge(self, other: Notices) -> None:
        """Add the counts (and examples, up to five) of ``other``: a worker's chunk."""
        for kind, n in other.counts.items():
            self.counts[kind] = self.counts.get(kind, 0) + n
            sample = self.examples.setdefault(kind, [])
            sample.extend(other.examples.get(kind, [])[: 5 - len(sample)])

    def messages(self) -> list[str]:
        out = []
        for kind, n in self.counts.items():
            more = "…" if n > len(self.examples[kind]) else ""
            out.append(
                NOTICES[kind].format(n=n) + f" (ex. {', '.join(self.examples[kind])}{more})."
            )
        return out


def departement_of_code(code_insee: str) -> str:
    """Department of an INSEE commune code: 2 characters, 3 overseas (97x), 2A/2B in Corsica."""
    return code_insee[:3] if code_insee.startswith("97") else code_insee[:2]


def normalise_departement(value: str, known: frozenset[str]) -> str | None:
    """``"1"`` → ``"01"``, ``"2a"`` → ``"2A"``; ``None`` when no such department exists."""
    code = value.strip().upper()
    if len(code) == 1 and code.isdigit():
        code = "0" + code
    return code if code in known else None


def stable_id(nom_structure: str, nom: str, code_insee: str | None, adresse: str | None) -> str:
    """An id for rows without one: the same service at the same place keeps the same id."""
    key = "\x1f".join(
        " ".join(part.casefold().split())
        for part in (nom_structure, nom, code_insee or "", adresse or "")
    )
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def normalise_phone(value: str) -> str | None:
    """A French phone number in E.164 (``+33…``, overseas codes included, also when written
    ``+33 2 62…`` for La Réunion: ``+262 262…``, ARCEP numbering plan), a short number (115,
    3919, the European 116 xxx, 10xx, 118 xxx) as is, a foreign ``+…`` number as is, an
    extension kept as `` poste N``; ``None`` when not a phone number.

    >>> normalise_phone("03 26 00 00 00"), normalise_phone("+33 (0)3 26 00 00 00")
    ('+33326000000', '+33326000000')
    >>> normalise_phone("+33 2 62 12 34 56"), normalise_phone("03 26 00 00 00 poste 12")
    ('+262262123456', '+33326000000 poste 12')
    """
    extension = _PHONE_EXTENSION.search(value)
    if extension and extension.start():
        number = normalise_phone(value[: extension.start()])
        return f"{number} poste {extension[1]}" if number else None
    digits = _PHONE_JUNK.sub("", value)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("+"):
        if digits.startswith("+330") and len(digits) == 13:
            digits = "+33" + digits[4:]
        if digits.startswith("+33") and len(digits) == 12:
            code = _PHONE_OVERSEAS.get("0" + digits[3:6])  # +33 262… is La Réunion's +262
            if code is not None:
                digits = f"+{code}{digits[3:]}"
        return digits if _PHONE_INTL.fullmatch(digits) else None
    if _PHONE_NO_ZERO.fullmatch(digits):
        digits = "0" + digits
    if _PHONE_NATIONAL.fullmatch(digits):
        code = _PHONE_OVERSEAS.get(digits[:4], "33")
        return f"+{code}{digits[1:]}"
    if _PHONE_SHORT.fullmatch(digits):
        return digits
    return None


def parse_date(value: str) -> date | None:
    """A date written ``AAAA-MM-JJ`` (time allowed), ``JJ/MM/AAAA``, ``JJ/MM/AA`` (a
    two-digit year is 20AA) or as an Excel serial number (``45383`` → 2024-04-01, Excel's
    1900 date system); ``None`` otherwise.

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


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple | set):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return str(value)


def _as_list(value: object) -> list[str]:
    if value.__class__ is str:
        items = value.split(LIST_SEPARATOR)
    elif isinstance(value, list | tuple | set):
        items = [str(v) for v in value]
    elif value is None:
        return []
    else:
        items = str(value).split(LIST_SEPARATOR)
    return [v.strip() for v in items if v and not v.isspace()]


def _parse_float(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif value.__class__ is str and value.isascii() and "," not in value and "_" not in value:
        try:
            number = float(value)  # the common case: "48.9641"
        except ValueError:
            return None
    else:
        text = _as_text(value).strip().replace("\u00a0", "").replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")  # French decimal comma
        try:
            number = float(text)
        except ValueError:
            return None
    return number if math.isfinite(number) else None


class RowValidator:
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
        text = value if value.__class__ is str else _as_text(value)
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
            text = text.lstrip(FORMULA_TRIGGERS + " \t\n")
            self.notices.add("formule", f"{where} ({name})")
        return text

    def _code(self, value: object, where: str) -> str:
        if not value:
            return ""
        code = (value if value.__class__ is str else _as_text(value)).strip().upper()
        if len(code) == 4 and _DIGITS4.fullmatch(code):
            self.notices.add("zero_initial", where)
            code = "0" + code
        return code

    def _vocab(self, name: str, raw: str, errors: list) -> str | None:
        """The slug of a value not written exactly as the vocabulary's slug, or an error."""
        allowed = VOCABULARIES_BY_NAME[name]
        value = raw.strip().lower()
        if value in allowed:
            return value
        slug = _INDEXES[name].get(_slug(raw))
        if slug is not None:
            return slug
        hint = " (séparez les valeurs par « | »)" if ("," in raw or ";" in raw) else ""
        if len(allowed) <= 20:
            hint += f" ; valeurs possibles : {', '.join(sorted(allowed))}"
        errors.append((name, f"valeur inconnue « {raw[:80]} »{hint}"))
        return None

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
            elif (
                value.__class__ is str
                and value.isprintable()  # no control, invisible or non-breaking character
                and value[0] not in _SLOW_START
                and "  " not in value
                and value[-1] != " "
                and (value.isascii() or unicodedata.is_normalized("NFC", value))
            ):
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
                if value.__class__ is str and "|" not in value and value in allowed:
                    data[name] = [value]  # the common single, exact value
                    continue
                slugs = set()
                for item in _as_list(value):
                    if item not in allowed:
                        item = self._vocab(name, item, errors)
                    if item is not None:
                        slugs.add(item)
                data[name] = sorted(slugs)
            else:
                text = value.strip() if value.__class__ is str else _as_text(value).strip()
                if text and text not in allowed:
                    text = self._vocab(name, text, errors)
                data[name] = text or _DEFAULTS.get(name)
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

        identifier = _as_text(get("id")).strip()
        if identifier and not _ID.fullmatch(identifier):
            errors.append(
                (
                    "id",
                    "identifiant invalide : lettres sans accent, chiffres, « . », « _ », « : » "
                    "et « - » seulement, 200 caractères au plus",
                )
            )
        for key in self.unnamed:
            if _as_text(get(key)).strip():
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
            siret = _SIRET_JUNK.sub("", _as_text(siret))
        if siret and not _SIRET.fullmatch(siret):
            errors.append(("siret", f"« {siret[:40]} » n'est pas un SIRET (14 chiffres)"))
        data["siret"] = siret or None

        phone = get("telephone")
        if phone:
            phone = _as_text(phone).strip()
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
            email = _as_text(email).strip()
        if email:
            if email[:7].lower() == "mailto:":
                email = email[7:]
            if len(email) > 254 or not _EMAIL.fullmatch(email):
                errors.append(("courriel", f"« {email[:80]} » n'est pas une adresse électronique"))
            else:
                local, _, domain = email.rpartition("@")
                email = f"{local}@{domain.lower()}"
        data["courriel"] = email or None

        for name in ("site_web", "lien_mobilisation"):
            url = get(name)
            if url:
                url = _as_text(url).strip()
            if url:
                if url[:4].lower() == "www.":
                    url = "https://" + url
                    self.notices.add("schema_web", f"{where} ({name})")
                if len(url) > 2000 or not _URL.fullmatch(url):
                    errors.append(
                        (name, f"« {url[:80]} » n'est pas une adresse web en http:// ou https://")
                    )
            data[name] = url or None

    def _date(self, value: object, data: dict, errors: list) -> None:
        text = value.strip() if value.__class__ is str else _as_text(value).strip()
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

    def _place(self, raw: dict, data: dict, errors: list, where: str) -> Commune | None:
        """Commune, postal code and coordinates; ``None`` when the service has no place."""
        get = raw.get
        code_insee = self._code(get("code_insee"), where)
        code_postal = self._code(get("code_postal"), where)
        commune = self.communes.get(code_insee) if code_insee else None
        nom = data.get("commune")
        if (
            commune is None
            or (code_postal and code_postal not in commune.codes_postaux)
            or (nom and nom != commune.nom and not names_agree(nom, commune))
        ):
            # Not the common case (a known commune, a consistent postal code): look closer.
            commune, code_postal = self._commune(raw, code_insee, code_postal, data, errors, where)

        lat_raw, lon_raw = get("latitude"), get("longitude")
        has_lat = lat_raw is not None and _as_text(lat_raw).strip() != ""
        has_lon = lon_raw is not None and _as_text(lon_raw).strip() != ""
        lat = lon = None
        if has_lat != has_lon:
            missing = "longitude" if has_lat else "latitude"
            errors.append((missing, "latitude et longitude vont ensemble"))
        elif has_lat:
            lat, lon = _parse_float(lat_raw), _parse_float(lon_raw)
            lat_ok = lat is not None and -90.0 <= lat <= 90.0
            lon_ok = lon is not None and -180.0 <= lon <= 180.0
            if not (lat_ok and lon_ok):
                if commune is not None:
                    # A known commune: its centre (or the geocoder) rather than a reject.
                    self.notices.add("coordonnees_illisibles", where)
                if commune is None and not lat_ok:
                    errors.append(
                        (
                            "latitude",
                            f"« {_as_text(lat_raw)[:30]} » n'est pas une latitude (nombre entre -90 et 90)",
                        )
                    )
                if commune is None and not lon_ok:
                    errors.append(
                        (
                            "longitude",
                            f"« {_as_text(lon_raw)[:30]} » n'est pas une longitude (nombre entre -180 et 180)",
                        )
                    )
                lat = lon = None

        data["latitude"] = data["longitude"] = data["precision_geo"] = None
        if lat is not None and lon is not None:
            if commune is not None:
                checked = plausible(lat, lon, commune)
                moved = None
                if checked is None and code_insee:
                    moved = place_matching.by_coordinates(
                        self.directory, code_insee, lat, lon, plausible
                    )
                if moved is not None:
                    self.notices.add("code_postal_en_code_insee", where)
                    commune, code_postal = moved, code_postal or code_insee
                    checked = plausible(lat, lon, commune)
                if checked is None:
                    self.notices.add("lointaines", where)
                else:
                    lat, lon, swapped = checked
                    if swapped:
                        self.notices.add("inversees", where)
                    data["latitude"], data["longitude"] = round(lat, 6), round(lon, 6)
                    data["precision_geo"] = "fichier"
            elif not errors:
                commune = self._nearest(lat, lon, data, errors, where)

        if commune is not None:
            data["code_insee"] = commune.code_insee
            data["commune"] = commune.nom
            data["code_postal"] = code_postal or (
                commune.codes_postaux[0] if len(commune.codes_postaux) == 1 else None
            )
        else:
            data["code_insee"] = None
            data["code_postal"] = code_postal or None
            remote_only = data["modes_accueil"] == [vocabulary.A_DISTANCE]
            if (
                not remote_only
                and not errors
                and not code_insee
                and not code_postal
                and not has_lat
            ):
                errors.append(
                    (
                        "code_insee",
                        "lieu manquant : indiquez code_insee, ou code_postal et commune, ou latitude "
                        "et longitude (sauf service uniquement « a-distance »)",
                    )
                )
        return commune

    def _commune(
        self, raw: dict, code_insee: str, code_postal: str, data: dict, errors: list, where: str
    ) -> tuple[Commune | None, str]:
        """The commune of a row from its INSEE code, or its postal code and name."""
        commune = None
        nom_commune = data.get("commune")
        if code_postal and not _DIGITS5.fullmatch(code_postal):
            errors.append(
                ("code_postal", f"« {code_postal[:20]} » n'est pas un code postal (5 chiffres)")
            )
            code_postal = ""
        if code_insee:
            if not _COMMUNE_CODE.fullmatch(code_insee):
                errors.append(
                    (
                        "code_insee",
                        f"« {code_insee[:20]} » n'est pas un code INSEE de commune (5 caractères)",
                    )
                )
            else:
                commune, notice, error = place_matching.by_code(
                    self.directory, code_insee, nom_commune
                )
                if error is not None:
                    errors.append(("code_insee", error))
                elif notice is not None:
                    self.notices.add(notice, where)
                    if notice == "code_postal_en_code_insee":
                        code_postal = code_postal or code_insee
                if commune is None:
                    pass
                elif code_postal and not self._postal_matches(commune, code_postal):
                    errors.append(
                        (
                            "code_postal",
                            f"le code postal {code_postal} n'est pas celui de {commune.nom} "
                            f"({', '.join(commune.codes_postaux)})",
                        )
                    )
        elif code_postal:
            candidates = place_matching.candidates(self.directory, code_postal)
            if not candidates:
                errors.append(("code_postal", f"aucune commune n'a le code postal {code_postal}"))
            elif nom_commune:
                commune = place_matching.by_name(self.directory, code_postal, nom_commune)
                if commune is None:
                    errors.append(
                        (
                            "commune",
                            f"« {nom_commune} » ne correspond à aucune commune du code postal "
                            f"{code_postal} ({', '.join(c.nom for c in candidates[:8])})",
                        )
                    )
            elif len(candidates) == 1:
                commune = candidates[0]
            else:
                errors.append(
                    (
                        "commune",
                        f"plusieurs communes ont le code postal {code_postal} : indiquez la "
                        "commune ou le code INSEE",
                    )
                )
        elif nom_commune and raw.get("latitude") in (None, ""):
            errors.append(("code_postal", "indiquez le code postal ou le code INSEE de la commune"))
        return commune, code_postal

    def _postal_matches(self, commune: Commune, code_postal: str) -> bool:
        return place_matching.postal_code_fits(self.directory, commune, code_postal)

    def _nearest(
        self, lat: float, lon: float, data: dict, errors: list, where: str
    ) -> Commune | None:
        for la, lo, swapped in ((lat, lon, False), (lon, lat, True)):
            if not -90.0 <= la <= 90.0:
                continue
            commune = self.directory.nearest(la, lo)
            if (
                commune
                and haversine_km(la, lo, commune.latitude, commune.longitude) <= PLAUSIBLE_KM
            ):
                if swapped:
                    self.notices.add("inversees", where)
                self.notices.add("par_coordonnees", where)
                data["latitude"], data["longitude"] = round(la, 6), round(lo, 6)
                data["precision_geo"] = "fichier"
                return commune
        errors.append(
            ("latitude", f"coordonnées ({lat}, {lon}) hors du territoire couvert par les communes")
        )
        return None

    def _zone(self, value: object, data: dict, errors: list, where: str) -> None:
        codes = []
        for item in _as_list(value):
            code = item.strip()
            if code.lower() == "france":
                codes.append("france")
                continue
            code = code.upper()
            if _DIGITS4.fullmatch(code):
                self.notices.add("zero_initial", f"{where} (zone_eligibilite)")
                code = "0" + code
            if _EPCI.fullmatch(code):
                if self.epci and code not in self.epci:
                    errors.append(("zone_eligibilite", f"EPCI {code} inconnu"))
                    continue
            elif _PAYS.fullmatch(code):
                pass
            elif _COMMUNE_CODE.fullmatch(code):
                if code not in self.communes:
                    errors.append(("zone_eligibilite", f"commune {code} inconnue"))
                    continue
            elif 1 <= len(code) <= 3:
                departement = normalise_departement(code, self.departements)
                if departement is None:
                    errors.append(("zone_eligibilite", f"département « {code} » inconnu"))
                    continue
                code = departement
            else:
                errors.append(
                    (
                        "zone_eligibilite",
                        f"« {code[:40]} » n'est ni un code de commune (5 caractères), ni de "
                        "département, ni d'EPCI (9 chiffres), ni « france »",
                    )
                )
                continue
            codes.append(code)
        data["zone_eligibilite"] = sorted(set(codes))

    def _departement(
        self, value: object, commune: Commune | None, data: dict, errors: list, where: str
    ) -> str | None:
        """The department that publishes the resource (see the class docstring)."""
        stated = None
        text = _as_text(value).strip()
        if text:
            stated = normalise_departement(text, self.departements)
            if stated is None:
                errors.append(("departement", f"département « {text[:10]} » inconnu"))
                return None
        place = commune.departement if commune is not None else None
        if self.place_first:
            return place or stated or self.forced or self._zone_departement(data)
        if self.forced and stated and stated != self.forced:
            errors.append(
                (
                    "departement",
                    f"la ligne indique le département {stated} alors que l'import porte sur le {self.forced}",
                )
            )
            return None
        owner = self.forced or stated or place
        if owner and place and place != owner:
            self.notices.add("hors_departement", where)
        return owner

    def _zone_departement(self, data: dict) -> str | None:
        """The single department a zone_eligibilite lies in, if there is one."""
        found = set()
        for code in data.get("zone_eligibilite") or ():
            if code in self.departements:
                found.add(code)
            elif code in self.communes:
                found.add(self.communes[code].departement)
            else:
                return None
        return found.pop() if len(found) == 1 else None


VOCABULARIES_BY_NAME = {name: values for name, values, _ in VOCABULARIES}


# --- data·inclusion services ---

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
        message = error["msg"].removeprefix("Value error, ")
        if error["loc"] and error["loc"][0] == "courriel":
            return f"« {context['input']} » n'est pas une adresse électronique"
        return message
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
    """
    import pydantic  # only data·inclusion files pay for the model
    from data_inclusion.schema.v1 import Service

    try:
        Service.model_validate(item)
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
