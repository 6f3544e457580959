"""Parsing and checking input shapes such as ``3x224x224`` or ``1x3x224x224``."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from .errors import InputShapeError

Shape = tuple[int, ...]

_SEPARATORS = re.compile(r"\s*[x×X,*]\s*")

# Far past any network or image a CNN is analysed at, and small enough that sizes and their products stay
# well inside int64 (torch's own overflow errors name no layer); a trace that still overflows on the way
# is reported by the engine.
MAX_DIM = 1_000_000
MAX_ELEMENTS = 10**17  # values in one tensor: an input, an activation or a weight


def parse_shape(text: str) -> Shape:
    """``"3x224x224"`` -> ``(1, 3, 224, 224)``; ``"8x3x224x224"`` keeps its batch of 8."""
    cleaned = text.strip().strip("()[]")
    parts = [p for p in _SEPARATORS.split(cleaned) if p != ""] if cleaned else []
    if len(parts) not in (3, 4) or not all(re.fullmatch(r"[+-]?\d+", p) for p in parts):
        raise InputShapeError(
            f"input shape {_quoted(text)} is malformed: write it as CxHxW or NxCxHxW, e.g. 3x224x224."
        )
    if any(len(p.lstrip("+-0")) > len(str(MAX_DIM)) for p in parts):  # before int(): no 10,000-digit numbers
        raise InputShapeError(f"input shape {_quoted(text)} has a size past {MAX_DIM:,}: {_LIMITS}")
    return normalize_shape([int(p) for p in parts])


def normalize_shape(shape: Sequence[int]) -> Shape:
    """Check a shape and add the batch dimension to a 3-D (C, H, W) one."""
    dims = tuple(shape)
    if not dims or not all(isinstance(d, int) and not isinstance(d, bool) for d in dims):
        raise InputShapeError(f"input shape {dims!r} is malformed: give whole numbers, e.g. (1, 3, 224, 224).")
    if any(d <= 0 for d in dims):
        raise InputShapeError(
            f"input shape {format_shape(dims)} has a dimension that is not positive: every size must be 1 or more."
        )
    if any(d > MAX_DIM for d in dims) or math.prod(dims) > MAX_ELEMENTS:
        raise InputShapeError(f"input shape {format_shape(dims)} is too large: {_LIMITS}")
    if len(dims) == 3:
        dims = (1, *dims)
    if len(dims) < 2:
        raise InputShapeError(f"input shape {format_shape(dims)} is too short: give CxHxW or NxCxHxW, e.g. 3x224x224.")
    return dims


_LIMITS = f"each size must be at most {MAX_DIM:,} and the input at most {MAX_ELEMENTS:.0e} values, e.g. 3x224x224."


def _quoted(text: str) -> str:
    """A user's text in a message, cut short so that a 10,000-character paste stays one readable sentence."""
    return repr(text if len(text) <= 40 else text[:37] + "...")


def format_shape(shape: Sequence[int]) -> str:
    return "x".join(str(d) for d in shape)
