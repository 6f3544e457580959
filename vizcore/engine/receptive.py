"""Receptive field and effective stride of every layer, over the traced data-flow graph.

For a layer with a window (convolution, pooling) on a map whose pixels each see ``r`` input pixels and
sit ``j`` input pixels apart (the "jump"), with kernel ``k``, dilation ``d`` and stride ``s``:

    k_eff = d (k - 1) + 1,    r_out = r + (k_eff - 1) j,    j_out = j s

(Araujo, Norris & Sim, "Computing receptive fields of convolutional neural networks", Distill 2019).
Padding moves where a window sits, not how much it sees: it counts only for ``start``, the input pixel
on which output pixel 0's field is centred, ``start_out = start + ((k_eff - 1) / 2 - p) j`` with ``p``
pixels of padding before the first (negative: the field reaches into the padding). Per spatial dimension:

- a layer with several inputs (an addition, a concatenation) takes the largest field and jump of its
  inputs, and the start of the input with the largest field; element-wise layers keep their input's;
- adaptive pooling and interpolation, which have no kernel attribute, get the largest window they use
  (``in / out`` apart); upsampling divides the jump;
- a layer whose output is no longer the input's map (``flatten``, a reshape into tokens, a reduction
  over the spatial dimensions) sees the whole map: ``r + (n - 1) j`` over its ``n`` pixels, with the
  jump of a window that wide. Everything after it sees the same (nothing grows once the map is gone);
- a layer that does not depend on the input (a constant, a parameter) has no receptive field.

These are the theoretical fields: the span of input pixels that can reach one output, padding included,
so a field can be larger than the image (AlexNet's fc6: 355 on a 227 input).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from ..shapes import Shape
from .node import Node

_RESAMPLERS = ("pool", "interpolate", "upsample")


@dataclass(frozen=True)
class Field:
    """What one pixel of a layer's output sees: per spatial dimension, its extent and jump in input
    pixels, and the input pixel on which output pixel 0's field is centred; ``whole`` once the map has
    been flattened or reduced away."""

    size: tuple[Fraction, ...]
    jump: tuple[Fraction, ...]
    start: tuple[Fraction, ...]
    whole: bool = False


def annotate(nodes: Sequence[Node], edges: Sequence[tuple[int, int]], input_shape: Shape) -> list[Node]:
    """``nodes`` with ``receptive_field`` and ``effective_stride`` filled in (node ids start at 1;
    0 is the input, whose pixels see themselves)."""
    found = fields(nodes, edges, input_shape)
    out: list[Node] = []
    for node in nodes:
        field = found[node.id]
        out.append(
            replace(
                node,
                receptive_field=tuple(math.ceil(r) for r in field.size) if field else (),
                effective_stride=tuple(_number(j) for j in field.jump) if field else (),
            )
        )
    return out


def fields(nodes: Sequence[Node], edges: Sequence[tuple[int, int]], input_shape: Shape) -> dict[int, Field | None]:
    """Every node's field by id (0: the input); None for a node that does not depend on the input."""
    spatial = max(len(input_shape) - 2, 0)
    ones, zeros = (Fraction(1),) * spatial, (Fraction(0),) * spatial
    found: dict[int, Field | None] = {0: Field(ones, ones, zeros)}
    sources: dict[int, list[int]] = {}
    for src, dst in edges:
        sources.setdefault(dst, []).append(src)
    for node in nodes:
        seen = [f for f in (found.get(s) for s in sources.get(node.id, [])) if f is not None]
        found[node.id] = _through(node, _join(seen), spatial) if seen and spatial else None
    return found


def _number(value: Fraction) -> float:
    return int(value) if value.denominator == 1 else round(float(value), 3)


def _join(fields: list[Field]) -> Field:
    if len(fields) == 1:
        return fields[0]
    widest = [max(fields, key=lambda f: f.size[i]) for i in range(len(fields[0].size))]
    return Field(
        tuple(max(sizes) for sizes in zip(*(f.size for f in fields), strict=True)),
        tuple(max(jumps) for jumps in zip(*(f.jump for f in fields), strict=True)),
        tuple(f.start[i] for i, f in enumerate(widest)),
        all(f.whole for f in fields),
    )


def _map(shape: Shape, spatial: int) -> Shape | None:
    """The spatial part of a tensor's shape (its last ``spatial`` dimensions), if it has one."""
    return shape[-spatial:] if len(shape) >= spatial + 2 else None


def _through(node: Node, field: Field, spatial: int) -> Field:
    if field.whole:
        return field
    before = _map(node.input_shapes[0], spatial) if node.input_shapes else None
    after = _map(node.output_shape, spatial)
    if before is None:
        return field
    if len(node.kernel) == spatial and after is not None:
        return _window(node, field)
    if after == before:
        return field
    if after is not None and any(word in node.op.lower() or word in node.type.lower() for word in _RESAMPLERS):
        return _resample(field, before, after)
    if node.op in ("pad", "constant_pad_nd"):
        return field
    # the map is gone (flattened, reshaped into tokens, reduced): one window over all of it
    return Field(
        tuple(r + (n - 1) * j for r, j, n in zip(field.size, field.jump, before, strict=True)),
        tuple(j * n for j, n in zip(field.jump, before, strict=True)),
        tuple(t + (n - 1) * j / 2 for t, j, n in zip(field.start, field.jump, before, strict=True)),
        whole=True,
    )


def _window(node: Node, field: Field) -> Field:
    spatial = len(node.kernel)
    stride = node.stride if len(node.stride) == spatial else node.kernel if "pool" in node.op else (1,) * spatial
    dilation = node.dilation if len(node.dilation) == spatial and min(node.dilation) >= 1 else (1,) * spatial
    padding = node.padding if len(node.padding) == spatial else (0,) * spatial
    if node.op == "conv_transpose":  # an output pixel gathers ceil(k / s) input pixels; the map grows
        return Field(
            tuple(
                r + (math.ceil(k / s) - 1) * j
                for r, j, k, s in zip(field.size, field.jump, node.kernel, stride, strict=True)
            ),
            tuple(j / s for j, s in zip(field.jump, stride, strict=True)),
            field.start,
        )
    return Field(
        tuple(r + d * (k - 1) * j for r, j, k, d in zip(field.size, field.jump, node.kernel, dilation, strict=True)),
        tuple(j * s for j, s in zip(field.jump, stride, strict=True)),
        tuple(
            t + (Fraction(d * (k - 1), 2) - p) * j
            for t, j, k, d, p in zip(field.start, field.jump, node.kernel, dilation, padding, strict=True)
        ),
    )


def _largest_window(size_in: int, size_out: int) -> int:
    """The widest window adaptive pooling uses: window i spans floor(i n / m) to ceil((i + 1) n / m)."""
    if size_out > 4096:  # a bound, not a loop over a huge map
        return -(-size_in // size_out) + 1
    return max(-(-(i + 1) * size_in // size_out) - (i * size_in) // size_out for i in range(size_out))


def _resample(field: Field, before: Shape, after: Shape) -> Field:
    sizes, jumps, starts = [], [], []
    for r, j, t, n, m in zip(field.size, field.jump, field.start, before, after, strict=True):
        if m <= n:
            sizes.append(r + (_largest_window(n, m) - 1) * j)
        else:  # upsampling: more output pixels per input pixel, each seeing what its source saw
            sizes.append(r)
        jumps.append(j * Fraction(n, m))
        starts.append(t + (Fraction(n, m) - 1) / 2 * j)  # pixel 0 sits at the centre of its window
    return Field(tuple(sizes), tuple(jumps), tuple(starts))
