"""vizcore: build classic CNNs, trace them, and count exactly what each layer costs.

``import vizcore`` loads the engine and the zoo only. Drawing (Graphviz), photos (timm, Captum) and the
Jupyter display are imported at their first use, through the names below.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

from .api import analyze, diff, training_cost
from .builder.spec import build
from .device import best_device
from .engine.analysis import Analysis, SummaryRow, Totals
from .engine.costs import CONVENTIONS
from .engine.diff import Diff, Item, Part
from .engine.measure import smallest_input
from .engine.node import Node
from .errors import (
    ChannelMismatchError,
    InputShapeError,
    InputTooSmallError,
    ModelFileError,
    SpecError,
    TraceError,
    UnknownModelError,
    VizcoreError,
    WeightsError,
    missing_extra,
)
from .shapes import format_shape, parse_shape
from .zoo import FAMILIES, ModelCard, get_card, get_model, list_models

if TYPE_CHECKING:  # the names __getattr__ imports at first use
    from .drawing.figures import FIGURE_KINDS, FigureOptions, draw_figure, export_figure
    from .drawing.graphview import layer_graph_svg
    from .notebook import analysis_html
    from .photos.attribution import explain
    from .photos.images import load_image
    from .photos.inference import classify, default_classifier, onnx_classifier, torchvision_classifier

LAZY = {  # name -> the module that defines it
    "FIGURE_KINDS": ".drawing.figures",
    "FigureOptions": ".drawing.figures",
    "draw_figure": ".drawing.figures",
    "export_figure": ".drawing.figures",
    "layer_graph_svg": ".drawing.graphview",
    "analysis_html": ".notebook",
    "explain": ".photos.attribution",
    "load_image": ".photos.images",
    "classify": ".photos.inference",
    "default_classifier": ".photos.inference",
    "onnx_classifier": ".photos.inference",
    "torchvision_classifier": ".photos.inference",
}


def __getattr__(name: str) -> Any:
    if name not in LAZY:
        raise AttributeError(f"module 'vizcore' has no attribute {name!r}")
    try:
        module = importlib.import_module(LAZY[name], __name__)
    except ImportError as exc:  # an extra that is not installed: one sentence says which
        raise missing_extra(exc) from exc
    return getattr(module, name)


def __dir__() -> list[str]:
    return sorted(__all__)


if "IPython" in sys.modules:  # inside a Jupyter kernel: an analysis that ends a cell shows as tables and a graph
    from .notebook import register

    register()

__all__ = [
    "CONVENTIONS",
    "FAMILIES",
    "FIGURE_KINDS",
    "Analysis",
    "ChannelMismatchError",
    "Diff",
    "FigureOptions",
    "InputShapeError",
    "InputTooSmallError",
    "Item",
    "ModelCard",
    "ModelFileError",
    "Node",
    "Part",
    "SpecError",
    "SummaryRow",
    "Totals",
    "TraceError",
    "UnknownModelError",
    "VizcoreError",
    "WeightsError",
    "analysis_html",
    "analyze",
    "best_device",
    "build",
    "classify",
    "default_classifier",
    "diff",
    "draw_figure",
    "explain",
    "export_figure",
    "format_shape",
    "get_card",
    "get_model",
    "layer_graph_svg",
    "list_models",
    "load_image",
    "onnx_classifier",
    "parse_shape",
    "smallest_input",
    "torchvision_classifier",
    "training_cost",
]
