"""Layout engines on ResNet-152 at full depth: Graphviz ``dot`` (what vizcore uses) against igraph's
Sugiyama layout, on speed and on quality: edge crossings, and how straight the main column stays
(the share of consecutive main-column boxes that sit exactly one above the other).

    .venv/bin/python -m benchmarks.bench_layout [model ...]

Both get the same graph: the folded layer graph the app draws (boxes, not every bn and relu).
"""

from __future__ import annotations

import re
import sys
import time
from itertools import combinations

import igraph
import pygraphviz

import vizcore
from vizcore.drawing.graphview import LayerGraph, graph_dot, layer_graph

Point = tuple[float, float]
Segment = tuple[Point, Point]


def _cross(a: Segment, b: Segment) -> bool:
    """Proper crossing of two segments (touching at an end, as edges meeting at a box do, is not one)."""

    def orient(p: Point, q: Point, r: Point) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    (p1, p2), (q1, q2) = a, b
    if {p1, p2} & {q1, q2}:
        return False
    d1, d2 = orient(q1, q2, p1), orient(q1, q2, p2)
    d3, d4 = orient(p1, p2, q1), orient(p1, p2, q2)
    return d1 * d2 < 0 and d3 * d4 < 0


def crossings(edges: list[list[Point]]) -> int:
    """Crossings between different edges, each edge a polyline."""
    segs = [[(path[i], path[i + 1]) for i in range(len(path) - 1)] for path in edges]
    count = 0
    for i, j in combinations(range(len(segs)), 2):
        if any(_cross(a, b) for a in segs[i] for b in segs[j]):
            count += 1
    return count


def straightness(graph: LayerGraph, x: dict[int, float], tolerance: float) -> float:
    main = [n.id for n in graph.nodes if n.main]
    pairs = [(a, b) for a, b in graph.edges if a in main and b in main]
    return sum(abs(x[a] - x[b]) <= tolerance for a, b in pairs) / max(len(pairs), 1)


def with_dot(graph: LayerGraph) -> tuple[float, int, float]:
    dot = graph_dot(graph)
    start = time.perf_counter()
    drawn = pygraphviz.AGraph(string=dot)
    drawn.layout(prog="dot")
    seconds = time.perf_counter() - start
    x = {int(n[1:]): float(drawn.get_node(n).attr["pos"].split(",")[0]) for n in drawn.nodes()}
    paths = []
    for edge in drawn.edges():
        points = [p for p in edge.attr["pos"].split() if not p.startswith(("e,", "s,"))]
        paths.append([(float(a), float(b)) for a, b in (re.split(",", p) for p in points)])
    return seconds, crossings(paths), straightness(graph, x, 1.0)


def with_igraph(graph: LayerGraph) -> tuple[float, int, float]:
    """igraph 1.0's Python layout_sugiyama gives node positions only (no routes for long edges), so
    its edges are drawn straight, as they would be on the page without a router of our own."""
    g = igraph.Graph(n=len(graph.nodes), edges=list(graph.edges), directed=True)
    start = time.perf_counter()
    coords = g.layout_sugiyama(maxiter=100).coords[: len(graph.nodes)]
    seconds = time.perf_counter() - start
    paths = [[tuple(coords[s]), tuple(coords[d])] for s, d in graph.edges]
    x = {i: float(c[0]) for i, c in enumerate(coords)}
    return seconds, crossings(paths), straightness(graph, x, 1e-6)


def main(models: list[str]) -> None:
    for model in models:
        graph = layer_graph(vizcore.analyze(model, device="cpu"))
        print(f"{model} at full depth: {len(graph.nodes)} boxes, {len(graph.edges)} edges")
        for name, engine in (("graphviz dot", with_dot), ("igraph sugiyama", with_igraph)):
            seconds, crossed, straight = engine(graph)
            print(f"  {name:16s} {seconds * 1e3:8.1f} ms  {crossed:4d} crossings  main column straight {straight:.0%}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["resnet152", "googlenet", "densenet121"])
