"""vizcore: build classic CNNs, trace them, and count exactly what each layer costs."""

from .api import analyze
from .builder.spec import build
from .device import best_device
from .engine.analysis import Analysis, SummaryRow, Totals
from .engine.costs import CONVENTIONS
from .engine.measure import smallest_input
from .engine.node import Node
from .errors import (
    ChannelMismatchError,
    InputShapeError,
    InputTooSmallError,
    SpecError,
    TraceError,
    UnknownModelError,
    VizcoreError,
    WeightsError,
)
from .shapes import format_shape, parse_shape
from .zoo import FAMILIES, ModelCard, get_card, get_model, list_models

__all__ = [
    "CONVENTIONS",
    "FAMILIES",
    "Analysis",
    "ChannelMismatchError",
    "InputShapeError",
    "InputTooSmallError",
    "ModelCard",
    "Node",
    "SpecError",
    "SummaryRow",
    "Totals",
    "TraceError",
    "UnknownModelError",
    "VizcoreError",
    "WeightsError",
    "analyze",
    "best_device",
    "build",
    "format_shape",
    "get_card",
    "get_model",
    "list_models",
    "parse_shape",
    "smallest_input",
]
