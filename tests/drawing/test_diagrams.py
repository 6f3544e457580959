"""Block diagrams (DOT), what 1x1 reductions save, and GoogLeNet against Table 1."""

from __future__ import annotations

import vizcore
from vizcore.course.lectures import googlenet_table
from vizcore.drawing.diagrams import branch_dot, flow_steps, reduction_savings, residual_dot, stage_dot


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
