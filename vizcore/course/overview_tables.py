"""Tables that survey several architectures (decks 000, 003, 004): recaps, quoted parameter counts, fc sizes."""

from __future__ import annotations

from ..zoo import get_card
from .checker import Figure, K, M, SlideTable, figure
from .rows import IN224, Getter, Row, conv_and_linear_counts

# each recap row's model, and the precision its params are written to ("60 Thousand" is one significant figure)
_RECAP = {
    "LeNet": ("lenet5", 10),
    "AlexNet": ("alexnet2012", 10),
    "ZFNet": ("zfnet", 1),
    "GoogleNet": ("googlenet_paper", 1),
    "VGGNet": ("vgg16", 1),
    "ResNet": ("resnet152_v1", 1),
}
_WORDS = {"Thousand": K, "Million": M}


def recap(get: Getter, slide: SlideTable) -> tuple[Row, ...]:
    rows = []
    for printed in slide.rows:
        label = printed.label
        model, step = _RECAP[label]
        a = get(model, (1, *get_card(model).input_size))
        info = (*printed.info.items(), ("model", model))
        why = ""
        if label == "GoogleNet":
            fc = a.layer("fc").params
            why = (
                f"slide mistake: the paper's layers (no auxiliary heads) have {a.totals.params:,}, "
                f"{a.totals.params - fc:,} without the final fc; no count gives 4 million"
            )
        if label in ("LeNet", "AlexNet"):
            why = "read at one significant figure, as the round number is written"
        params = printed.get("params")
        figs: tuple[Figure, ...] = ()
        if params:
            number, unit = params.split()  # "60 Thousand"
            figs = (figure("params", number, a.totals.params, _WORDS[unit], step=step, why=why),)
        rows.append(Row(label, model, info, figs))
    return tuple(rows)


# the deck's own AlexNet (Dive into Deep Learning), registered in the zoo
D2L_ALEXNET = "alexnet_d2l"
D2L_LABEL = "d2l AlexNet (1x224x224)"


def fc_sizes(get: Getter, slide: SlideTable) -> tuple[Row, ...]:
    v16, v11 = get("vgg16", IN224), get("vgg11", IN224)
    alex = get(D2L_ALEXNET, (1, *get_card(D2L_ALEXNET).input_size))
    d2l6, d2l7 = [n for n in alex.layers if n.type == "Linear"][:2]
    fc6 = v16.layer("classifier.0")
    big = v11.layer("classifier.0")
    g = get("googlenet_paper", IN224)
    five_b = g.block("inception5b")
    flatten, p_fc6, p_fc7, p_vgg, p_mb, p_5b = slide.rows
    return (
        Row(flatten.label, D2L_LABEL, (), (figure("features", flatten["features"], d2l6.input_shapes[0][1]),)),
        Row(p_fc6.label, D2L_LABEL, (), (figure("params (M)", p_fc6["params (M)"], d2l6.params, M),)),
        Row(p_fc7.label, D2L_LABEL, (), (figure("params (M)", p_fc7["params (M)"], d2l7.params, M),)),
        Row(
            p_vgg.label,
            v16.model,
            (),
            (figure("weights (M)", p_vgg["weights (M)"], fc6.params - fc6.output_shape[1], M),),
        ),
        Row(
            p_mb.label,
            v11.model,
            (),
            (
                figure(
                    "MB (10^6 bytes)",
                    p_mb["MB (10^6 bytes)"],
                    big.params * 4,
                    M,
                    why=f"the slide multiplies its rounded {p_vgg['weights (M)']}M by 4 bytes",
                ),
            ),
        ),
        Row(
            p_5b.label,
            g.model,
            (),
            (figure("features", p_5b["features"], sum(b.out_channels for b in five_b.branches)),),
        ),
    )


def popular_cnns(get: Getter, slide: SlideTable) -> tuple[Row, ...]:
    models = {"AlexNet": "alexnet", "VGG-16": "vgg16", "VGG-19": "vgg19"}
    rows = []
    for printed in slide.rows:
        model = models[printed.label]
        a = get(model, IN224)
        n_conv, n_linear = conv_and_linear_counts(a)
        figs = [
            figure("conv layers", printed["conv layers"], n_conv),
            figure("linear layers", printed["linear layers"], n_linear),
        ]
        params = printed.get("params")
        if params is not None:
            figs.append(
                figure(
                    "params",
                    params,
                    a.totals.params,
                    step=10 * M,
                    why="a round figure ('approximately'), read to its first nonzero digits",
                )
            )
        rows.append(Row(printed.label, model, (), tuple(figs)))
    return tuple(rows)


_ONE_FIGURE = "read to one significant figure, as written"
# each quoted count's model, the precision it is written to, and why
_NOTES = {
    "AlexNet": ("alexnet2012", 10, _ONE_FIGURE),
    "ZFNet: 'Number of params same as AlexNet: 60MM'": ("zfnet", 10, _ONE_FIGURE),
    "VGGNet: 'with 140 MM params'": ("vgg16", 10, "read to two significant figures, as written"),
    "VGGNet: 'Number of params: 138MM'": ("vgg16", 1, ""),
    "GoogLeNet: '60 MM → 4 MM params'": ("googlenet_paper", 1, "slide mistake: the paper's layers have 7.0 M"),
}


def architecture_notes(get: Getter, slide: SlideTable) -> tuple[Row, ...]:
    rows = []
    for printed in slide.rows:
        model, step, why = _NOTES[printed.label]
        a = get(model, (1, *get_card(model).input_size))
        figs = (figure("params (M)", printed["params (M)"], a.totals.params, M, step=step, why=why),)
        rows.append(Row(printed.label, model, (), figs))
    return tuple(rows)
