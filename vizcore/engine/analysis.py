"""The result of an analysis as plain records: ``Analysis`` (per-layer ``Node``s, edges, blocks, totals)
and the summary rows its tables are made from. ``vizcore.engine.measure`` produces it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from ..cards import ModelCard
from ..shapes import Shape
from .blocks import Block, block_label
from .costs import CONVENTIONS
from .node import Node


@dataclass(frozen=True)
class Totals:
    params: int
    macs: int
    flops: int
    activation_bytes: int
    unused_params: int  # parameters of modules that never ran (auxiliary heads in eval mode)


@dataclass(frozen=True)
class SummaryRow:
    """One row of a summary table: a layer, or at a given depth, a block of consecutive layers."""

    name: str
    type: str
    depth: int
    output_shape: Shape
    params: int
    macs: int
    flops: int
    output_bytes: int
    layers: int
    time_ms: float | None = None
    label: str = ""  # a layer's paper label (``3x3 conv, 128, /2``); a merged block's (``1x1-3x3-1x1 block, 256``)
    receptive_field: tuple[int, ...] = ()  # of the row's last layer (a block's output)
    effective_stride: tuple[float, ...] = ()


@dataclass(frozen=True)
class Analysis:
    model: str
    input_shape: Shape
    dtype: str
    device: str  # the best (or requested) device: where timings and real-tensor fallbacks run
    traced_on: str  # "meta" when no real tensor was needed
    layers: tuple[Node, ...]
    edges: tuple[tuple[int, int], ...]
    output_edges: tuple[int, ...]
    output_shapes: tuple[Shape, ...]
    totals: Totals
    module_types: dict[str, str] = field(repr=False)  # dotted path -> class name, for containers
    blocks: tuple[Block, ...] = ()  # branch (fork -> concat) and residual (fork -> add) blocks
    card: ModelCard | None = None
    uncounted_ops: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    forward_ms: float | None = None

    # -- views ---------------------------------------------------------------------------------
    def rows(self, depth: int | None = None) -> list[SummaryRow]:
        """Layers in execution order; with ``depth``, consecutive layers inside the same block at that
        depth merge into one row (like torchinfo's depth), so a called-twice block stays two rows."""
        rows: list[SummaryRow] = []
        for key, members in self.groups(depth):
            times = [n.time_ms for n in members if n.time_ms is not None]
            rows.append(
                SummaryRow(
                    name=key,
                    type=members[0].type if key == members[0].name else self.module_types.get(key, "block"),
                    depth=key.count(".") + 1,
                    output_shape=members[-1].output_shape,
                    params=sum(n.params for n in members),
                    macs=sum(n.macs for n in members),
                    flops=sum(n.flops for n in members),
                    output_bytes=sum(n.output_bytes for n in members if n.new_memory),
                    layers=len(members),
                    time_ms=sum(times) if times else None,
                    label=self.group_label(key, members),
                    receptive_field=members[-1].receptive_field,
                    effective_stride=members[-1].effective_stride,
                )
            )
        return rows

    def groups(self, depth: int | None = None, expanded: frozenset[str] = frozenset()) -> list[tuple[str, list[Node]]]:
        """Runs of consecutive layers in the same block at ``depth`` (all layers apart when ``None``);
        a block named in ``expanded`` opens one level further. Runs, not sets, so that a block called
        twice stays two blocks and collapsing never creates a cycle."""
        return [
            (key, list(group))
            for key, group in itertools.groupby(self.layers, key=lambda n: _block_at(n, depth, expanded))
        ]

    def group_label(self, key: str, members: list[Node]) -> str:
        """A group's label: a layer's own, or what a block of layers is (``1x1-3x3-1x1 block, 256``)."""
        if key == members[0].name:
            return members[0].label
        return block_label(members, self.blocks, self.module_types.get(key, ""), key)

    def block(self, name: str) -> Block:
        """A branch or residual block by its module name, or by its join's name where several blocks
        share a module (Inception-v3's nested splits)."""
        for b in self.blocks:
            if name in (b.join, b.name):
                return b
        raise KeyError(name)

    def node(self, node_id: int) -> Node:
        """A layer by its graph id (ids start at 1; 0 is the input)."""
        return self.layers[node_id - 1]

    def layer(self, name: str) -> Node:
        for node in self.layers:
            if node.name == name:
                return node
        raise KeyError(name)

    def graph(self) -> dict[str, Any]:
        """Nodes and edges that follow the tensors: input (id 0), every layer, output (last id)."""
        out_id = len(self.layers) + 1
        nodes: list[dict[str, Any]] = [
            {
                "id": 0,
                "kind": "input",
                "op": "input",
                "name": "input",
                "label": "input",
                "type": "input",
                "parent": "",
                "shape": list(self.input_shape),
                "params": 0,
                "macs": 0,
                "receptive_field": 1 if len(self.input_shape) > 2 else None,
                "effective_stride": 1 if len(self.input_shape) > 2 else None,
            },
        ]
        nodes += [
            {
                "id": n.id,
                "kind": n.kind,
                "op": n.op,
                "name": n.name,
                "label": n.label,
                "type": n.type,
                "parent": n.parent,
                "shape": list(n.output_shape),
                "params": n.params,
                "macs": n.macs,
                "receptive_field": per_dim(n.receptive_field),
                "effective_stride": per_dim(n.effective_stride),
            }
            for n in self.layers
        ]
        nodes.append(
            {
                "id": out_id,
                "kind": "output",
                "op": "output",
                "name": "output",
                "label": "output",
                "type": "output",
                "parent": "",
                "shape": list(self.output_shapes[0]) if self.output_shapes else [],
                "params": 0,
                "macs": 0,
            }
        )
        edges = [list(e) for e in self.edges] + [[src, out_id] for src in dict.fromkeys(self.output_edges)]
        return {"nodes": nodes, "edges": edges}

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "input_shape": list(self.input_shape),
            "dtype": self.dtype,
            "device": self.device,
            "traced_on": self.traced_on,
            "conventions": dict(CONVENTIONS),
            "layers": [_layer_dict(n) for n in self.layers],
            "totals": {
                "params": self.totals.params,
                "macs": self.totals.macs,
                "flops": self.totals.flops,
                "activation_bytes": self.totals.activation_bytes,
                "unused_params": self.totals.unused_params,
            },
            "graph": self.graph(),
            "blocks": [b.to_dict() for b in self.blocks],
            "uncounted_ops": dict(self.uncounted_ops),
            "notes": list(self.notes),
            "card": self.card.to_dict() if self.card else None,
            "forward_ms": self.forward_ms,
        }


def _layer_dict(n: Node) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": n.id,
        "name": n.name,
        "label": n.label,
        "type": n.type,
        "kind": n.kind,
        "op": n.op,
        "parent": n.parent,
        "input_shapes": [list(s) for s in n.input_shapes],
        "output_shape": list(n.output_shape),
        "params": n.params,
        "macs": n.macs,
        "flops": n.flops,
        "output_bytes": n.output_bytes,
        "new_memory": n.new_memory,
        "call": n.call,
        "receptive_field": per_dim(n.receptive_field),
        "effective_stride": per_dim(n.effective_stride),
    }
    if n.time_ms is not None:
        row["time_ms"] = n.time_ms
    return row


def per_dim(values: tuple[float, ...]) -> float | list[float] | None:
    """A receptive field or stride for JSON: one number when every spatial dimension agrees (a square
    field), else one per dimension ([h, w]); None for a layer that does not see the input."""
    if not values:
        return None
    return values[0] if len(set(values)) == 1 else list(values)


def _block_at(n: Node, depth: int | None, expanded: frozenset[str] = frozenset()) -> str:
    if depth is None:
        return n.name
    parts = n.name.split(".")
    level = depth
    while len(parts) > level and ".".join(parts[:level]) in expanded:
        level += 1
    return ".".join(parts[:level]) if len(parts) > level else n.name
