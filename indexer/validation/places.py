"""Where a row's service is: commune (INSEE code, or postal code and name, or nearest to the
coordinates), coordinates checked against the commune, eligibility zone, publishing department.

``PlaceRules`` is a mixin of ``RowValidator``: it reads ``directory``, ``communes``,
``departements``, ``epci``, ``forced``, ``place_first`` and ``notices`` from it.
"""

from __future__ import annotations

import re

from indexer import place_matching
from indexer.geocoding import PLAUSIBLE_KM, plausible
from indexer.validation.notices import Notices
from indexer.validation.values import as_list, as_text, parse_float
from resource_base import vocabulary
from resource_base.commune_labels import names_agree
from resource_base.geo import Commune, CommuneDirectory, haversine_km

_COMMUNE_CODE = re.compile(r"[0-9][0-9AB][0-9]{3}")
_DIGITS5 = re.compile(r"[0-9]{5}")
_DIGITS4 = re.compile(r"[0-9]{4}")
_EPCI = re.compile(r"[0-9]{9}")
_PAYS = re.compile(r"99[0-5][0-9]{2}")


def departement_of_code(code_insee: str) -> str:
    """Department of an INSEE commune code: 2 characters, 3 overseas (97x), 2A/2B in Corsica."""
    return code_insee[:3] if code_insee.startswith("97") else code_insee[:2]


def normalise_departement(value: str, known: frozenset[str]) -> str | None:
    """``"1"`` → ``"01"``, ``"2a"`` → ``"2A"``; ``None`` when no such department exists."""
    code = value.strip().upper()
    if len(code) == 1 and code.isdigit():
        code = "0" + code
    return code if code in known else None


class PlaceRules:
    """The place rules of ``RowValidator`` (see the module docstring)."""

    directory: CommuneDirectory
    communes: dict[str, Commune]
    departements: frozenset[str]
    epci: frozenset[str]
    forced: str | None
    place_first: bool
    notices: Notices

    def _code(self, value: object, where: str) -> str:
        if not value:
            return ""
        code = (value if value.__class__ is str else as_text(value)).strip().upper()
        if len(code) == 4 and _DIGITS4.fullmatch(code):
            self.notices.add("zero_initial", where)
            code = "0" + code
        return code

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
        has_lat = lat_raw is not None and as_text(lat_raw).strip() != ""
        has_lon = lon_raw is not None and as_text(lon_raw).strip() != ""
        lat = lon = None
        if has_lat != has_lon:
            missing = "longitude" if has_lat else "latitude"
            errors.append((missing, "latitude et longitude vont ensemble"))
        elif has_lat:
            lat, lon = parse_float(lat_raw), parse_float(lon_raw)
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
                            f"« {as_text(lat_raw)[:30]} » n'est pas une latitude (nombre entre -90 et 90)",
                        )
                    )
                if commune is None and not lon_ok:
                    errors.append(
                        (
                            "longitude",
                            f"« {as_text(lon_raw)[:30]} » n'est pas une longitude (nombre entre -180 et 180)",
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
        if code_postal in commune.codes_postaux:
            return True
        # Paris, Lyon, Marseille: the city's code with an arrondissement's postal code.
        return any(
            c.commune_parente == commune.code_insee or c.code_insee == commune.commune_parente
            for c in self.directory.by_postal.get(code_postal, ())
        )

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
        for item in as_list(value):
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
        text = as_text(value).strip()
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
