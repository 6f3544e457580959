"""Cost rules: one handler per op, in one table (the fvcore pattern).

Conventions, stated once:
- A MAC is one multiply-add. MACs are counted for convolutions, linear layers, matrix products and
  attention: the convention of torchvision's published "GFLOPS" and of the ResNet and GoogLeNet papers.
  Bias additions are not MACs.
- FLOPs are 2 per MAC plus element-wise work, counted per output element (per input element for
  global/adaptive pooling and reductions) with the factors in ``ELEMENTWISE_FLOPS`` and the rules below.
- Memory is output elements x bytes per element of the dtype.
Ops with no rule cost nothing here and are reported by name, never silently dropped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

CONVENTIONS: Mapping[str, str] = {
    "macs": "multiply-adds of convolutions, linear layers, matrix products and attention "
    "(torchvision's published GFLOPS and the ResNet/GoogLeNet papers use this convention)",
    "flops": "2 per MAC, plus element-wise work: 1 per output element for activations and "
    "arithmetic, 2 for batch norm, 5 for layer/group/instance norm, 3 for softmax, kernel size "
    "for pooling, 1 per input element for global pooling and reductions",
    "memory": "output elements x bytes per element of the dtype; outputs that reuse their input's "
    "storage (in-place ops, views) add nothing to the total",
    "params": "each parameter counted once, at the first layer that uses it; parameters of modules "
    "that never run (e.g. auxiliary heads in eval mode) are reported apart as unused",
}


@dataclass(frozen=True)
class OpCall:
    """What a handler sees of one call: the op, its module (if any), tensors in and out."""

    op: str
    module: nn.Module | None
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any]
    inputs: tuple[torch.Tensor, ...]
    outputs: tuple[torch.Tensor, ...]

    def arg(self, index: int, name: str) -> Any:
        if name in self.kwargs:
            return self.kwargs[name]
        return self.args[index] if len(self.args) > index else None

    @property
    def out_numel(self) -> int:
        return self.outputs[0].numel() if self.outputs else 0

    @property
    def in_numel(self) -> int:
        return self.inputs[0].numel() if self.inputs else 0


@dataclass(frozen=True)
class Cost:
    macs: int = 0
    flops: int = 0


Handler = Callable[[OpCall], Cost]


def _weight(call: OpCall, index: int = 1) -> torch.Tensor:
    if call.module is not None:
        weight = call.module.weight
        assert isinstance(weight, torch.Tensor)
        return weight
    weight = call.arg(index, "weight")
    assert isinstance(weight, torch.Tensor)
    return weight


def _from_macs(macs: int) -> Cost:
    return Cost(macs=macs, flops=2 * macs)


def _conv(call: OpCall) -> Cost:
    # weight: (out, in / groups, *kernel); each output element takes in/groups x kernel MACs
    weight = _weight(call)
    return _from_macs(call.out_numel * math.prod(weight.shape[1:]))


def _conv_transpose(call: OpCall) -> Cost:
    # weight: (in, out / groups, *kernel); each input element is spread over out/groups x kernel
    weight = _weight(call)
    return _from_macs(call.in_numel * math.prod(weight.shape[1:]))


def _linear(call: OpCall) -> Cost:
    return _from_macs(call.out_numel * _weight(call).shape[-1])


def _bilinear(call: OpCall) -> Cost:
    weight = _weight(call, index=2)
    return _from_macs(call.out_numel * weight.shape[1] * weight.shape[2])


def _matmul(call: OpCall) -> Cost:
    # the last two tensors are the factors (addmm/baddbmm put the bias first)
    left = call.inputs[-2] if len(call.inputs) >= 2 else call.inputs[0]
    return _from_macs(call.out_numel * left.shape[-1])


def _einsum(call: OpCall) -> Cost:
    equation = call.args[0] if call.args and isinstance(call.args[0], str) else call.kwargs.get("equation", "")
    inputs = equation.replace(" ", "").split("->")[0].split(",")
    sizes: dict[str, int] = {}
    for letters, tensor in zip(inputs, call.inputs, strict=False):
        sizes.update(zip(letters, tensor.shape, strict=False))
    # for a contraction of two operands, every combination of indices is one multiply-add
    return _from_macs(math.prod(sizes.values()) if len(inputs) >= 2 else 0)


def _multi_head_attention(call: OpCall) -> Cost:
    query, key = call.inputs[0], call.inputs[1]
    if query.dim() == 2:  # unbatched (L, E)
        query, key = query.unsqueeze(1), key.unsqueeze(1)
    length, batch, embed = query.shape
    source = key.shape[0]
    projections = (length + 2 * source) * batch * embed * embed  # q, k, v in-projections
    attention = 2 * batch * length * source * embed  # q @ k^T and weights @ v, all heads together
    out_projection = length * batch * embed * embed
    macs = projections + attention + out_projection
    return Cost(macs=macs, flops=2 * macs + 3 * batch * length * source)


def _sdpa(call: OpCall) -> Cost:
    query, key, value = call.inputs[:3]
    batch = math.prod(query.shape[:-2])
    length, source = query.shape[-2], key.shape[-2]
    macs = batch * length * source * (query.shape[-1] + value.shape[-1])
    return Cost(macs=macs, flops=2 * macs + 3 * batch * length * source)


def _per_output(factor: int) -> Handler:
    def handler(call: OpCall) -> Cost:
        return Cost(flops=factor * call.out_numel)

    return handler


def _per_input(call: OpCall) -> Cost:
    return Cost(flops=call.in_numel)


def window(call: OpCall, attribute: str, index: int) -> tuple[int, ...]:
    """Kernel size or stride of a convolution or pooling (its module's attribute, or a functional
    pool's argument at ``index``), one entry per spatial dimension; () for every other op."""
    if call.module is not None:
        value = getattr(call.module, attribute, None)
    elif "pool" in call.op and "adaptive" not in call.op:
        value = call.arg(index, attribute)
    else:
        return ()
    if isinstance(value, int):
        spatial = call.outputs[0].dim() - 2 if call.outputs else 2
        return (value,) * spatial
    if isinstance(value, (tuple, list)) and all(isinstance(v, int) for v in value):
        return tuple(value)
    return ()


def _pool(call: OpCall) -> Cost:
    return Cost(flops=call.out_numel * math.prod(window(call, "kernel_size", 1)))


def _lrn(call: OpCall) -> Cost:
    size: Any = getattr(call.module, "size", 5) if call.module is not None else call.arg(1, "size")
    return Cost(flops=call.out_numel * (int(size) + 3))


def _free(call: OpCall) -> Cost:
    return Cost()


ELEMENTWISE_FLOPS: Mapping[str, int] = {
    # activations and element-wise arithmetic: 1 per output element
    **dict.fromkeys(
        (
            "relu relu6 leaky_relu prelu elu selu celu gelu silu mish sigmoid tanh hardtanh hardswish "
            "hardsigmoid softplus threshold add sub mul div neg abs exp sqrt rsqrt pow clamp clamp_min where "
            "masked_fill eq ne lt le gt ge logical_and logical_or logical_not"
        ).split(),
        1,
    ),
    "batch_norm": 2,  # folds into one scale and one shift at inference
    "layer_norm": 5,
    "group_norm": 5,
    "instance_norm": 5,
    "softmax": 3,
    "log_softmax": 3,
    "normalize": 3,  # square, sum, divide
}

_ZERO_COST = (
    "identity dropout dropout2d dropout3d alpha_dropout feature_alpha_dropout stochastic_depth flatten "
    "unflatten view reshape view_as reshape_as squeeze unsqueeze permute transpose t contiguous expand "
    "expand_as repeat chunk split split_with_sizes unbind narrow select getitem cat concat concatenate "
    "stack roll pad constant_pad_nd clone detach to type float half double new_zeros new_ones new_empty "
    "new_full zeros zeros_like ones ones_like empty empty_like arange full full_like zero fill T mT "
    "channel_shuffle pixel_shuffle pixel_unshuffle movedim swapaxes swapdims windowpartition "
    "windowdepartition"
).split()

HANDLERS: Mapping[str, Handler] = {
    **dict.fromkeys(["conv", "conv1d", "conv2d", "conv3d"], _conv),
    **dict.fromkeys(["conv_transpose", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"], _conv_transpose),
    "linear": _linear,
    "bilinear": _bilinear,
    **dict.fromkeys(["matmul", "mm", "bmm", "addmm", "baddbmm", "addbmm"], _matmul),
    "einsum": _einsum,
    "multi_head_attention_forward": _multi_head_attention,
    "scaled_dot_product_attention": _sdpa,
    **{op: _per_output(factor) for op, factor in ELEMENTWISE_FLOPS.items()},
    **dict.fromkeys(
        ["max_pool", "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool", "avg_pool1d", "avg_pool2d", "avg_pool3d"],
        _pool,
    ),
    **dict.fromkeys(
        [
            "adaptive_avg_pool",
            "adaptive_avg_pool1d",
            "adaptive_avg_pool2d",
            "adaptive_avg_pool3d",
            "adaptive_max_pool",
            "adaptive_max_pool1d",
            "adaptive_max_pool2d",
            "adaptive_max_pool3d",
            "mean",
            "sum",
            "amax",
            "amin",
            "max",
            "min",
            "norm",
        ],
        _per_input,
    ),
    "local_response_norm": _lrn,
    **dict.fromkeys(_ZERO_COST, _free),
}

# Module classes -> the op they perform; subclasses are found by walking the class's MRO.
_MODULE_OPS: Mapping[type[nn.Module], str] = {
    nn.modules.conv._ConvTransposeNd: "conv_transpose",
    nn.modules.conv._ConvNd: "conv",
    nn.Linear: "linear",
    nn.Bilinear: "bilinear",
    nn.modules.batchnorm._BatchNorm: "batch_norm",
    nn.modules.instancenorm._InstanceNorm: "instance_norm",
    nn.LayerNorm: "layer_norm",
    nn.GroupNorm: "group_norm",
    nn.LocalResponseNorm: "local_response_norm",
    nn.modules.pooling._MaxPoolNd: "max_pool",
    nn.modules.pooling._AvgPoolNd: "avg_pool",
    nn.modules.pooling._AdaptiveAvgPoolNd: "adaptive_avg_pool",
    nn.modules.pooling._AdaptiveMaxPoolNd: "adaptive_max_pool",
    nn.modules.dropout._DropoutNd: "dropout",
    nn.MultiheadAttention: "multi_head_attention_forward",
}


_CLASS_ALIASES: Mapping[str, str] = {
    "leakyrelu": "leaky_relu",
    "logsoftmax": "log_softmax",
    "stochasticdepth": "stochastic_depth",
    "channelshuffle": "channel_shuffle",
    "pixelshuffle": "pixel_shuffle",
    "pixelunshuffle": "pixel_unshuffle",
}


def module_op(module: nn.Module) -> str:
    """The op name a module performs: ``conv`` for any Conv, else its lower-cased class name."""
    for cls in type(module).__mro__:
        if cls in _MODULE_OPS:
            return _MODULE_OPS[cls]
    name = type(module).__name__.lower()
    return _CLASS_ALIASES.get(name, name)


def function_op(func: Callable[..., Any]) -> str:
    """The op name of a torch function: ``add`` for ``+``, ``+=`` and ``add_``, ``getitem`` for ``x[i]``."""
    name = getattr(func, "__name__", type(func).__name__)
    if name == "__get__":  # a tensor property such as ``x.T``
        name = getattr(getattr(func, "__self__", None), "__name__", name)
    if name.startswith("__") and name.endswith("__"):
        name = name[2:-2]
        if name[:1] in "ir" and name[1:] in {"add", "sub", "mul", "truediv", "matmul", "and", "or", "pow"}:
            name = name[1:]  # __iadd__ and __radd__ are still additions
    name = {"truediv": "div", "div_": "div"}.get(name, name)
    if name.endswith("_") and not name.startswith("_"):
        name = name[:-1]  # relu_ and add_ do the same work as relu and add
    return name


def cost_of(call: OpCall) -> Cost | None:
    """The cost of one call, or ``None`` where no rule covers the op (the caller reports it)."""
    handler = HANDLERS.get(call.op)
    return handler(call) if handler is not None else None


def tensors_in(values: Iterable[Any]) -> list[torch.Tensor]:
    """Every tensor inside nested tuples, lists and dicts, in order."""
    found: list[torch.Tensor] = []
    stack = list(values)[::-1]
    while stack:
        value = stack.pop()
        if isinstance(value, torch.Tensor):
            found.append(value)
        elif isinstance(value, (list, tuple)):
            stack.extend(reversed(value))
        elif isinstance(value, dict):
            stack.extend(reversed(list(value.values())))
    return found
