"""Every zoo model analysed cold (built, traced, counted from scratch), in one process.

Prints the slowest five and how many exceed the target (every model under 2 s on this 2-core machine).
Each model is timed once after one untimed warm-up analysis (imports, kernels); nothing is cached
between models. Run from the repository root: ``.venv/bin/python -m benchmarks.bench_zoo``; name models
to time only those, best of three each (``... bench_zoo resnet1202_cifar``: the deepest, 4,210 layers).
"""

from __future__ import annotations

import gc
import sys
import time

import vizcore

TARGET_S = 2.0


def main(names: list[str]) -> None:
    vizcore.analyze("alexnet")  # warm-up: imports and first-call costs, not a model's own
    times: dict[str, float] = {}
    for name in names or vizcore.list_models():
        for _ in range(3 if names else 1):
            gc.collect()
            start = time.perf_counter()
            vizcore.analyze(name)
            times[name] = min(times.get(name, float("inf")), time.perf_counter() - start)
    slowest = sorted(times.items(), key=lambda kv: -kv[1])
    print(
        f"{len(times)} zoo model{'s' if len(times) > 1 else ''} analysed cold, {sum(times.values()):.1f} s in all; target: each < {TARGET_S} s"
    )
    print(f"{'model':<22} {'seconds':>8}")
    for name, seconds in slowest[:5]:
        print(f"{name:<22} {seconds:>8.2f}")
    over = [name for name, seconds in slowest if seconds >= TARGET_S]
    print(f"over target: {len(over)}" + (f" ({', '.join(over)})" if over else ""))


if __name__ == "__main__":
    main(sys.argv[1:])
