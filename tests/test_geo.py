"""Territories: look-ups by INSEE code, postal code and name prefix; distances."""

import pytest

from resource_base.geo import CommuneDirectory, GeoError, haversine_km


def test_lookup_by_insee_code(directory):
    commune = directory.get("51108")
    assert commune.nom == "Châlons-en-Champagne"
    assert commune.departement == "51" and commune.region == "44"
    assert commune.codes_postaux == ("51000",)
    assert commune.epci == "200066876"  # CA de Châlons-en-Champagne


def test_lookup_by_postal_code(directory):
    assert [c.nom for c in directory.by_code_postal("51000")] == ["Châlons-en-Champagne"]
    assert len(directory.by_code_postal("51300")) > 10


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("chalons", "Châlons-en-Champagne"),
        ("CHÂLONS-EN", "Châlons-en-Champagne"),
        ("st dizier", "Saint-Dizier"),
        ("saint-dizier", "Saint-Dizier"),
        ("52100", "Saint-Dizier"),
        ("mende", "Mende"),
    ],
)
def test_name_prefix_is_accent_and_case_insensitive(directory, typed, first):
    assert directory.search(typed)[0].nom == first


def test_search_limits_and_empty_input(directory):
    assert len(directory.search("sa", limit=5)) == 5
    assert directory.search("   ") == []
    assert directory.search("zzzzzz") == []


def test_municipal_districts_belong_to_their_city(directory):
    codes = directory.get("75101").zone_codes
    assert {"75101", "75056", "75", "france"} <= codes


def test_nearest_commune(directory):
    assert directory.nearest(48.965, 4.38).code_insee == "51108"


def test_haversine_matches_a_known_distance():
    # Châlons-en-Champagne to Reims: about 40 km as the crow flies.
    assert haversine_km(48.9641, 4.3788, 49.2535, 4.0479) == pytest.approx(40.1, abs=0.5)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(GeoError, match="introuvable"):
        CommuneDirectory.load(tmp_path / "absent.csv")


def test_malformed_row_names_its_line(tmp_path):
    bad = tmp_path / "communes.csv"
    bad.write_text(
        '"ID","REF_INSEE","NAME","DEPARTMENT","REGION","ZIP_CODES","LATITUDE","LONGITUDE"\n'
        '"1","01001","A","01","84","01400","x","4.9"\n',
        encoding="utf-8",
    )
    with pytest.raises(GeoError, match="ligne 2"):
        CommuneDirectory.load(bad)
