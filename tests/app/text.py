"""Reading the app's messages as a reader sees them."""

from __future__ import annotations

import re


def said(markdown: str) -> str:
    """The text a reader sees in a message (the app escapes every markdown character in user text)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def has_link(markdown: str) -> bool:
    """Whether ``markdown`` renders a link: ``[text](target)`` with unescaped brackets, or a bare address."""
    return re.search(r"(?<!\\)\]\(", markdown) is not None or re.search(r"https?://|www\.", markdown) is not None
