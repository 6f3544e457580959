"""Argument types shared by ``python -m vizcore``'s commands (cli.py and the cli_*.py modules): each error
names the option it checks, in one sentence."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable


def at_least_one(what: str) -> Callable[[str], int]:
    """An argparse type for a count of 1 or more, whose error names the option it checks."""

    def parse(text: str) -> int:
        value = int(text) if re.fullmatch(r"\d{1,9}", text.strip()) else 0
        if value < 1:
            shown = text if len(text) <= 20 else text[:17] + "..."
            raise argparse.ArgumentTypeError(f"{what} {shown!r} must be a whole number of 1 or more")
        return value

    return parse
