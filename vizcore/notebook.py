"""An analysis as rich output in Jupyter: totals, the per-layer table and the labelled layer graph (SVG).

``import vizcore`` inside a running IPython kernel registers ``analysis_html`` for ``Analysis``, so a cell
that ends with ``vizcore.analyze(...)`` shows it (for a zoo model, a notebook's own module or an ONNX file).
Outside IPython nothing is registered and IPython is never imported.
"""

from __future__ import annotations

import sys
from html import escape
from typing import Any

from .engine.analysis import Analysis
from .errors import VizcoreError
from .formats import NOTEBOOK_COLUMNS, columns, human_bytes, human_count
from .shapes import format_shape

GRAPH_DEPTH = 2  # blocks collapsed below their second level keep a ResNet-50 graph readable in a cell


def analysis_html(a: Analysis, depth: int | None = None) -> str:
    """The whole analysis as one HTML fragment; ``depth`` collapses the table and graph as ``rows`` does."""
    t = a.totals
    totals = [
        ("Input", f"{format_shape(a.input_shape)} {a.dtype}"),
        ("Params", f"{t.params:,}"),
        ("MACs", f"{human_count(t.macs)} ({t.macs:,})"),
        ("FLOPs", f"{human_count(t.flops)} ({t.flops:,})"),
        ("Activation memory", human_bytes(t.activation_bytes)),
        ("Blocks", f"{len(a.blocks)} (branch and residual)"),
    ]
    head = "".join(f"<tr><th style='text-align:left'>{k}</th><td>{escape(v)}</td></tr>" for k, v in totals)
    notes = "".join(f"<li>{escape(n)}</li>" for n in a.notes)
    shown = columns(NOTEBOOK_COLUMNS)
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(_exact(c.exact(r)))}</td>" for c in shown) + "</tr>" for r in a.rows(depth)
    )
    # Graphviz loads when the first analysis is shown
    from .drawing.graphview import layer_graph
    from .drawing.projector import fit_layouts, fitted_svg

    try:
        # laid out as a 16:9 screen shows it largest, as the app's "fit" does
        _, graph = fitted_svg(fit_layouts(layer_graph(a, GRAPH_DEPTH if depth is None else depth)))
    except VizcoreError as exc:  # a graph that cannot be laid out still leaves the numbers
        graph = f"<p>{escape(str(exc))}</p>"
    header = "".join(f"<th>{c.title}</th>" for c in shown)
    return (
        f"<div class='vizcore-analysis'><h3>{escape(a.model)}</h3><table>{head}</table>"
        + (f"<ul>{notes}</ul>" if notes else "")
        + f"<details open><summary>Layers</summary><table><tr>{header}</tr>{rows}</table></details>"
        + f"<details open><summary>Layer graph</summary><div style='max-width:100%;overflow:auto'>{graph}</div>"
        + "</details></div>"
    )


def _exact(value: float | str) -> str:
    """A cell as a notebook shows it: counts exact, with thousands separators (as torchinfo prints them)."""
    return str(value) if isinstance(value, str) else f"{value:,}"


def register(shell: Any = None) -> bool:
    """Show every ``Analysis`` as ``analysis_html`` in ``shell`` (default: the running IPython, if any)."""
    if shell is None:
        ipython = sys.modules.get("IPython")  # imported by the kernel itself; never imported from here
        shell = ipython.get_ipython() if ipython is not None else None
    formatters = getattr(getattr(shell, "display_formatter", None), "formatters", None)
    if not formatters or "text/html" not in formatters:
        return False
    formatters["text/html"].for_type(Analysis, analysis_html)
    return True
