"""Repeated blocks folded into one box: a run of identical blocks in a chain (ResNet-110's 17 blocks of
``3x3-3x3 block, 32`` after its stage's first) drawn as one box that says ``x 17``, as the papers' tables
write a stage ("[3x3, 32; 3x3, 32] x 18"). A very deep network then reads as its stages on one screen.

Only whole collapsed blocks fold, and only where the run is a plain chain (each block fed by the one
before it alone), so an expanded block (the teacher opening one) breaks the run and stays open.
"""

from __future__ import annotations

from dataclasses import replace

from .graphview import GraphNode, LayerGraph

TIMES = "\u00d7"  # the multiplication sign a paper writes: "x 17" reads as part of "3x3"


def fold_repeats(graph: LayerGraph) -> LayerGraph:
    """``graph`` with each run of two or more identical collapsed blocks in a chain drawn as one box."""
    ins: dict[int, list[int]] = {}
    outs: dict[int, list[int]] = {}
    for s, d in graph.edges:
        ins.setdefault(d, []).append(s)
        outs.setdefault(s, []).append(d)

    def continues(prev: GraphNode, node: GraphNode) -> bool:
        return (
            node.collapsed
            and prev.collapsed
            and node.label == prev.label
            and node.type == prev.type
            and ins.get(node.id) == [prev.id]
            and outs.get(prev.id) == [node.id]
        )

    runs: list[list[GraphNode]] = []
    for node in graph.nodes:
        if runs and continues(runs[-1][-1], node):
            runs[-1].append(node)
        else:
            runs.append([node])
    if all(len(run) == 1 for run in runs):
        return graph
    into: dict[int, int] = {}
    nodes: list[GraphNode] = []
    for new_id, run in enumerate(runs):
        first = run[0]
        into.update({n.id: new_id for n in run})
        if len(run) == 1:
            nodes.append(replace(first, id=new_id))
            continue
        nodes.append(
            replace(
                first,
                id=new_id,
                label=f"{first.label} {TIMES} {len(run)}",
                params=sum(n.params for n in run),
                macs=sum(n.macs for n in run),
                output_bytes=sum(n.output_bytes for n in run),
                layers=sum(n.layers for n in run),
                shape=run[-1].shape,
                repeats=tuple(n.name for n in run),
            )
        )

    def moved(pairs: tuple[tuple[int, tuple[int, ...]], ...]) -> tuple[tuple[int, tuple[int, ...]], ...]:
        return tuple((into[a], tuple(into[b] for b in bs)) for a, bs in pairs)

    edges = tuple(dict.fromkeys((into[s], into[d]) for s, d in graph.edges if into[s] != into[d]))
    return replace(
        graph,
        nodes=tuple(nodes),
        edges=edges,
        skips=frozenset((into[s], into[d]) for s, d in graph.skips if into[s] != into[d]),
        fans=moved(graph.fans),
        gathers=moved(graph.gathers),
    )
