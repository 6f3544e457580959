"""Short layer labels in the papers' vocabulary, the way ResNet's Figure 3 writes its boxes.

``7x7 conv, 64, /2``: kernel, output channels, and the stride only when it is above 1. The rest of the
vocabulary, one rule per kind of layer:

- convolution: ``1x7 conv, 128`` (non-square kernels as written); depthwise ``3x3 dw conv, 32``;
  grouped ``3x3 conv, 256, 32 groups``; dilated ``3x3 conv, 256, dil 2``; transposed
  ``2x2 up-conv, 64, x2`` (its stride is an upsampling factor); a 1-D or 3-D kernel writes its own
  dimensions (``3 conv, 64``, ``3x3x3 conv, 64``).
- pooling: ``3x3 max pool, /2``; a pool that leaves one position per channel (global) is ``avg pool``
  or ``max pool``; an adaptive pool to a fixed grid says so, ``avg pool to 6x6``.
- fully connected: ``fc 1000``.
- norms: ``bn``, ``ln``, ``gn``, ``in``, ``lrn``; activations by their name (``relu``, ``silu``);
  ``dropout``, ``drop path``; joins ``add`` and ``concat``; ``flatten``; anything else its op name.

A pure function of a traced node: nothing is looked up, so the label is the same wherever it appears
(to_dict, the summary table and its exports, the diagrams). A block of layers drawn as one box is
named from the same words (``kernel_word``) by ``blocks.block_label``.
"""

from __future__ import annotations

from .node import Node

_NAMES = {
    "batch_norm": "bn",
    "layer_norm": "ln",
    "group_norm": "gn",
    "instance_norm": "in",
    "local_response_norm": "lrn",
    "linear": "fc",
    "stochastic_depth": "drop path",
    "multi_head_attention_forward": "attention",
    "scaled_dot_product_attention": "attention",
    "adaptive_avg_pool": "avg pool",
    "adaptive_max_pool": "max pool",
    "iadd": "add",
}


def _size(dims: tuple[int, ...]) -> str:
    return "x".join(map(str, dims))


def stride_text(stride: tuple[int, ...], sign: str = "/") -> str:
    """``, /2`` for a stride of 2 in every dimension, ``, /2x1`` for an uneven one, nothing for 1."""
    if not stride or all(s == 1 for s in stride):
        return ""
    return f", {sign}{stride[0]}" if len(set(stride)) == 1 else f", {sign}{_size(stride)}"


def _spatial(shape: tuple[int, ...]) -> tuple[int, ...]:
    return shape[2:] if len(shape) > 2 else ()


def is_depthwise(node: Node) -> bool:
    """A convolution with one group per input channel (MobileNet's 3x3 dw conv)."""
    in_channels = node.input_shapes[0][1] if node.input_shapes and len(node.input_shapes[0]) > 1 else 0
    return node.op.startswith("conv") and node.groups > 1 and node.groups == in_channels


def kernel_word(node: Node) -> str:
    """How a block's name writes one of its convolutions: ``3x3``, ``3x3dw`` (depthwise), ``1x7``,
    ``2x2up`` (transposed)."""
    kernel = _size(node.kernel) if node.kernel else "conv"
    return kernel + ("up" if node.op == "conv_transpose" else "dw" if is_depthwise(node) else "")


def _conv(node: Node) -> str:
    channels = node.output_shape[1] if len(node.output_shape) > 1 else 0
    kernel = f"{_size(node.kernel)} " if node.kernel else ""
    if node.op == "conv_transpose":
        return f"{kernel}up-conv, {channels}{stride_text(node.stride, 'x')}"
    depthwise = is_depthwise(node)
    label = f"{kernel}{'dw ' if depthwise else ''}conv, {channels}{stride_text(node.stride)}"
    if node.dilation and any(d != 1 for d in node.dilation):
        label += f", dil {node.dilation[0] if len(set(node.dilation)) == 1 else _size(node.dilation)}"
    if node.groups > 1 and not depthwise:
        label += f", {node.groups} groups"
    return label


def _pool(node: Node) -> str:
    kind = "max" if "max" in node.op else "avg"
    out = _spatial(node.output_shape)
    seen = _spatial(node.input_shapes[0]) if node.input_shapes else ()
    if out and all(d == 1 for d in out) and any(d > 1 for d in seen):
        return f"{kind} pool"  # global: one position per channel
    if "adaptive" in node.op:
        return f"{kind} pool to {_size(out)}"
    kernel = f"{_size(node.kernel)} " if node.kernel else ""
    return f"{kernel}{kind} pool{stride_text(node.stride)}"


def layer_label(node: Node) -> str:
    """The short label of one traced layer: ``3x3 conv, 128, /2``, ``fc 1000``, ``relu``, ``add``..."""
    op = node.op
    if op.startswith("conv"):
        return _conv(node)
    if "pool" in op:
        return _pool(node)
    if op == "mean" and len(node.input_shapes[:1]) and len(node.input_shapes[0]) == 4:
        out = node.output_shape
        if len(out) == 2 or (len(out) == 4 and out[2:] == (1, 1)):
            return "avg pool"  # x.mean((2, 3)): a global average pool written as a reduction
    if op == "linear":
        return f"fc {node.output_shape[-1]}" if node.output_shape else "fc"
    if op in ("flatten", "view", "reshape"):
        return "flatten" if len(node.output_shape) == 2 else op
    if node.op_kind == "concat":
        return "concat"
    return _NAMES.get(op, op.replace("_", " "))
