"""What changed between two networks as one merged drawing: each part of the diff a box in graph order,
added green, removed red, changed amber (``before`` over ``-> after``), runs of parts that stayed the same
one grey box. Colour says the change; a sign (+, -) says it again for a print in grey. The chain wraps into rows like text, as many as draw the labels largest on a 16:9 screen.
A pure function from a ``Diff`` to DOT, with what a click on each box shows."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from .. import dot_writer as dot
from ..engine.diff import Diff, Item
from ..formats import human_bytes, human_count, per_dim_text
from .folding import SLIDE, box_width
from .style import DIFF_FILLS, DIFF_LINES, DIFF_MARKS, EDGE, FONT, GRAPH_LABEL_PT, GRAPH_SHAPE_PT, TEXT

_BOX_HEIGHT_PT = 60.0  # a box of one line (36 pt, as Graphviz draws it) and the rank gap (25 pt) below it
_MAX_COLUMNS = 8


@dataclass(frozen=True)
class DiffBox:
    """One box: a changed, added or removed part, or a run of parts that are the same."""

    status: str
    lines: tuple[str, ...]
    items: tuple[Item, ...]


def boxes(d: Diff) -> list[DiffBox]:
    """The diff's parts in graph order, a changed block opened into its layers, runs of same parts merged."""
    leaves = list(d.leaves())
    out: list[DiffBox] = []
    for item in leaves:
        if item.status == "same" and out and out[-1].status == "same":
            run = (*out[-1].items, item)
            out[-1] = DiffBox("same", _same_lines(run), run)
        elif item.status == "same":
            out.append(DiffBox("same", _same_lines((item,)), (item,)))
        elif item.status == "changed" and item.before and item.after:
            out.append(DiffBox("changed", (item.before.label, f"-> {item.after.label}"), (item,)))
        else:
            count = f"{item.blocks} blocks: " if item.blocks > 1 else ""
            out.append(DiffBox(item.status, (f"{DIFF_MARKS[item.status]} {count}{item.label}",), (item,)))
    return out


def _same_lines(run: Sequence[Item]) -> tuple[str, ...]:
    """A run of same parts by its drawn layers (a lone ReLU between two changes says little):
    ``3x3 conv, 64 x2``, or its first and last."""
    drawn = [i.label for i in run if i.after and not i.after.rides] or [i.label for i in run]
    if len(set(drawn)) == 1:
        head = drawn[0] + (f" x{len(drawn)}" if len(drawn) > 1 else "")
    else:
        head = f"{drawn[0]} ... {drawn[-1]}"
    return (head,)


def diff_dot(d: Diff, columns: int = 0) -> str:
    """The merged drawing as DOT; ``columns`` boxes a row (0: as many as draw it largest on a 16:9 screen)."""
    found = boxes(d)
    widths = [max(box_width(line, GRAPH_LABEL_PT) for line in b.lines) for b in found]
    per_row = columns or best_columns(widths)
    body: list[str] = []
    for i, b in enumerate(found):
        label = dot.html_label(
            (b.lines[0], GRAPH_LABEL_PT),
            *((line, GRAPH_SHAPE_PT if b.status != "changed" else GRAPH_LABEL_PT) for line in b.lines[1:]),
        )
        body.append(
            dot.node(
                f"node{i}",
                {
                    "id": f"node{i}",
                    "label": label,
                    "fillcolor": DIFF_FILLS[b.status],
                    "color": DIFF_LINES[b.status],
                    "fontcolor": TEXT,
                },
            )
        )
    for start in range(0, len(found), per_row):
        row = [f"node{i}" for i in range(start, min(start + per_row, len(found)))]
        body.append("{rank=same; " + " ".join(dot.quote(r) for r in row) + "}")
        body += [dot.edge(a, b) for a, b in itertools.pairwise(row)]
        if start + per_row < len(found):  # the wrap: the row's end into the next row's start, under it
            body.append(dot.edge(row[-1], f"node{start + per_row}", {"constraint": "false", "style": "dashed"}))
            body.append(dot.edge(row[0], f"node{start + per_row}", {"style": "invis"}))
    title = f"{d.before.model} -> {d.after.model}"
    return dot.digraph(
        "diff",
        {
            "rankdir": "TB",
            "nodesep": 0.3,
            "ranksep": 0.35,
            "bgcolor": "white",
            "pad": 0.2,
            "fontname": FONT,
            "fontsize": GRAPH_LABEL_PT,
            "labelloc": "t",
            "label": title,
        },
        body,
        node_attrs={
            "shape": "box",
            "style": "rounded,filled",
            "fontname": FONT,
            "margin": "0.14,0.04",
            "penwidth": 2.0,
        },
        edge_attrs={"color": EDGE, "arrowsize": 0.7, "penwidth": 1.3},
    )


def best_columns(widths: Sequence[float], screen: tuple[float, float] = SLIDE) -> int:
    """How many boxes a row draws the labels largest on ``screen`` (each column as wide as its widest box)."""
    count = max(len(widths), 1)
    scales = {}
    for cols in range(1, min(_MAX_COLUMNS, count) + 1):
        rows = -(-count // cols)
        width = sum(max(widths[c::cols], default=0.0) for c in range(cols))
        scales[cols] = min(screen[0] / max(width, 1.0), screen[1] / (rows * _BOX_HEIGHT_PT))
    return max(scales, key=lambda c: (scales[c], -c))


def box_details(d: Diff) -> dict[str, dict[str, str]]:
    """What a click on each box shows (the SVG element id, ``node3``, to one line of text)."""
    return {f"node{i}": {"text": box_text(b)} for i, b in enumerate(boxes(d))}


def box_text(b: DiffBox) -> str:
    """A box in one line: before -> after, what changed, and the cost deltas."""
    if b.status == "same":
        return (
            f"{len(b.items)} parts the same: "
            + ", ".join(i.label for i in b.items[:12])
            + (" ..." if len(b.items) > 12 else "")
        )
    item = b.items[0]
    parts = [
        f"{b.status}: {item.before.label if item.before else '(none)'} -> {item.after.label if item.after else '(none)'}"
    ]
    if item.what:
        parts.append(", ".join(item.what))
    params, macs, memory = (item.delta(c) for c in ("params", "macs", "activation_bytes"))
    parts.append(
        f"params {params:+,}, MACs {'+' if macs > 0 else ''}{human_count(macs)}, memory {'+' if memory > 0 else ''}{human_bytes(memory)}"
    )
    if item.before and item.after and item.before.receptive_field != item.after.receptive_field:
        parts.append(
            f"receptive field {per_dim_text(item.before.receptive_field)} -> {per_dim_text(item.after.receptive_field)}"
        )
    return " · ".join(parts)
