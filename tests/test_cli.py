"""``relais``: commands are imported when they run, so that ``relais import`` (once per
department file) starts without SQLAlchemy, Alembic, Werkzeug or the demo."""

from __future__ import annotations

import subprocess
import sys

import click
from click.testing import CliRunner

from relais.cli import COMMANDS, main

_MODULES_AFTER = """
import sys
from relais.cli import main
main({args!r}, standalone_mode=False)
print(" ".join(sorted(sys.modules)))
"""


def _modules_after(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", _MODULES_AFTER.format(args=list(args))],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return set(done.stdout.strip().splitlines()[-1].split())


def test_import_command_does_not_load_the_relational_store_nor_the_web_server():
    loaded = _modules_after("import", "--help")
    assert "indexer.importer" in loaded
    assert not {"sqlalchemy", "alembic", "werkzeug", "flask", "handover.demo.command"} & loaded


def test_help_lists_every_command_and_each_one_loads():
    listing = CliRunner().invoke(main, ["--help"])
    assert listing.exit_code == 0, listing.output
    for name in COMMANDS:
        assert f"  {name} " in listing.output, name
        answer = CliRunner().invoke(main, [name, "--help"])
        assert answer.exit_code == 0, (name, answer.output)
        assert main.get_command(click.Context(main), name).name == name


def test_an_unknown_command_is_a_usage_error():
    answer = CliRunner().invoke(main, ["importer"])
    assert answer.exit_code == 2
    assert "'importer'" in answer.output
