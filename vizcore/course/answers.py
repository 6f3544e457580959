"""A student's answer as text, read as a number or a shape, and compared with a figure.

Numbers: ``1728``, ``1,728``, ``1 728``, ``1_728``, ``1.7e3``, ``23.5k``, ``1.2 M``, ``3.1 MB``, with or
without a unit word (bytes, params, MACs, pixels). A number given to fewer digits (``23.5k``) stands for
every figure it rounds from: it is right when the exact answer rounds to it. ``k``/``M``/``G`` are powers
of 1,000; ``KB``/``MB``/``GB`` (and KiB, MiB, GiB) powers of 1,024, as the worked arithmetic prints KB.
Shapes: ``64x56x56``, ``1×64×56×56``, ``[1, 64, 56, 56]``, ``(64,56,56)``; a shape without its batch of
one is the same shape. Anything else is answered with one sentence (``AnswerError``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from ..errors import VizcoreError

MAX_ANSWER = 200  # characters: more than any number or shape needs
MAX_DIMS = 8
MAX_DIGITS = 30  # past every figure of any network (the largest are ~10^13 MACs)

_SCALES = {
    "": 1,
    "k": 10**3,
    "thousand": 10**3,
    "m": 10**6,
    "million": 10**6,
    "g": 10**9,
    "bn": 10**9,
    "billion": 10**9,
    "kb": 2**10,
    "kib": 2**10,
    "mb": 2**20,
    "mib": 2**20,
    "gb": 2**30,
    "gib": 2**30,
}
_UNITS = r"bytes?|b|params|parameters|weights|macs?|multiply-adds|pixels|px|values"
_NUMBER = re.compile(
    r"(?P<int>\d{1,3}(?:[,_' \u00a0\u202f]\d{3})+|\d+)(?:\.(?P<frac>\d+))?(?:e(?P<exp>\d{1,2}))?"
    rf"\s*(?P<scale>thousand|million|billion|bn|[kmg]i?b|[kmg])?\s*(?:{_UNITS})?\.?",
    re.IGNORECASE,
)
_SHAPE_SPLIT = re.compile(r"\s*[x×X,*]\s*|\s+")


class AnswerError(VizcoreError, ValueError):
    """An answer that is no number or shape."""


@dataclass(frozen=True)
class Number:
    """A number as given: its value and the step of its last digit (1 for an exact whole number)."""

    value: Fraction
    step: Fraction

    def matches(self, target: int) -> bool:
        return abs(target - self.value) * 2 <= self.step


Given = Number | tuple[int, ...]


def _quoted(text: str) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= 30 else flat[:27] + "...")


def _bounded(text: str) -> str:
    if len(text) > MAX_ANSWER:
        raise AnswerError(f"an answer is at most {MAX_ANSWER} characters; this one has {len(text):,}.")
    return text.strip()


def parse_number(text: str) -> Number:
    """``"23.5k"`` -> 23,500 to the nearest 100; ``"1,728"`` -> exactly 1,728."""
    cleaned = _bounded(text)
    found = _NUMBER.fullmatch(cleaned)
    if found is None:
        raise AnswerError(f"{_quoted(text)} is not a number: write it like 1728, 1,728 or 23.5k.")
    whole = re.sub(r"\D", "", found["int"])
    frac = found["frac"] or ""
    if len(whole.lstrip("0")) + len(frac) > MAX_DIGITS:
        raise AnswerError(f"{_quoted(text)} has more digits than any figure of a network ({MAX_DIGITS} at most).")
    scale = _SCALES[(found["scale"] or "").lower()] * 10 ** int(found["exp"] or 0)
    return Number(Fraction(int(whole + frac), 10 ** len(frac)) * scale, Fraction(scale, 10 ** len(frac)))


def parse_shape_answer(text: str) -> tuple[int, ...]:
    """``"[1, 64, 56, 56]"``, ``"64x56x56"``, ``"(64,56,56)"`` -> the sizes as given."""
    cleaned = _bounded(text).strip("()[] ")
    parts = [p for p in _SHAPE_SPLIT.split(cleaned) if p]
    if not parts or not all(re.fullmatch(r"\d+", p) for p in parts):
        raise AnswerError(f"{_quoted(text)} is not a shape: write it like 64x56x56 or [1, 64, 56, 56].")
    if len(parts) > MAX_DIMS:
        raise AnswerError(f"a shape has at most {MAX_DIMS} dimensions; this one has {len(parts)}.")
    if any(len(p.lstrip("0")) > 9 for p in parts):
        raise AnswerError(f"{_quoted(text)} has a size past any layer's (9 digits at most).")
    return tuple(int(p) for p in parts)


def parse_answer(text: str, kind: str) -> Given:
    """A student's answer to a question of ``kind``: a shape for ``shape``, a number or a per-dimension
    size for ``receptive field`` (``11x11``; a comma there separates thousands: ``1,003``), a number otherwise."""
    if kind == "shape":
        return parse_shape_answer(text)
    if kind == "receptive field" and re.search(r"\d\s*[x×X*]\s*\d", text[: MAX_ANSWER + 1]):
        return parse_shape_answer(text)
    return parse_number(text)


def same(given: Given, target: int | list[int]) -> bool:
    """Whether a parsed answer is ``target`` (a figure, a shape, or a size per dimension)."""
    if isinstance(target, list):
        if isinstance(given, Number):
            return len(set(target)) == 1 and given.matches(target[0])
        return list(given) == target or (len(target) > 1 and target[0] == 1 and list(given) == target[1:])
    if isinstance(given, Number):
        return given.matches(target)
    return len(set(given)) == 1 and given[0] == target
