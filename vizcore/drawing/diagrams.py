"""Diagrams of branch and residual blocks as Graphviz DOT text (rendered in the browser by the app, or
by ``dot`` anywhere), plus the numbers that go beside them. Pure functions from records to text."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

from .. import dot_writer as dot
from ..engine.analysis import Analysis
from ..engine.blocks import Block, Branch
from ..engine.node import Node
from ..shapes import format_shape
from .style import (
    BOTTLENECK,
    CATEGORY_COLORS,
    CHAIN_FILLS,
    CHAIN_FRAME,
    CLUSTER,
    DIAGRAM_LABEL_PT,
    DIAGRAM_PT,
    DIAGRAM_SMALL_PT,
    EDGE,
    EDGE_MUTED,
    FONT,
    HIGHLIGHT,
    SHORTCUT,
    TEXT_ON_DARK,
    fill_for,
)

FOLDED = frozenset({"norm", "activation", "reshape"})
_NODE: dot.Attrs = {
    "shape": "box",
    "style": "rounded,filled",
    "fontname": FONT,
    "fontsize": DIAGRAM_PT,
    "margin": "0.1,0.03",
    "penwidth": 1.4,
}


def _digraph(body: list[str], rankdir: str = "TB", edge: Mapping[str, dot.Value] | None = None) -> str:
    """A block diagram: boxes of the diagrams' style, top to bottom unless told."""
    graph: dict[str, dot.Value] = {"rankdir": rankdir, "nodesep": 0.25, "ranksep": 0.25}
    if edge is None:
        graph.update(fontname=FONT, fontsize=DIAGRAM_PT)
        edge = {"color": EDGE, "fontname": FONT, "fontsize": DIAGRAM_PT}
    return dot.digraph("block", graph, body, node_attrs=_NODE, edge_attrs=edge)


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
    cat = head.op_kind
    picked = any(n.id == highlight for n in members)
    fill = HIGHLIGHT if picked else BOTTLENECK if bottleneck else fill_for(cat)
    folded = " + " + ", ".join(n.label for n in members[1:]) if len(members) > 1 else ""
    title = head.label + (" (1x1 bottleneck)" if bottleneck else "")
    small = f"{head.name.removeprefix(prefix)}{folded} · {format_shape(head.output_shape[1:])}"
    label = dot.html_label((title, DIAGRAM_LABEL_PT), (small, DIAGRAM_SMALL_PT))
    return dot.node(f"n{head.id}", {"label": label, "color": CATEGORY_COLORS[cat], "fillcolor": fill})


def _boxes(analysis: Analysis, ids: tuple[int, ...]) -> list[list[Node]]:
    """A path's layers, each norm, activation or reshape folded into the box before it."""
    boxes: list[list[Node]] = []
    for node_id in ids:
        node = analysis.node(node_id)
        if boxes and node.op_kind in FOLDED:
            boxes[-1].append(node)
        else:
            boxes.append([node])
    return boxes


def _chain(
    analysis: Analysis,
    ids: tuple[int, ...],
    start: str,
    highlight: int | None,
    prefix: str,
    nodes: list[str],
    edges: list[str],
    bottlenecks: frozenset[int] = frozenset(),
    port: str = "",
) -> str:
    """Box statements for a path (into ``nodes``, for its cluster) and its edges (into ``edges``,
    emitted after the clusters: an edge named inside a cluster would pull its ends into it); the
    first edge leaves ``start`` by ``port`` when given."""
    previous = start
    for members in _boxes(analysis, ids):
        head = members[0].id
        nodes.append(_box(members, highlight, head in bottlenecks, prefix))
        edges.append(dot.edge(previous, f"n{head}", {"tailport": port} if port and previous == start else None))
        previous = f"n{head}"
    return previous


def _entry(block: Block, ports: int = 0) -> str:
    """The block's input; with ``ports``, one exit per branch along its bottom edge, in order."""
    text = f"{block.fork}: {format_shape(block.input_shape[1:])}"
    label: dot.Value = dot.ports_label((text, DIAGRAM_LABEL_PT), ports=ports) if ports else text
    color = CATEGORY_COLORS["input"]
    return dot.node(
        "in", {"label": label, "fontsize": DIAGRAM_LABEL_PT, "color": color, "fillcolor": fill_for("input")}
    )


def _join(node_id: int, text: dot.Value, cat: str, fill: str, **extra: dot.Value) -> str:
    """The box where paths meet: the concatenation or the add."""
    color = CATEGORY_COLORS[cat]
    return dot.node(
        f"n{node_id}", {"label": text, "fontsize": DIAGRAM_LABEL_PT, **extra, "color": color, "fillcolor": fill}
    )


def branch_dot(analysis: Analysis, block: Block, highlight: int | None = None) -> str:
    """The input, each branch's layers side by side (1x1 bottlenecks marked), and the concatenation
    with the channels each branch contributes. Branches stand left to right in the order their outputs
    enter the concatenation, as the papers draw them: each leaves the input and enters the concat by
    its own port, in that order (left alone, Graphviz puts the longest branches first)."""
    prefix = f"{block.name}." if block.name else ""
    count = len(block.branches)
    lines, edges = [_entry(block, count)], list[str]()
    join = analysis.node(block.join_id)
    for i, branch in enumerate(block.branches, 1):
        marked = frozenset(n for n in branch.ids if is_bottleneck(analysis.node(n), branch, analysis))
        members: list[str] = []
        if branch.ids:
            last = _chain(analysis, branch.ids, "in", highlight, prefix, members, edges, marked, f"p{i}:s")
        else:
            last = f"identity_{i}"
            members.append(dot.node(last, {"label": "identity", "shape": "plaintext", "style": ""}))
            edges.append(dot.edge("in", last, {"tailport": f"p{i}:s"}))
        outline = {"label": f"branch {i}: {branch.out_channels} ch", "style": "rounded", "color": CLUSTER}
        lines += dot.cluster(str(i), outline, members)
        edges.append(dot.edge(last, f"n{join.id}", {"label": f" +{branch.out_channels}", "headport": f"i{i}:n"}))
    concat = dot.ports_label((f"concatenate: {format_shape(join.output_shape[1:])}", DIAGRAM_LABEL_PT), ins=count)
    lines.append(_join(join.id, concat, "concat", fill_for("concat")))
    return _digraph([*lines, *edges])


def residual_dot(analysis: Analysis, block: Block, highlight: int | None = None) -> str:
    """The main path and the shortcut (identity or projection) meeting at the add, then the
    activation after it; ``highlight`` colours one layer, for stepping through in a lecture."""
    prefix = f"{block.name}." if block.name else ""
    lines, edges = [_entry(block)], list[str]()
    join = analysis.node(block.join_id)
    members: list[str] = []
    last = _chain(analysis, block.main.ids, "in", highlight, prefix, members, edges)
    lines += dot.cluster("main", {"label": "main path", "style": "rounded", "color": CLUSTER}, members)
    edges.append(dot.edge(last, f"n{join.id}"))
    skip = block.skip
    if skip.ids:
        members = []
        last = _chain(analysis, skip.ids, "in", highlight, prefix, members, edges)
        outline = {"label": "shortcut: projection", "style": "rounded,dashed", "color": SHORTCUT}
        lines += dot.cluster("skip", outline, members)
        change = f" {format_shape(block.input_shape[1:])} -> {format_shape(skip.output_shape[1:])}"
        edges.append(dot.edge(last, f"n{join.id}", {"label": change, "color": SHORTCUT}))
    else:
        edges.append(dot.edge("in", f"n{join.id}", {"label": " identity", "style": "dashed", "color": SHORTCUT}))
    fill = HIGHLIGHT if highlight in (join.id, block.after_id) else fill_for("add")
    after = f", then {analysis.node(block.after_id).label}" if block.after_id is not None else ""
    add = f"add{after}: {format_shape(join.output_shape[1:])}"
    lines.append(_join(join.id, add, "add", fill, shape="ellipse"))
    return _digraph([*lines, *edges])


def flow_steps(block: Block) -> list[int]:
    """Node ids in the order to walk through a residual block: the main path, the shortcut's layers,
    the add, the activation after it."""
    return [*block.main.ids, *block.skip.ids, block.join_id, *([block.after_id] if block.after_id is not None else [])]


def stage_dot(blocks: list[Block]) -> str:
    """A stage's blocks in order, with the shape each one hands on and where the projections sit."""
    lines = []
    previous = None
    for b in blocks:
        color = CATEGORY_COLORS["add"] if b.shortcut == "projection" else CATEGORY_COLORS["block"]
        change = f"{format_shape(b.input_shape[1:])} -> {format_shape(b.output_shape[1:])}"
        label = "\n".join((b.name, f"{b.shortcut} shortcut", change))
        lines.append(dot.node(b.name, {"label": label, "fillcolor": color, "fontcolor": TEXT_ON_DARK}))
        if previous:
            lines.append(dot.edge(previous, b.name))
        previous = b.name
    return _digraph(lines, "LR", {"color": EDGE_MUTED})


def _chain_label(n: Node) -> str:
    c, *hw = n.output_shape[1:]
    size = f"{c}x{hw[0]}x{hw[1]}" if hw else str(c)
    if n.type == "Conv2d":
        return f"conv {n.kernel[0]}x{n.kernel[1]}/{n.stride[0]}\n{size}"
    if n.type == "Linear":
        return f"fc {c}"
    pool = "avg" if "Avg" in n.type else "max"
    window = (
        f" {n.kernel[0]}x{n.kernel[1]}/{n.stride[0]}" if n.kernel else (" (global)" if hw == [1, 1] else " (adaptive)")
    )
    return f"{pool} pool{window}\n{size}"


def chain_dot(analysis: Analysis) -> str:
    """A plain CNN as columns: its conv/fc layers, a new column after each pooling layer."""
    keep = [
        n
        for n in analysis.layers
        if n.type in ("Conv2d", "Linear") or ("Pool" in n.type and n.output_shape != n.input_shapes[0])
    ]
    columns: list[list[Node]] = [[]]
    for n in keep:
        columns[-1].append(n)
        if "Pool" in n.type:
            columns.append([])
    columns = [c for c in columns if c]
    entry = f"input\n{format_shape(analysis.input_shape[1:])}"
    lines = [dot.node("input", {"label": entry, "fillcolor": CHAIN_FILLS["input"]})]
    for i, column in enumerate(columns):
        fill = [CHAIN_FILLS.get(n.type, CHAIN_FILLS["other"]) for n in column]
        boxes = [
            dot.node(f"n{n.id}", {"label": _chain_label(n), "fillcolor": f}) for n, f in zip(column, fill, strict=True)
        ]
        lines += dot.cluster(str(i), {"label": "", "color": CHAIN_FRAME}, boxes)
        lines += [dot.edge(f"n{a.id}", f"n{b.id}") for a, b in itertools.pairwise(column)]
    lines.append(dot.edge("input", f"n{columns[0][0].id}"))
    lines += [dot.edge(f"n{a[-1].id}", f"n{b[0].id}", {"constraint": "false"}) for a, b in itertools.pairwise(columns)]
    node: dot.Attrs = {
        "shape": "box",
        "style": "rounded,filled",
        "fontname": FONT,
        "fontsize": DIAGRAM_PT,
        "fillcolor": CHAIN_FILLS["other"],
    }
    return dot.digraph("chain", {"rankdir": "TB", "nodesep": 0.25, "ranksep": 0.3}, lines, node_attrs=node)


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
