"""The layer graph on a 1080p projector, computed without a browser: the label size the app's viewer
gives a drawing (its labels' font size times the fit of its viewBox into the presentation-mode stage,
as tests/browser/test_projector.py measures it in Chromium), repeated blocks folded into "x N" boxes,
and every zoo model's projector default whole on the screen with labels of 14 px or more."""

from __future__ import annotations

from pathlib import Path

import pytest

import vizcore
from vizcore.drawing.graphview import node_details
from vizcore.drawing.projector import (
    READABLE_PX,
    ROOM_1080P,
    best_layout,
    label_px,
    projector_graph,
    projector_view,
    view_box,
    whole,
)
from vizcore.drawing.repeats import TIMES


def svg(width: float, height: float) -> str:
    return f'<svg width="{width}pt" height="{height}pt" viewBox="0.00 0.00 {width:.2f} {height:.2f}">'


def test_label_size_is_the_fit_of_the_view_box() -> None:
    assert ROOM_1080P == (1824.0, 706.0)
    assert view_box(svg(912, 353)) == (912.0, 353.0)
    assert label_px(svg(912, 353)) == 36.0  # half the room either way: 18 pt labels drawn at 36 px
    assert label_px(svg(912, 100)) == 36.0  # the narrower side decides
    assert label_px(svg(100, 100)) == 72.0  # a tiny graph is never blown up past 4x
    tiny = label_px(svg(9120, 706))  # as long as ResNet-1202 in one row: 3.6 px
    assert tiny == pytest.approx(3.6) and not whole(tiny) and whole(8.0)
    layouts = {"vertical": svg(300, 2000), "horizontal": svg(4000, 120), "folded": svg(1500, 700)}
    assert best_layout(layouts) == "folded"
    assert best_layout(layouts, (500.0, 3000.0)) == "vertical"  # a portrait screen
    assert best_layout({"a": svg(160, 90), "b": svg(320, 180)}) == "a"


def test_repeated_blocks_fold_into_one_box_each() -> None:
    result = vizcore.analyze("resnet110_cifar")  # three stages of 18 blocks: 54 boxes at depth 1
    assert len(projector_graph(result, 1, False).nodes) == 59
    graph = projector_graph(result, 1, True)
    assert [n.label for n in graph.nodes] == [
        "input",
        "3x3 conv, 16",
        f"3x3-3x3 block, 16 {TIMES} 18",
        "3x3-3x3 block, 32, /2",
        f"3x3-3x3 block, 32 {TIMES} 17",
        "3x3-3x3 block, 64, /2",
        f"3x3-3x3 block, 64 {TIMES} 17",
        "avg pool",
        "fc 10",
        "output",
    ]
    assert graph.edges == tuple((i, i + 1) for i in range(9))
    assert graph.nodes[2].repeats == tuple(str(i) for i in range(3, 21))  # Sequential's children 3..20
    assert node_details(graph)["node2"]["folded"] == "18 identical blocks, 3 to 20"  # what a click says
    assert sum(n.params for n in graph.nodes) == result.totals.params == 1_727_962  # the paper: 1.7 M
    # the teacher expands the first block of the first stage: it opens, the other 17 stay one box
    opened = projector_graph(result, 1, True, ("3",))
    assert [n.label for n in opened.nodes[2:6]] == [
        "3x3 conv, 16",
        "3x3 conv, 16",
        "add",
        f"3x3-3x3 block, 16 {TIMES} 17",
    ]


def test_the_deepest_networks_get_their_own_projector_default() -> None:
    view = projector_view(vizcore.analyze("resnet1202_cifar"))  # 3,018 labels at its page depth
    assert (view.depth, view.repeats, view.boxes) == (1, True, 10)
    view = projector_view(vizcore.analyze("inception_v3"))  # 126 boxes at depth 2: 9.4 px
    assert (view.depth, view.repeats, view.boxes) == (1, False, 22)  # one box an inception module
    view = projector_view(vizcore.analyze("resnet50"))  # fits as the page opens it: unchanged
    assert (view.depth, view.repeats, view.boxes) == (2, False, 22)
    assert view.layout.startswith("folded into") and view.label_px > 24


@pytest.mark.parametrize("model", vizcore.list_models())
def test_every_zoo_model_opens_whole_and_readable_on_a_projector(model: str) -> None:
    view = projector_view(vizcore.analyze(model))
    assert whole(view.label_px), view  # nothing off the screen
    assert view.label_px >= READABLE_PX, view


def test_the_cli_and_the_notebook_fit_the_slide_too(tmp_path: Path) -> None:
    from vizcore.cli import main
    from vizcore.notebook import analysis_html

    out = tmp_path / "resnet50.svg"
    assert main(["figure", "resnet50", "--depth", "2", "--orientation", "fit", "-o", str(out)]) == 0
    fitted = out.read_text()
    assert main(["figure", "resnet50", "--depth", "2", "-o", str(out)]) == 0
    tall = out.read_text()
    # the 22 boxes folded into rows: wider than tall, their labels 1.6 times as large on a 16:9 slide
    (w, h), (tw, th) = view_box(fitted), view_box(tall)
    assert w > h and th > 3 * tw
    assert label_px(fitted, (1600.0, 900.0)) > 1.5 * label_px(tall, (1600.0, 900.0))
    with pytest.raises(SystemExit):  # argparse answers an unknown orientation with its one line
        main(["figure", "resnet50", "--orientation", "diagonal", "-o", str(out)])
    page = analysis_html(vizcore.analyze("resnet50"))
    assert view_box(page) == (w, h)  # the notebook's graph (depth 2) is the same fitted drawing
