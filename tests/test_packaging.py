"""vizcore installs like a Python package: the library asks for little (ranges, torch pinned), extras add\nthe rest, and requirements.txt pins exactly what the README installs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


PINNED = {"torch", "torchvision"}  # the builds this project is tested with: exact in every file


def pins(lines: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in lines:
        match = re.match(r"\s*([A-Za-z0-9_.\-]+)==([^\s#;]+)", line)
        if match:
            found[canonicalize_name(match[1])] = match[2]
    return found


def project() -> dict[str, Any]:
    table: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return table


def declared(*extras: str) -> dict[str, Requirement]:
    """The library's dependencies and those of ``extras``, with the extras they name themselves."""
    optional = project()["optional-dependencies"]
    found: dict[str, Requirement] = {}
    for line in project()["dependencies"] + [d for extra in extras for d in optional[extra]]:
        requirement = Requirement(line)
        if requirement.name == "vizcore":
            found |= declared(*requirement.extras)
        else:
            found[canonicalize_name(requirement.name)] = requirement
    return found


def test_requirements_txt_pins_what_pyproject_allows() -> None:
    """requirements.txt (what the README installs) pins every package pyproject names, exactly, at a
    version pyproject's range allows; nothing more."""
    required = pins((ROOT / "requirements.txt").read_text().splitlines())
    everything = declared(*project()["optional-dependencies"])
    assert set(everything) == set(required)
    for name, requirement in everything.items():
        assert requirement.specifier.contains(required[name], prereleases=True), (name, required[name])
    assert project()["scripts"]["vizcore"] == "vizcore.cli:main"


def test_the_library_asks_for_ranges_and_pins_only_torch() -> None:
    """A library that pins pandas exactly cannot share an environment; torch and torchvision are the
    guide's exception. The test tools are pinned: a new ruff or mypy finds new things."""
    core = declared()
    assert set(core) == PINNED | {"numpy", "pillow"}
    runtime = declared("drawing", "photos", "onnx", "app")
    for name, requirement in runtime.items():
        exact = any(spec.operator == "==" for spec in requirement.specifier)
        assert exact == (name in PINNED), requirement
    tools = [Requirement(d) for d in project()["optional-dependencies"]["test"] if not d.startswith("vizcore")]
    assert all(str(r.specifier).startswith("==") for r in tools)
    assert {"pygraphviz", "plotly"} <= set(declared("drawing")) and "captum" in declared("photos")
    assert {"streamlit", "pandas", "onnx", "timm", "pygraphviz"} <= set(declared("app"))


def test_the_app_image_installs_the_app_and_no_tools() -> None:
    """deploy/Dockerfile installs requirements-app.txt: pyproject's dependencies and its [app] extra, at
    requirements.txt's pins, and none of the test, lint or benchmark tools."""
    app = pins((ROOT / "requirements-app.txt").read_text().splitlines())
    assert set(app) == set(declared("app"))
    required = pins((ROOT / "requirements.txt").read_text().splitlines())
    assert all(required[name] == pin for name, pin in app.items())
    tools = {canonicalize_name(Requirement(d).name) for d in project()["optional-dependencies"]["test"]}
    assert not set(app) & tools
    assert {"pytest", "playwright", "mypy", "scikit-learn", "import-linter"} <= set(required) - set(app)
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "pip install --no-cache-dir -r requirements-app.txt" in dockerfile
    assert "-r requirements.txt" not in dockerfile


def test_ci_runs_the_readme_test_command() -> None:
    """.ci/run is the README's test command, word for word, so CI tests what a user would run."""
    command = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert f"```bash\n{command}\n```" in (ROOT / "README.md").read_text()


def test_pip_install_gives_an_importable_vizcore_and_a_command(tmp_path: Path) -> None:
    site = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr
    away = tmp_path / "elsewhere"  # not the repository: only the installed copy can be found
    away.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run(
        [sys.executable, "-c", "import vizcore; print(vizcore.__file__)"],
        cwd=away,
        env=env,
        capture_output=True,
        text=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(site), where.stderr
    done = subprocess.run(
        [str(site / "bin" / "vizcore"), "summary", "lenet5", "--format", "json"],
        cwd=away,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["totals"]["params"] == 61706  # LeCun et al. 1998's LeNet-5
    bad = subprocess.run(
        [str(site / "bin" / "vizcore"), "summary", "lenet"], cwd=away, env=env, capture_output=True, text=True
    )
    assert bad.returncode == 1 and bad.stderr.startswith("error: unknown model 'lenet'")
