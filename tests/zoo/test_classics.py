"""The paper-faithful classics: parameters and MACs derived in the test from each paper's layer table."""

from __future__ import annotations

import pytest
from torch import nn

import vizcore
from vizcore.zoo.classics import GOOGLENET_TABLE1


def conv_params(in_c: int, out_c: int, k: int, groups: int = 1) -> int:
    return out_c * (in_c // groups * k * k + 1)


def test_lenet5() -> None:
    result = vizcore.analyze("lenet5", device="cpu")
    assert result.input_shape == (1, 1, 32, 32)
    assert result.totals.params == 61_706
    shapes = {n.name: n.output_shape for n in result.layers}
    assert shapes["c1"] == (1, 6, 28, 28) and shapes["s2"] == (1, 6, 14, 14)
    assert shapes["c3"] == (1, 16, 10, 10) and shapes["s4"] == (1, 16, 5, 5)
    assert shapes["c5"] == (1, 120, 1, 1) and shapes["output"] == (1, 10)
    expected_macs = 6 * 28 * 28 * 25 + 16 * 10 * 10 * 6 * 25 + 120 * 16 * 25 + 84 * 120 + 10 * 84
    assert result.totals.macs == expected_macs


def test_alexnet2012_is_the_papers_network() -> None:
    result = vizcore.analyze("alexnet2012", device="cpu")
    assert result.input_shape == (1, 3, 227, 227)
    conv1 = result.layer("features.conv1")
    assert conv1.output_shape == (1, 96, 55, 55) and conv1.macs == 96 * 55 * 55 * 3 * 11 * 11
    expected = (
        conv_params(3, 96, 11)
        + conv_params(96, 256, 5, groups=2)
        + conv_params(256, 384, 3)
        + conv_params(384, 384, 3, groups=2)
        + conv_params(384, 256, 3, groups=2)
        + 4096 * (9216 + 1)
        + 4096 * 4097
        + 1000 * 4097
    )
    assert result.totals.params == expected == 60_965_224
    assert sum(n.type == "LocalResponseNorm" for n in result.layers) == 2


def test_zfnet_resolutions_follow_figure_3() -> None:
    result = vizcore.analyze("zfnet", device="cpu")
    spatial = [n.output_shape[-1] for n in result.layers if n.type in ("Conv2d", "MaxPool2d")]
    assert spatial == [110, 55, 26, 13, 13, 13, 13, 6]
    assert result.layer("features.conv1").params == conv_params(3, 96, 7)


def test_nin_has_mlpconv_blocks_and_global_pooling() -> None:
    result = vizcore.analyze("nin", device="cpu")
    convs = [n for n in result.layers if n.type == "Conv2d"]
    assert (
        len(convs) == 12
        and sum(n.params == conv_params(n.input_shapes[0][1], n.output_shape[1], 1) for n in convs) == 8
    )
    assert not any(n.type == "Linear" for n in result.layers)
    assert result.output_shapes == ((1, 1000),)


def test_googlenet_paper_follows_table_1() -> None:
    model = vizcore.get_model("googlenet_paper")
    names = dict(model.named_children())
    assert {"conv1", "inception3a", "inception4e", "inception5b", "fc"} <= set(names)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    assert model.inception3a.branch3[1].conv.kernel_size == (5, 5)  # torchvision's variant has 3x3 here

    result = vizcore.analyze("googlenet_paper", device="cpu")
    in_channels = 192
    for block, (c1, r3, c3, r5, c5, pool) in GOOGLENET_TABLE1.items():
        expected = (
            conv_params(in_channels, c1, 1)
            + conv_params(in_channels, r3, 1)
            + conv_params(r3, c3, 3)
            + conv_params(in_channels, r5, 1)
            + conv_params(r5, c5, 5)
            + conv_params(in_channels, pool, 1)
        )
        got = sum(n.params for n in result.layers if n.name.startswith(block + "."))
        assert got == expected, block
        cat = result.layer(f"{block}.cat")
        assert cat.output_shape[1] == c1 + c3 + c5 + pool
        in_channels = cat.output_shape[1]
    assert result.output_shapes == ((1, 1000),)
    assert result.layer("inception5b.cat").output_shape == (1, 1024, 7, 7)


@pytest.mark.parametrize(
    ("name", "v15", "paper_gflops"),
    [("resnet50_v1", "resnet50", 3.8), ("resnet101_v1", "resnet101", 7.6), ("resnet152_v1", "resnet152", 11.3)],
)
def test_resnet_v1_puts_the_stride_in_the_first_1x1(name: str, v15: str, paper_gflops: float) -> None:
    v1, tv = vizcore.analyze(name, device="cpu"), vizcore.analyze(v15, device="cpu")
    assert v1.totals.params == tv.totals.params  # same weights, the stride only moves
    assert abs(v1.totals.macs / 1e9 - paper_gflops) < 0.06  # He et al., Table 1
    assert v1.totals.macs < tv.totals.macs
    assert v1.layer("layer2.0.conv1").output_shape == (1, 128, 28, 28)
    assert tv.layer("layer2.0.conv1").output_shape == (1, 128, 56, 56)


def test_registry_refuses_and_suggests() -> None:
    with pytest.raises(vizcore.UnknownModelError, match="did you mean resnet50"):
        vizcore.get_model("resnet5O")
    assert vizcore.list_models("GoogLeNet") == ["googlenet", "googlenet_paper"]
    assert vizcore.get_model("lenet5", num_classes=3)(__import__("torch").zeros(1, 1, 32, 32)).shape == (1, 3)
