"""The slides' printed figures, read from the deck files, and the check of one against our exact figure.

``decks/<deck>.json`` holds what each deck prints, table by table and row by row, with its deck file
(in ``../shared/lectures/``) and slide; nothing exact is stored there. A figure ``differs`` where the
printed value cannot come from the exact one at the slide's own precision (half a unit of its last
printed digit), and the reason says why, with the arithmetic.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

K = 1000
M = 1_000_000
G = 1_000_000_000
DECK_IDS = ("000", "001", "002", "003", "004")
_SUFFIX = {"K": K, "M": M, "G": G}


@dataclass(frozen=True)
class Figure:
    """One printed figure: the slide's text, ours in the slide's unit, and whether they can agree."""

    quantity: str  # the column, with the slide's unit, e.g. "memory (KB)"
    slide: str  # exactly as printed
    exact: float  # ours, in the slide's unit
    count: int | None  # ours as a whole count (bytes, params, MACs), where there is one
    differs: bool
    reason: str
    unit: str = ""  # a unit printed with the figure ("K", "M", "x"): ours is shown with it too

    def to_dict(self) -> dict[str, Any]:
        return {
            "quantity": self.quantity,
            "unit": self.unit,
            "slide": self.slide,
            "exact": self.exact,
            "count": self.count,
            "differs": self.differs,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class SlideRow:
    """One row of a slide's table as printed: its label, each quantity's text and its context, and where it is."""

    label: str
    printed: Mapping[str, str]  # quantity -> the slide's text
    deck: str  # e.g. "001"
    file: str  # the deck's file in ../shared/lectures
    slide: str  # which slide(s)
    info: Mapping[str, str]  # context the row prints (year, authors, ...), never checked

    def __getitem__(self, quantity: str) -> str:
        return self.printed[quantity]

    def get(self, quantity: str) -> str | None:
        return self.printed.get(quantity)


@dataclass(frozen=True)
class SlideTable:
    id: str
    deck: str
    slide: str
    rows: tuple[SlideRow, ...]

    def row(self, label: str) -> SlideRow:
        return next(r for r in self.rows if r.label == label)


def read_deck(deck: str) -> dict[str, Any]:
    """One deck file as stored: deck, file, course and its tables."""
    text = resources.files(__package__).joinpath("decks", f"{deck}.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def deck_titles() -> dict[str, str]:
    """Each deck's course, e.g. ``{"001": "GEV6135 Deep Learning for Visual Recognition (2022)", ...}``."""
    return {d: str(read_deck(d)["course"]) for d in DECK_IDS}


def slide_tables() -> dict[str, SlideTable]:
    """Every table the decks print, by table id."""
    found: dict[str, SlideTable] = {}
    files = {d: read_deck(d) for d in DECK_IDS}
    for deck, data in files.items():
        for t in data["tables"]:
            rows = tuple(
                SlideRow(
                    r["row"],
                    dict(r["figures"]),
                    r.get("deck", deck),
                    files[r.get("deck", deck)]["file"],
                    r.get("slide", t["slide"]),
                    dict(r.get("info", {})),
                )
                for r in t["rows"]
            )
            found[t["id"]] = SlideTable(t["id"], deck, t["slide"], rows)
    return found


def slide_table(table_id: str) -> SlideTable:
    return slide_tables()[table_id]


def fmt(x: float) -> str:
    """A number as a reader would write it: thousands separated, at most 4 decimals, no trailing zeros."""
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.4f}".rstrip("0").rstrip(".")


def _round_half_up(x: float, step: float) -> float:
    return math.floor(x / step + 0.5 + 1e-9) * step


def figure(
    quantity: str,
    printed: str,
    count: int | float,
    scale: float = 1,
    *,
    step: float | None = None,
    why: str = "",
) -> Figure:
    """Check a printed figure against ``count`` (a whole count, or a ratio) shown in units of ``scale``.

    ``step`` is the value of the slide's last printed digit (default: read from the printed decimals).
    A printed K, M or G sets ``scale``; a printed x (a ratio) is kept as the unit.
    ``why`` explains a convention or a mistake; the rounding arithmetic is added here.
    """
    text = printed.replace(",", "")
    unit = text.lstrip("0123456789.")
    text = text[: len(text) - len(unit)]
    if unit in _SUFFIX:
        scale = _SUFFIX[unit]
    value = float(text)
    if step is None:
        step = 10.0 ** -(len(text.split(".")[1]) if "." in text else 0)
    exact = count / scale
    differs = abs(exact - value) > step / 2 + 1e-9 * max(1.0, abs(value))
    per = f"{fmt(count)} / {fmt(scale)} = {fmt(exact)}" if scale != 1 else fmt(exact)
    if not differs:
        reason = "" if math.isclose(exact, value) else f"rounding: {per}"
    else:
        rounded = _round_half_up(exact, step)
        exactly = math.isclose(rounded, exact)
        reason = f"ours is {per}, not {printed}" if exactly else f"{per}, which rounds to {fmt(rounded)}, not {printed}"
        if math.isclose(math.floor(exact / step + 1e-9) * step, value):
            reason += " (the slide truncates instead of rounding)"
    reason = "; ".join(p for p in (reason, why) if p)
    return Figure(quantity, printed, exact, count if isinstance(count, int) else None, differs, reason, unit)
