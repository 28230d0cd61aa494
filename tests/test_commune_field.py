"""The commune field as the CLI and the search contract read it: postal codes first, every
postal code of a commune, Corsica, forms and typos, homonyms (issue 11)."""

from __future__ import annotations

import json

import pytest

from resource_base.search import SearchQuery, UnknownLocation, resolve_location


@pytest.mark.parametrize("typed", ["2A004", "2a004", "Ajaccio"])
def test_cli_communes_finds_corsica(runner, typed):
    result = runner(["communes", typed, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["code_insee"] == "2A004"


def test_cli_communes_lists_a_postal_code_to_choose(runner):
    result = runner(["communes", "52200", "--limit", "30"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Le code postal 52200 couvre 19 communes :"
    assert lines[1].startswith("52269  Langres (52200) — Haute-Marne (52)")
    assert len(lines) == 20


def test_cli_communes_says_when_it_corrected_a_typo(runner):
    result = runner(["communes", "Chaalons"])
    assert "Aucune commune ne s'écrit « Chaalons »" in result.stdout
    assert "51108  Châlons-en-Champagne (51000) — Marne (51)" in result.stdout


def test_cli_communes_prefers_the_users_department(runner):
    first = runner(["communes", "Saint-Martin", "--departement", "32", "--json"]).stdout
    assert json.loads(first)[0]["departement"] == "32"


@pytest.mark.parametrize("typed", ["2A004", "2a004", "Ajaccio", "ajacio"])
def test_cli_search_by_corsican_commune(runner, typed):
    result = runner(["search", "--commune", typed, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["lieu"]["communes"] == ["2A004"]


def test_cli_search_by_any_postal_code_of_a_commune(runner):
    for cp in ("31000", "31500"):
        result = runner(["search", "--code-postal", cp, "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["lieu"]["communes"] == ["31555"]


def test_cli_search_with_homonyms_asks_for_the_code(runner):
    result = runner(["search", "--commune", "Le Born"])
    assert result.exit_code == 2
    assert "31077  Le Born (31340) — Haute-Garonne (31)" in result.stderr
    assert "48029  Le Born (48000) — Lozère (48)" in result.stderr


def test_cli_search_with_a_shared_postal_code_says_so(runner):
    result = runner(["search", "--code-postal", "52200"])
    assert result.exit_code == 0
    assert "Le code postal 52200 couvre 19 communes" in result.stderr


def test_contract_reads_insee_codes_in_any_case_and_former_codes(directory):
    for code in ("2A004", "2a004"):
        location = resolve_location(SearchQuery(code_commune=code), directory)
        assert [c.code_insee for c in location.communes] == ["2A004"]
        assert location.libelle == "Ajaccio (2A004), Corse-du-Sud (2A)"
    merged = resolve_location(SearchQuery(code_commune="12076"), directory)
    assert [c.code_insee for c in merged.communes] == ["12218"]
    toulouse = resolve_location(SearchQuery(code_postal="31400"), directory)
    assert toulouse.libelle == "31400 : Toulouse, Haute-Garonne (31)"
    with pytest.raises(UnknownLocation):
        resolve_location(SearchQuery(code_postal="99999"), directory)


def test_cli_search_says_how_it_understood_the_text(runner, runtime):
    from contract_data import resources

    runtime.store.replace(
        "source", "test", resources(), {"fichiers": ["x"]}, writers=runtime.store_writers()
    )
    result = runner(["search", "--commune", "51108", "--q", "surendetement"])
    assert result.exit_code == 0, result.output
    assert "Résultats pour « surendettement » (saisi : « surendetement »)" in result.stdout
    assert "Mots : surendettement" in result.stdout
