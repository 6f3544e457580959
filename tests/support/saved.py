"""PyTorch's own record of what a training step's forward pass saved for backward, to test against."""

from __future__ import annotations

import torch
from torch import nn


def autograd_saved_bytes(model: nn.Module, x: torch.Tensor) -> int:
    """Bytes of the activations a real CPU forward pass in train mode leaves in its autograd graph, read
    from every graph node's ``_saved_*`` attributes (PyTorch's own record, no hooks), each storage once,
    parameters and buffers left out."""
    weights = {t.untyped_storage().data_ptr() for t in [*model.parameters(), *model.buffers()]}
    model.train()
    out = model(x)
    outputs = out if isinstance(out, tuple) else (out,)
    storages: dict[int, int] = {}
    todo = [o.grad_fn for o in outputs]
    visited = set()
    while todo:
        fn = todo.pop()
        if fn is None or fn in visited:
            continue
        visited.add(fn)
        for attr in dir(fn):
            if attr.startswith("_saved_"):
                value = getattr(fn, attr)
                for t in value if isinstance(value, (tuple, list)) else [value]:
                    if isinstance(t, torch.Tensor) and t.untyped_storage().data_ptr() not in weights:
                        storages[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        todo += [f for f, _ in fn.next_functions]
    return sum(storages.values())
