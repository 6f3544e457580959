"""What a channel wants: 16 channels of an early, a middle and a late layer of EfficientNet-Lite0 in one
batch at 128 px; target: the middle layer's grid in 60 s or less on a 2-core CPU at the default steps.
Prints time per step and in all, the CPU time and the load average: on a shared machine the wall time
says little, and CPU seconds / threads is what an idle machine with that many cores would take.
``--compare`` also times the plain shared network (no batch-norm folding, contiguous memory) side by side.
Run from the repository root: ``.venv/bin/python -m benchmarks.bench_featurevis [--steps 16] [--device cuda]``."""

from __future__ import annotations

import argparse
import os
import time

import torch

from vizcore.photos import featurevis as fv
from vizcore.photos import inference

LAYERS = {"early": "blocks.1.0.conv_pw", "middle": "blocks.3.1.conv_pw", "late": "conv_head"}


def timed(clf: inference.Classifier, layer: str, channels: int, steps: int) -> tuple[float, float]:
    """Wall and CPU seconds of one request of ``channels`` images, ``steps`` steps."""
    wall, cpu = time.perf_counter(), time.process_time()
    fv.visualise(clf, fv.Request(layer, tuple(range(channels)), steps=steps))
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2: the target machine)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--steps", type=int, default=8, help="steps timed per layer, 2 or more (a step's time is steady)"
    )
    parser.add_argument("--channels", type=int, default=16)
    parser.add_argument("--compare", action="store_true", help="also time the unfolded, contiguous network")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    clf = inference.default_classifier(args.device)
    print(
        f"{args.channels} channels x 128 px, {args.steps} steps timed, {torch.get_num_threads()} threads on "
        f"{clf.device}; load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )
    fv.visualise(clf, fv.Request(LAYERS["early"], (0,), steps=2))  # warm-up: allocator, kernels
    for label, layer in LAYERS.items():
        # one step, then N: the difference is the steps alone, without the copy and folding of the network
        (wall1, cpu1), (wall, cpu) = (timed(clf, layer, args.channels, n) for n in (1, args.steps))
        per_step, cpu_step = (wall - wall1) / (args.steps - 1), (cpu - cpu1) / (args.steps - 1)
        idle = (cpu1 - cpu_step + cpu_step * fv.DEFAULT_STEPS) / torch.get_num_threads()
        print(
            f"{label:<7}{layer:<22} {per_step * 1e3:6.0f} ms/step wall, {cpu_step * 1e3:6.0f} ms/step CPU, "
            f"setup {wall1 - per_step:4.1f} s; {fv.DEFAULT_STEPS} steps: {wall1 + per_step * (fv.DEFAULT_STEPS - 1):6.1f} s "
            f"wall, {idle:5.1f} s on an idle {torch.get_num_threads()}-core machine; load now {os.getloadavg()[0]:.2f}"
        )
    if args.compare:
        private = fv._private_copy  # the shared network as it is: what the folding and channels-last save
        fv._private_copy = lambda c, layer, side: c.model  # type: ignore[assignment]
        try:
            request = fv.Request(LAYERS["middle"], tuple(range(args.channels)), steps=args.steps)
            wall, cpu = time.perf_counter(), time.process_time()
            fv.visualise(clf, request)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(
                f"middle, unfolded and contiguous: {wall / args.steps * 1e3:7.0f} ms/step wall, "
                f"{cpu / args.steps * 1e3:7.0f} ms/step CPU"
            )
        finally:
            fv._private_copy = private


if __name__ == "__main__":
    main()
