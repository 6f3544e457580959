"""Graphviz DOT text to SVG, PNG or PDF, in process, with the Graphviz that the pygraphviz wheel bundles
(no ``dot`` binary needed). One place for every diagram vizcore draws, so the picture on the page and
the exported slide come from the same layout."""

from __future__ import annotations

import re

import pygraphviz

from ..errors import VizcoreError

RENDER_FORMATS = ("svg", "png", "pdf")
MAX_PNG_SIDE = 30000  # pixels: cairo's surfaces stop at 32767


def render(dot: str, fmt: str = "svg", *, min_width_px: int = 1920) -> bytes:
    """Lay ``dot`` out with Graphviz's ``dot`` and draw it as ``fmt``. A PNG is drawn at the resolution
    that makes it at least ``min_width_px`` wide (unless its longer side would pass MAX_PNG_SIDE)."""
    if fmt not in RENDER_FORMATS:
        raise VizcoreError(f"unknown format {fmt!r}: choose one of {', '.join(RENDER_FORMATS)}.")
    graph = pygraphviz.AGraph(string=dot)
    graph.layout(prog="dot")
    if fmt == "png":
        width_pt, height_pt = _size_pt(graph)
        dpi = max(96.0, min_width_px * 72.0 / width_pt)
        dpi = min(dpi, MAX_PNG_SIDE * 72.0 / max(width_pt, height_pt))
        graph.graph_attr["dpi"] = f"{dpi:.2f}"
    out = graph.draw(format=fmt)
    if out is None:  # pragma: no cover - draw returns bytes when no path is given
        raise VizcoreError("Graphviz drew nothing.")
    return bytes(out)


def render_svg(dot: str) -> str:
    """The SVG text, without the XML prologue and doctype, ready to sit inside an HTML page."""
    text = render(dot, "svg").decode("utf-8")
    return text[text.index("<svg") :]


def _size_pt(graph: pygraphviz.AGraph) -> tuple[float, float]:
    """The laid-out drawing's width and height in points, from its bounding box."""
    box = [float(v) for v in re.split(r"[ ,]+", str(graph.graph_attr.get("bb", "0,0,1,1")).strip())]
    return max(box[2] - box[0], 1.0), max(box[3] - box[1], 1.0)
