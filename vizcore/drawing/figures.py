"""Slide export: every figure kind by name, drawn for one or more models and written as SVG, PNG (at
least 1920 px wide) or PDF by a real exporter (Graphviz or CairoSVG, render.py), never a screenshot.

``FIGURE_KINDS`` is the one registry of figure kinds: the CLI's ``--kind`` choices and the Paper
figures page's menu are read from it; add a kind by adding an entry. ``draw_figure`` draws one as a
:class:`DrawnFigure`; ``export_figure`` writes it atomically (a temporary file renamed into place), so
a failure leaves nothing half-written.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..api import analyze
from ..engine.analysis import Analysis
from ..errors import VizcoreError
from ..formats import file_format
from ..shapes import Shape, format_shape
from ..zoo import get_card
from .graphview import COLOR_METRICS, graphs_dot, layer_graph
from .paper_figures import columns_svg, network_svg
from .projector import FIT, best_layout, fit_layouts, fitted_svg
from .render import RENDER_FORMATS, check_format, export_svg, render, render_svg
from .style import ORIENTATIONS
from .volumes import volumes_svg


@dataclass(frozen=True)
class FigureOptions:
    depth: int | None = None  # collapse blocks below this depth (None: every layer)
    # "vertical" (top to bottom, as the papers draw), "horizontal", "folded" (rows that snake across a wide
    # screen) or "fit" (whichever of those is drawn largest on a 16:9 slide)
    orientation: str = "vertical"
    color_by: str = "type"  # graph kinds: "type", "macs", "params" or "output_bytes"


@dataclass(frozen=True)
class DrawnFigure:
    """A drawn figure: Graphviz DOT (laid out and drawn by Graphviz), or finished SVG text."""

    dot: str = ""
    svg: str = ""

    def to_bytes(self, fmt: str) -> bytes:
        check_format(fmt)
        if self.dot:
            return render(self.dot, fmt)
        return export_svg(self.svg, fmt)


@dataclass(frozen=True)
class FigureKind:
    """One kind of figure: how a menu names it, how it is drawn, and what a caption says about it."""

    title: str
    draw: Callable[[Sequence[Analysis], FigureOptions], DrawnFigure]
    paper: bool = False  # one of the papers' own figures (fixed-layout SVG): on the Paper figures page
    caption: str = ""


def _title(result: Analysis) -> str:
    return f"{result.model}, {format_shape(result.input_shape[1:])}"


def graph_figure(analyses: Sequence[Analysis], options: FigureOptions) -> DrawnFigure:
    """The layer graph of each model, side by side when there are several."""
    graphs = [(_title(a), layer_graph(a, options.depth)) for a in analyses]
    if options.orientation == FIT and len(graphs) == 1:  # as the app's page and the notebook fit one graph
        dots = fit_layouts(graphs[0][1], options.color_by)
        return DrawnFigure(dot=dots[fitted_svg(dots)[0]])
    if options.orientation == FIT:
        return _fitted(graph_figure, analyses, options)
    return DrawnFigure(dot=graphs_dot(graphs, options.color_by, options.orientation))


def _fitted(
    draw: Callable[[Sequence[Analysis], FigureOptions], DrawnFigure],
    analyses: Sequence[Analysis],
    options: FigureOptions,
) -> DrawnFigure:
    """The figure in whichever orientation is drawn largest on a 16:9 slide."""
    drawn = {o: draw(analyses, replace(options, orientation=o)) for o in ORIENTATIONS}
    return drawn[best_layout({o: f.svg or render_svg(f.dot) for o, f in drawn.items()})]


def _paper(
    draw: Callable[[Sequence[Analysis], str], str],
) -> Callable[[Sequence[Analysis], FigureOptions], DrawnFigure]:
    """A paper figure: finished SVG, in the options' orientation."""

    def kind(analyses: Sequence[Analysis], options: FigureOptions) -> DrawnFigure:
        if options.orientation == FIT:
            return _fitted(kind, analyses, options)
        return DrawnFigure(svg=draw(analyses, options.orientation))

    return kind


FIGURE_KINDS: Mapping[str, FigureKind] = {
    "graph": FigureKind("Layer graph", graph_figure),
    "columns": FigureKind(
        "Columns (ResNet Fig. 3)",
        _paper(columns_svg),
        paper=True,
        caption="Boxes are the layers the paper draws (norms and activations fold into the box before them); "
        "solid arcs are identity shortcuts, dotted ones projections (a 1x1 convolution where the size changes); "
        "boxes line up by output size across models.",
    ),
    "volumes": FigureKind(
        "Feature-map volumes (LeNet-5, AlexNet Fig. 2)",
        _paper(volumes_svg),
        paper=True,
        caption="Each box is a layer's output: height and depth by its height and width (square-root scale), "
        "thickness by its channels (log scale). Red patches are kernels on the input they slide over. "
        "Deep models get one box per stage.",
    ),
    "network": FigureKind(
        "Whole network (GoogLeNet's figure)",
        _paper(network_svg),
        paper=True,
        caption="Branch modules (inception, fire, ...) are outlined clusters, their branches side by side.",
    ),
}
PAPER_KINDS = tuple(name for name, kind in FIGURE_KINDS.items() if kind.paper)


def draw_figure(
    models: Sequence[str | Analysis],
    kind: str = "graph",
    *,
    input_shape: Shape | None = None,
    options: FigureOptions | None = None,
) -> DrawnFigure:
    """Draw ``kind`` for ``models`` (zoo names, or analyses already made)."""
    chosen = FIGURE_KINDS.get(kind)
    if chosen is None:
        raise VizcoreError(f"unknown figure kind {kind!r}: choose one of {', '.join(FIGURE_KINDS)}.")
    options = options or FigureOptions()
    if options.orientation not in (*ORIENTATIONS, FIT):
        raise VizcoreError(f"unknown orientation {options.orientation!r}: choose {', '.join(ORIENTATIONS)} or {FIT}.")
    if options.color_by not in COLOR_METRICS:
        raise VizcoreError(f"unknown colouring {options.color_by!r}: choose one of {', '.join(COLOR_METRICS)}.")
    if not models:
        raise VizcoreError("name at least one model.")
    for m in models:
        if isinstance(m, str):
            get_card(m)  # every name checked before any model is built: one clear line for a typo
    analyses = [m if isinstance(m, Analysis) else analyze(m, input_shape, "cpu") for m in models]
    return chosen.draw(analyses, options)


def format_for(path: str | Path, fmt: str | None = None) -> str:
    """``fmt``, or the format of the output file's extension (FILE_TYPES), or svg when it has none."""
    return check_format(fmt or file_format(str(path), RENDER_FORMATS) or Path(path).suffix.lstrip(".") or "svg")


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
    data = draw_figure(models, kind, input_shape=input_shape, options=options).to_bytes(chosen)
    write_atomically(target, data)
    return target
