"""Opening a page of the app in AppTest, and reading its messages as a reader sees them."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def run(page: str, **params: str) -> AppTest:
    """Open ``page`` of the app (app.py is the entry point) with ``params`` in the URL."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    for key, value in params.items():
        at.query_params[key] = value
    if page != "app.py":
        at.switch_page(page)
    return at.run()


def said(markdown: str) -> str:
    """The text a reader sees in a message (the app escapes every markdown character in user text)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def has_link(markdown: str) -> bool:
    """Whether ``markdown`` renders a link: ``[text](target)`` with unescaped brackets, or a bare address."""
    return re.search(r"(?<!\\)\]\(", markdown) is not None or re.search(r"https?://|www\.", markdown) is not None
