"""The worked arithmetic lands on the engine's own numbers, layer by layer, and its working reads like
the decks' (AlexNet conv1: 64×3×11×11 + 64 = 23,296 params; 200,704 × 4 bytes = 784 KB)."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

import vizcore
from vizcore.engine import arithmetic
from vizcore.engine.arithmetic import NoOutputError, NoSuchLayerError, window_output, work, work_node


@pytest.mark.parametrize(
    "model", ["alexnet", "alexnet2012", "vgg16", "googlenet_paper", "resnet50", "mobilenet_v2", "googlenet"]
)
def test_every_layer_works_out_to_the_analysis(model: str) -> None:
    a = vizcore.analyze(model, device="cpu")
    for node in a.layers:
        w = work_node(a, node)
        assert w.kind, f"{node.name} ({node.op}) has no worked rule"
        assert w.output_shape == node.output_shape, node.name
        assert w.memory_bytes == node.output_bytes, node.name
        assert (w.params, w.macs, w.flops) == (node.params, node.macs, node.flops), node.name
        assert (w.receptive_field, w.effective_stride) == (node.receptive_field, node.effective_stride), node.name


@pytest.mark.parametrize("model", ["convnext_tiny", "vit_b_16", "swin_t", "shufflenet_v2_x1_0"])
def test_the_working_never_disagrees_with_the_analysis_beyond_the_classics(model: str) -> None:
    # channels-first layer norms, learned tensors applied by functions (layer scale, position embedding),
    # channels-last concatenations, boolean masks, splits: worked or, without a rule, the traced figures
    a = vizcore.analyze(model)
    for node in a.layers:
        w = work_node(a, node)
        assert (w.output_shape, w.memory_bytes) == (node.output_shape, node.output_bytes), node.name
        assert (w.params, w.macs, w.flops) == (node.params, node.macs, node.flops), node.name
    norm = work_node(a, a.layers[1]) if model == "convnext_tiny" else None
    if norm is not None:  # features.0.1, LayerNorm2d over 96 channels
        assert [s.working for s in norm.steps if s.quantity == "params"] == ["2×96 = 192"]


def test_alexnet_conv1_reads_like_the_deck() -> None:
    # deck 001 works conv1 of a 227 input with 64 filters, 11x11, stride 4, pad 2
    a = vizcore.analyze("alexnet", (1, 3, 227, 227), device="cpu")
    steps = {s.quantity: s for s in work(a, "features.0").steps}
    assert steps["output size H'"].working == "floor((227 − 11 + 2·2) / 4) + 1 = 56"
    assert steps["output values"].working == "1×64×56×56 = 200,704"
    assert steps["memory"].working == "200,704 × 4 = 802,816 bytes = 784.0 KB"
    assert steps["params"].working == "11×11×3×64 + 64 = 23,296 (Cin = 3)"
    assert steps["MACs"].working == "200,704 × (3×11×11) = 72,855,552"
    pool = {s.quantity: s for s in work(a, "features.2").steps}
    assert pool["output size H'"].working == "floor((56 − 3 + 2·0) / 2) + 1 = 27"
    assert pool["receptive field"].working == "11 + 1·(3 − 1)·4 = 19"


def _one(layer: nn.Module, shape: tuple[int, ...]) -> arithmetic.Working:
    a = vizcore.analyze(nn.Sequential(layer), shape, device="cpu")
    w = work(a, "0")
    node = a.layer("0")
    assert (w.output_shape, w.params, w.macs, w.flops) == (node.output_shape, node.params, node.macs, node.flops)
    return w


@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")
def test_grouped_depthwise_dilated_asymmetric_and_same_convolutions() -> None:
    grouped = _one(nn.Conv2d(8, 16, 3, groups=4, padding=1), (1, 8, 10, 10))
    assert grouped.params == 3 * 3 * 2 * 16 + 16 and grouped.notes == ("4 groups",)
    depthwise = _one(nn.Conv2d(8, 8, 3, groups=8, bias=False), (1, 8, 10, 10))
    assert depthwise.params == 72 and depthwise.output_shape == (1, 8, 8, 8)
    assert "depthwise: one filter per channel" in depthwise.notes
    dilated = _one(nn.Conv2d(1, 1, 3, dilation=2), (1, 1, 9, 9))
    assert dilated.output_shape == (1, 1, 5, 5)
    assert dilated.steps[0].working == "floor((9 + 2·0 − 2·(3 − 1) − 1) / 1) + 1 = 5"
    assert dilated.receptive_field == (5, 5)
    wide = _one(nn.Conv2d(2, 3, (1, 7), padding=(0, 3), stride=(2, 1)), (1, 2, 9, 9))
    assert wide.output_shape == (1, 3, 5, 9) and wide.receptive_field == (1, 7)
    same = _one(nn.Conv2d(2, 2, 4, padding="same"), (1, 2, 6, 6))
    assert same.output_shape == (1, 2, 6, 6)
    assert same.notes == ("padding 'same': D(K − 1) zeros in all, split 1 before and 2 after",)


def test_pooling_in_ceil_mode_overlapping_and_adaptive() -> None:
    ceil = _one(nn.MaxPool2d(3, 2, ceil_mode=True), (1, 1, 6, 6))
    assert ceil.output_shape == (1, 1, 3, 3)  # floor would give 2
    assert ceil.steps[0].formula == "H' = ceil((H − K + 2P) / S) + 1"
    dropped = _one(nn.MaxPool2d(2, 2, padding=1, ceil_mode=True), (1, 1, 5, 5))
    assert dropped.output_shape == (1, 1, 3, 3)  # ceil((5 + 2 - 2) / 2) + 1 = 4, but the 4th starts in the padding
    assert "dropped" in dropped.steps[0].working
    overlapping = _one(nn.AvgPool2d(3, 2, padding=1), (1, 4, 7, 7))
    assert overlapping.output_shape == (1, 4, 4, 4) and overlapping.flops == 4 * 16 * 9
    adaptive = _one(nn.AdaptiveAvgPool2d((2, 3)), (1, 4, 7, 7))
    assert adaptive.flops == 4 * 49 and adaptive.receptive_field == (4, 3)


def test_linear_norms_and_a_second_call() -> None:
    linear = _one(nn.Linear(10, 3), (1, 10))
    assert linear.params == 33 and linear.macs == 30
    norm = _one(nn.BatchNorm2d(4), (1, 4, 3, 3))
    assert norm.params == 8 and norm.flops == 2 * 36
    lrn = _one(nn.LocalResponseNorm(5), (1, 4, 3, 3))
    assert lrn.flops == 36 * 8
    shared = nn.Linear(4, 4)
    a = vizcore.analyze(nn.Sequential(shared, nn.ReLU(), shared), (1, 4), device="cpu")
    second = work(a, "0", call=2)
    assert second.params == 0 and second.macs == 16
    assert second.notes[0] == "run 2: its parameters were counted at its first run"


class _LayerScale(nn.Module):
    """ConvNeXt's layer scale: a C×1×1 parameter times an N×C×H×W map (shapes of different ranks)."""

    def __init__(self) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(4, 1, 1))
        self.conv = nn.Conv2d(4, 4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.gamma * self.conv(x)


def test_a_product_of_shapes_of_different_ranks_broadcasts() -> None:
    a = vizcore.analyze(_LayerScale(), (1, 4, 3, 3), device="cpu")
    node = a.layer("mul")
    assert node.input_shapes == ((4, 1, 1), (1, 4, 3, 3))
    w = work_node(a, node)
    assert w.output_shape == node.output_shape == (1, 4, 3, 3)
    assert (w.flops, w.memory_bytes) == (node.flops, node.output_bytes) == (36, 144)
    assert [s.working for s in w.steps if s.quantity == "FLOPs"] == ["36 × 1 = 36"]


def test_window_output_and_no_position() -> None:
    assert window_output(7, 3, 2, 0) == 3
    assert window_output(9, 3, 2, 1, dilation=2) == 4
    assert window_output(2, 5, 1, 1) == 0  # the kernel is larger than the padded input
    assert window_output(6, 3, 2, 0, ceil=True) == 3


def test_unknown_layer_is_one_sentence() -> None:
    a = vizcore.analyze("alexnet", device="cpu")
    with pytest.raises(NoSuchLayerError) as err:
        work(a, "conv9")
    assert str(err.value) == "alexnet has no layer named 'conv9'; `summary` lists the layer names."
    with pytest.raises(NoSuchLayerError, match=r"did you mean features\.0, features\.1"):
        work(a, "features")
    assert NoOutputError.__mro__[1] is vizcore.errors.VizcoreError


def test_formats() -> None:
    a = vizcore.analyze("alexnet", device="cpu")
    w = work(a, "features.0")
    text = arithmetic.working_text(w)
    assert text.startswith("features.0 (11x11 conv, 64, /4): 1×3×224×224 → 1×64×55×55\n")
    assert "= 11×11×3×64 + 64 = 23,296 (Cin = 3)" in text
    assert (
        "| params | K×K×Cin/groups×Cout + Cout | 11×11×3×64 + 64 = 23,296 (Cin = 3) |" in arithmetic.working_markdown(w)
    )
    latex = arithmetic.working_latex(w)
    assert latex.startswith(r"\begin{aligned}") and r"11\times 11\times 3\times 64 + 64 = 23{,}296" in latex
    data = json.loads(arithmetic.working_json(w))
    assert data["params"] == 23296 and data["receptive_field"] == [11, 11]
