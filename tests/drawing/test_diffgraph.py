"""The What-changed drawing: one box per change in graph order, same runs merged, colours from the
style table, and what a click on a box says."""

from __future__ import annotations

import vizcore
from vizcore.drawing.diffgraph import best_columns, box_details, boxes, diff_dot
from vizcore.drawing.style import DIFF_FILLS


def test_vgg16_to_vgg19_boxes() -> None:
    d = vizcore.diff("vgg16", "vgg19", device="cpu")
    drawn = boxes(d)
    assert [b.status for b in drawn] == ["same", "added", "same", "added", "same", "added", "same"]
    assert [b.lines for b in drawn if b.status == "added"] == [
        ("+ 3x3 conv, 256",),
        ("+ 3x3 conv, 512",),
        ("+ 3x3 conv, 512",),
    ]
    assert sum(len(b.items) for b in drawn) == len(list(d.leaves()))  # every part drawn once
    dot = diff_dot(d)
    assert dot.count(f'fillcolor="{DIFF_FILLS["added"]}"') == 3 and dot.count(f'fillcolor="{DIFF_FILLS["same"]}"') == 4


def test_a_changed_box_says_before_and_after() -> None:
    d = vizcore.diff("alexnet2012", "zfnet", device="cpu")
    first = boxes(d)[0]
    assert (first.status, first.lines) == ("changed", ("11x11 conv, 96, /4", "-> 7x7 conv, 96, /2"))
    assert box_details(d)["node0"]["text"] == (
        "changed: 11x11 conv, 96, /4 -> 7x7 conv, 96, /2 · kernel 11x11 -> 7x7, stride 4 -> 2, padding 0 -> 1 · "
        "params -20,736, MACs +65.34 M, memory +3.32 MiB · receptive field 11 -> 7"
    )


def test_rows_fill_a_wide_screen() -> None:
    assert best_columns([100.0] * 36) > best_columns([100.0] * 36, (9.0, 16.0))  # a wide screen takes more a row
    assert best_columns([100.0]) == 1
