"""Block diagrams (DOT), what 1x1 reductions save, and GoogLeNet against Table 1."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

import vizcore
from tests.support.toys import LateConcat
from vizcore.course.lectures import googlenet_table
from vizcore.drawing.diagrams import branch_dot, flow_steps, reduction_savings, residual_dot, stage_dot
from vizcore.drawing.graphview import graph_dot, layer_graph
from vizcore.drawing.render import render_svg

SVG = "{http://www.w3.org/2000/svg}"


def test_branch_diagram_marks_bottlenecks() -> None:
    result = vizcore.analyze("googlenet_paper", device="cpu")
    block = result.block("inception3a")
    dot = branch_dot(result, block)
    assert dot.count('subgraph "cluster_') == 4 and dot.count("(1x1 bottleneck)") == 2
    assert "5x5 conv, 32" in dot and "concatenate: 256x28x28" in dot and "+128" in dot


def test_reduction_savings_from_layer_sizes() -> None:
    result = vizcore.analyze("googlenet_paper", device="cpu")
    savings = reduction_savings(result, result.block("inception3a"))
    assert [s.branch for s in savings] == [2, 3]
    five = savings[1]  # 1x1 192->16, then 5x5 16->32, at 28x28
    assert five.macs_with == 28 * 28 * (192 * 16 + 16 * 32 * 25)
    assert five.macs_without == 28 * 28 * 192 * 32 * 25
    assert five.params_without == 192 * 32 * 25 + 32 and five.params_with == (192 * 16 + 16) + (16 * 32 * 25 + 32)


def test_googlenet_table_flags_the_papers_inconsistencies() -> None:
    paper, tv = vizcore.analyze("googlenet_paper", device="cpu"), vizcore.analyze("googlenet", device="cpu")
    rows = googlenet_table(paper, tv)
    assert [r.module for r in rows] == [f"inception{m}" for m in ("3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b")]
    assert rows[0].ours_macs == 128_049_152  # Table 1 prints 128M
    assert [r.module for r in rows if r.flagged] == ["inception4c", "inception5a"]
    assert all(r.torchvision_params < r.ours_params for r in rows)  # 3x3 instead of 5x5, no conv bias


def test_residual_diagram_and_steps() -> None:
    result = vizcore.analyze("resnet50", device="cpu")
    block = result.block("layer2.0")
    steps = flow_steps(block)
    assert [result.node(i).name for i in steps][-2:] == ["layer2.0.add", "layer2.0.relu"]
    assert len(steps) == len(block.main.ids) + len(block.skip.ids) + 2
    dot = residual_dot(result, block, highlight=steps[3])
    assert "shortcut: projection" in dot and "256x56x56 -> 512x28x28" in dot and dot.count("#ffd400") == 1
    identity = residual_dot(result, result.block("layer2.1"))
    assert 'label=" identity"' in identity and "cluster_skip" not in identity
    stage = stage_dot([b for b in result.blocks if b.name.startswith("layer3.")])
    assert stage.count("projection shortcut") == 1 and stage.count("identity shortcut") == 5


def branch_lefts(svg: str) -> dict[str, float]:
    """Each branch cluster's left edge in the laid-out SVG: ``branch 1: 64 ch`` -> x."""
    lefts = {}
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if g.get("class") == "cluster":
            outline = next(e for e in g if e.tag in (f"{SVG}path", f"{SVG}polygon"))
            numbers = [float(v) for v in re.findall(r"-?[0-9.]+", outline.get("d") or outline.get("points") or "")]
            title = next(t.text or "" for t in g.iter(f"{SVG}text"))
            lefts[title] = min(numbers[0::2])
    return lefts


@pytest.mark.parametrize(
    ("model", "name", "channels"),
    [("inception_v3", "Mixed_5b", [64, 64, 96, 32]), ("googlenet", "inception3a", [64, 128, 32, 32])],
)
def test_branches_stand_in_concatenation_order(model: str, name: str, channels: list[int]) -> None:
    result = vizcore.analyze(model, device="cpu")
    block = result.block(name)
    join = result.node(block.join_id)
    assert [b.out_channels for b in block.branches] == channels == [s[1] for s in join.input_shapes]
    lefts = branch_lefts(render_svg(branch_dot(result, block)))
    titles = [f"branch {i}: {c} ch" for i, c in enumerate(channels, 1)]
    assert sorted(lefts, key=lefts.__getitem__) == titles  # drawn left to right in that order


def test_branches_follow_the_concat_not_the_execution_order() -> None:
    result = vizcore.analyze(LateConcat(), input_shape=(1, 4, 8, 8), device="cpu")
    (block,) = result.blocks
    assert [b.out_channels for b in block.branches] == [16, 8]  # long first, as concatenated
    assert [b.layers[0] for b in block.branches] == ["long.0", "short"]
    lefts = branch_lefts(render_svg(branch_dot(result, block)))
    assert lefts["branch 1: 16 ch"] < lefts["branch 2: 8 ch"]


def box_centres(svg: str) -> dict[str, float]:
    """Each box's centre x in the laid-out SVG, by its element id (``node5``)."""
    centres = {}
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if (g.get("class") or "").startswith("node") and g.get("id"):
            outline = next(e for e in g.iter() if e.tag in (f"{SVG}path", f"{SVG}polygon", f"{SVG}ellipse"))
            if outline.tag == f"{SVG}ellipse":
                centres[g.get("id") or ""] = float(outline.get("cx") or 0)
                continue
            xs = [float(v) for v in re.findall(r"-?[0-9.]+", outline.get("d") or outline.get("points") or "")][0::2]
            centres[g.get("id") or ""] = (min(xs) + max(xs)) / 2
    return centres


@pytest.mark.parametrize("model", ["googlenet", "inception_v3"])
def test_layer_graph_keeps_concat_inputs_in_order(model: str) -> None:
    result = vizcore.analyze(model, device="cpu")
    graph = layer_graph(result, 2)  # the app's depth for both: every branch a box, in a module's outline
    centres = box_centres(render_svg(graph_dot(graph)))
    joins = [n for n in graph.nodes if n.category == "concat"]
    assert len(joins) == {"googlenet": 9, "inception_v3": 15}[model]  # Inception-v3: 11 modules, 4 nested splits
    for join in joins:
        inputs = [s for s, d in graph.edges if d == join.id]  # in the order they enter the concatenation
        xs = [centres[f"node{s}"] for s in inputs]
        assert xs == sorted(xs), (join.name, [graph.nodes[s].name for s in inputs])
