"""Branch and residual blocks, found from the traced data-flow graph (not from class names).

A *branch block* is a fork whose paths meet again in a concatenation; a *residual block* is a fork whose
paths meet again in an addition. The fork of a join is its immediate dominator: the last node that every
path from the input to the join goes through. A block is named after the smallest module that holds
everything strictly after the fork, up to and including the join. Its branches stand in the order of the
join's arguments (the order the outputs enter the concatenation), not the order they ran in.

``block_label`` says what a run of layers drawn as one box is, in the papers' words, from those layers
and the blocks among them: ``1x1-3x3-1x1 block, 256, /2``, ``3 x [1x1-3x3-1x1], 256``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..shapes import Shape
from .labels import kernel_word, stride_text
from .node import Node
from .ops import ACTIVATIONS


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
        kind = "branch" if join.op_kind == "concat" else "residual" if join.op == "add" else None
        # a join of data paths only: adding a bias or concatenating a class token made from
        # parameters is not a fork-join
        if kind is None or len(preds[join.id]) < 2 or not all(p in from_input for p in preds[join.id]):
            continue
        fork = idom[join.id]
        inside = _between(fork, join.id, preds, succs)
        upstream = _upstream(fork, join.id, inside, preds)
        branches = tuple(_branch(src, upstream.get(src, set()), nodes, input_shape) for src in preds[join.id])
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


def _upstream(fork: int, join: int, inside: set[int], preds: dict[int, list[int]]) -> dict[int, set[int]]:
    """For each node of a block but its join, the block's nodes it depends on, itself included. Built once
    per block in topological (id) order, each node's set the union of its predecessors' sets: a DenseNet
    join has one branch per earlier layer, and walking each branch afresh made its analysis quadratic in
    Python."""
    upstream: dict[int, set[int]] = {}
    for node in sorted(inside - {join}):
        mine = {node}
        for p in preds[node]:
            if p != fork and p in inside:
                mine |= upstream[p]
        upstream[node] = mine
    return upstream


def _branch(src: int, members: set[int], nodes: dict[int, Node], input_shape: Shape) -> Branch:
    """The path feeding the join from ``src``: ``members``, the block's nodes that ``src`` depends on."""
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


# -- names ------------------------------------------------------------------------------------------
MAX_LABEL = 64  # characters before the channels: longer names fall back to a shorter form
_GENERIC = frozenset({"", "block", "Sequential", "ModuleList", "ModuleDict", "Module", "OnnxModel"})


@dataclass(frozen=True)
class _Name:
    """What a part of a box is called: on its own (``text``), inside a longer sequence (``token``) and
    in a kernel chain (``word``, "" when it has none)."""

    text: str
    token: str
    word: str = ""
    kind: str = "other"  # conv, pool, fc, se, branch, dense, residual, chain, sequence, other
    exact: bool = False  # ``text`` is a layer's own label: channels and stride already in it
    layers: tuple[Node, ...] = field(default=(), repr=False)


def block_label(members: Sequence[Node], blocks: Sequence[Block], type_name: str = "", key: str = "") -> str:
    """What a run of layers drawn as one box is, in the papers' words, never its module path: a ResNet
    bottleneck ``1x1-3x3-1x1 block, 256`` (``, /2`` when it downsamples), an inverted residual
    ``1x1-3x3dw-1x1 block, 24``, a VGG stage ``3x3 conv x2 + pool, 128, /2``, an inception module its
    branches in concatenation order ``Inception: 1x1 | 1x1-3x3 | 1x1-3x3 | pool-1x1, 256``, a dense block
    ``dense block x6, 256``, a stage of repeated blocks ``3 x [1x1-3x3-1x1], 256`` (ResNet's Table 1).
    ``key`` is the module the run belongs to (its children are the stage's units) and ``type_name`` its
    class, used only where the layers leave a name open (an inception module's kind)."""
    if not members:
        return ""
    ids = {n.id for n in members}
    candidates = [b for b in blocks if b.join_id in ids]
    found = _Found({b.join_id: b for b in candidates}, {b.join_id: _ids(b) for b in candidates})
    name = _describe(list(members), found, type_name, key)
    if name.exact:
        return name.text
    return name.text + _channels(members) + _downsampling(members)


@dataclass(frozen=True)
class _Found:
    """The blocks, each with the ids of its layers (worked out once per label)."""

    blocks: dict[int, Block]  # by join id
    ids: dict[int, frozenset[int]]

    def outermost(self, ids: set[int]) -> list[Block]:
        """The outermost of the blocks whose layers all lie in ``ids``, in order."""
        inside = [b for j, b in self.blocks.items() if j in ids and self.ids[j] <= ids]
        top: list[Block] = []
        for b in sorted(inside, key=lambda b: -len(self.ids[b.join_id])):
            if not any(self.ids[b.join_id] <= self.ids[t.join_id] for t in top):
                top.append(b)
        return sorted(top, key=lambda b: b.join_id)


def _describe(members: list[Node], found: _Found, type_name: str, key: str) -> _Name:
    nodes = {n.id: n for n in members}
    top = found.outermost(set(nodes))
    drawn = [n for n in members if _drawn(n)]
    covering = [b for b in top if all(n.id in found.ids[b.join_id] for n in drawn)]
    if covering:
        return _block_name(covering[0], nodes, found, type_name)
    children = _children(members, key)
    run = {n.id: k for k, (_, c) in enumerate(children) for n in c}
    # the module's children are its units unless a block straddles two (names that lie: some ONNX files)
    aligned = len(children) > 1 and all(len({run[i] for i in found.ids[b.join_id]}) == 1 for b in top)
    if aligned and len(children) > 1 and any(sum(_drawn(n) for n in c) > 1 for _, c in children):
        units = [_describe(c, found, "", child) for child, c in children if any(_drawn(n) for n in c)]
    else:
        units = _units(members, top, nodes, found)
    if not units:
        return _Name(", ".join(dict.fromkeys(n.label for n in members)), "", kind="other")
    if len(units) == 1:
        return units[0]
    return _sequence(units, members, type_name)


def _ids(block: Block) -> frozenset[int]:
    return frozenset({i for b in block.branches for i in b.ids} | {block.join_id})


def _drawn(node: Node) -> bool:
    """A layer a paper draws as a box of its own: not a norm, an activation, a reshape or a join."""
    if node.op_kind in ("conv", "pool", "attention") or node.op in ("linear", "bilinear"):
        return True
    if node.op == "mean" and node.label == "avg pool":
        return True
    # any other module with weights (an embedding, a recurrent layer); not a parameter used in passing
    return node.kind == "module" and node.params > 0 and node.op_kind not in ("norm", "add", "concat")


def _children(members: list[Node], key: str) -> list[tuple[str, list[Node]]]:
    """Runs of consecutive layers under the same child of module ``key`` (its stage's units)."""
    if not key:
        return []
    runs: list[tuple[str, list[Node]]] = []
    for n in members:
        rest = n.name[len(key) + 1 :] if n.name.startswith(key + ".") else n.name
        child = f"{key}.{rest.split('.', 1)[0]}"
        if runs and runs[-1][0] == child:
            runs[-1][1].append(n)
        else:
            runs.append((child, [n]))
    return runs


def _layer_name(node: Node, se: bool) -> _Name:
    core = node.label.split(",", 1)[0]
    if node.op.startswith("conv"):
        word = "SE" if se else kernel_word(node)
        return _Name(node.label, core, word, "se" if se else "conv", True, (node,))
    if "pool" in node.op or node.op == "mean":
        return _Name(node.label, core, "pool", "pool", True, (node,))
    if node.op in ("linear", "bilinear"):
        return _Name(node.label, core, "fc", "fc", True, (node,))
    return _Name(node.label, core, core, "other", True, (node,))


def _units(members: Sequence[Node], top: list[Block], nodes: dict[int, Node], found: _Found) -> list[_Name]:
    """The drawn layers and the outermost blocks of a path, in order; a squeeze-and-excitation (1x1
    convolutions on a pooled 1x1 map, whose output scales the features) is one ``SE`` unit."""
    owner = {i: b for b in top for i in found.ids[b.join_id]}
    units: list[_Name] = []
    seen: set[int] = set()
    later_mul = [i for i, n in enumerate(members) if n.op == "mul"]
    for k, n in enumerate(members):
        block = owner.get(n.id)
        if block is not None:
            if block.join_id not in seen:
                seen.add(block.join_id)
                units.append(_block_name(block, nodes, found, ""))
            continue
        if not _drawn(n):
            continue
        pooled = len(n.output_shape) > 2 and all(d == 1 for d in n.output_shape[2:])
        se = n.op.startswith("conv") and pooled and any(m > k for m in later_mul)
        unit = _layer_name(n, se)
        if se and units and units[-1].kind == "se":
            continue  # the excitation's second convolution: one SE
        if se and units and units[-1].kind == "pool" and units[-1].layers[0].output_shape[2:] == n.output_shape[2:]:
            units.pop()  # the squeeze: its global pool belongs to the SE
        units.append(unit)
    return units


def _chain(ids: Sequence[int], nodes: dict[int, Node], found: _Found) -> str:
    """A path's kernels joined by ``-``: ``1x1-3x3dw-1x1``, ``1x1-(1x3|3x1)``, ``pool-1x1``."""
    path = set(ids)
    top = found.outermost(path)
    units = _units([nodes[i] for i in sorted(path)], top, nodes, found)
    return "-".join(u.word or u.token for u in units)


def _block_name(block: Block, nodes: dict[int, Node], found: _Found, type_name: str) -> _Name:
    if block.kind == "residual":
        chain = _chain(block.main.ids, nodes, found) or "identity"
        return _Name(f"{chain} block", f"[{chain}]", f"[{chain}]", "residual")
    paths = [b.ids for b in block.branches if b.ids]
    if len({i for p in paths for i in p}) < sum(len(p) for p in paths):  # branches share layers: dense
        text = f"dense block x{len(paths)}"
        return _Name(text, text, f"dense x{len(paths)}", "dense")
    chains = [_chain(b.ids, nodes, found) or "id" for b in block.branches]
    if all(c == "id" for c in chains):  # slices of one map put side by side (Swin's patch merging)
        text = f"{len(chains)}-way concat"
        return _Name(text, text, text, "branch")
    word = "(" + "|".join(chains) + ")"
    prefix = "" if type_name in _GENERIC else f"{type_name}: "
    text = next(
        (t for t in (prefix + " | ".join(chains), " | ".join(chains)) if len(t) <= MAX_LABEL),
        f"{prefix}{len(chains)} branches",
    )
    return _Name(text, type_name if prefix else word, word, "branch")


def _sequence(units: list[_Name], members: list[Node], type_name: str) -> _Name:
    """Several units in a row: a VGG stage ``3x3 conv x2 + pool``, a kernel chain ``1x1-3x3dw-1x1
    block``, fully connected layers ``fc 4096-4096-1000``, repeated blocks ``3 x [1x1-3x3-1x1]``."""
    kinds = {u.kind for u in units}
    convs = [u for u in units if u.kind == "conv"]
    plain = len(convs) > 1 and len({u.word for u in convs}) == 1 and not convs[0].word.endswith(("dw", "up"))
    if kinds <= {"conv", "pool"} and plain:
        pools = len(units) - len(convs)
        tail = "" if not pools else " + pool" if pools == 1 else f" + {pools} pools"
        text = f"{convs[0].word} conv x{len(convs)}{tail}"
        return _Name(text, f"[{text}]", kind="sequence")
    joins = sum(u.kind in ("branch", "dense") for u in units)
    chain = "-".join(u.word for u in units)
    if (
        kinds <= {"conv", "pool", "se", "branch", "dense"}
        and len(units) <= 5
        and joins <= 1
        and len(chain) <= MAX_LABEL
    ):
        return _Name(f"{chain} block", f"[{chain}]", chain, "chain")
    if kinds == {"fc"}:
        sizes = "-".join(str(u.layers[0].output_shape[-1]) for u in units)
        return _Name(f"fc {sizes}", f"fc {sizes}", kind="sequence", exact=True)
    runs: list[tuple[str, int]] = []
    for u in units:
        if runs and runs[-1][0] == u.token:
            runs[-1] = (u.token, runs[-1][1] + 1)
        else:
            runs.append((u.token, 1))
    text = " + ".join(t if k == 1 else f"{k} x {t if t.startswith(('[', '(')) else f'[{t}]'}" for t, k in runs)
    if len(text) > MAX_LABEL:
        text = _counts(members, type_name)
    return _Name(text, f"[{text}]", kind="sequence")


def _counts(members: Sequence[Node], type_name: str) -> str:
    """The last resort for a long mixed run: what it holds, counted (``52 convs, 2 pools``)."""
    counts = dict.fromkeys(("conv", "pool", "fc"), 0)
    for n in members:
        if _drawn(n):
            kind = _layer_name(n, False).kind
            counts[kind] = counts.get(kind, 0) + 1
    words = {"conv": "convs", "pool": "pools", "fc": "fc"}
    text = ", ".join(f"{k} {words.get(kind, 'layers')}" for kind, k in counts.items() if k)
    return text if type_name in _GENERIC else f"{type_name}: {text}"


def _channels(members: Sequence[Node]) -> str:
    """``, 256``: the box's output channels (dim 1, where convolutions keep them), or where its last
    drawn layer is fully connected, that layer's features (tokens keep their channels last)."""
    shape = members[-1].output_shape
    last = next((n for n in reversed(members) if _drawn(n)), None)
    if len(shape) < 2 or last is None:
        return ""
    if last.op.startswith("conv") or "pool" in last.op or not last.output_shape:
        return f", {shape[1]}"
    return f", {last.output_shape[-1]}"


def _downsampling(members: Sequence[Node]) -> str:
    """``, /2`` when the box's output map is coarser than what came in, by that factor: the ratio of
    effective strides (sizes can mislead: SqueezeNet's 224 -> 13 is /16 with valid convolutions).
    Nothing for a box that ends in a global pool, or for data that is not a map of channels first."""
    first = members[0].input_shapes[0] if members[0].input_shapes else ()
    last = members[-1].output_shape
    maps = any(n.op.startswith("conv") or "pool" in n.op for n in members)
    if not maps or len(first) < 3 or len(first) != len(last) or 0 in last or all(d == 1 for d in last[2:]):
        return ""
    factor = [a / b for a, b in zip(first[2:], last[2:], strict=True)]
    windowed = next((n for n in members if n.stride and n.effective_stride), None)
    end = members[-1].effective_stride
    if windowed is not None and len(end) == len(windowed.stride) == len(factor):
        jumps = [e * s / w for e, s, w in zip(end, windowed.stride, windowed.effective_stride, strict=True)]
        if all(0.5 * f < j < 2 * f for j, f in zip(jumps, factor, strict=True)):  # the same story, told exactly
            factor = jumps
    return stride_text(tuple(max(round(f), 1) for f in factor))
