"""The papers' own figures, generated from any traced model, as standalone SVG (and PNG/PDF for slides).

- ``columns_svg``: ResNet's Figure 3. Models side by side as vertical columns of labelled boxes, aligned by
  output size (one band per size, "output size: 56" written between bands), shortcuts as arcs beside
  the column: solid for identity, dotted for projection (the projection's 1x1 convolution is the
  dotted arc, not a box, as in the paper).
- ``volumes_svg``: LeNet-5's Figure 2 and AlexNet's Figure 2. Each output as a 3-D box, height and depth
  by H and W (square-root scale), thickness by channels (log scale, so 6 and 512 both read), kernels as
  small squares on the input they slide over, sizes written ``55x55x64``. A deep model gets one box per
  stage (a run of layers at one spatial size).
- ``network_svg``: GoogLeNet's long figure. The whole network top to bottom, branch modules (inception,
  fire, ...) as outlined clusters with their branches side by side, residual shortcuts as in Figure 3.

The layouts are fixed geometry, not a graph-layout engine: these figures are rows and columns by
construction (bands of equal output size must line up across models), which a general layered layout
would not guarantee. Pure functions from Analyses to SVG text; styles live in ``STYLE``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from html import escape

from ..engine.analysis import Analysis
from ..engine.blocks import Block
from ..engine.node import Node
from ..errors import VizcoreError
from ..shapes import Shape, format_shape
from .graphview import category

# Every size, font and colour of these figures, as data.
STYLE: Mapping[str, float | str] = {
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
    "volume_max_h": 190,  # the input's height in a volume diagram
    "volume_gap": 34,
    "kernel": "#d62728",
}

# Box fills by layer kind, paler than the graph's so the black labels read on a projector.
FILLS: Mapping[str, str] = {
    "input": "#e8f5e9",
    "conv": "#dbe9f6",
    "pool": "#efe3da",
    "linear": "#e9e1f3",
    "concat": "#f9e1ef",
    "block": "#e6e8ec",
    "attention": "#f2f2d5",
    "other": "#eeeeee",
}

PAPER_TITLES: Mapping[str, str] = {
    "lenet5": "LeNet-5",
    "alexnet": "AlexNet",
    "googlenet": "GoogLeNet",
    "vgg19": "VGG-19",
    "vgg16": "VGG-16",
    "plain34": "34-layer plain",
    "resnet34": "34-layer residual",
    "resnet18": "18-layer residual",
    "resnet50": "50-layer residual",
    "resnet101": "101-layer residual",
    "resnet152": "152-layer residual",
}

ORIENTATIONS = ("vertical", "horizontal")
MAX_BRANCHES = 6  # a branch module with more is drawn as one box
MAX_VOLUMES = 12  # more spatial layers than this: one box per stage
DRAWN = frozenset({"conv", "pool", "linear", "attention"})  # folded: norms, activations, dropout, reshapes


def _f(key: str) -> float:
    value = STYLE[key]
    assert isinstance(value, (int, float))
    return float(value)


def _s(key: str) -> str:
    return str(STYLE[key])


# -- labels -----------------------------------------------------------------------------------------
def label_of(node: Node) -> str:
    """The paper's name for a layer (``Node.label``: ``3x3 conv, 128, /2``, ``3x3 max pool, /2``,
    ``avg pool``, ``fc 1000``); a concatenation also says how many channels it makes."""
    if node.op in ("cat", "concat", "concatenate") and len(node.output_shape) > 1:
        return f"concat, {node.output_shape[1]}"
    return node.label


def paper_title(model: str) -> str:
    return PAPER_TITLES.get(model, model)


def size_text(shape: Shape) -> str:
    """``55x55x64`` (H x W x C) for a feature map, ``4096`` for a vector."""
    if len(shape) == 4:
        return f"{shape[2]}x{shape[3]}x{shape[1]}"
    return format_shape(shape[1:])


# -- what a figure draws ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Box:
    """One labelled box: a layer, or a collapsed block."""

    label: str
    shape: Shape
    kind: str  # a FILLS key
    ids: tuple[int, ...] = ()
    node: Node | None = None  # the layer, when the box is exactly one
    block: Block | None = None  # the block, when the box is one collapsed
    branches: tuple[tuple[Box, ...], ...] = ()  # a branch module drawn as a cluster: each branch's boxes


@dataclass(frozen=True)
class Arc:
    """A shortcut from before box ``first`` to after box ``last`` (indices into a column's boxes)."""

    first: int
    last: int
    shortcut: str  # "identity" or "projection"


@dataclass(frozen=True)
class Column:
    model: str
    title: str
    boxes: tuple[Box, ...]
    arcs: tuple[Arc, ...]


def _is_noop(node: Node) -> bool:
    """Adaptive pooling that returns its input's size (VGG's 7x7 -> 7x7) is not in any paper figure."""
    return node.op.startswith("adaptive") and bool(node.input_shapes) and node.input_shapes[0] == node.output_shape


def _drawn(node: Node) -> bool:
    global_mean = node.op == "mean" and node.label == "avg pool"  # x.mean((2, 3)) is a global pool
    return (category(node.op, node.type) in DRAWN or global_mean) and not _is_noop(node)


def _outer_branch_blocks(analysis: Analysis) -> list[Block]:
    branch = [b for b in analysis.blocks if b.kind == "branch"]
    members = [set(b.layers) for b in branch]
    return [b for b, m in zip(branch, members, strict=True) if not any(m < other for other in members if other != m)]


def _kind(node: Node) -> str:
    cat = category(node.op, node.type)
    return cat if cat in FILLS else "other"


def column(analysis: Analysis, *, clusters: bool = False, residual_boxes: bool = False) -> Column:
    """The model as one column: drawn layers in order, a branch module as one box (or a cluster),
    projection shortcuts as arcs rather than boxes; with ``residual_boxes`` a residual block is one box."""
    branch_of: dict[int, Block] = {}
    for b in _outer_branch_blocks(analysis):
        for i in _block_ids(b):
            branch_of[i] = b
    residual = [b for b in analysis.blocks if b.kind == "residual"]
    skipped = {i for b in residual for i in b.skip.ids}  # projection convolutions: drawn as the dotted arc
    residual_of: dict[int, Block] = {}
    if residual_boxes:
        for b in residual:
            for i in _block_ids(b):
                residual_of.setdefault(i, b)
    boxes: list[Box] = [Box("image" if analysis.input_shape[1] == 3 else "input", analysis.input_shape, "input")]
    seen_blocks: set[str] = set()
    for node in analysis.layers:
        block = branch_of.get(node.id) or residual_of.get(node.id)
        if block is not None:
            if block.join not in seen_blocks:
                seen_blocks.add(block.join)
                box = _block_box(analysis, block)
                if clusters and _clusterable(block):
                    box = replace(box, branches=_cluster_branches(analysis, block))
                boxes.append(box)
            continue
        if node.id in skipped or not _drawn(node):
            continue
        boxes.append(Box(label_of(node), node.output_shape, _kind(node), (node.id,), node))
    arcs = []
    if not residual_boxes:
        where = {i: k for k, box in enumerate(boxes) for i in box.ids}
        for b in residual:
            drawn = sorted({where[i] for i in b.main.ids if i in where})
            if drawn:
                arcs.append(Arc(drawn[0], drawn[-1], b.shortcut or "identity"))
    return Column(analysis.model, paper_title(analysis.model), tuple(boxes), tuple(arcs))


def _block_ids(block: Block) -> list[int]:
    """Every layer of the block: its branches' layers and the join (a module called twice has two ids)."""
    return sorted({i for branch in block.branches for i in branch.ids} | {block.join_id})


def _clusterable(block: Block) -> bool:
    """A branch module drawn open: a few branches that share no layer (inception, fire); DenseNet's
    blocks, whose branches reuse every earlier layer, stay one box."""
    ids = [i for b in block.branches for i in b.ids]
    return block.kind == "branch" and len(block.branches) <= MAX_BRANCHES and len(ids) == len(set(ids))


def _cluster_branches(analysis: Analysis, block: Block) -> tuple[tuple[Box, ...], ...]:
    """Each branch's drawn layers (a nested concatenation is one box); an identity branch is empty."""
    out = []
    for branch in block.branches:
        nodes = [analysis.node(i) for i in branch.ids]
        out.append(
            tuple(
                Box(label_of(n), n.output_shape, _kind(n), (n.id,), n)
                for n in nodes
                if _drawn(n) or (n.op in ("cat", "concat") and n.id != block.join_id)
            )
        )
    return tuple(out)


def _block_box(analysis: Analysis, block: Block) -> Box:
    ids = tuple(_block_ids(block))
    channels = block.output_shape[1] if len(block.output_shape) > 1 else 0
    if block.kind == "branch":
        name = block.name.rsplit(".", 1)[-1] or "branch block"
        return Box(f"{name}, {channels}", block.output_shape, "concat", ids, block=block)
    reduce = (
        len(block.input_shape) == 4 and len(block.output_shape) == 4 and block.output_shape[2] < block.input_shape[2]
    )
    stride = f", /{block.input_shape[2] // max(block.output_shape[2], 1)}" if reduce else ""
    return Box(f"{_residual_name(analysis, block)}, {channels}{stride}", block.output_shape, "block", ids, block=block)


def _residual_name(analysis: Analysis, block: Block) -> str:
    """A residual block named by its main path's kernels, as the papers' tables write them:
    ``3x3-3x3 block`` (basic), ``1x1-3x3-1x1 block`` (bottleneck), ``1x1-3x3 dw-1x1 block`` (inverted)."""
    return _kernels_name([analysis.node(i) for i in block.main.ids]) or "residual block"


def _kernels_name(nodes: Sequence[Node]) -> str:
    """``1x1-3x3 dw-SE-1x1 block`` from a block's layers: each convolution's kernel, and ``SE`` where
    a squeeze-and-excitation (convolutions on a 1x1 map) sits; "" when that would be too long."""
    words: list[str] = []
    for n in nodes:
        if not (n.op.startswith("conv") and " conv" in n.label):
            continue
        word = "SE" if len(n.output_shape) == 4 and n.output_shape[2:] == (1, 1) else n.label.split(" conv", 1)[0]
        if not (word == "SE" and words and words[-1] == "SE"):
            words.append(word)
    return f"{'-'.join(words)} block" if 0 < len(words) <= 5 else ""


# -- SVG writing ------------------------------------------------------------------------------------
@dataclass
class _Svg:
    """Elements of one figure and how far they reach; local to one call."""

    parts: list[str] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0

    def reach(self, x: float, y: float) -> None:
        self.width = max(self.width, x)
        self.height = max(self.height, y)

    def rect(
        self, x: float, y: float, w: float, h: float, fill: str, cls: str = "", rx: float = 4, dash: bool = False
    ) -> None:
        extra = ' stroke-dasharray="6 4"' if dash else ""
        self.parts.append(
            f'<rect class="{cls}" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="{rx}" '
            f'fill="{fill}" stroke="{_s("stroke")}" stroke-width="1.3"{extra}/>'
        )
        self.reach(x + w, y + h)

    def text(
        self,
        x: float,
        y: float,
        content: str,
        size: float,
        anchor: str = "middle",
        cls: str = "",
        weight: str = "normal",
        color: str = "",
    ) -> None:
        self.parts.append(
            f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{color or _s("text")}">{escape(content)}</text>'
        )
        width = text_width(content, size)
        right = x + (width if anchor == "start" else width / 2 if anchor == "middle" else 0)
        self.reach(right, y + size * 0.3)

    def line(
        self, x1: float, y1: float, x2: float, y2: float, cls: str = "", arrow: bool = True, color: str = ""
    ) -> None:
        marker = ' marker-end="url(#arrow)"' if arrow else ""
        self.parts.append(
            f'<line class="{cls}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke="{color or _s("stroke")}" stroke-width="1.4"{marker}/>'
        )

    def path(
        self, d: str, cls: str = "", dash: str = "", arrow: bool = True, color: str = "", fill: str = "none"
    ) -> None:
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        marker = ' marker-end="url(#arrow)"' if arrow else ""
        self.parts.append(
            f'<path class="{cls}" d="{d}" fill="{fill}" stroke="{color or _s("stroke")}" stroke-width="1.6"{extra}{marker}/>'
        )

    def document(self, label: str, orientation: str = "vertical") -> str:
        """The standalone SVG; ``horizontal`` turns the drawing a quarter left, so a tall figure runs
        left to right and fills a 16:9 screen (its labels then read upwards)."""
        if orientation not in ORIENTATIONS:
            raise VizcoreError(f"unknown orientation {orientation!r}: choose {' or '.join(ORIENTATIONS)}.")
        m = _f("margin")
        w, h = math.ceil(self.width + m), math.ceil(self.height + m)
        parts = self.parts
        if orientation == "horizontal":
            parts = [f'<g transform="translate(0 {w}) rotate(-90)">', *parts, "</g>"]
            w, h = h, w
        return "\n".join(
            [
                f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
                f'font-family="{_s("font")}" role="img" aria-label="{escape(label)}">',
                '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
                f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{_s("stroke")}"/></marker></defs>',
                f'<rect x="0" y="0" width="{w}" height="{h}" fill="{_s("background")}"/>',
                *parts,
                "</svg>",
            ]
        )


def text_width(text: str, size: float) -> float:
    """A Helvetica-like estimate, enough to keep text inside its box."""
    narrow = sum(ch in "ilj.,:;!|/()[] '1" for ch in text)
    return size * (0.56 * (len(text) - narrow) + 0.3 * narrow)


def _fit(text: str, size: float, width: float) -> float:
    """The font size at which ``text`` fits ``width`` (never larger than ``size``)."""
    return min(size, size * (width - 10) / max(text_width(text, size), 1.0))


# -- ResNet Figure 3: columns ------------------------------------------------------------------------
def _band(shape: Shape) -> tuple[int, int]:
    """Bands are output sizes: a feature map's (H, W), anything flat (1, 1), as the paper's "output size: 1"."""
    return (shape[2], shape[3]) if len(shape) == 4 else (1, 1)


def _band_text(band: tuple[int, int]) -> str:
    return f"output size: {band[0]}" if band[0] == band[1] else f"output size: {band[0]}x{band[1]}"


def columns_svg(analyses: Sequence[Analysis], orientation: str = "vertical") -> str:
    """ResNet's Figure 3 for any models: one column each, aligned by output size."""
    return _columns([column(a) for a in analyses], "columns: " + ", ".join(a.model for a in analyses), orientation)


def _cluster_size(box: Box) -> tuple[float, float]:
    """Width and height of a branch module drawn as a cluster: title, branches side by side, concat."""
    pitch = _f("box_h") + _f("box_gap")
    longest = max((len(b) for b in box.branches), default=0)
    width = len(box.branches) * (_cluster_box_w() + 12) + 12
    return max(width, _f("box_w") + 24), 34 + max(longest, 1) * pitch + pitch + 6


def _cluster_box_w() -> float:
    return _f("box_w") * 0.78


def _columns(columns: Sequence[Column], label: str, orientation: str = "vertical") -> str:
    svg = _Svg()
    m, bw, bh, gap = _f("margin"), _f("box_w"), _f("box_h"), _f("box_gap")
    # one band per output size, largest first; a column never goes back up a band
    sizes = sorted({_band(b.shape) for c in columns for b in c.boxes}, key=lambda s: -(s[0] * s[1]))
    rank = {s: k for k, s in enumerate(sizes)}
    placed: list[list[int]] = []
    for col in columns:
        bands, current = [], 0
        for box in col.boxes:
            current = max(current, rank[_band(box.shape)])
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
    top = m + _f("title_font") + 24
    band_top = [top]
    for h in band_h:
        band_top.append(band_top[-1] + h + _f("band_gap"))
    widths = [max([bw, *(_item_width(b) for b in c.boxes)]) + _f("arc") + 20 for c in columns]
    x0 = m + _f("size_col")
    centers = []
    for w in widths:
        centers.append(x0 + w / 2 - (_f("arc") + 20) / 2)
        x0 += w + _f("column_gap")
    right = x0 - _f("column_gap")
    # the output sizes, written between bands, with a faint line across
    for k, size in enumerate(sizes):
        if band_h[k] == 0:
            continue
        y = band_top[k] - _f("band_gap") / 2
        if k:
            svg.line(m, y, right, y, cls="band", arrow=False, color="#cccccc")
        svg.text(
            m, band_top[k] + _f("small_font"), _band_text(size), _f("small_font"), "start", "size", color=_s("muted")
        )
    for col, bands, cx in zip(columns, placed, centers, strict=True):
        svg.parts.append(f'<g class="column" data-model="{escape(col.model)}">')
        svg.text(cx, m + _f("title_font"), col.title, _f("title_font"), cls="title", weight="bold")
        fill = {k: band_top[k] for k in range(len(sizes))}
        spans: list[tuple[float, float]] = []
        for box, band in zip(col.boxes, bands, strict=True):
            y = fill[band]
            h = _item_height(box)
            fill[band] = y + h + gap
            if box.branches:
                _draw_cluster(svg, box, cx, y)
            else:
                _draw_box(svg, box, cx - bw / 2, y, bw, bh)
            spans.append((y, y + h))
        for (_, bottom), (top_next, _) in itertools.pairwise(spans):
            svg.line(cx, bottom, cx, top_next - 1, cls="flow")
        for arc in col.arcs:
            # from the junction above the block's first box, out beside the column, back in below its last
            y1 = spans[arc.first][0] - gap / 2
            y2 = spans[arc.last][1] + gap / 2
            out, r = cx + bw / 2 + _f("arc"), 10.0
            svg.reach(out + 2, y2)
            svg.path(
                f"M{cx:.1f},{y1:.1f} H{out - r:.1f} Q{out:.1f},{y1:.1f} {out:.1f},{y1 + r:.1f} V{y2 - r:.1f} "
                f"Q{out:.1f},{y2:.1f} {out - r:.1f},{y2:.1f} H{cx + 4:.1f}",
                cls=f"shortcut {arc.shortcut}",
                dash="6 4" if arc.shortcut == "projection" else "",
            )
        svg.parts.append("</g>")
    return svg.document(label, orientation)


def _item_height(box: Box) -> float:
    if box.branches:
        return _cluster_size(box)[1]
    return _f("box_h")


def _item_width(box: Box) -> float:
    if box.branches:
        return _cluster_size(box)[0]
    return _f("box_w")


def _draw_box(svg: _Svg, box: Box, x: float, y: float, w: float, h: float) -> None:
    svg.rect(x, y, w, h, FILLS.get(box.kind, FILLS["other"]), cls=f"box {box.kind}")
    size = _fit(box.label, _f("font_size"), w)
    svg.text(x + w / 2, y + h / 2 + size * 0.35, box.label, size, cls="label")


def _draw_cluster(svg: _Svg, box: Box, cx: float, y: float) -> None:
    """A branch module: an outlined cluster named after the module, its branches side by side (each a
    column of boxes fed from the cluster's top), meeting in one concatenation box at the bottom."""
    width, height = _cluster_size(box)
    bw, bh, gap = _cluster_box_w(), _f("box_h"), _f("box_gap")
    left = cx - width / 2
    svg.rect(left, y, width, height, "none", cls="cluster", rx=10, dash=True)
    name = box.block.name if box.block else ""
    svg.text(left + 10, y + 18, name, _f("small_font"), "start", "cluster-title", weight="bold", color=_s("muted"))
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
    _draw_box(svg, Box(f"concat, {channels}", box.shape, "concat"), cx - _f("box_w") / 2, concat_y, _f("box_w"), bh)


# -- LeNet-5 / AlexNet Figure 2: feature-map volumes ------------------------------------------------
@dataclass(frozen=True)
class Volume:
    """One box of a volume diagram: a layer's output, or a stage (a run of layers at one size)."""

    lines: tuple[str, ...]  # the label, one line per kind of layer it stands for
    shape: Shape
    kernel: tuple[int, ...] = ()  # the kernel that made it, drawn on the box before (single layers only)
    flat: bool = False  # a vector (or 1x1 map): drawn as a bar


def volumes(analysis: Analysis, max_volumes: int = MAX_VOLUMES) -> list[Volume]:
    """The volumes to draw: the input, every convolution/pooling output (a residual block as one),
    then the vector layers; more than ``max_volumes`` feature maps become one volume per stage."""
    boxes = _module_blocks(analysis, column(analysis, residual_boxes=True).boxes)
    is_map = [len(b.shape) == 4 and b.shape[2] * b.shape[3] > 1 for b in boxes]
    last_map = max((k for k, m in enumerate(is_map) if m), default=0)
    spatial = [b for b, m in zip(boxes[1:], is_map[1:], strict=True) if m]
    rest = list(boxes[last_map + 1 :])  # vectors after the last map; 1x1 maps inside a stage (SE) are in its box
    out = [Volume((boxes[0].label,), analysis.input_shape, flat=len(analysis.input_shape) != 4)]
    if len(spatial) <= max_volumes:
        for b in spatial:
            kernel = b.node.kernel if b.node is not None else ()
            out.append(Volume((b.label,), b.shape, kernel))
    else:
        runs: list[list[Box]] = []
        for b in spatial:
            if runs and _band(runs[-1][-1].shape) == _band(b.shape):
                runs[-1].append(b)
            else:
                runs.append([b])
        for run in runs:
            single = run[0].node if len(run) == 1 else None  # one layer alone at its size keeps its kernel
            out.append(Volume(_run_lines([b.label for b in run]), run[-1].shape, single.kernel if single else ()))
    flat: list[list[Box]] = []  # many vectors: runs of one shape (a transformer's tokens) are one bar
    for b in rest:
        if flat and flat[-1][-1].shape == b.shape and len(rest) > 4:
            flat[-1].append(b)
        else:
            flat.append([b])
    out += [Volume(_run_lines([b.label for b in run]), run[-1].shape, flat=True) for run in flat]
    return out


def _module_blocks(analysis: Analysis, boxes: Sequence[Box]) -> list[Box]:
    """Where a model's residual blocks are modules at some depth (MobileNetV2's ``features.3``), its
    blocks without a shortcut at that depth (``features.2``) become one box too, named the same way."""
    depths = {b.name.count(".") + 1 for b in analysis.blocks if b.kind == "residual" and b.name}
    if len(depths) != 1:
        return list(boxes)
    depth = depths.pop()

    def module(box: Box) -> str:
        parts = box.node.name.split(".") if box.node is not None else []
        return ".".join(parts[:depth]) if len(parts) > depth else ""

    out: list[Box] = []
    for key, run in itertools.groupby(boxes, module):
        members = list(run)
        nodes = [b.node for b in members if b.node is not None]
        name = _kernels_name(nodes)
        if not key or len(members) < 2 or len(nodes) != len(members) or not name:
            out += members
            continue
        first, last = members[0].node, members[-1].node
        assert first is not None and last is not None
        before, after = first.input_shapes[0] if first.input_shapes else (), last.output_shape
        reduce = len(before) == 4 and len(after) == 4 and after[2] < before[2]
        stride = f", /{before[2] // max(after[2], 1)}" if reduce else ""
        ids = tuple(i for b in members for i in b.ids)
        out.append(Box(f"{name}, {after[1]}{stride}", after, "block", ids))
    return out


def _run_lines(labels: Sequence[str], most: int = 4) -> tuple[str, ...]:
    """Run-length labels: ``2 × 3x3 conv, 128``; more kinds than ``most`` become a count."""
    runs: list[list[str | int]] = []
    for label in labels:
        if runs and runs[-1][1] == label:
            runs[-1][0] = int(runs[-1][0]) + 1
        else:
            runs.append([1, label])
    if len(runs) > most:
        return (f"{len(labels)} layers", f"{labels[0]} … {labels[-1]}")
    return tuple(f"{count} × {label}" if count != 1 else str(label) for count, label in runs)


def _volume_geometry(v: Volume, top_h: float, top_size: int) -> tuple[float, float, float]:
    """Front-face width (channels, log scale), height (H, square-root scale) and receding depth (W)."""
    if v.flat:
        features = v.shape[1] if len(v.shape) > 1 else 1
        return 12.0, min(top_h, 40 + 14 * math.log2(max(features, 1))), 0.0
    channels, h, w = v.shape[1], v.shape[2], v.shape[3]
    scale = top_h / math.sqrt(max(top_size, 1))
    return 6 + 10 * math.log2(max(channels, 1)), max(8.0, scale * math.sqrt(h)), max(4.0, 0.5 * scale * math.sqrt(w))


def volumes_svg(analyses: Sequence[Analysis], orientation: str = "vertical") -> str:
    """LeNet-5's and AlexNet's Figure 2 for any models, one row each (left to right, as the papers
    draw them: the only orientation)."""
    if orientation not in ORIENTATIONS:
        raise VizcoreError(f"unknown orientation {orientation!r}: choose {' or '.join(ORIENTATIONS)}.")
    svg = _Svg()
    y = _f("margin")
    for analysis in analyses:
        svg.parts.append(f'<g class="volumes" data-model="{escape(analysis.model)}">')
        y = _volume_row(svg, analysis, y) + 30
        svg.parts.append("</g>")
    return svg.document("volumes: " + ", ".join(a.model for a in analyses))


def _volume_row(svg: _Svg, analysis: Analysis, y0: float) -> float:
    """One model's volumes left to right, sizes above, labels below; returns the row's bottom."""
    items = volumes(analysis)
    top_h = _f("volume_max_h")
    first = analysis.input_shape
    top_size = max(first[2], first[3]) if len(first) == 4 else 1
    geometry = [_volume_geometry(v, top_h, top_size) for v in items]
    svg.text(
        _f("margin"),
        y0 + _f("title_font"),
        paper_title(analysis.model),
        _f("title_font"),
        "start",
        "title",
        weight="bold",
    )
    reach_up = max((h / 2 + d / 2 for _, h, d in geometry), default=0.0)
    mid = y0 + _f("title_font") + 24 + _f("small_font") + 10 + reach_up  # the boxes' common centre line
    x = _f("margin") + 10
    fonts = _f("small_font")
    bottom = mid
    faces: list[tuple[float, float, float, float]] = []  # front face x, y, w, h of each volume
    for v, (t, h, d) in zip(items, geometry, strict=True):
        texts = [size_text(v.shape), *v.lines]
        span = max([t + d, *(text_width(line, fonts) for line in texts)])
        fx = x + (span - t - d) / 2
        fy = mid - h / 2 + d / 2
        kind = "flat" if v.flat else "volume"
        fill = FILLS["linear"] if v.flat else FILLS["conv"] if v is not items[0] else FILLS["input"]
        if d:
            svg.parts.append(
                f'<polygon class="{kind}-top" points="{fx:.1f},{fy:.1f} {fx + d:.1f},{fy - d:.1f} {fx + t + d:.1f},{fy - d:.1f} '
                f'{fx + t:.1f},{fy:.1f}" fill="{_shade(fill, 0.94)}" stroke="{_s("stroke")}" stroke-width="1.1"/>'
            )
            svg.parts.append(
                f'<polygon class="{kind}-side" points="{fx + t:.1f},{fy:.1f} {fx + t + d:.1f},{fy - d:.1f} '
                f'{fx + t + d:.1f},{fy + h - d:.1f} {fx + t:.1f},{fy + h:.1f}" fill="{_shade(fill, 0.85)}" '
                f'stroke="{_s("stroke")}" stroke-width="1.1"/>'
            )
        svg.rect(fx, fy, t, h, fill, cls=kind, rx=0)
        svg.text(fx + (t + d) / 2, fy - d - 8, texts[0], fonts, cls="size", weight="bold")
        ly = fy + h + fonts + 8
        for line in texts[1:]:
            svg.text(fx + (t + d) / 2, ly, line, fonts, cls="layer", color=_s("muted"))
            ly += fonts + 4
        bottom = max(bottom, ly)
        faces.append((fx, fy, t, h))
        x += span + _f("volume_gap")
    # kernels: a small k x k patch on the H x W face of the volume the layer slides over, with rays to
    # the point of the next volume it makes (as AlexNet's Figure 2 draws them)
    for k in range(1, len(items)):
        v = items[k]
        if not v.kernel or items[k - 1].flat:
            continue
        prev = items[k - 1]
        px, py, pt, ph = faces[k - 1]
        pd = geometry[k - 1][2]
        kh, kw = v.kernel[0], v.kernel[-1]
        along_h = max(5.0, ph * min(kh / max(prev.shape[2], 1), 0.5))
        along_w = max(5.0, pd * min(kw / max(prev.shape[3], 1), 0.5))
        bx, by = px + pt + 0.55 * pd, py - 0.55 * pd + 0.2 * ph  # the patch's corner on the side face
        corners = [(bx, by), (bx + along_w, by - along_w), (bx + along_w, by - along_w + along_h), (bx, by + along_h)]
        points = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in corners)
        svg.parts.append(
            f'<polygon class="kernel" points="{points}" fill="{_s("kernel")}" fill-opacity="0.25" stroke="{_s("kernel")}" '
            f'stroke-width="1.5"><title>{escape("x".join(map(str, v.kernel)))} kernel</title></polygon>'
        )
        nx, ny, nt, nh = faces[k]
        nd = geometry[k][2]
        tip = (nx + nt + 0.3 * nd, ny - 0.3 * nd + 0.65 * nh)
        for cx, cy in (corners[1], corners[3]):
            svg.line(cx, cy, tip[0], tip[1], cls="kernel-ray", arrow=False, color=_s("kernel"))
    return bottom


def _shade(color: str, factor: float) -> str:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{max(0, min(255, round(c * factor))):02x}" for c in (r, g, b))


# -- export -----------------------------------------------------------------------------------------
EXPORT_FORMATS = ("svg", "png", "pdf")
MIN_PNG_WIDTH = 1920
MAX_PNG_SIDE = 30000


def export(svg: str, fmt: str) -> bytes:
    """The figure as SVG, PNG (at least 1920 px wide, drawn from the vector) or PDF, via cairosvg."""
    if fmt == "svg":
        return svg.encode()
    if fmt not in EXPORT_FORMATS:
        raise VizcoreError(f"unknown format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}.")
    import cairosvg  # only for raster and PDF export

    data = svg.encode()
    if fmt == "png":
        width, height = (float(svg.split(f'{side}="', 1)[1].split('"', 1)[0]) for side in ("width", "height"))
        scale = max(1.0, MIN_PNG_WIDTH / width)
        scale = min(scale, MAX_PNG_SIDE / height)  # cairo's surfaces stop at 32767 px: a very tall figure is narrower
        result = cairosvg.svg2png(bytestring=data, output_width=round(width * scale))
    else:
        result = cairosvg.svg2pdf(bytestring=data)
    assert isinstance(result, bytes)
    return result


def network_svg(analyses: Sequence[Analysis], orientation: str = "vertical") -> str:
    """GoogLeNet's long figure for any models: every drawn layer top to bottom, branch modules as
    clusters, residual shortcuts beside the column; several models stand side by side."""
    return _columns(
        [column(a, clusters=True) for a in analyses], "network: " + ", ".join(a.model for a in analyses), orientation
    )


PAPER_FIGURES: Mapping[str, Callable[[Sequence[Analysis], str], str]] = {
    "columns": columns_svg,
    "network": network_svg,
    "volumes": volumes_svg,
}
