"""Branch and residual blocks found from the traced graph: counts, channel splits, shortcut kinds."""

from __future__ import annotations

from collections import Counter

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import vizcore
import vizcore.engine.blocks


def kinds(result: vizcore.Analysis) -> Counter[tuple[str, str | None]]:
    return Counter((b.kind, b.shortcut) for b in result.blocks)


def test_googlenet_nine_inception_modules() -> None:
    result = vizcore.analyze("googlenet", device="cpu")
    assert [b.name for b in result.blocks] == [
        f"inception{m}" for m in ("3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b")
    ]
    block = result.block("inception3a")
    assert block.kind == "branch" and [br.out_channels for br in block.branches] == [64, 128, 32, 32]
    assert block.input_shape == (1, 192, 28, 28) and block.output_shape == (1, 256, 28, 28)
    assert block.branches[1].layers[0] == "inception3a.branch2.0.conv"  # the 1x1 reduction comes first
    assert block.params == sum(result.layer(n).params for n in block.layers)


def test_inception_v3_nested_splits() -> None:
    result = vizcore.analyze("inception_v3", device="cpu")
    outer: dict[str, vizcore.engine.blocks.Block] = {}
    for b in result.blocks:  # the module's own split is its largest block; smaller ones are nested in it
        if b.name not in outer or len(b.layers) > len(outer[b.name].layers):
            outer[b.name] = b
    assert list(outer) == [
        "Mixed_5b",
        "Mixed_5c",
        "Mixed_5d",
        "Mixed_6a",
        "Mixed_6b",
        "Mixed_6c",
        "Mixed_6d",
        "Mixed_6e",
        "Mixed_7a",
        "Mixed_7b",
        "Mixed_7c",
    ]
    nested = [b for b in result.blocks if b not in outer.values()]
    assert [(b.name, [br.out_channels for br in b.branches]) for b in nested] == [("Mixed_7b", [384, 384])] * 2 + [
        ("Mixed_7c", [384, 384])
    ] * 2
    assert [br.out_channels for br in result.block("Mixed_7c.cat_2").branches] == [320, 768, 768, 192]
    assert [br.out_channels for br in result.block("Mixed_6a").branches] == [
        384,
        96,
        288,
    ]  # B: a pool branch with no layer of its own
    assert result.block("Mixed_6a").branches[2].layers == ("Mixed_6a.max_pool2d",)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("resnet18", {("residual", "identity"): 5, ("residual", "projection"): 3}),
        ("resnet50", {("residual", "identity"): 12, ("residual", "projection"): 4}),
        ("resnext50_32x4d", {("residual", "identity"): 12, ("residual", "projection"): 4}),
        ("wide_resnet50_2", {("residual", "identity"): 12, ("residual", "projection"): 4}),
        ("mobilenet_v2", {("residual", "identity"): 10}),
        ("mobilenet_v3_large", {("residual", "identity"): 10}),
        ("efficientnet_b0", {("residual", "identity"): 9}),
        ("convnext_tiny", {("residual", "identity"): 18}),
        ("regnet_y_400mf", {("residual", "identity"): 12, ("residual", "projection"): 4}),
        ("squeezenet1_1", {("branch", None): 8}),
        ("shufflenet_v2_x1_0", {("branch", None): 16}),
        ("alexnet", {}),
        ("plain34", {}),
    ],
)
def test_block_counts(model: str, expected: dict[tuple[str, str | None], int]) -> None:
    assert kinds(vizcore.analyze(model, device="cpu")) == expected


def test_resnet50_blocks() -> None:
    result = vizcore.analyze("resnet50", device="cpu")
    first = result.block("layer1.0")
    assert first.shortcut == "projection" and first.skip.layers == ("layer1.0.downsample.0", "layer1.0.downsample.1")
    assert first.after == "layer1.0.relu" and first.main.layers[0] == "layer1.0.conv1"
    assert result.block("layer2.0").input_shape == (1, 256, 56, 56) and result.block("layer2.0").output_shape == (
        1,
        512,
        28,
        28,
    )
    assert [b.name for b in result.blocks if b.shortcut == "projection"] == [
        "layer1.0",
        "layer2.0",
        "layer3.0",
        "layer4.0",
    ]


def test_mobilenet_v2_inverted_residuals_are_identity() -> None:
    blocks = vizcore.analyze("mobilenet_v2", device="cpu").blocks
    assert all(b.shortcut == "identity" and b.input_shape == b.output_shape for b in blocks)
    assert blocks[0].name == "features.3" and blocks[0].after is None  # linear bottleneck: no activation after the add


def test_densenet_concatenates_every_earlier_layer() -> None:
    result = vizcore.analyze("densenet121", device="cpu")
    block = [b for b in result.blocks if b.name == "features.denseblock1"][-1]
    assert [br.out_channels for br in block.branches] == [64] + [32] * 6  # the block input, then each layer's growth
    # the branches share layers (each dense layer reads every earlier one); the block counts each once
    assert block.params == sum(result.node(i).params for i in {i for br in block.branches for i in br.ids})
    assert block.params < sum(br.params for br in block.branches)


def test_plain34_costs_only_the_projections() -> None:
    res, plain = vizcore.analyze("resnet34", device="cpu"), vizcore.analyze("plain34", device="cpu")
    projections = [b for b in res.blocks if b.shortcut == "projection"]
    assert len(projections) == 3
    assert res.totals.params - plain.totals.params == sum(b.skip.params for b in projections) == 173_824
    assert res.totals.macs - plain.totals.macs == sum(b.skip.macs for b in projections)


class PreActBlock(nn.Module):
    """A pre-activation residual block (He et al. 2016) and a two-way branch, written by hand."""

    def __init__(self) -> None:
        super().__init__()
        self.bn = nn.BatchNorm2d(8)
        self.conv = nn.Conv2d(8, 8, 3, padding=1)
        self.left = nn.Conv2d(8, 4, 1)
        self.right = nn.Sequential(nn.Conv2d(8, 2, 1), nn.ReLU(), nn.Conv2d(2, 6, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.conv(F.relu(self.bn(x)))
        return torch.cat([self.left(x), self.right(x)], dim=1)


class Custom(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.body = PreActBlock()
        self.bias = nn.Parameter(torch.zeros(1, 10, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(self.stem(x)) + self.bias  # adding a parameter is not a fork-join


def test_custom_module_blocks() -> None:
    result = vizcore.analyze(Custom(), (1, 3, 16, 16), device="cpu")
    assert [(b.name, b.kind, b.shortcut) for b in result.blocks] == [
        ("body", "residual", "identity"),
        ("body", "branch", None),
    ]
    residual, branch = result.blocks
    assert residual.fork == "stem" and residual.main.layers == ("body.bn", "body.relu", "body.conv")
    assert [br.out_channels for br in branch.branches] == [4, 6] and branch.fork == "body.add"
    assert branch.branches[1].params == (8 * 2 + 2) + (2 * 6 * 9 + 6)


def test_blocks_cli(cli) -> None:
    done = cli("blocks", "googlenet")
    assert done.returncode == 0 and done.stdout.startswith("googlenet: 9 branch and 0 residual blocks")
    assert "  1. 64 ch" in done.stdout and done.stderr == ""
    import json

    blocks = json.loads(cli("blocks", "resnet50", "--format", "json").stdout)
    assert (
        len(blocks) == 16 and blocks[0]["shortcut"] == "projection" and blocks[0]["branches"][1]["out_channels"] == 256
    )
    none = cli("blocks", "alexnet")
    assert none.returncode == 0 and "has no branch or residual blocks" in none.stdout
