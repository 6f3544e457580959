"""``vizcore.diff`` of ResNet-101 and ResNet-152, both analyses included (target: under 2 s), with the
matching alone and one analysis measured beside it so the share of each is seen on the same machine.

Each run is cold for the diff (two fresh analyses: nothing is cached between calls); the first, which also
imports and warms torch, is reported apart. Prints the load average, since a shared machine slows it.
Run from the repository root: ``.venv/bin/python -m benchmarks.bench_diff``.
"""

from __future__ import annotations

import gc
import os
import time

import vizcore
from vizcore.engine.diff import match

TARGET_S = 2.0


def timed(fn: object, repeat: int) -> list[float]:
    runs = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        runs.append(time.perf_counter() - start)
    return runs


def main(repeat: int = 5) -> None:
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    first = timed(lambda: vizcore.diff("resnet101", "resnet152", device="cpu"), 1)[0]
    runs = timed(lambda: vizcore.diff("resnet101", "resnet152", device="cpu"), repeat)
    a, b = vizcore.analyze("resnet101", device="cpu"), vizcore.analyze("resnet152", device="cpu")
    matching = timed(lambda: match(a, b), repeat)
    one = timed(lambda: vizcore.analyze("resnet152", device="cpu"), repeat)
    d = match(a, b)
    print(f"diff resnet101 -> resnet152: {', '.join(f'{i.blocks} blocks added' for i in d.added)}")
    print(f"first call (imports, warm-up): {first:.3f} s")
    print(
        f"diff, both analyses included: best {min(runs):.3f} s, median {sorted(runs)[len(runs) // 2]:.3f} s "
        f"(target < {TARGET_S} s: {'met' if min(runs) < TARGET_S else 'MISSED'})"
    )
    print(f"  of which matching alone: best {min(matching):.3f} s; analyse resnet152 alone: best {min(one):.3f} s")
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
