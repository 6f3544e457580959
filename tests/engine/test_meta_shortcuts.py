"""Graph-only analyses skip the Python decompositions of shape-preserving ops on the meta device
(batch norm, ReLU, same-shape additions): the layers, edges and counts must be the ones a real run on
the CPU records."""

from __future__ import annotations

import copy

import torch
from torch import nn

import vizcore
from vizcore.engine.trace import Tracer, TraceResult


class FunctionalReLUs(nn.Module):
    """ReLU called every way a model calls it, in place and not, between convolutions."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = nn.functional.relu(self.conv1(x))
        x = self.act(x)
        x = torch.relu(x) + nn.functional.relu(x, inplace=True)
        x = x.relu() + torch.relu_(self.conv2(x))
        x += self.conv2(x)  # in place: no new memory
        x = torch.add(x, self.conv1(torch.ones(1, 3, 1, 1, device=x.device)))  # broadcast: the real op decides
        return nn.functional.relu_(x.add_(x))


def _trace(model: nn.Module, shape: tuple[int, ...], device: str) -> TraceResult:
    on = torch.device(device)
    return Tracer(copy.deepcopy(model).to(on), device=on).run(torch.zeros(shape, device=on))


def _record(result: TraceResult) -> list[tuple[object, ...]]:
    return [(n.name, n.op, n.output_shape, n.params, n.macs, n.output_bytes, n.new_memory) for n in result.nodes]


def test_meta_trace_matches_the_cpu() -> None:
    for model, shape in ((FunctionalReLUs(), (1, 3, 16, 16)), (vizcore.get_model("resnet20_cifar"), (1, 3, 32, 32))):
        meta, cpu = _trace(model, shape, "meta"), _trace(model, shape, "cpu")
        assert _record(meta) == _record(cpu)
        assert meta.edges == cpu.edges
    relus = [n for n in meta.nodes if n.op == "relu"]
    assert len(relus) == 19  # resnet20_cifar: the stem's and two per block
    toy = _record(_trace(FunctionalReLUs(), (1, 3, 16, 16), "meta"))
    # F.relu, torch.relu and x.relu() make new tensors; ReLU(inplace=True), relu_ and inplace=True do not
    assert [new for _, op, *_, new in toy if op == "relu"] == [True, False, True, False, True, False, False]
