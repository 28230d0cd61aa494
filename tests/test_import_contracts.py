"""The import-linter contracts of pyproject.toml hold, and each of them can fail: a copy of
the packages with one forbidden import added breaks exactly the contract that forbids it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "relais",
    "resource_base",
    "search_engines",
    "indexer",
    "api",
    "web",
    "bench",
    "accounts",
    "persistence",
    "handover",
    "notifications",
)


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    executable = Path(sys.executable).with_name("lint-imports")
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(
        [str(executable), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True
    )


def test_contracts_hold():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "10 kept, 0 broken" in result.stdout


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("maison")
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            target / package,
            ignore=shutil.ignore_patterns("__pycache__", "templates", "static", "*.json"),
        )
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("resource_base/text.py", "import flask", "resource_base is the pure domain"),
        ("resource_base/geo.py", "import sqlalchemy", "resource_base is the pure domain"),
        ("resource_base/text.py", "import search_engines.embedded", "resource_base is the pure"),
        ("indexer/formats.py", "import api.keys", "indexer never imports api or web"),
        ("indexer/formats.py", "import web.helpers", "indexer never imports api or web"),
        ("search_engines/es_query.py", "import indexer.formats", "search_engines never imports"),
        ("search_engines/es_query.py", "import web.helpers", "search_engines never imports"),
        ("web/helpers.py", "import api.errors", "api and web are siblings"),
        ("api/errors.py", "import web.errors", "api and web are siblings"),
        ("api/keys.py", "import relais.settings", "nothing imports relais"),
        ("search_engines/es_query.py", "import relais.runtime", "nothing imports relais"),
        ("accounts/roles.py", "import flask", "accounts is a pure domain"),
        ("accounts/scoping.py", "import sqlalchemy", "accounts is a pure domain"),
        ("accounts/models.py", "import persistence.tables", "accounts is a pure domain"),
        ("persistence/tables.py", "import flask", "persistence implements the domains"),
        ("persistence/keys.py", "import web.helpers", "persistence implements the domains"),
        ("persistence/keys.py", "import relais.runtime", "nothing imports relais"),
        ("notifications/handover.py", "import flask", "notifications composes and sends"),
        ("notifications/outbox.py", "import persistence.tables", "notifications composes and"),
        ("handover/tasks.py", "import sqlalchemy", "handover is a pure domain"),
    ],
)
def test_each_contract_can_fail(copy, module, line, contract):
    path = copy / module
    original = path.read_text(encoding="utf-8")
    path.write_text(original + f"\n{line}  # noqa\n", encoding="utf-8")
    try:
        result = _lint_imports(copy)
    finally:
        path.write_text(original, encoding="utf-8")
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in " ".join(broken.split()), result.stdout[-2000:]
