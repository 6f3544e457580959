"""One traced call as a plain record: what the tracer produces and every other module reads."""

from __future__ import annotations

from dataclasses import dataclass

from ..shapes import Shape


@dataclass(frozen=True)
class Node:
    """One call in execution order: a leaf module or a functional op."""

    id: int
    name: str
    kind: str  # "module" or "function"
    op: str
    op_kind: str  # conv, norm, concat, reshape, ... (ops.py): decided once, here, for every reader
    type: str
    parent: str
    input_shapes: tuple[Shape, ...]
    output_shape: Shape
    params: int
    macs: int
    flops: int
    output_bytes: int
    new_memory: bool  # False when the output reuses an input's storage (in-place op, view)
    call: int  # 1 for a module's first call, 2 for its second, ...
    counted: bool  # False when no cost rule covers the op
    time_ms: float | None = None
    kernel: tuple[int, ...] = ()  # convolutions and pooling: kernel size ...
    stride: tuple[int, ...] = ()  # ... and stride, for diagrams
    dilation: tuple[int, ...] = ()  # ... and dilation, for receptive fields
    padding: tuple[int, ...] = ()  # ... and the padding before the first pixel, for where a field sits
    receptive_field: tuple[int, ...] = ()  # input pixels one output pixel sees, per spatial dim (receptive.py)
    effective_stride: tuple[float, ...] = ()  # input pixels between neighbouring output pixels
    groups: int = 1  # convolutions: channel groups (= input channels when depthwise)
    padding_mode: str = ""  # "same" or "valid" where the layer names its padding (``padding`` then holds the numbers)
    ceil_mode: bool = False  # pooling that rounds its output size up
    bias: bool = False  # convolutions, linear layers and norms: whether the layer learns a bias (shift)
    channel_window: int = 0  # local response norm: how many neighbouring channels each value is divided by
    label: str = ""  # the papers' words for the layer, ``3x3 conv, 128, /2``, ``fc 1000`` (labels.py)
