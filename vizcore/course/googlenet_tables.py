"""Tables about GoogLeNet (decks 001 and 004): its stem and head against VGG-16's, and the paper's Table 1."""

from __future__ import annotations

from dataclasses import dataclass

from ..engine.analysis import Analysis
from .alexnet_tables import VGG_MISSING
from .checker import K, M, SlideTable, figure, slide_table
from .rows import IN224, MB, Getter, Row, layer_flop, per_layer_row

# googlenet_paper's layer behind each row of the stem's table, in the slide's order
_STEM_LAYERS = ("conv1.conv", "maxpool1", "conv2.conv", "conv3.conv", "maxpool2")


def googlenet_stem(get: Getter, slide: SlideTable) -> tuple[Row, ...]:
    g = get("googlenet_paper", IN224)
    return tuple(
        per_layer_row(g, name, printed, param_unit="K") for name, printed in zip(_STEM_LAYERS, slide.rows, strict=True)
    )


def googlenet_stem_totals(get: Getter, slide: SlideTable) -> tuple[Row, ...]:
    g, vgg = get("googlenet_paper", IN224), get("vgg16", IN224)
    p_stem, p_vgg, p_ratio = slide.rows
    nodes = [g.layer(name) for name in _STEM_LAYERS]
    mem, params, flop = (
        sum(n.output_bytes for n in nodes),
        sum(n.params for n in nodes),
        sum(layer_flop(n) for n in nodes),
    )
    stem = Row(
        p_stem.label,
        g.model,
        (),
        (
            figure("memory (MB)", p_stem["memory (MB)"], mem, MB),
            figure("params", p_stem["params"], params),
            figure(
                "MFLOP",
                p_stem["MFLOP"],
                flop,
                M,
                why="slide mistake: its own rows add up to 118 + 2 + 13 + 347 + 1 = 481 (418 has the digits swapped)",
            ),
        ),
    )
    # VGG-16 from 224 down to 28: stages 1 to 3, up to pool3
    stop = next(i for i, n in enumerate(vgg.layers) if n.output_shape[-1] == 28)
    early = [n for n in vgg.layers[:stop] if n.type == "Conv2d"]
    gone = vgg.layer(VGG_MISSING)
    v_mem, v_params, v_macs = (
        sum(n.output_bytes for n in early),
        sum(n.params for n in early),
        sum(n.macs for n in early),
    )
    drop = "slide mistake: the deck's VGG-16 table leaves out one of the two 256->256 3x3 convs at 56x56"
    kept = (v_mem - gone.output_bytes) / MB
    vgg_row = Row(
        p_vgg.label,
        vgg.model,
        (("layers", f"{len(early)} convs, {early[0].name} to {early[-1].name}"),),
        (
            figure(
                "memory (MB)",
                p_vgg["memory (MB)"],
                v_mem,
                MB,
                why=f"{drop}; conv outputs without it: {v_mem - gone.output_bytes:,} / {MB:,} = {kept:.3f}",
            ),
            figure("params", p_vgg["params"], v_params, why=f"{drop}; without it {v_params - gone.params:,}"),
            figure("MFLOP", p_vgg["MFLOP"], v_macs, M, why=f"{drop}; without it {v_macs - gone.macs:,}"),
        ),
    )

    def quoted(q: str) -> str:
        return f"from the slide's {p_vgg[q]} / {p_stem[q]}"

    ratio = Row(
        p_ratio.label,
        "",
        (),
        (
            figure("memory (MB)", p_ratio["memory (MB)"], v_mem / mem, why=quoted("memory (MB)")),
            figure("params", p_ratio["params"], v_params / params, why=quoted("params")),
            figure("MFLOP", p_ratio["MFLOP"], v_macs / flop, why=quoted("MFLOP") + " (both wrong)"),
        ),
    )
    return stem, vgg_row, ratio


def googlenet_head(get: Getter, slide: SlideTable) -> tuple[Row, ...]:
    g = get("googlenet_paper", IN224)
    pool, fc = slide.rows
    return (
        per_layer_row(g, "avgpool", pool, param_unit="K"),
        per_layer_row(
            g,
            "fc",
            fc,
            param_unit="K",
            why={
                "memory": "slide mistake: 1000 outputs x 4 bytes are 3.9 KB, printed as 4 for VGG-16's fc8 on the same slide"
            },
        ),
    )


# --- deck 004: GoogLeNet's Table 1 (Szegedy et al. 2015) -----------------------------------------------

INCEPTIONS = (
    "inception3a",
    "inception3b",
    "inception4a",
    "inception4b",
    "inception4c",
    "inception4d",
    "inception4e",
    "inception5a",
    "inception5b",
)


def _table1_label(module: str) -> str:
    return f"inception ({module.removeprefix('inception')})"


def table1_costs() -> dict[str, tuple[int, int]]:
    """Table 1 as printed: params and ops (multiply-adds) per inception module."""
    slide = slide_table("googlenet-table1")
    return {
        m: (int(slide.row(_table1_label(m))["params (K)"]) * K, int(slide.row(_table1_label(m))["ops (M)"]) * M)
        for m in INCEPTIONS
    }


@dataclass(frozen=True)
class TableRow:
    """One inception module: Table 1 as printed, ``googlenet_paper`` counted, torchvision's variant."""

    module: str
    paper_params: int
    paper_macs: int
    ours_params: int
    ours_macs: int
    torchvision_params: int
    torchvision_macs: int

    @property
    def flagged(self) -> bool:
        """Where the paper's printed number and the count from its own layer sizes differ by over 5%."""
        return (
            abs(self.ours_params - self.paper_params) > 0.05 * self.paper_params
            or abs(self.ours_macs - self.paper_macs) > 0.05 * self.paper_macs
        )


def googlenet_table(paper: Analysis, torchvision: Analysis) -> list[TableRow]:
    """All nine inception modules: Table 1 as printed, ``googlenet_paper`` counted, torchvision's variant."""
    rows = []
    for module, (params, macs) in table1_costs().items():
        ours, tv = paper.block(module), torchvision.block(module)
        rows.append(TableRow(module, params, macs, ours.params, ours.macs, tv.params, tv.macs))
    return rows


def _weights_only(a: Analysis, names: tuple[str, ...]) -> int:
    """Parameters without biases (each conv/fc's bias is one per output channel)."""
    return sum(a.layer(n).params - a.layer(n).output_shape[1] for n in names)


def googlenet_table1(get: Getter, slide: SlideTable) -> tuple[Row, ...]:
    g = get("googlenet_paper", IN224)
    rows = []
    conv1, conv2, conv3 = g.layer("conv1.conv"), g.layer("conv2.conv"), g.layer("conv3.conv")
    p_conv1, p_conv2 = slide.rows[:2]
    rows.append(
        Row(
            p_conv1.label,
            g.model,
            tuple(p_conv1.info.items()),
            (
                figure(
                    "params (K)",
                    p_conv1["params (K)"],
                    conv1.params,
                    K,
                    why=f"slide (paper) mistake: 7 x 7 x 3 x 64 = {7 * 7 * 3 * 64:,} weights (+64 biases); 2.7K fits no count of this layer",
                ),
                figure(
                    "ops (M)",
                    p_conv1["ops (M)"],
                    conv1.macs,
                    M,
                    why="slide (paper) mistake: 112 x 112 x 64 x (7 x 7 x 3) = 118,013,952; 34M fits no count of this layer",
                ),
            ),
        )
    )
    weights = _weights_only(g, ("conv2.conv", "conv3.conv"))
    rows.append(
        Row(
            p_conv2.label,
            g.model,
            tuple(p_conv2.info.items()),
            (
                figure(
                    "params (K)",
                    p_conv2["params (K)"],
                    conv2.params + conv3.params,
                    K,
                    why=f"weights alone are {weights:,}; neither rounds to 112K",
                ),
                figure("ops (M)", p_conv2["ops (M)"], conv2.macs + conv3.macs, M),
            ),
        )
    )
    for module in INCEPTIONS:
        printed = slide.row(_table1_label(module))
        block = g.block(module)
        convs = tuple(n for n in block.layers if g.layer(n).type == "Conv2d")
        w = _weights_only(g, convs)
        under = 100 * (block.params - int(printed["params (K)"]) * K) / block.params
        rows.append(
            Row(
                printed.label,
                g.model,
                (("output", "x".join(map(str, block.output_shape[2:] + block.output_shape[1:2]))),),
                (
                    figure("output C", printed["output C"], block.output_shape[1]),
                    figure(
                        "params (K)",
                        printed["params (K)"],
                        block.params,
                        K,
                        why=f"weights alone: {w:,}; the printed figure is {under:.1f}% under the count from the "
                        "table's own columns (every module is under; no bias or other convention explains it)",
                    ),
                    figure("ops (M)", printed["ops (M)"], block.macs, M),
                ),
            )
        )
    fc, p_fc = g.layer("fc"), slide.rows[-1]
    rows.append(
        Row(
            p_fc.label,
            g.model,
            (("output", "1x1x1000"),),
            (
                figure(
                    "params (K)",
                    p_fc["params (K)"],
                    fc.params,
                    K,
                    why="weights alone: 1,024,000; the paper rounds to a round 1000K",
                ),
                figure("ops (M)", p_fc["ops (M)"], fc.macs, M),
            ),
        )
    )
    return tuple(rows)
