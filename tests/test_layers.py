"""The layers of docs/architecture.md hold: no import loop between the packages and modules
directly under aegis, and the contract `make lint` runs (pyproject.toml, [tool.importlinter])
fails on an import that breaks it; the hooks that replace upward imports are in place. No
database: the import graph is read from the source."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

pytestmark = pytest.mark.engine_independent

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "aegis"
PYPROJECT = ROOT / "pyproject.toml"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _layers_contract() -> dict:
    contracts = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c["type"] == "layers")


def _package_imports() -> dict[str, set[str]]:
    """Which child of aegis imports which other child, late imports included, less the
    imports the contract ignores for now."""
    graph = grimp.build_graph("aegis", include_external_packages=False)
    for expression in _layers_contract().get("ignore_imports", []):
        for match in graph.find_matching_direct_imports(expression):
            graph.remove_import(importer=match["importer"], imported=match["imported"])
    depth = 2  # aegis.<child>
    imports: dict[str, set[str]] = {}
    for module in graph.modules:
        importer = ".".join(module.split(".")[:depth])
        for imported in graph.find_modules_directly_imported_by(module):
            target = ".".join(imported.split(".")[:depth])
            if target != importer:
                imports.setdefault(importer, set()).add(target)
    return imports


def _a_cycle(imports: dict[str, set[str]]) -> list[str]:
    """One loop (its packages in order, the first repeated at the end), or []."""
    done: set[str] = set()
    path: list[str] = []

    def visit(package: str) -> list[str]:
        if package in path:
            return [*path[path.index(package) :], package]
        if package in done:
            return []
        path.append(package)
        for target in sorted(imports.get(package, ())):
            if found := visit(target):
                return found
        path.pop()
        done.add(package)
        return []

    for package in sorted(imports):
        if found := visit(package):
            return found
    return []


def test_the_cycle_finder_finds_a_loop():
    assert _a_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _a_cycle({"a": {"b"}, "b": {"c"}}) == []


def test_no_import_cycle_between_the_packages_under_aegis():
    cycle = _a_cycle(_package_imports())
    assert not cycle, "import cycle: " + " -> ".join(cycle)


# --- The hooks that stand in for upward imports, registered from AppConfig.ready ----------


def test_lower_apps_reach_the_higher_ones_through_the_hooks_they_registered():
    from aegis.accounts import hooks
    from aegis.alerts import checkins
    from aegis.cases import panels
    from aegis.cases import selectors as cases
    from aegis.cases import services as case_services

    duress = hooks._slots.duress
    assert duress is not None
    assert duress.password_under_duress is checkins.password_under_duress
    assert duress.signed_in_under_duress is checkins.signed_in_under_duress
    compartments = hooks._slots.compartments
    assert compartments is not None
    assert compartments.of is cases.compartments_of
    assert compartments.leave is case_services.remove_member
    # The case page: incidents, a standing legal hold, evidence, then the areas built on
    # them; the search page adds incidents.
    assert [p.template for p in panels._of(panels.CASE)] == [
        "incidents/_case_panel.html",
        "retention/_case_panel.html",
        "evidence/_case_panel.html",
        "advocacy/_case_panel.html",
        "exchange/_case_panel.html",
        "support/_case_panel.html",
    ]
    assert [p.template for p in panels._of(panels.SEARCH)] == ["incidents/_search_panel.html"]


# --- The contract, in a throwaway copy of the source ----------------------------------------


def _only_python(folder: str, names: list[str]) -> list[str]:
    return [
        n
        for n in names
        if n == "__pycache__" or (not n.endswith(".py") and not (Path(folder) / n).is_dir())
    ]


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copytree(SOURCE, tmp_path / "aegis", ignore=_only_python)
    shutil.copy(PYPROJECT, tmp_path / "pyproject.toml")
    return tmp_path


def _lint_imports(copy: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(copy / "pyproject.toml")],
        cwd=copy,
        env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_contract_holds_for_the_source_as_it_is(copy):
    result = _lint_imports(copy)
    assert result.returncode == 0, result.stdout + result.stderr


# A core module importing an orchestrating app; a late import, inside a function, from the
# audit log up into cases; two independent siblings; a new module no layer names.
FORBIDDEN = {
    "vault/__init__.py": "import aegis.alerts.services\n",
    "audit/services.py": "\n\ndef _late():\n    from aegis.cases import selectors  # late\n",
    "incidents/selectors.py": "from aegis.evidence import selectors as _evidence\n",
    "unplaced.py": '"""A new area nobody placed in a layer."""\n',
}


@pytest.mark.parametrize("path", FORBIDDEN)
def test_the_contract_fails_on_an_import_that_breaks_the_layers(copy, path):
    module = copy / "aegis" / path
    before = module.read_text() if module.exists() else ""
    module.write_text(before + FORBIDDEN[path])
    result = _lint_imports(copy)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout
