"""What changed between two traced networks, matched along their graphs, not by module names (an ONNX
file or a renamed module has none to go by).

The matching, in three steps:

1. **Units.** Each network's layers, in execution (graph) order, are cut into units: every outermost
   branch or residual block (``blocks.py``: a fork whose paths meet again), with the activation that
   follows its join, is one unit; every layer outside a block is a unit of its own.
2. **Units aligned.** The two unit sequences are aligned by dynamic programming (Needleman-Wunsch with
   free gaps, i.e. a weighted longest common subsequence) over *signatures*: a layer's is its op, kernel,
   stride, padding, dilation, groups and channels; a block's is its layers' signatures in order. Two
   equal signatures score 2 a layer; two layers of one family (two convolutions, two poolings, two
   activations...) that differ score 1 and are *changed*; two blocks that differ score what aligning
   their layers scores, and only when at least half the larger block's layers find a partner. Anything
   else cannot be paired. A block that found no partner is *added* or *removed* whole, and blocks added
   in a row are said once (``2 x [3x3-3x3], 128``): a stage that gained two blocks.
3. **Gaps opened.** Where both sides left units unpaired between two matches (ResNet-34's blocks
   against plain-34's loose layers), those units' layers are aligned one by one in the same way; a block
   with no partner among them is still added or removed whole. Within a changed block, its layers are
   aligned the same way and each is same, changed (saying what: kernel, stride, padding, channels...),
   added or removed.

A norm or an activation rides with the drawn layer before it (a convolution, a pooling, a fully
connected layer): the papers draw ``3x3 conv, 64`` as one box. Every matched part carries both sides'
costs (params, MACs, activation memory) and receptive field at its output, so the deltas and where the
field changes can be read off. Two graphs with no signature in common share no unit: everything of the
first is removed and everything of the second added, and the notes say so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..shapes import format_shape
from .alignment import align, slide
from .analysis import Analysis, Totals
from .blocks import Block
from .blocks import _drawn as drawn  # the papers' boxes: what a norm or an activation rides with
from .node import Node
from .ops import ACTIVATIONS

STATUSES = ("same", "changed", "added", "removed")
_MIN_SHARED = 0.5  # two different blocks pair only when this share of the larger one's layers pair up


# -- signatures ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Signature:
    """What makes two layers the same layer, wherever they sit and whatever they are called."""

    op: str
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    dilation: tuple[int, ...]
    groups: int
    channels: int  # output channels (a fully connected layer's features)
    in_channels: int
    ceil_mode: bool


def signature(node: Node) -> Signature:
    """A layer's signature. Channels count only for layers with weights: a pooling or an activation on
    a wider map is the same layer, widened by the layer before it."""
    out, seen = node.output_shape, node.input_shapes[0] if node.input_shapes else ()
    last = node.op in ("linear", "bilinear") or len(out) < 3  # features last
    weighted = node.params > 0 or family(node.op) in ("conv", "linear", "norm")
    return Signature(
        op=re.sub(r"[123]d$", "", node.op),  # a module's max_pool and a function's max_pool2d are one op
        kernel=node.kernel,
        stride=node.stride,
        padding=node.padding,
        dilation=node.dilation if any(d != 1 for d in node.dilation) else (),
        groups=node.groups,
        channels=(out[-1] if last else out[1]) if len(out) > 1 and weighted else 0,
        in_channels=(seen[-1] if last else seen[1]) if len(seen) > 1 and weighted else 0,
        ceil_mode=node.ceil_mode,
    )


def family(op: str) -> str:
    """Ops that can replace one another as one layer *changed*: a max pool for an average pool."""
    if op.startswith("conv"):
        return "conv"
    if "pool" in op or op == "mean":
        return "pool"
    if op in ACTIVATIONS:
        return "activation"
    if "norm" in op:
        return "norm"
    if op in ("linear", "bilinear"):
        return "linear"
    return op


def _dims(values: tuple[int, ...]) -> str:
    if not values:
        return "none"
    return str(values[0]) if len(set(values)) == 1 else "x".join(map(str, values))


def differences(a: Node, b: Node) -> tuple[str, ...]:
    """What changed from layer ``a`` to layer ``b``, in words: ``kernel 11x11 -> 7x7``, ``stride 4 -> 2``."""
    sa, sb = signature(a), signature(b)
    said: list[str] = []
    if sa.op != sb.op:
        said.append(f"op {a.label.split(',')[0]} -> {b.label.split(',')[0]}")
    if sa.kernel != sb.kernel:
        said.append(f"kernel {'x'.join(map(str, sa.kernel)) or 'none'} -> {'x'.join(map(str, sb.kernel)) or 'none'}")
    for name in ("stride", "padding", "dilation"):
        x, y = getattr(sa, name), getattr(sb, name)
        if x != y:
            said.append(f"{name} {_dims(x)} -> {_dims(y)}")
    if sa.channels != sb.channels:
        said.append(f"channels {sa.channels} -> {sb.channels}")
    if sa.in_channels != sb.in_channels:
        said.append(f"input channels {sa.in_channels} -> {sb.in_channels}")
    if sa.groups != sb.groups:
        said.append(f"groups {sa.groups} -> {sb.groups}")
    if sa.ceil_mode != sb.ceil_mode:
        said.append(f"rounding {'up' if sa.ceil_mode else 'down'} -> {'up' if sb.ceil_mode else 'down'}")
    return tuple(said)


# -- records ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Part:
    """One side of an item: a layer (with the norm and activation that ride with it), a block, or a run
    of blocks, of one network."""

    label: str
    names: tuple[str, ...]
    ids: tuple[int, ...]
    params: int
    macs: int
    activation_bytes: int
    receptive_field: tuple[int, ...]  # at the part's output
    convs: int  # convolutions among its layers
    rides: bool = False  # a norm or an activation alone, drawn inside the box before it

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "layers": list(self.names),
            "params": self.params,
            "macs": self.macs,
            "activation_bytes": self.activation_bytes,
            "receptive_field": _field(self.receptive_field),
            "convs": self.convs,
        }


@dataclass(frozen=True)
class Item:
    """A part of one network matched with a part of the other (``same``, ``changed``), or a part found
    on one side only (``added``: only in the second, ``removed``: only in the first)."""

    status: str
    level: str  # "layer" or "block"
    before: Part | None
    after: Part | None
    what: tuple[str, ...] = ()  # changed layers: what changed, in words
    blocks: int = 0  # block items: how many blocks (2 when a stage gained two)
    inside: tuple[Item, ...] = ()  # a changed block: its layers, each same, changed, added or removed

    @property
    def label(self) -> str:
        part = self.after or self.before
        assert part is not None
        return part.label

    def delta(self, cost: str) -> int:
        """``params``, ``macs`` or ``activation_bytes`` of the second side minus the first's."""
        return int(getattr(self.after, cost, 0)) - int(getattr(self.before, cost, 0))

    def to_dict(self) -> dict[str, Any]:
        row: dict[str, Any] = {"status": self.status, "level": self.level, "label": self.label}
        if self.level == "block":
            row["blocks"] = self.blocks
        if self.before is not None and self.after is not None:
            row["before"], row["after"] = self.before.label, self.after.label
            row["what"] = list(self.what)
            row["receptive_field"] = [_field(self.before.receptive_field), _field(self.after.receptive_field)]
        part = self.after or self.before
        assert part is not None
        row["layers"] = list(part.names)
        row["convs"] = part.convs
        row["delta"] = {cost: self.delta(cost) for cost in ("params", "macs", "activation_bytes")}
        return row


@dataclass(frozen=True)
class Diff:
    """Two networks matched part by part, in the second network's graph order (``vizcore.diff``)."""

    before: Analysis
    after: Analysis
    items: tuple[Item, ...]
    notes: tuple[str, ...] = field(default=())

    def leaves(self) -> Iterator[Item]:
        """Every item at its finest: a changed block's layers instead of the block."""
        for item in self.items:
            yield from item.inside if item.inside else (item,)

    def of(self, status: str) -> list[Item]:
        return [i for i in self.leaves() if i.status == status]

    @property
    def added(self) -> list[Item]:
        return self.of("added")

    @property
    def removed(self) -> list[Item]:
        return self.of("removed")

    @property
    def changed(self) -> list[Item]:
        return self.of("changed")

    @property
    def matched(self) -> list[Item]:
        """The parts found in both networks (same or changed), as matched: blocks whole."""
        return [i for i in self.items if i.before is not None and i.after is not None]

    @property
    def identical(self) -> bool:
        return all(i.status == "same" for i in self.items)

    @property
    def shared(self) -> bool:
        """Whether the two graphs have any part in common."""
        return bool(self.matched)

    def field_changes(self) -> list[Item]:
        """The matched parts whose receptive field at the output differs, in graph order."""
        return [i for i in self.matched if i.before and i.after and i.before.receptive_field != i.after.receptive_field]

    def to_dict(self) -> dict[str, Any]:
        return {
            "before": self.before.model,
            "after": self.after.model,
            "input_shapes": [list(self.before.input_shape), list(self.after.input_shape)],
            "identical": self.identical,
            "shared": self.shared,
            "added": [i.to_dict() for i in self.added],
            "removed": [i.to_dict() for i in self.removed],
            "changed": [i.to_dict() for i in self.changed],
            "parts": [i.to_dict() for i in self.items],
            "totals": {
                "before": _totals(self.before.totals),
                "after": _totals(self.after.totals),
                "delta": {k: _totals(self.after.totals)[k] - v for k, v in _totals(self.before.totals).items()},
            },
            "notes": list(self.notes),
        }


def _totals(t: Totals) -> dict[str, int]:
    return {"params": t.params, "macs": t.macs, "flops": t.flops, "activation_bytes": t.activation_bytes}


def _field(values: tuple[int, ...]) -> int | list[int] | None:
    if not values:
        return None
    return values[0] if len(set(values)) == 1 else list(values)


# -- matching ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Unit:
    """A block (with the activation after its join) or a loose layer, in one network's graph order."""

    layers: tuple[Node, ...]
    block: Block | None
    key: tuple[int, ...]  # signature ids, for scoring


class _Matcher:
    """Both networks' layers cut into units, with signature ids shared by the two (so scoring compares
    small integers) and memoised block scores (ResNet-152 repeats a handful of blocks 50 times)."""

    def __init__(self, before: Analysis, after: Analysis) -> None:
        self.before, self.after = before, after
        self.ids: dict[Signature, int] = {}
        self.families: list[str] = []
        self.weights: list[int] = []  # a drawn layer (conv, pool, fc) counts twice a norm or an activation
        self.block_scores: dict[tuple[tuple[int, ...], tuple[int, ...]], int] = {}

    def sig(self, node: Node) -> int:
        s = signature(node)
        if s not in self.ids:
            self.ids[s] = len(self.ids)
            self.families.append(family(s.op))
            self.weights.append(2 if drawn(node) else 1)
        return self.ids[s]

    def units(self, a: Analysis) -> list[_Unit]:
        spans: list[tuple[int, int, Block]] = []  # outermost blocks as id ranges, after-activation included
        for b in sorted(a.blocks, key=lambda b: -len(b.layers)):
            ids = [i for br in b.branches for i in br.ids] + [b.join_id]
            first, last = min(ids), max(ids)
            if b.after_id == last + 1:
                last += 1
            if all(last < s or first > e for s, e, _ in spans):
                spans.append((first, last, b))
        starts = {s: (e, b) for s, e, b in spans}
        units: list[_Unit] = []
        k = 1
        while k <= len(a.layers):
            end, block = starts.get(k, (k, None))
            layers = a.layers[k - 1 : end]
            units.append(_Unit(layers, block, tuple(self.sig(n) for n in layers)))
            k = end + 1
        return units

    def layer_score(self, x: int, y: int) -> int:
        """Equal 6 and changed 3 for a drawn layer (conv, pool, fc), 2 and 1 for a norm or an activation:
        a pooling that changed its padding pairs before an LRN that kept its place does."""
        drawn = self.weights[x] == 2
        if x == y:
            return 6 if drawn else 2
        return (3 if drawn else 1) if self.families[x] == self.families[y] else 0

    def unit_score(self, u: _Unit, v: _Unit) -> int:
        if (u.block is None) != (v.block is None):
            return 0
        if u.block is None:
            return self.layer_score(u.key[0], v.key[0])
        assert v.block is not None
        if u.key == v.key:
            return sum(self.layer_score(x, x) for x in u.key)
        if u.block.kind != v.block.kind:
            return 0
        pair = (u.key, v.key)
        if pair not in self.block_scores:
            pairs = align(u.key, v.key, self.layer_score)
            shared = sum(1 for x, y in pairs if x is not None and y is not None)
            fits = shared >= _MIN_SHARED * max(len(u.key), len(v.key))
            # kept below an equal block's score so that an equal block always wins a tie
            self.block_scores[pair] = (
                min(
                    sum(self.layer_score(x, y) for x, y in pairs if x is not None and y is not None), 2 * len(u.key) - 1
                )
                if fits
                else 0
            )
        return self.block_scores[pair]

    def layer_items(self, xs: Sequence[Node], ys: Sequence[Node]) -> list[Item]:
        return [self.layer_item(x, y) for x, y in self.layer_pairs(xs, ys)]

    def layer_pairs(self, xs: Sequence[Node], ys: Sequence[Node]) -> list[tuple[Node | None, Node | None]]:
        """Layers aligned by signature; a run left unpaired is then slid along equal layers so that it
        starts at a drawn layer (``3x3 conv`` + ``relu`` added, not ``relu`` + ``3x3 conv``)."""
        kx, ky = [self.sig(n) for n in xs], [self.sig(n) for n in ys]
        pairs = align(range(len(xs)), range(len(ys)), lambda i, j: self.layer_score(kx[i], ky[j]))
        slide(pairs, kx, ky, lambda key: self.weights[key] == 1)
        return [(xs[i] if i is not None else None, ys[j] if j is not None else None) for i, j in pairs]

    def layer_item(self, x: Node | None, y: Node | None) -> Item:
        before = _part([x], self.before) if x else None
        after = _part([y], self.after) if y else None
        if x is None or y is None:
            return Item("removed" if y is None else "added", "layer", before, after)
        what = differences(x, y)
        return Item("changed" if what else "same", "layer", before, after, what)


def match(before: Analysis, after: Analysis) -> Diff:
    """``before`` and ``after`` matched part by part (see the module's docstring for how)."""
    m = _Matcher(before, after)
    xs, ys = m.units(before), m.units(after)
    items: list[Item] = []
    gap_x: list[_Unit] = []
    gap_y: list[_Unit] = []
    pairs = align(range(len(xs)), range(len(ys)), lambda i, j: m.unit_score(xs[i], ys[j]))
    slide(pairs, [u.key for u in xs], [v.key for v in ys], lambda key: len(key) == 1 and m.weights[key[0]] == 1)
    units = [(xs[i] if i is not None else None, ys[j] if j is not None else None) for i, j in pairs]
    for u, v in [*units, (None, None)]:
        if u is None or v is None:
            gap_x += [u] if u else []
            gap_y += [v] if v else []
            if u is not None or v is not None:
                continue
        items += _gap(m, gap_x, gap_y)
        gap_x, gap_y = [], []
        if u is None or v is None:
            break
        if u.block is None or v.block is None:
            items.append(m.layer_item(u.layers[0], v.layers[0]))
        elif u.key == v.key:
            items.append(Item("same", "block", _part(u.layers, before, True), _part(v.layers, after, True), blocks=1))
        else:
            inside = tuple(_ride(m.layer_items(u.layers, v.layers)))
            counts = {s: sum(i.status == s for i in inside) for s in STATUSES[1:]}
            what = tuple(f"{k} {'layer' if k == 1 else 'layers'} {s}" for s, k in counts.items() if k)
            items.append(
                Item("changed", "block", _part(u.layers, before, True), _part(v.layers, after, True), what, 1, inside)
            )
    return Diff(before, after, tuple(_ride(items)), _notes(before, after, items))


def _gap(m: _Matcher, xs: list[_Unit], ys: list[_Unit]) -> list[Item]:
    """The units left unpaired between two matches: blocks with no partner whole (runs of them said
    once), the rest layer by layer."""
    if xs and ys:
        pairs = m.layer_pairs([n for u in xs for n in u.layers], [n for u in ys for n in u.layers])
    else:
        pairs = [(n, None) for u in xs for n in u.layers] + [(None, n) for u in ys for n in u.layers]
    paired = {id(n) for pair in pairs if None not in pair for n in pair}
    whole = {
        id(n): u
        for u in [*xs, *ys]
        if u.block is not None and not any(id(n) in paired for n in u.layers)
        for n in u.layers
    }
    items: list[Item] = []
    run: list[_Unit] = []  # whole blocks in a row on one side: the last item while it grows
    run_removed = False
    for x, y in pairs:
        node = x or y
        assert node is not None
        unit = whole.get(id(node))
        if unit is None:
            items.append(m.layer_item(x, y))
            run = []
        elif unit.layers[0] is node:
            if run and run_removed == (x is not None):
                run.append(unit)
                items[-1] = _run(run, m, removed=run_removed)
            else:
                run, run_removed = [unit], x is not None
                items.append(_run(run, m, removed=run_removed))
    return items


def _run(units: list[_Unit], m: _Matcher, *, removed: bool) -> Item:
    layers = [n for u in units for n in u.layers]
    part = _part(layers, m.before if removed else m.after, True)
    return Item(
        "removed" if removed else "added",
        "block",
        part if removed else None,
        None if removed else part,
        blocks=len(units),
    )


def _rides(node: Node) -> bool:
    """A layer drawn inside the box before it: a norm, an activation, a dropout."""
    return not drawn(node) and (node.op in ACTIVATIONS or "norm" in node.op or "dropout" in node.op)


def _ride(items: Sequence[Item]) -> Iterator[Item]:
    """Layer items whose layers ride with the layer item before (a norm, an activation) merged into it."""
    held: Item | None = None
    for item in items:
        if held is not None and _joins(held, item):
            held = Item(
                "changed" if "changed" in (held.status, item.status) else held.status,
                "layer",
                _merge(held.before, item.before),
                _merge(held.after, item.after),
                held.what or item.what,  # a norm's changed channels follow from its convolution's
            )
            continue
        if held is not None:
            yield held
        held = item
    if held is not None:
        yield held


def _joins(held: Item, item: Item) -> bool:
    """Whether ``item`` rides with ``held``: both layers, on the same sides, ``item`` all riders."""
    sides = (held.before is None) == (item.before is None) and (held.after is None) == (item.after is None)
    riders = all(p is None or p.rides for p in (item.before, item.after))
    return sides and riders and item.level == held.level == "layer"


def _merge(a: Part | None, b: Part | None) -> Part | None:
    if a is None or b is None:
        return a or b
    return Part(
        a.label,
        a.names + b.names,
        a.ids + b.ids,
        a.params + b.params,
        a.macs + b.macs,
        a.activation_bytes + b.activation_bytes,
        b.receptive_field or a.receptive_field,
        a.convs + b.convs,
        a.rides,
    )


def _part(layers: Sequence[Node], a: Analysis, block: bool = False) -> Part:
    nodes = list(layers)
    if block:
        names = [n.parent if n.kind == "function" else n.name.rsplit(".", 1)[0] if "." in n.name else "" for n in nodes]
        key = _common(names)
        label = a.group_label(key, nodes) if key != nodes[0].name else a.group_label("", nodes)
    else:
        label = nodes[0].label
    return Part(
        label,
        tuple(n.name for n in nodes),
        tuple(n.id for n in nodes),
        sum(n.params for n in nodes),
        sum(n.macs for n in nodes),
        sum(n.output_bytes for n in nodes if n.new_memory),
        nodes[-1].receptive_field,
        sum(n.op.startswith("conv") for n in nodes),
        not block and len(nodes) == 1 and _rides(nodes[0]),
    )


def _common(paths: Sequence[str]) -> str:
    split = [p.split(".") if p else [] for p in paths]
    common: list[str] = []
    for parts in zip(*split, strict=False):
        if any(p != parts[0] for p in parts):
            break
        common.append(parts[0])
    return ".".join(common)


def _notes(before: Analysis, after: Analysis, items: Sequence[Item]) -> tuple[str, ...]:
    notes = []
    if before.input_shape[1:] != after.input_shape[1:]:
        notes.append(
            f"The two were traced on different inputs ({format_shape(before.input_shape[1:])} and "
            f"{format_shape(after.input_shape[1:])}): a layer's cost follows its map size, so even a same layer can cost differently."
        )
    if not any(i.before is not None and i.after is not None for i in items):
        notes.append(
            f"{before.model} and {after.model} share no layer: everything of the first is removed and everything of the second added."
        )
    elif all(i.status == "same" for i in items):
        notes.append(
            f"{before.model} and {after.model} are the same network: every one of their {len(after.layers)} layers matches."
        )
    return tuple(notes)
