"""Occlusion on EfficientNet-Lite0 at 224 with a 32-pixel window and stride 16 (13 x 13 = 169 covered
copies and the photo: 170 forward passes), target under 10 s on a 2-core CPU; and every other map.
Prints the load average and the CPU time too: on a shared machine the wall time says little, and
CPU seconds / threads is what an idle machine with that many cores would take.
Run from the repository root: ``.venv/bin/python -m benchmarks.bench_attribution [--threads 2]``."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import torch

from vizcore.photos import attribution, channels, images, inference


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2: the target machine)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batches", default="16,32,64", help="occlusion images per forward pass to compare")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    clf = inference.default_classifier(args.device)
    photo = Path(__file__).resolve().parents[1] / "assets" / "samples" / "coffee.jpg"
    x = inference.classify(clf, images.load_image(photo)).input
    target = 967  # espresso
    print(
        f"{clf.name} on {clf.device}, {torch.get_num_threads()} threads, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
    )
    attribution.explain(clf, x, "gradcam", target)  # warm-up
    for batch in (int(b) for b in args.batches.split(",")):
        start, cpu = time.perf_counter(), time.process_time()
        found = attribution.explain(clf, x, "occlusion", target, window=32, stride=16, batch=batch)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(
            f"occlusion 32/16, batch {batch:>2}: {seconds:6.2f} s wall, {cpu:6.2f} s CPU "
            f"(on {args.threads} idle cores: ~{cpu / args.threads:.1f} s), top {found.values.max():.3f}"
        )
    for method in ("gradcam", "saliency", "guided-backprop", "integrated-gradients"):
        start = time.perf_counter()
        attribution.explain(clf, x, method, target)
        print(f"{method}: {time.perf_counter() - start:.2f} s")
    decoded = [images.load_image(p) for p in sorted(photo.parent.glob("*.jpg"))]
    inputs = [clf.transform(image).unsqueeze(0) for image in decoded]
    start = time.perf_counter()
    channels.strongest_patches(clf, inputs)
    print(f"strongest patches, every conv layer, {len(inputs)} photos: {time.perf_counter() - start:.2f} s")
    print(f"load afterwards {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
