"""ruff and mypy (strict) over the library and the app (pages, webapp, app.py, serve.py), as part of the
one test command."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_ruff() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "vizcore", "webapp", "pages", "app.py", "serve.py", "tests", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_strict() -> None:
    done = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
