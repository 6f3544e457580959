"""Each cost rule of vizcore/engine/costs.py on one layer, against a formula written here from the layer's
sizes (fvcore's tests do the same): MACs, FLOPs and parameters, never a total copied from a run."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import vizcore
from vizcore.engine.node import Node

N = 2  # a batch of two: every rule must scale with it


class Functional(nn.Module):
    """``function`` as a model's forward. It holds a child module, since the tracer follows the functional
    ops of a module with children (a childless module is one leaf layer)."""

    def __init__(self, function: Callable[[torch.Tensor], torch.Tensor], child: nn.Module | None = None) -> None:
        super().__init__()
        self.child = child or nn.Identity()
        self.function = function

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.function(x)


def only(module: nn.Module, shape: tuple[int, ...], op: str) -> Node:
    """The one traced call of ``op`` when ``module`` runs on a batch of ``shape``."""
    found = [n for n in vizcore.analyze(nn.Sequential(module), (N, *shape), device="cpu").layers if n.op == op]
    assert len(found) == 1, [n.op for n in found]
    return found[0]


def out_size(size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def test_a_grouped_dilated_strided_asymmetric_convolution() -> None:
    cin, cout, groups, (kh, kw), (ph, pw) = 8, 12, 4, (3, 5), (1, 2)
    conv = nn.Conv2d(cin, cout, (kh, kw), stride=2, padding=(ph, pw), dilation=2, groups=groups)
    node = only(conv, (cin, 17, 19), "conv")
    h, w = out_size(17, kh, 2, ph, 2), out_size(19, kw, 2, pw, 2)
    assert node.output_shape == (N, cout, h, w) == (N, 12, 8, 8)
    assert node.macs == N * cout * h * w * (cin // groups) * kh * kw
    assert node.flops == 2 * node.macs  # bias additions are not counted as work
    assert node.params == cout * (cin // groups) * kh * kw + cout


def test_a_convolution_without_bias_has_only_its_weights() -> None:
    node = only(nn.Conv2d(3, 16, 3, bias=False), (3, 10, 10), "conv")
    assert node.params == 16 * 3 * 3 * 3 and node.macs == N * 16 * 8 * 8 * 3 * 3 * 3


def test_a_depthwise_convolution_takes_one_channel_per_filter() -> None:
    node = only(nn.Conv2d(32, 32, 3, padding=1, groups=32), (32, 14, 14), "conv")
    assert node.macs == N * 32 * 14 * 14 * 3 * 3  # one input channel per output channel
    assert node.params == 32 * 3 * 3 + 32


def test_a_pointwise_and_a_3d_convolution() -> None:
    assert only(nn.Conv2d(64, 128, 1), (64, 7, 7), "conv").macs == N * 128 * 7 * 7 * 64
    assert only(nn.Conv3d(2, 4, (3, 3, 3)), (2, 5, 6, 7), "conv").macs == N * 4 * 3 * 4 * 5 * 2 * 27


def test_a_transposed_convolution_spreads_each_input_value() -> None:
    up = nn.ConvTranspose2d(16, 8, 2, stride=2, groups=2)
    node = only(up, (16, 9, 9), "conv_transpose")
    assert node.output_shape == (N, 8, 18, 18)
    assert node.macs == N * 16 * 9 * 9 * (8 // 2) * 2 * 2  # each input value times out/groups x kernel
    assert node.params == 16 * (8 // 2) * 2 * 2 + 8


def test_a_linear_layer_on_a_sequence() -> None:
    node = only(nn.Linear(20, 30), (5, 20), "linear")
    assert node.macs == N * 5 * 30 * 20 and node.flops == 2 * node.macs and node.params == 20 * 30 + 30


def test_a_matrix_product_counts_its_inner_dimension() -> None:
    node = only(Functional(lambda x: x @ x.transpose(-1, -2)), (2, 7, 3), "matmul")
    assert node.output_shape == (N, 2, 7, 7) and node.macs == N * 2 * 7 * 7 * 3


def test_multi_head_attention_projects_attends_and_projects_back() -> None:
    length, embed = 6, 16
    attend = nn.MultiheadAttention(embed, 4)
    model = Functional(lambda x: attend(x, x, x)[0], attend)
    (node,) = vizcore.analyze(model, (length, embed), device="cpu").layers  # unbatched: (L, E)
    assert node.op == "multi_head_attention_forward" and node.output_shape == (length, embed)
    projections = 3 * length * embed * embed + length * embed * embed  # q, k, v in; out
    attention = 2 * length * length * embed  # q @ k^T and weights @ v, all heads together
    assert node.macs == projections + attention
    assert node.flops == 2 * node.macs + 3 * length * length  # softmax: 3 per score
    assert node.params == 4 * embed * embed + 4 * embed


@pytest.mark.parametrize(
    ("pool", "window"),
    [(nn.MaxPool2d(3, stride=2), 9), (nn.AvgPool2d(2), 4), (nn.MaxPool2d((1, 3), stride=(1, 2)), 3)],
)
def test_pooling_costs_its_window_per_output(pool: nn.Module, window: int) -> None:
    node = only(pool, (4, 13, 13), "max_pool" if isinstance(pool, nn.MaxPool2d) else "avg_pool")
    assert node.macs == 0 and node.params == 0
    assert node.flops == math.prod(node.output_shape) * window


def test_global_pooling_reads_each_input_once() -> None:
    node = only(nn.AdaptiveAvgPool2d(1), (64, 7, 7), "adaptive_avg_pool")
    assert node.output_shape == (N, 64, 1, 1) and node.flops == N * 64 * 7 * 7 and node.macs == 0


@pytest.mark.parametrize(
    ("norm", "op", "per_value", "params"),
    [
        (nn.BatchNorm2d(8), "batch_norm", 2, 2 * 8),  # one scale and one shift at inference
        (nn.GroupNorm(2, 8), "group_norm", 5, 2 * 8),
        (nn.InstanceNorm2d(8, affine=True), "instance_norm", 5, 2 * 8),
        (nn.LayerNorm([8, 5, 5]), "layer_norm", 5, 2 * 8 * 5 * 5),
        (nn.LocalResponseNorm(5), "local_response_norm", 5 + 3, 0),
    ],
)
def test_norms_cost_a_fixed_work_per_value(norm: nn.Module, op: str, per_value: int, params: int) -> None:
    node = only(norm, (8, 5, 5), op)
    assert node.macs == 0 and node.params == params
    assert node.flops == per_value * N * 8 * 5 * 5


def test_activations_and_additions_cost_one_per_value() -> None:
    residual = Functional(lambda x: F.relu(x) + x)
    layers = vizcore.analyze(residual, (N, 3, 4, 4), device="cpu").layers
    assert {n.op: n.flops for n in layers} == {"relu": N * 48, "add": N * 48}
    assert all(n.macs == 0 for n in layers)


def test_reshapes_and_dropout_are_free_and_counted_as_such() -> None:
    layers = vizcore.analyze(nn.Sequential(nn.Dropout(0.5), nn.Flatten()), (N, 3, 4, 4), device="cpu").layers
    assert [(n.op, n.macs, n.flops, n.counted) for n in layers] == [("dropout", 0, 0, True), ("flatten", 0, 0, True)]


def test_an_op_with_no_rule_is_reported_not_silently_zero() -> None:
    result = vizcore.analyze(Functional(lambda x: torch.sort(x, dim=-1).values), (N, 10), device="cpu")
    assert [n.counted for n in result.layers if n.op == "sort"] == [False]
    assert result.uncounted_ops == {"sort": 1}
    assert any("No cost rule for: sort" in note for note in result.notes)
