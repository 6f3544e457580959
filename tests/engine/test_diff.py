"""vizcore.diff on pairs whose differences are known from the papers and the zoo's own definitions; every
delta is checked against the two models' own totals."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import torch
from torch import nn

import vizcore
from tests.support.onnx_files import export
from vizcore.engine.alignment import align
from vizcore.engine.diff import Diff

COSTS = ("params", "macs", "activation_bytes")


@cache
def analysed(name: str) -> vizcore.Analysis:
    return vizcore.analyze(name, device="cpu")


def diff(a: str, b: str) -> Diff:
    return vizcore.engine.diff.match(analysed(a), analysed(b))


def conv_params(c_in: int, c_out: int, k: int, groups: int = 1) -> int:
    return c_in // groups * c_out * k * k + c_out


def assert_deltas_add_up(d: Diff) -> None:
    """Every layer is in exactly one item, so the items' deltas add up to the totals' difference."""
    for cost in COSTS:
        assert sum(i.delta(cost) for i in d.leaves()) == getattr(d.after.totals, cost) - getattr(d.before.totals, cost)
    for side, a in (("before", d.before), ("after", d.after)):
        ids = [n for i in d.leaves() for n in (getattr(i, side).ids if getattr(i, side) else ())]
        assert sorted(ids) == [n.id for n in a.layers]


def test_vgg16_to_vgg19_adds_three_3x3_convolutions() -> None:
    d = diff("vgg16", "vgg19")
    assert [i.label for i in d.added] == ["3x3 conv, 256", "3x3 conv, 512", "3x3 conv, 512"]
    # each convolution with its ReLU (which of a stage's equal convolutions is the new one is a tie)
    assert [[analysed("vgg19").node(k).op for k in i.after.ids] for i in d.added if i.after] == [["conv", "relu"]] * 3
    assert d.removed == [] and d.changed == []
    assert [i.delta("params") for i in d.added] == [
        conv_params(256, 256, 3),
        conv_params(512, 512, 3),
        conv_params(512, 512, 3),
    ]
    assert sum(i.delta("params") for i in d.added) == 143_667_240 - 138_357_544  # torchvision's counts
    # each added 3x3 conv widens the field by 2 x the jump where it sits: 4, 8 and 16 pixels
    last = d.field_changes()[-1]
    assert last.before and last.after
    assert last.after.receptive_field[0] - last.before.receptive_field[0] == 2 * 4 + 2 * 8 + 2 * 16
    assert_deltas_add_up(d)


def test_resnet18_to_resnet34_adds_eight_basic_blocks_said_per_stage() -> None:
    d = diff("resnet18", "resnet34")
    assert [(i.level, i.blocks, i.label) for i in d.added] == [
        ("block", 1, "3x3-3x3 block, 64"),
        ("block", 2, "2 x [3x3-3x3], 128"),
        ("block", 4, "4 x [3x3-3x3], 256"),
        ("block", 1, "3x3-3x3 block, 512"),
    ]
    assert sum(i.blocks for i in d.added) == 8
    assert sum(i.after.convs for i in d.added if i.after) == 16
    assert d.removed == [] and d.changed == []
    widths = (64, 128, 256, 512)
    basic = [2 * conv_params(c, c, 3) - 2 * c + 4 * c for c in widths]  # two 3x3 convs without bias, two bns
    assert [i.delta("params") for i in d.added] == [k * p for k, p in zip((1, 2, 4, 1), basic, strict=True)]
    assert_deltas_add_up(d)


@pytest.mark.parametrize("name", ["resnet50", "googlenet", "alexnet"])
def test_a_network_against_itself_changes_nothing(name: str) -> None:
    d = diff(name, name)
    assert d.identical and d.shared
    assert d.added == d.removed == d.changed == []
    assert d.notes == (
        f"{name} and {name} are the same network: every one of their {len(analysed(name).layers)} layers matches.",
    )
    assert all(i.delta(c) == 0 for i in d.items for c in COSTS)


def test_alexnet_2012_to_zfnet_changes_four_convolutions() -> None:
    d = diff("alexnet2012", "zfnet")
    convs = [i for i in d.changed if i.before and i.before.convs]
    assert [(i.before.label, i.after.label) for i in convs if i.before and i.after] == [
        ("11x11 conv, 96, /4", "7x7 conv, 96, /2"),
        ("5x5 conv, 256, 2 groups", "5x5 conv, 256, /2"),
        ("3x3 conv, 384, 2 groups", "3x3 conv, 384"),
        ("3x3 conv, 256, 2 groups", "3x3 conv, 256"),
    ]
    assert [i.what for i in convs] == [
        ("kernel 11x11 -> 7x7", "stride 4 -> 2", "padding 0 -> 1"),
        ("stride 1 -> 2", "padding 2 -> 0", "groups 2 -> 1"),
        ("groups 2 -> 1",),
        ("groups 2 -> 1",),
    ]
    # ungrouping doubles what each filter sees: conv4 and conv5 gain exactly their grouped weights again
    assert [i.delta("params") for i in convs[2:]] == [384 * 192 * 9, 256 * 192 * 9]
    assert convs[0].delta("params") == conv_params(3, 96, 7) - conv_params(3, 96, 11)
    assert "3x3 conv, 384" in [i.label for i in d.matched if i.status == "same"]  # conv3 is untouched
    assert len(d.notes) == 1 and "different inputs (3x227x227 and 3x224x224)" in d.notes[0]
    assert_deltas_add_up(d)


def test_plain34_is_resnet34_without_its_shortcuts() -> None:
    d = diff("resnet34", "plain34")
    assert d.added == [] and d.changed == []
    labels = [i.label for i in d.removed]
    assert labels.count("add") == 16  # one per basic block
    projections = [i for i in d.removed if i.label != "add"]
    assert [i.label for i in projections] == ["1x1 conv, 128, /2", "1x1 conv, 256, /2", "1x1 conv, 512, /2"]
    # the projection convolutions (no bias) with their batch norms: all the parameters plain-34 lacks
    expected = [-(c // 2 * c + 2 * c) for c in (128, 256, 512)]
    assert [i.delta("params") for i in projections] == expected
    assert analysed("plain34").totals.params == analysed("resnet34").totals.params + sum(expected)
    assert all(i.status == "same" for i in d.matched)  # every convolution of the 34 layers is there
    assert sum(i.after.convs for i in d.matched if i.after) == 33
    assert d.field_changes() == []  # shortcuts do not change what a pixel sees
    assert_deltas_add_up(d)


def test_googlenet_to_inception_v3() -> None:
    d = diff("googlenet", "inception_v3")
    first = d.changed[0]
    assert (first.label, first.what[:2]) == ("3x3 conv, 64", ("kernel 7x7 -> 3x3", "stride 2 -> 1"))
    # the three 3x3 convolutions of v3's stem, two of them new in front
    assert [i.label for i in d.added[:2]] == ["3x3 conv, 32, /2", "3x3 conv, 32"]
    # GoogLeNet's nine inception modules each meet one of v3's eleven as a changed block, in order; the
    # grid-size reduction between v3's A and C modules (InceptionB) has no counterpart
    blocks = [i for i in d.items if i.level == "block" and i.status == "changed"]
    kinds = [i.after.label.split(":")[0] for i in blocks if i.after]
    assert kinds == ["InceptionA"] * 3 + ["InceptionC"] * 4 + ["InceptionE"] * 2
    assert [i.label.split(":")[0] for i in d.added if i.level == "block"] == ["InceptionB"]
    assert all(i.before and i.before.label.startswith("Inception:") for i in blocks)
    assert d.changed[-1].label == "fc 1000" and d.changed[-1].delta("params") == 1000 * (2048 - 1024)
    assert_deltas_add_up(d)


def test_two_graphs_that_share_nothing() -> None:
    convs = vizcore.analyze("input 3x32x32\nconv 3x3 8\nconv 3x3 8", device="cpu")
    mlp = vizcore.analyze("input 3x32x32\nflatten\nfc 10", device="cpu")
    d = vizcore.engine.diff.match(convs, mlp)
    assert not d.shared and d.matched == []
    assert [i.label for i in d.removed] == ["3x3 conv, 8", "3x3 conv, 8"]
    assert [i.label for i in d.added] == ["flatten", "fc 10"]
    assert d.notes == (
        "spec and spec share no layer: everything of the first is removed and everything of the second added.",
    )
    assert_deltas_add_up(d)


def test_resnet101_to_resnet152_two_stages_grow() -> None:
    d = diff("resnet101", "resnet152")
    assert [(i.blocks, i.label) for i in d.added] == [(4, "4 x [1x1-3x3-1x1], 512"), (13, "13 x [1x1-3x3-1x1], 1024")]
    assert sum(i.after.convs for i in d.added if i.after) == 3 * 17
    assert_deltas_add_up(d)


def test_a_wider_layer_list_says_channels() -> None:
    narrow = vizcore.analyze(
        "input 3x32x32\nconv 3x3 16\nrelu\nmaxpool 2x2/2\nconv 3x3 32\nrelu\ngap\nflatten\nfc 10", device="cpu"
    )
    wide = vizcore.analyze(
        "input 3x32x32\nconv 3x3 16\nrelu\nmaxpool 2x2/2\nconv 3x3 64\nrelu\ngap\nflatten\nfc 10", device="cpu"
    )
    d = vizcore.engine.diff.match(narrow, wide)
    assert [(i.label, i.what) for i in d.changed] == [
        ("3x3 conv, 64", ("channels 32 -> 64",)),
        ("fc 10", ("input channels 32 -> 64",)),
    ]
    assert d.changed[0].delta("params") == conv_params(16, 64, 3) - conv_params(16, 32, 3)
    assert_deltas_add_up(d)


class Small(nn.Module):
    def __init__(self, kernel: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 8, kernel, padding=kernel // 2)
        self.head = nn.Linear(8, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.conv2(torch.relu(self.conv1(x))))
        out: torch.Tensor = self.head(x.mean((2, 3)))
        return out


def test_two_onnx_files_before_and_after_a_change(tmp_path: Path) -> None:
    torch.manual_seed(0)
    before = export(Small(3), tmp_path / "before.onnx", dynamo=False, opset_version=17)
    after = export(Small(5), tmp_path / "after.onnx", dynamo=False, opset_version=17)
    d = vizcore.diff(before, after, device="cpu")
    assert [(i.label, i.what) for i in d.changed] == [("5x5 conv, 8", ("kernel 3x3 -> 5x5", "padding 1 -> 2"))]
    assert d.changed[0].delta("params") == 8 * 8 * (25 - 9)
    assert d.added == d.removed == []
    assert_deltas_add_up(d)


def test_bad_input_names_the_side() -> None:
    with pytest.raises(vizcore.VizcoreError, match=r"^The second model, 'resnet-9000', could not be analysed: "):
        vizcore.diff("resnet18", "resnet-9000", device="cpu")
    with pytest.raises(vizcore.VizcoreError, match=r"^The first model, a int, could not be analysed: "):
        vizcore.diff(3, "resnet18", device="cpu")  # type: ignore[arg-type]


def test_align_pairs_the_most_and_keeps_order() -> None:
    pairs = align("ABCBDAB", "BDCABA", lambda x, y: 1 if x == y else 0)
    common = "".join(x for x, y in pairs if x is not None and y is not None)
    assert len(common) == 4 and all(x == y for x, y in pairs if x is not None and y is not None)
    assert "".join(x for x, _ in pairs if x) == "ABCBDAB" and "".join(y for _, y in pairs if y) == "BDCABA"


def test_cifar_resnet56_to_resnet110_gains_nine_blocks_a_stage() -> None:
    # He et al. 4.2: 6n + 2 layers, n = 9 and n = 18; the zoo's CIFAR nets are flat Sequentials
    d = diff("resnet56_cifar", "resnet110_cifar")
    assert [(i.blocks, i.label) for i in d.added] == [
        (9, "9 x [3x3-3x3], 16"),
        (9, "9 x [3x3-3x3], 32"),
        (9, "9 x [3x3-3x3], 64"),
    ]
    assert d.removed == [] and d.changed == []
    assert [i.delta("params") for i in d.added] == [9 * (2 * 9 * c * c + 4 * c) for c in (16, 32, 64)]
    assert_deltas_add_up(d)
