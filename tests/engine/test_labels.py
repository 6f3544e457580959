"""Layer labels in the papers' vocabulary, checked against the papers' own figures and tables."""

from __future__ import annotations

import csv
import io

import pytest
from torch import nn

import vizcore
from tests.support.papers import ALEXNET_227_BOXES
from vizcore import formats

# The 34-layer residual network of He et al. 2016, Figure 3 (right), box by box from the top. The
# figure writes the max pool as "pool, /2"; our vocabulary names its kernel, "3x3 max pool, /2".
RESNET34_FIGURE3 = [
    "7x7 conv, 64, /2",
    "3x3 max pool, /2",
    *["3x3 conv, 64"] * 6,
    "3x3 conv, 128, /2",
    *["3x3 conv, 128"] * 7,
    "3x3 conv, 256, /2",
    *["3x3 conv, 256"] * 11,
    "3x3 conv, 512, /2",
    *["3x3 conv, 512"] * 5,
    "avg pool",
    "fc 1000",
]

BOXES = ("conv", "max_pool", "avg_pool", "adaptive_avg_pool", "linear")


def boxes(result: vizcore.Analysis) -> list[str]:
    """Labels of the layers a paper draws as boxes (weighted layers and pools), shortcuts left out."""
    return [n.label for n in result.layers if n.op in BOXES and "downsample" not in n.name]


def test_resnet34_is_figure_3() -> None:
    result = vizcore.analyze("resnet34", device="cpu")
    assert boxes(result) == RESNET34_FIGURE3
    # the projection shortcuts the figure draws as dotted arrows
    assert [n.label for n in result.layers if "downsample.0" in n.name] == [
        "1x1 conv, 128, /2",
        "1x1 conv, 256, /2",
        "1x1 conv, 512, /2",
    ]
    assert boxes(vizcore.analyze("plain34", device="cpu")) == RESNET34_FIGURE3


def test_alexnet_at_227() -> None:
    result = vizcore.analyze("alexnet", input_shape=(1, 3, 227, 227), device="cpu")
    assert result.layer("features.0").label == "11x11 conv, 64, /4"
    convs_and_pools, fcs = ALEXNET_227_BOXES[:8], ALEXNET_227_BOXES[8:]
    assert [n.label for n in result.layers if n.op in BOXES] == [*convs_and_pools, "avg pool to 6x6", *fcs]
    assert {n.label for n in result.layers if n.op not in BOXES} == {"relu", "dropout", "flatten"}


def test_vgg16_is_configuration_d() -> None:
    # Simonyan & Zisserman, Table 1, column D: conv3-64 x2, maxpool, conv3-128 x2, ... FC-4096 x2, FC-1000
    pool = "2x2 max pool, /2"
    expected = [
        *["3x3 conv, 64"] * 2,
        pool,
        *["3x3 conv, 128"] * 2,
        pool,
        *["3x3 conv, 256"] * 3,
        pool,
        *["3x3 conv, 512"] * 3,
        pool,
        *["3x3 conv, 512"] * 3,
        pool,
        "avg pool to 7x7",
        "fc 4096",
        "fc 4096",
        "fc 1000",
    ]
    assert boxes(vizcore.analyze("vgg16", device="cpu")) == expected


def test_googlenet_inception_3a() -> None:
    # Szegedy et al., Table 1, inception (3a): #1x1 64, #3x3 reduce 96, #3x3 128, #5x5 reduce 16,
    # #5x5 32, pool proj 32; torchvision's GoogLeNet uses a 3x3 where the paper has the 5x5.
    for model, big in (("googlenet_paper", "5x5"), ("googlenet", "3x3")):
        result = vizcore.analyze(model, device="cpu")
        labels = [n.label for n in result.layers if n.name.startswith("inception3a.") and n.op != "relu"]
        expected = ["1x1 conv, 64", "1x1 conv, 96", "3x3 conv, 128", "1x1 conv, 16", f"{big} conv, 32"]
        expected += ["3x3 max pool", "1x1 conv, 32", "concat"]
        assert [label for label in labels if label != "bn"] == expected, model
        assert result.layers[0].label == "7x7 conv, 64, /2"


def test_mobilenet_v2_depthwise() -> None:
    result = vizcore.analyze("mobilenet_v2", device="cpu")
    block = [n.label for n in result.layers if n.name.startswith("features.2.")]
    assert block == ["1x1 conv, 96", "bn", "relu6", "3x3 dw conv, 96, /2", "bn", "relu6", "1x1 conv, 24", "bn"]
    assert result.layer("features.0.0").label == "3x3 conv, 32, /2"
    assert [n.label for n in result.layers if n.op == "add"] == ["add"] * 10


class Variants(nn.Module):
    """One of each convolution the vocabulary names, and the ops without a kernel."""

    def __init__(self) -> None:
        super().__init__()
        self.grouped = nn.Conv2d(8, 16, 3, padding=1, groups=4)
        self.dilated = nn.Conv2d(16, 16, 3, padding=2, dilation=2)
        self.tall = nn.Conv2d(16, 8, (7, 1), stride=(2, 1), padding=(3, 0))
        self.up = nn.ConvTranspose2d(8, 4, 2, stride=2)
        self.gn = nn.GroupNorm(2, 4)
        self.pool = nn.AdaptiveMaxPool2d(1)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):  # type: ignore[no-untyped-def]
        x = self.up(self.tall(self.dilated(self.grouped(x))))
        return self.fc(self.pool(self.gn(x)).flatten(1))


def test_variants() -> None:
    result = vizcore.analyze(Variants(), input_shape=(1, 8, 12, 12), device="cpu")
    assert [n.label for n in result.layers] == [
        "3x3 conv, 16, 4 groups",
        "3x3 conv, 16, dil 2",
        "7x1 conv, 8, /2x1",
        "2x2 up-conv, 4, x2",
        "gn",
        "max pool",
        "flatten",
        "fc 3",
    ]
    volume = vizcore.analyze(nn.Conv3d(2, 5, 3, stride=2), input_shape=(1, 2, 9, 9, 9), device="cpu")
    assert volume.layers[0].label == "3x3x3 conv, 5, /2"


@pytest.fixture(scope="module")
def resnet18() -> vizcore.Analysis:
    return vizcore.analyze("resnet18", device="cpu")


def test_label_everywhere(resnet18: vizcore.Analysis) -> None:
    data = resnet18.to_dict()
    assert data["layers"][0]["label"] == "7x7 conv, 64, /2"
    nodes = data["graph"]["nodes"]
    assert [nodes[0]["label"], nodes[1]["label"], nodes[-1]["label"]] == ["input", "7x7 conv, 64, /2", "output"]
    rows = list(csv.DictReader(io.StringIO(formats.summary_csv(resnet18))))
    assert rows[3] == {**rows[3], "name": "maxpool", "label": "3x3 max pool, /2"}
    assert "| layer2.0.conv1 | 3x3 conv, 128, /2 | Conv2d |" in formats.summary_markdown(resnet18)
    assert r"fc & fc 1000 & Linear" in formats.summary_latex(resnet18)
    table = formats.summary_table(resnet18).splitlines()
    assert table[3].split()[:2] == ["Layer", "Label"]
    assert any(line.startswith("fc") and "fc 1000" in line for line in table)
    # a block merged at a depth is labelled by what it is, as ResNet's Table 1 writes a stage
    stage = next(r for r in resnet18.rows(1) if r.name == "layer1")
    assert stage.label == "2 x [3x3-3x3], 64" and stage.layers == 14


def test_an_inception_label_survives_latex() -> None:
    googlenet = vizcore.analyze("googlenet")
    row = next(r for r in googlenet.rows(1) if r.name == "inception3a")
    assert " | " in row.label
    assert row.label.replace("|", r"\textbar{}") in formats.summary_latex(googlenet, 1)  # a bare | prints as a dash
