"""Parsing and checking input shapes such as ``3x224x224`` or ``1x3x224x224``."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .errors import InputShapeError

Shape = tuple[int, ...]

_SEPARATORS = re.compile(r"\s*[x×X,*]\s*")


def parse_shape(text: str) -> Shape:
    """``"3x224x224"`` -> ``(1, 3, 224, 224)``; ``"8x3x224x224"`` keeps its batch of 8."""
    cleaned = text.strip().strip("()[]")
    parts = [p for p in _SEPARATORS.split(cleaned) if p != ""] if cleaned else []
    if len(parts) not in (3, 4) or not all(re.fullmatch(r"[+-]?\d+", p) for p in parts):
        raise InputShapeError(f"input shape {text!r} is malformed: write it as CxHxW or NxCxHxW, e.g. 3x224x224.")
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
    if len(dims) == 3:
        dims = (1, *dims)
    if len(dims) < 2:
        raise InputShapeError(f"input shape {format_shape(dims)} is too short: give CxHxW or NxCxHxW, e.g. 3x224x224.")
    return dims


def format_shape(shape: Sequence[int]) -> str:
    return "x".join(str(d) for d in shape)
