"""One forward pass under forward hooks and a TorchFunctionMode: per-call records and the tensor flow.

Leaf modules (no children) are seen through their hooks; everything else that computes on tensors
outside a leaf (``+``, ``+=``, ``torch.cat``, ``F.relu``, ``torch.flatten``, ...) through the mode.
Each output tensor remembers the node that produced it, so edges follow the data.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode

from ..device import synchronize
from ..shapes import Shape
from .costs import OpCall, cost_of, function_op, module_op, tensors_in, window
from .hooks import forward_hooks
from .labels import layer_label
from .node import Node
from .ops import op_kind


@dataclass
class TraceResult:
    nodes: list[Node]
    edges: list[tuple[int, int]]
    output_producers: list[int]
    output_shapes: list[Shape]
    used_param_ids: set[int]


class _Failure(Exception):
    """Raised out of the forward pass with where it broke; the analysis turns it into a TraceError."""

    def __init__(
        self,
        cause: BaseException,
        name: str,
        op: str,
        type_name: str,
        module: nn.Module | None,
        input_shapes: tuple[Shape, ...],
    ) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.name = name
        self.op = op
        self.type_name = type_name
        self.module = module
        self.input_shapes = input_shapes


def _shape(t: torch.Tensor) -> Shape:
    return tuple(int(d) for d in t.shape)


def _conv_groups(module: nn.Module | None) -> int:
    """A convolution module's channel groups; 0 for anything else."""
    if not isinstance(module, nn.modules.conv._ConvNd):
        return 0
    return module.groups if isinstance(module.groups, int) else 1


def _padding(call: OpCall) -> tuple[int, ...]:
    """Pixels of padding before the first one, per spatial dimension, of a convolution or pooling: as
    given, or worked out for "same" (TensorFlow's, padded at run time by timm's ``Conv2dSame``: any odd
    pixel goes after)."""
    kernel = window(call, "kernel_size", 1)
    if not kernel or not call.inputs:
        return ()
    dilation = window(call, "dilation", 4) or (1,) * len(kernel)
    if call.module is not None and type(call.module).__name__.endswith("Same"):
        sides = call.inputs[0].shape[2:]
        strides = window(call, "stride", 2) or kernel
        return tuple(
            max((-(-n // s) - 1) * s + (k - 1) * d + 1 - n, 0) // 2
            for n, k, s, d in zip(sides, kernel, strides, dilation, strict=True)
        )
    value = getattr(call.module, "padding", 0) if call.module is not None else call.arg(3, "padding")
    if value == "same":
        return tuple((k - 1) * d // 2 for k, d in zip(kernel, dilation, strict=True))
    if value == "valid" or value is None:
        return (0,) * len(kernel)
    return window(call, "padding", 3)


def _pool_arg(call: OpCall, name: str) -> Any:
    """A functional pool's argument (max_pool2d and avg_pool2d put ceil_mode at different places)."""
    if call.module is not None or "pool" not in call.op or "adaptive" in call.op:
        return None
    index = {"padding": 3, "ceil_mode": 5 if call.op.startswith("max_pool") else 4}[name]
    return call.arg(index, name)


def _padding_mode(call: OpCall) -> str:
    """ "same" or "valid" where a layer names its padding instead of giving numbers; "" otherwise."""
    value = getattr(call.module, "padding", None) if call.module is not None else None
    return value if isinstance(value, str) else ""


def _storage_key(t: torch.Tensor) -> int | None:
    try:
        return int(t.untyped_storage()._cdata)
    except (RuntimeError, NotImplementedError):
        return None


@dataclass
class _Pending:
    name: str
    op: str
    type: str
    parent: str
    module: nn.Module | None
    inputs: tuple[torch.Tensor, ...]
    started: float | None = None


@dataclass
class Tracer:
    """State of one trace; a new one per pass, so nothing leaks between analyses."""

    model: nn.Module
    timed: bool = False
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    nodes: list[Node] = field(default_factory=list)
    edges: list[tuple[int, int]] = field(default_factory=list)
    producers: dict[int, int] = field(default_factory=dict)  # id(tensor) -> node id
    alive: list[torch.Tensor] = field(default_factory=list)  # keeps ids unique during the pass
    seen_params: set[int] = field(default_factory=set)
    calls: Counter[int] = field(default_factory=Counter)
    names_used: Counter[str] = field(default_factory=Counter)
    stack: list[str] = field(default_factory=list)
    pending: list[_Pending] = field(default_factory=list)
    leaf_depth: int = 0
    busy: bool = False

    def run(self, inputs: torch.Tensor) -> TraceResult:
        names = {id(m): name for name, m in self.model.named_modules()}
        was_training = {m: m.training for m in self.model.modules()}
        leaves = {m: next(iter(m.children()), None) is None for m in self.model.modules()}
        self._mark(inputs, 0)
        try:
            with forward_hooks(
                [(m, self._post_hook(m, leaf)) for m, leaf in leaves.items()],
                before=[(m, self._pre_hook(names[id(m)], m, leaf)) for m, leaf in leaves.items()],
                with_kwargs=True,
            ):
                self.model.eval()
                with torch.no_grad(), _FunctionMode(self):
                    output = self.model(inputs)
        finally:
            for module, training in was_training.items():
                module.train(training)
        outs = tensors_in([output])
        return TraceResult(
            nodes=self.nodes,
            edges=self.edges,
            output_producers=[self.producers.get(id(t), 0) for t in outs],
            output_shapes=[_shape(t) for t in outs],
            used_param_ids=self.seen_params,
        )

    # -- bookkeeping shared by modules and functions -------------------------------------------
    def _mark(self, tensor: torch.Tensor, node_id: int) -> None:
        self.producers[id(tensor)] = node_id
        self.alive.append(tensor)

    def _begin(self, pending: _Pending) -> None:
        self.pending.append(pending)
        if self.timed:
            synchronize(self.device)
            pending.started = time.perf_counter()

    def _finish(
        self, output: Any, call_args: tuple[Any, ...], call_kwargs: Mapping[str, Any], params: list[torch.Tensor]
    ) -> None:
        pending = self.pending.pop()
        elapsed = None
        if self.timed and pending.started is not None:
            synchronize(self.device)
            elapsed = (time.perf_counter() - pending.started) * 1e3
        outputs = tuple(tensors_in([output]))
        if not outputs:
            return
        node_id = len(self.nodes) + 1
        fresh = [p for p in params if id(p) not in self.seen_params]
        self.seen_params.update(id(p) for p in fresh)
        op_call = OpCall(pending.op, pending.module, call_args, call_kwargs, pending.inputs, outputs)
        cost = cost_of(op_call)
        first = outputs[0]
        in_storages = {_storage_key(t) for t in pending.inputs}
        key = _storage_key(first)
        call = 1
        if pending.module is not None:
            self.calls[id(pending.module)] += 1
            call = self.calls[id(pending.module)]
        node = Node(
            id=node_id,
            name=pending.name,
            kind="module" if pending.module is not None else "function",
            op=pending.op,
            op_kind=op_kind(pending.op),
            type=pending.type,
            parent=pending.parent,
            input_shapes=tuple(_shape(t) for t in pending.inputs),
            output_shape=_shape(first),
            params=sum(p.numel() for p in fresh),
            macs=cost.macs if cost else 0,
            flops=cost.flops if cost else 0,
            output_bytes=sum(t.numel() * t.element_size() for t in outputs),
            new_memory=key is None or key not in in_storages,
            call=call,
            counted=cost is not None,
            time_ms=elapsed,
            kernel=window(op_call, "kernel_size", 1),
            stride=window(op_call, "stride", 2),
            groups=_conv_groups(pending.module) or 1,
            dilation=window(op_call, "dilation", 4)
            if pending.module is not None or pending.op.startswith("max_pool")
            else (),
            padding=_padding(op_call),
            padding_mode=_padding_mode(op_call),
            ceil_mode=bool(getattr(pending.module, "ceil_mode", False) or _pool_arg(op_call, "ceil_mode")),
            bias=getattr(pending.module, "bias", None) is not None,
            channel_window=int(getattr(pending.module, "size", 0)) if pending.op == "local_response_norm" else 0,
        )
        self.nodes.append(replace(node, label=layer_label(node)))
        for src in dict.fromkeys(self.producers[id(t)] for t in pending.inputs if id(t) in self.producers):
            self.edges.append((src, node_id))
        for t in outputs:
            self._mark(t, node_id)

    def failure(self, cause: BaseException) -> _Failure:
        if self.pending:
            p = self.pending[-1]
            return _Failure(cause, p.name, p.op, p.type, p.module, tuple(_shape(t) for t in p.inputs))
        return _Failure(cause, "", "", "", None, ())

    # -- modules ----------------------------------------------------------------------------
    def _pre_hook(self, name: str, module: nn.Module, leaf: bool) -> Callable[..., None]:
        def hook(_: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
            self.stack.append(name)
            if not leaf:
                return
            self.busy = True
            parent = self.stack[-2] if len(self.stack) > 1 else ""
            self._begin(
                _Pending(
                    name or type(module).__name__,
                    module_op(module),
                    type(module).__name__,
                    parent,
                    module,
                    tuple(tensors_in([args, kwargs])),
                )
            )
            self.leaf_depth += 1
            self.busy = False

        return hook

    def _post_hook(self, module: nn.Module, leaf: bool) -> Callable[..., None]:
        def hook(_: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any) -> None:
            if self.stack:
                self.stack.pop()
            if not leaf or not self.pending or self.pending[-1].module is not module:
                return
            self.leaf_depth -= 1
            self.busy = True
            try:
                self._finish(output, args, kwargs, list(module.parameters()))
            finally:
                self.busy = False

        return hook

    # -- functions --------------------------------------------------------------------------
    def function_name(self, parent: str, op: str) -> str:
        """A unique name under the calling module: ``layer1.0.add``, then ``layer1.0.add_1``, ..."""
        base = f"{parent}.{op}" if parent else op
        count = self.names_used[base]
        self.names_used[base] += 1
        return base if count == 0 else f"{base}_{count}"


class _FunctionMode(TorchFunctionMode):
    """Sees every torch function called outside leaf modules; records the ones that return tensors."""

    def __init__(self, tracer: Tracer) -> None:
        super().__init__()
        self.tracer = tracer

    def __torch_function__(
        self, func: Callable[..., Any], types: Any, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None
    ) -> Any:
        kwargs = kwargs or {}
        tracer = self.tracer

        def call() -> Any:
            shortcut = _meta_shortcut(func, args, kwargs)
            return func(*args, **kwargs) if shortcut is None else shortcut

        op = function_op(func)
        if tracer.leaf_depth or tracer.busy or op in _NOT_OPS:
            return call()
        inputs = tuple(tensors_in([args, kwargs]))
        parent = tracer.stack[-1] if tracer.stack else ""
        tracer._begin(_Pending(f"{parent}.{op}" if parent else op, op, op, parent, None, inputs))
        out = call()  # a functional batch norm outside a norm module (timm's BatchNormAct2d) is a layer too
        if not tensors_in([out]):  # shape, dtype and other queries
            tracer.pending.pop()
            return out
        tracer.busy = True
        try:
            tracer.pending[-1].name = tracer.function_name(parent, op)
            tracer._finish(out, args, kwargs, [t for t in inputs if isinstance(t, nn.Parameter)])
        finally:
            tracer.busy = False
        return out


# ops whose output has their first input's shape and dtype (in eval mode, for batch norm) ...
_IN_PLACE = frozenset({F.relu_, torch.relu_, torch.Tensor.relu_, torch.Tensor.add_, torch.Tensor.__iadd__})
_SHAPE_PRESERVING = frozenset({F.batch_norm, torch.batch_norm, F.relu, torch.relu, torch.Tensor.relu, *_IN_PLACE})
# ... and additions, when both sides are tensors of one shape and dtype (a residual join)
_SAME_SHAPE_PAIRS = frozenset(
    {torch.add, torch.Tensor.add, torch.Tensor.__add__, torch.Tensor.add_, torch.Tensor.__iadd__}
)


def _meta_shortcut(func: Callable[..., Any], args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> torch.Tensor | None:
    """What a shape-preserving op returns on meta, without the Python decomposition torch runs there to
    work it out (ResNet-1202's 1,201 ReLUs and 600 additions took over a second); None for any other call.
    An in-place op returns its input itself, so the trace sees no new memory, as on a real device."""
    first = args[0] if args else None
    if func not in _SHAPE_PRESERVING and func not in _SAME_SHAPE_PAIRS:
        return None
    if not isinstance(first, torch.Tensor) or not first.is_meta:
        return None
    if func in _SAME_SHAPE_PAIRS:
        other = args[1] if len(args) == 2 else None
        if kwargs or not isinstance(other, torch.Tensor) or (other.shape, other.dtype) != (first.shape, first.dtype):
            return None  # broadcasting, type promotion, alpha: the real op decides
    relu_in_place = func is F.relu and (kwargs.get("inplace") is True or (len(args) > 1 and args[1] is True))
    if func in _IN_PLACE or relu_in_place:
        return first
    return torch.empty(first.shape, dtype=first.dtype, device=first.device)  # empty_like works out strides in Python


# torch functions that are bookkeeping, not computation
_NOT_OPS = frozenset(
    {
        "_set_grad_enabled",
        "_assert",
        "is_grad_enabled",
        "dim",
        "size",
        "numel",
        "shape",
        "dtype",
        "device",
        "ndim",
        "is_nested",
        "requires_grad",
        "is_floating_point",
        "element_size",
        "data_ptr",
    }
)
