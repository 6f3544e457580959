from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


# The browser tests' server and browser, one of each per test module (tests/support/browser.py starts them;
# each browser module first calls require_chromium()).
@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    from tests.support.browser import streamlit_server

    with streamlit_server() as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    from tests.support.browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/browser/ drives Chromium: marked ``browser`` (``-m "not browser"`` skips it)."""
    browser_dir = ROOT / "tests" / "browser"
    for item in items:
        if browser_dir in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
