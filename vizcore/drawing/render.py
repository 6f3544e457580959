"""The one exporter from a drawing to a file's bytes: SVG, PNG or PDF.

Two kinds of drawing come in: Graphviz DOT (the layer graph, block diagrams), laid out and drawn in
process by the Graphviz that the pygraphviz wheel bundles (no ``dot`` binary needed), and finished SVG
(the papers' figures), drawn by CairoSVG. Both make a PNG at least ``MIN_PNG_WIDTH`` wide and never
past ``MAX_PNG_SIDE``, so a slide looks the same whichever kind it is.
"""

from __future__ import annotations

import importlib
import re
from types import ModuleType
from typing import TYPE_CHECKING

from ..errors import VizcoreError, missing_extra

if TYPE_CHECKING:
    import pygraphviz

RENDER_FORMATS = ("svg", "png", "pdf")
MIN_PNG_WIDTH = 1920  # pixels: a 1080p projector's width
MAX_PNG_SIDE = 30000  # pixels: cairo's surfaces stop at 32767


def check_format(fmt: str) -> str:
    if fmt not in RENDER_FORMATS:
        raise VizcoreError(f"unknown format {fmt!r}: choose one of {', '.join(RENDER_FORMATS)}.")
    return fmt


def png_scale(width: float, height: float, least: float = 1.0) -> float:
    """How much to enlarge a drawing of ``width`` x ``height`` for its PNG: to at least
    MIN_PNG_WIDTH wide (and at least ``least``), unless its longer side would pass MAX_PNG_SIDE."""
    scale = max(least, MIN_PNG_WIDTH / width)
    return min(scale, MAX_PNG_SIDE / max(width, height))


def drawing_library(name: str) -> ModuleType:
    """``pygraphviz`` or ``cairosvg``, imported at the first drawing (``import vizcore`` and the tables do
    without them); missing, one sentence says which install brings it."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise missing_extra(exc) from exc


def render(dot: str, fmt: str = "svg") -> bytes:
    """Lay ``dot`` out with Graphviz's ``dot`` and draw it as ``fmt``."""
    check_format(fmt)
    graph = drawing_library("pygraphviz").AGraph(string=dot)
    graph.layout(prog="dot")
    if fmt == "png":
        width_pt, height_pt = _size_pt(graph)
        dpi = 72.0 * png_scale(width_pt, height_pt, least=96.0 / 72.0)  # Graphviz's points are 1/72 inch
        graph.graph_attr["dpi"] = f"{dpi:.2f}"
    out = graph.draw(format=fmt)
    if out is None:  # pragma: no cover - draw returns bytes when no path is given
        raise VizcoreError("Graphviz drew nothing.")
    return bytes(out)


def render_svg(dot: str) -> str:
    """The SVG text, without the XML prologue and doctype, ready to sit inside an HTML page."""
    text = render(dot, "svg").decode("utf-8")
    return text[text.index("<svg") :]


def export_svg(svg: str, fmt: str) -> bytes:
    """A finished SVG document as ``fmt``: itself, a PNG drawn from the vector, or a PDF (CairoSVG)."""
    check_format(fmt)
    if fmt == "svg":
        return svg.encode()
    cairosvg = drawing_library("cairosvg")  # only for raster and PDF export
    data = svg.encode()
    if fmt == "png":
        width, height = (float(svg.split(f'{side}="', 1)[1].split('"', 1)[0]) for side in ("width", "height"))
        result = cairosvg.svg2png(bytestring=data, output_width=round(width * png_scale(width, height)))
    else:
        result = cairosvg.svg2pdf(bytestring=data)
    assert isinstance(result, bytes)
    return result


def _size_pt(graph: pygraphviz.AGraph) -> tuple[float, float]:
    """The laid-out drawing's width and height in points, from its bounding box."""
    box = [float(v) for v in re.split(r"[ ,]+", str(graph.graph_attr.get("bb", "0,0,1,1")).strip())]
    return max(box[2] - box[0], 1.0), max(box[3] - box[1], 1.0)
