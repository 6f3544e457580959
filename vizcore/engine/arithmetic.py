"""The worked arithmetic of one traced layer, in the lecture decks' notation.

Every figure comes with the numbers it is made from: output size from input, kernel, stride, padding and
dilation; output values and memory; parameters; multiply-adds and FLOPs; receptive field and effective
stride by the recurrence from the layer before. The working is done again here from the layer's settings
(never copied from the traced counts), so a test can check that it lands on the engine's numbers.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

from ..errors import VizcoreError
from ..shapes import Shape
from . import receptive
from .analysis import Analysis
from .costs import ELEMENTWISE_FLOPS
from .node import Node

BYTES_PER_VALUE = {"float64": 8, "float32": 4, "float16": 2, "bfloat16": 2, "int8": 1, "uint8": 1}


class NoSuchLayerError(VizcoreError, KeyError):
    """A layer name that the traced model does not have."""

    def __str__(self) -> str:
        return str(self.args[0])


class NoOutputError(VizcoreError, ValueError):
    """Window settings that leave no output position (the kernel is larger than the padded input)."""


@dataclass(frozen=True)
class Step:
    """One figure: what it is, its formula in symbols, the same with the layer's numbers, the result."""

    quantity: str
    formula: str
    working: str
    value: Any


@dataclass(frozen=True)
class Working:
    layer: str
    label: str
    op: str
    kind: str  # conv, pool, adaptive pool, linear, norm, activation, add, concat, reshape, or "" (no rule)
    input_shapes: tuple[Shape, ...]
    output_shape: Shape
    values: int
    memory_bytes: int
    params: int
    macs: int
    flops: int
    receptive_field: tuple[int, ...]
    effective_stride: tuple[float, ...]
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _n(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def window_output(size: int, kernel: int, stride: int, padding: int, dilation: int = 1, ceil: bool = False) -> int:
    """Output positions of a window sliding over ``size`` pixels padded by ``padding`` on each side (PyTorch's
    rule: in ceil mode, a last window that would start in the right padding is dropped); 0 when none fit."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    if span < 0:
        return 0
    out = (-(-span // stride) if ceil else span // stride) + 1
    if ceil and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def size_formula(dilation: int, ceil: bool) -> str:
    """The output size formula in the decks' notation: (H − K + 2P) / S + 1, widened where needed."""
    kernel = "K" if dilation == 1 else "D(K − 1) − 1"
    core = f"(H − {kernel} + 2P) / S" if dilation == 1 else f"(H + 2P − {kernel}) / S"
    return f"H' = {'ceil' if ceil else 'floor'}({core}) + 1"


def _size_working(h: int, k: int, s: int, p: int, d: int, ceil: bool, out: int) -> str:
    rounding = "ceil" if ceil else "floor"
    if d == 1:
        text = f"{rounding}(({h} − {k} + 2·{p}) / {s}) + 1 = {out}"
    else:
        text = f"{rounding}(({h} + 2·{p} − {d}·({k} − 1) − 1) / {s}) + 1 = {out}"
    if ceil and out < -(-(h + 2 * p - d * (k - 1) - 1) // s) + 1:
        text += " (the last window would start in the padding, so it is dropped)"
    return text


Fields = Mapping[int, receptive.Field | None]


def _inputs(analysis: Analysis, node: Node, spatial: int, found: Fields | None) -> list[receptive.Operand]:
    """The fields of the layer's inputs, from ``receptive.fields``; where the analysis records another
    effective stride for one (the quiz's mistake "forgot to multiply by j_in" rewrites them), as recorded."""
    if found is None:
        found = receptive.fields(analysis.layers, analysis.edges, analysis.input_shape)
    inputs = []
    for src, dst in analysis.edges:
        field = found.get(src) if dst == node.id else None
        if field is None:
            continue
        shape = analysis.input_shape if src == 0 else analysis.node(src).output_shape
        recorded = analysis.node(src).effective_stride if src else ()
        if recorded and recorded != tuple(_rounded(j) for j in field.jump):
            field = dataclasses.replace(field, jump=tuple(Fraction(str(j)) for j in recorded))
        inputs.append((field, receptive.spatial_map(shape, spatial)))
    return inputs


def _rounded(value: Fraction) -> float:
    return int(value) if value.denominator == 1 else round(float(value), 3)


def _receptive(
    analysis: Analysis, node: Node, window: tuple[tuple[int, int, int], ...], found: Fields | None
) -> list[Step]:
    """The recurrence r = r_in + D(K − 1)·j_in, j = j_in·S from the layer(s) before, worked by the engine's
    own rule (``receptive.step``), so that it lands on the analysis' figures."""
    if not node.receptive_field:
        return []
    spatial = len(node.receptive_field)
    inputs = _inputs(analysis, node, spatial, found)
    if not inputs:
        return []
    before, after = receptive.step(node, inputs, spatial)
    out_map = receptive.spatial_map(node.output_shape, spatial)
    r_in, j_in = before.size, before.jump
    gated = any(receptive.broadcast(m, out_map, i) for _, m in inputs for i in range(spatial))
    joined = (
        " (the map's; the gate is broadcast onto every pixel)"
        if gated
        else " (the largest over its inputs)"
        if len(inputs) > 1
        else ""
    )
    if window:
        formula = ("r = r_in + D(K − 1)·j_in", "j = j_in·S")
        r_text = [
            f"{_n(_rounded(a))} + {d}·({k} − 1)·{_n(_rounded(j))}"
            for a, j, (k, _, d) in zip(r_in, j_in, window, strict=True)
        ]
        j_text = [f"{_n(_rounded(j))}·{s}" for j, (_, s, _) in zip(j_in, window, strict=True)]
    elif after.whole and not before.whole:  # the map is flattened away: one window over all of it
        formula = ("r = the span of all H pixels of the map (the whole map)", "j = j_in·H")
        pixels = [round(j / a) for j, a in zip(after.jump, j_in, strict=True)]
        r_text = [
            f"{_n(_rounded(a))} + ({n} − 1)·{_n(_rounded(j))}" for a, j, n in zip(r_in, j_in, pixels, strict=True)
        ]
        j_text = [f"{_n(_rounded(j))}·{n}" for j, n in zip(j_in, pixels, strict=True)]
    elif (after.size, after.jump) == (r_in, j_in):
        formula = ("r = r_in", "j = j_in")
        r_text = [_n(_rounded(a)) for a in r_in]
        j_text = [_n(_rounded(j)) for j in j_in]
    else:  # adaptive pooling, interpolation: its widest window, windows H / H' apart
        formula = ("r = r_in + (widest window − 1)·j_in", "j = j_in·H / H'")
        wide = [(r - a) / j + 1 for r, a, j in zip(after.size, r_in, j_in, strict=True)]
        r_text = [
            f"{_n(_rounded(a))} + ({_n(_rounded(w))} − 1)·{_n(_rounded(j))}"
            for a, j, w in zip(r_in, j_in, wide, strict=True)
        ]
        j_text = [f"{_n(_rounded(j))}·{_n(_rounded(b / j))}" for j, b in zip(j_in, after.jump, strict=True)]
    field = tuple(math.ceil(v) for v in receptive.extent(after, out_map))
    if after.reach and not after.whole:  # every pixel also sees what the gate pooled: the union, at its widest
        formula = (formula[0] + ", joined with the gate's span", formula[1])
        for i, reach in enumerate(after.reach):
            if reach is not None:
                lo, hi = (_n(_rounded(v)) for v in reach)
                local = _n(_rounded(after.size[i]))
                r_text[i] = (r_text[i] if r_text[i] == local else f"{r_text[i]} = {local}") + (
                    f", ∪ the gate's pixels {lo} … {hi} (widest over the map)"
                )
    stride = tuple(_rounded(v) for v in after.jump)
    return [
        Step("receptive field", formula[0] + joined, _per_dim(r_text, field), field),
        Step("effective stride", formula[1], _per_dim(j_text, stride), stride),
    ]


def _per_dim(texts: list[str], values: tuple[float, ...]) -> str:
    def equals(text: str, value: float) -> str:
        return text if text == _n(value) else f"{text} = {_n(value)}"

    if len(set(texts)) == 1 and len(set(values)) == 1:
        return equals(texts[0], values[0])
    return ", ".join(equals(t, v) for t, v in zip(texts, values, strict=True))


def _broadcast(shapes: tuple[Shape, ...]) -> Shape:
    """PyTorch's broadcasting: shapes aligned on the right, a missing dimension counting as 1 (ConvNeXt's
    layer scale multiplies a C×1×1 parameter into an N×C×H×W map)."""
    rank = max(len(s) for s in shapes)
    padded = [(1,) * (rank - len(s)) + tuple(s) for s in shapes]
    return tuple(max(d) for d in zip(*padded, strict=True))


def _kind(node: Node) -> str:
    if node.op == "conv" and node.kernel:
        return "conv"
    if "adaptive" in node.op:
        return "adaptive pool"
    if "pool" in node.op and node.kernel:
        return "pool"
    if node.op == "linear" and node.kind == "module":
        return "linear"
    if node.op_kind in ("norm", "concat", "add"):
        return node.op_kind
    if node.op in ELEMENTWISE_FLOPS:
        return "activation"
    if node.op_kind == "reshape" and not node.params:  # a slice of a learned table keeps the traced figures
        return "reshape"
    return ""


def _normalized(node: Node, in_shape: Shape) -> tuple[int, str]:
    """The size γ and β each have, and where a layer norm reads it when not from the last dimension: a
    LayerNorm normalises the trailing dimensions, a channels-first one (ConvNeXt's LayerNorm2d) the channels."""
    if node.op != "layer_norm":
        return in_shape[1], ""
    if not node.bias or node.params in (0, 2 * in_shape[-1]):
        return in_shape[-1], ""
    if len(in_shape) > 2 and node.params == 2 * in_shape[1]:
        return in_shape[1], "the channels (a channels-first layer norm)"
    trailing = next(
        (k for k in range(2, len(in_shape)) if node.params == 2 * math.prod(in_shape[-k:])), len(in_shape) - 1
    )
    return math.prod(in_shape[-trailing:]), f"the last {trailing} dimensions"


def _learned_input(node: Node) -> Shape:
    """The shape of the learned tensor an elementwise function applies (one input is a parameter), or ()."""
    if node.kind != "function" or not node.params:
        return ()
    return next((shape for shape in node.input_shapes if math.prod(shape) == node.params), ())


def _padding(node: Node, size: tuple[int, ...]) -> tuple[tuple[int, ...], str]:
    """Per-side padding per dimension, and a note for "same"/"valid"."""
    if node.padding_mode == "same":
        totals = [d * (k - 1) for k, d in zip(node.kernel, node.dilation or (1,) * len(size), strict=True)]
        note = "padding 'same': D(K − 1) zeros in all, split " + ", ".join(
            dict.fromkeys(f"{t // 2} before and {t - t // 2} after" for t in totals)
        )
        return tuple(t // 2 for t in totals), note
    if node.padding_mode == "valid" or len(node.padding) != len(size):
        return (0,) * len(size), "padding 'valid': none" if node.padding_mode == "valid" else ""
    return node.padding, ""


def work(analysis: Analysis, layer: str, call: int = 1) -> Working:
    """The worked arithmetic of the layer named ``layer`` (its ``call``-th run where a module runs twice)."""
    matches = [n for n in analysis.layers if n.name == layer]
    if not matches:
        near = [n.name for n in analysis.layers if layer.lower() in n.name.lower()][:5]
        hint = f"did you mean {', '.join(near)}?" if near else "`summary` lists the layer names."
        raise NoSuchLayerError(f"{analysis.model} has no layer named {layer!r}; {hint}")
    return work_node(analysis, matches[min(call, len(matches)) - 1])


def work_node(analysis: Analysis, node: Node, fields: Fields | None = None) -> Working:
    """The worked arithmetic of ``node``; ``fields``: ``receptive.fields`` of the analysis' graph, given by a
    caller that works many layers of it (one pass over the graph instead of one per layer)."""
    kind = _kind(node)
    bytes_per = BYTES_PER_VALUE.get(analysis.dtype.removeprefix("torch."), 4)
    steps: list[Step] = []
    notes: list[str] = []
    in_shape = node.input_shapes[0] if node.input_shapes else ()
    out_shape: Shape = node.output_shape
    window: tuple[tuple[int, int, int], ...] = ()
    params = macs = flops = 0
    if kind in ("conv", "pool"):
        size = in_shape[2:]
        padding, note = _padding(node, size)
        notes += [note] if note else []
        strides = node.stride or node.kernel
        dilations = node.dilation if len(node.dilation) == len(size) else (1,) * len(size)
        ceil = node.ceil_mode
        spatial = []
        for h, k, s, p, d in zip(size, node.kernel, strides, padding, dilations, strict=True):
            out = window_output(h, k, s, p, d, ceil)
            if out < 1:
                raise NoOutputError(
                    f"{node.name}: a {k}-pixel kernel (dilation {d}) does not fit in {h} pixels padded by {p}."
                )
            spatial.append(out)
        if node.padding_mode == "same":
            spatial = list(size)
        channels = node.output_shape[1] if kind == "conv" else in_shape[1]
        out_shape = (in_shape[0], channels, *spatial)
        dims = "H'" if len(set(zip(size, node.kernel, strides, padding, dilations, strict=True))) == 1 else "H', W'"
        text = [
            _size_working(h, k, st, p, d, ceil, o)
            for h, k, st, p, d, o in zip(size, node.kernel, strides, padding, dilations, spatial, strict=True)
        ]
        if node.padding_mode == "same":
            steps.append(
                Step(
                    f"output size {dims}",
                    "H' = H (stride 1, 'same' padding)",
                    "×".join(map(str, spatial)),
                    tuple(spatial),
                )
            )
        else:
            steps.append(
                Step(
                    f"output size {dims}",
                    size_formula(max(dilations), ceil),
                    "; ".join(dict.fromkeys(text)),
                    tuple(spatial),
                )
            )
        window = tuple(zip(node.kernel, strides, dilations, strict=True))
        area = math.prod(node.kernel)
        k_text = "×".join(map(str, node.kernel))
        if kind == "conv":
            c_in, c_out, groups = in_shape[1], channels, node.groups
            per_group = c_in // groups
            g_text = f"Cin/groups = {c_in}/{groups} = {per_group}" if groups > 1 else f"Cin = {c_in}"
            if groups > 1:
                notes.append("depthwise: one filter per channel" if groups == c_in == c_out else f"{groups} groups")
            weights = area * per_group * c_out
            biases = c_out if node.bias else 0
            params = weights + biases
            steps.append(
                Step(
                    "params",
                    "K×K×Cin/groups×Cout + Cout" if node.bias else "K×K×Cin/groups×Cout (no bias)",
                    f"{k_text}×{per_group}×{c_out}"
                    + (f" + {c_out}" if node.bias else "")
                    + f" = {_n(params)} ({g_text})",
                    params,
                )
            )
            values = math.prod(out_shape)
            macs = values * per_group * area
            steps.append(
                Step(
                    "MACs",
                    "(N×Cout×H'×W') × (Cin/groups×K×K)",
                    f"{_n(values)} × ({per_group}×{k_text}) = {_n(macs)}",
                    macs,
                )
            )
            flops = 2 * macs
            steps.append(Step("FLOPs", "2 × MACs", f"2 × {_n(macs)} = {_n(flops)}", flops))
        else:
            values = math.prod(out_shape)
            flops = values * area
            steps.append(
                Step("FLOPs", "values × K×K (one per window element)", f"{_n(values)} × {k_text} = {_n(flops)}", flops)
            )
    elif kind == "adaptive pool":
        values = math.prod(out_shape)
        flops = math.prod(in_shape)
        steps.append(
            Step(
                "output size H'",
                "H' = the size it is set to; window i spans floor(i·H/H') to ceil((i + 1)·H/H')",
                f"{'×'.join(map(str, in_shape[2:]))} → {'×'.join(map(str, out_shape[2:]))}",
                tuple(out_shape[2:]),
            )
        )
        steps.append(
            Step("FLOPs", "input values (each is read once)", f"{'×'.join(map(str, in_shape))} = {_n(flops)}", flops)
        )
    elif kind == "linear":
        c_in, c_out = in_shape[-1], node.output_shape[-1]
        out_shape = (*in_shape[:-1], c_out)
        params = c_in * c_out + (c_out if node.bias else 0)
        steps.append(
            Step(
                "params",
                "Cin×Cout + Cout" if node.bias else "Cin×Cout (no bias)",
                f"{_n(c_in)}×{_n(c_out)}" + (f" + {_n(c_out)}" if node.bias else "") + f" = {_n(params)}",
                params,
            )
        )
        values = math.prod(out_shape)
        macs = values * c_in
        steps.append(Step("MACs", "outputs × Cin", f"{_n(values)} × {_n(c_in)} = {_n(macs)}", macs))
        flops = 2 * macs
        steps.append(Step("FLOPs", "2 × MACs", f"2 × {_n(macs)} = {_n(flops)}", flops))
    elif kind == "concat":
        # joined along the one dimension where the output differs from the first input: the channels,
        # or the last dimension of a channels-last network (Swin)
        dim = next((d for d, (a, b) in enumerate(zip(in_shape, node.output_shape, strict=True)) if a != b), 1)
        parts = [s[dim] for s in node.input_shapes]
        out_shape = (*in_shape[:dim], sum(parts), *in_shape[dim + 1 :])
        what = ("channels", "C = C1 + C2 + ...") if dim == 1 else (f"dimension {dim}", "n = n1 + n2 + ...")
        steps.append(Step(*what, " + ".join(map(str, parts)) + f" = {sum(parts)}", sum(parts)))
    elif kind == "reshape" and node.op == "flatten" and len(in_shape) > 2:
        out_shape = (in_shape[0], math.prod(in_shape[1:]))
        steps.append(
            Step("output size", "C×H×W", f"{'×'.join(map(str, in_shape[1:]))} = {_n(out_shape[1])}", out_shape[1])
        )
    elif kind == "reshape":  # a view, a split or a copy: the values are the input's, laid out anew
        out_shape = node.output_shape
    elif kind in ("norm", "activation", "add"):
        out_shape = in_shape if kind != "add" else _broadcast(node.input_shapes)
    values = math.prod(out_shape)
    if kind == "norm":
        channels, over = _normalized(node, in_shape)
        if over:
            notes.append(f"normalised over {over}")
        if node.op == "local_response_norm":
            flops = values * (node.channel_window + 3)
            steps.append(
                Step(
                    "FLOPs",
                    "values × (n + 3): n squares summed, then scale, power and divide",
                    f"{_n(values)} × ({node.channel_window} + 3) = {_n(flops)}",
                    flops,
                )
            )
        else:
            params = 2 * channels if node.bias else 0
            steps.append(
                Step(
                    "params",
                    "γ and β per channel: 2×C" if node.bias else "none (no affine γ, β)",
                    f"2×{channels} = {params}" if node.bias else "0",
                    params,
                )
            )
            factor = ELEMENTWISE_FLOPS[node.op]
            flops = values * factor
            steps.append(Step("FLOPs", f"values × {factor}", f"{_n(values)} × {factor} = {_n(flops)}", flops))
    elif kind in ("activation", "add"):
        learned = _learned_input(node)
        if learned:  # a learned tensor applied by a function: ConvNeXt's layer scale, ViT's position embedding
            params = math.prod(learned)
            steps.append(
                Step("params", "the learned tensor it applies", f"{'×'.join(map(str, learned))} = {_n(params)}", params)
            )
        factor = ELEMENTWISE_FLOPS[node.op]
        flops = values * factor
        steps.append(Step("FLOPs", "one per output value", f"{_n(values)} × {factor} = {_n(flops)}", flops))
    if node.call > 1 and params:
        notes.append(f"run {node.call}: its parameters were counted at its first run")
        params = 0
    # the value size the layer really wrote: a comparison writes 1-byte booleans, an index 8-byte integers
    if values and node.output_bytes % values == 0 and node.output_bytes // values in (1, 2, 8):
        bytes_per = node.output_bytes // values
    memory = values * bytes_per
    if not kind:
        notes.append(f"no worked rule for {node.op!r}; its figures are the traced ones")
        params, macs, flops, memory = node.params, node.macs, node.flops, node.output_bytes
    first = sum(1 for s in steps if s.quantity.startswith(("output size", "channels")))
    steps.insert(
        first,
        Step(
            "output values",
            "N×C×H'×W'" if len(out_shape) == 4 else "product of the output shape",
            f"{'×'.join(map(str, out_shape))} = {_n(values)}",
            values,
        ),
    )
    steps.insert(
        first + 1,
        Step(
            "memory",
            f"values × {bytes_per} bytes",
            f"{_n(values)} × {bytes_per} = {_n(memory)} bytes = {memory / 1024:,.1f} KB",
            memory,
        ),
    )
    if not node.new_memory:
        notes.append("in place or a view: it reuses its input's memory, so the total does not add it")
    rf_steps = _receptive(analysis, node, window, fields)
    steps += rf_steps
    return Working(
        layer=node.name,
        label=node.label,
        op=node.op,
        kind=kind,
        input_shapes=node.input_shapes,
        output_shape=tuple(out_shape),
        values=values,
        memory_bytes=memory,
        params=params,
        macs=macs,
        flops=flops,
        receptive_field=rf_steps[0].value if rf_steps else (),
        effective_stride=rf_steps[1].value if rf_steps else (),
        steps=tuple(steps),
        notes=tuple(notes),
    )


def _heading(w: Working) -> str:
    shapes = ", ".join("×".join(map(str, s)) for s in w.input_shapes)
    return f"{w.layer} ({w.label or w.op}): {shapes} → {'×'.join(map(str, w.output_shape))}"


def working_text(w: Working) -> str:
    width = max(len(s.quantity) for s in w.steps) if w.steps else 0
    lines = [_heading(w)]
    for s in w.steps:
        lines.append(f"  {s.quantity:<{width}}  {s.formula}")
        lines.append(f"  {'':<{width}}  = {s.working}")
    lines += [f"  note: {n}" for n in w.notes]
    return "\n".join(lines) + "\n"


def working_markdown(w: Working) -> str:
    lines = [f"**{_heading(w)}**", "", "| quantity | formula | working |", "|---|---|---|"]
    lines += [f"| {s.quantity} | {s.formula} | {s.working} |" for s in w.steps]
    lines += [""] + [f"- {n}" for n in w.notes] if w.notes else []
    return "\n".join(lines) + "\n"


_LATEX = {"×": r"\times ", "·": r"\cdot ", "−": "-", "→": r"\to ", "γ": r"\gamma ", "β": r"\beta ", "'": "'"}


def _tex(text: str) -> str:
    text = text.replace("\\", "").replace("_in", "\x00").replace("_", r"\_").replace("%", r"\%").replace(",", "{,}")
    text = re.sub(r"\b([A-Za-z]{2,}|[a-z])\b", r"\\text{\1}", text)
    text = text.replace("\x00", r"_{\text{in}}")
    for plain, tex in _LATEX.items():
        text = text.replace(plain, tex)
    return text


def working_latex(w: Working) -> str:
    lines = [r"\begin{aligned}"]
    lines += [rf"\text{{{s.quantity}}} &= {_tex(s.formula)} \\ &= {_tex(s.working)} \\" for s in w.steps]
    lines.append(r"\end{aligned}")
    return "\n".join(lines) + "\n"


def working_json(w: Working) -> str:
    return json.dumps(w.to_dict(), indent=2, ensure_ascii=False) + "\n"


FORMATS = {"text": working_text, "markdown": working_markdown, "latex": working_latex, "json": working_json}
