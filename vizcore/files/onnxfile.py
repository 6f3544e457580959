"""Reading and checking an ONNX file before anything is built from it.

ONNX is protobuf: parsing it runs no code. Every check here happens on the parsed message, before a
converter sees it: size and node limits, operator domains, nested graphs, declared sizes. Weights kept
outside the file ("external data") are never opened, whatever path the file names: they become
placeholders that declare their shapes and hold no values, since a trace only needs shapes (the
converter makes them meta tensors, or zeros where it must; see ``convert``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import onnx
from google.protobuf.message import DecodeError

from ..errors import ModelFileError
from ..shapes import MAX_DIM, MAX_ELEMENTS, Shape, format_shape, normalize_shape

MAX_FILE_BYTES = 1 << 30  # protobuf's own 2 GiB ceiling halved: graphs with weights for any zoo-sized CNN fit
MAX_NODES = 20_000  # several times the largest zoo export (EfficientNet-B7 has a few thousand)
MAX_PLACEHOLDER_VALUES = 200_000_000  # stand-ins for outside weights (VGG-16 has 138 M)
DOMAINS = frozenset({"", "ai.onnx"})  # the standard operator set; others need their own runtime
NESTED_GRAPH = (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS)
DEFAULT_INPUT: Shape = (1, 3, 224, 224)  # for symbolic sizes the user did not give


@dataclass(frozen=True)
class OnnxModel:
    """A checked ONNX model, ready to convert: its input's size and what was assumed to get it."""

    proto: onnx.ModelProto
    input_name: str
    input_shape: Shape
    notes: tuple[str, ...]


def parse(data: bytes | onnx.ModelProto) -> onnx.ModelProto:
    """The file's bytes (or an already parsed model) as a checked ``ModelProto``."""
    if isinstance(data, onnx.ModelProto):
        model = onnx.ModelProto()
        model.CopyFrom(data)  # the caller's message is never changed
    else:
        if not data:
            raise ModelFileError("the file is empty: export your model to ONNX and open the .onnx file.")
        if len(data) > MAX_FILE_BYTES:
            raise ModelFileError(
                f"the file is {len(data) / 2**20:,.0f} MiB, past the {MAX_FILE_BYTES >> 20:,} MiB limit: "
                "export it with its weights as external data and open the graph alone."
            )
        model = onnx.ModelProto()
        try:
            model.ParseFromString(data)
        except (DecodeError, ValueError, RuntimeError) as exc:
            raise ModelFileError(
                "the file is not ONNX, or it is cut short: export the model again and open the whole .onnx file."
            ) from exc
    if not model.graph.node or not model.graph.output:
        raise ModelFileError(
            "the file holds no ONNX graph (no nodes or no outputs): it is not an exported model, or it is cut short."
        )
    check(model)
    return model


def check(model: onnx.ModelProto) -> None:
    """Refuse what cannot be traced, naming it: too many nodes, foreign operators, nested graphs, huge sizes."""
    graph = model.graph
    if len(graph.node) > MAX_NODES:
        raise ModelFileError(
            f"the graph has {len(graph.node):,} nodes, past the limit of {MAX_NODES:,}: open a smaller model."
        )
    foreign = sorted({f"{n.domain}::{n.op_type}" for n in graph.node if n.domain not in DOMAINS})
    if foreign:
        raise ModelFileError(
            f"the graph uses operators outside the standard ONNX set ({_listed(foreign)}): export it with "
            "standard operators only."
        )
    nested = sorted({n.op_type for n in graph.node if any(a.type in NESTED_GRAPH for a in n.attribute)})
    if nested:
        raise ModelFileError(
            f"the graph has control flow with nested graphs ({_listed(nested)}), which cannot be traced: export "
            "the model with a fixed input so the exporter unrolls it."
        )
    for tensor in graph.initializer:
        _check_size(f"weight {tensor.name!r}", tuple(tensor.dims))
    for value in [*graph.input, *graph.output, *graph.value_info]:
        dims = value.type.tensor_type.shape.dim
        _check_size(f"tensor {value.name!r}", tuple(d.dim_value for d in dims if d.HasField("dim_value")))


def _check_size(what: str, dims: Shape) -> None:
    if any(d < 0 or d > MAX_DIM for d in dims) or math.prod(dims) > MAX_ELEMENTS:
        raise ModelFileError(
            f"{_short(what)} declares a size of {format_shape(dims)}, past what can be traced (each size at most "
            f"{MAX_DIM:,}, at most {MAX_ELEMENTS:.0e} values): the file is damaged or not a CNN."
        )


def strip_external_data(model: onnx.ModelProto) -> int:
    """Make every weight stored outside the file a placeholder of its declared shape, in place, without
    reading the outside file (its path is never looked at); the number of weights replaced."""
    outside = [t for t in model.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL]
    values = sum(math.prod(t.dims) for t in outside)
    if values > MAX_PLACEHOLDER_VALUES:
        raise ModelFileError(
            f"the weights stored outside the file declare {values:,} values, past the limit of "
            f"{MAX_PLACEHOLDER_VALUES:,}: open a smaller model."
        )
    for tensor in outside:
        del tensor.external_data[:]
        tensor.data_location = onnx.TensorProto.DEFAULT
    return len(outside)


def holds_no_data(tensor: onnx.TensorProto) -> bool:
    """Whether ``tensor`` declares values but holds none: a placeholder (not valid ONNX otherwise)."""
    stored = ("raw_data", "float_data", "int32_data", "int64_data", "double_data", "uint64_data", "string_data")
    return (
        math.prod(tensor.dims) > 0
        and tensor.data_location == onnx.TensorProto.DEFAULT
        and not any(len(getattr(tensor, field)) for field in stored)
    )


def fill_placeholders(model: onnx.ModelProto) -> None:
    """Give every placeholder zeros of its shape, in place: for a converter that must have values."""
    for tensor in model.graph.initializer:
        if holds_no_data(tensor):
            itemsize = onnx.helper.tensor_dtype_to_np_dtype(tensor.data_type).itemsize
            tensor.raw_data = bytes(math.prod(tensor.dims) * itemsize)


def fix_input(model: onnx.ModelProto, given: Sequence[int] | None) -> OnnxModel:
    """The model's one image input with every size fixed: declared sizes where the file fixes them,
    otherwise the ``given`` input's (or ``DEFAULT_INPUT``'s), with one sentence that says which."""
    weights = {t.name for t in model.graph.initializer}
    inputs = [v for v in model.graph.input if v.name not in weights]
    if len(inputs) != 1:
        raise ModelFileError(
            f"the graph takes {len(inputs)} inputs; vizcore traces models with one image input: export it with one."
        )
    value = inputs[0]
    dims = value.type.tensor_type.shape.dim
    given = normalize_shape(given) if given is not None else None  # (C, H, W) gets its batch of 1
    if given is not None and len(given) != len(dims):
        raise ModelFileError(
            f"the file's input {value.name!r} has {len(dims)} dimensions but the input given, "
            f"{format_shape(given)}, has {len(given)}: give one with {len(dims)}."
        )
    fallback = tuple(given) if given is not None else DEFAULT_INPUT[-len(dims) :] if len(dims) <= 4 else None
    if fallback is None and any(not d.HasField("dim_value") for d in dims):
        raise ModelFileError(f"the file's input {value.name!r} has symbolic sizes: give the input shape.")
    shape = tuple(d.dim_value if d.HasField("dim_value") else fallback[i] for i, d in enumerate(dims))  # type: ignore[index]
    symbolic = [d.dim_param or "?" for d in dims if not d.HasField("dim_value")]
    notes = []
    if symbolic:
        source = "the input given" if given is not None else "the default input"
        notes.append(
            f"The file leaves {', '.join(symbolic)} open in its input {_declared(dims)}; "
            f"they were taken from {source}: {format_shape(shape)}."
        )
    elif given is not None and tuple(given) != shape:
        notes.append(f"The file fixes its input at {format_shape(shape)}; that size was used, not the one given.")
    for i, d in enumerate(dims):
        d.Clear()
        d.dim_value = shape[i]
    _check_size(f"input {value.name!r}", shape)
    return OnnxModel(model, value.name, shape, tuple(notes))


def _declared(dims: Iterable[onnx.TensorShapeProto.Dimension]) -> str:
    return "x".join(str(d.dim_value) if d.HasField("dim_value") else (d.dim_param or "?") for d in dims)


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(names[:5])
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."
