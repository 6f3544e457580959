"""The papers' column figures, generated from any traced model, as standalone SVG.

- ``columns_svg``: ResNet's Figure 3. Models side by side as vertical columns of labelled boxes, aligned by
  output size (one band per size, "output size: 56" written between bands), shortcuts as arcs beside
  the column: solid for identity, dotted for projection (the projection's 1x1 convolution is the
  dotted arc, not a box, as in the paper).
- ``network_svg``: GoogLeNet's long figure. The whole network top to bottom, branch modules (inception,
  fire, ...) as outlined clusters with their branches side by side, residual shortcuts as in Figure 3.

The layouts are fixed geometry, not a graph-layout engine: these figures are rows and columns by
construction (bands of equal output size must line up across models), which a general layered layout
would not guarantee. Pure functions from Analyses to SVG text; what they draw comes from
paper_boxes.py, sizes and colours from style.PAPER. LeNet-5's and AlexNet's volumes are in volumes.py.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from html import escape

from ..engine.analysis import Analysis
from .folding import SLIDE, fold
from .paper_boxes import Box, Column, column, size_band
from .style import PAPER_FILLS, paper, paper_color
from .svg import Svg, fit_size


def _band_text(band: tuple[int, int]) -> str:
    return f"output size: {band[0]}" if band[0] == band[1] else f"output size: {band[0]}x{band[1]}"


def columns_svg(analyses: Sequence[Analysis], orientation: str = "vertical") -> str:
    """ResNet's Figure 3 for any models: one column each, aligned by output size."""
    return _columns([column(a) for a in analyses], "columns: " + ", ".join(a.model for a in analyses), orientation)


def _cluster_size(box: Box) -> tuple[float, float]:
    """Width and height of a branch module drawn as a cluster: title, branches side by side, concat."""
    pitch = paper("box_h") + paper("box_gap")
    longest = max((len(b) for b in box.branches), default=0)
    width = len(box.branches) * (_cluster_box_w() + 12) + 12
    return max(width, paper("box_w") + 24), 34 + max(longest, 1) * pitch + pitch + 6


def _cluster_box_w() -> float:
    return paper("box_w") * 0.78


def _columns(columns: Sequence[Column], label: str, orientation: str = "vertical") -> str:
    svg = Svg()
    m, bw, bh, gap = paper("margin"), paper("box_w"), paper("box_h"), paper("box_gap")
    # one band per output size, largest first; a column never goes back up a band
    sizes = sorted({size_band(b.shape) for c in columns for b in c.boxes}, key=lambda s: -(s[0] * s[1]))
    rank = {s: k for k, s in enumerate(sizes)}
    placed: list[list[int]] = []
    for col in columns:
        bands, current = [], 0
        for box in col.boxes:
            current = max(current, rank[size_band(box.shape)])
            bands.append(current)
        placed.append(bands)
    band_h = []
    for k in range(len(sizes)):
        tallest = 0.0
        for col, bands in zip(columns, placed, strict=True):
            tallest = max(
                tallest, sum(_item_height(b) + gap for b, band in zip(col.boxes, bands, strict=True) if band == k)
            )
        band_h.append(tallest)
    widths = [max([bw, *(_item_width(b) for b in c.boxes)]) + paper("arc") + 20 for c in columns]
    panel_w = paper("size_col") + sum(widths) + paper("column_gap") * (len(columns) - 1)
    panel = _panels(band_h, panel_w) if orientation == "folded" else [0] * len(sizes)
    shift = [p * (panel_w + paper("column_gap")) for p in range(max(panel, default=0) + 1)]  # each panel's x
    top = m + paper("title_font") + 24
    band_top: list[float] = []
    for k in range(len(band_h)):
        y = top if not k or panel[k] != panel[k - 1] else band_top[-1] + band_h[k - 1] + paper("band_gap")
        band_top.append(y)
    x0 = m + paper("size_col")
    centers = []
    for w in widths:
        centers.append(x0 + w / 2 - (paper("arc") + 20) / 2)
        x0 += w + paper("column_gap")
    right = x0 - paper("column_gap")
    # the output sizes, written between bands, with a faint line across
    for k, size in enumerate(sizes):
        if band_h[k] == 0:
            continue
        y, dx = band_top[k] - paper("band_gap") / 2, shift[panel[k]]
        if k and panel[k] == panel[k - 1]:
            svg.line(m + dx, y, right + dx, y, cls="band", arrow=False, color=paper_color("band_line"))
        svg.text(
            m + dx,
            band_top[k] + paper("small_font"),
            _band_text(size),
            paper("small_font"),
            "start",
            "size",
            color=paper_color("muted"),
        )
    for col, bands, center in zip(columns, placed, centers, strict=True):
        svg.parts.append(f'<g class="column" data-model="{escape(col.model)}">')
        for dx in shift:
            svg.text(center + dx, m + paper("title_font"), col.title, paper("title_font"), cls="title", weight="bold")
        fill = dict(enumerate(band_top))
        spans: list[tuple[float, float, float]] = []  # each box's top, bottom and centre line
        for box, band in zip(col.boxes, bands, strict=True):
            y, cx = fill[band], center + shift[panel[band]]
            h = _item_height(box)
            fill[band] = y + h + gap
            if box.branches:
                _draw_cluster(svg, box, cx, y)
            else:
                _draw_box(svg, box, cx - bw / 2, y, bw, bh)
            spans.append((y, y + h, cx))
        for (_, bottom, cx), (top_next, _, cx_next) in itertools.pairwise(spans):
            if cx == cx_next:
                svg.line(cx, bottom, cx, top_next - 1, cls="flow")
            else:  # the column goes on in the next panel: an arrow out of this one, and one in there
                svg.line(cx, bottom, cx, bottom + paper("band_gap"), cls="flow continued")
                svg.line(cx_next, top_next - paper("band_gap"), cx_next, top_next - 1, cls="flow continued")
        for arc in col.arcs:
            # from the junction above the block's first box, out beside the column, back in below its last
            y1 = spans[arc.first][0] - gap / 2
            y2 = spans[arc.last][1] + gap / 2
            cx = spans[arc.first][2]
            out, r = cx + bw / 2 + paper("arc"), 10.0
            svg.reach(out + 2, y2)
            svg.path(
                f"M{cx:.1f},{y1:.1f} H{out - r:.1f} Q{out:.1f},{y1:.1f} {out:.1f},{y1 + r:.1f} V{y2 - r:.1f} "
                f"Q{out:.1f},{y2:.1f} {out - r:.1f},{y2:.1f} H{cx + 4:.1f}",
                cls=f"shortcut {arc.shortcut}",
                dash="6 4" if arc.shortcut == "projection" else "",
            )
        svg.parts.append("</g>")
    return svg.document(label, orientation)


def _panels(band_h: Sequence[float], panel_w: float) -> list[int]:
    """Which panel each band goes in when a tall figure is folded to fill a 16:9 screen: the bands cut
    into side-by-side panels of about equal height (never inside a band, so sizes still line up), as
    many as draw the figure largest."""
    chain = [(k, k + 1) for k in range(len(band_h) - 1)]
    best, chosen = 0.0, [0] * len(band_h)
    for count in range(1, 5):
        panel = list(fold(band_h, chain, count))
        tallest = max(sum(h for h, p in zip(band_h, panel, strict=True) if p == q) for q in set(panel))
        wide = (max(panel) + 1) * panel_w
        scale = min(SLIDE[0] / wide, SLIDE[1] / tallest)
        if scale > best:
            best, chosen = scale, panel
    return chosen


def _item_height(box: Box) -> float:
    if box.branches:
        return _cluster_size(box)[1]
    return paper("box_h")


def _item_width(box: Box) -> float:
    if box.branches:
        return _cluster_size(box)[0]
    return paper("box_w")


def _draw_box(svg: Svg, box: Box, x: float, y: float, w: float, h: float) -> None:
    svg.rect(x, y, w, h, PAPER_FILLS.get(box.kind, PAPER_FILLS["other"]), cls=f"box {box.kind}")
    size = fit_size(box.label, paper("font_size"), w)
    svg.text(x + w / 2, y + h / 2 + size * 0.35, box.label, size, cls="label")


def _draw_cluster(svg: Svg, box: Box, cx: float, y: float) -> None:
    """A branch module: an outlined cluster named after the module, its branches side by side (each a
    column of boxes fed from the cluster's top), meeting in one concatenation box at the bottom."""
    width, height = _cluster_size(box)
    bw, bh, gap = _cluster_box_w(), paper("box_h"), paper("box_gap")
    left = cx - width / 2
    svg.rect(left, y, width, height, "none", cls="cluster", rx=10, dash=True)
    name = box.block.name if box.block else ""
    svg.text(
        left + 10,
        y + 18,
        name,
        paper("small_font"),
        "start",
        "cluster-title",
        weight="bold",
        color=paper_color("muted"),
    )
    concat_y = y + height - bh - 6
    n = len(box.branches)
    total = n * (bw + 12) - 12
    for k, branch in enumerate(box.branches):
        bx = cx - total / 2 + k * (bw + 12)
        by = y + 30
        svg.line(cx, y, bx + bw / 2, by - 1, cls="flow", arrow=False)
        for item in branch:
            _draw_box(svg, item, bx, by, bw, bh)
            by += bh + gap
            if item is not branch[-1]:
                svg.line(bx + bw / 2, by - gap, bx + bw / 2, by - 1, cls="flow")
        low = concat_y - 12
        svg.line(bx + bw / 2, by - gap if branch else by, bx + bw / 2, low, cls="flow", arrow=False)
        svg.line(bx + bw / 2, low, cx, concat_y - 1, cls="flow")
    channels = box.shape[1] if len(box.shape) > 1 else 0
    _draw_box(
        svg, Box(f"concat, {channels}", box.shape, "concat"), cx - paper("box_w") / 2, concat_y, paper("box_w"), bh
    )


def network_svg(analyses: Sequence[Analysis], orientation: str = "vertical") -> str:
    """GoogLeNet's long figure for any models: every drawn layer top to bottom, branch modules as
    clusters, residual shortcuts beside the column; several models stand side by side."""
    return _columns(
        [column(a, clusters=True) for a in analyses], "network: " + ", ".join(a.model for a in analyses), orientation
    )
