"""The layer-list language: a network as plain text, one layer or block per line.

    input 3x224x224
    conv 7x7/2 96 pad 1        # kernel, optional /stride, output channels; pad P, groups G, dilation D, nobias
    relu
    maxpool 3x3/2 pad 1        # also: avgpool 2x2/2, ceil
    lrn 5
    conv 5x5/2 256
    gap                        # global average pool (adaptivepool 6x6 pools to a fixed size)
    flatten
    fc 1000                    # also: dropout 0.5, bn, tanh, sigmoid
    residual basic 128/2       # blocks: residual bottleneck 256/2, inception 64 96 128 16 32 32,
                               #   fire 16 64 64, vgg 2 64 (two 3x3 convs and a 2x2/2 pool), mlpconv 11x11/4 96

Blank lines and ``#`` comments are ignored. ``parse`` checks every line against the shape the lines
above leave (in pure Python, before any tensor exists), so a mistake is one sentence naming its line;
``build`` turns the list into an ``nn.Sequential`` whose layers carry readable names (``conv1``,
``relu1``, ``pool1``, ``res1``, ...). Only this language is read: user text is never evaluated.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import difflib
import math
import re
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from ..engine.measure import META, SkipInit, Source
from ..errors import InputShapeError, SpecError
from ..shapes import MAX_ELEMENTS, Shape, format_shape, parse_shape
from . import layers as blocks

# Limits: a spec past them is refused with the limit named (everything else is analysed on meta).
MAX_CHARS = 200_000
MAX_LAYERS = 2_000  # lines
MAX_TRACED = 4_000  # layers once blocks are counted inside: keeps one trace on meta within seconds
MAX_CHANNELS = 1_000_000
MAX_SIDE = 100_000
MAX_BATCH = 1_024
MAX_BUILD_PARAMS = 2_000_000_000  # a real (non-meta) build allocates 4 bytes per parameter
MAX_LINK = 6_000  # characters of a spec packed into a URL (browsers and servers cut long URLs)


@dataclass(frozen=True)
class Call:
    """A module constructor with its arguments: how a line is built, and how it is written as source."""

    cls: str  # "nn.Conv2d", or a class of vizcore.builder.layers such as "Residual"
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()

    def source(self) -> str:
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs]
        return f"{self.cls}({', '.join(parts)})"

    def make(self) -> nn.Module:
        factory = _FACTORIES[self.cls]
        return factory(*self.args, **dict(self.kwargs))


_FACTORIES: dict[str, Callable[..., nn.Module]] = {
    "nn.Conv2d": nn.Conv2d,
    "nn.MaxPool2d": nn.MaxPool2d,
    "nn.AvgPool2d": nn.AvgPool2d,
    "nn.AdaptiveAvgPool2d": nn.AdaptiveAvgPool2d,
    "nn.Flatten": nn.Flatten,
    "nn.Linear": nn.Linear,
    "nn.ReLU": nn.ReLU,
    "nn.Tanh": nn.Tanh,
    "nn.Sigmoid": nn.Sigmoid,
    "nn.BatchNorm2d": nn.BatchNorm2d,
    "nn.BatchNorm1d": nn.BatchNorm1d,
    "nn.LocalResponseNorm": nn.LocalResponseNorm,
    "nn.Dropout": nn.Dropout,
    "Residual": blocks.Residual,
    "Inception": blocks.Inception,
    "Fire": blocks.Fire,
    "VGGBlock": blocks.VGGBlock,
    "MLPConv": blocks.MLPConv,
}


@dataclass(frozen=True)
class Layer:
    line: int  # 1-based line number in the text
    text: str  # the line as written, without its comment
    kind: str  # the first word: conv, relu, residual, ...
    name: str  # the module's name in the built network: conv1, relu1, res1, ...
    input_shape: Shape  # per sample: (C, H, W), or (F,) once flat
    output_shape: Shape
    call: Call


@dataclass(frozen=True)
class Spec:
    input_shape: Shape  # (N, C, H, W)
    layers: tuple[Layer, ...]
    text: str = field(repr=False, default="")

    def layer(self, name: str) -> Layer:
        """The line that built the module ``name`` (or a layer inside it, e.g. ``res1.main.0``)."""
        top = name.split(".")[0]
        for layer in self.layers:
            if layer.name == top:
                return layer
        raise KeyError(name)


def is_spec(text: str) -> bool:
    """A zoo name is one word; a spec has a space, a line break or a comment."""
    stripped = text.strip()
    return any(c.isspace() for c in stripped) or stripped.startswith("#")


def parse(text: str, input_shape: Shape | None = None) -> Spec:
    """Read and check a spec; ``input_shape`` (CxHxW or NxCxHxW) replaces its ``input`` line."""
    if len(text) > MAX_CHARS:
        raise SpecError(f"the spec has {len(text):,} characters; the limit is {MAX_CHARS:,}.")
    state = _State()
    if input_shape is not None:
        state.set_input(_checked_input(input_shape, 0), 0)
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        kind = words[0].lower()
        if kind == "input":
            if state.shape is not None and input_shape is None:
                raise SpecError(f"line {number}: a second input line; a spec has one, at the top.", line=number)
            if len(words) != 2:
                raise SpecError(f"line {number}: write the input as CxHxW, e.g. input 3x224x224.", line=number)
            if state.layers:
                raise SpecError(f"line {number}: the input line must come before the layers.", line=number)
            if input_shape is None:
                try:
                    shape = parse_shape(words[1])
                except InputShapeError as exc:
                    raise SpecError(f"line {number}: {exc}", line=number) from exc
                state.set_input(_checked_input(shape, number), number)
            continue
        if kind not in _KINDS:
            close = difflib.get_close_matches(kind, [*_KINDS, "input"], n=1)
            hint = f" did you mean {close[0]}?" if close else ""
            raise SpecError(
                f'line {number}: unknown layer "{words[0]}";{hint} a line starts with one of: input, '
                + ", ".join(_KINDS)
                + ".",
                line=number,
            )
        if state.shape is None:
            raise SpecError(
                f"line {number}: the spec must start with its input, e.g. input 3x224x224, before {kind}.",
                line=number,
            )
        if len(state.layers) >= MAX_LAYERS:
            raise SpecError(f"line {number}: the spec has more than {MAX_LAYERS:,} layers, the limit.", line=number)
        ctx = _Line(number, line, kind, words[1:], state)
        call, out = _KINDS[kind](ctx)
        ctx.check_shape(out)
        ctx.check_size(call, out)
        state.traced += _traced_layers(call)
        if state.traced > MAX_TRACED:
            raise SpecError(
                f"line {number}: the net passes {MAX_TRACED:,} layers (blocks counted inside), the limit.", line=number
            )
        state.add(Layer(number, line, kind, state.name_for(kind), state.shape, out, call))
    if state.shape is None or state.batch_shape is None:
        raise SpecError("the spec is empty: start with its input, e.g. input 3x224x224, then one layer a line.")
    if not state.layers:
        raise SpecError("the spec has no layers yet: add one under the input line, e.g. conv 3x3/1 64 pad 1.")
    return Spec(state.batch_shape, tuple(state.layers), text)


def source(parsed: Spec) -> Source:
    """The spec's network as the engine's model source: built on each device it is asked for."""

    def build_on(device: torch.device) -> tuple[nn.Module, str]:
        with SkipInit() if device == META else contextlib.nullcontext():
            return build(parsed, device=device), device.type

    return build_on


def build(spec: str | Spec, *, device: str | torch.device = "cpu") -> nn.Sequential:
    """The network a spec describes, its layers named as in the spec's table (``conv1``, ``res1``, ...).

    On ``device="meta"`` nothing is allocated (any size works); a real device refuses more than
    ``MAX_BUILD_PARAMS`` parameters rather than exhaust memory."""
    parsed = parse(spec) if isinstance(spec, str) else spec
    target = torch.device(device)
    if target.type != "meta":
        params = sum(p.numel() for p in _assemble(parsed, torch.device("meta")).parameters())
        if params > MAX_BUILD_PARAMS:
            raise SpecError(
                f"the spec has {params:,} parameters ({params * 4 / 2**30:,.1f} GiB of float32), more than "
                f"the {MAX_BUILD_PARAMS:,} built for real; build it on device='meta' or analyse it (on meta)."
            )
    return _assemble(parsed, target)


def to_link(text: str) -> str | None:
    """A spec packed for a URL (zlib, then base64url without padding); None when longer than MAX_LINK."""
    token = base64.urlsafe_b64encode(zlib.compress(text.encode("utf-8"), 9)).rstrip(b"=").decode("ascii")
    return token if len(token) <= MAX_LINK else None


def from_link(token: str) -> str:
    """The spec a link carries; a damaged or oversized one is a SpecError, never a crash or a zip bomb."""
    if len(token) > MAX_LINK or not re.fullmatch(r"[A-Za-z0-9_-]*", token):
        raise SpecError(f"the link's spec is not a packed spec of at most {MAX_LINK:,} characters.")
    try:
        packed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        unpacker = zlib.decompressobj()
        data = unpacker.decompress(packed, MAX_CHARS + 1)
        if unpacker.unconsumed_tail or len(data) > MAX_CHARS:
            raise SpecError(f"the link's spec unpacks to more than {MAX_CHARS:,} characters, the limit.")
        if not unpacker.eof:
            raise zlib.error("cut short")
        return data.decode("utf-8")
    except (binascii.Error, zlib.error, UnicodeDecodeError) as exc:
        raise SpecError("the link's spec is damaged (cut short or changed); the starting net is used.") from exc


def _traced_layers(call: Call) -> int:
    """How many layers the trace will see for one line (a block's convs, norms, activations, joins)."""
    if call.cls == "Residual":
        return 12 if dict(call.kwargs).get("bottleneck") else 9
    if call.cls == "VGGBlock":
        return 2 * int(call.args[2]) + 1
    return {"Inception": 14, "Fire": 7, "MLPConv": 6}.get(call.cls, 1)


def _assemble(spec: Spec, device: torch.device) -> nn.Sequential:
    with device:
        return nn.Sequential(OrderedDict((layer.name, layer.call.make()) for layer in spec.layers))


def _checked_input(shape: Shape, number: int) -> Shape:
    where = f"line {number}: " if number else ""
    if len(shape) != 4:
        raise SpecError(f"{where}the input must be CxHxW or NxCxHxW, e.g. 3x224x224.", line=number)
    if shape[0] > MAX_BATCH:
        raise SpecError(f"{where}a batch of {shape[0]:,} is more than the limit of {MAX_BATCH:,}.", line=number)
    if shape[1] > MAX_CHANNELS:
        raise SpecError(f"{where}{shape[1]:,} channels is more than the limit of {MAX_CHANNELS:,}.", line=number)
    if max(shape[2:]) > MAX_SIDE:
        raise SpecError(
            f"{where}an input of {format_shape(shape[1:])} is more than the limit of {MAX_SIDE:,} pixels a side.",
            line=number,
        )
    return shape


@dataclass
class _State:
    shape: Shape | None = None  # per sample, after the last line
    batch_shape: Shape | None = None
    where: str = ""  # "line 3 leaves" / "the input is"
    layers: list[Layer] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    traced: int = 0  # layers the trace will see, blocks counted inside

    def set_input(self, shape: Shape, number: int) -> None:
        self.batch_shape = shape
        self.shape = shape[1:]
        self.where = "the input is"

    def add(self, layer: Layer) -> None:
        self.layers.append(layer)
        self.shape = layer.output_shape
        self.where = f"line {layer.line} leaves"

    def name_for(self, kind: str) -> str:
        base = _NAMES.get(kind, kind)
        self.counts[base] = self.counts.get(base, 0) + 1
        n = self.counts[base]
        if base in _SINGLE:
            return base if n == 1 else f"{base}{n}"
        return f"{base}{n}"


_NAMES = {"maxpool": "pool", "avgpool": "pool", "residual": "res", "adaptivepool": "adaptivepool"}
_SINGLE = {"gap", "flatten", "adaptivepool"}

_WINDOW = re.compile(r"^(\d+)(?:x(\d+))?(?:/(\d+)(?:x(\d+))?)?$")


@dataclass
class _Line:
    number: int
    text: str
    kind: str
    words: list[str]
    state: _State

    @property
    def shape(self) -> Shape:
        assert self.state.shape is not None
        return self.state.shape

    def fail(self, message: str) -> SpecError:
        return SpecError(f"line {self.number}: {self.text} {message}", line=self.number)

    def leaves(self) -> str:
        return f"{self.state.where} {format_shape(self.shape)}"

    # -- words ----------------------------------------------------------------------------
    def whole(self, word: str, what: str, low: int = 1, high: int = MAX_CHANNELS) -> int:
        if not re.fullmatch(r"[+-]?\d+", word):
            raise self.fail(f'has "{word}" where {what} should be: a whole number.')
        value = int(word)
        if value < low:
            raise self.fail(f"has {what} {value}: it must be {low} or more.")
        if value > high:
            raise self.fail(f"has {what} {value:,}, more than the limit of {high:,}.")
        return value

    def window(self, word: str | None, example: str) -> tuple[tuple[int, int], tuple[int, int] | None]:
        """``3x3/2`` -> ((3, 3), (2, 2)); ``1x7`` -> ((1, 7), None); the stride is None when not given."""
        if word is None:
            raise self.fail(f"needs a kernel size, e.g. {example}.")
        match = _WINDOW.match(word)
        if not match:
            if re.fullmatch(r"-?\d+(x-?\d+)?(/-?\d+(x-?\d+)?)?", word):
                raise self.fail(f'has kernel "{word}": sizes and strides must be 1 or more.')
            raise self.fail(f'has "{word}" where the kernel should be, written KxK or KxK/S, e.g. {example}.')
        kh, kw, sh, sw = match.groups()
        kernel = (int(kh), int(kw or kh))
        stride = (int(sh), int(sw or sh)) if sh else None
        if min(kernel) < 1 or (stride and min(stride) < 1):
            raise self.fail(f'has kernel "{word}": sizes and strides must be 1 or more.')
        if max(kernel) > MAX_SIDE or (stride and max(stride) > MAX_SIDE):
            raise self.fail(f'has kernel "{word}", more than the limit of {MAX_SIDE:,} pixels.')
        return kernel, stride

    def options(self, words: list[str], allowed: dict[str, bool]) -> dict[str, str]:
        """``pad 1 groups 2 nobias`` -> {"pad": "1", "groups": "2", "nobias": ""}; ``allowed`` maps an
        option to whether it takes a value."""
        found: dict[str, str] = {}
        i = 0
        while i < len(words):
            word = words[i].lower()
            if word not in allowed:
                names = ", ".join(allowed) or "no options"
                raise self.fail(f'has "{words[i]}", which {self.kind} does not take (it takes: {names}).')
            if word in found:
                raise self.fail(f"gives {word} twice.")
            if allowed[word]:
                if i + 1 >= len(words):
                    raise self.fail(f"has {word} without its value, e.g. {word} 1.")
                found[word] = words[i + 1]
                i += 2
            else:
                found[word] = ""
                i += 1
        return found

    def pair(self, word: str, what: str, low: int = 0) -> tuple[int, int]:
        parts = word.lower().split("x")
        if len(parts) > 2:
            raise self.fail(f'has {what} "{word}": give one number or two, e.g. 1 or 1x2.')
        values = [self.whole(p, what, low, MAX_SIDE) for p in parts]
        return (values[0], values[-1])

    # -- shapes ---------------------------------------------------------------------------
    def spatial(self) -> tuple[int, int, int]:
        if len(self.shape) != 3:
            raise self.fail(f"needs a CxHxW map, but {self.leaves()} (flat): put it before flatten.")
        c, h, w = self.shape
        return c, h, w

    def flat(self) -> int:
        if len(self.shape) != 1:
            raise self.fail(f'needs a flat input, but {self.leaves()}: add "flatten" before it.')
        return self.shape[0]

    def slide(
        self,
        size: tuple[int, int],
        kernel: tuple[int, int],
        stride: tuple[int, int],
        pad: tuple[int, int],
        dilation: tuple[int, int] = (1, 1),
        ceil: bool = False,
    ) -> tuple[int, int]:
        """Output size of a window sliding over ``size`` (PyTorch's formula, ceil mode included)."""
        span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True))
        if any(n + 2 * p < s for n, p, s in zip(size, pad, span, strict=True)):
            need = "x".join(str(max(s - 2 * p, 1)) for s, p in zip(span, pad, strict=True))
            padded = f" with pad {_text(pad)}" if any(pad) else ""
            raise self.fail(f"needs at least {need} input{padded}, but {self.leaves()}.")
        out = []
        for n, p, s, st in zip(size, pad, span, stride, strict=True):
            room = n + 2 * p - s
            o = (-(-room // st) if ceil else room // st) + 1
            if ceil and (o - 1) * st >= n + p:
                o -= 1
            out.append(o)
        return out[0], out[1]

    def check_size(self, call: Call, out: Shape) -> None:
        """Refuse a tensor past MAX_ELEMENTS: an output, or the largest weight the line makes."""
        batch = self.state.batch_shape[0] if self.state.batch_shape else 1
        channels = max(self.shape[0], out[0])
        kernel = dict(call.kwargs).get("kernel_size", call.args[2] if call.cls == "MLPConv" else 5)
        kh, kw = kernel if isinstance(kernel, tuple) else (kernel, kernel)
        weight = channels * channels * kh * kw  # a bound for blocks; exact for conv and fc
        if call.cls == "nn.Conv2d":
            weight = self.shape[0] // dict(call.kwargs).get("groups", 1) * out[0] * kh * kw
        elif call.cls == "nn.Linear":
            weight = self.shape[0] * out[0]
        for what, size in (("an output", batch * math.prod(out)), ("a weight", weight)):
            if size > MAX_ELEMENTS:
                raise self.fail(f"makes {what} of {size:.1e} elements, more than the limit of {MAX_ELEMENTS:.0e}.")

    def check_shape(self, shape: Shape) -> None:
        if any(d < 1 for d in shape):
            raise self.fail(f"leaves {format_shape(shape)}: the net collapses to nothing here.")
        if len(shape) == 1 and shape[0] > MAX_CHANNELS * 10_000:
            raise self.fail(f"leaves {shape[0]:,} features, more than the limit of {MAX_CHANNELS * 10_000:,}.")


# -- one function per kind: check the line, return how to build it and the shape it leaves ----------


def _conv(ctx: _Line) -> tuple[Call, Shape]:
    c, h, w = ctx.spatial()
    kernel, stride = ctx.window(ctx.words[0] if ctx.words else None, "conv 3x3 64")
    if len(ctx.words) < 2:
        raise ctx.fail("needs its output channels, e.g. conv 3x3 64.")
    out = ctx.whole(ctx.words[1], "output channels")
    opts = ctx.options(ctx.words[2:], {"pad": True, "groups": True, "dilation": True, "nobias": False})
    pad = ctx.pair(opts.get("pad", "0"), "pad")
    dilation = ctx.pair(opts.get("dilation", "1"), "dilation", low=1)
    groups = ctx.whole(opts.get("groups", "1"), "groups")
    if c % groups or out % groups:
        raise ctx.fail(
            f"has groups {groups}, but {c} input and {out} output channels must both divide into {groups} groups "
            f"({ctx.leaves()})."
        )
    stride = stride or (1, 1)
    oh, ow = ctx.slide((h, w), kernel, stride, pad, dilation)
    kwargs: list[tuple[str, Any]] = [("kernel_size", _one(kernel))]
    if stride != (1, 1):
        kwargs.append(("stride", _one(stride)))
    if pad != (0, 0):
        kwargs.append(("padding", _one(pad)))
    if dilation != (1, 1):
        kwargs.append(("dilation", _one(dilation)))
    if groups != 1:
        kwargs.append(("groups", groups))
    if "nobias" in opts:
        kwargs.append(("bias", False))
    return Call("nn.Conv2d", (c, out), tuple(kwargs)), (out, oh, ow)


def _text(pair: tuple[int, int]) -> str:
    return str(pair[0]) if pair[0] == pair[1] else format_shape(pair)


def _one(pair: tuple[int, int]) -> int | tuple[int, int]:
    return pair[0] if pair[0] == pair[1] else pair


def _pool(ctx: _Line) -> tuple[Call, Shape]:
    c, h, w = ctx.spatial()
    kernel, stride = ctx.window(ctx.words[0] if ctx.words else None, f"{ctx.kind} 2x2/2")
    opts = ctx.options(ctx.words[1:], {"pad": True, "ceil": False})
    pad = ctx.pair(opts.get("pad", "0"), "pad")
    if any(p > k // 2 for p, k in zip(pad, kernel, strict=True)):
        raise ctx.fail(f"has pad {_text(pad)}: a pool's padding can be at most half its kernel.")
    stride = stride or kernel
    ceil = "ceil" in opts
    oh, ow = ctx.slide((h, w), kernel, stride, pad, ceil=ceil)
    kwargs: list[tuple[str, Any]] = [("kernel_size", _one(kernel)), ("stride", _one(stride))]
    if pad != (0, 0):
        kwargs.append(("padding", _one(pad)))
    if ceil:
        kwargs.append(("ceil_mode", True))
    cls = "nn.MaxPool2d" if ctx.kind == "maxpool" else "nn.AvgPool2d"
    return Call(cls, (), tuple(kwargs)), (c, oh, ow)


def _no_args(ctx: _Line) -> None:
    if ctx.words:
        raise ctx.fail(f'has "{" ".join(ctx.words)}", but {ctx.kind} takes nothing more.')


def _gap(ctx: _Line) -> tuple[Call, Shape]:
    _no_args(ctx)
    c, _, _ = ctx.spatial()
    return Call("nn.AdaptiveAvgPool2d", (1,)), (c, 1, 1)


def _adaptive(ctx: _Line) -> tuple[Call, Shape]:
    c, _, _ = ctx.spatial()
    if len(ctx.words) != 1:
        raise ctx.fail("needs the output size, e.g. adaptivepool 6x6.")
    oh, ow = ctx.pair(ctx.words[0], "output size", low=1)
    return Call("nn.AdaptiveAvgPool2d", (_one((oh, ow)),)), (c, oh, ow)


def _flatten(ctx: _Line) -> tuple[Call, Shape]:
    _no_args(ctx)
    return Call("nn.Flatten"), (math.prod(ctx.shape),)


def _fc(ctx: _Line) -> tuple[Call, Shape]:
    features = ctx.flat()
    if not ctx.words:
        raise ctx.fail("needs its output features, e.g. fc 4096.")
    out = ctx.whole(ctx.words[0], "output features")
    opts = ctx.options(ctx.words[1:], {"nobias": False})
    kwargs = (("bias", False),) if "nobias" in opts else ()
    return Call("nn.Linear", (features, out), kwargs), (out,)


def _activation(cls: str, kwargs: tuple[tuple[str, Any], ...] = ()) -> Callable[[_Line], tuple[Call, Shape]]:
    def kind(ctx: _Line) -> tuple[Call, Shape]:
        _no_args(ctx)
        return Call(cls, (), kwargs), ctx.shape

    return kind


def _bn(ctx: _Line) -> tuple[Call, Shape]:
    _no_args(ctx)
    return Call("nn.BatchNorm2d" if len(ctx.shape) == 3 else "nn.BatchNorm1d", (ctx.shape[0],)), ctx.shape


def _lrn(ctx: _Line) -> tuple[Call, Shape]:
    ctx.spatial()
    size = ctx.whole(ctx.words[0], "size", high=MAX_CHANNELS) if ctx.words else 5
    if len(ctx.words) > 1:
        raise ctx.fail("takes one number, the size (how many neighbouring channels), e.g. lrn 5.")
    kwargs = (("alpha", 1e-4), ("beta", 0.75), ("k", 2.0))
    return Call("nn.LocalResponseNorm", (size,), kwargs), ctx.shape


def _dropout(ctx: _Line) -> tuple[Call, Shape]:
    if len(ctx.words) > 1:
        raise ctx.fail("takes one number, the drop probability, e.g. dropout 0.5.")
    word = ctx.words[0] if ctx.words else "0.5"
    try:
        p = float(word)
    except ValueError:
        p = -1.0
    if not 0 <= p < 1:
        raise ctx.fail(f'has "{word}": the drop probability is a number from 0 up to (not including) 1.')
    return Call("nn.Dropout", (p,)), ctx.shape


def _residual(ctx: _Line) -> tuple[Call, Shape]:
    c, h, w = ctx.spatial()
    if len(ctx.words) != 2 or ctx.words[0].lower() not in ("basic", "bottleneck"):
        raise ctx.fail("needs basic or bottleneck and the output channels, e.g. residual basic 128/2.")
    bottleneck = ctx.words[0].lower() == "bottleneck"
    channels, _, stride_word = ctx.words[1].partition("/")
    out = ctx.whole(channels, "output channels")
    stride = ctx.whole(stride_word, "stride", high=MAX_SIDE) if stride_word else 1
    if bottleneck and out % 4:
        raise ctx.fail(f"has {out} output channels: a bottleneck's must divide by 4 (its 3x3 conv has a quarter).")
    oh, ow = ctx.slide((h, w), (3, 3), (stride, stride), (1, 1))
    kwargs: list[tuple[str, Any]] = []
    if stride != 1:
        kwargs.append(("stride", stride))
    if bottleneck:
        kwargs.append(("bottleneck", True))
    return Call("Residual", (c, out), tuple(kwargs)), (out, oh, ow)


def _numbers(ctx: _Line, count: int, names: str, example: str) -> list[int]:
    if len(ctx.words) != count:
        raise ctx.fail(f"needs {count} numbers ({names}), e.g. {example}.")
    return [ctx.whole(w, name.strip()) for w, name in zip(ctx.words, names.split(","), strict=True)]


def _inception(ctx: _Line) -> tuple[Call, Shape]:
    c, h, w = ctx.spatial()
    n = _numbers(ctx, 6, "#1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj", "inception 64 96 128 16 32 32")
    return Call("Inception", (c, *n)), (n[0] + n[2] + n[4] + n[5], h, w)


def _fire(ctx: _Line) -> tuple[Call, Shape]:
    c, h, w = ctx.spatial()
    n = _numbers(ctx, 3, "squeeze, expand 1x1, expand 3x3", "fire 16 64 64")
    return Call("Fire", (c, *n)), (n[1] + n[2], h, w)


def _vgg(ctx: _Line) -> tuple[Call, Shape]:
    c, h, w = ctx.spatial()
    convs, out = _numbers(ctx, 2, "convs, output channels", "vgg 2 64")
    if convs > 100:
        raise ctx.fail(f"has {convs} convs; a vgg line takes at most 100.")
    oh, ow = ctx.slide((h, w), (2, 2), (2, 2), (0, 0))
    return Call("VGGBlock", (c, out, convs)), (out, oh, ow)


def _mlpconv(ctx: _Line) -> tuple[Call, Shape]:
    c, h, w = ctx.spatial()
    kernel, stride = ctx.window(ctx.words[0] if ctx.words else None, "mlpconv 11x11/4 96")
    if kernel[0] != kernel[1] or (stride and stride[0] != stride[1]):
        raise ctx.fail("needs a square kernel and stride, e.g. mlpconv 5x5 256 pad 2.")
    if len(ctx.words) < 2:
        raise ctx.fail("needs its output channels, e.g. mlpconv 5x5 256 pad 2.")
    out = ctx.whole(ctx.words[1], "output channels")
    opts = ctx.options(ctx.words[2:], {"pad": True})
    pad = ctx.whole(opts.get("pad", "0"), "pad", low=0, high=MAX_SIDE)
    s = stride[0] if stride else 1
    oh, ow = ctx.slide((h, w), kernel, (s, s), (pad, pad))
    kwargs: list[tuple[str, Any]] = []
    if s != 1:
        kwargs.append(("stride", s))
    if pad:
        kwargs.append(("padding", pad))
    return Call("MLPConv", (c, out, kernel[0]), tuple(kwargs)), (out, oh, ow)


_KINDS: dict[str, Callable[[_Line], tuple[Call, Shape]]] = {
    "conv": _conv,
    "maxpool": _pool,
    "avgpool": _pool,
    "gap": _gap,
    "adaptivepool": _adaptive,
    "flatten": _flatten,
    "fc": _fc,
    "relu": _activation("nn.ReLU", (("inplace", True),)),
    "tanh": _activation("nn.Tanh"),
    "sigmoid": _activation("nn.Sigmoid"),
    "bn": _bn,
    "lrn": _lrn,
    "dropout": _dropout,
    "residual": _residual,
    "inception": _inception,
    "fire": _fire,
    "vgg": _vgg,
    "mlpconv": _mlpconv,
}

KINDS: tuple[str, ...] = ("input", *_KINDS)
