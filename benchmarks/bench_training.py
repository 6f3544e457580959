"""``training_cost`` against one real training step on the CPU, for ResNet-50 at batch 32.

Prints the seconds ``training_cost`` takes (on meta: no activation is allocated) and then, from a real
forward, backward and optimizer step, the bytes autograd saved, of every ``.grad`` and of every optimizer
state tensor, beside ours: they must agree to the byte. The real step needs ~3 GiB of memory and a minute
or more on a small machine. Run from the repository root: ``.venv/bin/python -m benchmarks.bench_training``.
"""

from __future__ import annotations

import time

import torch
import torchvision

from tests.support.saved import autograd_saved_bytes
from vizcore.api import training_cost

BATCH = 32


def real_step(optimizer: str) -> dict[str, int]:
    torch.manual_seed(0)
    model = torchvision.models.resnet50()
    x = torch.randn(BATCH, 3, 224, 224)
    saved = autograd_saved_bytes(model, x)
    params = list(model.parameters())
    opt = torch.optim.SGD(params, lr=0.1, momentum=0.9) if optimizer == "sgd" else torch.optim.Adam(params)
    model(x).sum().backward()
    opt.step()
    state = [t for s in opt.state.values() for t in s.values() if isinstance(t, torch.Tensor)]
    return {
        "saved_activation_bytes": saved,
        "gradient_bytes": sum(p.grad.nbytes for p in params if p.grad is not None),
        "optimizer_bytes": sum(t.nbytes for t in state if t.dim() > 0),
        "step_counter_bytes": sum(t.nbytes for t in state if t.dim() == 0),
    }


def main() -> None:
    for optimizer in ("sgd", "adam"):
        start = time.perf_counter()
        cost = training_cost("resnet50", BATCH, optimizer)
        took = time.perf_counter() - start
        real = real_step(optimizer)
        print(f"resnet50 batch {BATCH} {optimizer}: training_cost {took:.2f} s")
        for key, value in real.items():
            ours = cost.totals().get(key)
            print(f"  {key:<24} real {value:>15,}  ours {'-' if ours is None else f'{ours:,}':>15}")
        fits = ", ".join(f"{f.gib} GB: {f.max_batch}" for f in cost.fits)
        print(f"  step {cost.step_bytes:,} bytes; largest batch ({fits})")


if __name__ == "__main__":
    main()
