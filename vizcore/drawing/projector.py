"""The layer graph on a projector: which layout draws it largest on a screen ("fit"), how large its labels
come out, and each network's projector default (how deep to open it, whether repeated blocks fold).

The app's viewer fits a diagram whole into the room it has (never past ``MAX_SCALE``) and shows the
layout that comes out largest; so the label size a student sees is the label's font size times that
fit, and it can be computed here from the SVG, without a browser. ``ROOM_1080P`` is the room the
viewer has in presentation mode on a 1920x1080 screen (tests/browser/test_projector.py measures it).
The CLI's ``--orientation fit``, the notebook and the page all choose with ``best_layout``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..engine.analysis import Analysis
from .folding import SLIDE, box_width, largest
from .graphview import LayerGraph, fold_choices, graph_dot, layer_graph
from .render import render_svg
from .repeats import fold_repeats
from .style import GRAPH_LABEL_PT

ROOM_1080P = (1824.0, 706.0)  # CSS px: the viewer's stage in presentation mode at 1920x1080, less its margins
MAX_SCALE = 4.0  # the viewer's largest fit in presentation mode (a tiny graph is not blown up past it)
READABLE_PX = 14.0  # a label a back row reads on a projector
WHOLE_PX = 8.0  # below this the viewer gives up showing a diagram whole and opens it zoomed (svg_viewer.js)
DETAILED_LAYERS = 60  # a network this short opens with every layer; a longer one two block levels down
FIT = "fit"  # the layout name that means: whichever is largest on the screen

_VIEW_BOX = re.compile(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"')
_BOX_HEIGHT_PT = 46.0  # a box with its label and shape lines, and the least gap to the next (an estimate)


def view_box(svg: str) -> tuple[float, float]:
    """An SVG's width and height in its own units (Graphviz: points), from its viewBox."""
    found = _VIEW_BOX.search(svg)
    return (float(found[1]), float(found[2])) if found else (1.0, 1.0)


def fitted_scale(size: tuple[float, float], room: tuple[float, float], max_scale: float = MAX_SCALE) -> float:
    """How much the viewer scales a drawing of ``size`` to fit it whole into ``room``."""
    return min(room[0] / size[0], room[1] / size[1], max_scale)


def label_px(svg: str, room: tuple[float, float] = ROOM_1080P, max_scale: float = MAX_SCALE) -> float:
    """The size on screen of the boxes' labels (``GRAPH_LABEL_PT`` units) when ``svg`` is fitted into ``room``."""
    return GRAPH_LABEL_PT * fitted_scale(view_box(svg), room, max_scale)


def whole(px: float) -> bool:
    """Whether the viewer shows a diagram whose labels fit at ``px`` whole (else it opens zoomed in)."""
    return px * (1 + 1e-9) >= WHOLE_PX


def fit_layouts(graph: LayerGraph, color_by: str = "type") -> dict[str, str]:
    """The DOT of every layout worth trying on a screen of unknown shape (name -> DOT): vertical,
    horizontal, and the chain folded into the row counts around the best for 16:9."""
    layouts = {name: graph_dot(graph, color_by, name) for name in ("vertical", "horizontal")}
    for rows in fold_choices(graph):
        layouts[f"folded into {rows} rows"] = graph_dot(graph, color_by, "folded", rows=rows)
    return layouts


def best_layout(svgs: Mapping[str, str], room: tuple[float, float] = SLIDE) -> str:
    """Of several layouts of one diagram (name -> SVG), the one drawn largest in ``room`` (the first wins a tie)."""
    return largest({name: view_box(svg) for name, svg in svgs.items()}, room)


def fitted_svg(
    dots: Mapping[str, str], room: tuple[float, float] = SLIDE, render: Callable[[str], str] = render_svg
) -> tuple[str, str]:
    """The name and SVG of the layout in ``dots`` (name -> DOT) drawn largest in ``room``."""
    svgs = {name: render(source) for name, source in dots.items()}
    name = best_layout(svgs, room)
    return name, svgs[name]


def page_depth(analysis: Analysis) -> int | None:
    """The depth a layer graph opens at: every layer for a short network, blocks two levels down for a
    long one, so it stays readable."""
    return None if len(analysis.layers) <= DETAILED_LAYERS else 2


@dataclass(frozen=True)
class ProjectorView:
    """A network's projector default: the depth it opens at, whether repeated blocks fold into "x N"
    boxes, and the layout and label size that gives on the screen it was chosen for."""

    depth: int | None
    repeats: bool
    layout: str
    label_px: float
    boxes: int


def projector_graph(analysis: Analysis, depth: int | None, repeats: bool, expanded: tuple[str, ...] = ()) -> LayerGraph:
    """The layer graph at ``depth``, with repeated blocks folded when ``repeats``."""
    graph = layer_graph(analysis, depth, expanded)
    return fold_repeats(graph) if repeats else graph


def _at_most_px(graph: LayerGraph, room: tuple[float, float]) -> float:
    """An upper bound on the label size of any layout of ``graph`` fitted into ``room``: its boxes'
    area alone must fit (spares drawing a thousand-box graph to learn that it is too big)."""
    area = sum(box_width(n.label, GRAPH_LABEL_PT) * _BOX_HEIGHT_PT for n in graph.nodes)
    return GRAPH_LABEL_PT * min(math.sqrt(room[0] * room[1] / area), MAX_SCALE)


def projector_view(
    analysis: Analysis, room: tuple[float, float] = ROOM_1080P, render: Callable[[str], str] = render_svg
) -> ProjectorView:
    """The most detailed view of ``analysis`` that fits ``room`` whole with labels of ``READABLE_PX`` or
    more: its page depth, else repeated blocks folded, else shallower depths (each folded too when
    that helps). A network that no view makes readable gets the one with the largest labels."""
    start = page_depth(analysis)
    depths = [start, *(d for d in (3, 2, 1) if start is None or d < start)]
    candidates: list[tuple[int | None, bool, LayerGraph]] = []
    for depth in depths:
        plain = layer_graph(analysis, depth)
        folded = fold_repeats(plain)
        candidates += [(depth, False, plain)] + ([(depth, True, folded)] if folded is not plain else [])
    best: ProjectorView | None = None
    for depth, repeats, graph in candidates:
        if _at_most_px(graph, room) < READABLE_PX:
            continue  # too many boxes for any layout: not worth drawing
        name, svg = fitted_svg(fit_layouts(graph), room, render)
        view = ProjectorView(depth, repeats, name, label_px(svg, room), len(graph.nodes))
        if view.label_px >= READABLE_PX:
            return view
        if best is None or view.label_px > best.label_px:
            best = view
    if best is None:  # nothing can be readable: the least detailed view, as large as it comes
        depth, repeats, graph = candidates[-1]
        name, svg = fitted_svg(fit_layouts(graph), room, render)
        best = ProjectorView(depth, repeats, name, label_px(svg, room), len(graph.nodes))
    return best
