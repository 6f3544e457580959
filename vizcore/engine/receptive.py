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
- an input broadcast onto the map (one pixel across, as squeeze-and-excitation's gate, pooled over the
  whole map, multiplies every pixel of it) is no window: every output pixel reads the same gate, so it
  adds that gate's field, an interval fixed in the input (its ``reach``), to each pixel's own window.
  The pixel's field is the union of the two; the jump stays the map's. What a layer reports is the
  widest union over its output pixels (an edge pixel's, whose window sticks out of the reach on one
  side when padding has grown it past the gate's span). The gate therefore never compounds: before,
  its jump (the whole map's width) was taken as the product's, and every window after multiplied it
  (RegNet-Y's fields reached ~10^20 pixels). Araujo et al. derive the recurrence for fully
  convolutional networks, where every step is a window, and join paths by their largest field; a
  global pool is outside that. Here a unit's field is what it is by definition, the input pixels that
  can change it (Luo et al. 2016: outside it, nothing affects the unit), so a product's field is the
  union of its operands' fields and a global pool's is all the pixels its map saw;
- adaptive pooling and interpolation, which have no kernel attribute, get the largest window they use
  (``in / out`` apart); upsampling divides the jump;
- a layer whose output is no longer the input's map (``flatten``, a reshape into tokens, a reduction
  over the spatial dimensions) sees the whole map: ``r + (n - 1) j`` over its ``n`` pixels, with the
  jump of a window that wide. Everything after it sees the same (nothing grows once the map is gone);
- a layer that does not depend on the input (a constant, a parameter) has no receptive field.

These are the theoretical fields: the span of input pixels that can reach one output, padding included,
so a field can be larger than the image (AlexNet's fc6: 355 on a 227 input). It is bounded: a field's
interval lies within the input widened on each side by the padding of every layer, in input pixels
(``p·j_in`` each; ceil-mode pools can add up to ``(s − 1)·j_in`` on the right).

``step`` is the one rule for one layer; ``fields`` runs it over the graph and ``arithmetic`` shows it
working on one layer, so the two cannot disagree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from ..shapes import Shape
from .node import Node

_RESAMPLERS = ("pool", "interpolate", "upsample")
Interval = tuple[Fraction, Fraction]  # first and last input pixel (centres), padding positions included


@dataclass(frozen=True)
class Field:
    """What one pixel of a layer's output sees: per spatial dimension, its extent and jump in input
    pixels, and the input pixel on which output pixel 0's field is centred; ``whole`` once the map has
    been flattened or reduced away."""

    size: tuple[Fraction, ...]
    jump: tuple[Fraction, ...]
    start: tuple[Fraction, ...]
    whole: bool = False
    reach: tuple[Interval | None, ...] = ()  # per dimension: what every pixel sees besides its window


Operand = tuple[Field, Shape | None]  # an input's field and its spatial map


def _reach(field: Field, i: int) -> Interval | None:
    return field.reach[i] if field.reach else None


def _hull(a: Interval | None, b: Interval | None) -> Interval | None:
    if a is None or b is None:
        return a or b
    return min(a[0], b[0]), max(a[1], b[1])


def span(field: Field, i: int, pixels: int) -> Interval:
    """The input pixels that pixels 0 .. ``pixels`` − 1 of the map see together in dimension ``i``."""
    half = (field.size[i] - 1) / 2
    local = (field.start[i] - half, field.start[i] + (pixels - 1) * field.jump[i] + half)
    hull = _hull(local, _reach(field, i))
    assert hull is not None
    return hull


def extent(field: Field, units: Shape | None) -> tuple[Fraction, ...]:
    """The receptive field a layer reports, per dimension: its window, or where a reach joins it, the widest
    union of the two over its output pixels (the first's or the last's, the union's width being convex)."""
    sizes = []
    for i, r in enumerate(field.size):
        if _reach(field, i) is None:
            sizes.append(r)
            continue
        last = units[i] - 1 if units is not None else 0
        widths = []
        for pixel in (0, last):
            moved = replace(field, start=tuple(t + pixel * j for t, j in zip(field.start, field.jump, strict=True)))
            lo, hi = span(moved, i, 1)
            widths.append(hi - lo + 1)
        sizes.append(max(widths))
    return tuple(sizes)


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
                receptive_field=tuple(
                    math.ceil(r) for r in extent(field, spatial_map(node.output_shape, len(field.size)))
                )
                if field
                else (),
                effective_stride=tuple(_number(j) for j in field.jump) if field else (),
            )
        )
    return out


def fields(nodes: Sequence[Node], edges: Sequence[tuple[int, int]], input_shape: Shape) -> dict[int, Field | None]:
    """Every node's field by id (0: the input); None for a node that does not depend on the input."""
    spatial = max(len(input_shape) - 2, 0)
    ones, zeros = (Fraction(1),) * spatial, (Fraction(0),) * spatial
    found: dict[int, Field | None] = {0: Field(ones, ones, zeros)}
    maps = {0: spatial_map(input_shape, spatial), **{n.id: spatial_map(n.output_shape, spatial) for n in nodes}}
    sources: dict[int, list[int]] = {}
    for src, dst in edges:
        sources.setdefault(dst, []).append(src)
    for node in nodes:
        seen = [(f, maps[s]) for s in sources.get(node.id, []) if (f := found.get(s)) is not None]
        found[node.id] = step(node, seen, spatial)[1] if seen and spatial else None
    return found


def step(node: Node, inputs: Sequence[Operand], spatial: int) -> tuple[Field, Field]:
    """The one rule: ``node``'s inputs joined into the field it reads, and the field of its output."""
    joined = _join(list(inputs), spatial_map(node.output_shape, spatial))
    return joined, _through(node, joined, spatial)


def _number(value: Fraction) -> float:
    return int(value) if value.denominator == 1 else round(float(value), 3)


def broadcast(shape: Shape | None, out: Shape | None, i: int) -> bool:
    """Whether an input of map ``shape`` is broadcast over dimension ``i`` of the output map ``out``."""
    return shape is not None and out is not None and shape[i] == 1 < out[i]


def _join(inputs: list[Operand], out: Shape | None) -> Field:
    if len(inputs) == 1:
        return inputs[0][0]
    sizes, jumps, starts, reaches = [], [], [], []
    for i in range(len(inputs[0][0].size)):
        windows = [f for f, m in inputs if not broadcast(m, out, i)] or [f for f, _ in inputs]
        widest = max(windows, key=lambda f: f.size[i])
        sizes.append(widest.size[i])
        jumps.append(max(f.jump[i] for f in windows))
        starts.append(widest.start[i])
        reach: Interval | None = None
        for f, m in inputs:  # a gate brings all it sees; a window brings its own reach
            reach = _hull(reach, span(f, i, 1) if broadcast(m, out, i) else _reach(f, i))
        reaches.append(reach)
    whole = all(f.whole for f, _ in inputs)
    return Field(tuple(sizes), tuple(jumps), tuple(starts), whole, tuple(reaches) if any(reaches) else ())


def spatial_map(shape: Shape, spatial: int) -> Shape | None:
    """The spatial part of a tensor's shape (its last ``spatial`` dimensions), if it has one."""
    return shape[-spatial:] if len(shape) >= spatial + 2 else None


def _through(node: Node, field: Field, spatial: int) -> Field:
    if field.whole:
        return field
    after = spatial_map(node.output_shape, spatial)
    maps = [m for m in (spatial_map(shape, spatial) for shape in node.input_shapes) if m is not None]
    # an input as wide as the output (not the gate broadcast onto it: ``scale * input``) is the one it maps
    before = after if after in maps else maps[0] if maps else None
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
    spans = [span(field, i, n) for i, n in enumerate(before)]
    return Field(
        tuple(hi - lo + 1 for lo, hi in spans),
        tuple(j * n for j, n in zip(field.jump, before, strict=True)),
        tuple((lo + hi) / 2 for lo, hi in spans),
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
            reach=field.reach,
        )
    return Field(
        tuple(r + d * (k - 1) * j for r, j, k, d in zip(field.size, field.jump, node.kernel, dilation, strict=True)),
        tuple(j * s for j, s in zip(field.jump, stride, strict=True)),
        tuple(
            t + (Fraction(d * (k - 1), 2) - p) * j
            for t, j, k, d, p in zip(field.start, field.jump, node.kernel, dilation, padding, strict=True)
        ),
        reach=field.reach,
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
    return Field(tuple(sizes), tuple(jumps), tuple(starts), reach=field.reach)
