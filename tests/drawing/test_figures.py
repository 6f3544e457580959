"""The layer graph (collapsing, folding, clusters, its SVG), the cost charts and their one-line readings."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

import vizcore
from tests.support.papers import ALEXNET_227_BOXES
from vizcore.drawing.charts import bars, compare_bubbles, cost_chart, reading
from vizcore.drawing.graphview import graph_dot, layer_graph, layer_graph_svg


@pytest.fixture(scope="module")
def resnet50() -> vizcore.Analysis:
    return vizcore.analyze("resnet50", device="cpu")


def test_collapse_by_depth_and_block(resnet50: vizcore.Analysis) -> None:
    stages = layer_graph(resnet50, 1, fold=False)
    assert [n.name for n in stages.nodes] == [
        "input",
        "conv1",
        "bn1",
        "relu",
        "maxpool",
        "layer1",
        "layer2",
        "layer3",
        "layer4",
        "avgpool",
        "flatten",
        "fc",
        "output",
    ]
    assert stages.nodes[5].layers > 1 and stages.nodes[5].params == sum(
        n.params for n in resnet50.layers if n.name.startswith("layer1.")
    )
    assert [n.label for n in stages.nodes[5:9]] == [
        "3 x [1x1-3x3-1x1], 256",
        "4 x [1x1-3x3-1x1], 512, /2",
        "6 x [1x1-3x3-1x1], 1024, /2",
        "3 x [1x1-3x3-1x1], 2048, /2",
    ]
    assert sum(n.params for n in stages.nodes) == resnet50.totals.params
    opened = layer_graph(resnet50, 1, ["layer1"], fold=False)
    assert [n.name for n in opened.nodes if n.name.startswith("layer1")] == ["layer1.0", "layer1.1", "layer1.2"]
    full = layer_graph(resnet50, fold=False)
    assert len(full.nodes) == len(resnet50.layers) + 2 and not full.collapsible
    # folded, the stem is one box with its norm and activation inside, and nothing is lost
    folded = layer_graph(resnet50, 1)
    assert [n.name for n in folded.nodes][:4] == ["input", "conv1", "maxpool", "layer1"]
    assert folded.nodes[1].folded == ("bn", "relu") and folded.nodes[1].layers == 3
    assert sum(n.params for n in folded.nodes) == resnet50.totals.params
    assert sum(n.macs for n in folded.nodes) == resnet50.totals.macs


def test_alexnet_is_eleven_boxes() -> None:
    alexnet = vizcore.analyze("alexnet", (3, 227, 227), device="cpu")
    graph = layer_graph(alexnet)
    assert [n.label for n in graph.nodes] == ["input", *ALEXNET_227_BOXES, "output"]
    assert graph.nodes[8].folded == ("avg pool to 6x6", "flatten", "dropout")  # 6x6 -> 6x6 changes nothing
    assert [len(graph.nodes) - 2, sum(n.layers for n in graph.nodes)] == [11, len(alexnet.layers)]
    assert graph.edges == tuple((i, i + 1) for i in range(12))


SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


def test_resnet34_svg_is_figure_3() -> None:
    resnet34 = vizcore.analyze("resnet34", device="cpu")
    graph = layer_graph(resnet34)
    assert len(graph.skips) == 13 and graph.hidden == 0  # 16 blocks, 3 with a projection shortcut instead
    assert all(graph.nodes[d].category == "add" for _, d in graph.skips)
    texts = svg_texts(layer_graph_svg(resnet34, title="resnet34"))
    assert texts[:5] == ["resnet34", "input", "3x224x224", "7x7 conv, 64, /2", "64x112x112"]
    assert texts.count("3x3 conv, 64") == 6 and texts.count("3x3 conv, 512") == 5
    assert texts.count("+") == 16 and "bn" not in texts and "relu" not in texts
    assert texts[-4:] == ["fc 1000", "1000", "output", "1000"]


def test_branch_modules_are_clusters() -> None:
    googlenet = vizcore.analyze("googlenet", device="cpu")
    full = layer_graph(googlenet)
    assert full.clusters[:2] == ("inception3a", "inception3b") and len(full.clusters) == 9
    dot = graph_dot(full)
    assert dot.count("subgraph") == 9 and 'subgraph "cluster_inception3a"' in dot
    collapsed = layer_graph(googlenet, 1)
    assert not collapsed.clusters
    box = next(n for n in collapsed.nodes if n.name == "inception3a")
    # torchvision's GoogLeNet has 3x3 where the paper has 5x5: the name says what runs
    assert box.collapsed and box.label == "Inception: 1x1 | 1x1-3x3 | 1x1-3x3 | pool-1x1, 256"
    assert "Inception: 1x1 | 1x1-3x3 | 1x1-3x3 | pool-1x1, 256" in svg_texts(layer_graph_svg(googlenet, 1))


def test_colour_by_cost_and_orientation() -> None:
    alexnet = vizcore.analyze("alexnet", (3, 227, 227), device="cpu")
    graph = layer_graph(alexnet)
    by_macs = graph_dot(graph, "macs")
    assert 'id="node0"' in by_macs and 'fillcolor="#440154"' in by_macs  # no MACs: the ramp's start
    assert by_macs.count('fillcolor="#fde725"') == 1  # the costliest box, alone at the top
    wide = ET.fromstring(layer_graph_svg(alexnet, orientation="horizontal"))
    tall = ET.fromstring(layer_graph_svg(alexnet))
    size = lambda svg: [float(svg.get(k, "0").removesuffix("pt")) for k in ("width", "height")]  # noqa: E731
    assert size(wide)[0] > size(wide)[1] and size(tall)[1] > size(tall)[0]
    with pytest.raises(ValueError, match="orientation"):
        graph_dot(graph, orientation="diagonal")


def test_alexnet_readings_match_the_lecture() -> None:
    alexnet = vizcore.analyze("alexnet", (3, 227, 227), device="cpu")
    assert reading(alexnet, "output_bytes").startswith(
        "Activation memory: 82% in the convolutions"
    ) and "early layers" in reading(alexnet, "output_bytes")
    assert reading(alexnet, "params").startswith("Parameters: 96% in the linear") and "late layers" in reading(
        alexnet, "params"
    )
    assert reading(alexnet, "flops").startswith("FLOPs: 92% in the convolutions")


def test_chart_groupings(resnet50: vizcore.Analysis) -> None:
    per_layer = bars(resnet50, "params")
    by_type = bars(resnet50, "params", "type")
    by_stage = bars(resnet50, "params", "stage")
    assert (
        sum(b.value for b in per_layer)
        == sum(b.value for b in by_type)
        == sum(b.value for b in by_stage)
        == resnet50.totals.params
    )
    assert by_type[0].label == "Conv2d"  # sorted, largest first
    assert [b.label for b in by_stage][4:8] == ["layer1", "layer2", "layer3", "layer4"]
    fig = cost_chart(resnet50, "flops", "stage", log=True, cumulative=True)
    assert fig.layout.yaxis.type == "log" and fig.data[1].y[-1] == pytest.approx(100)


def test_compare_bubbles() -> None:
    cards = [vizcore.get_card(n) for n in ("alexnet", "vgg16", "lenet5")]
    fig = compare_bubbles(
        cards,
        {"alexnet": 0.714, "vgg16": 15.47, "lenet5": 0.0004},
        {"alexnet": 61_100_840, "vgg16": 138_357_544, "lenet5": 61_706},
    )
    assert list(fig.data[0].text) == ["alexnet", "vgg16"]  # lenet5 has no published accuracy
    colorbar = fig.data[0].marker.colorbar
    assert colorbar.dtick == 1 and colorbar.tickformat == "d"  # years are whole: 2012, 2014, never 2013 twice


def test_dense_connectivity_is_thinned_not_lost() -> None:
    densenet = vizcore.analyze("densenet121", device="cpu")
    thin = layer_graph(densenet)
    # in a block of k layers, layer j's concatenation gathers the block input and the j - 1 outputs
    # before it, and the block's last one all k: each keeps only the edge from the box just before it.
    # The second layer's concatenation has two inputs, like a residual add, and is left alone.
    blocks = (6, 12, 24, 16)
    assert thin.hidden == sum(k * (k + 1) // 2 for k in blocks) - len(blocks)
    assert len(thin.edges) < 1.1 * len(thin.nodes)  # a chain, quick to lay out
    assert "features.denseblock3" in thin.clusters
    # nothing else is thinned: residual shortcuts and inception's four-way concatenations stay
    assert layer_graph(vizcore.analyze("googlenet", device="cpu")).hidden == 0
