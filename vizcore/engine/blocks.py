"""Branch and residual blocks, found from the traced data-flow graph (not from class names).

A *branch block* is a fork whose paths meet again in a concatenation; a *residual block* is a fork whose
paths meet again in an addition. The fork of a join is its immediate dominator: the last node that every
path from the input to the join goes through. A block is named after the smallest module that holds
everything strictly after the fork, up to and including the join.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..shapes import Shape
from .labels import ACTIVATIONS
from .node import Node

JOIN_KINDS = {"cat": "branch", "concat": "branch", "concatenate": "branch", "add": "residual"}


@dataclass(frozen=True)
class Branch:
    layers: tuple[str, ...]  # layer names in execution order; empty for an identity path
    ids: tuple[int, ...]  # the same layers' node ids (a module called twice has one name, two ids)
    out_channels: int
    params: int
    macs: int
    output_shape: Shape

    def to_dict(self) -> dict[str, Any]:
        return {
            "layers": list(self.layers),
            "out_channels": self.out_channels,
            "params": self.params,
            "macs": self.macs,
            "output_shape": list(self.output_shape),
        }


@dataclass(frozen=True)
class Block:
    name: str  # the smallest module holding the fork-join ("" for the whole model)
    kind: str  # "branch" or "residual"
    join: str  # the concatenation or addition that closes it (unique, unlike name)
    fork: str  # the node whose output feeds every path ("input" for the model's input)
    branches: tuple[Branch, ...]  # in concatenation (or argument) order
    shortcut: str | None  # residual blocks: "identity" or "projection"
    input_shape: Shape
    output_shape: Shape
    after: str | None  # the activation applied to the join's output, if one follows
    layers: tuple[str, ...]  # every layer of the block, in execution order
    join_id: int
    after_id: int | None
    params: int  # of the block's layers, each once (DenseNet's branches share layers)
    macs: int

    @property
    def main(self) -> Branch:
        """A residual block's main path: the branch with the most layers."""
        return max(self.branches, key=lambda b: len(b.layers))

    @property
    def skip(self) -> Branch:
        """A residual block's shortcut: the branch with the fewest layers (none when identity)."""
        return min(self.branches, key=lambda b: len(b.layers))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "join": self.join,
            "fork": self.fork,
            "branches": [b.to_dict() for b in self.branches],
            "shortcut": self.shortcut,
            "input_shape": list(self.input_shape),
            "output_shape": list(self.output_shape),
            "after": self.after,
            "params": self.params,
            "macs": self.macs,
        }


def find_blocks(layers: Sequence[Node], edges: Sequence[tuple[int, int]], input_shape: Shape) -> list[Block]:
    """Every branch and residual block of a traced graph (input is node 0), in the order of their joins."""
    nodes: dict[int, Node] = {n.id: n for n in layers}
    preds: dict[int, list[int]] = {i: [] for i in [0, *nodes]}
    succs: dict[int, list[int]] = {i: [] for i in [0, *nodes]}
    for s, d in edges:
        preds[d].append(s)
        succs[s].append(d)
    from_input = _reachable(0, succs)
    idom = _dominators(preds, from_input)
    blocks = []
    for join in layers:
        kind = JOIN_KINDS.get(join.op)
        # a join of data paths only: adding a bias or concatenating a class token made from
        # parameters is not a fork-join
        if kind is None or len(preds[join.id]) < 2 or not all(p in from_input for p in preds[join.id]):
            continue
        fork = idom[join.id]
        inside = _between(fork, join.id, preds, succs)
        branches = tuple(_branch(src, fork, inside, nodes, preds, input_shape) for src in preds[join.id])
        skip = min(branches, key=lambda b: len(b.layers))
        after = next((s for s in succs[join.id] if nodes[s].op in ACTIVATIONS), None)
        blocks.append(
            Block(
                name=_common_module([nodes[i] for i in inside]),
                kind=kind,
                join=join.name,
                fork=nodes[fork].name if fork else "input",
                branches=branches,
                shortcut=("identity" if not skip.layers else "projection") if kind == "residual" else None,
                input_shape=nodes[fork].output_shape if fork else input_shape,
                output_shape=join.output_shape,
                after=nodes[after].name if after is not None else None,
                layers=tuple(nodes[i].name for i in sorted(inside)),
                join_id=join.id,
                after_id=after,
                params=sum(nodes[i].params for i in inside),
                macs=sum(nodes[i].macs for i in inside),
            )
        )
    return blocks


def _dominators(preds: dict[int, list[int]], from_input: set[int]) -> dict[int, int]:
    """Immediate dominators in a DAG whose ids are a topological order (Cooper, Harvey & Kennedy).
    Only data paths count: inputs made from parameters or constants inside forward are ignored."""
    idom = {0: 0}
    for node in sorted(preds):
        if node == 0:
            continue
        candidates = [p for p in preds[node] if p in from_input] or [0]
        dom = candidates[0]
        for other in candidates[1:]:
            a, b = dom, other
            while a != b:
                while a > b:
                    a = idom[a]
                while b > a:
                    b = idom[b]
            dom = a
        idom[node] = dom
    return idom


def _reachable(start: int, succs: dict[int, list[int]]) -> set[int]:
    seen, stack = {start}, [start]
    while stack:
        for s in succs[stack.pop()]:
            if s not in seen:
                seen.add(s)
                stack.append(s)
    return seen


def _between(fork: int, join: int, preds: dict[int, list[int]], succs: dict[int, list[int]]) -> set[int]:
    """Nodes on some path from ``fork`` to ``join``, the join included, the fork not."""
    ahead, stack = set(), [fork]
    while stack:
        for s in succs[stack.pop()]:
            if s <= join and s not in ahead:
                ahead.add(s)
                stack.append(s)
    behind, stack = {join}, [join]
    while stack:
        for p in preds[stack.pop()]:
            if p > fork and p not in behind:
                behind.add(p)
                stack.append(p)
    return ahead & behind


def _branch(
    src: int, fork: int, inside: set[int], nodes: dict[int, Node], preds: dict[int, list[int]], input_shape: Shape
) -> Branch:
    """The path feeding the join from ``src``: the block's nodes that ``src`` depends on."""
    members, stack = set(), [src] if src != fork else []
    while stack:
        node = stack.pop()
        if node in inside and node not in members:
            members.add(node)
            stack.extend(p for p in preds[node] if p != fork)
    ordered = [nodes[i] for i in sorted(members)]
    shape = nodes[src].output_shape if src else input_shape
    return Branch(
        layers=tuple(n.name for n in ordered),
        ids=tuple(n.id for n in ordered),
        out_channels=shape[1] if len(shape) > 1 else 0,
        params=sum(n.params for n in ordered),
        macs=sum(n.macs for n in ordered),
        output_shape=shape,
    )


def _module_path(node: Node) -> list[str]:
    return (
        (node.name if node.kind == "module" else node.parent).split(".")
        if (node.name if node.kind == "module" else node.parent)
        else []
    )


def _common_module(nodes: Sequence[Node]) -> str:
    paths = [_module_path(n) for n in nodes]
    common: list[str] = []
    for parts in zip(*paths, strict=False):
        if any(p != parts[0] for p in parts):
            break
        common.append(parts[0])
    # a leaf module's own name is not a block: stop at its parent when everything sits in one leaf
    if len(nodes) == 1 and nodes[0].kind == "module" and common == paths[0]:
        common = common[:-1]
    return ".".join(common)
