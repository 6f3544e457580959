"""A kernel sliding over its input, frame by frame: padding drawn as padding (grey zeros), dilation as
spaced taps, stride as the step between frames, each output position lit as the kernel reaches it, and
the output size stated with its formula.

One scene (plain rectangles, lines and text) per frame, drawn two ways: SVG for slides and the page,
Pillow for an animated GIF. A large layer is drawn as its top-left corner (at most ``MAX_DRAWN`` input
pixels a side, padding included, with every output position whose window lies inside it), and a GIF of
more than ``MAX_FRAMES`` positions keeps ``MAX_FRAMES`` of them, evenly spaced in reading order, the
first and the last included.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from html import escape

from PIL import Image, ImageDraw, ImageFont

from ..engine.analysis import Analysis
from ..engine.arithmetic import NoOutputError, NoSuchLayerError, size_formula, window_output
from ..errors import VizcoreError

MAX_SETTING = 4096  # larger sizes, kernels, strides, paddings or dilations are not a convolution to draw
MAX_CHANNELS = 4096
MAX_DRAWN = 32  # input pixels a side (padding included) drawn before only the top-left corner is
MAX_FRAMES = 100
MAX_CHANNELS_DRAWN = 16

PALETTE = {
    "pixel": "#ffffff",
    "pad": "#e6e6e6",
    "overhang": "#f6efe0",
    "grid": "#9a9a9a",
    "tap": "#f28e2b",
    "lit": "#a6cee3",
    "current": "#f28e2b",
    "text": "#222222",
    "muted": "#666666",
}
GROUP_COLOURS = ("#4e79a7", "#59a14f", "#e15759", "#b07aa1", "#edc948", "#76b7b2", "#ff9da7", "#9c755f")


class ConvolutionSettingsError(VizcoreError, ValueError):
    """Settings that are not a convolution to draw (a zero kernel, an absurd size, groups that do not divide)."""


Pair = tuple[int, int]


@dataclass(frozen=True)
class ConvSettings:
    """One sliding window over a 2-D input, per dimension (height, width)."""

    size: Pair
    kernel: Pair
    stride: Pair = (1, 1)
    padding: Pair = (0, 0)
    dilation: Pair = (1, 1)
    in_channels: int = 1
    out_channels: int = 1
    groups: int = 1
    ceil_mode: bool = False
    title: str = ""  # where the settings come from, e.g. "googlenet maxpool1"
    pool: bool = False

    @property
    def output(self) -> Pair:
        h, w = (
            window_output(n, k, s, p, d, self.ceil_mode)
            for n, k, s, p, d in zip(self.size, self.kernel, self.stride, self.padding, self.dilation, strict=True)
        )
        return h, w

    @property
    def span(self) -> Pair:
        """How many input pixels one window covers: D(K − 1) + 1."""
        a, b = (d * (k - 1) + 1 for k, d in zip(self.kernel, self.dilation, strict=True))
        return a, b


def _pair(value: int | tuple[int, ...]) -> Pair:
    """``3``, ``(3,)`` or ``(1, 7)`` as (height, width)."""
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[-1]))


def settings(
    size: int | tuple[int, ...],
    kernel: int | tuple[int, ...],
    stride: int | tuple[int, ...] = 1,
    padding: int | tuple[int, ...] = 0,
    dilation: int | tuple[int, ...] = 1,
    channels: int = 1,
    groups: int = 1,
    *,
    out_channels: int | None = None,
    ceil_mode: bool = False,
    title: str = "",
    pool: bool = False,
) -> ConvSettings:
    """Checked settings: each problem is one sentence that says what to change."""
    given = {"size": size, "kernel": kernel, "stride": stride, "dilation": dilation}
    for name, value in given.items():
        for v in _pair(value):
            if not 1 <= v <= MAX_SETTING:
                raise ConvolutionSettingsError(f"{name} {v} must be a whole number from 1 to {MAX_SETTING}.")
    for v in _pair(padding):
        if not 0 <= v <= MAX_SETTING:
            raise ConvolutionSettingsError(f"padding {v} must be a whole number from 0 to {MAX_SETTING}.")
    out_channels = channels if out_channels is None else out_channels
    for name, v in (("channels", channels), ("output channels", out_channels), ("groups", groups)):
        if not 1 <= v <= MAX_CHANNELS:
            raise ConvolutionSettingsError(f"{name} {v} must be a whole number from 1 to {MAX_CHANNELS}.")
    if channels % groups or out_channels % groups:
        raise ConvolutionSettingsError(
            f"groups {groups} must divide the channels ({channels} in, {out_channels} out); "
            f"depthwise is groups = channels."
        )
    s = ConvSettings(
        _pair(size),
        _pair(kernel),
        _pair(stride),
        _pair(padding),
        _pair(dilation),
        channels,
        out_channels,
        groups,
        ceil_mode,
        title,
        pool,
    )
    for n, k, p, d, out in zip(s.size, s.kernel, s.padding, s.dilation, s.output, strict=True):
        if out < 1:
            span = d * (k - 1) + 1
            raise NoOutputError(
                f"a window {span} pixels wide (kernel {k}, dilation {d}) does not fit in an input of {n} padded "
                f"by {p} on each side ({n + 2 * p}): no output position; use a smaller kernel or more padding."
            )
    return s


def from_layer(analysis: Analysis, layer: str) -> ConvSettings:
    """The settings of a traced convolution or pooling layer."""
    nodes = [n for n in analysis.layers if n.name == layer]
    if not nodes:
        raise NoSuchLayerError(f"{analysis.model} has no layer named {layer!r}; `summary` lists the layer names.")
    node = nodes[0]
    if len(node.kernel) != 2 or len(node.input_shapes[0]) != 4:
        raise ConvolutionSettingsError(
            f"{layer} ({node.label or node.op}) does not slide a 2-D window; pick a convolution or pooling layer."
        )
    padding: Pair = (0, 0)
    if len(node.padding) == 2:
        padding = _pair(node.padding)
    channels = node.input_shapes[0][1]
    return settings(
        _pair(node.input_shapes[0][2:]),
        _pair(node.kernel),
        _pair(node.stride or node.kernel),
        padding,
        _pair(node.dilation) if len(node.dilation) == 2 else 1,
        channels,
        node.groups,
        out_channels=node.output_shape[1],
        ceil_mode=node.ceil_mode,
        title=f"{analysis.model} {layer} ({node.label or node.op})",
        pool=node.op != "conv",
    )


# -- what is drawn: the corner of a large layer, and the frames ------------------------------------------
def drawn_region(s: ConvSettings) -> tuple[Pair, Pair]:
    """(padded input cells drawn, output positions drawn) per dimension: all of a small layer, the
    top-left corner of a large one."""
    cells, outs = [], []
    for n, p, st, span, out in zip(s.size, s.padding, s.stride, s.span, s.output, strict=True):
        needed = (out - 1) * st + span  # ceil mode may reach past the padded input
        extent = max(n + 2 * p, needed)
        if extent <= MAX_DRAWN:
            cells.append(extent)
            outs.append(out)
        else:
            fit = max(1, min(out, (max(MAX_DRAWN, span) - span) // st + 1))
            cells.append(max(MAX_DRAWN, span))
            outs.append(fit)
    return (cells[0], cells[1]), (outs[0], outs[1])


def frame_positions(s: ConvSettings, limit: int = MAX_FRAMES) -> list[Pair]:
    """The output positions the frames show, in reading order: all of them, or ``limit`` evenly spaced
    (first and last included) when there are more."""
    _, (rows, cols) = drawn_region(s)
    everything = [(i, j) for i in range(rows) for j in range(cols)]
    if len(everything) <= limit:
        return everything
    picks = sorted({round(k * (len(everything) - 1) / (limit - 1)) for k in range(limit)})
    return [everything[k] for k in picks]


def caption(s: ConvSettings) -> list[str]:
    """The words under the drawing: the settings, then the output size with its formula."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = s.kernel, s.stride, s.padding, s.dilation

    def one(a: int, b: int) -> str:
        return str(a) if a == b else f"{a}×{b}"

    what = "pool" if s.pool else "conv"
    settings_line = (
        f"{what} {kh}×{kw}, stride {one(sh, sw)}, padding {one(ph, pw)}, dilation {one(dh, dw)}"
        + (", ceil mode" if s.ceil_mode else "")
        + f" on {s.size[0]}×{s.size[1]} → {s.output[0]}×{s.output[1]}"
    )
    lines = [s.title, settings_line] if s.title else [settings_line]
    for axis, n, k, st, p, d, out in zip(
        "HW", s.size, s.kernel, s.stride, s.padding, s.dilation, s.output, strict=True
    ):
        formula = size_formula(d, s.ceil_mode).replace("H", axis)
        core = f"({n} − {k} + 2·{p}) / {st}" if d == 1 else f"({n} + 2·{p} − {d}·({k} − 1) − 1) / {st}"
        lines.append(f"{formula} = {'ceil' if s.ceil_mode else 'floor'}({core}) + 1 = {out}")
        if all(a == b for a, b in (s.size, s.kernel, s.stride, s.padding, s.dilation)):
            break  # a square layer: H and W work out the same
    if s.groups > 1 or s.in_channels > 1 or s.out_channels > 1:
        per = s.in_channels // s.groups
        if s.pool:
            lines.append(f"{s.in_channels} channels, each pooled on its own")
        elif s.groups == s.in_channels == s.out_channels:
            lines.append(f"depthwise: {s.out_channels} filters, each reads 1 input channel")
        else:
            lines.append(
                f"{s.out_channels} filters in {s.groups} group{'s' if s.groups > 1 else ''}: "
                f"each reads {per} of {s.in_channels} input channels"
            )
    return lines


# -- the scene: rectangles, lines and text, drawn as SVG or with Pillow ------------------------------------
@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    stroke: str = PALETTE["grid"]
    text: str = ""


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str
    width: float = 1.0


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    size: int
    fill: str = PALETTE["text"]


Shape = Rect | Line | Text


@dataclass(frozen=True)
class Scene:
    width: int
    height: int
    shapes: tuple[Shape, ...]


def _cell_size(s: ConvSettings) -> int:
    (rows, cols), (orows, ocols) = drawn_region(s)
    return max(8, min(36, 720 // max(cols + ocols, 1), 480 // max(rows, orows, 1)))


# -- the numbers, on request: an example input and kernel, and the arithmetic at one position -------------
def example_input(r: int, q: int) -> int:
    """A pixel of the example input (0 to 9, a gentle diagonal pattern), at row ``r`` and column ``q``."""
    return (3 * r + 2 * q) % 10


def example_kernel(s: ConvSettings) -> list[list[int]]:
    """The example kernel: a vertical-edge detector (-1 left of the centre column, 1 right of it, 0 on it)."""
    kh, kw = s.kernel
    return [[(b > (kw - 1) / 2) - (b < (kw - 1) / 2) for b in range(kw)] for _ in range(kh)]


def window_values(s: ConvSettings, position: Pair) -> list[list[int]]:
    """The example input under each tap of the kernel at output ``position`` (padding reads 0)."""
    (kh, kw), (sh, sw), (dh, dw), (ph, pw), (h, w) = s.kernel, s.stride, s.dilation, s.padding, s.size
    i, j = position

    def pixel(r: int, q: int) -> int:
        return example_input(r - ph, q - pw) if ph <= r < ph + h and pw <= q < pw + w else 0

    return [[pixel(i * sh + a * dh, j * sw + b * dw) for b in range(kw)] for a in range(kh)]


def is_average(s: ConvSettings) -> bool:
    return s.pool and "avg" in s.title.lower()


def output_value(s: ConvSettings, position: Pair) -> float:
    """The example output at ``position``: the sum of products for a convolution, the max or mean of a pool."""
    values = [v for row in window_values(s, position) for v in row]
    if s.pool:
        return sum(values) / len(values) if is_average(s) else max(values)
    weights = [wt for row in example_kernel(s) for wt in row]
    return sum(wt * v for wt, v in zip(weights, values, strict=True))


def _number(v: float) -> str:
    return f"{v:g}".replace("-", "−")


def working(s: ConvSettings, position: Pair) -> list[str]:
    """The arithmetic at ``position`` in lines: each kernel row's products, then the sum (a pool: its max or mean)."""
    values = window_values(s, position)
    result = _number(output_value(s, position))
    if s.pool:
        taps = ", ".join(_number(v) for row in values for v in row)
        return [f"{'mean' if is_average(s) else 'max'}({taps}) = {result}"]
    lines = [
        " + ".join(f"{_number(wt)}·{_number(v)}" for wt, v in zip(weights, row, strict=True))
        for weights, row in zip(example_kernel(s), values, strict=True)
    ]
    return [("Σ = " if a == 0 else "  + ") + line for a, line in enumerate(lines)] + [f"  = {result}"]


MAX_NUMBERED_TAPS = 49  # a 7x7 kernel's products still fit on a slide; past it the working is not shown


def scene(s: ConvSettings, position: Pair | None = None, lit: int | None = None, numbers: bool = False) -> Scene:
    """The kernel at output ``position`` (row, column), the ``lit`` first positions in reading order lit;
    no position and no count: every position lit, the kernel at the last. With ``numbers``: an example
    input's values in its cells, the kernel's weights, the products and their sum at ``position``, and each
    lit output's value (as CNN Explainer shows them)."""
    (rows, cols), (orows, ocols) = drawn_region(s)
    c = _cell_size(s)
    margin, gap, font = 16, 3 * c, max(12, min(18, c // 2 + 4))
    position = position or (orows - 1, ocols - 1)
    lit = orows * ocols if lit is None else lit
    shapes: list[Shape] = []
    top = margin + font + 8
    (ph, pw), (h, w) = s.padding, s.size
    corner = f"top-left {rows}×{cols} of " if (rows, cols) != (h + 2 * ph, w + 2 * pw) else ""
    shapes.append(Text(margin, margin + font, f"{corner}input {h}×{w}, padded by {ph}", font, PALETTE["muted"]))
    for r in range(rows):
        for q in range(cols):
            inside = ph <= r < ph + h and pw <= q < pw + w
            padded = r < h + 2 * ph and q < w + 2 * pw
            fill = PALETTE["pixel"] if inside else PALETTE["pad"] if padded else PALETTE["overhang"]
            text = "0" if padded and not inside and c >= 16 else ""
            if numbers and inside and c >= 16:
                text = str(example_input(r - ph, q - pw))
            shapes.append(Rect(margin + q * c, top + r * c, c, c, fill, text=text))
    i, j = position
    (kh, kw), (sh, sw), (dh, dw) = s.kernel, s.stride, s.dilation
    r0, q0 = i * sh, j * sw
    span_h, span_w = s.span
    shapes.append(Rect(margin + q0 * c, top + r0 * c, span_w * c, span_h * c, "none", PALETTE["current"]))
    numbers = numbers and kh * kw <= MAX_NUMBERED_TAPS
    kernel = example_kernel(s)
    for a in range(kh):
        for b in range(kw):
            tap_x, tap_y = margin + (q0 + b * dw) * c, top + (r0 + a * dh) * c
            weight = "" if not numbers or s.pool or c < 16 else _number(kernel[a][b])
            shapes.append(Rect(tap_x + 2, tap_y + 2, c - 4, c - 4, PALETTE["tap"], PALETTE["current"], weight))
    left = margin + cols * c + gap
    shapes.append(Text(left, margin + font, f"output {s.output[0]}×{s.output[1]}", font, PALETTE["muted"]))
    for r in range(orows):
        for q in range(ocols):
            order = r * ocols + q
            fill = PALETTE["current"] if (r, q) == position else PALETTE["lit"] if order < lit else PALETTE["pixel"]
            value = (
                _number(output_value(s, (r, q))) if numbers and c >= 16 and (order < lit or (r, q) == position) else ""
            )
            shapes.append(Rect(left + q * c, top + r * c, c, c, fill, text=value))
    centre_in = (margin + (q0 * c) + span_w * c / 2, top + r0 * c + span_h * c / 2)
    centre_out = (left + j * c + c / 2, top + i * c + c / 2)
    shapes.append(Line(*centre_in, *centre_out, PALETTE["current"], 2))
    y: float = top + max(rows, orows) * c + font + 8
    if (orows, ocols) != s.output:
        shapes.append(
            Text(
                margin,
                y,
                f"top-left corner: {orows}×{ocols} of {s.output[0]}×{s.output[1]} outputs",
                font,
                PALETTE["muted"],
            )
        )
        y += font + 6
    shapes.append(Text(margin, y, f"output ({i}, {j}): position {i * ocols + j + 1} of {orows * ocols}", font))
    y += font + 6
    if numbers:
        what = "example input and kernel (weights on the orange taps)" if not s.pool else "example input"
        shapes.append(
            Text(margin, y, what + (", one channel" if s.in_channels > 1 else "") + ":", font, PALETTE["muted"])
        )
        y += font + 6
        for line in working(s, position):
            shapes.append(Text(margin, y, line, font))
            y += font + 6
    for line in caption(s):
        shapes.append(Text(margin, y, line, font))
        y += font + 6
    y = _channels(s, shapes, margin, y, c, font)
    longest = max(len(sh.text) for sh in shapes if isinstance(sh, Text))
    width = int(max(left + ocols * c, margin + longest * font * 0.6) + margin)
    return Scene(width, int(y + margin), tuple(shapes))


def _channels(s: ConvSettings, shapes: list[Shape], x: float, y: float, c: int, font: int) -> float:
    """Two rows of channels coloured by group, each output joined to the inputs it reads."""
    if s.in_channels == 1 and s.out_channels == 1:
        return y
    box = max(10, min(c, 24))
    shown_in, shown_out = min(s.in_channels, MAX_CHANNELS_DRAWN), min(s.out_channels, MAX_CHANNELS_DRAWN)
    per_in, per_out = s.in_channels // s.groups, s.out_channels // s.groups
    top, bottom = y + 4, y + 4 + 3 * box

    def colour(group: int) -> str:
        return GROUP_COLOURS[group % len(GROUP_COLOURS)]

    for o in range(shown_out):
        group = o // per_out
        reads = [o] if s.pool else list(range(group * per_in, (group + 1) * per_in))
        for k in reads:
            if k < shown_in:
                shapes.append(
                    Line(x + k * (box + 4) + box / 2, top + box, x + o * (box + 4) + box / 2, bottom, colour(group))
                )
    for k in range(shown_in):
        shapes.append(Rect(x + k * (box + 4), top, box, box, colour(k // per_in)))
    for o in range(shown_out):
        shapes.append(Rect(x + o * (box + 4), bottom, box, box, colour(o // per_out)))
    more = []
    if s.in_channels > shown_in:
        more.append(f"first {shown_in} of {s.in_channels} input channels")
    if s.out_channels > shown_out:
        more.append(f"first {shown_out} of {s.out_channels} output channels")
    y = bottom + box + font + 4
    if more:
        shapes.append(Text(x, y, "; ".join(more), font, PALETTE["muted"]))
        y += font + 6
    return y


def to_svg(sc: Scene) -> str:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{sc.width}" height="{sc.height}" '
        f'viewBox="0 0 {sc.width} {sc.height}" font-family="sans-serif">',
        f'<rect width="{sc.width}" height="{sc.height}" fill="#ffffff"/>',
    ]
    for sh in sc.shapes:
        if isinstance(sh, Rect):
            parts.append(
                f'<rect x="{sh.x:g}" y="{sh.y:g}" width="{sh.w:g}" height="{sh.h:g}" fill="{sh.fill}" '
                f'stroke="{sh.stroke}"' + (' stroke-width="2" stroke-dasharray="4 3"/>' if sh.fill == "none" else "/>")
            )
            if sh.text:
                parts.append(
                    f'<text x="{sh.x + sh.w / 2:g}" y="{sh.y + sh.h * 0.7:g}" font-size="{sh.h * 0.5:g}" '
                    f'text-anchor="middle" fill="{PALETTE["muted"]}">{escape(sh.text)}</text>'
                )
        elif isinstance(sh, Line):
            parts.append(
                f'<line x1="{sh.x1:g}" y1="{sh.y1:g}" x2="{sh.x2:g}" y2="{sh.y2:g}" stroke="{sh.stroke}" '
                f'stroke-width="{sh.width:g}" opacity="0.7"/>'
            )
        else:
            parts.append(
                f'<text x="{sh.x:g}" y="{sh.y:g}" font-size="{sh.size}" fill="{sh.fill}">{escape(sh.text)}</text>'
            )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def svg(s: ConvSettings, position: Pair | None = None, numbers: bool = False) -> str:
    """One frame as SVG: the kernel at ``position`` with the positions before it lit; by default every
    position lit and the kernel at the last. ``numbers``: with the arithmetic (see ``scene``)."""
    if position is None:
        return to_svg(scene(s, numbers=numbers))
    _, (_, cols) = drawn_region(s)
    return to_svg(scene(s, position, position[0] * cols + position[1], numbers))


_ASCII = str.maketrans({"×": "x", "→": "->", "−": "-", "·": "*"})


def _font(size: int) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    """DejaVu Sans where the system has it (it has ×, → and −), else Pillow's own font and plain ASCII."""
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size), True
    except OSError:
        return ImageFont.load_default(size=size), False


def _draw(sc: Scene) -> Image.Image:
    image = Image.new("RGB", (sc.width, sc.height), "#ffffff")
    pen = ImageDraw.Draw(image)
    fonts: dict[int, tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]] = {}

    def write(xy: tuple[float, float], text: str, size: int, fill: str, anchor: str) -> None:
        if size not in fonts:
            fonts[size] = _font(size)
        face, full = fonts[size]
        pen.text(xy, text if full else text.translate(_ASCII), fill=fill, font=face, anchor=anchor)

    for sh in sc.shapes:
        if isinstance(sh, Rect):
            box = (sh.x, sh.y, sh.x + sh.w, sh.y + sh.h)
            pen.rectangle(
                box, fill=None if sh.fill == "none" else sh.fill, outline=sh.stroke, width=2 if sh.fill == "none" else 1
            )
            if sh.text:
                write((sh.x + sh.w / 2, sh.y + sh.h / 2), sh.text, int(sh.h // 2), PALETTE["muted"], "mm")
        elif isinstance(sh, Line):
            pen.line((sh.x1, sh.y1, sh.x2, sh.y2), fill=sh.stroke, width=max(1, round(sh.width)))
        else:
            write((sh.x, sh.y), sh.text, sh.size, sh.fill, "ls")
    return image


def gif(s: ConvSettings, limit: int = MAX_FRAMES, ms_per_frame: int = 600) -> bytes:
    """An animated GIF, one frame per output position (``frame_positions``), looping."""
    _, (_, cols) = drawn_region(s)
    frames = [_draw(scene(s, p, p[0] * cols + p[1])) for p in frame_positions(s, limit)]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=ms_per_frame, loop=0)
    return out.getvalue()


def frames_svg(s: ConvSettings, limit: int = MAX_FRAMES, numbers: bool = False) -> list[str]:
    """Every frame as SVG, in order: what the page's player steps through."""
    return [svg(s, p, numbers) for p in frame_positions(s, limit)]
