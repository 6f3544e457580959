"""Tables about AlexNet and VGG-16 (decks 001 and 002): per layer, in total, and the two-GPU network."""

from __future__ import annotations

import math

from ..engine.analysis import Analysis
from .checker import G, K, M, SlideTable, figure
from .rows import IN224, IN227, KB, MB, Getter, Row, elements, per_layer_row, weight_layers

# torchvision's AlexNet layer behind each row of the deck's table, in the slide's order
_ALEXNET_227_LAYERS = (
    "features.0",
    "features.2",
    "features.3",
    "features.5",
    "features.6",
    "features.8",
    "features.10",
    "features.12",
    "flatten",
    "classifier.1",
    "classifier.4",
    "classifier.6",
)


def alexnet_227(get: Getter, slide: SlideTable) -> tuple[Row, ...]:
    a = get("alexnet", IN227)
    rows = []
    for name, printed in zip(_ALEXNET_227_LAYERS, slide.rows, strict=True):
        label = printed.label
        why = {}
        if label == "conv4":
            conv = a.layer(name)
            c_in = conv.input_shapes[0][1]
            why["flop"] = (
                f"slide mistake: the row's own sizes give {conv.output_shape[1]} x {conv.output_shape[2]} x "
                f"{conv.output_shape[3]} x ({c_in} x 3 x 3) = {conv.macs:,}; no rounding of that prints 145"
            )
        if label == "flatten":
            why["memory"] = "in PyTorch flatten is a view and allocates nothing new; the slide counts its output"
        if label.startswith("pool"):
            why["flop"] = "pooling counted as K x K operations per output, as the slide does"
        rows.append(per_layer_row(a, name, printed, why=why))
    return tuple(rows)


def drawn_memory(a: Analysis, skip: tuple[str, ...] = ()) -> int:
    """The bar charts' memory: outputs of conv and fc layers (no pools, no activations)."""
    return sum(n.output_bytes for n in weight_layers(a) if n.name not in skip)


# conv3_3 (conv3_2 is the same size): the one VGG-16 layer the deck's per-layer charts leave out
VGG_MISSING = "features.14"


def alexnet_vs_vgg16(get: Getter, slide: SlideTable) -> tuple[Row, ...]:
    alex, vgg = get("alexnet", IN227), get("vgg16", IN224)
    mem_a, mem_v = drawn_memory(alex), drawn_memory(vgg)
    gone = vgg.layer(VGG_MISSING)
    mem_missing = drawn_memory(vgg, (VGG_MISSING,))
    drop = (
        f"slide mistake: the deck's VGG-16 charts leave out one of the two 256->256 3x3 convs at 56x56 (each "
        f"{gone.output_bytes // KB:,} KB, {gone.params:,} params, {gone.macs:,} MACs)"
    )
    p_alex, p_vgg, p_ratio = slide.rows
    without = vgg.totals.macs - gone.macs
    return (
        Row(
            p_alex.label,
            "alexnet",
            (),
            (
                figure(
                    "memory (MB)",
                    p_alex["memory (MB)"],
                    mem_a,
                    MB,
                    why="conv and fc outputs, as the bars show (pools left out)",
                ),
                figure("params (M)", p_alex["params (M)"], alex.totals.params, M),
                figure("GFLOP", p_alex["GFLOP"], alex.totals.macs, G),
            ),
        ),
        Row(
            p_vgg.label,
            "vgg16",
            (),
            (
                figure(
                    "memory (MB)",
                    p_vgg["memory (MB)"],
                    mem_v,
                    MB,
                    why=f"{drop}: without it {mem_missing:,} / {MB:,} = {mem_missing / MB:.2f}",
                ),
                figure("params (M)", p_vgg["params (M)"], vgg.totals.params, M),
                figure(
                    "GFLOP",
                    p_vgg["GFLOP"],
                    vgg.totals.macs,
                    G,
                    why=f"{drop}: without it {without:,} MACs = {without / G:.2f} G",
                ),
            ),
        ),
        Row(
            p_ratio.label,
            "",
            (),
            (
                figure(
                    "memory (MB)",
                    p_ratio["memory (MB)"],
                    mem_v / mem_a,
                    step=1,
                    why=f"the slide's ratio of its own (low) totals, {p_vgg['memory (MB)']} / {p_alex['memory (MB)']} = "
                    f"{float(p_vgg['memory (MB)']) / float(p_alex['memory (MB)']):.1f}",
                ),
                figure("params (M)", p_ratio["params (M)"], vgg.totals.params / alex.totals.params),
                figure(
                    "GFLOP",
                    p_ratio["GFLOP"],
                    vgg.totals.macs / alex.totals.macs,
                    why=f"the slide divides its rounded totals: {p_vgg['GFLOP']} / {p_alex['GFLOP']} = "
                    f"{float(p_vgg['GFLOP']) / float(p_alex['GFLOP']):.1f}",
                ),
            ),
        ),
    )


_VGG16_HEAD_LAYERS = ("flatten", "classifier.0", "classifier.3", "classifier.6")


def vgg16_head(get: Getter, slide: SlideTable) -> tuple[Row, ...]:
    v = get("vgg16", IN224)
    rows = []
    for name, printed in zip(_VGG16_HEAD_LAYERS, slide.rows, strict=True):
        node = v.layer(name)
        figs = [
            figure("C out", printed["C out"], node.output_shape[1]),
            figure("memory (KB)", printed["memory (KB)"], node.output_bytes, KB),
        ]
        params = printed.get("params (K)")
        if params is not None:
            bias = node.output_shape[1]
            why = f"a different convention: the slide counts weights only; with the bias add {bias:,}"
            figs.append(figure("params (K)", params, node.params, K, why=why))
            figs.append(figure("flop (M)", printed["flop (M)"], node.macs, M))
        rows.append(Row(printed.label, v.model, (("layer", name),), tuple(figs)))
    return tuple(rows)


# alexnet2012's layer behind each per-layer row of the deck, and the unit its params are printed in
_ALEX2012 = {
    "conv1": ("features.conv1", "K"),
    "conv2": ("features.conv2", "K"),
    "conv3": ("features.conv3", "K"),
    "conv4": ("features.conv4", "K"),
    "conv5": ("features.conv5", "K"),
    "fc6": ("classifier.fc6", "M"),
    "fc7": ("classifier.fc7", "M"),
    "fc8": ("classifier.fc8", "M"),
}


def alexnet_2gpu(get: Getter, slide: SlideTable) -> tuple[Row, ...]:
    a = get("alexnet2012", IN227)
    rows = []
    for label, (name, unit) in _ALEX2012.items():
        printed = slide.row(label)
        node = a.layer(name)
        weights = node.params - node.output_shape[1]
        why_n = ""
        if label == "conv1":
            c, h, w = node.output_shape[1:]
            why_n = f"slide (and paper) mistake: conv1's output is {c} x {h} x {w} = {c * h * w:,}"
        scale = K if unit == "K" else M
        p = printed[f"params ({unit})"]
        why_p = f"weights alone: {weights:,}"
        if math.floor(weights / scale) == int(p) != math.floor(node.params / scale):
            why_p = f"the slide's formula counts weights only, {weights:,}, and truncates to {p}"
        figs = (
            figure(f"params ({unit})", p, node.params, scale, why=why_p),
            figure("neurons", printed["neurons"], elements(node), why=why_n),
        )
        rows.append(Row(label, a.model, (("layer", name),), figs))
    convs_fcs = [a.layer(n) for n, _ in _ALEX2012.values()]
    total_neurons = sum(elements(n) for n in convs_fcs)
    fcs = [n for n in convs_fcs if n.type == "Linear"]
    given, fc_sum, total = slide.row("input"), slide.row("fc layers"), slide.row("total")
    rows.insert(
        0,
        Row(
            given.label,
            a.model,
            (("deck", "001 (the paper's Figure 2 caption)"),),
            (
                figure(
                    "neurons",
                    given["neurons"],
                    math.prod(a.input_shape[1:]),
                    why="the paper's 224 x 224 x 3; its layer sizes need 227 x 227 x 3 (conv1: (227 - 11) / 4 + 1 = 55)",
                ),
            ),
        ),
    )
    rows.append(
        Row(
            fc_sum.label,
            a.model,
            (),
            (
                figure(
                    "params (M)",
                    fc_sum["params (M)"],
                    sum(n.params for n in fcs),
                    M,
                    why="the sum of the slide's truncated "
                    + " + ".join(slide.row(fc)["params (M)"] for fc in ("fc6", "fc7", "fc8")),
                ),
            ),
        )
    )
    rows.append(
        Row(
            total.label,
            a.model,
            (),
            (
                figure("params (M)", total["params (M)"], a.totals.params, M, why="the paper's 'about 60 million'"),
                figure(
                    "neurons (M)",
                    total["neurons (M)"],
                    total_neurons,
                    M,
                    why="the paper's 650,000 neurons; with conv1's wrong 253,440 the sum is 0.62 M",
                ),
            ),
        )
    )
    return tuple(rows)
