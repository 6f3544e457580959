"""An op's kind is decided once, when the trace records it; torch.cat's aliases are concatenations
everywhere (the paper figures once lost ``torch.concatenate``)."""

from __future__ import annotations

import torch
from torch import nn

import vizcore
from vizcore.drawing.paper_boxes import label_of
from vizcore.engine.ops import op_kind


class TwoWays(nn.Module):
    """Two branches of 3 and 5 channels, joined by ``join`` (cat, concat or concatenate)."""

    def __init__(self, join: str) -> None:
        super().__init__()
        self.join = getattr(torch, join)
        self.left = nn.Conv2d(2, 3, 1)
        self.right = nn.Conv2d(2, 5, 3, padding=1)
        self.norm = nn.BatchNorm2d(8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.norm(self.join([self.left(x), self.right(x)], dim=1))
        return torch.flatten(y, 1).unsqueeze(0)


def test_every_alias_of_cat_is_a_concatenation_in_every_reader() -> None:
    for join in ("cat", "concat", "concatenate"):
        analysis = vizcore.analyze(TwoWays(join), (1, 2, 4, 4), device="cpu")
        kinds = {n.op: n.op_kind for n in analysis.layers}
        assert kinds == {
            "conv": "conv",
            join: "concat",
            "batch_norm": "norm",
            "flatten": "reshape",
            "unsqueeze": "reshape",
        }, join
        joined = next(n for n in analysis.layers if n.op == join)
        assert (joined.label, label_of(joined)) == ("concat", "concat, 8"), join
        assert [(b.kind, b.join, len(b.branches)) for b in analysis.blocks] == [("branch", joined.name, 2)], join


def test_the_kinds_the_drawings_colour() -> None:
    assert [op_kind(op) for op in ("conv_transpose", "local_response_norm", "softmax", "div", "stack", "permute")] == [
        "conv",
        "norm",
        "activation",
        "add",
        "other",
        "reshape",
    ]
