"""The README is the contract with a new user: every setting and CLI command is documented."""

from pathlib import Path

import click

from relais.cli import main
from relais.settings import PREFIX, SETTINGS, load

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme_with_its_default_and_help():
    missing = [
        s.name for s in SETTINGS if f"`{PREFIX}{s.name}`" not in README or s.help not in README
    ]
    assert not missing, f"Réglages absents du README : {missing}"


def test_every_setting_has_help_and_a_default():
    for setting in SETTINGS:
        assert setting.help.strip(), setting.name
        assert setting.default is not None, setting.name


def _commands(group: click.Group, prefix: str = "relais"):
    for name, command in group.commands.items():
        yield f"{prefix} {name}"
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix} {name}")


def test_every_cli_command_is_in_the_readme():
    missing = [c for c in _commands(main) if f"`{c}" not in README]
    assert not missing, f"Commandes absentes du README : {missing}"


def test_settings_precedence_defaults_env_overrides():
    values = load(
        {"SEARCH_ENGINE": "elasticsearch"},
        environ={"RELAIS_SEARCH_ENGINE": "embedded", "RELAIS_ES_TIMEOUT": "3"},
    )
    assert values["SEARCH_ENGINE"] == "elasticsearch"
    assert values["ES_TIMEOUT"] == 3.0
    assert load(environ={})["SEARCH_ENGINE"] == "embedded"
