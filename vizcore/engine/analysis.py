"""``analyze``: build (or take) a model, trace one forward pass, and return exact per-layer costs.

Shapes and costs need no real data, so the trace runs on PyTorch's ``meta`` device: a zoo model is
built there (no weight init, no allocation), a user's module is copied there without copying its
weights. Only a model that reads tensor values falls back to real tensors, on ``device``. Per-layer
timings, when asked for, always run real tensors on ``device``.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from ..builder import spec
from ..device import resolve_device, synchronize
from ..errors import ChannelMismatchError, InputShapeError, InputTooSmallError, TraceError, VizcoreError
from ..shapes import Shape, format_shape, normalize_shape
from ..zoo import ModelCard, get_card, get_model
from . import receptive
from .blocks import Block, find_blocks
from .costs import CONVENTIONS
from .labels import block_label
from .trace import Node, Tracer, TraceResult, _Failure

META = torch.device("meta")


@dataclass(frozen=True)
class Totals:
    params: int
    macs: int
    flops: int
    activation_bytes: int
    unused_params: int  # parameters of modules that never ran (auxiliary heads in eval mode)


@dataclass(frozen=True)
class SummaryRow:
    """One row of a summary table: a layer, or at a given depth, a block of consecutive layers."""

    name: str
    type: str
    depth: int
    output_shape: Shape
    params: int
    macs: int
    flops: int
    output_bytes: int
    layers: int
    time_ms: float | None = None
    label: str = ""  # a layer's paper label (``3x3 conv, 128, /2``); a merged block's name and size
    receptive_field: tuple[int, ...] = ()  # of the row's last layer (a block's output)
    effective_stride: tuple[float, ...] = ()


@dataclass(frozen=True)
class Analysis:
    model: str
    input_shape: Shape
    dtype: str
    device: str  # the best (or requested) device: where timings and real-tensor fallbacks run
    traced_on: str  # "meta" when no real tensor was needed
    layers: tuple[Node, ...]
    edges: tuple[tuple[int, int], ...]
    output_edges: tuple[int, ...]
    output_shapes: tuple[Shape, ...]
    totals: Totals
    module_types: dict[str, str] = field(repr=False)  # dotted path -> class name, for containers
    blocks: tuple[Block, ...] = ()  # branch (fork -> concat) and residual (fork -> add) blocks
    card: ModelCard | None = None
    uncounted_ops: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    forward_ms: float | None = None

    # -- views ---------------------------------------------------------------------------------
    def rows(self, depth: int | None = None) -> list[SummaryRow]:
        """Layers in execution order; with ``depth``, consecutive layers inside the same block at that
        depth merge into one row (like torchinfo's depth), so a called-twice block stays two rows."""
        rows: list[SummaryRow] = []
        for key, members in self.groups(depth):
            times = [n.time_ms for n in members if n.time_ms is not None]
            rows.append(
                SummaryRow(
                    name=key,
                    type=members[0].type if key == members[0].name else self.module_types.get(key, "block"),
                    depth=key.count(".") + 1,
                    output_shape=members[-1].output_shape,
                    params=sum(n.params for n in members),
                    macs=sum(n.macs for n in members),
                    flops=sum(n.flops for n in members),
                    output_bytes=sum(n.output_bytes for n in members if n.new_memory),
                    layers=len(members),
                    time_ms=sum(times) if times else None,
                    label=members[0].label if key == members[0].name else block_label(key, len(members)),
                    receptive_field=members[-1].receptive_field,
                    effective_stride=members[-1].effective_stride,
                )
            )
        return rows

    def groups(self, depth: int | None = None, expanded: frozenset[str] = frozenset()) -> list[tuple[str, list[Node]]]:
        """Runs of consecutive layers in the same block at ``depth`` (all layers apart when ``None``);
        a block named in ``expanded`` opens one level further. Runs, not sets, so that a block called
        twice stays two blocks and collapsing never creates a cycle."""
        return [
            (key, list(group))
            for key, group in itertools.groupby(self.layers, key=lambda n: _block_at(n, depth, expanded))
        ]

    def block(self, name: str) -> Block:
        """A branch or residual block by its module name, or by its join's name where several blocks
        share a module (Inception-v3's nested splits)."""
        for b in self.blocks:
            if name in (b.join, b.name):
                return b
        raise KeyError(name)

    def node(self, node_id: int) -> Node:
        """A layer by its graph id (ids start at 1; 0 is the input)."""
        return self.layers[node_id - 1]

    def layer(self, name: str) -> Node:
        for node in self.layers:
            if node.name == name:
                return node
        raise KeyError(name)

    def graph(self) -> dict[str, Any]:
        """Nodes and edges that follow the tensors: input (id 0), every layer, output (last id)."""
        out_id = len(self.layers) + 1
        nodes: list[dict[str, Any]] = [
            {
                "id": 0,
                "kind": "input",
                "op": "input",
                "name": "input",
                "label": "input",
                "type": "input",
                "parent": "",
                "shape": list(self.input_shape),
                "params": 0,
                "macs": 0,
                "receptive_field": 1 if len(self.input_shape) > 2 else None,
                "effective_stride": 1 if len(self.input_shape) > 2 else None,
            },
        ]
        nodes += [
            {
                "id": n.id,
                "kind": n.kind,
                "op": n.op,
                "name": n.name,
                "label": n.label,
                "type": n.type,
                "parent": n.parent,
                "shape": list(n.output_shape),
                "params": n.params,
                "macs": n.macs,
                "receptive_field": per_dim(n.receptive_field),
                "effective_stride": per_dim(n.effective_stride),
            }
            for n in self.layers
        ]
        nodes.append(
            {
                "id": out_id,
                "kind": "output",
                "op": "output",
                "name": "output",
                "label": "output",
                "type": "output",
                "parent": "",
                "shape": list(self.output_shapes[0]) if self.output_shapes else [],
                "params": 0,
                "macs": 0,
            }
        )
        edges = [list(e) for e in self.edges] + [[src, out_id] for src in dict.fromkeys(self.output_edges)]
        return {"nodes": nodes, "edges": edges}

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "input_shape": list(self.input_shape),
            "dtype": self.dtype,
            "device": self.device,
            "traced_on": self.traced_on,
            "conventions": dict(CONVENTIONS),
            "layers": [_layer_dict(n) for n in self.layers],
            "totals": {
                "params": self.totals.params,
                "macs": self.totals.macs,
                "flops": self.totals.flops,
                "activation_bytes": self.totals.activation_bytes,
                "unused_params": self.totals.unused_params,
            },
            "graph": self.graph(),
            "blocks": [b.to_dict() for b in self.blocks],
            "uncounted_ops": dict(self.uncounted_ops),
            "notes": list(self.notes),
            "card": self.card.to_dict() if self.card else None,
            "forward_ms": self.forward_ms,
        }


def _layer_dict(n: Node) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": n.id,
        "name": n.name,
        "label": n.label,
        "type": n.type,
        "kind": n.kind,
        "op": n.op,
        "parent": n.parent,
        "input_shapes": [list(s) for s in n.input_shapes],
        "output_shape": list(n.output_shape),
        "params": n.params,
        "macs": n.macs,
        "flops": n.flops,
        "output_bytes": n.output_bytes,
        "new_memory": n.new_memory,
        "call": n.call,
        "receptive_field": per_dim(n.receptive_field),
        "effective_stride": per_dim(n.effective_stride),
    }
    if n.time_ms is not None:
        row["time_ms"] = n.time_ms
    return row


def per_dim(values: tuple[float, ...]) -> float | list[float] | None:
    """A receptive field or stride for JSON: one number when every spatial dimension agrees (a square
    field), else one per dimension ([h, w]); None for a layer that does not see the input."""
    if not values:
        return None
    return values[0] if len(set(values)) == 1 else list(values)


def _block_at(n: Node, depth: int | None, expanded: frozenset[str] = frozenset()) -> str:
    if depth is None:
        return n.name
    parts = n.name.split(".")
    level = depth
    while len(parts) > level and ".".join(parts[:level]) in expanded:
        level += 1
    return ".".join(parts[:level]) if len(parts) > level else n.name


# -- analyze --------------------------------------------------------------------------------------
def analyze(
    model: str | nn.Module,
    input_shape: Sequence[int] | None = None,
    device: str | torch.device | None = None,
    *,
    timings: bool = False,
    dtype: torch.dtype | None = None,
    **cfg: Any,
) -> Analysis:
    """Trace ``model`` (a zoo name, a layer list as text, see ``vizcore.builder.spec``, or an ``nn.Module``) on an
    input of ``input_shape``.

    ``input_shape`` is (N, C, H, W), or (C, H, W) for a batch of one; a zoo model defaults to its card's
    size, a layer list to its ``input`` line. ``device`` defaults to the best available (CUDA, MPS, CPU).
    ``timings=True`` also runs the model for real on that device and times every layer (synchronised).
    ``cfg`` goes to the zoo builder.
    """
    if not isinstance(model, (str, nn.Module)):
        raise VizcoreError(f"model must be a zoo name or a torch.nn.Module, not {type(model).__name__}.")
    target = resolve_device(device)
    parsed = None
    if isinstance(model, str) and spec.is_spec(model):  # a layer list, not a zoo name
        parsed = spec.parse(model, normalize_shape(input_shape) if input_shape is not None else None)
        input_shape = parsed.input_shape
    card = get_card(model) if isinstance(model, str) and parsed is None else None
    if input_shape is None:
        if card is None:
            raise InputShapeError("input_shape is required for a custom module, e.g. input_shape=(1, 3, 224, 224).")
        input_shape = card.input_size
    shape = normalize_shape(input_shape)
    name = "spec" if parsed else model if isinstance(model, str) else type(model).__name__

    source = _spec_source(parsed) if parsed else _model_source(model, cfg)
    module, traced_on = source(META)
    dtype = dtype or _dtype_of(module)
    try:
        result = _trace(module, shape, dtype, traced_on)
    except _Failure as failure:
        if not _needs_values(failure.cause):
            raise _explain(failure, name, shape, module, dtype) from failure.cause
        module, traced_on = source(target)  # the model reads tensor values: trace it for real
        try:
            result = _trace(module, shape, dtype, traced_on)
        except _Failure as real_failure:
            raise _explain(real_failure, name, shape, module, dtype) from real_failure.cause

    layers = tuple(receptive.annotate(result.nodes, result.edges, shape))
    forward_ms = None
    if timings:
        timed_module, _ = source(target)
        layers, forward_ms = _time_layers(timed_module, shape, dtype, target, layers)

    all_params = {id(p): p.numel() for p in module.parameters()}
    unused = sum(n for pid, n in all_params.items() if pid not in result.used_param_ids)
    uncounted = dict(Counter(n.op for n in layers if not n.counted))
    notes = list(card.notes) if card else []
    if unused:
        notes.append(f"{unused:,} parameters belong to modules that did not run in eval mode and are not counted.")
    repeated = sorted({n.name for n in layers if n.call > 1})
    if repeated:
        listed = ", ".join(repeated[:3]) + (f" and {len(repeated) - 3} more" if len(repeated) > 3 else "")
        notes.append(f"{len(repeated)} modules are called more than once and counted at every call: {listed}.")
    if uncounted:
        notes.append(f"No cost rule for: {', '.join(sorted(uncounted))} (counted as zero).")
    return Analysis(
        model=name,
        input_shape=shape,
        dtype=str(dtype).removeprefix("torch."),
        device=str(target),
        traced_on=traced_on,
        layers=layers,
        edges=tuple(result.edges),
        output_edges=tuple(result.output_producers),
        output_shapes=tuple(result.output_shapes),
        totals=Totals(
            params=sum(n.params for n in layers),
            macs=sum(n.macs for n in layers),
            flops=sum(n.flops for n in layers),
            activation_bytes=sum(n.output_bytes for n in layers if n.new_memory),
            unused_params=unused,
        ),
        module_types={path: type(m).__name__ for path, m in module.named_modules() if path},
        blocks=tuple(find_blocks(layers, result.edges, shape)),
        card=card,
        uncounted_ops=uncounted,
        notes=tuple(notes),
        forward_ms=forward_ms,
    )


Source = Callable[[torch.device], tuple[nn.Module, str]]


def _model_source(model: str | nn.Module, cfg: dict[str, Any]) -> Source:
    """A function that gives the model on a device: the zoo builds it there; a user's module is
    copied (never moved or modified in place)."""
    if isinstance(model, str):

        def build(device: torch.device) -> tuple[nn.Module, str]:
            try:
                with device, _SkipInit() if device == META else contextlib.nullcontext():
                    return get_model(model, **cfg), device.type
            except TypeError as exc:
                raise VizcoreError(f"{model} does not take those options ({exc}).") from exc
            except (RuntimeError, NotImplementedError):
                if device != META:
                    raise
            # A few constructors read tensor values (RegNet's widths): build on the CPU, allocated but
            # never filled (initialising regnet_y_128gf's 644 M weights took ~10 s), then copy to meta.
            with _SkipInit():
                return _copy_to(get_model(model, **cfg), META), "meta"

        return build

    def copy_of(device: torch.device) -> tuple[nn.Module, str]:
        return _copy_to(model, device), device.type

    return copy_of


def _spec_source(parsed: spec.Spec) -> Source:
    def build(device: torch.device) -> tuple[nn.Module, str]:
        with _SkipInit() if device == META else contextlib.nullcontext():
            return spec.build(parsed, device=device), device.type

    return build


class _SkipInit(TorchFunctionMode):
    """Skips weight initialisers, for a model whose weights will never be read: on meta they have
    nothing to fill yet run Python decompositions (skipping them makes building ResNet-152 several
    times faster); on the CPU, before a copy to meta, they would fill memory nobody reads."""

    _INIT_OPS = frozenset(
        {
            "normal_",
            "uniform_",
            "fill_",
            "zero_",
            "trunc_normal_",
            "kaiming_normal_",
            "kaiming_uniform_",
            "xavier_uniform_",
            "xavier_normal_",
            "constant_",
            "ones_",
            "zeros_",
        }
    )

    def __torch_function__(
        self, func: Callable[..., Any], types: Any, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None
    ) -> Any:
        target = args[0] if args else (kwargs or {}).get("tensor")  # nn.init passes its tensor by keyword
        if isinstance(target, torch.Tensor) and getattr(func, "__name__", "") in self._INIT_OPS:
            return target
        return func(*args, **(kwargs or {}))


def _copy_to(model: nn.Module, device: torch.device) -> nn.Module:
    """A copy of ``model`` on ``device``; for meta, weights are replaced, not copied."""
    memo: dict[int, Any] = {}
    if device == META:
        for t in itertools.chain(model.parameters(), model.buffers()):
            empty = torch.empty_like(t, device=META)
            memo[id(t)] = nn.Parameter(empty, requires_grad=t.requires_grad) if isinstance(t, nn.Parameter) else empty
    return copy.deepcopy(model, memo).to(device)


def _dtype_of(module: nn.Module) -> torch.dtype:
    for p in module.parameters():
        if p.is_floating_point():
            return p.dtype
    return torch.get_default_dtype()


def _trace(module: nn.Module, shape: Shape, dtype: torch.dtype, device_type: str) -> TraceResult:
    device = torch.device(device_type)
    inputs = torch.zeros(shape, dtype=dtype, device=device)
    tracer = Tracer(module, device=device)
    try:
        return tracer.run(inputs)
    except VizcoreError:
        raise
    except Exception as exc:  # any failure inside the user's forward pass
        raise tracer.failure(exc) from exc


def _needs_values(exc: BaseException) -> bool:
    """Errors that mean the model looked at tensor values, which meta tensors do not have."""
    text = str(exc)
    return any(
        s in text
        for s in (
            "meta tensor",
            "meta device",
            "Cannot copy out of meta",
            "data-dependent",
            "aten::_local_scalar_dense",
            "item()",
            "is not on the expected device",
        )
    )


def _explain(failure: _Failure, model: str, shape: Shape, module: nn.Module, dtype: torch.dtype) -> TraceError:
    """Turn a failure inside the forward pass into one sentence that names the layer and its input."""
    got = " and ".join(format_shape(s) for s in failure.input_shapes) or "nothing"
    where = f"layer {failure.name} ({failure.type_name})" if failure.name else "the forward pass"
    weight = getattr(failure.module, "weight", None)
    cause = str(failure.cause).strip().splitlines()[0] if str(failure.cause).strip() else type(failure.cause).__name__
    if (
        isinstance(failure.module, nn.modules.conv._ConvNd)
        and isinstance(weight, torch.Tensor)
        and failure.input_shapes
        and len(failure.input_shapes[0]) >= 2
        and failure.input_shapes[0][1] != weight.shape[1] * failure.module.groups
        and not failure.module.transposed
    ):
        expected = weight.shape[1] * failure.module.groups
        hint = f" use an input of {expected}x{'x'.join(str(d) for d in shape[2:])}" if len(shape) > 2 else ""
        return ChannelMismatchError(
            f"{model}: {where} takes {expected} input channels but got {got};{hint}.",
            layer=failure.name,
            input_shapes=failure.input_shapes,
        )
    if _too_small(cause):
        smallest = smallest_input(module, shape, dtype)
        hint = (
            f" the smallest square input that works is {format_shape(smallest[1:])}."
            if smallest
            else " try a larger input."
        )
        return InputTooSmallError(
            f"input {format_shape(shape[1:])} is too small for {model}: {where} got {got};{hint}",
            layer=failure.name,
            input_shapes=failure.input_shapes,
            smallest=smallest,
        )
    if isinstance(failure.module, nn.Linear) and failure.input_shapes:
        cause = f"it takes {failure.module.in_features} features"
    return TraceError(
        f"input {format_shape(shape[1:])} does not fit {model}: {where} got {got} ({cause}); "
        f"use the input size the model was designed for{_default_hint(model)}.",
        layer=failure.name,
        input_shapes=failure.input_shapes,
    )


def _default_hint(model: str) -> str:
    try:
        return f", {format_shape(get_card(model).input_size)}"
    except VizcoreError:
        return ""


_TOO_SMALL = re.compile(
    r"too small|Output size is|output size .* is too small|kernel size can't be greater|"
    r"Padding size should be less|negative dimension|non-positive",
    re.IGNORECASE,
)


def _too_small(message: str) -> bool:
    return bool(_TOO_SMALL.search(message))


def smallest_input(module: nn.Module, shape: Shape, dtype: torch.dtype, limit: int = 4096) -> Shape | None:
    """The smallest square spatial size (same N and C) that ``module`` accepts, by bisection on meta."""
    if len(shape) != 4:
        return None
    meta = _copy_to(module, META) if next(module.parameters(), torch.empty(0)).device != META else module

    def fits(size: int) -> bool:
        try:
            _trace(meta, (shape[0], shape[1], size, size), dtype, "meta")
            return True
        except (_Failure, VizcoreError):
            return False

    if not fits(limit):
        return None
    low, high = 1, limit  # invariant: high fits
    while low < high:
        middle = (low + high) // 2
        if fits(middle):
            high = middle
        else:
            low = middle + 1
    return (shape[0], shape[1], high, high)


def _time_layers(
    module: nn.Module, shape: Shape, dtype: torch.dtype, device: torch.device, layers: tuple[Node, ...]
) -> tuple[tuple[Node, ...], float]:
    """Per-layer wall time of a real forward pass on ``device``, synchronised around every layer,
    after one warm-up pass; and the whole forward pass timed on its own, without hooks."""
    inputs = torch.randn(shape, dtype=dtype, device=device)
    module.eval()
    with torch.no_grad():
        module(inputs)  # warm-up: kernels chosen, caches filled
        synchronize(device)
        start = time.perf_counter()
        module(inputs)
        synchronize(device)
        forward_ms = (time.perf_counter() - start) * 1e3
    timed = Tracer(module, timed=True, device=device).run(inputs).nodes
    if [n.name for n in timed] != [n.name for n in layers]:
        raise VizcoreError(
            "the timed pass ran different layers than the traced one; timings are not reliable for this model."
        )
    return tuple(replace(n, time_ms=t.time_ms) for n, t in zip(layers, timed, strict=True)), forward_ms
