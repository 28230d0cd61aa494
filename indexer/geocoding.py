"""Where a resource is: coordinates from the file when plausible, else geocoded.

``RELAIS_GEOCODER`` chooses the geocoder: ``offline`` (the commune's centre) or ``ban`` (the
Base Adresse Nationale through geopy's ``BANFrance``, cached on disk in
``DATA_DIR/geocodage.json``, falling back to the commune's centre on any failure).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Protocol

from resource_base.geo import Commune, haversine_km

log = logging.getLogger(__name__)

# Coordinates farther than this from the stated commune's centre are not believed.
PLAUSIBLE_KM = 30.0
GEOCODERS = ("offline", "ban")


def plausible(lat: float, lon: float, commune: Commune) -> tuple[float, float, bool] | None:
    """``(lat, lon, swapped)`` when the point lies near the commune's centre, as given or with
    latitude and longitude swapped (a frequent spreadsheet mistake); ``None`` otherwise."""
    dlat, dlon = abs(lat - commune.latitude), abs(lon - commune.longitude)
    # Cheap accept first: 0.15° of latitude and 0.2° of longitude stay under 28 km anywhere.
    if (dlat <= 0.15 and dlon <= 0.2) or (
        haversine_km(lat, lon, commune.latitude, commune.longitude) <= PLAUSIBLE_KM
    ):
        return lat, lon, False
    if -90.0 <= lon <= 90.0 and (
        haversine_km(lon, lat, commune.latitude, commune.longitude) <= PLAUSIBLE_KM
    ):
        return lon, lat, True
    return None


class Geocoder(Protocol):
    def locate(
        self, adresse: str | None, code_postal: str | None, commune: Commune
    ) -> tuple[float, float, str]:
        """``(latitude, longitude, precision_geo)`` of an address in a commune."""
        ...

    def close(self) -> list[str]:
        """Persist any cache; return warnings for the import summary (in French)."""
        ...


class OfflineGeocoder:
    """The commune's centre: needs no network, always answers."""

    name = "offline"

    def locate(self, adresse, code_postal, commune: Commune) -> tuple[float, float, str]:
        return commune.latitude, commune.longitude, "commune"

    def close(self) -> list[str]:
        return []


class BanGeocoder:
    """The Base Adresse Nationale (geopy's ``BANFrance``) with an on-disk JSON cache.

    ``client`` is anything with ``geocode(query)`` returning an object with ``latitude`` and
    ``longitude`` (or ``None``); by default a ``BANFrance`` built on first use. After the
    first network failure the rest of the import uses commune centres, so that an offline
    machine does not wait for a timeout on every row.
    """

    name = "ban"

    def __init__(self, cache_path: str | Path, client=None, timeout: float = 5.0):
        self.cache_path = Path(cache_path)
        self.client = client
        self.timeout = timeout
        self.cache: dict[str, list[float] | None] = self._load()
        self.dirty = False
        self.failure: str | None = None
        self.fallbacks = 0
        self.found = 0

    def _load(self) -> dict:
        try:
            data = json.loads(self.cache_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            # A corrupt cache only costs new queries: start afresh rather than fail the import.
            log.warning("cache de géocodage illisible (%s), ignoré : %s", self.cache_path, exc)
            return {}
        return data if isinstance(data, dict) else {}

    @staticmethod
    def query(adresse: str, code_postal: str | None, commune: Commune) -> str:
        return " ".join(f"{adresse} {code_postal or ''} {commune.nom}".split())

    def _client(self):
        if self.client is None:
            from geopy.geocoders import BANFrance

            self.client = BANFrance(user_agent="relais-import", timeout=self.timeout)
        return self.client

    def locate(self, adresse, code_postal, commune: Commune) -> tuple[float, float, str]:
        centre = (commune.latitude, commune.longitude, "commune")
        if not adresse:
            return centre
        query = self.query(adresse, code_postal, commune)
        key = f"{commune.code_insee}|{query.casefold()}"
        if key in self.cache:
            point = self.cache[key]
        elif self.failure is not None:
            self.fallbacks += 1
            return centre
        else:
            try:
                location = self._client().geocode(query)
            except Exception as exc:  # any failure (network, quota, parsing) → the centre
                self.failure = f"{exc.__class__.__name__} : {exc}"
                self.fallbacks += 1
                return centre
            point = [location.latitude, location.longitude] if location is not None else None
            self.cache[key] = point
            self.dirty = True
        if point is None:
            return centre
        checked = plausible(point[0], point[1], commune)
        if checked is None:
            # The BAN matched a homonym street elsewhere: the commune's centre is safer.
            return centre
        self.found += 1
        return round(checked[0], 6), round(checked[1], 6), "adresse"

    def close(self) -> list[str]:
        warnings = []
        if self.dirty:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            # Written aside then renamed: a killed import never leaves a truncated cache.
            fd, tmp = tempfile.mkstemp(dir=self.cache_path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self.cache, handle, ensure_ascii=False)
            os.replace(tmp, self.cache_path)
            self.dirty = False
        if self.failure is not None:
            warnings.append(
                f"Géocodage BAN indisponible ({self.failure}) : centre de la commune utilisé "
                f"pour {self.fallbacks} ressource(s)."
            )
        return warnings


def make_geocoder(settings: dict, data_dir: Path) -> Geocoder:
    """The geocoder ``RELAIS_GEOCODER`` names, one of ``GEOCODERS`` (the settings registry,
    ``relais/settings.py``, refuses any other value when the settings are loaded)."""
    if settings["GEOCODER"] == "ban":
        return BanGeocoder(data_dir / "geocodage.json")
    return OfflineGeocoder()
