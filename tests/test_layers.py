"""The Architecture's floors (README), as import-linter contracts in pyproject.toml: a module imports from
its own floor and the floors below it only, and vizcore never imports Streamlit. An engine module that
imported the zoo, or a drawing that imported the CLI, fails here."""

from __future__ import annotations

import subprocess
import sys
import tomllib

from tests.conftest import ROOT

CHECK = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"


def floors() -> list[set[str]]:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    (layers,) = [c["layers"] for c in contracts if c["type"] == "layers"]
    return [{name.strip() for name in floor.replace(":", "|").split("|")} for floor in layers]


def test_imports_keep_to_the_floors() -> None:
    done = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_every_part_of_vizcore_stands_on_a_floor() -> None:
    """A new sub-package or root module of vizcore/ is given its floor in pyproject.toml, or the contract
    would not see what it imports."""
    named = set().union(*floors())
    package = ROOT / "vizcore"
    parts = {f"vizcore.{p.stem}" for p in package.glob("*.py") if p.stem != "__init__"}
    parts |= {f"vizcore.{p.parent.name}" for p in package.glob("*/__init__.py")}
    assert parts - named == set(), "name each of these on a floor of pyproject.toml's layers contract"
    assert {"pages", "webapp", "vizcore.engine"} <= named
