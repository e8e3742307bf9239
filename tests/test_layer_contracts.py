"""The layer contracts (pyproject.toml, ``[tool.importlinter]``) hold, and they bite.

A copy of the packages gets one deliberately wrong import per contract, and ``lint-imports``
must name each broken contract and the module that broke it. It runs in a subprocess: in this
process ``zoning`` is already imported, and the import graph would be built from it instead of
from the copy. No network; two runs of well under a second each.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("importlinter")

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("zoning", "maps", "app_pages")
LINT_IMPORTS = (
    "import sys; from importlinter.cli import lint_imports_command; "
    "sys.exit(lint_imports_command())"
)

#: (module file, the wrong import appended to it, the start of the contract it breaks).
WRONG_IMPORTS: tuple[tuple[str, str, str], ...] = (
    ("zoning/grid/codes.py", "import sqlalchemy", "feature packages are pure"),
    ("zoning/safety/__init__.py", "import pydeck", "feature packages are pure"),
    ("zoning/grid/locate.py", "import zoning.plans", "imports point down the layers"),
    ("zoning/geo/__init__.py", "import zoning.campus", "imports point down the layers"),
    ("zoning/store/__init__.py", "import streamlit", "zoning never imports the UI stack"),
    (
        "zoning/store/plans.py",
        "from zoning.services import campus",
        "store never calls services or the CLI",
    ),
    ("zoning/services/__init__.py", "import typer", "services know no CLI and no UI"),
    ("maps/__init__.py", "import zoning.store", "maps is pure"),
    ("zoning/cli/__init__.py", "import maps", "the CLI never imports the pages or maps"),
    ("app_pages/__init__.py", "import zoning.cli", "pages reach storage only through services"),
    (
        "zoning/cli/common.py",
        "import zoning.store.engine",
        "the CLI reaches storage only through services",
    ),
    # zoning.grid.unit imports zoning.grid.topology already: a cycle inside zoning.grid.
    ("zoning/grid/topology.py", "import zoning.grid.unit", "no import cycles inside a package"),
)


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``lint-imports`` on the tree at ``cwd`` (its pyproject.toml, its packages)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH")}
    env.update(COLUMNS="200", NO_COLOR="1", TERM="dumb")
    return subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS, "--no-cache", "--no-logo"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _only_sources(folder: str, names: list[str]) -> set[str]:
    """``copytree`` ignore: keep sub-folders and ``.py`` files, drop caches and data."""
    return {
        name
        for name in names
        if name == "__pycache__" or (not name.endswith(".py") and not Path(folder, name).is_dir())
    }


def broken_sections(report: str) -> dict[str, str]:
    """Split the "Broken contracts" part of a report into {contract name: its section}."""
    _, _, broken = report.partition("\nBroken contracts\n")
    chunks = re.split(r"\n(?=[^\n]+\n-{3,}\n)", broken)
    return {chunk.strip().splitlines()[0]: chunk for chunk in chunks if chunk.strip()}


@pytest.fixture(scope="module")
def broken_report(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` over a copy of the packages with every wrong import added."""
    tree = tmp_path_factory.mktemp("tree")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tree / package, ignore=_only_sources)
    shutil.copy2(ROOT / "pyproject.toml", tree / "pyproject.toml")
    for module, wrong_import, _ in WRONG_IMPORTS:
        path = tree / module
        path.write_text(f"{path.read_text(encoding='utf-8')}\n{wrong_import}\n", encoding="utf-8")
    return lint_imports(tree)


def test_real_tree_keeps_every_contract() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_copy_with_wrong_imports_fails(
    broken_report: subprocess.CompletedProcess[str],
) -> None:
    assert broken_report.returncode != 0, broken_report.stdout + broken_report.stderr
    assert "0 kept" in broken_report.stdout


@pytest.mark.parametrize(("module", "wrong_import", "contract"), WRONG_IMPORTS)
def test_a_wrong_import_breaks_the_contract_it_names(
    broken_report: subprocess.CompletedProcess[str], module: str, wrong_import: str, contract: str
) -> None:
    sections = broken_sections(broken_report.stdout)
    named = [name for name in sections if name.startswith(contract)]
    assert named, f"{contract!r} not broken:\n{broken_report.stdout}"
    assert f"{named[0]} BROKEN" in broken_report.stdout
    importer = module.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    if contract.startswith("no import cycles"):
        # The acyclic contract names the package and the sibling imports, relative to it.
        package, _, name = importer.rpartition(".")
        assert f"No cycles are allowed in {package}." in sections[named[0]]
        assert f".{name}" in sections[named[0]]
    else:
        assert importer in sections[named[0]], sections[named[0]]
