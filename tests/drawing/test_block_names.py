"""A collapsed box says what the block is, as the papers write it, never its module path: kernel chains
from the traced layers, stages in ResNet's Table 1 brackets, inception modules as their branches."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torchvision

import vizcore
from tests.support.onnx_files import export
from tests.support.toys import CustomNet
from vizcore.drawing.graphview import LayerGraph, graph_dot, layer_graph, node_details
from vizcore.engine.blocks import MAX_LABEL

BIG = 60  # the app opens a model with more layers than this at depth 2


def collapsed(graph: LayerGraph) -> dict[str, str]:
    return {n.name: n.label for n in graph.nodes if n.collapsed}


def assert_no_paths(analysis: vizcore.Analysis, graph: LayerGraph) -> None:
    """No box names a module path; the click details and the tooltip still carry it."""
    paths = {n.name for n in analysis.layers} | set(analysis.module_types)
    details, dot = node_details(graph), graph_dot(graph)
    for n in graph.nodes:
        if not n.collapsed:
            continue
        words = {w for w in re.split(r"[\s,:|\[\]()]+", n.label) if not w.isdigit()}  # not channels
        assert not words & paths and "." not in n.label.replace(", /", ""), n.label
        assert len(n.label) <= MAX_LABEL + len(", 2048, /32"), n.label
        assert details[f"node{n.id}"]["name"] == n.name and details[f"node{n.id}"]["label"] == n.label
        assert f'tooltip="{n.name} (' in dot


def stage_labels(chain: str, blocks: tuple[int, ...], widths: tuple[int, ...]) -> list[str]:
    """One label per block of a ResNet, from the paper's Table 1: the first block of every stage but
    the first halves the map."""
    return [
        f"{chain} block, {width}" + (", /2" if stage and k == 0 else "")
        for stage, (count, width) in enumerate(zip(blocks, widths, strict=True))
        for k in range(count)
    ]


def test_resnet50_boxes_are_bottlenecks() -> None:
    resnet50 = vizcore.analyze("resnet50", device="cpu")
    assert len(resnet50.layers) > BIG
    graph = layer_graph(resnet50, 2)
    labels = collapsed(graph)
    assert list(labels.values()) == stage_labels("1x1-3x3-1x1", (3, 4, 6, 3), (256, 512, 1024, 2048))
    assert list(labels)[:2] == ["layer1.0", "layer1.1"]
    assert_no_paths(resnet50, graph)
    # the summary table names a block the same way
    rows = {r.name: r.label for r in resnet50.rows(2)}
    assert all(rows[name] == label for name, label in labels.items())
    stages = collapsed(layer_graph(resnet50, 1))
    assert stages == {
        "layer1": "3 x [1x1-3x3-1x1], 256",
        "layer2": "4 x [1x1-3x3-1x1], 512, /2",
        "layer3": "6 x [1x1-3x3-1x1], 1024, /2",
        "layer4": "3 x [1x1-3x3-1x1], 2048, /2",
    }
    opened = layer_graph(resnet50, 2, ["layer2.0"])
    assert collapsed(opened)["layer2.0.downsample"] == "1x1 conv, 512, /2"  # the projection shortcut


@pytest.mark.parametrize(("model", "blocks"), [("resnet18", (2, 2, 2, 2)), ("resnet34", (3, 4, 6, 3))])
def test_basic_blocks(model: str, blocks: tuple[int, ...]) -> None:
    result = vizcore.analyze(model, device="cpu")
    graph = layer_graph(result, 2)
    assert list(collapsed(graph).values()) == stage_labels("3x3-3x3", blocks, (64, 128, 256, 512))
    assert_no_paths(result, graph)
    first = collapsed(layer_graph(result, 1))["layer1"]
    assert first == f"{blocks[0]} x [3x3-3x3], 64"


def test_googlenet_inception_modules() -> None:
    googlenet = vizcore.analyze("googlenet", device="cpu")
    graph = layer_graph(googlenet, 1)
    modules = {k: v for k, v in collapsed(graph).items() if k.startswith("inception")}
    depths = [256, 480, 512, 512, 512, 528, 832, 832, 1024]  # the paper's Table 1, output depth
    # torchvision's GoogLeNet has a 3x3 where the paper has 5x5: the name says what runs
    assert list(modules.values()) == [f"Inception: 1x1 | 1x1-3x3 | 1x1-3x3 | pool-1x1, {d}" for d in depths]
    assert collapsed(graph)["conv1"] == "7x7 conv, 64, /2"  # a conv with its norm: the conv's own label
    assert_no_paths(googlenet, graph)
    opened = layer_graph(googlenet, 2)  # the app's depth: branches in concatenation order
    branches = [n.label for n in opened.nodes if n.name.startswith("inception3a.branch")]
    assert branches == ["1x1 conv, 64", "1x1-3x3 block, 128", "1x1-3x3 block, 32", "pool-1x1 block, 32"]
    assert_no_paths(googlenet, opened)


def test_inception_v3_modules_and_nested_splits() -> None:
    inception = vizcore.analyze("inception_v3", device="cpu")
    labels = collapsed(layer_graph(inception, 1))
    assert labels["Mixed_5b"] == "InceptionA: 1x1 | 1x1-5x5 | 1x1-3x3-3x3 | pool-1x1, 256"
    assert labels["Mixed_6a"] == "InceptionB: 3x3 | 1x1-3x3-3x3 | pool, 768, /2"
    assert labels["Mixed_6b"] == "InceptionC: 1x1 | 1x1-1x7-7x1 | 1x1-7x1-1x7-7x1-1x7 | pool-1x1, 768"
    assert labels["Mixed_7b"] == "InceptionE: 1x1 | 1x1-(1x3|3x1) | 1x1-3x3-(1x3|3x1) | pool-1x1, 2048"


def test_densenet121_dense_blocks() -> None:
    densenet = vizcore.analyze("densenet121", device="cpu")
    graph = layer_graph(densenet, 2)
    assert list(collapsed(graph).values()) == [
        "dense block x6, 256",  # 64 + 6 x 32
        "1x1-pool block, 128, /2",
        "dense block x12, 512",
        "1x1-pool block, 256, /2",
        "dense block x24, 1024",
        "1x1-pool block, 512, /2",
        "dense block x16, 1024",
    ]
    assert_no_paths(densenet, graph)


def test_mobilenet_v2_inverted_residuals() -> None:
    mobilenet = vizcore.analyze("mobilenet_v2", device="cpu")
    graph = layer_graph(mobilenet, 2)
    # the paper's Table 2: expansion t, channels c, repeats n, first stride s
    table = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
    expected = ["3x3 conv, 32, /2"] + [
        f"{'1x1-' if t > 1 else ''}3x3dw-1x1 block, {c}" + (", /2" if s == 2 and k == 0 else "")
        for t, c, n, s in table
        for k in range(n)
    ]
    assert list(collapsed(graph).values()) == [*expected, "1x1 conv, 1280"]
    assert_no_paths(mobilenet, graph)
    features = collapsed(layer_graph(mobilenet, 1))["features"]
    assert features == "3x3 conv + [3x3dw-1x1] + 16 x [1x1-3x3dw-1x1] + 1x1 conv, 1280, /32"


def test_vgg16_at_depth_one() -> None:
    vgg = vizcore.analyze("vgg16", device="cpu")
    graph = layer_graph(vgg, 1)
    assert collapsed(graph) == {"features": "3x3 conv x13 + 5 pools, 512, /32", "classifier": "fc 4096-4096-1000"}
    assert_no_paths(vgg, graph)


def test_a_custom_module_is_named_from_its_layers() -> None:
    custom = vizcore.analyze(CustomNet(), input_shape=(1, 3, 32, 32), device="cpu")
    graph = layer_graph(custom, 1)
    assert collapsed(graph) == {
        "stem": "3x3 conv, 16, /2",
        "stage": "2 x [3x3-1x1], 16",
        "split": "TwoWay: 1x1 | 3x3dw-1x1, 48",  # a branch module: its class, its branches in order
    }
    assert collapsed(layer_graph(custom, 2)) == {
        "stage.0": "3x3-1x1 block, 16",
        "stage.1": "3x3-1x1 block, 16",
        "split.wide": "3x3dw-1x1 block, 32",
    }
    assert_no_paths(custom, graph)


def test_an_onnx_file_is_named_as_its_module(tmp_path: Path) -> None:
    path = export(CustomNet(), tmp_path / "custom.onnx", dynamo=False, shape=(1, 3, 32, 32))
    onnx = vizcore.analyze(path, device="cpu")
    graph = layer_graph(onnx, 1)
    assert collapsed(graph) == {
        "stem": "3x3 conv, 16, /2",
        "stage": "2 x [3x3-1x1], 16",
        "split": "1x1 | 3x3dw-1x1, 48",
    }
    assert_no_paths(onnx, graph)  # (the file keeps no class names: the branch module is its branches)


@pytest.mark.parametrize("dynamo", [False, True])
def test_onnx_resnet_stages(tmp_path: Path, dynamo: bool) -> None:
    """Both exporters; the newer one files some of a block's layers under the block before it, so
    where names and blocks disagree the blocks decide."""
    resnet = export(torchvision.models.resnet18(), tmp_path / "resnet18.onnx", dynamo=dynamo)
    stages = collapsed(layer_graph(vizcore.analyze(resnet, device="cpu"), 1))
    assert list(stages.values()) == [
        "2 x [3x3-3x3], 64",
        "2 x [3x3-3x3], 128, /2",
        "2 x [3x3-3x3], 256, /2",
        "2 x [3x3-3x3], 512, /2",
    ]
