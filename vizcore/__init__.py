"""vizcore: build classic CNNs, trace them, and count exactly what each layer costs."""

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
)
from .notebook import analysis_html, register
from .shapes import format_shape, parse_shape
from .zoo import FAMILIES, ModelCard, get_card, get_model, list_models

register()  # inside a Jupyter kernel: an analysis that ends a cell shows as tables and a graph

__all__ = [
    "CONVENTIONS",
    "FAMILIES",
    "Analysis",
    "ChannelMismatchError",
    "Diff",
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
    "diff",
    "format_shape",
    "get_card",
    "get_model",
    "list_models",
    "parse_shape",
    "smallest_input",
    "training_cost",
]
