"""The lecture decks' tables, reproduced from the models: each figure as the slide prints it, beside ours.

The decks are in ``../shared/lectures/`` (plain-text extractions; see its README). Only the slide's
printed figures are data here, each with its deck and slide; every *exact* figure is computed from a
traced model. A figure ``differs`` where the printed value cannot come from the exact one at the
slide's own precision (half a unit of its last printed digit), and the reason says why: the slide
truncates instead of rounding, uses another convention (e.g. weights without biases), or is wrong,
with the arithmetic.

The decks' conventions, used throughout: their "flop" is a multiply-add (our MAC); pooling counts one
operation per window element (K x K per output); KB is 1024 bytes and MB 1024 KB; memory is
float32 output elements x 4 bytes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..api import analyze
from ..engine.analysis import Analysis
from ..engine.node import Node
from ..errors import VizcoreError
from ..shapes import Shape
from ..zoo import get_card

KB = 1024
MB = 1024 * 1024
K = 1000
M = 1_000_000
G = 1_000_000_000

Getter = Callable[[str, Shape], Analysis]

DECKS: Mapping[str, str] = {
    "000": "CS195 Computer Vision (2024)",
    "001": "GEV6135 Deep Learning for Visual Recognition (2022)",
    "002": "CNN Architectures: AlexNet, VGG (IIT Hyderabad)",
    "003": "DSCI 565 Modern CNNs",
    "004": "Computer Vision Lecture 12 (UW, 2022)",
}


class UnknownTableError(VizcoreError):
    """A table id that is not one of ours."""


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
            "deck_title": DECKS[self.deck],
            "where": self.where,
            "convention": self.convention,
            "figures": [{"row": r.label, "model": r.model, **f.to_dict()} for r in self.rows for f in r.figures],
            "rows": [{"row": r.label, "model": r.model, **dict(r.info)} for r in self.rows],
        }


def _fmt(x: float) -> str:
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
    per = f"{_fmt(count)} / {_fmt(scale)} = {_fmt(exact)}" if scale != 1 else _fmt(exact)
    if not differs:
        reason = "" if math.isclose(exact, value) else f"rounding: {per}"
    else:
        rounded = _round_half_up(exact, step)
        exactly = math.isclose(rounded, exact)
        reason = (
            f"ours is {per}, not {printed}" if exactly else f"{per}, which rounds to {_fmt(rounded)}, not {printed}"
        )
        if math.isclose(math.floor(exact / step + 1e-9) * step, value):
            reason += " (the slide truncates instead of rounding)"
    reason = "; ".join(p for p in (reason, why) if p)
    return Figure(quantity, printed, exact, count if isinstance(count, int) else None, differs, reason, unit)


_SUFFIX = {"K": K, "M": M, "G": G}


def _getter(get: Getter | None) -> Getter:
    if get is not None:
        return get
    memo: dict[tuple[str, Shape], Analysis] = {}

    def fetch(model: str, shape: Shape) -> Analysis:
        if (model, shape) not in memo:
            memo[(model, shape)] = analyze(model, shape, device="cpu")
        return memo[(model, shape)]

    return fetch


IN224: Shape = (1, 3, 224, 224)
IN227: Shape = (1, 3, 227, 227)


def _layer_flop(node: Node) -> int:
    """The decks' flop: multiply-adds for conv and fc, one op per window element for pooling."""
    return node.macs if node.macs else (node.flops if "Pool" in node.type else 0)


def _per_layer_row(
    a: Analysis,
    label: str,
    name: str,
    printed: tuple[str, str, str, str, str],
    *,
    param_unit: str = "k",
    why: Mapping[str, str] | None = None,
) -> Row:
    """One row of a Johnson-style table: output C, H/W, memory (KB), params (k), flop (M)."""
    why = why or {}
    node = a.layer(name)
    shape = node.output_shape
    figs = [figure("C out", printed[0], shape[1])]
    if printed[1]:
        figs.append(figure("H/W out", printed[1], shape[2]))
    figs += [
        figure("memory (KB)", printed[2], node.output_bytes, KB, why=why.get("memory", "")),
        figure(f"params ({param_unit})", printed[3], node.params, K, why=why.get("params", "")),
    ]
    if printed[4]:
        figs.append(figure("flop (M)", printed[4], _layer_flop(node), M, why=why.get("flop", "")))
    return Row(label, a.model, (("layer", name),), tuple(figs))


# --- deck 001: AlexNet at 227, layer by layer ---------------------------------------------------------

_ALEXNET_227 = (
    ("conv1", "features.0", ("64", "56", "784", "23", "73")),
    ("pool1", "features.2", ("64", "27", "182", "0", "0")),
    ("conv2", "features.3", ("192", "27", "547", "307", "224")),
    ("pool2", "features.5", ("192", "13", "127", "0", "0")),
    ("conv3", "features.6", ("384", "13", "254", "664", "112")),
    ("conv4", "features.8", ("256", "13", "169", "885", "145")),
    ("conv5", "features.10", ("256", "13", "169", "590", "100")),
    ("pool5", "features.12", ("256", "6", "36", "0", "0")),
    ("flatten", "flatten", ("9216", "", "36", "0", "0")),
    ("fc6", "classifier.1", ("4096", "", "16", "37,753", "38")),
    ("fc7", "classifier.4", ("4096", "", "16", "16,781", "17")),
    ("fc8", "classifier.6", ("1000", "", "4", "4,097", "4")),
)


def alexnet_227(get: Getter) -> LectureTable:
    a = get("alexnet", IN227)
    rows = []
    for label, name, printed in _ALEXNET_227:
        why = {}
        if label == "conv4":
            conv = a.layer(name)
            c_in = conv.input_shapes[0][1]
            why["flop"] = (
                f"slide mistake: the row's own sizes give {conv.output_shape[1]} x {conv.output_shape[2]} x "
                f"{conv.output_shape[3]} x ({c_in} x 3 x 3) = {conv.macs:,}; no rounding of that prints 145"
            )
        if label == "flatten":
            why["memory"] = "in PyTorch flatten is a view and allocates nothing new; the slide counts its output"
        if label.startswith("pool"):
            why["flop"] = "pooling counted as K x K operations per output, as the slide does"
        rows.append(_per_layer_row(a, label, name, printed, why=why))
    return LectureTable(
        "alexnet-227",
        "AlexNet layer by layer at 227x227 (memory KB, params k, MFLOP)",
        "001",
        "AlexNet slides, the table built up row by row (conv1 to fc8)",
        "torchvision's AlexNet (64-192-384-256-256 filters) at 3x227x227; flop = multiply-adds; KB = 1024 bytes.",
        tuple(rows),
    )


# --- deck 001 (and 002): AlexNet vs VGG-16 totals -------------------------------------------------------


def _weight_layers(a: Analysis) -> list[Node]:
    return [n for n in a.layers if n.type in ("Conv2d", "Linear")]


def _drawn_memory(a: Analysis, skip: tuple[str, ...] = ()) -> int:
    """The bar charts' memory: outputs of conv and fc layers (no pools, no activations)."""
    return sum(n.output_bytes for n in _weight_layers(a) if n.name not in skip)


# conv3_3 (conv3_2 is the same size): the one VGG-16 layer the deck's per-layer charts leave out
VGG_MISSING = "features.14"


def alexnet_vs_vgg16(get: Getter) -> LectureTable:
    alex, vgg = get("alexnet", IN227), get("vgg16", IN224)
    mem_a, mem_v = _drawn_memory(alex), _drawn_memory(vgg)
    gone = vgg.layer(VGG_MISSING)
    mem_missing = _drawn_memory(vgg, (VGG_MISSING,))
    drop = (
        f"slide mistake: the deck's VGG-16 charts leave out one of the two 256->256 3x3 convs at 56x56 (each "
        f"{gone.output_bytes // KB:,} KB, {gone.params:,} params, {gone.macs:,} MACs)"
    )
    rows = (
        Row(
            "AlexNet",
            "alexnet",
            (),
            (
                figure("memory (MB)", "1.9", mem_a, MB, why="conv and fc outputs, as the bars show (pools left out)"),
                figure("params (M)", "61", alex.totals.params, M),
                figure("GFLOP", "0.7", alex.totals.macs, G),
            ),
        ),
        Row(
            "VGG-16",
            "vgg16",
            (),
            (
                figure(
                    "memory (MB)",
                    "48.6",
                    mem_v,
                    MB,
                    why=f"{drop}: without it {mem_missing:,} / {MB:,} = {mem_missing / MB:.2f}",
                ),
                figure("params (M)", "138", vgg.totals.params, M),
                figure(
                    "GFLOP",
                    "13.6",
                    vgg.totals.macs,
                    G,
                    why=f"{drop}: without it {vgg.totals.macs - gone.macs:,} MACs = {(vgg.totals.macs - gone.macs) / G:.2f} G",
                ),
            ),
        ),
        Row(
            "VGG-16 / AlexNet",
            "",
            (),
            (
                figure(
                    "memory (MB)",
                    "25x",
                    mem_v / mem_a,
                    step=1,
                    why="the slide's ratio of its own (low) totals, 48.6 / 1.9 = 25.6",
                ),
                figure("params (M)", "2.3x", vgg.totals.params / alex.totals.params),
                figure(
                    "GFLOP",
                    "19.4x",
                    vgg.totals.macs / alex.totals.macs,
                    why="the slide divides its rounded totals: 13.6 / 0.7 = 19.4",
                ),
            ),
        ),
    )
    return LectureTable(
        "alexnet-vs-vgg16",
        "AlexNet vs VGG-16: total memory, params and GFLOP",
        "001",
        "'AlexNet vs VGG-16: Much bigger network!' (also deck 002, VGGNet slides)",
        "AlexNet at 227, VGG-16 at 224; memory = conv and fc outputs x 4 bytes, MB = 1024 x 1024 bytes; GFLOP = 10^9 multiply-adds.",
        rows,
    )


# --- deck 001: GoogLeNet's stem, and the VGG-16 stages it replaces ---------------------------------------

_STEM = (
    ("conv 7x7/2", "conv1.conv", ("64", "112", "3136", "9", "118")),
    ("max-pool", "maxpool1", ("64", "56", "784", "0", "2")),
    ("conv 1x1", "conv2.conv", ("64", "56", "784", "4", "13")),
    ("conv 3x3", "conv3.conv", ("192", "56", "2352", "111", "347")),
    ("max-pool", "maxpool2", ("192", "28", "588", "0", "1")),
)


def googlenet_stem(get: Getter) -> LectureTable:
    g = get("googlenet_paper", IN224)
    rows = [_per_layer_row(g, label, name, printed, param_unit="K") for label, name, printed in _STEM]
    return LectureTable(
        "googlenet-stem",
        "GoogLeNet's aggressive stem, layer by layer",
        "001",
        "'GoogLeNet: Aggressive Stem'",
        "googlenet_paper (the paper's layers) at 224; flop = multiply-adds, K x K per pooled output; KB = 1024 bytes.",
        tuple(rows),
    )


def googlenet_stem_totals(get: Getter) -> LectureTable:
    g, vgg = get("googlenet_paper", IN224), get("vgg16", IN224)
    rows = []
    nodes = [g.layer(name) for _, name, _ in _STEM]
    mem, params, flop = (
        sum(n.output_bytes for n in nodes),
        sum(n.params for n in nodes),
        sum(_layer_flop(n) for n in nodes),
    )
    rows.append(
        Row(
            "GoogLeNet stem total",
            g.model,
            (),
            (
                figure("memory (MB)", "7.5", mem, MB),
                figure("params", "124K", params),
                figure(
                    "MFLOP",
                    "418",
                    flop,
                    M,
                    why="slide mistake: its own rows add up to 118 + 2 + 13 + 347 + 1 = 481 (418 has the digits swapped)",
                ),
            ),
        )
    )
    # VGG-16 from 224 down to 28: stages 1 to 3, up to pool3
    stop = next(i for i, n in enumerate(vgg.layers) if n.output_shape[-1] == 28)
    early = [n for n in vgg.layers[:stop] if n.type == "Conv2d"]
    gone = vgg.layer(VGG_MISSING)
    v_mem, v_params, v_macs = (
        sum(n.output_bytes for n in early),
        sum(n.params for n in early),
        sum(n.macs for n in early),
    )
    drop = "slide mistake: the deck's VGG-16 table leaves out one of the two 256->256 3x3 convs at 56x56"
    rows.append(
        Row(
            "VGG-16 to 28x28",
            vgg.model,
            (("layers", f"{len(early)} convs, {early[0].name} to {early[-1].name}"),),
            (
                figure(
                    "memory (MB)",
                    "42.9",
                    v_mem,
                    MB,
                    why=f"{drop}; conv outputs without it: {v_mem - gone.output_bytes:,} / {MB:,} = {(v_mem - gone.output_bytes) / MB:.3f}",
                ),
                figure("params", "1.1M", v_params, why=f"{drop}; without it {v_params - gone.params:,}"),
                figure("MFLOP", "7485", v_macs, M, why=f"{drop}; without it {v_macs - gone.macs:,}"),
            ),
        )
    )
    rows.append(
        Row(
            "VGG-16 / GoogLeNet stem",
            "",
            (),
            (
                figure("memory (MB)", "5.7x", v_mem / mem, why="from the slide's 42.9 / 7.5"),
                figure("params", "8.9x", v_params / params, why="from the slide's 1.1M / 124K"),
                figure("MFLOP", "17.8x", v_macs / flop, why="from the slide's 7485 / 418 (both wrong)"),
            ),
        )
    )
    return LectureTable(
        "googlenet-stem-totals",
        "GoogLeNet's stem from 224 to 28 in total, against VGG-16's",
        "001",
        "'GoogLeNet: Aggressive Stem', 'Total from 224 to 28 spatial resolution' and 'Compare VGG-16'",
        "googlenet_paper and VGG-16 at 224; the stem's memory counts every row of its table (pools too), VGG-16's its "
        "conv outputs; MFLOP = 10^6 multiply-adds; MB = 1024 x 1024 bytes.",
        tuple(rows),
    )


def googlenet_head(get: Getter) -> LectureTable:
    g = get("googlenet_paper", IN224)
    rows = (
        _per_layer_row(g, "avg-pool", "avgpool", ("1024", "1", "4", "0", "0"), param_unit="K"),
        _per_layer_row(
            g,
            "fc",
            "fc",
            ("1000", "", "0", "1025", "1"),
            param_unit="K",
            why={
                "memory": "slide mistake: 1000 outputs x 4 bytes are 3.9 KB, printed as 4 for VGG-16's fc8 on the same slide"
            },
        ),
    )
    return LectureTable(
        "googlenet-head",
        "GoogLeNet's head: global average pooling and one linear layer",
        "001",
        "'GoogLeNet: Global Average Pooling'",
        "googlenet_paper at 224; flop = multiply-adds (7 x 7 per pooled output); KB = 1024 bytes.",
        rows,
    )


def vgg16_head(get: Getter) -> LectureTable:
    v = get("vgg16", IN224)
    no_bias = "a different convention: the slide counts weights only; with the bias add {0:,}"
    rows = []
    for label, name, printed in (
        ("flatten", "flatten", ("25088", "", "98", "", "")),
        ("fc6", "classifier.0", ("4096", "", "16", "102760", "103")),
        ("fc7", "classifier.3", ("4096", "", "16", "16777", "17")),
        ("fc8", "classifier.6", ("1000", "", "4", "4096", "4")),
    ):
        node = v.layer(name)
        figs = [
            figure("C out", printed[0], node.output_shape[1]),
            figure("memory (KB)", printed[2], node.output_bytes, KB),
        ]
        if printed[3]:
            bias = node.output_shape[1]
            figs.append(figure("params (K)", printed[3], node.params, K, why=no_bias.format(bias)))
            figs.append(figure("flop (M)", printed[4], node.macs, M))
        rows.append(Row(label, v.model, (("layer", name),), tuple(figs)))
    return LectureTable(
        "vgg16-head",
        "VGG-16's head, for comparison: three big fc layers",
        "001",
        "'GoogLeNet: Global Average Pooling', 'Compare with VGG-16'",
        "torchvision's VGG-16 at 224; flop = multiply-adds; KB = 1024 bytes.",
        tuple(rows),
    )


def resnet_stem(get: Getter) -> LectureTable:
    r = get("resnet18", IN224)
    rows = (
        _per_layer_row(r, "conv", "conv1", ("64", "112", "3136", "9", "118")),
        _per_layer_row(r, "max-pool", "maxpool", ("64", "56", "784", "0", "2")),
    )
    return LectureTable(
        "resnet-stem",
        "ResNet's stem: the same aggressive downsampling as GoogLeNet",
        "001",
        "'Residual Networks: uses the same aggressive stem as GoogleNet'",
        "torchvision's ResNet-18 at 224 (every ResNet has this stem; its conv has no bias, 9,408 weights); "
        "flop = multiply-adds, K x K per pooled output; KB = 1024 bytes.",
        rows,
    )


# --- deck 004: GoogLeNet's Table 1 (Szegedy et al. 2015) -----------------------------------------------

# Table 1 as printed: params and ops (multiply-adds) per inception module.
GOOGLENET_TABLE1_COSTS: dict[str, tuple[int, int]] = {
    "inception3a": (159_000, 128_000_000),
    "inception3b": (380_000, 304_000_000),
    "inception4a": (364_000, 73_000_000),
    "inception4b": (437_000, 88_000_000),
    "inception4c": (463_000, 100_000_000),
    "inception4d": (580_000, 119_000_000),
    "inception4e": (840_000, 170_000_000),
    "inception5a": (1_072_000, 54_000_000),
    "inception5b": (1_388_000, 71_000_000),
}


# Table 1's output sizes as printed (28x28x256, ...): the channels of each inception module.
TABLE1_CHANNELS: dict[str, int] = {
    "inception3a": 256,
    "inception3b": 480,
    "inception4a": 512,
    "inception4b": 512,
    "inception4c": 512,
    "inception4d": 528,
    "inception4e": 832,
    "inception5a": 832,
    "inception5b": 1024,
}


@dataclass(frozen=True)
class TableRow:
    """One inception module: Table 1 as printed, ``googlenet_paper`` counted, torchvision's variant."""

    module: str
    paper_params: int
    paper_macs: int
    ours_params: int
    ours_macs: int
    torchvision_params: int
    torchvision_macs: int

    @property
    def flagged(self) -> bool:
        """Where the paper's printed number and the count from its own layer sizes differ by over 5%."""
        return (
            abs(self.ours_params - self.paper_params) > 0.05 * self.paper_params
            or abs(self.ours_macs - self.paper_macs) > 0.05 * self.paper_macs
        )


def googlenet_table(paper: Analysis, torchvision: Analysis) -> list[TableRow]:
    """All nine inception modules: Table 1 as printed, ``googlenet_paper`` counted, torchvision's variant."""
    rows = []
    for module, (params, macs) in GOOGLENET_TABLE1_COSTS.items():
        ours, tv = paper.block(module), torchvision.block(module)
        rows.append(TableRow(module, params, macs, ours.params, ours.macs, tv.params, tv.macs))
    return rows


def _weights_only(a: Analysis, names: tuple[str, ...]) -> int:
    """Parameters without biases (each conv/fc's bias is one per output channel)."""
    return sum(a.layer(n).params - a.layer(n).output_shape[1] for n in names)


def googlenet_table1(get: Getter) -> LectureTable:
    g = get("googlenet_paper", IN224)
    rows = []
    conv1, conv2, conv3 = g.layer("conv1.conv"), g.layer("conv2.conv"), g.layer("conv3.conv")
    rows.append(
        Row(
            "convolution 7x7/2",
            g.model,
            (("output", "112x112x64"),),
            (
                figure(
                    "params (K)",
                    "2.7",
                    conv1.params,
                    K,
                    why=f"slide (paper) mistake: 7 x 7 x 3 x 64 = {7 * 7 * 3 * 64:,} weights (+64 biases); 2.7K fits no count of this layer",
                ),
                figure(
                    "ops (M)",
                    "34",
                    conv1.macs,
                    M,
                    why="slide (paper) mistake: 112 x 112 x 64 x (7 x 7 x 3) = 118,013,952; 34M fits no count of this layer",
                ),
            ),
        )
    )
    weights = _weights_only(g, ("conv2.conv", "conv3.conv"))
    rows.append(
        Row(
            "convolution 3x3/1 (1x1 reduce 64, 3x3 192)",
            g.model,
            (("output", "56x56x192"),),
            (
                figure(
                    "params (K)",
                    "112",
                    conv2.params + conv3.params,
                    K,
                    why=f"weights alone are {weights:,}; neither rounds to 112K",
                ),
                figure("ops (M)", "360", conv2.macs + conv3.macs, M),
            ),
        )
    )
    for module, (p_params, p_macs) in GOOGLENET_TABLE1_COSTS.items():
        block = g.block(module)
        convs = tuple(n for n in block.layers if g.layer(n).type == "Conv2d")
        w = _weights_only(g, convs)
        under = 100 * (block.params - p_params) / block.params
        rows.append(
            Row(
                f"inception ({module.removeprefix('inception')})",
                g.model,
                (("output", "x".join(map(str, block.output_shape[2:] + block.output_shape[1:2]))),),
                (
                    figure("output C", str(TABLE1_CHANNELS[module]), block.output_shape[1]),
                    figure(
                        "params (K)",
                        f"{p_params // K}",
                        block.params,
                        K,
                        why=f"weights alone: {w:,}; the printed figure is {under:.1f}% under the count from the "
                        "table's own columns (every module is under; no bias or other convention explains it)",
                    ),
                    figure("ops (M)", f"{p_macs // M}", block.macs, M),
                ),
            )
        )
    fc = g.layer("fc")
    rows.append(
        Row(
            "linear",
            g.model,
            (("output", "1x1x1000"),),
            (
                figure(
                    "params (K)",
                    "1000",
                    fc.params,
                    K,
                    why="weights alone: 1,024,000; the paper rounds to a round 1000K",
                ),
                figure("ops (M)", "1", fc.macs, M),
            ),
        )
    )
    return LectureTable(
        "googlenet-table1",
        "GoogLeNet, Table 1 of the paper: params and ops per layer",
        "004",
        "GoogLeNet slide reproducing Szegedy et al. 2015, Table 1",
        "googlenet_paper, built from Table 1's own columns (5x5 convolutions, biases, no batch norm) at 224; ops = multiply-adds.",
        tuple(rows),
    )


# --- ResNet: the paper's Table 1 (decks 000, 004) and deck 001's stage table -----------------------------

RESNETS = (
    ("ResNet-18", "resnet18", "resnet18", "1.8"),
    ("ResNet-34", "resnet34", "resnet34", "3.6"),
    ("ResNet-50", "resnet50_v1", "resnet50", "3.8"),
    ("ResNet-101", "resnet101_v1", "resnet101", "7.6"),
    ("ResNet-152", "resnet152_v1", "resnet152", "11.3"),
)
V15 = (
    "torchvision's v1.5 moves the stride from the first 1x1 to the 3x3 conv of each downsampling bottleneck: more MACs"
)


def resnet_table1(get: Getter) -> LectureTable:
    rows = []
    for label, v1, v15, printed in RESNETS:
        a, b = get(v1, IN224), get(v15, IN224)
        sizes = [a.layer("conv1").output_shape[-1]] + [a.block(f"layer{i}.0").output_shape[-1] for i in range(1, 5)]
        figs = [
            figure(f"{stage} output", str(s), size)
            for stage, s, size in zip(
                ("conv1", "conv2_x", "conv3_x", "conv4_x", "conv5_x"), (112, 56, 28, 14, 7), sizes, strict=True
            )
        ]
        figs.append(figure("FLOPs (10^9), paper v1", printed, a.totals.macs, G))
        figs.append(
            figure(
                "FLOPs (10^9), torchvision v1.5",
                printed,
                b.totals.macs,
                G,
                why=V15 if v1 != v15 else "basic blocks: v1 and v1.5 are the same network",
            )
        )
        rows.append(Row(label, v1, (), tuple(figs)))
    return LectureTable(
        "resnet-table1",
        "ResNet, Table 1 of the paper: output sizes and FLOPs, 18 to 152 layers",
        "000",
        "'Popular CNN: ResNet' (He et al. Table 1; also deck 004)",
        "The paper's FLOPs are multiply-adds at 224; v1 = resnet{50,101,152}_v1 (stride in the first 1x1), v1.5 = torchvision's.",
        tuple(rows),
    )


_STAGES = {
    "ResNet-18": ("Basic", ((2, 4), (2, 4), (2, 4), (2, 4))),
    "ResNet-34": ("Basic", ((3, 6), (4, 8), (6, 12), (3, 6))),
    "ResNet-50": ("Bottle", ((3, 9), (4, 12), (6, 18), (3, 9))),
    "ResNet-101": ("Bottle", ((3, 9), (4, 12), (23, 69), (3, 9))),
    "ResNet-152": ("Bottle", ((3, 9), (8, 24), (36, 108), (3, 9))),
}


def resnet_stages(get: Getter) -> LectureTable:
    rows = []
    for label, v1, _, printed in RESNETS:
        a = get(v1, IN224)
        kind, stages = _STAGES[label]
        convs = [n for n in a.layers if n.type == "Conv2d"]
        blocks = [b for b in a.blocks if b.kind == "residual"]
        stem = [n for n in convs if not n.name.startswith("layer")]
        figs = [figure("stem layers", "1", len(stem))]
        for i, (n_blocks, n_layers) in enumerate(stages, start=1):
            mine = [b for b in blocks if b.name.startswith(f"layer{i}.")]
            main = sum(sum(a.layer(x).type == "Conv2d" for x in b.main.layers) for b in mine)
            figs.append(figure(f"stage {i} blocks", str(n_blocks), len(mine)))
            figs.append(figure(f"stage {i} layers", str(n_layers), main))
        figs.append(figure("FC layers", "1", sum(n.type == "Linear" for n in a.layers)))
        figs.append(figure("GFLOP", printed, a.totals.macs, G))
        info = (
            ("block type", kind),
            (
                "ImageNet top-5 error (torchvision)",
                {
                    "ResNet-18": "10.92",
                    "ResNet-34": "8.58",
                    "ResNet-50": "7.13",
                    "ResNet-101": "6.44",
                    "ResNet-152": "5.94",
                }[label],
            ),
        )
        rows.append(Row(label, v1, info, tuple(figs)))
    return LectureTable(
        "resnet-stages",
        "ResNet stage by stage: blocks, layers, GFLOP",
        "001",
        "'Residual Networks' table, ResNet-18 to ResNet-152",
        "Layers per stage count the main path's convolutions (projection shortcuts are not layers here, as in the slide); "
        "GFLOP = 10^9 multiply-adds of the paper's v1 at 224. The top-5 errors are torchvision's, as printed: not computed here.",
        tuple(rows),
    )


# --- deck 002: AlexNet's two-GPU parameter and neuron counts --------------------------------------------

_ALEX2012 = (
    ("conv1", "features.conv1", "35", "K", "253,440"),
    ("conv2", "features.conv2", "307", "K", "186,624"),
    ("conv3", "features.conv3", "884", "K", "64,896"),
    ("conv4", "features.conv4", "663", "K", "64,896"),
    ("conv5", "features.conv5", "442", "K", "43,264"),
    ("fc6", "classifier.fc6", "37", "M", "4096"),
    ("fc7", "classifier.fc7", "16", "M", "4096"),
    ("fc8", "classifier.fc8", "4", "M", "1000"),
)


def _elements(node: Node) -> int:
    return math.prod(node.output_shape[1:])


def alexnet_2gpu(get: Getter) -> LectureTable:
    a = get("alexnet2012", IN227)
    rows = []
    for label, name, p, unit, neurons in _ALEX2012:
        node = a.layer(name)
        weights = node.params - node.output_shape[1]
        why_n = ""
        if label == "conv1":
            c, h, w = node.output_shape[1:]
            why_n = f"slide (and paper) mistake: conv1's output is {c} x {h} x {w} = {c * h * w:,}"
        scale = K if unit == "K" else M
        why_p = f"weights alone: {weights:,}"
        if math.floor(weights / scale) == int(p) != math.floor(node.params / scale):
            why_p = f"the slide's formula counts weights only, {weights:,}, and truncates to {p}"
        figs = (
            figure(f"params ({unit})", p, node.params, scale, why=why_p),
            figure("neurons", neurons, _elements(node), why=why_n),
        )
        rows.append(Row(label, a.model, (("layer", name),), figs))
    convs_fcs = [a.layer(n) for _, n, *_ in _ALEX2012]
    total_neurons = sum(_elements(n) for n in convs_fcs)
    fcs = [n for n in convs_fcs if n.type == "Linear"]
    rows.insert(
        0,
        Row(
            "input",
            a.model,
            (("deck", "001 (the paper's Figure 2 caption)"),),
            (
                figure(
                    "neurons",
                    "150,528",
                    math.prod(a.input_shape[1:]),
                    why="the paper's 224 x 224 x 3; its layer sizes need 227 x 227 x 3 (conv1: (227 - 11) / 4 + 1 = 55)",
                ),
            ),
        ),
    )
    rows.append(
        Row(
            "fc layers",
            a.model,
            (),
            (
                figure(
                    "params (M)",
                    "57",
                    sum(n.params for n in fcs),
                    M,
                    why="the sum of the slide's truncated 37 + 16 + 4",
                ),
            ),
        )
    )
    rows.append(
        Row(
            "total",
            a.model,
            (),
            (
                figure("params (M)", "60", a.totals.params, M, why="the paper's 'about 60 million'"),
                figure(
                    "neurons (M)",
                    "0.63",
                    total_neurons,
                    M,
                    why="the paper's 650,000 neurons; with conv1's wrong 253,440 the sum is 0.62 M",
                ),
            ),
        )
    )
    return LectureTable(
        "alexnet-2gpu",
        "AlexNet as trained on two GPUs: parameters and neurons per layer",
        "002",
        "AlexNet, 'About 57 M parameters are in the fully connected layers'",
        "alexnet2012 (96-256-384-384-256 filters, conv2/4/5 split into two groups) at 227; K = 1000, M = 10^6; neurons = output elements.",
        tuple(rows),
    )


# --- deck 004: the architecture recap ------------------------------------------------------------------

_RECAP = (
    ("LeNet", "lenet5", "1998", "Yann LeCun", "", "60 Thousand", K, 10),
    (
        "AlexNet",
        "alexnet2012",
        "2012",
        "Alex Krizhevsky, Geoffrey Hinton and Ilya Sutskever",
        "15.3 %",
        "60 Million",
        M,
        10,
    ),
    ("ZFNet", "zfnet", "2013", "Matthew Zeiler, Rob Fergus", "14.8 %", "", M, 1),
    ("GoogleNet", "googlenet_paper", "2014", "Google", "6.67 %", "4 Million", M, 1),
    ("VGGNet", "vgg16", "2014", "Simonyan, Zisserman", "7.3 %", "138 Million", M, 1),
    ("ResNet", "resnet152_v1", "2015", "Kaiming He", "3.6 %", "", M, 1),
)


def recap(get: Getter) -> LectureTable:
    rows = []
    for label, model, year, authors, error, params, unit, step in _RECAP:
        a = get(model, (1, *get_card(model).input_size))
        info = (("year", year), ("developed by", authors), ("error rate (slide)", error), ("model", model))
        why = ""
        if label == "GoogleNet":
            fc = a.layer("fc").params
            why = (
                f"slide mistake: the paper's layers (no auxiliary heads) have {a.totals.params:,}, "
                f"{a.totals.params - fc:,} without the final fc; no count gives 4 million"
            )
        if label in ("LeNet", "AlexNet"):
            why = "read at one significant figure, as the round number is written"
        figs = (figure("params", params.split()[0], a.totals.params, unit, step=step, why=why),) if params else ()
        rows.append(Row(label, model, info, figs))
    return LectureTable(
        "recap",
        "The architectures at a glance: year, authors, error, parameters",
        "004",
        "Recap table 'Year / CNN / Developed By / Error Rates / No. of Parameters'",
        "Params: LeNet-5 in thousands, the others in millions; ResNet row = ResNet-152 (v1). Error rates are the ILSVRC "
        "top-5 figures as printed: published results, not computed here (see the ILSVRC chart for sources).",
        tuple(rows),
    )


# --- deck 003: the fc layers in numbers -----------------------------------------------------------------


def fc_sizes(get: Getter) -> LectureTable:
    v16, v11 = get("vgg16", IN224), get("vgg11", IN224)
    alex = analyze(d2l_alexnet(), (1, 1, 224, 224), device="cpu")
    d2l6, d2l7 = [n for n in alex.layers if n.type == "Linear"][:2]
    fc6 = v16.layer("classifier.0")
    big = v11.layer("classifier.0")
    g = get("googlenet_paper", IN224)
    five_b = g.block("inception5b")
    rows = (
        Row(
            "d2l AlexNet: flatten",
            "d2l AlexNet (1x224x224)",
            (),
            (figure("features", "6400", d2l6.input_shapes[0][1]),),
        ),
        Row(
            "d2l AlexNet fc6: 6400 x 4096 + 4096",
            "d2l AlexNet (1x224x224)",
            (),
            (figure("params (M)", "26", d2l6.params, M),),
        ),
        Row(
            "d2l AlexNet fc7: 4096 x 4096 + 4096",
            "d2l AlexNet (1x224x224)",
            (),
            (figure("params (M)", "16", d2l7.params, M),),
        ),
        Row(
            "VGG fc6: 25088 x 4096",
            v16.model,
            (),
            (figure("weights (M)", "103", fc6.params - fc6.output_shape[1], M),),
        ),
        Row(
            "VGG-11 fc6 in float32",
            v11.model,
            (),
            (
                figure(
                    "MB (10^6 bytes)",
                    "412",
                    big.params * 4,
                    M,
                    why="the slide multiplies its rounded 103M by 4 bytes",
                ),
            ),
        ),
        Row(
            "GoogLeNet inception (5b), flattened: 384 + 384 + 128 + 128",
            g.model,
            (),
            (figure("features", "1024", sum(b.out_channels for b in five_b.branches)),),
        ),
    )
    return LectureTable(
        "fc-sizes",
        "Why the big fc layers had to go: their sizes",
        "003",
        "AlexNet (slide 7), VGG (slide 12), NiN (slide 14) and GoogLeNet slides",
        "The deck's own AlexNet (Dive into Deep Learning: one input channel at 224) is built here and traced; "
        "params with biases unless the slide's formula leaves them out; ~412MB is decimal megabytes.",
        rows,
    )


def _counts(a: Analysis) -> tuple[int, int]:
    return sum(n.type == "Conv2d" for n in a.layers), sum(n.type == "Linear" for n in a.layers)


def popular_cnns(get: Getter) -> LectureTable:
    rows = []
    for label, model, conv, linear, params, step in (
        ("AlexNet", "alexnet", "5", "3", "60,000,000", 10 * M),
        ("VGG-16", "vgg16", "13", "3", "140,000,000", 10 * M),
        ("VGG-19", "vgg19", "16", "3", "", 0),
    ):
        a = get(model, IN224)
        n_conv, n_linear = _counts(a)
        figs = [figure("conv layers", conv, n_conv), figure("linear layers", linear, n_linear)]
        if params:
            figs.append(
                figure(
                    "params",
                    params,
                    a.totals.params,
                    step=step,
                    why="a round figure ('approximately'), read to its first nonzero digits",
                )
            )
        rows.append(Row(label, model, (), tuple(figs)))
    return LectureTable(
        "popular-cnns",
        "AlexNet, VGG-16, VGG-19: layers and parameters",
        "000",
        "'Popular CNN: AlexNet' and 'Popular CNN: VGG-16'",
        "torchvision's models at 224; params with biases.",
        tuple(rows),
    )


def architecture_notes(get: Getter) -> LectureTable:
    rows = []
    for label, model, printed, step, why in (
        ("AlexNet", "alexnet2012", "60", 10, "read to one significant figure, as written"),
        (
            "ZFNet: 'Number of params same as AlexNet: 60MM'",
            "zfnet",
            "60",
            10,
            "read to one significant figure, as written",
        ),
        ("VGGNet: 'with 140 MM params'", "vgg16", "140", 10, "read to two significant figures, as written"),
        ("VGGNet: 'Number of params: 138MM'", "vgg16", "138", 1, ""),
        ("GoogLeNet: '60 MM → 4 MM params'", "googlenet_paper", "4", 1, "slide mistake: the paper's layers have 7.0 M"),
    ):
        a = get(model, (1, *get_card(model).input_size))
        rows.append(Row(label, model, (), (figure("params (M)", printed, a.totals.params, M, step=step, why=why),)))
    return LectureTable(
        "architecture-notes",
        "Parameter counts quoted on the architecture slides",
        "004",
        "'Arch / Year / Mention / Speciality' table and the ZFNet, VGGNet and GoogLeNet slides",
        "MM = million; params with biases; AlexNet = the paper's two-GPU network, GoogLeNet = the paper's layers.",
        tuple(rows),
    )


def d2l_alexnet() -> Any:
    """The DSCI 565 deck's AlexNet (Dive into Deep Learning): one input channel at 224, so 6400 features."""
    from torch import nn

    return nn.Sequential(
        nn.Conv2d(1, 96, 11, 4, 1), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(96, 256, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Flatten(),
        nn.Linear(6400, 4096), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(4096, 10),
    )  # fmt: skip


def cifar_resnet(n: int) -> Any:
    """He et al.'s CIFAR-10 ResNet with 6n + 2 layers: 16, 32, 64 channels, parameter-free shortcuts
    (option A: subsample, and zero-pad the new channels)."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    class Block(nn.Module):
        def __init__(self, c_in: int, c_out: int, stride: int) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(c_out)
            self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(c_out)
            self.pad = c_out - c_in

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
            if self.pad:
                x = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad // 2, self.pad // 2))
            return F.relu(out + x)

    layers: list[nn.Module] = [nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()]
    c_in = 16
    for c_out in (16, 32, 64):
        for i in range(n):
            layers.append(Block(c_in, c_out, 2 if (i == 0 and c_out != c_in) else 1))
            c_in = c_out
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10)]
    return nn.Sequential(*layers)


def cifar_resnets(get: Getter) -> LectureTable:
    rows = []
    for depth, printed in ((20, "0.27"), (32, "0.46"), (44, "0.66"), (56, "0.85"), (110, "1.7"), (1202, "19.4")):
        a = analyze(cifar_resnet((depth - 2) // 6), (1, 3, 32, 32), device="cpu")
        convs, fcs = _counts(a)
        rows.append(
            Row(
                f"ResNet-{depth}",
                f"CIFAR ResNet, n = {(depth - 2) // 6}",
                (),
                (
                    figure("# layers", str(depth), convs + fcs),
                    figure("# params (M)", printed, a.totals.params, M, why="batch-norm scales and shifts included"),
                ),
            )
        )
    return LectureTable(
        "cifar-resnets",
        "ResNets on CIFAR-10: layers and parameters (He et al. Table 6)",
        "004",
        "ResNet slides, the CIFAR-10 table ('# layers', '# params')",
        "Built here from the paper's recipe (6n + 2 layers of 16/32/64 channels, parameter-free shortcuts) at "
        "3x32x32 and traced; layers = convolutions + the fc layer.",
        tuple(rows),
    )


# --- the registry ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    id: str
    title: str
    deck: str
    build: Callable[[Getter], LectureTable] = field(repr=False)


_ENTRIES = (
    _Entry("alexnet-227", "AlexNet layer by layer at 227x227 (memory KB, params k, MFLOP)", "001", alexnet_227),
    _Entry("alexnet-vs-vgg16", "AlexNet vs VGG-16: total memory, params and GFLOP", "001", alexnet_vs_vgg16),
    _Entry("googlenet-stem", "GoogLeNet's aggressive stem, layer by layer", "001", googlenet_stem),
    _Entry(
        "googlenet-stem-totals",
        "GoogLeNet's stem from 224 to 28 in total, against VGG-16's",
        "001",
        googlenet_stem_totals,
    ),
    _Entry("googlenet-head", "GoogLeNet's head: global average pooling and one linear layer", "001", googlenet_head),
    _Entry("vgg16-head", "VGG-16's head, for comparison: three big fc layers", "001", vgg16_head),
    _Entry("resnet-stem", "ResNet's stem: the same aggressive downsampling as GoogLeNet", "001", resnet_stem),
    _Entry("resnet-stages", "ResNet stage by stage: blocks, layers, GFLOP", "001", resnet_stages),
    _Entry("resnet-table1", "ResNet, Table 1 of the paper: output sizes and FLOPs", "000", resnet_table1),
    _Entry("alexnet-2gpu", "AlexNet as trained on two GPUs: parameters and neurons per layer", "002", alexnet_2gpu),
    _Entry("popular-cnns", "AlexNet, VGG-16, VGG-19: layers and parameters", "000", popular_cnns),
    _Entry("fc-sizes", "Why the big fc layers had to go: their sizes", "003", fc_sizes),
    _Entry("googlenet-table1", "GoogLeNet, Table 1 of the paper: params and ops per layer", "004", googlenet_table1),
    _Entry("recap", "The architectures at a glance: year, authors, error, parameters", "004", recap),
    _Entry("cifar-resnets", "ResNets on CIFAR-10: layers and parameters (He et al. Table 6)", "004", cifar_resnets),
    _Entry("architecture-notes", "Parameter counts quoted on the architecture slides", "004", architecture_notes),
)


def list_tables() -> list[tuple[str, str, str]]:
    """(id, title, deck) of every table, in deck order."""
    return [(e.id, e.title, e.deck) for e in _ENTRIES]


def table_ids() -> list[str]:
    return [e.id for e in _ENTRIES]


def check_table_id(table_id: str) -> str:
    if table_id not in table_ids():
        raise UnknownTableError(f"there is no lecture table {table_id!r}; the tables are: {', '.join(table_ids())}.")
    return table_id


def lecture_table(table_id: str, get: Getter | None = None) -> LectureTable:
    """Build one table; ``get(model, shape)`` supplies analyses (pass a cached one in an app)."""
    check_table_id(table_id)
    entry = next(e for e in _ENTRIES if e.id == table_id)
    return entry.build(_getter(get))


# --- output formats (the CLI's --format, the page's downloads) ------------------------------------------


def cell(f: Figure) -> str:
    """``slide`` where ours agrees to the slide's precision and prints the same, else ``slide → exact``."""
    exact = _fmt(f.exact) + f.unit
    same = exact.replace(",", "") == f.slide.replace(",", "")
    return f.slide if same else f"{f.slide} → {exact}"


def _grid(t: LectureTable) -> tuple[list[str], list[list[str]], list[str]]:
    """Header, rows of cells (flagged ones end in a [n] footnote mark), and the footnotes."""
    header = ["row", *t.info_columns, *t.quantities]
    notes: list[str] = []
    body = []
    for r in t.rows:
        info = dict(r.info)
        cells = [r.label, *(info.get(c, "") for c in t.info_columns)]
        by_q = {f.quantity: f for f in r.figures}
        for q in t.quantities:
            f = by_q.get(q)
            if f is None:
                cells.append("")
                continue
            text = cell(f)
            if f.differs:
                notes.append(f"[{len(notes) + 1}] {r.label}, {q}: {f.reason}")
                text += f" [{len(notes)}]"
            cells.append(text)
        body.append(cells)
    return header, body, notes


def _heading(t: LectureTable) -> str:
    return f"{t.title} — deck {t.deck} ({DECKS[t.deck]}), {t.where}"


def as_text(t: LectureTable) -> str:
    header, body, notes = _grid(t)
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = [_heading(t), t.convention, ""]
    for row in [header, *body]:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if row is header:
            lines.append("  ".join("-" * w for w in widths))
    lines += [
        "",
        "Slide figure → exact figure where they differ in print; [n] marks a figure the slide cannot get by rounding:",
    ]
    return "\n".join(lines + (notes or ["(none)"])) + "\n"


def as_markdown(t: LectureTable) -> str:
    header, body, notes = _grid(t)
    lines = [f"**{_heading(t)}**", "", t.convention, "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in body]
    return "\n".join(lines + [""] + [f"{n}  " for n in notes]) + "\n"


def _tex(text: str) -> str:
    for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("#", r"\#"), ("_", r"\_"), ("→", r"$\to$")):
        text = text.replace(a, b)
    return text


def as_latex(t: LectureTable) -> str:
    header, body, notes = _grid(t)
    lines = [
        f"% {_tex(_heading(t))}",
        r"\begin{tabular}{l" + "r" * (len(header) - 1) + "}",
        r"\hline",
        " & ".join(_tex(h) for h in header) + r" \\",
        r"\hline",
    ]
    for row in body:
        lines.append(" & ".join(r"\textbf{" + _tex(c) + "}" if c.endswith("]") else _tex(c) for c in row) + r" \\")
    lines += [r"\hline", r"\end{tabular}"]
    return "\n".join(lines + [f"% {_tex(n)}" for n in notes]) + "\n"


def as_csv(t: LectureTable) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["table", "row", "model", "quantity", "slide", "exact", "count", "differs", "reason"])
    for r in t.rows:
        for f in r.figures:
            writer.writerow(
                [
                    t.id,
                    r.label,
                    r.model,
                    f.quantity,
                    f.slide,
                    repr(f.exact),
                    f.count if f.count is not None else "",
                    f.differs,
                    f.reason,
                ]
            )
    return out.getvalue()


def as_json(t: LectureTable) -> str:
    import json

    return json.dumps(t.to_dict(), indent=2) + "\n"


FORMATS: Mapping[str, Callable[[LectureTable], str]] = {
    "table": as_text,
    "json": as_json,
    "csv": as_csv,
    "markdown": as_markdown,
    "latex": as_latex,
}


def tables_index() -> str:
    """What ``python -m vizcore lecture`` prints: id, deck and title of every table."""
    width = max(len(i) for i in table_ids())
    return "\n".join(f"{i:<{width}}  deck {d}  {title}" for i, title, d in list_tables()) + "\n"


def as_html(t: LectureTable) -> str:
    """A plain HTML table for the app: flagged cells marked, their reason on hover (``title``)."""
    import html

    header = ["row", *t.info_columns, *t.quantities]
    out = [HTML_STYLE, '<table class="lecture-table"><thead><tr>']
    out += [f"<th>{html.escape(h)}</th>" for h in header]
    out.append("</tr></thead><tbody>")
    n = 0
    for r in t.rows:
        info = dict(r.info)
        out.append("<tr>" + f"<td>{html.escape(r.label)}</td>")
        out += [f"<td>{html.escape(info.get(c, ''))}</td>" for c in t.info_columns]
        by_q = {f.quantity: f for f in r.figures}
        for q in t.quantities:
            f = by_q.get(q)
            if f is None:
                out.append("<td></td>")
            elif f.differs:
                n += 1
                out.append(
                    f'<td class="differs" title="{html.escape(f.reason)}">{html.escape(cell(f))} <sup>[{n}]</sup></td>'
                )
            else:
                title = f' title="{html.escape(f.reason)}"' if f.reason else ""
                out.append(f"<td{title}>{html.escape(cell(f))}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


HTML_STYLE = """
<style>
table.lecture-table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
table.lecture-table th, table.lecture-table td { border-bottom: 1px solid rgba(128,128,128,.35); padding: .2rem .6rem; text-align: right; }
table.lecture-table th:first-child, table.lecture-table td:first-child { text-align: left; }
table.lecture-table td.differs { background: #ffd40055; font-weight: 700; cursor: help; }
</style>
"""
