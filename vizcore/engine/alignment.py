"""Aligning two sequences in order (Needleman-Wunsch with free gaps: a weighted longest common
subsequence), and sliding what is left unpaired to where a reader expects it. ``diff.py`` aligns
networks' layers and blocks with these; nothing here knows what a layer is."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


def align(a: Sequence[T], b: Sequence[T], score: Callable[[T, T], int]) -> list[tuple[T | None, T | None]]:
    """The pairing of ``a`` and ``b`` in order that scores most (gaps are free; a score of 0 or less
    cannot pair), as (a, b), (a, None) and (None, b) in order. Ties prefer pairing late ones, so a run of
    equal units gained by ``b`` comes out in one piece."""
    n, m = len(a), len(b)
    best = [[0] * (m + 1) for _ in range(n + 1)]
    scores: dict[tuple[int, int], int] = {}
    for i in range(1, n + 1):
        row, above, x = best[i], best[i - 1], a[i - 1]
        for j in range(1, m + 1):
            top = above[j] if above[j] >= row[j - 1] else row[j - 1]
            s = score(x, b[j - 1])
            if s > 0:
                scores[i, j] = s
                if above[j - 1] + s > top:
                    top = above[j - 1] + s
            row[j] = top
    pairs: list[tuple[T | None, T | None]] = []
    i, j = n, m
    while i or j:
        s = scores.get((i, j), 0)
        if i and j and s > 0 and best[i][j] == best[i - 1][j - 1] + s:
            pairs.append((a[i - 1], b[j - 1]))
            i, j = i - 1, j - 1
        elif i and (not j or best[i][j] == best[i - 1][j]):
            pairs.append((a[i - 1], None))
            i -= 1
        else:
            pairs.append((None, b[j - 1]))
            j -= 1
    return pairs[::-1]


def slide(
    pairs: list[tuple[int | None, int | None]], kx: Sequence[K], ky: Sequence[K], light: Callable[[K], bool]
) -> None:
    """Slide each unpaired run past the equal pairs after it while it starts with a norm or an
    activation: a run and the pair after it can swap whenever the run's first layer equals that pair's."""
    k = 0
    while k < len(pairs):
        side = 0 if pairs[k][1] is None else 1 if pairs[k][0] is None else -1
        if side < 0:
            k += 1
            continue
        keys = kx if side == 0 else ky
        end = k
        while end < len(pairs) and pairs[end][1 - side] is None:
            end += 1
        while end < len(pairs):
            first, (i, j) = pairs[k][side], pairs[end]
            if first is None or i is None or j is None or not light(keys[first]) or not kx[i] == ky[j] == keys[first]:
                break
            pairs[k] = (first, j) if side == 0 else (i, first)
            run = range(first + 1, (i if side == 0 else j) + 1)
            pairs[k + 1 : end + 1] = [(n, None) for n in run] if side == 0 else [(None, n) for n in run]
            k, end = k + 1, end + 1
        k = max(end, k + 1)
