"""The tracer (vizcore/engine/trace.py): the data-flow graph follows tensors; residual adds have two in-edges, inception concats four."""

from __future__ import annotations

from collections import Counter

import pytest
import torch

import vizcore
from tests.support.toys import FunctionalNet, SharedNet, ValueDependent


def in_degrees(graph: dict) -> Counter[int]:
    return Counter(dst for _, dst in graph["edges"])


def test_resnet18_has_eight_residual_adds() -> None:
    graph = vizcore.analyze("resnet18", device="cpu").graph()
    adds = [n for n in graph["nodes"] if n["op"] == "add"]
    assert len(adds) == 8
    degree = in_degrees(graph)
    assert all(degree[n["id"]] == 2 and n["kind"] == "function" for n in adds)
    assert adds[0]["name"] == "layer1.0.add" and adds[0]["parent"] == "layer1.0"


def test_googlenet_has_nine_four_way_concats() -> None:
    graph = vizcore.analyze("googlenet", device="cpu").graph()
    cats = [n for n in graph["nodes"] if n["op"] == "cat"]
    degree = in_degrees(graph)
    assert [n["name"] for n in cats] == [
        f"inception{b}.cat" for b in ("3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b")
    ]
    assert all(degree[n["id"]] == 4 for n in cats)


def test_graph_is_well_formed() -> None:
    graph = vizcore.analyze("densenet121", device="cpu").graph()
    ids = [n["id"] for n in graph["nodes"]]
    assert ids == list(range(len(ids)))
    assert graph["nodes"][0]["kind"] == "input" and graph["nodes"][-1]["kind"] == "output"
    assert all(src < dst for src, dst in graph["edges"])  # execution order is a topological order
    fed = {dst for _, dst in graph["edges"]}
    assert all(n["id"] in fed for n in graph["nodes"][1:])  # every layer is reached from the input


def test_custom_module_with_functional_ops() -> None:
    result = vizcore.analyze(FunctionalNet(), (2, 3, 8, 8), device="cpu")
    names = [n.name for n in result.layers]
    assert names == [
        "conv",
        "relu",
        "view",
        "mul",
        "add",
        "cat",
        "max_pool2d",
        "adaptive_avg_pool2d",
        "flatten",
        "fc",
        "fc",
        "add_1",
    ]
    conv, fc1, fc2 = result.layer("conv"), result.layers[9], result.layers[10]
    assert conv.macs == 2 * 8 * 8 * 8 * 3 * 3 * 3 and conv.params == 8 * 27 + 8
    assert (fc1.call, fc2.call) == (1, 2) and fc1.macs == fc2.macs == 2 * 4 * 16
    assert fc1.params == 4 * 16 + 4 and fc2.params == 0  # counted once, at first use
    assert result.layer("view").params == 8  # the parameter used directly by a functional op
    assert result.totals.params == sum(p.numel() for p in FunctionalNet().parameters())
    graph = result.graph()
    edges = {tuple(e) for e in graph["edges"]}
    ids = {n["name"]: n["id"] for n in graph["nodes"]}
    assert (ids["relu"], ids["add"]) in edges and (ids["mul"], ids["add"]) in edges
    assert (ids["conv"], ids["relu"]) in edges and (ids["conv"], ids["mul"]) in edges
    assert result.layer("max_pool2d").flops == 2 * 16 * 4 * 4 * 2 * 2
    assert any("called more than once" in note and "fc" in note for note in result.notes)


def test_custom_module_is_not_modified() -> None:
    model = FunctionalNet().train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    vizcore.analyze(model, (1, 3, 8, 8), device="cpu")
    assert model.training and not model._forward_hooks and not model.conv._forward_pre_hooks
    assert all((model.state_dict()[k] == v).all() for k, v in before.items())


def test_shared_module_counted_once() -> None:
    result = vizcore.analyze(SharedNet(), (1, 10), device="cpu")
    assert result.totals.params == 110 and result.totals.macs == 200
    assert [n.call for n in result.layers] == [1, 2]


def test_value_dependent_model_falls_back_to_real_tensors() -> None:
    result = vizcore.analyze(ValueDependent(), (1, 1, 5, 5), device="cpu")
    assert result.traced_on == "cpu" and result.output_shapes == ((1, 2, 3, 3),)


def test_large_input_is_analysed_without_allocating() -> None:
    result = vizcore.analyze("vgg16", (32, 3, 1024, 1024), device="cpu")
    assert result.traced_on == "meta"
    assert result.layer("features.0").output_shape == (32, 64, 1024, 1024)
    assert result.totals.activation_bytes > 30 * 2**30  # would not fit this machine's memory


@pytest.mark.parametrize("depth", [1, 2])
def test_depth_merges_blocks(depth: int) -> None:
    result = vizcore.analyze("resnet50", device="cpu")
    rows = result.rows(depth)
    assert sum(r.params for r in rows) == result.totals.params and sum(r.macs for r in rows) == result.totals.macs
    names = [r.name for r in rows]
    if depth == 1:
        assert names[4:8] == ["layer1", "layer2", "layer3", "layer4"] and rows[4].type == "Sequential"
    else:
        assert "layer3.5" in names and rows[names.index("layer3.5")].type == "Bottleneck"


def test_timings_on_the_device() -> None:
    result = vizcore.analyze("resnet18", (1, 3, 64, 64), device="cpu", timings=True)
    assert result.forward_ms is not None and result.forward_ms > 0
    assert all(n.time_ms is not None and n.time_ms >= 0 for n in result.layers)


@pytest.mark.parametrize(("cuda", "mps", "best"), [(True, True, "cuda"), (False, True, "mps"), (False, False, "cpu")])
def test_the_best_device_is_cuda_then_mps_then_cpu(monkeypatch: pytest.MonkeyPatch, cuda: bool, mps: bool, best: str) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    assert vizcore.best_device() == torch.device(best)


def test_a_norm_module_with_children_is_traced_through_its_functional_batch_norm() -> None:
    """timm's BatchNormAct2d is a BatchNorm2d with children (act, drop), so no leaf hook sees its
    F.batch_norm: the functional op must still be a layer, or its parameters go uncounted and the
    graph breaks after every norm (the offline classifier's own network)."""
    import timm  # a requirement: the offline classifier is built with it

    model = timm.create_model("tf_efficientnet_lite0", pretrained=False)
    result = vizcore.analyze(model, (1, 3, 224, 224), device="cpu")
    assert result.totals.params == sum(p.numel() for p in model.parameters()) == 4_652_008
    assert result.totals.unused_params == 0
    norms = [n for n in result.layers if n.op == "batch_norm"]
    assert len(norms) == 49 and norms[0].name == "bn1.batch_norm" and norms[0].params == 64
    fed = {dst for _, dst in result.edges}
    assert all(n.id in fed for n in result.layers)  # every layer is reached from the input
    assert all(n.receptive_field for n in result.layers)
