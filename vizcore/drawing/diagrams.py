"""Diagrams of branch and residual blocks as Graphviz DOT text (rendered in the browser by the app, or
by ``dot`` anywhere), plus the numbers that go beside them. Pure functions from records to text."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from ..engine.analysis import Analysis
from ..engine.blocks import Block, Branch
from ..engine.node import Node
from ..shapes import format_shape
from .graphview import CATEGORY_COLORS, category, tint

HIGHLIGHT = "#ffd400"
BOTTLENECK = "#f4a6a6"


def _q(*lines: str) -> str:
    """A quoted DOT string; several lines are joined with DOT's own line break."""
    return '"' + "\\n".join(line.replace("\\", "\\\\").replace('"', '\\"') for line in lines) + '"'


def is_bottleneck(node: Node, branch: Branch, analysis: Analysis) -> bool:
    """A 1x1 convolution that reduces channels before a larger convolution on the same branch."""
    if not (node.op.startswith("conv") and node.kernel and all(k == 1 for k in node.kernel)):
        return False
    later = [analysis.node(i) for i in branch.ids[branch.ids.index(node.id) + 1 :]]
    reduces = node.output_shape[1] < node.input_shapes[0][1]
    return reduces and any(n.op.startswith("conv") and any(k > 1 for k in n.kernel) for n in later)


def _box(members: list[Node], highlight: int | None, bottleneck: bool = False, prefix: str = "") -> str:
    """One box for a layer and the norms and activations folded into it (as the papers draw them):
    its label large, then its name, what is folded in and its output shape small."""
    head = members[0]
    base = CATEGORY_COLORS.get(category(head.op, head.type), "#dddddd")
    picked = any(n.id == highlight for n in members)
    fill = HIGHLIGHT if picked else BOTTLENECK if bottleneck else tint(base, 0.78)
    folded = " + " + ", ".join(n.label for n in members[1:]) if len(members) > 1 else ""
    title = head.label + (" (1x1 bottleneck)" if bottleneck else "")
    small = f"{head.name.removeprefix(prefix)}{folded} · {format_shape(head.output_shape[1:])}"
    label = f'<<font point-size="{LABEL_PT}">{escape(title)}</font><br/><font point-size="{SMALL_PT}">{escape(small)}</font>>'
    return f"n{head.id} [label={label}, color={_q(base)}, fillcolor={_q(fill)}];"


def _boxes(analysis: Analysis, ids: tuple[int, ...]) -> list[list[Node]]:
    """A path's layers, each norm, activation or reshape folded into the box before it."""
    boxes: list[list[Node]] = []
    for node_id in ids:
        node = analysis.node(node_id)
        if boxes and category(node.op, node.type) in FOLDED:
            boxes[-1].append(node)
        else:
            boxes.append([node])
    return boxes


LABEL_PT = 14
SMALL_PT = 10
FOLDED = frozenset({"norm", "activation", "reshape"})

_HEADER = [
    "digraph block {",
    "  rankdir=TB; nodesep=0.25; ranksep=0.25;",
    '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=12, margin="0.1,0.03", penwidth=1.4];',
    '  edge [color="#555555", fontname="Helvetica", fontsize=12]; fontname="Helvetica"; fontsize=12;',
]


def _chain(
    analysis: Analysis,
    ids: tuple[int, ...],
    start: str,
    highlight: int | None,
    prefix: str,
    nodes: list[str],
    edges: list[str],
    bottlenecks: frozenset[int] = frozenset(),
) -> str:
    """Box statements for a path (into ``nodes``, for its cluster) and its edges (into ``edges``,
    emitted after the clusters: an edge named inside a cluster would pull its ends into it)."""
    previous = start
    for members in _boxes(analysis, ids):
        head = members[0].id
        nodes.append("    " + _box(members, highlight, head in bottlenecks, prefix))
        edges.append(f"  {previous} -> n{head};")
        previous = f"n{head}"
    return previous


def _entry(block: Block) -> str:
    text = f"{block.fork}: {format_shape(block.input_shape[1:])}"
    return f'  "in" [label={_q(text)}, fontsize={LABEL_PT}, color="#2ca02c", fillcolor={_q(tint("#2ca02c", 0.78))}];'


def branch_dot(analysis: Analysis, block: Block, highlight: int | None = None) -> str:
    """The input, each branch's layers side by side (1x1 bottlenecks marked), and the concatenation
    with the channels each branch contributes."""
    prefix = f"{block.name}." if block.name else ""
    lines, edges = [*_HEADER, _entry(block)], list[str]()
    join = analysis.node(block.join_id)
    for i, branch in enumerate(block.branches, 1):
        marked = frozenset(n for n in branch.ids if is_bottleneck(analysis.node(n), branch, analysis))
        lines.append(
            f'  subgraph "cluster_{i}" {{ label={_q(f"branch {i}: {branch.out_channels} ch")}; style=rounded; color="#999999";'
        )
        if branch.ids:
            last = _chain(analysis, branch.ids, '"in"', highlight, prefix, lines, edges, marked)
        else:
            lines.append(f'    "identity_{i}" [label="identity", shape=plaintext, style=""];')
            edges.append(f'  "in" -> "identity_{i}";')
            last = f'"identity_{i}"'
        lines.append("  }")
        edges.append(f"  {last} -> n{join.id} [label={_q(f' +{branch.out_channels}')}];")
    concat = f"concatenate: {format_shape(join.output_shape[1:])}"
    color = CATEGORY_COLORS["concat"]
    lines.append(
        f"  n{join.id} [label={_q(concat)}, fontsize={LABEL_PT}, color={_q(color)}, fillcolor={_q(tint(color, 0.78))}];"
    )
    return "\n".join([*lines, *edges, "}"]) + "\n"


def residual_dot(analysis: Analysis, block: Block, highlight: int | None = None) -> str:
    """The main path and the shortcut (identity or projection) meeting at the add, then the
    activation after it; ``highlight`` colours one layer, for stepping through in a lecture."""
    prefix = f"{block.name}." if block.name else ""
    lines, edges = [*_HEADER, _entry(block)], list[str]()
    join = analysis.node(block.join_id)
    lines.append('  subgraph "cluster_main" { label="main path"; style=rounded; color="#999999";')
    last = _chain(analysis, block.main.ids, '"in"', highlight, prefix, lines, edges)
    lines.append("  }")
    edges.append(f"  {last} -> n{join.id};")
    skip = block.skip
    if skip.ids:
        lines.append(
            '  subgraph "cluster_skip" { label="shortcut: projection"; style="rounded,dashed"; color="#d62728";'
        )
        last = _chain(analysis, skip.ids, '"in"', highlight, prefix, lines, edges)
        lines.append("  }")
        change = f" {format_shape(block.input_shape[1:])} -> {format_shape(skip.output_shape[1:])}"
        edges.append(f'  {last} -> n{join.id} [label={_q(change)}, color="#d62728"];')
    else:
        edges.append(f'  "in" -> n{join.id} [label=" identity", style=dashed, color="#d62728"];')
    fill = HIGHLIGHT if highlight in (join.id, block.after_id) else tint(CATEGORY_COLORS["add"], 0.78)
    after = f", then {analysis.node(block.after_id).label}" if block.after_id is not None else ""
    add = f"add{after}: {format_shape(join.output_shape[1:])}"
    lines.append(
        f'  n{join.id} [label={_q(add)}, fontsize={LABEL_PT}, shape=ellipse, color="{CATEGORY_COLORS["add"]}", fillcolor={_q(fill)}];'
    )
    return "\n".join([*lines, *edges, "}"]) + "\n"


def flow_steps(block: Block) -> list[int]:
    """Node ids in the order to walk through a residual block: the main path, the shortcut's layers,
    the add, the activation after it."""
    return [*block.main.ids, *block.skip.ids, block.join_id, *([block.after_id] if block.after_id is not None else [])]


def stage_dot(blocks: list[Block]) -> str:
    """A stage's blocks in order, with the shape each one hands on and where the projections sit."""
    lines = [*_HEADER[:-1], "  rankdir=LR;", '  edge [color="#777777"];']
    previous = None
    for b in blocks:
        color = CATEGORY_COLORS["add"] if b.shortcut == "projection" else CATEGORY_COLORS["block"]
        label = _q(
            b.name, f"{b.shortcut} shortcut", f"{format_shape(b.input_shape[1:])} -> {format_shape(b.output_shape[1:])}"
        )
        lines.append(f"  {_q(b.name)} [label={label}, fillcolor={_q(color)}, fontcolor=white];")
        if previous:
            lines.append(f"  {_q(previous)} -> {_q(b.name)};")
        previous = b.name
    lines.append("}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Saving:
    branch: int
    reduce: str
    conv: str
    params_with: int
    params_without: int
    macs_with: int
    macs_without: int


def reduction_savings(analysis: Analysis, block: Block) -> list[Saving]:
    """What each branch's 1x1 reduction saves: the same branch with its larger convolution fed the
    block's input directly (computed from the layer sizes, not quoted)."""
    savings = []
    in_channels = block.input_shape[1]
    for i, branch in enumerate(block.branches, 1):
        nodes = [analysis.node(i) for i in branch.ids]
        reduce = next((n for n in nodes if is_bottleneck(n, branch, analysis)), None)
        if reduce is None:
            continue
        conv = next(
            n for n in nodes[nodes.index(reduce) + 1 :] if n.op.startswith("conv") and any(k > 1 for k in n.kernel)
        )
        reduced = conv.input_shapes[0][1]
        per_input_channel = conv.macs // reduced  # MACs scale with the input channels
        weights_per_input = (conv.params - _bias(conv)) // reduced
        without_macs = per_input_channel * in_channels
        without_params = weights_per_input * in_channels + _bias(conv)
        # the layers between the 1x1 and the big conv (its norm, its activation) would go with it
        between = nodes[nodes.index(reduce) : nodes.index(conv)]
        savings.append(
            Saving(
                branch=i,
                reduce=reduce.name,
                conv=conv.name,
                params_with=sum(n.params for n in between) + conv.params,
                params_without=without_params,
                macs_with=sum(n.macs for n in between) + conv.macs,
                macs_without=without_macs,
            )
        )
    return savings


def _bias(conv: Node) -> int:
    """A convolution's bias count: its parameters minus its weights, and the weights are its MACs per
    output position (one multiply-add per weight at each position)."""
    positions = 1
    for d in (conv.output_shape[0], *conv.output_shape[2:]):
        positions *= d
    return conv.params - conv.macs // positions
