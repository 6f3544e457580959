"""Graph collapsing and layout, the SVG export, the cost charts and their one-line readings."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

import vizcore
from vizcore.charts import bars, compare_bubbles, cost_chart, reading
from vizcore.graphview import graph_figure, graph_svg, layer_graph


@pytest.fixture(scope="module")
def resnet50() -> vizcore.Analysis:
    return vizcore.analyze("resnet50", device="cpu")


def test_collapse_by_depth_and_block(resnet50: vizcore.Analysis) -> None:
    stages = layer_graph(resnet50, 1)
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
    assert sum(n.params for n in stages.nodes) == resnet50.totals.params
    opened = layer_graph(resnet50, 1, ["layer1"])
    assert [n.name for n in opened.nodes if n.name.startswith("layer1")] == ["layer1.0", "layer1.1", "layer1.2"]
    full = layer_graph(resnet50)
    assert len(full.nodes) == len(resnet50.layers) + 2 and not full.collapsible


def test_layout_fans_out_branches() -> None:
    graph = layer_graph(vizcore.analyze("googlenet", device="cpu"), 2)
    branches = [n for n in graph.nodes if n.name.startswith("inception3a.branch")]
    assert len(branches) == 4 and len({n.y for n in branches}) == 4  # side by side
    assert len({n.x for n in branches}) == 1
    cat = next(n for n in graph.nodes if n.name == "inception3a.cat")
    assert cat.x == branches[0].x + 1
    assert all(graph.nodes[s].x < graph.nodes[d].x for s, d in graph.edges)


def test_figure_and_svg(resnet50: vizcore.Analysis) -> None:
    graph = layer_graph(resnet50, 2)
    fig = graph_figure(graph, "macs")
    marker = fig.data[1].marker
    assert len(fig.data[1].x) == len(graph.nodes) and marker.colorscale is not None
    by_type = graph_figure(graph)
    assert sum(len(t.x) for t in by_type.data[1:]) == len(graph.nodes)
    svg = ET.fromstring(graph_svg(graph, "resnet50"))
    assert svg.tag.endswith("svg")
    assert len(svg.findall(".//{http://www.w3.org/2000/svg}rect")) == len(graph.nodes) + 1  # nodes + background


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
