"""The README is the contract with a new user: every setting and CLI command is documented,
and every default written there is the registry's."""

import re
from pathlib import Path

import click
import pytest

from relais.cli import main
from relais.settings import (
    PREFIX,
    PROJECT_ROOT,
    SETTINGS,
    ConfigError,
    coerce,
    load,
)

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _readme_settings() -> dict[str, tuple[str, str]]:
    """``{name: (default as written, help)}`` parsed from the README's settings table."""
    table = re.search(r"<!-- settings:start -->(.*?)<!-- settings:end -->", README, re.S)
    assert table, "Tableau des réglages absent du README"
    rows = {}
    for line in table.group(1).strip().splitlines()[2:]:
        match = re.fullmatch(r"\| `(RELAIS_\w+)` \| `([^`]*)` \| (.*) \|", line.strip())
        assert match, f"Ligne illisible du tableau des réglages : {line!r}"
        rows[match.group(1).removeprefix(PREFIX)] = (match.group(2), match.group(3))
    return rows


def _read_default(written: str) -> str:
    """The README's spelling of a default, back to a raw value (as the environment gives)."""
    if written == "(vide)":
        return ""
    if written.startswith("<dépôt>"):
        return str(PROJECT_ROOT) + written.removeprefix("<dépôt>")
    if written.startswith("../shared"):
        return str((PROJECT_ROOT.parent / "shared").resolve()) + written.removeprefix("../shared")
    return written


def _mismatches(rows: dict[str, tuple[str, str]]) -> list[str]:
    """Settings whose README default (read back as the environment would give it) or help
    differ from the registry's."""
    wrong = []
    for setting in SETTINGS:
        written, help_text = rows[setting.name]
        if help_text != setting.help or coerce(setting, _read_default(written)) != coerce(
            setting, setting.default
        ):
            wrong.append(setting.name)
    return wrong


def test_readme_lists_exactly_the_registry():
    assert list(_readme_settings()) == [s.name for s in SETTINGS]


def test_every_readme_default_and_help_is_the_registry_s():
    assert _mismatches(_readme_settings()) == []


def test_a_wrong_default_in_the_readme_is_caught():
    rows = _readme_settings()
    rows["WORKERS"] = ("3", rows["WORKERS"][1])
    rows["DATA_DIR"] = ("<dépôt>/autre", rows["DATA_DIR"][1])
    rows["ANONYMOUS_ACCESS"] = ("non", rows["ANONYMOUS_ACCESS"][1])
    assert _mismatches(rows) == ["DATA_DIR", "ANONYMOUS_ACCESS", "WORKERS"]


def test_every_setting_has_help_and_its_choices_in_it():
    for setting in SETTINGS:
        assert setting.help.strip(), setting.name
        assert setting.default is not None, setting.name
        for choice in setting.choices or ():
            assert choice in setting.help, (setting.name, choice)


def _commands(group: click.Group, prefix: str = "relais"):
    context = click.Context(group)
    for name in group.list_commands(context):  # relais.cli imports its commands lazily
        command = group.get_command(context, name)
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix} {name}")
        else:
            yield f"{prefix} {name}"


def test_every_cli_command_is_in_the_readme_command_table():
    table = README.split("## Ligne de commande", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(relais [a-z-]+(?: [a-z-]+)?)", table, re.M))
    commands = set(_commands(main))
    assert len(commands) >= 9  # search, communes, import, reindex, serve, openapi, keys ×3
    missing = [c for c in commands if not any(d == c or d.startswith(c + " ") for d in documented)]
    assert not missing, f"Commandes absentes du README : {missing}"


def test_settings_precedence_defaults_env_overrides():
    values = load(
        {"SEARCH_ENGINE": "elasticsearch"},
        environ={"RELAIS_SEARCH_ENGINE": "embedded", "RELAIS_ES_TIMEOUT": "3"},
    )
    assert values["SEARCH_ENGINE"] == "elasticsearch"
    assert values["ES_TIMEOUT"] == 3.0
    assert load(environ={})["SEARCH_ENGINE"] == "embedded"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("RELAIS_WORKERS", "abc", "RELAIS_WORKERS : valeur attendue : un nombre entier"),
        (
            "RELAIS_WORKERS",
            "0",
            "RELAIS_WORKERS : valeur attendue : un nombre supérieur ou égal à 1",
        ),
        ("RELAIS_GEOCODER", "bogus", "RELAIS_GEOCODER : valeur attendue : « offline », « ban »"),
        ("RELAIS_SEARCH_ENGINE", "solr", "« embedded », « elasticsearch »"),
        ("RELAIS_ANONYMOUS_ACCESS", "peut-être", "oui ou non"),
        ("RELAIS_ES_TIMEOUT", "-1", "strictement positif"),
        ("RELAIS_BIND", "8000", "hôte:port"),
        ("RELAIS_ANONYMOUS_ORIGINS", "mairie.example.fr", "Origine invalide"),
        ("RELAIS_LOG_LEVEL", "verbose", "« DEBUG »"),
    ],
)
def test_one_error_names_the_variable_and_what_it_expects(variable, value, expected):
    with pytest.raises(ConfigError) as caught:
        load(environ={variable: value})
    assert str(caught.value).startswith(variable + " : ")
    assert expected in str(caught.value)


def test_values_are_normalised_once_and_load_again_unchanged():
    values = load(
        environ={"RELAIS_ANONYMOUS_ORIGINS": "https://Mairie.example.fr/page, *"},
    )
    assert values["ANONYMOUS_ORIGINS"] == ("https://mairie.example.fr", "*")
    assert values["ANONYMOUS_ACCESS"] is True
    # A runtime's settings passed back as overrides (create_app does) load to the same values.
    assert load(values, environ={}) == values
