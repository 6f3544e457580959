"""Cold ``vizcore.analyze`` against torchvision + torchinfo, side by side in one process.

Prints, for VGG-16 and ResNet-152 at 224, the seconds each takes and their ratio (target: <= 1/3);
then VGG-16 at batch 32, 1024x1024 (target: seconds, with no activation memory allocated).
Run from the repository root: ``.venv/bin/python -m benchmarks.bench_analyze``.
"""

from __future__ import annotations

import gc
import resource
import time

import torchinfo
import torchvision

import vizcore


def seconds(fn: object, repeat: int = 3) -> float:
    """Best of ``repeat`` runs: each run is cold (a fresh build), the minimum removes scheduler noise."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return best


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    print(f"{'model':<12} {'vizcore s':>10} {'torchinfo s':>12} {'ratio':>7}  target <= 0.333")
    for name in ("vgg16", "resnet152"):
        ours = seconds(lambda name=name: vizcore.analyze(name, (1, 3, 224, 224), device="cpu"))
        theirs = seconds(
            lambda name=name: torchinfo.summary(
                torchvision.models.get_model(name, weights=None), input_size=(1, 3, 224, 224), device="cpu", verbose=0
            )
        )
        print(f"{name:<12} {ours:>10.3f} {theirs:>12.3f} {ours / theirs:>7.3f}")

    before = peak_rss_mib()
    start = time.perf_counter()
    big = vizcore.analyze("vgg16", (32, 3, 1024, 1024), device="cpu")
    took = time.perf_counter() - start
    grew = peak_rss_mib() - before
    print(
        f"vgg16 32x3x1024x1024: {took:.2f} s, activations {big.totals.activation_bytes / 2**30:.1f} GiB counted, "
        f"peak RSS grew {grew:.0f} MiB ({grew * 2**20 / big.totals.activation_bytes:.4f} of the activations)"
    )


if __name__ == "__main__":
    main()
