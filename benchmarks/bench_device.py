"""The GPU path: analyze on the best device (CUDA when present) with per-layer timings, synchronised.

Prints, per model, the device picked, the whole forward pass without hooks, the sum of per-layer times
(synchronised around every layer, so larger) and the slowest layers; then checks that a model which
reads tensor values falls back to real tensors on that device. Run from the repository root.
"""

from __future__ import annotations

import torch

import vizcore


class ReadsValues(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        return y if float(y.abs().sum()) >= 0 else -y


def main() -> None:
    print(f"torch {torch.__version__}, best device: {vizcore.best_device()}", end="")
    print(f" ({torch.cuda.get_device_name()})" if torch.cuda.is_available() else "")
    for name, shape in (("alexnet", (1, 3, 227, 227)), ("resnet50", (1, 3, 224, 224)), ("vgg16", (8, 3, 224, 224))):
        result = vizcore.analyze(name, shape, timings=True)
        layer_ms = sum(n.time_ms or 0.0 for n in result.layers)
        slowest = sorted(result.layers, key=lambda n: n.time_ms or 0.0, reverse=True)[:3]
        print(
            f"{name:<9} {vizcore.format_shape(shape):<14} on {result.device}: forward {result.forward_ms:.2f} ms, "
            f"sum of {len(result.layers)} layers {layer_ms:.2f} ms, {result.totals.macs / 1e9:.3f} GMACs, "
            f"{result.totals.params:,} params; slowest: " + ", ".join(f"{n.name} {n.time_ms:.3f} ms" for n in slowest)
        )
    fallback = vizcore.analyze(ReadsValues(), (1, 3, 16, 16))
    print(f"value-dependent model traced on {fallback.traced_on}, output {fallback.output_shapes}")


if __name__ == "__main__":
    main()
