"""Slide export: every diagram kind by name, drawn for one or more models and written as SVG, PNG (at
least 1920 px wide) or PDF by a real exporter (Graphviz), never a screenshot.

``FIGURE_KINDS`` maps a kind's name to a function from analyses and options to a :class:`Figure`; add a
kind by adding an entry. ``export_figure`` writes a figure atomically (a temporary file renamed into
place), so a failure leaves nothing half-written.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..api import analyze
from ..engine.analysis import Analysis
from ..errors import VizcoreError
from ..shapes import Shape, format_shape
from ..zoo import get_card
from .graphview import COLOR_METRICS, ORIENTATIONS, graphs_dot, layer_graph
from .paper_figures import columns_svg, network_svg, volumes_svg
from .paper_figures import export as svg_export
from .render import RENDER_FORMATS, render


@dataclass(frozen=True)
class FigureOptions:
    depth: int | None = None  # collapse blocks below this depth (None: every layer)
    orientation: str = "vertical"  # "vertical" (top to bottom, as the papers draw) or "horizontal"
    color_by: str = "type"  # graph kinds: "type", "macs", "params" or "output_bytes"


@dataclass(frozen=True)
class Figure:
    """A drawn figure: Graphviz DOT (laid out and drawn by Graphviz), or finished SVG text."""

    dot: str = ""
    svg: str = ""

    def to_bytes(self, fmt: str) -> bytes:
        if fmt not in RENDER_FORMATS:
            raise VizcoreError(f"unknown format {fmt!r}: choose one of {', '.join(RENDER_FORMATS)}.")
        if self.dot:
            return render(self.dot, fmt)
        return svg_export(self.svg, fmt)  # PNG and PDF drawn from the SVG by CairoSVG


def _title(result: Analysis) -> str:
    return f"{result.model}, {format_shape(result.input_shape[1:])}"


def graph_figure(analyses: Sequence[Analysis], options: FigureOptions) -> Figure:
    """The layer graph of each model, side by side when there are several."""
    graphs = [(_title(a), layer_graph(a, options.depth)) for a in analyses]
    return Figure(dot=graphs_dot(graphs, options.color_by, options.orientation))


FigureKind = Callable[[Sequence[Analysis], FigureOptions], Figure]


def _paper(draw: Callable[[Sequence[Analysis], str], str]) -> FigureKind:
    """A paper figure (vizcore/drawing/paper_figures.py): finished SVG, in the options' orientation."""

    def kind(analyses: Sequence[Analysis], options: FigureOptions) -> Figure:
        return Figure(svg=draw(analyses, options.orientation))

    return kind


FIGURE_KINDS: Mapping[str, FigureKind] = {
    "graph": graph_figure,
    "columns": _paper(columns_svg),  # ResNet's Figure 3
    "volumes": _paper(volumes_svg),  # LeNet-5's and AlexNet's feature-map volumes
    "network": _paper(network_svg),  # GoogLeNet's long figure
}


def figure(
    models: Sequence[str | Analysis],
    kind: str = "graph",
    *,
    input_shape: Shape | None = None,
    options: FigureOptions | None = None,
) -> Figure:
    """Draw ``kind`` for ``models`` (zoo names, or analyses already made)."""
    builder = FIGURE_KINDS.get(kind)
    if builder is None:
        raise VizcoreError(f"unknown figure kind {kind!r}: choose one of {', '.join(FIGURE_KINDS)}.")
    options = options or FigureOptions()
    if options.orientation not in ORIENTATIONS:
        raise VizcoreError(f"unknown orientation {options.orientation!r}: choose {' or '.join(ORIENTATIONS)}.")
    if options.color_by not in COLOR_METRICS:
        raise VizcoreError(f"unknown colouring {options.color_by!r}: choose one of {', '.join(COLOR_METRICS)}.")
    if not models:
        raise VizcoreError("name at least one model.")
    for m in models:
        if isinstance(m, str):
            get_card(m)  # every name checked before any model is built: one clear line for a typo
    analyses = [m if isinstance(m, Analysis) else analyze(m, input_shape, "cpu") for m in models]
    return builder(analyses, options)


def format_for(path: str | Path, fmt: str | None = None) -> str:
    """``fmt``, or the output file's suffix when it is one of the formats."""
    chosen = fmt or Path(path).suffix.lstrip(".").lower() or "svg"
    if chosen not in RENDER_FORMATS:
        raise VizcoreError(f"unknown format {chosen!r}: choose one of {', '.join(RENDER_FORMATS)}.")
    return chosen


def check_writable(path: str | Path) -> Path:
    """The output path, or one clear sentence on why it cannot be written (before any work is done)."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise VizcoreError(f"cannot write {target}: it is a folder.")
    if not folder.is_dir():
        raise VizcoreError(f"cannot write {target}: the folder {folder} does not exist.")
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise VizcoreError(f"cannot write {target}: permission denied.")
    return target


def write_atomically(path: str | Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it into place."""
    target = check_writable(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent if str(target.parent) else ".")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)  # mkstemp makes it private (0600); a figure is for sharing
        os.replace(temporary, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise VizcoreError(f"cannot write {target}: {exc.strerror or exc}.") from exc


def export_figure(
    models: Sequence[str | Analysis],
    output: str | Path,
    kind: str = "graph",
    fmt: str | None = None,
    *,
    input_shape: Shape | None = None,
    options: FigureOptions | None = None,
) -> Path:
    """Draw ``kind`` for ``models`` and write it to ``output`` as ``fmt`` (default: from the suffix)."""
    chosen = format_for(output, fmt)
    target = check_writable(output)
    data = figure(models, kind, input_shape=input_shape, options=options).to_bytes(chosen)
    write_atomically(target, data)
    return target
