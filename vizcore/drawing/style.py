"""Every colour, font and size vizcore draws with, as data: the layer graph and block diagrams
(Graphviz), the cost charts (plotly) and the papers' figures (SVG) all read these tables, so a box
for a convolution is the same blue everywhere. Two small colour functions (``tint``, ``shade``) make
the lighter and darker versions the drawers need."""

from __future__ import annotations

from collections.abc import Mapping

# One colour per kind of layer (torchview keeps node2color the same way): a box's outline, a bar.
CATEGORY_COLORS: Mapping[str, str] = {
    "input": "#2ca02c",
    "output": "#2ca02c",
    "conv": "#1f77b4",
    "linear": "#9467bd",
    "norm": "#17becf",
    "activation": "#ff7f0e",
    "pool": "#8c564b",
    "add": "#d62728",
    "concat": "#e377c2",
    "attention": "#bcbd22",
    "reshape": "#7f7f7f",
    "block": "#4c566a",
    "other": "#aaaaaa",
}
FILL_TINT = 0.78  # a box's fill: its category colour this far towards white, so dark text reads

# The papers' figures: box fills by layer kind, paler than the graph's so black labels read on a projector.
PAPER_FILLS: Mapping[str, str] = {
    "input": "#e8f5e9",
    "conv": "#dbe9f6",
    "pool": "#efe3da",
    "linear": "#e9e1f3",
    "concat": "#f9e1ef",
    "block": "#e6e8ec",
    "attention": "#f2f2d5",
    "other": "#eeeeee",
}

# The papers' figures: every size (SVG px), font and colour.
PAPER: Mapping[str, float | str] = {
    "font": "Helvetica, Arial, sans-serif",
    "font_size": 15,
    "small_font": 13,
    "title_font": 20,
    "box_w": 210,
    "box_h": 28,
    "box_gap": 9,
    "band_gap": 16,
    "column_gap": 70,
    "arc": 34,  # how far a shortcut bulges beside its column
    "margin": 24,
    "size_col": 130,  # the left margin where "output size: 56" is written
    "stroke": "#333333",
    "text": "#111111",
    "muted": "#666666",
    "background": "#ffffff",
    "cluster": "#8a8a8a",
    "band_line": "#cccccc",
    "volume_max_h": 190,  # the input's height in a volume diagram
    "volume_gap": 34,
    "kernel": "#d62728",
}

# How a drawing runs (Graphviz's rankdir): top to bottom, as the papers draw; left to right; or folded:
# a long chain cut into rows that run left to right, one under another, to fill a 16:9 screen.
ORIENTATIONS: Mapping[str, str] = {"vertical": "TB", "horizontal": "LR", "folded": "LR"}

# Graphviz drawings (the layer graph, block diagrams, the tour's chains): fonts and sizes in points.
FONT = "Helvetica"
GRAPH_LABEL_PT = 18  # a layer graph box's label: 16 px or more on a 1080p projector when fitted
GRAPH_SHAPE_PT = 13  # its output shape, and a cluster's name
DIAGRAM_PT = 12  # a block diagram's default text
DIAGRAM_LABEL_PT = 14  # a block diagram box's label
DIAGRAM_SMALL_PT = 10  # its layer name, what is folded in, its shape
TEXT = "#111111"
TEXT_ON_DARK = "#ffffff"
EDGE = "#555555"
EDGE_MUTED = "#777777"
OUTLINE = "#333333"  # a box's outline when its fill shows a cost
CLUSTER = "#999999"  # a block diagram's branch outline
GRAPH_CLUSTER = "#888888"  # a layer graph's branch module outline
FRAME = "#dddddd"  # the frame around one model when several are drawn side by side
HIGHLIGHT = "#ffd400"  # the layer being stepped through
BOTTLENECK = "#f4a6a6"  # a 1x1 reduction in a branch diagram
SHORTCUT = CATEGORY_COLORS["add"]
CUMULATIVE = "#d62728"  # a cost chart's running-share line
VIRIDIS = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")  # colouring by cost

# What changed between two networks (vizcore.diff): a box's fill and outline by its change. Added green and
# removed red, as every diff tool draws them; changed amber; parts the same stay grey so the changes stand out.
DIFF_FILLS: Mapping[str, str] = {"same": "#f0f0f0", "changed": "#fdd9a0", "added": "#c7e9c0", "removed": "#fcbba1"}
DIFF_LINES: Mapping[str, str] = {"same": "#9a9a9a", "changed": "#d98200", "added": "#238b45", "removed": "#cb181d"}
DIFF_MARKS: Mapping[str, str] = {"same": "=", "changed": "~", "added": "+", "removed": "-"}

# The tour's chains of a plain CNN: fills by layer type.
CHAIN_FILLS: Mapping[str, str] = {"input": "#d9f0d3", "Conv2d": "#9ecae1", "Linear": "#fdae6b", "other": "#e0e0e0"}
CHAIN_FRAME = "#cccccc"


def tint(color: str, amount: float) -> str:
    """``color`` mixed with white: light fills keep dark text readable on a projector."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c + (255 - c) * amount):02x}" for c in (r, g, b))


def shade(color: str, factor: float) -> str:
    """``color`` darkened (``factor`` below 1): the top and side faces of a volume."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{max(0, min(255, round(c * factor))):02x}" for c in (r, g, b))


def fill_for(category: str) -> str:
    """A box's fill in a Graphviz drawing: its category colour, tinted."""
    return tint(CATEGORY_COLORS.get(category, CATEGORY_COLORS["other"]), FILL_TINT)


def paper(key: str) -> float:
    """A size from ``PAPER``."""
    value = PAPER[key]
    assert isinstance(value, (int, float))
    return float(value)


def paper_color(key: str) -> str:
    """A colour or font from ``PAPER``."""
    return str(PAPER[key])
