"""``measure``: trace one forward pass of a model and return its exact per-layer costs as an ``Analysis``.

Shapes and costs need no real data, so the trace runs on PyTorch's ``meta`` device: a model is built
there (no weight init, no allocation) or copied there without its weights. Only a model that reads
tensor values falls back to real tensors, on ``device``. Per-layer timings, when asked for, always run
real tensors on ``device``. Where a model comes from (zoo, layer list, file) is the front door's
business (``vizcore.api``); the engine takes a ``Source`` that builds it on a given device.
"""

from __future__ import annotations

import copy
import itertools
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from ..cards import ModelCard
from ..device import resolve_device, synchronize
from ..errors import ChannelMismatchError, InputShapeError, InputTooSmallError, TraceError, VizcoreError
from ..shapes import Shape, format_shape, normalize_shape
from . import receptive
from .analysis import Analysis, Totals
from .blocks import find_blocks
from .node import Node
from .trace import Tracer, TraceResult, _Failure

META = torch.device("meta")

Source = Callable[[torch.device], tuple[nn.Module, str]]
"""Gives the model on a device, and the device type it was really built on."""


def measure(
    source: Source,
    input_shape: Sequence[int],
    device: str | torch.device | None = None,
    *,
    name: str,
    card: ModelCard | None = None,
    timings: bool = False,
    dtype: torch.dtype | None = None,
    notes: Sequence[str] = (),
) -> Analysis:
    """Trace the model ``source`` builds on an input of ``input_shape`` ((N, C, H, W), or (C, H, W)).

    ``device`` defaults to the best available (CUDA, MPS, CPU); ``timings=True`` also runs the model for
    real there and times every layer (synchronised). ``card`` and ``notes`` travel with the result.
    """
    target = resolve_device(device)
    shape = normalize_shape(input_shape)
    module, traced_on = source(META)
    dtype = dtype or _dtype_of(module)
    try:
        result = _trace(module, shape, dtype, traced_on)
    except _Failure as failure:
        if not _needs_values(failure.cause):
            raise _explain(failure, name, shape, module, dtype, card) from failure.cause
        module, traced_on = source(target)  # the model reads tensor values: trace it for real
        try:
            result = _trace(module, shape, dtype, traced_on)
        except _Failure as real_failure:
            raise _explain(real_failure, name, shape, module, dtype, card) from real_failure.cause

    layers = tuple(receptive.annotate(result.nodes, result.edges, shape))
    forward_ms = None
    if timings:
        timed_module, _ = source(target)
        layers, forward_ms = _time_layers(timed_module, shape, dtype, target, layers)

    all_params = {id(p): p.numel() for p in module.parameters()}
    unused = sum(n for pid, n in all_params.items() if pid not in result.used_param_ids)
    uncounted = dict(Counter(n.op for n in layers if not n.counted))
    notes = [*(card.notes if card else ()), *notes]
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


def module_source(model: nn.Module) -> Source:
    """A user's module as a source: copied to each device, never moved or modified in place."""

    def copy_of(device: torch.device) -> tuple[nn.Module, str]:
        return copy_to(model, device), device.type

    return copy_of


class SkipInit(TorchFunctionMode):
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


def copy_to(model: nn.Module, device: torch.device) -> nn.Module:
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


def _explain(
    failure: _Failure, model: str, shape: Shape, module: nn.Module, dtype: torch.dtype, card: ModelCard | None
) -> VizcoreError:
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
    if "overflow" in cause.lower():  # torch's storage-size arithmetic past int64
        return InputShapeError(
            f"input {format_shape(shape[1:])} is too large for {model}: {where} got {got} and its output would "
            "not fit in memory; use a smaller input."
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
        f"use the input size the model was designed for{f', {format_shape(card.input_size)}' if card else ''}.",
        layer=failure.name,
        input_shapes=failure.input_shapes,
    )


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
    meta = copy_to(module, META) if next(module.parameters(), torch.empty(0)).device != META else module

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
