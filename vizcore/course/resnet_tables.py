"""Tables about ResNet (decks 000, 001, 004): the stem, the paper's Table 1, stage by stage, and CIFAR-10."""

from __future__ import annotations

from .checker import G, M, SlideTable, figure
from .rows import IN224, Getter, Row, conv_and_linear_counts, per_layer_row


def resnet_stem(get: Getter, slide: SlideTable) -> tuple[Row, ...]:
    r = get("resnet18", IN224)
    conv, pool = slide.rows
    return per_layer_row(r, "conv1", conv), per_layer_row(r, "maxpool", pool)


# each row's network: the paper's v1 and torchvision's v1.5 (the same for basic blocks)
RESNETS = {
    "ResNet-18": ("resnet18", "resnet18"),
    "ResNet-34": ("resnet34", "resnet34"),
    "ResNet-50": ("resnet50_v1", "resnet50"),
    "ResNet-101": ("resnet101_v1", "resnet101"),
    "ResNet-152": ("resnet152_v1", "resnet152"),
}
V15 = (
    "torchvision's v1.5 moves the stride from the first 1x1 to the 3x3 conv of each downsampling bottleneck: more MACs"
)
_STAGES = ("conv1", "conv2_x", "conv3_x", "conv4_x", "conv5_x")


def resnet_table1(get: Getter, slide: SlideTable) -> tuple[Row, ...]:
    rows = []
    for printed in slide.rows:
        v1, v15 = RESNETS[printed.label]
        a, b = get(v1, IN224), get(v15, IN224)
        sizes = [a.layer("conv1").output_shape[-1]] + [a.block(f"layer{i}.0").output_shape[-1] for i in range(1, 5)]
        figs = [
            figure(f"{stage} output", printed[f"{stage} output"], size)
            for stage, size in zip(_STAGES, sizes, strict=True)
        ]
        figs.append(figure("FLOPs (10^9), paper v1", printed["FLOPs (10^9), paper v1"], a.totals.macs, G))
        figs.append(
            figure(
                "FLOPs (10^9), torchvision v1.5",
                printed["FLOPs (10^9), torchvision v1.5"],
                b.totals.macs,
                G,
                why=V15 if v1 != v15 else "basic blocks: v1 and v1.5 are the same network",
            )
        )
        rows.append(Row(printed.label, v1, (), tuple(figs)))
    return tuple(rows)


def resnet_stages(get: Getter, slide: SlideTable) -> tuple[Row, ...]:
    rows = []
    for printed in slide.rows:
        v1 = RESNETS[printed.label][0]
        a = get(v1, IN224)
        convs = [n for n in a.layers if n.type == "Conv2d"]
        blocks = [b for b in a.blocks if b.kind == "residual"]
        stem = [n for n in convs if not n.name.startswith("layer")]
        figs = [figure("stem layers", printed["stem layers"], len(stem))]
        for i in range(1, 5):
            mine = [b for b in blocks if b.name.startswith(f"layer{i}.")]
            main = sum(sum(a.layer(x).type == "Conv2d" for x in b.main.layers) for b in mine)
            figs.append(figure(f"stage {i} blocks", printed[f"stage {i} blocks"], len(mine)))
            figs.append(figure(f"stage {i} layers", printed[f"stage {i} layers"], main))
        figs.append(figure("FC layers", printed["FC layers"], sum(n.type == "Linear" for n in a.layers)))
        figs.append(figure("GFLOP", printed["GFLOP"], a.totals.macs, G))
        rows.append(Row(printed.label, v1, tuple(printed.info.items()), tuple(figs)))
    return tuple(rows)


CIFAR_SHAPE = (1, 3, 32, 32)


def cifar_resnets(get: Getter, slide: SlideTable) -> tuple[Row, ...]:
    rows = []
    for printed in slide.rows:
        depth = int(printed.label.removeprefix("ResNet-"))
        a = get(f"resnet{depth}_cifar", CIFAR_SHAPE)
        convs, fcs = conv_and_linear_counts(a)
        rows.append(
            Row(
                printed.label,
                f"CIFAR ResNet, n = {(depth - 2) // 6}",
                (),
                (
                    figure("# layers", printed["# layers"], convs + fcs),
                    figure(
                        "# params (M)",
                        printed["# params (M)"],
                        a.totals.params,
                        M,
                        why="batch-norm scales and shifts included",
                    ),
                ),
            )
        )
    return tuple(rows)
