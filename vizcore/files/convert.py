"""An ONNX model as an ``nn.Module`` the engine traces like any other: converted by onnx2torch, then
given the file's layer names as module paths, with joins the block finder recognises.

onnx2torch keeps additions and concatenations as leaf modules of its own classes; here they become
small modules named after the op they perform (``Add``, ``Cat``), which the engine's op table reads as
``add`` and ``cat``, so residual and branch blocks are found as in the zoo.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import onnx
import torch
from onnx import defs
from onnx2torch import convert as onnx2torch_convert
from onnx2torch.node_converters import registry
from onnx2torch.node_converters.binary_math_operations import OnnxBinaryMathOperation
from onnx2torch.node_converters.concat import OnnxConcat
from onnx2torch.node_converters.global_average_pool import (
    OnnxGlobalAveragePool,
    OnnxGlobalAveragePoolWithKnownInputShape,
)
from onnx2torch.node_converters.pad import OnnxPadStatic
from onnx2torch.node_converters.reshape import OnnxReshape
from onnx2torch.onnx_graph import OnnxGraph
from onnx2torch.onnx_node import OnnxNode
from onnx2torch.onnx_tensor import OnnxTensor
from onnx2torch.utils.common import OperationConverterResult, onnx_mapping_from_node
from torch import fx, nn
from torch.nn import functional as F

from ..engine.measure import SkipInit
from ..errors import ModelFileError
from .onnxfile import fill_placeholders, holds_no_data


class Add(nn.Module):
    def forward(self, first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
        return first + second


class Sub(nn.Module):
    def forward(self, first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
        return first - second


class Mul(nn.Module):
    def forward(self, first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
        return first * second


class Div(nn.Module):
    def forward(self, first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
        return first / second


class Cat(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
        return torch.cat(tensors, self.dim)


class Pad(nn.Module):
    """ONNX Pad with constant pads (in torch's order, last dimension first), as the engine's ``pad``."""

    def __init__(self, pads: list[int], mode: str, value: float) -> None:
        super().__init__()
        self.pads = pads
        self.mode = mode
        self.value = value

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pad(x, self.pads, self.mode, self.value if self.mode == "constant" else None)


class Mean(nn.Module):
    """ONNX ReduceMean; a mean over the spatial sizes is labelled a global average pool."""

    def __init__(self, dims: list[int] | None, keepdim: bool) -> None:
        super().__init__()
        self.dims = dims
        self.keepdim = keepdim

    def forward(self, x: torch.Tensor, axes: torch.Tensor | None = None) -> torch.Tensor:
        dims = self.dims if self.dims is not None else list(range(x.dim()))
        return torch.mean(x, dim=dims, keepdim=self.keepdim)


class Reshape(nn.Module):
    """ONNX Reshape to a constant shape, kept as numbers so the trace needs no tensor values (0 keeps a size)."""

    def __init__(self, shape: list[int]) -> None:
        super().__init__()
        self.shape = shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.reshape(x, [x.shape[i] if d == 0 else d for i, d in enumerate(self.shape)])


_BINARY: dict[Callable[..., Any], type[nn.Module]] = {torch.add: Add, torch.sub: Sub, torch.mul: Mul, torch.div: Div}


def _plain(module: nn.Module) -> nn.Module | None:
    """The module that replaces one of onnx2torch's, or ``None`` to keep it."""
    if isinstance(module, OnnxBinaryMathOperation) and module.broadcast is None:
        cls = _BINARY.get(module.math_op_function)
        return cls() if cls is not None else None
    if isinstance(module, OnnxPadStatic):
        return Pad(list(module.pads), module.mode, module.constant_value)
    if isinstance(module, OnnxConcat):
        return Cat(module.axis)
    if isinstance(module, OnnxGlobalAveragePool | OnnxGlobalAveragePoolWithKnownInputShape):
        return nn.AdaptiveAvgPool2d(1)  # the engine's op table knows this one, and the zoo's labels
    return None


def _reduce_mean_18(node: OnnxNode, graph: OnnxGraph) -> OperationConverterResult:
    """ReduceMean from opset 18 on takes its axes as a second input (a constant in exported CNNs)."""
    axes_name = node.input_values[1] if len(node.input_values) > 1 else ""
    if axes_name and axes_name not in graph.initializers:
        raise ModelFileError(f"node {node.name!r} (ReduceMean) takes its axes from the data: export with fixed axes.")
    dims = [int(a) for a in graph.initializers[axes_name].to_torch().tolist()] if axes_name else None
    keepdim = bool(node.attributes.get("keepdims", 1))
    mapping = onnx_mapping_from_node(node)
    return OperationConverterResult(
        torch_module=Mean(dims, keepdim),
        onnx_mapping=type(mapping)(inputs=mapping.inputs[:1], outputs=mapping.outputs),
    )


# Newer opset versions of these ops only widened the tensor types they accept (float8, int4, bfloat16):
# the converter for the op's previous version builds the same module. onnx2torch 1.5.15 stops at
# opset 17; the default PyTorch exporter writes 18 and later.
TYPE_ONLY_VERSIONS: dict[str, tuple[int, ...]] = {
    "Reshape": (19, 21),
    "Shape": (19, 21),
    "Cast": (19, 21),
    "Constant": (19, 21),
    "Identity": (19, 21),
    "Flatten": (21,),
    "Squeeze": (21,),
    "Unsqueeze": (21,),
    "Transpose": (21,),
    "Conv": (22,),
    "MaxPool": (22,),
    "AveragePool": (19, 22),  # 19 added dilations, which exported average pools leave at 1
    "GlobalAveragePool": (22,),
    "Relu": (14,),
    "Sigmoid": (13,),
    "Dropout": (22,),
}


def _register_missing() -> None:
    """Add the converters onnx2torch lacks, through its own registration decorator (each once)."""
    table = registry._CONVERTER_REGISTRY
    mean = registry.OperationDescription(defs.ONNX_DOMAIN, "ReduceMean", 18)
    if mean not in table:
        registry.add_converter(operation_type="ReduceMean", version=18)(_reduce_mean_18)
    for op, versions in TYPE_ONLY_VERSIONS.items():
        for version in versions:
            wanted = registry.OperationDescription(defs.ONNX_DOMAIN, op, version)
            older = [
                d for d in table if d.operation_type == op and d.domain == defs.ONNX_DOMAIN and d.version < version
            ]
            if wanted not in table and older:
                registry.add_converter(operation_type=op, version=version)(table[max(older, key=lambda d: d.version)])


_register_missing()


def _placeholders_as_meta() -> None:
    """onnx2torch reads every weight through ``OnnxTensor``; a placeholder for an outside weight (see
    ``onnxfile.holds_no_data``) becomes a meta tensor of its shape, which allocates nothing (the
    conversion then runs on the meta device). Set once; a tensor with values reads as before."""
    if getattr(OnnxTensor.to_torch, "placeholders", False):
        return
    to_torch, to_numpy = OnnxTensor.to_torch, OnnxTensor.to_numpy

    def meta_to_torch(self: OnnxTensor) -> torch.Tensor:
        if holds_no_data(self.proto):
            dtype = torch.from_numpy(np.empty(0, onnx.helper.tensor_dtype_to_np_dtype(self.proto.data_type))).dtype
            return torch.empty(tuple(self.proto.dims), dtype=dtype, device="meta")
        return to_torch(self)  # type: ignore[no-any-return]

    def zero_to_numpy(self: OnnxTensor) -> np.ndarray:  # values asked for: zeros, one of them broadcast
        if holds_no_data(self.proto):
            dtype = onnx.helper.tensor_dtype_to_np_dtype(self.proto.data_type)
            return np.broadcast_to(np.zeros((), dtype), tuple(self.proto.dims))
        return to_numpy(self)  # type: ignore[no-any-return]

    meta_to_torch.placeholders = True  # type: ignore[attr-defined]
    OnnxTensor.to_torch = meta_to_torch
    OnnxTensor.to_numpy = zero_to_numpy


_placeholders_as_meta()


def unconvertible(model: onnx.ModelProto) -> list[str]:
    """The op types in ``model`` that no converter handles at the file's opset."""
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 1)
    missing = set()
    for node in model.graph.node:
        try:
            registry.get_converter(node.op_type, opset, node.domain or defs.ONNX_DOMAIN)
        except NotImplementedError:
            missing.add(node.op_type)
    return sorted(missing)


def layer_paths(model: onnx.ModelProto) -> dict[str, str]:
    """Each node's name -> a dotted module path from the file: the weight's name (``layer1.0.conv1.weight``),
    the exporter's scopes (``/layer1/layer1.0/conv1/Conv``, or the newer exporter's ``name_scopes``), or the
    node's own name. Paths are unique and none is the parent of another, so each stays a leaf module."""
    weights = {t.name for t in model.graph.initializer}
    wanted: dict[str, tuple[str, str]] = {}
    for index, node in enumerate(model.graph.node):
        wanted[node.name or f"{node.op_type}_{index}"] = (_path(node, weights), node.op_type.lower())
    parents = {p.rpartition(".")[0] for p, _ in wanted.values()}
    parents |= {q for p in list(parents) for q in _ancestors(p)}
    taken: set[str] = set()
    paths = {}
    for name, (path, op) in wanted.items():
        if not path or path in parents:  # an op inside a container (the block's ``add``), or at the top
            path = f"{path}.{op}" if path else op
        candidate, count = path, 0
        while candidate in taken or candidate in parents:  # a module called twice in the source
            count += 1
            candidate = f"{path}_{count}"
        taken.add(candidate)
        paths[name] = candidate
    return paths


def _ancestors(path: str) -> list[str]:
    parts = path.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


_SAFE = re.compile(r"[^A-Za-z0-9_]+")
_DOTTED = re.compile(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*")


def _path(node: onnx.NodeProto, weights: set[str]) -> str:
    for name in node.input[1:]:
        if name in weights and name.endswith((".weight", ".bias")):
            return _clean(name.rpartition(".")[0].split("."))
    scopes = next((p.value for p in node.metadata_props if p.key == "pkg.torch.onnx.name_scopes"), None)
    if scopes:
        try:
            names = [s for s in ast.literal_eval(scopes) if isinstance(s, str) and s]
        except (ValueError, SyntaxError):
            names = []
        if len(names) >= 2:
            return _clean(names[-2].split("."))
        if names:
            return _clean([names[-1]])
    if _DOTTED.fullmatch(node.name):  # already a path (named before the file was simplified)
        return node.name
    if node.name.startswith("/"):  # the TorchScript exporter's "/layer1/layer1.0/conv1/Conv": scopes, then the op
        path: list[str] = []
        for part in [p for p in node.name.split("/") if p][:-1]:
            if path and part.startswith(path[-1] + "."):  # a Sequential's child is scoped "layer1.0"
                path = [*path[:-1], *part.split(".")]
            else:
                path.extend(part.split("."))
        return _clean(path)
    return _clean([node.name]) if node.name else ""


def _clean(parts: list[str]) -> str:
    return ".".join(c for c in (_SAFE.sub("_", p).strip("_") for p in parts) if c)


def split_merged_concats(model: onnx.ModelProto) -> None:
    """Undo an exporter's merging of nested concatenations, in place: ``cat([a, cat([b, c]), d])`` along
    one axis is written as one Concat of a, b, c, d (the TorchScript exporter does this), which hides the
    inner branch block. Neighbouring inputs whose paths split from one tensor that the others do not
    come from get their own Concat again; the values are the same."""
    constants = {t.name for t in model.graph.initializer}
    for node in model.graph.node:  # in order: values made from constants only (shared weights' Identity)
        if all(i in constants for i in node.input if i):
            constants.update(node.output)
    producer = {o: n for n in model.graph.node for o in n.output}
    uses: dict[str, int] = {}
    for node in model.graph.node:
        for name in set(node.input):
            uses[name] = uses.get(name, 0) + 1

    def fork(value: str) -> str:  # the tensor this path last split from: up through one-input layers
        for _ in range(len(producer)):
            node = producer.get(value)
            data = [i for i in node.input if i and i not in constants] if node is not None else []
            if uses.get(value, 0) > 1 or len(data) != 1:
                return value
            value = data[0]
        return value

    nodes: list[onnx.NodeProto] = []
    for node in model.graph.node:
        if node.op_type == "Concat" and len(node.input) > 2:
            forks = [fork(i) for i in node.input]
            inputs: list[str] = []
            start = 0
            for end in range(1, len(forks) + 1):
                if end < len(forks) and forks[end] == forks[start]:
                    continue
                run = list(node.input[start:end])
                if 1 < len(run) < len(forks):
                    inner = onnx.NodeProto()
                    inner.CopyFrom(node)
                    inner.name = f"{node.name}_inner{len(nodes)}" if node.name else ""
                    del inner.input[:], inner.output[:]
                    inner.input.extend(run)
                    inner.output.append(f"{node.output[0]}_inner{len(nodes)}")
                    nodes.append(inner)
                    run = [inner.output[0]]
                inputs.extend(run)
                start = end
            del node.input[:]
            node.input.extend(inputs)
        nodes.append(node)
    del model.graph.node[:]
    model.graph.node.extend(nodes)


def name_layers(model: onnx.ModelProto) -> None:
    """Name every node by its module path, in place: simplifying the file drops the scopes it is read from."""
    paths = layer_paths(model)
    for index, node in enumerate(model.graph.node):
        node.name = paths[node.name or f"{node.op_type}_{index}"]


def to_module(model: onnx.ModelProto) -> nn.Module:
    """Convert a checked, simplified model; its leaf modules carry the file's layer names."""
    missing = unconvertible(model)
    if missing:
        raise ModelFileError(
            f"no converter for the ONNX operators {', '.join(missing[:5])}: export the model with other "
            "operators (a newer or older opset) or simplify it."
        )
    paths = layer_paths(model)
    renamed = onnx.ModelProto()
    renamed.CopyFrom(model)
    _drop_inert_allowzero(renamed)
    ids = {}
    for index, node in enumerate(renamed.graph.node):
        ids[f"n{index}"] = paths[node.name or f"{node.op_type}_{index}"]
        node.name = f"n{index}"
    try:
        converted = _converted(renamed)
    except ModelFileError:
        raise
    except Exception as exc:  # the converter's own errors name no layer a user knows
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelFileError(
            f"the model could not be converted ({first[:200]}): export it again or simplify it."
        ) from exc
    return _renamed(converted, ids)


def _converted(model: onnx.ModelProto) -> fx.GraphModule:
    """onnx2torch's module; with placeholders for outside weights, built on the meta device with no
    initialisation (nothing allocated or filled), or, where a converter mixes them with values from
    the file, from zeros."""
    converted: fx.GraphModule
    if not any(holds_no_data(t) for t in model.graph.initializer):
        converted = onnx2torch_convert(model)
        return converted
    try:
        with torch.device("meta"), SkipInit():
            converted = onnx2torch_convert(model)
    except (RuntimeError, NotImplementedError, ValueError, TypeError):
        fill_placeholders(model)
        converted = onnx2torch_convert(model)
    return converted


def _drop_inert_allowzero(model: onnx.ModelProto) -> None:
    """The newer exporter marks every Reshape ``allowzero=1``, which onnx2torch refuses; it only matters
    when the target shape holds a 0, so it is dropped where the shape is a constant without one."""
    constants = {t.name: t for t in model.graph.initializer}
    for node in model.graph.node:
        shape = constants.get(node.input[1]) if node.op_type == "Reshape" and len(node.input) > 1 else None
        if shape is not None and 0 not in onnx.numpy_helper.to_array(shape).tolist():
            kept = [a for a in node.attribute if a.name != "allowzero"]
            del node.attribute[:]
            node.attribute.extend(kept)


def _renamed(converted: fx.GraphModule, ids: dict[str, str]) -> fx.GraphModule:
    root = nn.Module()
    for name, child in converted.named_children():
        if name not in ids:  # onnx2torch's holder of constants
            root.add_module(name, child)
    for node in converted.graph.nodes:
        if node.op == "call_module":
            module = converted.get_submodule(node.target)
            node.target = ids.get(str(node.target), str(node.target))
            replacement = _plain(module)
            shape = node.args[1] if isinstance(module, OnnxReshape) and len(node.args) == 2 else None
            if isinstance(shape, fx.Node) and shape.op == "get_attr":
                replacement = Reshape([int(d) for d in converted.get_buffer(str(shape.target)).tolist()])
                node.args = node.args[:1]
            _plain_inside(module)
            _put(root, node.target, replacement or module)
    rebuilt = fx.GraphModule(root, converted.graph, class_name="OnnxModel")
    rebuilt.graph.eliminate_dead_code()  # the shape constants now held by the Reshape modules
    rebuilt.recompile()
    return rebuilt


def _plain_inside(module: nn.Module) -> None:
    """The same replacements inside onnx2torch's containers (a Conv with uneven pads: pad, then conv)."""
    for name, child in module.named_children():
        _plain_inside(child)
        replacement = _plain(child)
        if replacement is not None:
            module.add_module(name, replacement)


def _put(root: nn.Module, path: str, module: nn.Module) -> None:
    *parents, leaf = path.split(".")
    here = root
    for part in parents:
        child = getattr(here, part, None) if part in here._modules else None
        if child is None:
            child = nn.Module()
            here.add_module(part, child)
        here = child
    here.add_module(leaf, module)
