"""The layer graph as the papers draw it: boxes carrying each layer's label and output shape, top to
bottom (or left to right), activations and the like folded into the box they follow, skip connections
as arcs beside the main column, branch modules (inception, fire, dense blocks) as outlined clusters.

Pure functions: ``layer_graph`` turns an analysis into records (collapsed to a depth, folded);
``graph_dot`` writes them as Graphviz DOT; ``layer_graph_svg`` is the one call that goes from an analysis
to the laid-out SVG (Graphviz's ``dot`` does the layout, see README's design notes).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .. import dot_writer as dot
from ..engine.analysis import Analysis
from ..formats import human_bytes, human_count, per_dim_text
from ..shapes import format_shape
from .folding import best_rows, box_width, columns, fold
from .render import render_svg
from .style import (
    CATEGORY_COLORS,
    EDGE,
    FONT,
    FRAME,
    GRAPH_CLUSTER,
    GRAPH_LABEL_PT,
    GRAPH_SHAPE_PT,
    ORIENTATIONS,
    OUTLINE,
    TEXT,
    TEXT_ON_DARK,
    VIRIDIS,
    fill_for,
)

# Layers a paper draws inside the box before them (ResNet's figure shows no BN or ReLU boxes).
_FOLDS = frozenset({"activation", "norm", "reshape"})

COLOR_METRICS: Mapping[str, str] = {
    "type": "layer type",
    "macs": "MACs",
    "params": "parameters",
    "output_bytes": "memory",
}


@dataclass(frozen=True)
class GraphNode:
    id: int  # index in LayerGraph.nodes
    name: str
    label: str  # what the box says: ``3x3 conv, 128, /2``, or what a collapsed block is (blocks.block_label)
    type: str
    category: str
    shape: tuple[int, ...]  # the box's output shape (its first layer's, before anything folded in)
    params: int
    macs: int
    output_bytes: int
    layers: int  # traced layers this box stands for: 1, more when collapsed or folded
    folded: tuple[str, ...] = ()  # labels of the layers folded into this box (``bn``, ``relu``)
    collapsed: bool = False  # a block drawn as one box, which can be expanded
    main: bool = True  # on the network's main column (not inside a branch or a shortcut)
    receptive_field: tuple[int, ...] = ()  # of the box's last layer (receptive.py)
    effective_stride: tuple[float, ...] = ()
    repeats: tuple[str, ...] = ()  # the identical blocks this box stands for, when it says "x N" (repeats.py)


@dataclass(frozen=True)
class LayerGraph:
    nodes: tuple[GraphNode, ...]
    edges: tuple[tuple[int, int], ...]  # indices into nodes
    clusters: tuple[str, ...] = ()  # branch modules drawn outlined, outermost first
    skips: frozenset[tuple[int, int]] = frozenset()  # identity shortcuts: drawn as arcs beside the column
    hidden: int = 0  # dense connectivity: edges into concatenations left out (another path implies them)
    # a branch module's fork box and the boxes its branches start with, in concatenation order ...
    fans: tuple[tuple[int, tuple[int, ...]], ...] = ()
    # ... and its concatenation's box and the boxes its branches end with, in the same order
    gathers: tuple[tuple[int, tuple[int, ...]], ...] = ()

    @property
    def collapsible(self) -> list[str]:
        return [n.name for n in self.nodes if n.collapsed]


def layer_graph(
    analysis: Analysis, depth: int | None = None, expanded: Sequence[str] = (), *, fold: bool = True
) -> LayerGraph:
    """The data-flow graph with blocks below ``depth`` collapsed into one box each (a block named in
    ``expanded`` opens one level); with ``fold``, a norm, activation, dropout or reshape that simply
    follows a box is drawn inside it."""
    side = {i for b in analysis.blocks for br in b.branches for i in br.ids if b.kind == "branch" or br is b.skip}
    nodes = [GraphNode(0, "input", "input", "input", "input", analysis.input_shape, 0, 0, 0, 0)]
    owner = {0: 0}
    for key, members in analysis.groups(depth, frozenset(expanded)):
        first = members[0]
        single = len(members) == 1 and first.name == key
        nodes.append(
            GraphNode(
                id=len(nodes),
                name=key,
                label=first.label if single else analysis.group_label(key, members),
                type=first.type if single else analysis.module_types.get(key, "block"),
                category=first.op_kind if single else "block",
                shape=members[-1].output_shape,
                params=sum(m.params for m in members),
                macs=sum(m.macs for m in members),
                output_bytes=sum(m.output_bytes for m in members if m.new_memory),
                layers=len(members),
                collapsed=not single,
                main=not any(m.id in side for m in members),
                receptive_field=members[-1].receptive_field,
                effective_stride=members[-1].effective_stride,
            )
        )
        owner.update({m.id: len(nodes) - 1 for m in members})
    out = len(nodes)
    shape = analysis.output_shapes[0] if analysis.output_shapes else ()
    nodes.append(GraphNode(out, "output", "output", "output", "output", shape, 0, 0, 0, 0))
    pairs = [(owner[s], owner[d]) for s, d in analysis.edges] + [(owner[s], out) for s in analysis.output_edges]
    edges = list(dict.fromkeys((s, d) for s, d in pairs if s != d))
    skips = {(owner[s], owner[d]) for s, d in _identity_edges(analysis)}
    box = owner
    if fold:
        nodes, edges, into = _fold(nodes, edges)
        skips = {(into[s], into[d]) for s, d in skips}
        box = {i: into[b] for i, b in owner.items()}
    clusters = tuple(dict.fromkeys(b.name for b in analysis.blocks if b.kind == "branch" and b.name))
    names = {n.name for n in nodes}
    drawn = tuple(c for c in clusters if c not in names)  # a collapsed cluster is just its box
    kept = _thin_dense(nodes, edges)
    return LayerGraph(
        tuple(nodes),
        tuple(kept),
        drawn,
        frozenset(e for e in skips if e in kept),
        len(edges) - len(kept),
        *_fans(analysis, box, kept),
    )


MAX_FAN = 8  # branches a fork box gives ports to, in order (more: Graphviz places them freely)


Fan = tuple[tuple[int, tuple[int, ...]], ...]


def _fans(analysis: Analysis, box: Mapping[int, int], edges: Sequence[tuple[int, int]]) -> tuple[Fan, Fan]:
    """For each branch module, its fork's box and the boxes its branches start with, and its concat's
    box and the boxes they end with, in the order the branches enter the concatenation (an identity
    branch: the concat's box, the fork's box). Drawn leaving and entering in that order, the branches
    stand left to right as the papers draw an inception module."""
    into: dict[int, set[int]] = {}
    for s, d in edges:
        into.setdefault(d, set()).add(s)
    fans: dict[int, tuple[int, ...]] = {}
    gathers: dict[int, tuple[int, ...]] = {}
    for b in analysis.blocks:
        ids = [i for br in b.branches for i in br.ids]
        if b.kind != "branch" or len(ids) != len(set(ids)):
            continue  # dense blocks' branches share layers: no order to keep
        starts = tuple(dict.fromkeys(box[br.ids[0]] if br.ids else box[b.join_id] for br in b.branches))
        forks = set.intersection(*(into.get(t, set()) for t in starts))
        if not 1 < len(starts) <= MAX_FAN or len(forks) != 1:
            continue
        fork, join = forks.pop(), box[b.join_id]
        fans.setdefault(fork, starts)
        ends = tuple(dict.fromkeys(box[br.ids[-1]] if br.ids else fork for br in b.branches))
        if len(ends) == len(starts) and all(e in into.get(join, set()) for e in ends):
            gathers.setdefault(join, ends)
    return tuple(sorted(fans.items())), tuple(sorted(gathers.items()))


DENSE_FAN_IN = 5  # boxes gathering more inputs than this on average: dense connectivity


def _thin_dense(nodes: Sequence[GraphNode], edges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Where boxes gather many earlier outputs (DenseNet: every layer feeds every later one), leave
    out each edge into such a box that another path already implies. Drawn in full, a dense block of
    48 layers has over a thousand long edges and takes Graphviz minutes to lay out; the chain that
    remains shows the order, and the block's outline says what it is. Residual adds (two inputs) and
    inception concatenations (four) are never thinned."""
    fan_in: dict[int, int] = {}
    for _, b in edges:
        fan_in[b] = fan_in.get(b, 0) + 1
    gather = {b for b, k in fan_in.items() if k > 2}
    if not gather or sum(fan_in[b] for b in gather) <= DENSE_FAN_IN * len(gather):
        return edges
    outs: dict[int, list[int]] = {}
    for a, b in edges:
        outs.setdefault(a, []).append(b)
    reach: dict[int, int] = {}  # node -> bitset of the nodes reachable from it (ids are topological)
    for n in reversed(nodes):
        bits = 0
        for b in outs.get(n.id, []):
            bits |= reach.get(b, 0) | (1 << b)
        reach[n.id] = bits
    return [
        (a, b)
        for a, b in edges
        if b not in gather or not any(c != b and reach.get(c, 0) >> b & 1 for c in outs.get(a, []))
    ]


def _identity_edges(analysis: Analysis) -> list[tuple[int, int]]:
    """Each residual block's identity shortcut: the edge from its fork straight into its add."""
    ends = {}
    for b in analysis.blocks:
        if b.kind == "residual" and b.shortcut == "identity":
            ends[b.join_id] = {br.ids[-1] for br in b.branches if br.ids}
    return [(s, d) for s, d in analysis.edges if d in ends and s not in ends[d]]


def _fold(
    nodes: list[GraphNode], edges: list[tuple[int, int]]
) -> tuple[list[GraphNode], list[tuple[int, int]], list[int]]:
    """Merge each foldable box into the box it follows when that box feeds it alone, in execution
    order, so conv -> bn -> relu becomes one box; then renumber. Also gives old index -> new index."""
    into = list(range(len(nodes)))  # node index -> the box it is drawn in
    merged = {n.id: n for n in nodes}
    outs: dict[int, list[int]] = {}
    ins: dict[int, list[int]] = {}
    for s, d in edges:
        outs.setdefault(s, []).append(d)
        ins.setdefault(d, []).append(s)
    for n in nodes[1:-1]:
        sources = ins.get(n.id, [])
        if n.collapsed or len(sources) != 1:
            continue
        if n.category not in _FOLDS and not (n.category == "pool" and n.shape == nodes[sources[0]].shape):
            continue  # (a pool that changes nothing, AlexNet's 6x6 average at 227, folds too)
        head = into[sources[0]]
        if head == 0 or len({into[d] for d in outs.get(sources[0], [])}) != 1:
            continue
        h = merged[head]
        merged[head] = GraphNode(
            **{
                **h.__dict__,
                "params": h.params + n.params,
                "macs": h.macs + n.macs,
                "output_bytes": h.output_bytes + n.output_bytes,
                "layers": h.layers + n.layers,
                "folded": (*h.folded, n.label, *n.folded),
            }
        )
        into[n.id] = head
        del merged[n.id]
    keep = sorted(merged)
    index = {old: new for new, old in enumerate(keep)}
    new_nodes = [GraphNode(**{**merged[old].__dict__, "id": index[old]}) for old in keep]
    new_edges = dict.fromkeys((index[into[s]], index[into[d]]) for s, d in edges if into[s] != into[d])
    return new_nodes, list(new_edges), [index[into[i]] for i in range(len(nodes))]


# -- drawing ------------------------------------------------------------------------------------
def _ramp(t: float) -> str:
    """A viridis colour for ``t`` in [0, 1], interpolated between five stops."""
    t = min(max(t, 0.0), 1.0) * (len(VIRIDIS) - 1)
    i = min(int(t), len(VIRIDIS) - 2)
    a, b = VIRIDIS[i], VIRIDIS[i + 1]
    mix = [round(int(a[k : k + 2], 16) * (1 - (t - i)) + int(b[k : k + 2], 16) * (t - i)) for k in (1, 3, 5)]
    return "#" + "".join(f"{c:02x}" for c in mix)


def _tooltip(n: GraphNode) -> str:
    parts = [f"{n.name} ({n.type})", f"output {format_shape(n.shape)}"]
    if n.category not in ("input", "output"):
        parts += [f"{n.params:,} params", f"{human_count(n.macs)} MACs", human_bytes(n.output_bytes)]
    if n.receptive_field and n.category not in ("input", "output"):
        parts.append(f"RF {per_dim_text(n.receptive_field)}, stride {per_dim_text(n.effective_stride)}")
    if n.folded:
        parts.append("with " + ", ".join(n.folded))
    return "; ".join(parts)


def graph_dot(
    graph: LayerGraph, color_by: str = "type", orientation: str = "vertical", title: str = "", rows: int = 0
) -> str:
    """Graphviz DOT of the graph: each box says its label over its output shape; the main column's
    boxes share a group (``dot`` keeps them straight), and identity shortcuts are weight-0 arcs.
    ``folded`` cuts the chain into ``rows`` rows (0: as many as make the labels largest on a 16:9 screen)."""
    _rankdir(orientation)
    return _document(_body(graph, color_by, "", _rows(graph, orientation, rows)), orientation, title)


def graphs_dot(graphs: Sequence[tuple[str, LayerGraph]], color_by: str = "type", orientation: str = "vertical") -> str:
    """Several graphs side by side in one drawing, each in a frame titled by its name (one graph:
    no frame, its name as the drawing's title)."""
    if len(graphs) == 1:
        return graph_dot(graphs[0][1], color_by, orientation, graphs[0][0])
    _rankdir(orientation)
    lines = []
    for i, (name, graph) in enumerate(graphs):
        frame: dot.Attrs = {"label": name, "fontsize": GRAPH_LABEL_PT, "style": "solid", "color": FRAME}
        lines += dot.cluster(f"model{i}", frame, _body(graph, color_by, f"m{i}_", _rows(graph, orientation, 0)))
    return _document(lines, orientation, "")


# A box's height in a left-to-right layout, with the gap to the next one below (points).
_BOX_HEIGHT_PT = 60.0


def _widths(graph: LayerGraph) -> list[float]:
    return [box_width(n.label, GRAPH_LABEL_PT) for n in graph.nodes]


def fold_choices(graph: LayerGraph) -> list[int]:
    """The row counts worth laying out for a screen of unknown size: around the best for 16:9."""
    best = best_rows(_widths(graph), graph.edges, _BOX_HEIGHT_PT)
    return sorted({max(2, best - 1), max(2, best), best + 1})


def _rows(graph: LayerGraph, orientation: str, rows: int) -> tuple[int, ...] | None:
    """Each box's row when ``orientation`` folds the chain, else None."""
    if orientation != "folded":
        return None
    widths = _widths(graph)
    return fold(widths, graph.edges, rows or best_rows(widths, graph.edges, _BOX_HEIGHT_PT))


def _rankdir(orientation: str) -> str:
    rankdir = ORIENTATIONS.get(orientation)
    if rankdir is None:
        raise ValueError(f"orientation must be one of {', '.join(ORIENTATIONS)}")
    return rankdir


def _document(body: list[str], orientation: str, title: str) -> str:
    attrs: dict[str, dot.Value] = {
        "rankdir": _rankdir(orientation),
        "nodesep": 0.25,
        "ranksep": 0.18,
        "newrank": "true",
        "outputorder": "edgesfirst",
        "bgcolor": "white",
        "pad": 0.2,
    }
    if title:
        attrs.update(fontname=FONT, fontsize=GRAPH_LABEL_PT, labelloc="t", label=title)
    node: dot.Attrs = {
        "shape": "box",
        "style": "rounded,filled",
        "fontname": FONT,
        "margin": "0.12,0.02",
        "penwidth": 1.4,
    }
    edge: dot.Attrs = {"color": EDGE, "arrowsize": 0.7, "penwidth": 1.3}
    return dot.digraph("layers", attrs, body, node_attrs=node, edge_attrs=edge)


def _body(graph: LayerGraph, color_by: str, prefix: str, rows: Sequence[int] | None = None) -> list[str]:
    """Node, cluster and edge statements of one graph; ``prefix`` keeps ids apart in a multi-graph.
    With ``rows`` (each box's row), every row is an invisible cluster whose boxes stay in line, and the
    rows snake: every other one runs right to left, so the edge into the next row is a short turn down."""
    if color_by not in COLOR_METRICS:
        raise ValueError(f"color_by must be one of {', '.join(COLOR_METRICS)}")
    values = [getattr(n, color_by) for n in graph.nodes] if color_by != "type" else []
    fans, gathers = dict(graph.fans), dict(graph.gathers)
    top = max((math.log10(v + 1) for v in values), default=1.0) or 1.0
    statements: dict[str, list[str]] = {}
    parts: list[tuple[int, list[str]]] = []  # statements, each with the box that places it in a row
    first: dict[str, int] = {}  # a cluster's first box: which row it goes in
    where: dict[int, str] = {}  # box -> the cluster it is drawn in
    for n in graph.nodes:
        if color_by == "type":
            stroke = CATEGORY_COLORS.get(n.category, CATEGORY_COLORS["other"])
            fill, font = fill_for(n.category), TEXT
        else:
            level = math.log10(getattr(n, color_by) + 1) / top
            fill, stroke, font = _ramp(level), OUTLINE, TEXT if level > 0.55 else TEXT_ON_DARK
        attrs: dict[str, dot.Value] = {
            "id": f"{prefix}node{n.id}",
            "class": f"layer {n.category}",
            "tooltip": _tooltip(n),
            "color": stroke,
            "fillcolor": fill,
            "fontcolor": font,
        }
        if n.category == "add" and not n.collapsed:
            label = dot.html_label(("+", GRAPH_LABEL_PT))  # the papers' circled plus
            attrs.update(shape="circle", width=0.42, fixedsize="true", style="filled")
        else:
            shape_text = format_shape(n.shape[1:]) if len(n.shape) > 1 else format_shape(n.shape)
            text = ((n.label, GRAPH_LABEL_PT), (shape_text, GRAPH_SHAPE_PT))
            ports, above = len(fans.get(n.id, ())), len(gathers.get(n.id, ()))
            label = dot.ports_label(*text, ports=ports, ins=above) if ports or above else dot.html_label(*text)
            if n.collapsed:
                attrs.update(style="rounded,filled,bold", penwidth=2.5, peripheries=2)
        if n.main:
            attrs["group"] = f"{prefix}main" if rows is None else f"{prefix}row{rows[n.id]}"
        cluster = next((c for c in reversed(graph.clusters) if n.name.startswith(c + ".")), "")
        statement = dot.node(f"{prefix}n{n.id}", {"label": label, **attrs})
        where[n.id] = cluster
        if cluster:
            statements.setdefault(cluster, []).append(statement)
            first.setdefault(cluster, n.id)
        else:
            parts.append((n.id, [statement]))
    for starts in fans.values() if rows is None else ():  # a module's branches start side by side, in
        # their ports' order (folded rows place every box in a column of its own instead)
        inside = {where[t] for t in starts}
        if len(inside) == 1:
            names = " ".join(dot.quote(f"{prefix}n{t}") + ";" for t in starts)
            rank = f"{{rank=same; {names}}}"
            cluster = inside.pop()
            if cluster:
                statements[cluster].append(rank)
            else:
                parts.append((starts[0], [rank]))
    for c in graph.clusters:
        if c not in statements:
            continue
        outline: dot.Attrs = {
            "label": c,
            "fontname": FONT,
            "fontsize": GRAPH_SHAPE_PT,
            "style": "rounded,dashed",
            "color": GRAPH_CLUSTER,
            "labeljust": "l",
        }
        parts.append((first[c], dot.cluster(f"{prefix}{c}", outline, statements[c])))
    lines = _in_rows(parts, rows, prefix)
    for s, d in graph.edges:
        edge: dict[str, dot.Value] = {"weight": 0 if (s, d) in graph.skips else 4}
        tail, head = f"{prefix}n{s}", f"{prefix}n{d}"
        if rows is not None and rows[s] == rows[d] and rows[s] % 2:  # a row running right to left
            tail, head = head, tail
            edge["dir"] = "back"
        elif rows is None:  # each branch leaves by its own port and enters the concat by its own
            if d in fans.get(s, ()) and graph.nodes[s].category != "add":
                edge["tailport"] = f"p{fans[s].index(d) + 1}"
            if s in gathers.get(d, ()) and graph.nodes[d].category != "add":
                edge["headport"] = f"i{gathers[d].index(s) + 1}"
        lines.append(dot.edge(tail, head, edge))
    if rows is not None:  # every box in its column: the turn into the next row runs straight down
        stacks: dict[int, list[str]] = {}
        for n, column in zip(graph.nodes, columns(rows, graph.edges), strict=True):
            stacks.setdefault(column, []).append(dot.quote(f"{prefix}n{n.id}"))
        lines += [f"{{rank=same; {'; '.join(boxes)};}}" for _, boxes in sorted(stacks.items()) if len(boxes) > 1]
    return lines


def _in_rows(parts: list[tuple[int, list[str]]], rows: Sequence[int] | None, prefix: str) -> list[str]:
    """Boxes and branch clusters in drawing order; with ``rows``, wrapped in one invisible cluster per row."""
    if rows is None:
        return [line for _, lines in parts for line in lines]
    by_row: dict[int, list[str]] = {}
    for box, lines in parts:
        by_row.setdefault(rows[box], []).extend(lines)
    out = []
    for r, members in sorted(by_row.items(), reverse=True):  # last first: a left-to-right drawing stacks
        # the clusters it meets first at the bottom
        out += dot.cluster(f"{prefix}row{r}", {"peripheries": 0, "label": ""}, members)
    return out


def layer_graph_svg(
    analysis: Analysis,
    depth: int | None = None,
    expanded: Sequence[str] = (),
    *,
    color_by: str = "type",
    orientation: str = "vertical",
    fold: bool = True,
    title: str = "",
) -> str:
    """The layer graph of ``analysis`` as SVG text, laid out by Graphviz: the stable public door for
    anything that wants the picture (the app's page, exports, a lecture tour)."""
    graph = layer_graph(analysis, depth, expanded, fold=fold)
    return render_svg(graph_dot(graph, color_by, orientation, title))


def node_details(graph: LayerGraph) -> dict[str, dict[str, str]]:
    """What a click on a box shows, keyed by the SVG element id (``node5``): plain strings."""
    return {
        f"node{n.id}": {
            "name": n.name,
            "label": n.label,
            "type": n.type,
            "output": format_shape(n.shape),
            "params": f"{n.params:,}",
            "macs": f"{human_count(n.macs)} ({n.macs:,})",
            "memory": human_bytes(n.output_bytes),
            "rf": f"{per_dim_text(n.receptive_field)}, stride {per_dim_text(n.effective_stride)}"
            if n.receptive_field
            else "",
            "layers": str(n.layers),
            "folded": ", ".join(n.folded)
            or (f"{len(n.repeats)} identical blocks, {n.repeats[0]} to {n.repeats[-1]}" if n.repeats else ""),
        }
        for n in graph.nodes
    }
