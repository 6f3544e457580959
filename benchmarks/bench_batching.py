"""30 students press "classify" at the same moment: one forward pass each, queued behind the model's lock,
against dynamic batching (``vizcore.photos.batching.Batcher``: requests arriving together share a forward pass).
Prints the wall time until the last student has a result and the students' median and p95 wait.
Run from the repository root: ``.venv/bin/python -m benchmarks.bench_batching [--device cpu]``."""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from PIL import Image, ImageOps  # noqa: E402

from vizcore.photos import images, inference  # noqa: E402
from vizcore.photos.batching import Batcher  # noqa: E402

STUDENTS = 30


def photos(n: int) -> list[Image.Image]:
    """``n`` different photos: the samples, mirrored and cropped a little differently for each student."""
    samples = [images.load_image(p) for p in sorted((ROOT / "assets" / "samples").glob("*.jpg"))]
    out = []
    for i in range(n):
        photo = samples[i % len(samples)]
        photo = ImageOps.mirror(photo) if (i // len(samples)) % 2 else photo
        margin = i // (2 * len(samples)) * 8
        out.append(photo.crop((margin, margin, photo.width - margin, photo.height - margin)))
    return out


def at_once(images: list[Image.Image], classify: Callable[[Image.Image], object]) -> tuple[float, list[float]]:
    """Every student classifies at the same moment; the wall time and each student's wait."""
    start = threading.Barrier(len(images) + 1)
    waits = [0.0] * len(images)

    def student(i: int) -> None:
        start.wait()
        t = time.perf_counter()
        classify(images[i])
        waits[i] = time.perf_counter() - t

    threads = [threading.Thread(target=student, args=(i,)) for i in range(len(images))]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    start.wait()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, waits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--max-batch", type=int, nargs="+", default=[4, 8, 32])
    args = parser.parse_args()
    clf = inference.default_classifier(args.device)
    pictures = photos(STUDENTS)
    inference.classify(clf, pictures[0])  # warm up the kernels
    batchers = {
        size: Batcher(lambda batch: inference.classify_batch(clf, batch), max_batch=size, max_wait=0.005)
        for size in args.max_batch
    }
    ways: dict[str, Callable[[Image.Image], object]] = {
        "one forward pass each, behind the lock": lambda image: inference.classify(clf, image),
        **{f"dynamic batching, up to {size} a pass": b.submit for size, b in batchers.items()},
    }
    best: dict[str, tuple[float, list[float]]] = {}
    for _ in range(args.repeat):  # alternate, so both see the same machine
        for name, classify in ways.items():
            wall, waits = at_once(pictures, classify)
            if name not in best or wall < best[name][0]:
                best[name] = (wall, waits)
    print(
        f"{STUDENTS} students classify different photos at once with {clf.name} on {clf.device} (best of {args.repeat})"
    )
    for name, (wall, waits) in best.items():
        waits = sorted(waits)
        print(
            f"  {name:40s} all done in {wall:.2f} s; a student waits median {statistics.median(waits):.2f} s, "
            f"p95 {waits[int(0.95 * (len(waits) - 1))]:.2f} s"
        )
    queued = best["one forward pass each, behind the lock"][0]
    for size, b in batchers.items():
        batched = best[f"dynamic batching, up to {size} a pass"][0]
        print(
            f"  up to {size} a pass: {queued / batched:.2f}x the throughput of the queue; last passes served {b.batch_sizes[-5:]}"
        )
        b.close()


if __name__ == "__main__":
    main()
