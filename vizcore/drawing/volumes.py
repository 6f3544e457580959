"""LeNet-5's Figure 2 and AlexNet's Figure 2 for any traced model, as standalone SVG: each output as a
3-D box, height and depth by H and W (square-root scale), thickness by channels (log scale, so 6 and
512 both read), kernels as small squares on the input they slide over, sizes written ``55x55x64``. A
deep model gets one box per stage (a run of layers at one spatial size)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from ..engine.analysis import Analysis
from ..errors import VizcoreError
from ..shapes import Shape
from .paper_boxes import Box, column, kernels_name, paper_title, size_band, size_text
from .style import ORIENTATIONS, PAPER_FILLS, paper, paper_color, shade
from .svg import Svg, text_width

MAX_VOLUMES = 12  # more spatial layers than this: one box per stage


@dataclass(frozen=True)
class Volume:
    """One box of a volume diagram: a layer's output, or a stage (a run of layers at one size)."""

    lines: tuple[str, ...]  # the label, one line per kind of layer it stands for
    shape: Shape
    kernel: tuple[int, ...] = ()  # the kernel that made it, drawn on the box before (single layers only)
    flat: bool = False  # a vector (or 1x1 map): drawn as a bar


def volumes(analysis: Analysis, max_volumes: int = MAX_VOLUMES) -> list[Volume]:
    """The volumes to draw: the input, every convolution/pooling output (a residual block as one),
    then the vector layers; more than ``max_volumes`` feature maps become one volume per stage."""
    boxes = _module_blocks(analysis, column(analysis, residual_boxes=True).boxes)
    is_map = [len(b.shape) == 4 and b.shape[2] * b.shape[3] > 1 for b in boxes]
    last_map = max((k for k, m in enumerate(is_map) if m), default=0)
    spatial = [b for b, m in zip(boxes[1:], is_map[1:], strict=True) if m]
    rest = list(boxes[last_map + 1 :])  # vectors after the last map; 1x1 maps inside a stage (SE) are in its box
    out = [Volume((boxes[0].label,), analysis.input_shape, flat=len(analysis.input_shape) != 4)]
    if len(spatial) <= max_volumes:
        for b in spatial:
            kernel = b.node.kernel if b.node is not None else ()
            out.append(Volume((b.label,), b.shape, kernel))
    else:
        runs: list[list[Box]] = []
        for b in spatial:
            if runs and size_band(runs[-1][-1].shape) == size_band(b.shape):
                runs[-1].append(b)
            else:
                runs.append([b])
        for run in runs:
            single = run[0].node if len(run) == 1 else None  # one layer alone at its size keeps its kernel
            out.append(Volume(_run_lines([b.label for b in run]), run[-1].shape, single.kernel if single else ()))
    flat: list[list[Box]] = []  # many vectors: runs of one shape (a transformer's tokens) are one bar
    for b in rest:
        if flat and flat[-1][-1].shape == b.shape and len(rest) > 4:
            flat[-1].append(b)
        else:
            flat.append([b])
    out += [Volume(_run_lines([b.label for b in run]), run[-1].shape, flat=True) for run in flat]
    return out


def _module_blocks(analysis: Analysis, boxes: Sequence[Box]) -> list[Box]:
    """Where a model's residual blocks are modules at some depth (MobileNetV2's ``features.3``), its
    blocks without a shortcut at that depth (``features.2``) become one box too, named the same way."""
    depths = {b.name.count(".") + 1 for b in analysis.blocks if b.kind == "residual" and b.name}
    if len(depths) != 1:
        return list(boxes)
    depth = depths.pop()

    def module(box: Box) -> str:
        parts = box.node.name.split(".") if box.node is not None else []
        return ".".join(parts[:depth]) if len(parts) > depth else ""

    out: list[Box] = []
    for key, run in itertools.groupby(boxes, module):
        members = list(run)
        nodes = [b.node for b in members if b.node is not None]
        name = kernels_name(nodes)
        if not key or len(members) < 2 or len(nodes) != len(members) or not name:
            out += members
            continue
        first, last = members[0].node, members[-1].node
        assert first is not None and last is not None
        before, after = first.input_shapes[0] if first.input_shapes else (), last.output_shape
        reduce = len(before) == 4 and len(after) == 4 and after[2] < before[2]
        stride = f", /{before[2] // max(after[2], 1)}" if reduce else ""
        ids = tuple(i for b in members for i in b.ids)
        out.append(Box(f"{name}, {after[1]}{stride}", after, "block", ids))
    return out


def _run_lines(labels: Sequence[str], most: int = 4) -> tuple[str, ...]:
    """Run-length labels: ``2 × 3x3 conv, 128``; more kinds than ``most`` become a count."""
    runs: list[list[str | int]] = []
    for label in labels:
        if runs and runs[-1][1] == label:
            runs[-1][0] = int(runs[-1][0]) + 1
        else:
            runs.append([1, label])
    if len(runs) > most:
        return (f"{len(labels)} layers", f"{labels[0]} … {labels[-1]}")
    return tuple(f"{count} × {label}" if count != 1 else str(label) for count, label in runs)


def _volume_geometry(v: Volume, top_h: float, top_size: int) -> tuple[float, float, float]:
    """Front-face width (channels, log scale), height (H, square-root scale) and receding depth (W)."""
    if v.flat:
        features = v.shape[1] if len(v.shape) > 1 else 1
        return 12.0, min(top_h, 40 + 14 * math.log2(max(features, 1))), 0.0
    channels, h, w = v.shape[1], v.shape[2], v.shape[3]
    scale = top_h / math.sqrt(max(top_size, 1))
    return 6 + 10 * math.log2(max(channels, 1)), max(8.0, scale * math.sqrt(h)), max(4.0, 0.5 * scale * math.sqrt(w))


def volumes_svg(analyses: Sequence[Analysis], orientation: str = "vertical") -> str:
    """LeNet-5's and AlexNet's Figure 2 for any models, one row each (left to right, as the papers
    draw them: the only orientation)."""
    if orientation not in ORIENTATIONS:
        raise VizcoreError(f"unknown orientation {orientation!r}: choose {' or '.join(ORIENTATIONS)}.")
    svg = Svg()
    y = paper("margin")
    for analysis in analyses:
        svg.parts.append(f'<g class="volumes" data-model="{escape(analysis.model)}">')
        y = _volume_row(svg, analysis, y) + 30
        svg.parts.append("</g>")
    return svg.document("volumes: " + ", ".join(a.model for a in analyses))


def _volume_row(svg: Svg, analysis: Analysis, y0: float) -> float:
    """One model's volumes left to right, sizes above, labels below; returns the row's bottom."""
    items = volumes(analysis)
    top_h = paper("volume_max_h")
    first = analysis.input_shape
    top_size = max(first[2], first[3]) if len(first) == 4 else 1
    geometry = [_volume_geometry(v, top_h, top_size) for v in items]
    svg.text(
        paper("margin"),
        y0 + paper("title_font"),
        paper_title(analysis.model),
        paper("title_font"),
        "start",
        "title",
        weight="bold",
    )
    reach_up = max((h / 2 + d / 2 for _, h, d in geometry), default=0.0)
    mid = y0 + paper("title_font") + 24 + paper("small_font") + 10 + reach_up  # the boxes' common centre line
    x = paper("margin") + 10
    fonts = paper("small_font")
    bottom = mid
    faces: list[tuple[float, float, float, float]] = []  # front face x, y, w, h of each volume
    for v, (t, h, d) in zip(items, geometry, strict=True):
        texts = [size_text(v.shape), *v.lines]
        span = max([t + d, *(text_width(line, fonts) for line in texts)])
        fx = x + (span - t - d) / 2
        fy = mid - h / 2 + d / 2
        kind = "flat" if v.flat else "volume"
        fill = PAPER_FILLS["linear"] if v.flat else PAPER_FILLS["conv"] if v is not items[0] else PAPER_FILLS["input"]
        if d:
            svg.parts.append(
                f'<polygon class="{kind}-top" points="{fx:.1f},{fy:.1f} {fx + d:.1f},{fy - d:.1f} {fx + t + d:.1f},{fy - d:.1f} '
                f'{fx + t:.1f},{fy:.1f}" fill="{shade(fill, 0.94)}" stroke="{paper_color("stroke")}" stroke-width="1.1"/>'
            )
            svg.parts.append(
                f'<polygon class="{kind}-side" points="{fx + t:.1f},{fy:.1f} {fx + t + d:.1f},{fy - d:.1f} '
                f'{fx + t + d:.1f},{fy + h - d:.1f} {fx + t:.1f},{fy + h:.1f}" fill="{shade(fill, 0.85)}" '
                f'stroke="{paper_color("stroke")}" stroke-width="1.1"/>'
            )
        svg.rect(fx, fy, t, h, fill, cls=kind, rx=0)
        svg.text(fx + (t + d) / 2, fy - d - 8, texts[0], fonts, cls="size", weight="bold")
        ly = fy + h + fonts + 8
        for line in texts[1:]:
            svg.text(fx + (t + d) / 2, ly, line, fonts, cls="layer", color=paper_color("muted"))
            ly += fonts + 4
        bottom = max(bottom, ly)
        faces.append((fx, fy, t, h))
        x += span + paper("volume_gap")
    # kernels: a small k x k patch on the H x W face of the volume the layer slides over, with rays to
    # the point of the next volume it makes (as AlexNet's Figure 2 draws them)
    for k in range(1, len(items)):
        v = items[k]
        if not v.kernel or items[k - 1].flat:
            continue
        prev = items[k - 1]
        px, py, pt, ph = faces[k - 1]
        pd = geometry[k - 1][2]
        kh, kw = v.kernel[0], v.kernel[-1]
        along_h = max(5.0, ph * min(kh / max(prev.shape[2], 1), 0.5))
        along_w = max(5.0, pd * min(kw / max(prev.shape[3], 1), 0.5))
        bx, by = px + pt + 0.55 * pd, py - 0.55 * pd + 0.2 * ph  # the patch's corner on the side face
        corners = [(bx, by), (bx + along_w, by - along_w), (bx + along_w, by - along_w + along_h), (bx, by + along_h)]
        points = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in corners)
        svg.parts.append(
            f'<polygon class="kernel" points="{points}" fill="{paper_color("kernel")}" fill-opacity="0.25" stroke="{paper_color("kernel")}" '
            f'stroke-width="1.5"><title>{escape("x".join(map(str, v.kernel)))} kernel</title></polygon>'
        )
        nx, ny, nt, nh = faces[k]
        nd = geometry[k][2]
        tip = (nx + nt + 0.3 * nd, ny - 0.3 * nd + 0.65 * nh)
        for cx, cy in (corners[1], corners[3]):
            svg.line(cx, cy, tip[0], tip[1], cls="kernel-ray", arrow=False, color=paper_color("kernel"))
    return bottom
