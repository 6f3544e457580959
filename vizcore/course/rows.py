"""A lecture table as records (rows of checked figures), and what every table builder shares."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..engine.analysis import Analysis
from ..engine.node import Node
from ..shapes import Shape
from .checker import Figure, K, M, SlideRow, figure, read_deck

KB = 1024
MB = 1024 * 1024

Getter = Callable[[str, Shape], Analysis]

IN224: Shape = (1, 3, 224, 224)
IN227: Shape = (1, 3, 227, 227)


@dataclass(frozen=True)
class Row:
    label: str
    model: str  # the zoo model the figures come from ("" for a ratio row)
    info: tuple[tuple[str, str], ...]  # context columns as printed (year, authors, ...), never checked
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class LectureTable:
    id: str
    title: str
    deck: str  # file prefix in ../shared/lectures, e.g. "001"
    where: str  # which slide(s)
    convention: str
    rows: tuple[Row, ...]

    @property
    def quantities(self) -> list[str]:
        seen: list[str] = []
        for row in self.rows:
            seen += [f.quantity for f in row.figures if f.quantity not in seen]
        return seen

    @property
    def info_columns(self) -> list[str]:
        seen: list[str] = []
        for row in self.rows:
            seen += [c for c, _ in row.info if c not in seen]
        return seen

    @property
    def flagged(self) -> list[tuple[Row, Figure]]:
        return [(r, f) for r in self.rows for f in r.figures if f.differs]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "deck": self.deck,
            "deck_title": read_deck(self.deck)["course"],
            "where": self.where,
            "convention": self.convention,
            "figures": [{"row": r.label, "model": r.model, **f.to_dict()} for r in self.rows for f in r.figures],
            "rows": [{"row": r.label, "model": r.model, **dict(r.info)} for r in self.rows],
        }


def layer_flop(node: Node) -> int:
    """The decks' flop: multiply-adds for conv and fc, one op per window element for pooling."""
    return node.macs if node.macs else (node.flops if "Pool" in node.type else 0)


def per_layer_row(
    a: Analysis,
    name: str,
    printed: SlideRow,
    *,
    param_unit: str = "k",
    why: Mapping[str, str] | None = None,
) -> Row:
    """One row of a Johnson-style table: output C, H/W, memory (KB), params (k), flop (M)."""
    why = why or {}
    node = a.layer(name)
    shape = node.output_shape
    figs = [figure("C out", printed["C out"], shape[1])]
    hw = printed.get("H/W out")
    if hw is not None:
        figs.append(figure("H/W out", hw, shape[2]))
    params = f"params ({param_unit})"
    figs += [
        figure("memory (KB)", printed["memory (KB)"], node.output_bytes, KB, why=why.get("memory", "")),
        figure(params, printed[params], node.params, K, why=why.get("params", "")),
    ]
    flop = printed.get("flop (M)")
    if flop is not None:
        figs.append(figure("flop (M)", flop, layer_flop(node), M, why=why.get("flop", "")))
    return Row(printed.label, a.model, (("layer", name),), tuple(figs))


def weight_layers(a: Analysis) -> list[Node]:
    return [n for n in a.layers if n.type in ("Conv2d", "Linear")]


def conv_and_linear_counts(a: Analysis) -> tuple[int, int]:
    return sum(n.type == "Conv2d" for n in a.layers), sum(n.type == "Linear" for n in a.layers)


def elements(node: Node) -> int:
    return math.prod(node.output_shape[1:])
