"""Territories: look-ups by INSEE code, postal code and name prefix; distances."""

import pytest

from relais import settings
from resource_base.geo import CommuneDirectory, GeoError, haversine_km


def test_lookup_by_insee_code(directory):
    commune = directory.get("51108")
    assert commune.nom == "Châlons-en-Champagne"
    assert commune.departement == "51" and commune.region == "44"
    assert commune.departement_libelle == "Marne (51)"
    assert commune.codes_postaux == ("51000",)
    assert commune.epci == "200066876"  # CA de Châlons-en-Champagne
    assert commune.population > 40_000


def test_lookup_by_postal_code(directory):
    assert [c.nom for c in directory.by_code_postal("51000")] == ["Châlons-en-Champagne"]
    assert len(directory.by_code_postal("51300")) > 10


def test_every_postal_code_of_a_commune(directory):
    """Official postal codes (decoupage-administratif 2026): Toulouse has six, Nice several."""
    toulouse = directory.get("31555")
    assert toulouse.codes_postaux == ("31000", "31100", "31200", "31300", "31400", "31500")
    for cp in toulouse.codes_postaux:
        assert [c.nom for c in directory.by_code_postal(cp)] == ["Toulouse"]
    nice = directory.get("06088")
    assert {"06000", "06100", "06200", "06300"} <= set(nice.codes_postaux)
    assert [c.nom for c in directory.by_code_postal("06300")] == ["Nice"]


@pytest.mark.parametrize("typed", ["2A004", "2a004", "Ajaccio", "ajaccio 2A", "20000"])
def test_corsica(directory, typed):
    commune = directory.resolve(typed).best
    assert (commune.code_insee, commune.nom, commune.departement) == ("2A004", "Ajaccio", "2A")
    assert commune.departement_libelle == "Corse-du-Sud (2A)"


def test_former_commune_codes_lead_to_todays_commune(directory):
    # 12076 (Conques) merged into Conques-en-Rouergue (12218) in 2016.
    assert directory.get("12076").code_insee == "12218"
    assert "12076" not in directory.communes


def test_a_commune_newer_than_the_centres_file_has_a_centre(directory):
    # Celles (15031) was restored after the centres file: centre from its postal code.
    celles = directory.get("15031")
    assert celles is not None and 44 < celles.latitude < 46 and 2 < celles.longitude < 4


@pytest.mark.parametrize(
    ("typed", "first", "choose"),
    [
        # A 5-digit entry is a postal code first (not the INSEE code 51100, La Caure).
        ("51100", "Reims", False),
        ("51200", "Épernay", False),
        ("52200", "Langres", True),
        ("48100", "Marvejols", True),
        ("31000", "Toulouse", False),
        # Not a postal code: the INSEE code.
        ("51108", "Châlons-en-Champagne", False),
    ],
)
def test_five_digits_are_a_postal_code_first(directory, typed, first, choose):
    match = directory.resolve(typed, limit=100)
    assert match.best.nom == first
    assert match.choose is choose
    if choose:  # every commune of the postal code is listed for the adviser to pick
        assert len(match.communes) == len(directory.by_code_postal(typed))


@pytest.mark.parametrize(
    ("typed", "code", "corrigee"),
    [
        ("saint dizer", "52448", True),
        ("Chaalons", "51108", True),
        ("51100 Reims", "51454", False),
        ("Reims 51100", "51454", False),
        ("Châlons-en-Champagne 51", "51108", False),
        ("ST DIZIER", "52448", False),
        ("PARIS 11", "75111", False),
        ("Le Born 48", "48029", False),
        ("Le Born (31)", "31077", False),
        ("marvejol", "48092", False),
    ],
)
def test_forms_and_typos(directory, typed, code, corrigee):
    match = directory.resolve(typed)
    assert match.best.code_insee == code
    assert match.corrigee is corrigee


def test_homonyms_prefer_the_users_department_then_population(directory):
    everywhere = directory.resolve("Saint-Martin", limit=20).communes
    exact = [c for c in everywhere if c.nom == "Saint-Martin"]
    assert len({c.departement for c in exact}) == len(exact) >= 4
    assert list(everywhere[: len(exact)]) == exact  # exact names before longer ones
    populations = [c.population for c in exact]
    assert populations == sorted(populations, reverse=True)
    assert directory.resolve("Saint-Martin", departement="32").best.departement == "32"
    born = directory.resolve("Le Born", departement="48").communes
    assert [c.departement for c in born] == ["48", "31"]
    assert directory.resolve("Le Born", departement="31").best.departement == "31"


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("chalons", "Châlons-en-Champagne"),
        ("CHÂLONS-EN", "Châlons-en-Champagne"),
        ("st dizier", "Saint-Dizier"),
        ("saint-dizier", "Saint-Dizier"),
        ("52100", "Saint-Dizier"),
        ("5210", "Saint-Dizier"),
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
    values = settings.load()
    with pytest.raises(GeoError, match="introuvable.*RELAIS_COMMUNES_CSV"):
        CommuneDirectory.load(values["DECOUPAGE_DIR"], tmp_path / "absent.csv")
    with pytest.raises(GeoError, match="introuvable.*RELAIS_DECOUPAGE_DIR"):
        CommuneDirectory.load(tmp_path, values["COMMUNES_CSV"])


def test_malformed_row_names_its_line(tmp_path):
    bad = tmp_path / "communes.csv"
    bad.write_text(
        '"ID","REF_INSEE","NAME","DEPARTMENT","REGION","ZIP_CODES","LATITUDE","LONGITUDE"\n'
        '"1","01001","A","01","84","01400","x","4.9"\n',
        encoding="utf-8",
    )
    with pytest.raises(GeoError, match="ligne 2"):
        CommuneDirectory.load(settings.load()["DECOUPAGE_DIR"], bad)
