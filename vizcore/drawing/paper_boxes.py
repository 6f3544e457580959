"""What the papers' figures draw, from any traced model: the boxes of a model's column (ResNet's
Figure 3, GoogLeNet's long figure) with the papers' labels, and its shortcuts as arcs. The layouts
that place them are in paper_figures.py (columns) and volumes.py (feature-map volumes)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from ..engine.analysis import Analysis
from ..engine.blocks import Block
from ..engine.labels import kernel_word
from ..engine.node import Node
from ..shapes import Shape, format_shape
from .style import PAPER_FILLS

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

MAX_BRANCHES = 6  # a branch module with more is drawn as one box
DRAWN = frozenset({"conv", "pool", "linear", "attention"})  # folded: norms, activations, dropout, reshapes


# -- labels -----------------------------------------------------------------------------------------
def label_of(node: Node) -> str:
    """The paper's name for a layer (``Node.label``: ``3x3 conv, 128, /2``, ``3x3 max pool, /2``,
    ``avg pool``, ``fc 1000``); a concatenation also says how many channels it makes."""
    if node.op_kind == "concat" and len(node.output_shape) > 1:
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
    kind: str  # a PAPER_FILLS key
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
    return (node.op_kind in DRAWN or global_mean) and not _is_noop(node)


def _outer_branch_blocks(analysis: Analysis) -> list[Block]:
    branch = [b for b in analysis.blocks if b.kind == "branch"]
    members = [set(b.layers) for b in branch]
    return [b for b, m in zip(branch, members, strict=True) if not any(m < other for other in members if other != m)]


def _kind(node: Node) -> str:
    return node.op_kind if node.op_kind in PAPER_FILLS else "other"


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
                if _drawn(n) or (n.op_kind == "concat" and n.id != block.join_id)
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
    ``3x3-3x3 block`` (basic), ``1x1-3x3-1x1 block`` (bottleneck), ``1x1-3x3dw-1x1 block`` (inverted)."""
    return kernels_name([analysis.node(i) for i in block.main.ids]) or "residual block"


def kernels_name(nodes: Sequence[Node]) -> str:
    """``1x1-3x3dw-SE-1x1 block`` from a block's layers: each convolution's kernel in the words of the
    layer graph's block names (``labels.kernel_word``), and ``SE`` where a squeeze-and-excitation
    (convolutions on a 1x1 map) sits; "" when that would be too long."""
    words: list[str] = []
    for n in nodes:
        if not (n.op.startswith("conv") and " conv" in n.label):
            continue
        word = "SE" if len(n.output_shape) == 4 and n.output_shape[2:] == (1, 1) else kernel_word(n)
        if not (word == "SE" and words and words[-1] == "SE"):
            words.append(word)
    return f"{'-'.join(words)} block" if 0 < len(words) <= 5 else ""


def size_band(shape: Shape) -> tuple[int, int]:
    """A box's band is its output size: a feature map's (H, W), anything flat (1, 1), as the paper's
    "output size: 1"."""
    return (shape[2], shape[3]) if len(shape) == 4 else (1, 1)
