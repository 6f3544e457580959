"""Folding a long chain into rows for a wide screen: where it may be cut, how rows are balanced, how many
rows a 16:9 screen wants, and ResNet-50's layer graph drawn folded (a snake of rows, laid out by Graphviz)."""

from __future__ import annotations

import re

import pytest

import vizcore
from vizcore.drawing.folding import best_rows, columns, cut_points, fold, folded_size, largest, ranks
from vizcore.drawing.graphview import fold_choices, graph_dot, layer_graph
from vizcore.drawing.paper_figures import columns_svg
from vizcore.drawing.projector import view_box
from vizcore.drawing.render import render_svg

CHAIN = [(i, i + 1) for i in range(11)]  # twelve boxes in a line


def test_cuts_never_split_a_block() -> None:
    # 0 -> 1 -> 2 -> 3 -> 4 with a shortcut 1 -> 3: nothing may cut between 1's fork and 3's join
    edges = [(0, 1), (1, 2), (2, 3), (1, 3), (3, 4)]
    assert cut_points(5, edges) == [0, 1, 3]
    assert ranks(5, edges) == [0, 1, 2, 3, 4]
    assert fold([1.0] * 5, edges, 2) == (0, 0, 1, 1, 1)  # not after 2 (inside the block): after its fork
    # a fork into two branches that meet again: ranks count the longer one
    assert ranks(5, [(0, 1), (0, 2), (2, 3), (1, 4), (3, 4)]) == [0, 1, 1, 2, 3]


def test_rows_are_balanced_by_width() -> None:
    assert fold([1.0] * 12, CHAIN, 3) == (0,) * 4 + (1,) * 4 + (2,) * 4
    assert fold([1.0] * 12, CHAIN, 1) == (0,) * 12
    # a wide first box: the first row holds fewer boxes
    assert fold([5.0] + [1.0] * 11, CHAIN, 2) == (0,) * 4 + (1,) * 8
    # more rows than boxes: one box a row
    assert fold([1.0] * 3, CHAIN[:2], 5) == (0, 1, 2)


def test_rows_snake_in_fixed_columns() -> None:
    # each row starts under the box the last one ended with, every other row running back
    assert columns((0,) * 4 + (1,) * 4 + (2,) * 4, CHAIN) == [0, 1, 2, 3, 3, 2, 1, 0, 0, 1, 2, 3]
    # a short row after a long one: the next row starts where it ended, with no gap
    assert columns((0, 0, 0, 1, 1, 2, 2, 2), CHAIN[:7]) == [0, 1, 2, 2, 1, 1, 2, 3]
    # a fork whose branches meet again inside a row: both branches in the same column
    assert columns((0, 0, 0, 0), [(0, 1), (0, 2), (1, 3), (2, 3)]) == [0, 1, 1, 2]


def test_rows_for_the_screen() -> None:
    # twelve boxes 100 wide and 60 tall (plus a 36 gap a row)
    assert folded_size([100.0] * 12, CHAIN, 3, 60.0) == (400.0, 3 * 96.0)
    assert best_rows([100.0] * 12, CHAIN, 60.0, (16.0, 9.0)) == 3  # 400x288: scale 0.031 vs 0.027 at 2 or 4
    # a portrait screen: four rows of three (300x384: scale 0.030; five rows tie, and fewer rows win)
    assert best_rows([100.0] * 12, CHAIN, 60.0, (9.0, 16.0)) == 4
    sizes = {"vertical": (200.0, 1200.0), "horizontal": (4000.0, 80.0), "folded": (1200.0, 300.0)}
    assert largest(sizes, (1920.0, 1080.0)) == "folded"
    assert largest(sizes, (500.0, 3000.0)) == "vertical"


@pytest.fixture(scope="module")
def resnet50() -> vizcore.Analysis:
    return vizcore.analyze("resnet50", device="cpu")


def test_resnet50_folds_into_a_snake_of_rows(resnet50: vizcore.Analysis) -> None:
    graph = layer_graph(resnet50, 2)  # the page's default depth: 16 bottlenecks in a chain of 22 boxes
    assert len(graph.nodes) == 22
    choices = fold_choices(graph)  # around the best estimate for 16:9 (from the labels' widths)
    assert 4 in choices and choices == list(range(choices[0], choices[0] + 3))
    dot = graph_dot(graph, orientation="folded", rows=4)
    assert dot.count('subgraph "cluster_row') == 4
    stacks = [set(re.findall(r'"n(\d+)"', line)) for line in dot.splitlines() if "rank=same" in line]
    for end, start in ((5, 6), (10, 11), (15, 16)):  # each turn into the next row runs straight down
        assert any({str(end), str(start)} <= stack for stack in stacks), (end, start)
    rows = [re.findall(r'"n(\d+)" \[label=', part) for part in dot.split('subgraph "cluster_row')[1:]]
    assert [len(r) for r in rows] == [6, 5, 5, 6]  # written last row first (Graphviz stacks those at the top)
    assert [int(r[0]) for r in rows] == [16, 11, 6, 0]  # each row a whole stretch
    assert dot.count('dir="back"') == 4 + 5  # rows 1 and 3 run right to left
    tall, wide = (
        view_box(render_svg(graph_dot(graph))),
        view_box(render_svg(graph_dot(graph, orientation="horizontal"))),
    )
    folded = view_box(render_svg(dot))
    screen = (1920.0, 1080.0)
    scales = {name: min(screen[0] / w, screen[1] / h) for name, (w, h) in (("v", tall), ("h", wide), ("f", folded))}
    # the papers' block names (1x1-3x3-1x1 block, 256, /2) make boxes wider than module paths did
    assert scales["f"] > 1.35 * max(scales["v"], scales["h"]), scales  # 1.28 against 0.88 and 0.39
    with pytest.raises(ValueError, match="orientation"):
        graph_dot(graph, orientation="diagonal")


def test_figure_3_folds_into_two_panels() -> None:
    analyses = [vizcore.analyze(m, device="cpu") for m in ("vgg19", "plain34", "resnet34")]
    tall, folded = columns_svg(analyses), columns_svg(analyses, "folded")
    labels = sorted(re.findall(r'class="label"[^>]*>([^<]+)<', tall))
    assert sorted(re.findall(r'class="label"[^>]*>([^<]+)<', folded)) == labels  # every box, once
    titles = re.findall(r'class="title"[^>]*>([^<]+)<', folded)
    assert titles == ["VGG-19", "VGG-19", "34-layer plain", "34-layer plain", "34-layer residual", "34-layer residual"]
    assert folded.count('class="flow continued"') == 6  # each column: out of the first panel, into the second
    # cut between output sizes 28 and 14: each panel starts with a size band of its own
    assert re.findall(r'class="size"[^>]*>([^<]+)<', folded) == [
        f"output size: {s}" for s in (224, 112, 56, 28, 14, 7, 1)
    ]
    (w0, h0), (w1, h1) = view_box(tall), view_box(folded)
    assert (w0, h0) == (1092, 1733) and (w1, h1) == (2224, 913)
    # on a whole 1920x1080 screen, labels (15 units) drawn at 15 * scale px: 9.3 px tall, 12.9 px folded
    assert 15 * min(1920 / w0, 1080 / h0) < 10 < 12 < 15 * min(1920 / w1, 1080 / h1)
