from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cli():
    """Run ``python -m vizcore`` as a user would, from the repository root."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "vizcore", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
        )

    return run
