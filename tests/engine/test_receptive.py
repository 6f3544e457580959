"""Receptive fields and effective strides against values derived by hand (r += d(k-1) j, j *= s),
and against the published ones: AlexNet's pool5 sees 195 pixels at stride 32, VGG-16's conv5_3 196."""

from __future__ import annotations

import json

import torch
import torch.nn.functional as F
from torch import nn

import vizcore
from tests.support.toys import FunctionalNet
from vizcore import formats


def fields(model: nn.Module, shape: tuple[int, ...]) -> dict[str, tuple[tuple[int, ...], tuple[float, ...]]]:
    a = vizcore.analyze(model, shape, device="cpu")
    return {n.name: (n.receptive_field, n.effective_stride) for n in a.layers}


def test_chain_with_dilation_and_pooling() -> None:
    net = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),  # r = 1 + 2 = 3, j = 1
        nn.Conv2d(4, 4, 3, padding=2, dilation=2),  # k_eff = 2 * 2 + 1 = 5: r = 3 + 4 = 7
        nn.MaxPool2d(2),  # r = 7 + 1 = 8, j = 2
        nn.Conv2d(4, 4, 3),  # r = 8 + 2 * 2 = 12
        nn.MaxPool2d(3, stride=2, dilation=2),  # k_eff = 5: r = 12 + 4 * 2 = 20, j = 4
    )
    got = fields(net, (1, 1, 32, 32))
    assert [got[str(i)][0] for i in range(5)] == [(3, 3), (7, 7), (8, 8), (12, 12), (20, 20)]
    assert [got[str(i)][1] for i in range(5)] == [(1, 1), (1, 1), (2, 2), (2, 2), (4, 4)]


def test_non_square_kernels_and_strides_per_dimension() -> None:
    net = nn.Sequential(
        nn.Conv2d(1, 2, (1, 7), padding=(0, 3)),  # (1, 7)
        nn.Conv2d(2, 2, (7, 1), padding=(3, 0)),  # (7, 7)
        nn.Conv2d(2, 2, (3, 1), stride=(2, 1)),  # (9, 7), jump (2, 1)
        nn.Conv2d(2, 2, 3),  # (9 + 2*2, 7 + 2*1) = (13, 9)
    )
    a = vizcore.analyze(net, (1, 1, 20, 20), device="cpu")
    assert [n.receptive_field for n in a.layers] == [(1, 7), (7, 7), (9, 7), (13, 9)]
    assert [n.effective_stride for n in a.layers] == [(1, 1), (1, 1), (2, 1), (2, 1)]
    layers = a.to_dict()["layers"]
    assert layers[0]["receptive_field"] == [1, 7] and layers[1]["receptive_field"] == 7
    assert layers[3]["effective_stride"] == [2, 1]
    assert "13x9" in formats.summary_table(a) and "2x1" in formats.summary_table(a)


class Residual(nn.Module):
    """Main path 3x3 -> 3x3/2, shortcut 1x1/2: the addition takes the larger field, 1 + 2 + 2 = 5."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Conv2d(2, 2, 3, padding=1)
        self.b = nn.Conv2d(2, 2, 3, stride=2, padding=1)
        self.short = nn.Conv2d(2, 2, 1, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b(self.a(x)) + self.short(x)


class Branches(nn.Module):
    """1x1 | 5x5 | 3x3 max pool, concatenated: the concatenation sees 5."""

    def __init__(self) -> None:
        super().__init__()
        self.one = nn.Conv2d(2, 2, 1)
        self.five = nn.Conv2d(2, 2, 5, padding=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.one(x), self.five(x), F.max_pool2d(x, 3, 1, 1)], 1)


def test_joins_take_the_largest_field_of_their_inputs() -> None:
    got = fields(Residual(), (1, 2, 16, 16))
    assert got["short"] == ((1, 1), (2, 2))
    assert got["b"] == ((5, 5), (2, 2))
    assert got["add"] == ((5, 5), (2, 2))
    got = fields(Branches(), (1, 2, 16, 16))
    assert got["max_pool2d"] == ((3, 3), (1, 1))  # functional pool: kernel from its arguments
    assert got["cat"] == ((5, 5), (1, 1))


def test_global_pooling_and_flatten_see_the_whole_map() -> None:
    # conv 3x3/1 on 8x8 -> 6x6 map, r 3; global pool over 6 pixels: 3 + 5 = 8, jump 6
    net = nn.Sequential(
        nn.Conv2d(1, 2, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2, 3), nn.Flatten(), nn.Linear(3, 1)
    )
    got = fields(net, (1, 1, 8, 8))
    assert got["1"] == ((8, 8), (6, 6))
    assert got["3"] == got["5"] == ((8, 8), (6, 6))
    # flatten of a 6x6 map sees all of it too: functional max pool 2 (stride defaults to 2) first
    got = fields(FunctionalNet(), (1, 3, 8, 8))
    assert got["max_pool2d"] == ((4, 4), (2, 2))  # conv 3 then pool 2: 3 + 1
    assert got["adaptive_avg_pool2d"] == ((10, 10), (8, 8))  # 4 + 3 * 2 over the 4x4 map
    assert got["fc"][0] == (10, 10)


def test_adaptive_pool_uses_its_widest_window() -> None:
    # 13 -> 6: windows [0,3) [2,5) [4,7) [6,9) [8,11) [10,13): 3 wide, 13/6 apart
    a = vizcore.analyze(nn.Sequential(nn.AdaptiveMaxPool2d(6)), (1, 1, 13, 13), device="cpu")
    assert a.layers[0].receptive_field == (3, 3)
    assert a.layers[0].effective_stride == (2.167, 2.167)


def test_alexnet_and_vgg16_published_fields() -> None:
    alexnet = vizcore.analyze("alexnet", (1, 3, 227, 227), device="cpu")
    pool5 = alexnet.layer("features.12")
    assert pool5.receptive_field == (195, 195) and pool5.effective_stride == (32, 32)
    # conv1 11/4: 11; pool 3/2: 11 + 2*4 = 19; conv2 5: 19 + 4*8 = 51
    assert alexnet.layer("features.3").receptive_field == (51, 51)
    # flatten: a window over the whole 6x6 map, 195 + 5 * 32
    assert alexnet.layer("classifier.6").receptive_field == (355, 355)
    vgg = vizcore.analyze("vgg16", device="cpu")
    assert vgg.layer("features.28").receptive_field == (196, 196)  # conv5_3
    assert vgg.layer("features.28").effective_stride == (16, 16)
    assert vgg.layer("features.30").receptive_field == (212, 212)  # pool5
    assert vgg.layer("features.30").effective_stride == (32, 32)
    row = next(r for r in json.loads(formats.summary_json(vgg))["layers"] if r["name"] == "features.30")
    assert row["receptive_field"] == 212 and row["effective_stride"] == 32


def test_resnet18_through_its_shortcuts() -> None:
    a = vizcore.analyze("resnet18", device="cpu")
    assert a.layer("conv1").receptive_field == (7, 7)  # 7x7/2
    assert a.layer("maxpool").receptive_field == (11, 11)  # 7 + 2 * 2, jump 4
    assert a.layer("layer1.0.add").receptive_field == (27, 27)  # 11 + 2 * 4 + 2 * 4
    assert a.layer("layer4.1.add").receptive_field == (435, 435)
    assert a.layer("layer4.1.add").effective_stride == (32, 32)
    assert a.layer("avgpool").receptive_field == (627, 627)  # 435 + 6 * 32 over the 7x7 map


def test_summary_exports_and_graph_carry_the_fields() -> None:
    a = vizcore.analyze("alexnet", (1, 3, 227, 227), device="cpu")
    table = formats.summary_table(a)
    assert "RF" in table and "Eff. stride" in table
    line = next(x for x in table.splitlines() if x.startswith("features.12"))
    assert line.split()[-2:] == ["195", "32"]
    csv_row = next(x for x in formats.summary_csv(a).splitlines() if x.startswith("features.12"))
    assert csv_row.endswith(",195,32")
    assert "| 195 | 32 |" in formats.summary_markdown(a)
    node = next(n for n in a.graph()["nodes"] if n["name"] == "features.12")
    assert (node["receptive_field"], node["effective_stride"]) == (195, 32)
    assert "RF 195, stride 32" in formats.dataflow_dot(a)
    rows = a.rows(depth=1)
    assert rows[0].name == "features" and rows[0].receptive_field == (195, 195)


def test_every_layer_of_a_transformer_and_a_densenet_has_a_field() -> None:
    for name in ("vit_b_16", "swin_t", "densenet121", "mobilenet_v3_small"):
        a = vizcore.analyze(name, device="cpu")
        spatial = [n for n in a.layers if n.receptive_field]
        assert spatial, name
        # ViT's 16x16/16 patch embedding, then the whole 14x14 token map: 16 + 13 * 16
        if name == "vit_b_16":
            assert a.layer("conv_proj").receptive_field == (16, 16)
            assert a.layers[-1].receptive_field == (224, 224)


def test_the_layer_graph_boxes_carry_the_fields() -> None:
    from vizcore.drawing.graphview import _tooltip, layer_graph, node_details

    a = vizcore.analyze("alexnet", (1, 3, 227, 227), device="cpu")
    graph = layer_graph(a)
    box = next(n for n in graph.nodes if n.name == "features.12")
    assert (box.receptive_field, box.effective_stride) == ((195, 195), (32, 32))
    assert "RF 195, stride 32" in _tooltip(box)
    assert node_details(graph)[f"node{box.id}"]["rf"] == "195, stride 32"
