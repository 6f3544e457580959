"""Folding a long drawing to fit a wide screen: a chain of boxes cut into rows laid one under another,
as a long sentence wraps into lines, so a 16:9 projector shows it with large labels.

Pure arithmetic on boxes (their estimated widths) and edges, shared by the layer graph (folded rows of
a Graphviz drawing) and the page that picks the layout with the largest labels for a screen. A chain
is only cut where nothing but the cut box's own edges crosses: never through a branch module or a
residual block, so each row reads as a whole stretch of the network.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .svg import text_width

SLIDE = (16.0, 9.0)  # a projector's screen (and a slide) when none is known
MAX_ROWS = 8  # past this, rows of two or three boxes read worse than a long scroll


def cut_points(count: int, edges: Sequence[tuple[int, int]]) -> list[int]:
    """The boxes (ids in drawing order, which is topological) after which a chain may be cut: those
    where every edge that crosses the cut starts at that box."""
    starts = [0] * (count + 1)  # edges that start before box c and end after it, as running sums
    for s, d in edges:
        if d > s + 1:
            starts[s + 1] += 1
            starts[min(d, count)] -= 1
    crossing, cuts = 0, []
    for c in range(count - 1):
        crossing += starts[c]
        if crossing == 0:
            cuts.append(c)
    return cuts


def ranks(count: int, edges: Sequence[tuple[int, int]]) -> list[int]:
    """Each box's column in a left-to-right layout: the longest path to it from the first box."""
    rank = [0] * count
    for s, d in sorted(edges, key=lambda e: e[1]):
        rank[d] = max(rank[d], rank[s] + 1)
    return rank


def fold(widths: Sequence[float], edges: Sequence[tuple[int, int]], rows: int) -> tuple[int, ...]:
    """The row of each box when the chain is cut into at most ``rows`` rows of about equal length
    (``widths``: each box's width along the chain, in any unit)."""
    count = len(widths)
    rank = ranks(count, edges)
    column = [0.0] * (max(rank, default=0) + 1)
    for i, w in enumerate(widths):
        column[rank[i]] = max(column[rank[i]], w)
    reach = [sum(column[: rank[i] + 1]) for i in range(count)]  # how far along the chain box i ends
    total = reach[-1] if reach else 0.0
    cuts: list[int] = []
    allowed = cut_points(count, edges)
    for j in range(1, rows):
        after = [c for c in allowed if not cuts or c > cuts[-1]]
        if not after:
            break
        best = min(after, key=lambda c: abs(reach[c] - total * j / rows))
        if best not in cuts:
            cuts.append(best)
    return tuple(sum(i > c for c in cuts) for i in range(count))


def columns(rows: Sequence[int], edges: Sequence[tuple[int, int]]) -> list[int]:
    """Each box's column when its rows snake (every other row runs right to left and each row starts
    under the box the last one ended with): fixed for every box, so a layout engine has no freedom to
    leave gaps in a short row."""
    rank = ranks(len(rows), edges)
    column: list[int] = []
    start, first = 0, 0  # the current row's first column and first box
    for i, row in enumerate(rows):
        if i and row != rows[i - 1]:
            start, first = column[i - 1], i
        offset = rank[i] - rank[first]
        column.append(start - offset if row % 2 else start + offset)
    return column


def box_width(label: str, label_pt: float) -> float:
    """A box's estimated width in points: its label's width plus margins and the gap to the next."""
    return text_width(label, label_pt) + 40.0


def folded_size(
    widths: Sequence[float], edges: Sequence[tuple[int, int]], rows: int, box_height: float
) -> tuple[float, float]:
    """Estimated width and height of the chain folded into ``rows`` rows (boxes side by side in a
    column of the layout stack up)."""
    row = fold(widths, edges, rows)
    rank = ranks(len(widths), edges)
    width = 0.0
    height = 0.0
    for r in range(max(row, default=0) + 1):
        members = [i for i in range(len(widths)) if row[i] == r]
        columns: dict[int, list[int]] = {}
        for i in members:
            columns.setdefault(rank[i], []).append(i)
        width = max(width, sum(max(widths[i] for i in c) for c in columns.values()))
        height += max(len(c) for c in columns.values()) * box_height + box_height * 0.6
    return width, height


def best_rows(
    widths: Sequence[float], edges: Sequence[tuple[int, int]], box_height: float, screen: tuple[float, float] = SLIDE
) -> int:
    """How many rows make the folded chain's labels largest on a screen of ``screen``'s aspect."""
    scales = {}
    for rows in range(1, MAX_ROWS + 1):
        width, height = folded_size(widths, edges, rows, box_height)
        scales[rows] = min(screen[0] / width, screen[1] / height)
    return max(scales, key=lambda r: (scales[r], -r))


def largest(sizes: Mapping[str, tuple[float, float]], screen: tuple[float, float]) -> str:
    """Of several layouts (name -> laid-out width and height), the one drawn largest on ``screen``;
    the first named wins a tie."""
    return max(sizes, key=lambda name: min(screen[0] / sizes[name][0], screen[1] / sizes[name][1]))
