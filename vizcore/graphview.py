"""The layer graph as a picture: collapse blocks to a depth, lay the graph out left to right, and draw
it as an interactive plotly figure or a standalone SVG. Pure functions from records to figures."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

import plotly.graph_objects as go

from .analysis import Analysis
from .formats import human_bytes, human_count
from .shapes import format_shape

# One colour per kind of layer, as data (torchview keeps node2color the same way).
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

_ACTIVATIONS = {
    "relu",
    "relu6",
    "gelu",
    "silu",
    "sigmoid",
    "tanh",
    "hardswish",
    "hardsigmoid",
    "softmax",
    "leaky_relu",
    "elu",
    "mish",
}
_RESHAPES = {
    "flatten",
    "view",
    "reshape",
    "permute",
    "transpose",
    "getitem",
    "contiguous",
    "chunk",
    "split",
    "dropout",
    "identity",
}


def category(op: str, type_name: str) -> str:
    """The colour group of a layer, from its op (``conv``, ``add``, ...) or a block's class name."""
    if op in ("input", "output"):
        return op
    if op.startswith("conv"):
        return "conv"
    if op in ("linear", "bilinear", "matmul", "bmm", "einsum"):
        return "linear"
    if op.endswith("norm") or "norm" in op:
        return "norm"
    if op in _ACTIVATIONS:
        return "activation"
    if "pool" in op:
        return "pool"
    if op in ("add", "sub", "mul"):
        return "add"
    if op in ("cat", "concat", "stack"):
        return "concat"
    if "attention" in op:
        return "attention"
    if op in _RESHAPES or op == "stochastic_depth":
        return "reshape"
    return "block" if op == "block" else "other"


@dataclass(frozen=True)
class GraphNode:
    id: int
    name: str
    type: str
    category: str
    shape: tuple[int, ...]
    params: int
    macs: int
    output_bytes: int
    layers: int  # how many traced layers this node stands for (1 unless collapsed)
    x: float = 0.0
    y: float = 0.0


@dataclass(frozen=True)
class LayerGraph:
    nodes: tuple[GraphNode, ...]
    edges: tuple[tuple[int, int], ...]  # indices into nodes

    @property
    def collapsible(self) -> list[str]:
        return [n.name for n in self.nodes if n.layers > 1]


def layer_graph(analysis: Analysis, depth: int | None = None, expanded: Sequence[str] = ()) -> LayerGraph:
    """The data-flow graph with blocks below ``depth`` collapsed into one node each, laid out."""
    blocks = analysis.groups(depth, frozenset(expanded))
    nodes = [GraphNode(0, "input", "input", "input", analysis.input_shape, 0, 0, 0, 0)]
    owner = {0: 0}
    for key, members in blocks:
        single = len(members) == 1 and members[0].name == key
        first = members[0]
        nodes.append(
            GraphNode(
                id=len(nodes),
                name=key,
                type=first.type if single else analysis.module_types.get(key, "block"),
                category=category(first.op, first.type) if single else "block",
                shape=members[-1].output_shape,
                params=sum(m.params for m in members),
                macs=sum(m.macs for m in members),
                output_bytes=sum(m.output_bytes for m in members if m.new_memory),
                layers=len(members),
            )
        )
        owner.update({m.id: len(nodes) - 1 for m in members})
    out = len(nodes)
    nodes.append(
        GraphNode(
            out, "output", "output", "output", analysis.output_shapes[0] if analysis.output_shapes else (), 0, 0, 0, 0
        )
    )
    pairs = [(owner[s], owner[d]) for s, d in analysis.edges] + [(owner[s], out) for s in analysis.output_edges]
    edges = tuple(dict.fromkeys((s, d) for s, d in pairs if s != d))
    return LayerGraph(tuple(_layout(nodes, edges)), edges)


def _layout(nodes: list[GraphNode], edges: Sequence[tuple[int, int]]) -> list[GraphNode]:
    """Layered layout: x is the longest path from the input; nodes sharing a layer are spread
    vertically around the mean of their predecessors, so chains stay straight and branches fan out."""
    preds: dict[int, list[int]] = {n.id: [] for n in nodes}
    for s, d in edges:
        preds[d].append(s)
    rank = {n.id: 0 for n in nodes}
    for n in nodes:  # ids are in execution order, which is topological
        if preds[n.id]:
            rank[n.id] = 1 + max(rank[p] for p in preds[n.id])
    lanes: dict[int, float] = {}
    by_rank: dict[int, list[int]] = {}
    for n in nodes:
        by_rank.setdefault(rank[n.id], []).append(n.id)
    for r in sorted(by_rank):
        wanted = sorted(((sum(lanes[p] for p in preds[i]) / len(preds[i]) if preds[i] else 0.0), i) for i in by_rank[r])
        placed: list[float] = []
        for want, _ in wanted:
            placed.append(max(want, placed[-1] + 1.0) if placed else want)
        shift = sum(w for w, _ in wanted) / len(wanted) - sum(placed) / len(placed)
        for (_, i), lane in zip(wanted, placed, strict=True):
            lanes[i] = lane + shift
    return [GraphNode(**{**n.__dict__, "x": float(rank[n.id]), "y": -lanes[n.id]}) for n in nodes]


def _edge_path(a: GraphNode, b: GraphNode) -> list[tuple[float, float]]:
    """A straight line between neighbours; a long edge on one lane bends aside (a skip connection)."""
    if b.x - a.x > 1 and abs(a.y - b.y) < 1e-9:
        bulge = min(0.45 + 0.05 * (b.x - a.x), 0.9)
        return [(a.x, a.y), (a.x + 0.5, a.y + bulge), (b.x - 0.5, b.y + bulge), (b.x, b.y)]
    return [(a.x, a.y), (b.x, b.y)]


COLOR_METRICS: Mapping[str, str] = {
    "type": "layer type",
    "macs": "MACs",
    "params": "parameters",
    "output_bytes": "memory",
}


def _hover(n: GraphNode) -> str:
    lines = [f"<b>{escape(n.name)}</b> ({escape(n.type)})", f"output {format_shape(n.shape)}"]
    if n.category not in ("input", "output"):
        lines += [
            f"params {n.params:,}",
            f"MACs {human_count(n.macs)} ({n.macs:,})",
            f"memory {human_bytes(n.output_bytes)}",
        ]
    if n.layers > 1:
        lines.append(f"{n.layers} layers collapsed")
    return "<br>".join(lines)


def graph_figure(
    graph: LayerGraph,
    color_by: str = "type",
    *,
    labels: bool | None = None,
    height: int | None = None,
    window: int = 18,
) -> go.Figure:
    """An interactive figure: zoom and pan, hover for numbers, click a node to select it (customdata
    holds its index in ``graph.nodes``). A long graph opens on its first ``window`` layers, readable,
    and pans from there; double-click shows all of it."""
    nodes = graph.nodes
    xs: list[float | None] = []
    ys: list[float | None] = []
    for s, d in graph.edges:
        for x, y in _edge_path(nodes[s], nodes[d]):
            xs.append(x)
            ys.append(y)
        xs.append(None)
        ys.append(None)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=xs, y=ys, mode="lines", line={"color": "#9aa0a6", "width": 1}, hoverinfo="skip", showlegend=False)
    )
    show_labels = len(nodes) <= 120 if labels is None else labels
    text = [_short(n.name) for n in nodes] if show_labels else None
    common = {
        "mode": "markers+text" if show_labels else "markers",
        "textposition": "bottom center",
        "textfont": {"size": 9},
    }
    if color_by == "type":
        for cat, color in CATEGORY_COLORS.items():
            idx = [i for i, n in enumerate(nodes) if n.category == cat]
            if not idx:
                continue
            fig.add_trace(
                go.Scatter(
                    x=[nodes[i].x for i in idx],
                    y=[nodes[i].y for i in idx],
                    customdata=idx,
                    name=cat,
                    text=[text[i] for i in idx] if text else None,
                    hovertext=[_hover(nodes[i]) for i in idx],
                    hoverinfo="text",
                    marker={
                        "symbol": "square",
                        "size": [_size(nodes[i]) for i in idx],
                        "color": color,
                        "line": {"width": 1, "color": "#222"},
                    },
                    **common,
                )
            )
    else:
        values = [getattr(n, color_by) for n in nodes]
        fig.add_trace(
            go.Scatter(
                x=[n.x for n in nodes],
                y=[n.y for n in nodes],
                customdata=list(range(len(nodes))),
                name=COLOR_METRICS[color_by],
                text=text,
                hovertext=[_hover(n) for n in nodes],
                hoverinfo="text",
                showlegend=False,
                marker={
                    "symbol": "square",
                    "size": [_size(n) for n in nodes],
                    "color": [math.log10(v + 1) for v in values],
                    "colorscale": "Viridis",
                    "line": {"width": 1, "color": "#222"},
                    "colorbar": {"title": {"text": f"log10 {COLOR_METRICS[color_by]}"}},
                },
                **common,
            )
        )
    ys_nodes = [n.y for n in nodes] or [0.0]
    lanes = max(ys_nodes) - min(ys_nodes) + 1
    last = max((n.x for n in nodes), default=0.0)
    fig.update_layout(
        height=height or int(min(max(260 + 70 * lanes, 360), 760)),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        dragmode="pan",
        hovermode="closest",
        clickmode="event+select",
        legend={"orientation": "h", "y": 1.02, "x": 0},
        xaxis={"visible": False, "range": [-0.6, min(last, window) + 0.6]},
        yaxis={"visible": False, "range": [min(ys_nodes) - 0.8, max(ys_nodes) + 1.0]},
    )
    return fig


def _short(name: str) -> str:
    """The label under a node: its last name part (the full name is in the hover), two parts where
    the last is only an index (``layer1.0``)."""
    parts = name.split(".")
    return ".".join(parts[-2:]) if parts[-1].isdigit() and len(parts) > 1 else parts[-1]


def _size(n: GraphNode) -> float:
    return 12.0 if n.layers <= 1 else min(12.0 + 3.0 * math.log2(n.layers), 30.0)


def graph_svg(graph: LayerGraph, title: str = "") -> str:
    """A standalone SVG of the same layout, for slides and documents."""
    sx, sy, pad = 120.0, 70.0, 60.0
    if not graph.nodes:
        return '<svg xmlns="http://www.w3.org/2000/svg"/>'
    min_x = min(n.x for n in graph.nodes)
    max_y = max(n.y for n in graph.nodes)
    width = (max(n.x for n in graph.nodes) - min_x) * sx + 2 * pad + 100
    height = (max_y - min(n.y for n in graph.nodes)) * sy + 2 * pad + 40

    def point(x: float, y: float) -> tuple[float, float]:
        return (x - min_x) * sx + pad, (max_y - y) * sy + pad + 30

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" font-family="Helvetica, Arial, sans-serif" font-size="10">',
        f'<rect width="100%" height="100%" fill="white"/><text x="{pad}" y="24" font-size="16">{escape(title)}</text>',
    ]
    for s, d in graph.edges:
        pts = [point(x, y) for x, y in _edge_path(graph.nodes[s], graph.nodes[d])]
        parts.append(
            '<polyline fill="none" stroke="#9aa0a6" points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts) + '"/>'
        )
    for n in graph.nodes:
        x, y = point(n.x, n.y)
        color = CATEGORY_COLORS.get(n.category, CATEGORY_COLORS["other"])
        parts.append(
            f"<g><title>{escape(n.name)} ({escape(n.type)}) {format_shape(n.shape)}, {n.params:,} params, {n.macs:,} MACs</title>"
            f'<rect x="{x - 7:.1f}" y="{y - 7:.1f}" width="14" height="14" rx="2" fill="{color}" stroke="#222"/>'
            f'<text x="{x:.1f}" y="{y + 20:.1f}" text-anchor="middle">{escape(_short(n.name))}</text>'
            f'<text x="{x:.1f}" y="{y + 31:.1f}" text-anchor="middle" fill="#555">{format_shape(n.shape[1:])}</text></g>'
        )
    parts.append("</svg>")
    return "\n".join(parts)
