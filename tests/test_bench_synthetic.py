"""The synthetic generator: deterministic, realistically distributed, valid, fictional."""

from __future__ import annotations

import collections
import csv
import random
import re
from datetime import date, timedelta

import pytest

from bench.synthetic import CSV_COLUMNS, generate, write_csv
from resource_base import vocabulary
from resource_base.geo import haversine_km
from resource_base.models import PRECISIONS_GEO, STATUTS, VISIBILITES

N = 20_000
REFERENCE = date(2026, 11, 1)
FICTION_PHONE = re.compile(r"^\+3319900\d{4}$")  # ARCEP fiction range 01 99 00 xx xx


@pytest.fixture(scope="module")
def resources(directory):
    return list(generate(N, directory, seed=7))


def _level(resource, directory) -> str:
    zone = resource.zone_eligibilite
    if not zone:
        return "vide"
    (code,) = zone
    commune = directory.get(resource.code_insee)
    if code == "france":
        return "france"
    if code == commune.code_insee:
        return "commune"
    if code == commune.epci:
        return "epci"
    assert code == commune.departement
    return "departement"


def _share(counter: collections.Counter, key) -> float:
    return counter[key] / sum(counter.values())


def test_same_seed_gives_the_same_resources(directory):
    first = list(generate(500, directory))
    assert first == list(generate(500, directory))
    assert first != list(generate(500, directory, seed=43))


def test_reference_date_drives_the_dates_not_today(directory):
    earlier = list(generate(50, directory, reference_date=REFERENCE - timedelta(days=10)))
    later = list(generate(50, directory))
    for a, b in zip(earlier, later, strict=True):
        assert date.fromisoformat(b.date_maj) - date.fromisoformat(a.date_maj) == timedelta(10)
        assert (a.id, a.nom, a.code_insee) == (b.id, b.nom, b.code_insee)


def test_global_random_state_is_left_alone(directory):
    random.seed(123)
    state = random.getstate()
    list(generate(100, directory))
    assert random.getstate() == state


def test_ids_are_unique_and_numbered(resources):
    ids = [r.id for r in resources]
    assert len(set(ids)) == N
    assert ids[0] == "synth--000001" and ids[-1] == f"synth--{N:06d}"
    assert all(r.source == "synthetique" and r.id == f"synth--{r.source_id}" for r in resources)


def test_modes_accueil_shares(resources):
    modes = collections.Counter(tuple(r.modes_accueil) for r in resources)
    assert _share(modes, ("en-presentiel",)) == pytest.approx(0.75, abs=0.015)
    assert _share(modes, ("en-presentiel", "a-distance")) == pytest.approx(0.15, abs=0.015)
    assert _share(modes, ("a-distance",)) == pytest.approx(0.10, abs=0.015)


def test_zone_shares_and_france_mostly_remote(resources, directory):
    levels = collections.Counter(_level(r, directory) for r in resources)
    expected = {"departement": 0.40, "commune": 0.20, "epci": 0.15, "vide": 0.15, "france": 0.10}
    for level, share in expected.items():
        assert _share(levels, level) == pytest.approx(share, abs=0.015), level
    france = [r for r in resources if r.zone_eligibilite == ["france"]]
    remote_only = sum(1 for r in france if not r.sur_place)
    assert remote_only / len(france) > 0.6


def test_status_and_visibility_shares(resources):
    statuts = collections.Counter(r.statut for r in resources)
    assert _share(statuts, "fermeture-temporaire") == pytest.approx(0.03, abs=0.007)
    assert _share(statuts, "ferme") == pytest.approx(0.02, abs=0.006)
    visibilites = collections.Counter(r.visibilite for r in resources)
    assert _share(visibilites, "professionnels") == pytest.approx(0.05, abs=0.008)


def test_thematiques_weighted_towards_the_seeds_barriers(resources):
    assert all(1 <= len(r.thematiques) <= 3 for r in resources)
    tags = [t for r in resources for t in r.thematiques]
    assert set(vocabulary.SOUS_THEMES) <= set(tags), "every sub-theme is used"
    category_only = sum(1 for t in tags if vocabulary.is_category(t))
    assert 0.03 < category_only / len(tags) < 0.15
    categories = collections.Counter(vocabulary.category_of(r.thematiques[0]) for r in resources)
    assert set(categories) == set(vocabulary.CATEGORIES)
    top3 = {c for c, _ in categories.most_common(3)}
    assert top3 == {"difficultes-financieres", "logement-hebergement", "sante"}


def test_spread_over_france_and_time(resources):
    assert len({r.departement for r in resources}) >= 95
    assert len({r.code_insee for r in resources}) > 5_000
    ages = [(REFERENCE - date.fromisoformat(r.date_maj)).days for r in resources]
    assert min(ages) >= 0 and max(ages) <= 3 * 365 + 1
    assert min(ages) < 30 and max(ages) > 2.8 * 365


def test_every_resource_is_valid_and_fictional(resources, directory):
    for r in resources:
        commune = directory.get(r.code_insee)
        assert commune is not None and r.commune == commune.nom
        assert r.departement == commune.departement
        assert r.code_postal in commune.codes_postaux
        assert set(r.zone_eligibilite) <= commune.zone_codes  # eligible where it stands
        assert all(vocabulary.is_thematique(t) for t in r.thematiques)
        assert len(set(r.thematiques)) == len(r.thematiques)
        assert r.publics and set(r.publics) <= set(vocabulary.PUBLICS)
        assert vocabulary.TOUS_PUBLICS not in r.publics or r.publics == [vocabulary.TOUS_PUBLICS]
        assert r.frais in vocabulary.FRAIS
        assert r.modes_accueil and set(r.modes_accueil) <= set(vocabulary.MODES_ACCUEIL)
        assert r.modes_mobilisation
        assert set(r.modes_mobilisation) <= set(vocabulary.MODES_MOBILISATION)
        assert r.mobilisable_par and set(r.mobilisable_par) <= set(vocabulary.MOBILISABLE_PAR)
        assert set(r.reseaux_porteurs) <= set(vocabulary.RESEAUX_PORTEURS)
        assert r.statut in STATUTS and r.visibilite in VISIBILITES
        assert r.precision_geo == "fichier" and r.precision_geo in PRECISIONS_GEO
        d = haversine_km(r.latitude, r.longitude, commune.latitude, commune.longitude)
        assert d <= 3.1
        assert r.nom_structure.endswith("(fictif)")
        assert r.telephone is None or FICTION_PHONE.match(r.telephone)
        assert r.courriel is None or r.courriel.endswith("@example.org")
        for url in (r.site_web, r.lien_mobilisation):
            assert url is None or url.startswith("https://exemple.invalid/")
        assert (r.lien_mobilisation is not None) == (
            "utiliser-lien-mobilisation" in r.modes_mobilisation
        )
        assert 1 <= r.description.count(".") <= 3


def test_write_csv_round_trips(tmp_path, directory):
    resources = list(generate(300, directory, seed=3))
    path = tmp_path / "synth.csv"
    assert write_csv(iter(resources), path) == 300
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames) == CSV_COLUMNS
        rows = list(reader)
    assert len(rows) == 300
    for resource, row in zip(resources, rows, strict=True):
        assert row["id"] == resource.id
        assert row["thematiques"].split("|") == resource.thematiques
        assert (row["zone_eligibilite"].split("|") if row["zone_eligibilite"] else []) == (
            resource.zone_eligibilite
        )
        assert row["horaires_accueil"] == (resource.horaires_accueil or "")
        assert float(row["latitude"]) == resource.latitude
        assert row["siret"] == ""
