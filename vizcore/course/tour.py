"""The lecture's story: ILSVRC winners by year, and a guided tour LeNet-5 → ResNet.

The ILSVRC figures are published results (sources in ``ILSVRC_SOURCE``), not computed; the depth of
every bar whose network is in the zoo is counted from the model. Each tour slide's numbers and its
"what changed" facts are computed from the two models it compares.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from ..engine.analysis import Analysis
from ..errors import VizcoreError
from ..shapes import Shape, format_shape
from ..zoo import get_card

Getter = Callable[[str, Shape], Analysis]


def weight_depth(a: Analysis) -> int:
    """The most conv and fc layers on any path from input to output: the papers' "layers" (GoogLeNet 22)."""
    weighted = {n.id: n.type in ("Conv2d", "Linear") for n in a.layers}
    best: dict[int, int] = {}
    parents: dict[int, list[int]] = {}
    for src, dst in a.edges:
        parents.setdefault(dst, []).append(src)
    for n in a.layers:  # execution order is a topological order
        best[n.id] = max((best.get(p, 0) for p in parents.get(n.id, [])), default=0) + weighted[n.id]
    return max(best.values(), default=0)


# --- ILSVRC ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Winner:
    year: int
    entry: str  # team / network
    top5: float  # % error on the test set, as published
    depth: int | None  # published layers; None for shallow (non-CNN) methods
    model: str  # the zoo model the bar links to ("" where the zoo has none)
    note: str = ""


ILSVRC: tuple[Winner, ...] = (
    Winner(2010, "NEC-UIUC (Lin et al.)", 28.2, None, "", "shallow: SIFT/LBP features, SVMs"),
    Winner(2011, "XRCE (Sánchez & Perronnin)", 25.8, None, "", "shallow: Fisher vectors"),
    Winner(2012, "AlexNet (Krizhevsky et al.)", 16.4, 8, "alexnet2012"),
    Winner(2013, "ZFNet / Clarifai (Zeiler & Fergus)", 11.7, 8, "zfnet"),
    Winner(2014, "VGG (Simonyan & Zisserman), runner-up", 7.3, 19, "vgg19"),
    Winner(2014, "GoogLeNet (Szegedy et al.)", 6.7, 22, "googlenet_paper"),
    Winner(2015, "ResNet (He et al.)", 3.6, 152, "resnet152_v1"),
    Winner(2016, "Trimps-Soushen (Shao et al.)", 3.0, None, "", "an ensemble of Inception and ResNet models"),
    Winner(2017, "SENet (Hu et al.)", 2.3, 154, "", "SENet-154"),
)
HUMAN_TOP5 = 5.1  # Russakovsky et al. 2015 (Karpathy's own labelling of 1,500 test images)
ILSVRC_SOURCE = (
    "Top-5 test error of each year's classification winner: Russakovsky et al., 'ImageNet Large Scale Visual "
    "Recognition Challenge', IJCV 2015 (2010-2014, and the human 5.1%), and the ILSVRC 2015-2017 result pages "
    "(image-net.org); the same figures as the decks' 'ImageNet Classification Challenge' chart (Johnson, "
    "UMich EECS 498; CS231n). Depth is counted from our model where the zoo has the network (the most conv/fc "
    "layers on one path), else the paper's."
)


def ilsvrc_figure(depths: dict[str, int], link: Callable[[str], str]) -> go.Figure:
    """Bars of top-5 error by year, each labelled with its depth, a link on each bar the zoo has."""
    labels = [f"{w.year}<br>{w.entry.split(' (')[0]}" for w in ILSVRC] + ["Human"]
    errors = [w.top5 for w in ILSVRC] + [HUMAN_TOP5]
    depth_text = []
    for w in ILSVRC:
        d = depths.get(w.model, w.depth) if w.model else w.depth
        depth_text.append(f"{d} layers" if d else ("shallow" if w.year < 2012 else "ensemble"))
    texts = [
        f'<a href="{link(w.model)}" target="_self">{e}%<br>{t}</a>' if w.model else f"{e}%<br>{t}"
        for w, e, t in zip(ILSVRC, errors, depth_text, strict=False)
    ] + [f"{HUMAN_TOP5}%<br>human"]
    colours = ["#9e9e9e" if w.depth is None and w.year < 2012 else "#1f77b4" for w in ILSVRC] + ["#2ca02c"]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=errors,
            text=texts,
            textposition="outside",
            marker_color=colours,
            hovertext=[f"{w.entry}: {w.top5}% top-5 error" + (f" ({w.note})" if w.note else "") for w in ILSVRC]
            + ["Human: 5.1% (Russakovsky et al. 2015)"],
            hoverinfo="text",
            cliponaxis=False,
        )
    )
    fig.update_layout(
        yaxis_title="top-5 error (%)",
        yaxis_range=[0, 34],
        margin={"l": 50, "r": 10, "t": 30, "b": 10},
        height=420,
        showlegend=False,
    )
    return fig


# --- the guided tour ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slide:
    key: str  # the ?slide= value
    model: str
    title: str
    idea: str
    numbers: tuple[tuple[str, str], ...]
    changes: tuple[str, ...]  # what changed from the previous slide, computed


TOUR: tuple[tuple[str, str, str], ...] = (
    ("lenet5", "lenet5", "LeNet-5 (1998)"),
    ("alexnet", "alexnet2012", "AlexNet (2012)"),
    ("zfnet", "zfnet", "ZFNet (2013)"),
    ("vgg", "vgg16", "VGG-16 (2014)"),
    ("nin", "nin", "Network in Network (2013)"),
    ("googlenet", "googlenet_paper", "GoogLeNet (2014)"),
    ("resnet", "resnet34", "ResNet-34 (2015)"),
)


class UnknownSlideError(VizcoreError):
    pass


def slide_keys() -> list[str]:
    return [k for k, _, _ in TOUR]


def check_slide(key: str) -> int:
    """The index of a slide, or a one-sentence error naming the valid ones."""
    if key not in slide_keys():
        raise UnknownSlideError(f"there is no tour slide {key!r}; the slides are: {', '.join(slide_keys())}.")
    return slide_keys().index(key)


def _m(x: float) -> str:
    return f"{x / 1e6:,.1f} M" if x >= 1e5 else f"{x:,.0f}"


def _g(x: float) -> str:
    return f"{x / 1e9:,.2f} G" if x >= 1e8 else _m(x)


def _numbers(a: Analysis) -> tuple[tuple[str, str], ...]:
    t = a.totals
    return (
        ("input", format_shape(a.input_shape[1:])),
        ("layers (conv + fc, deepest path)", str(weight_depth(a))),
        ("parameters", f"{t.params:,}"),
        ("multiply-adds", f"{t.macs:,} ({_g(t.macs)})"),
        ("activation memory", f"{t.activation_bytes / 2**20:,.1f} MiB"),
    )


def _fc_params(a: Analysis) -> int:
    return sum(n.params for n in a.layers if n.type == "Linear")


def _types(a: Analysis) -> set[str]:
    return {n.type for n in a.layers}


def _first_conv(a: Analysis) -> Sequence[str]:
    conv = next(n for n in a.layers if n.type == "Conv2d")
    k, s = conv.kernel, conv.stride
    return (
        f"{k[0]}x{k[1]}/{s[0]}",
        f"{conv.output_shape[1]}x{conv.output_shape[2]}x{conv.output_shape[3]}",
        f"{conv.macs:,}",
        conv.name,
    )


def _changes(key: str, a: Analysis, prev: Analysis | None, get: Getter) -> tuple[str, ...]:
    if prev is None:
        c1 = next(n for n in a.layers if n.type == "Conv2d")
        return (
            f"The first layer is a {c1.kernel[0]}x{c1.kernel[1]} convolution with {c1.params:,} weights, shared over "
            f"every position of the {format_shape(a.input_shape[1:])} input.",
            f"Convolution and subsampling, then {sum(n.type == 'Linear' for n in a.layers)} fully connected layers: "
            f"{a.totals.params:,} parameters in all.",
        )
    ratio_p, ratio_m = a.totals.params / prev.totals.params, a.totals.macs / prev.totals.macs
    common = f"{ratio_p:,.1f}x the parameters and {ratio_m:,.1f}x the multiply-adds of {prev.model}."
    if key == "alexnet":
        new = sorted(_types(a) - _types(prev))
        pixels = (a.input_shape[2] * a.input_shape[3] * a.input_shape[1]) / (
            prev.input_shape[2] * prev.input_shape[3] * prev.input_shape[1]
        )
        return (
            f"Input {format_shape(prev.input_shape[1:])} → {format_shape(a.input_shape[1:])}: {pixels:,.0f}x the values.",
            f"New layer types: {', '.join(new)}.",
            common,
        )
    if key == "zfnet":
        k0, out0, mac0, _ = _first_conv(prev)
        k1, out1, mac1, _ = _first_conv(a)
        return (
            f"conv1 {k0} → {k1}: its output grows from {out0} to {out1}.",
            f"conv1's multiply-adds: {mac0} → {mac1}; the finer first layer is where the extra cost goes.",
            common,
        )
    if key == "vgg":
        kernels = sorted({n.kernel[0] for n in a.layers if n.type == "Conv2d"})
        conv = a.layer("features.12")
        c = conv.output_shape[1]
        three, seven = 3 * 9 * c * c, 49 * c * c
        return (
            f"Every convolution is {' or '.join(f'{k}x{k}' for k in kernels)}, stride 1; depth {weight_depth(prev)} → {weight_depth(a)}.",
            f"Three 3x3 convs see 7x7, like one 7x7 conv: at C={c} they have 3 x 9 x {c}² = {three:,} weights "
            f"against 49 x {c}² = {seven:,} ({100 * (1 - three / seven):.0f}% fewer), and three ReLUs instead of one.",
            common,
        )
    if key == "nin":
        ones = sum(n.type == "Conv2d" and n.kernel[0] == 1 for n in a.layers)
        fc_prev = _fc_params(get("alexnet2012", (1, 3, 227, 227)))
        return (
            f"{ones} 1x1 convolutions: a small MLP at every position after each big convolution.",
            f"Global average pooling instead of fully connected layers: {_fc_params(a):,} fc parameters, "
            f"against AlexNet's {fc_prev:,}.",
            f"{a.totals.params:,} parameters in all, {a.totals.params / fc_prev:.0%} of AlexNet's fc layers alone.",
        )
    if key == "googlenet":
        ones = sum(n.type == "Conv2d" and n.kernel[0] == 1 for n in a.layers)
        vgg = get("vgg16", (1, 3, 224, 224))
        inception = sum(b.kind == "branch" for b in a.blocks)
        return (
            f"{inception} inception modules; {ones} 1x1 convolutions, most of them reducing channels before the 3x3 and 5x5.",
            f"Global average pooling and one fc layer of {_fc_params(a):,} parameters, against VGG-16's three with "
            f"{_fc_params(vgg):,}.",
            f"{a.totals.params / vgg.totals.params:.0%} of VGG-16's parameters and {a.totals.macs / vgg.totals.macs:.0%} "
            f"of its multiply-adds, {weight_depth(a)} layers deep.",
        )
    if key == "resnet":
        plain = get("plain34", (1, 3, 224, 224))
        res = [b for b in a.blocks if b.kind == "residual"]
        proj = [b for b in res if b.shortcut == "projection"]
        return (
            f"{len(res)} shortcuts add each block's input to its output: {len(res) - len(proj)} identities (free) and "
            f"{len(proj)} 1x1 projections where the shape changes.",
            f"Against the same 34 layers without shortcuts: {a.totals.params - plain.totals.params:,} more parameters "
            f"({a.totals.params:,} vs {plain.totals.params:,}), {a.totals.macs - plain.totals.macs:,} more multiply-adds.",
            f"Against VGG-16: {a.totals.macs / get('vgg16', (1, 3, 224, 224)).totals.macs:.0%} of the multiply-adds, "
            f"{weight_depth(a)} layers deep instead of 16.",
        )
    return (common,)


def slide(index: int, get: Getter) -> Slide:
    key, model, title = TOUR[index]
    card = get_card(model)
    a = get(model, (1, *card.input_size))
    prev = None
    if index > 0:
        prev_model = TOUR[index - 1][1]
        prev = get(prev_model, (1, *get_card(prev_model).input_size))
    return Slide(key, model, title, card.key_idea, _numbers(a), _changes(key, a, prev, get))
