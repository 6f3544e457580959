"""Receptive fields through squeeze-and-excitation gates: a gate pooled over the whole map and multiplied
back onto it adds its span to each pixel's window (the union of the two), and never compounds. The worked
arithmetic and the analysis read the same rule, so they agree on every layer of the SE networks."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import vizcore
from vizcore.engine.analysis import Analysis
from vizcore.engine.arithmetic import work_node, working_text


class TwoGates(nn.Module):
    """On a 16-pixel input (pixel centres 0 .. 15; padding positions counted, as for any field):

    a: 3x3/1 pad 1       each pixel i sees i−1 .. i+1: r 3, j 1
    gate1 = mean(a)      the span of all a's pixels: −1 .. 16, r 18
    y = a · gate1        i−1 .. i+1 ∪ −1 .. 16 = −1 .. 16: r 18, j 1 (not 16: the gate is no window)
    z: 5x5/2 pad 2       window 2i−3 .. 2i+3 (r 7, j 2); pixel 0: −3 .. 3 ∪ −1 .. 16 = −3 .. 16: r 20
    w: 3x3/1 pad 1       window 2i−5 .. 2i+5 (r 11); pixel 0: −5 .. 16: r 22
    gate2 = mean(w)      pixels 0 .. 7 together: −5 .. 19 (pixel 7's window 9 .. 19): r 25
    v = w · gate2        every pixel: −5 .. 19, r 25; the classifier after it sees the same 25

    Before the fix the product took the gate's jump (16), so z alone saw 18 + 4·16 = 82 pixels.
    """

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Conv2d(1, 2, 3, padding=1)
        self.z = nn.Conv2d(2, 2, 5, stride=2, padding=2)
        self.w = nn.Conv2d(2, 2, 3, padding=1)
        self.fc = nn.Linear(2 * 8 * 8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.a(x)
        y = a * torch.sigmoid(F.adaptive_avg_pool2d(a, 1))
        w = self.w(self.z(y))
        v = torch.sigmoid(F.adaptive_avg_pool2d(w, 1)) * w  # the gate first, as torchvision's SE writes it
        out: torch.Tensor = self.fc(torch.flatten(v, 1))
        return out


def test_a_squeeze_excitation_gate_adds_its_span_and_never_compounds() -> None:
    a = vizcore.analyze(TwoGates(), (1, 1, 16, 16), device="cpu")
    got = {n.name: (n.receptive_field[0] if n.receptive_field else None, n.effective_stride) for n in a.layers}
    assert got["a"] == (3, (1, 1))
    assert [got[n] for n in ("mul", "z", "w")] == [(18, (1, 1)), (20, (2, 2)), (22, (2, 2))]
    assert got["mul_1"] == (25, (2, 2)) and got["fc"][0] == 25
    for node in a.layers:  # the working is the analysis' rule, step by step
        w = work_node(a, node)
        assert (w.receptive_field, w.effective_stride) == (node.receptive_field, node.effective_stride), node.name
    z = working_text(work_node(a, a.layer("z")))
    assert "18 + 1·(5 − 1)·1 = 22" not in z and "3 + 1·(5 − 1)·1 = 7, ∪ the gate's pixels -1 … 16" in z
    assert "∪ the gate's pixels -1 … 16 (widest over the map) = 20" in z


def _padding_reach(a: Analysis) -> int:
    """How far past the input any field can reach on one side: every window's padding, in input pixels
    (``p · j_in``, the jump of the map it slides over), summed over every window of the network. These
    networks are chains of windows (their shortcuts have none), so the bound is near tight: EfficientNet-B0
    reaches 1,043 of 224 + 2·425 = 1,074; the compounding gates gave ~10^20."""
    reach = 0.0
    for n in a.layers:
        if n.kernel and n.padding and n.effective_stride:
            stride = n.stride or n.kernel
            reach += max(p * j / s for p, j, s in zip(n.padding, n.effective_stride, stride, strict=True))
    return math.ceil(reach)


def _gated(n: Analysis, node_id: int) -> bool:
    node = n.node(node_id)
    return node.op == "mul" and any(s[-2:] == (1, 1) != node.output_shape[-2:] for s in node.input_shapes)


@pytest.mark.parametrize("model", ["efficientnet_b0", "mobilenet_v3_large", "regnet_y_400mf"])
def test_se_networks_working_equals_analysis_and_fields_stay_in_the_padded_input(model: str) -> None:
    a = vizcore.analyze(model, device="cpu")
    size = a.input_shape[-1]
    bound = size + 2 * _padding_reach(a)
    gated = False
    for node in a.layers:
        w = work_node(a, node)
        assert (w.receptive_field, w.effective_stride) == (node.receptive_field, node.effective_stride), node.name
        if node.receptive_field:
            assert max(node.receptive_field) <= bound, (node.name, node.receptive_field, bound)
        gated = gated or _gated(a, node.id)
        if gated and node.receptive_field:  # past a gate every pixel sees the whole image
            assert min(node.receptive_field) >= size, node.name
    assert gated
