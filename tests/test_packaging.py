"""vizcore installs like a Python package, and its pins are requirements.txt's."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pins(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        match = re.match(r"\s*([A-Za-z0-9_.\-]+)==([^\s#;]+)", line)
        if match:
            found[match[1].lower().replace("_", "-")] = match[2]
    return found


def test_pyproject_pins_are_requirements_pins() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = pins(project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra])
    required = pins((ROOT / "requirements.txt").read_text().splitlines())
    assert declared == required
    assert project["scripts"]["vizcore"] == "vizcore.cli:main"


def test_the_app_image_installs_the_app_and_no_tools() -> None:
    """deploy/Dockerfile installs requirements-app.txt: pyproject's dependencies and its [app] extra, at
    requirements.txt's pins, and none of the test, lint or benchmark tools."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    app = pins((ROOT / "requirements-app.txt").read_text().splitlines())
    assert app == pins(project["dependencies"] + project["optional-dependencies"]["app"])
    required = pins((ROOT / "requirements.txt").read_text().splitlines())
    assert all(required[name] == pin for name, pin in app.items())
    assert not set(app) & set(pins(project["optional-dependencies"]["test"]))
    assert {"pytest", "playwright", "mypy", "scikit-learn"} <= set(required) - set(app)
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "pip install --no-cache-dir -r requirements-app.txt" in dockerfile
    assert "-r requirements.txt" not in dockerfile


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
