"""What one training step keeps in memory, per layer: activations saved for backward, gradients and the
optimizer's state; and the largest batch that fits a card of 16, 24, 40 or 80 GB.

Saved activations are what autograd really keeps, measured with ``torch.autograd.graph.saved_tensors_hooks``
in train mode (dropout masks, batch norm's batch statistics, max pooling's int64 indices), each storage
counted once (an in-place ReLU's result is its input's storage) and given to the innermost module running
when it was first saved. Parameters and buffers that autograd saves (a convolution's weight) are weights,
not activations. The pass runs on the meta device (shapes and bytes, no data) and falls back to the CPU
for a model that reads tensor values. It runs at batch 2 and 3 and is extended linearly per layer: a part
that grows with every sample, and batch norm's per-channel statistics, which do not grow with the batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ..errors import VizcoreError
from .analysis import Analysis
from .hooks import forward_hooks
from .measure import META, Source
from .trace import _storage_key

OPTIMIZER_STATE: dict[str, tuple[str, ...]] = {
    "sgd": ("momentum_buffer",),  # SGD with momentum
    "adam": ("exp_avg", "exp_avg_sq"),
}
"""Per-parameter tensors each optimizer keeps, each the size of its parameter."""

MAX_BATCH = 65_536
CARD_GIB = (16, 24, 40, 80)  # cards are sold in GB but hold GiB: an "80 GB" A100 has 80 x 2**30 bytes

_MEASURED_BATCHES = (2, 3)  # not 1: batch norm in train mode refuses one value per channel

NOT_COUNTED = (
    "the allocator's overhead (caching, rounding, fragmentation), the CUDA context, cuDNN workspaces and "
    "the forward pass's temporary tensors that backward does not need are not counted"
)


@dataclass(frozen=True)
class LayerTraining:
    """One module's share of a training step; ``saved_bytes`` at the step's batch."""

    name: str  # the module's dotted path; "" for the model's own forward (functions called there)
    type: str
    params: int  # trainable parameters the module owns itself
    saved_bytes: int
    saved_per_sample: int
    gradient_bytes: int
    optimizer_bytes: int

    @property
    def total_bytes(self) -> int:
        return self.saved_bytes + self.gradient_bytes + self.optimizer_bytes


@dataclass(frozen=True)
class Fit:
    """The largest batch whose step fits ``gib`` GiB (0: not even one sample)."""

    gib: int
    max_batch: int


@dataclass(frozen=True)
class TrainingCost:
    analysis: Analysis  # the forward trace (eval mode) the step belongs to
    batch: int
    optimizer: str
    measured_on: str  # "meta", or "cpu" for a model that reads tensor values
    layers: tuple[LayerTraining, ...]
    weight_bytes: int  # parameters and buffers (batch norm's running statistics)
    gradient_bytes: int
    optimizer_bytes: int
    saved_activation_bytes: int
    saved_per_sample: int  # bytes of saved activations each extra sample adds
    param_tensors: int  # Adam keeps one step counter per parameter tensor
    has_dropout: bool
    fits: tuple[Fit, ...]

    @property
    def step_bytes(self) -> int:
        """Weights + gradients + optimizer state + saved activations at ``batch``."""
        return self.weight_bytes + self.gradient_bytes + self.optimizer_bytes + self.saved_activation_bytes

    @property
    def notes(self) -> tuple[str, ...]:
        state = " and ".join(OPTIMIZER_STATE[self.optimizer])
        notes = [
            f"Traced in train mode at batch {_MEASURED_BATCHES[0]} and {_MEASURED_BATCHES[1]} on {self.measured_on} "
            f"and extended linearly to batch {self.batch}: {self.saved_per_sample:,} saved bytes per sample.",
            f"Optimizer state: {state}, one float each per parameter"
            + (
                f"; Adam's {self.param_tensors} step counters (one scalar per parameter tensor) are not counted."
                if self.optimizer == "adam"
                else "."
            ),
            f"The largest batch that fits counts weights + gradients + optimizer state + saved activations; {NOT_COUNTED}.",
        ]
        unused = self.analysis.totals.unused_params
        if unused:
            notes.append(
                f"The {unused:,} parameters that do not run in eval mode (auxiliary heads) run in train mode: "
                "their activations, gradients and optimizer state are counted here."
            )
        if self.has_dropout:
            notes.append(
                "Dropout masks are counted as the CPU and meta kernels keep them, a float per element; "
                "CUDA's fused dropout keeps one byte per element."
            )
        return tuple(notes)

    def layer(self, name: str) -> LayerTraining:
        for row in self.layers:
            if row.name == name:
                return row
        raise KeyError(name)

    def totals(self) -> dict[str, int]:
        return {
            "batch": self.batch,
            "weight_bytes": self.weight_bytes,
            "saved_activation_bytes": self.saved_activation_bytes,
            "gradient_bytes": self.gradient_bytes,
            "optimizer_bytes": self.optimizer_bytes,
            "step_bytes": self.step_bytes,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch": self.batch,
            "optimizer": self.optimizer,
            "optimizer_state": list(OPTIMIZER_STATE[self.optimizer]),
            "measured_on": self.measured_on,
            "mode": "train",
            "saved_per_sample": self.saved_per_sample,
            "layers": [
                {
                    "name": r.name,
                    "type": r.type,
                    "params": r.params,
                    "saved_bytes": r.saved_bytes,
                    "saved_per_sample": r.saved_per_sample,
                    "gradient_bytes": r.gradient_bytes,
                    "optimizer_bytes": r.optimizer_bytes,
                }
                for r in self.layers
            ],
            "largest_batch": {f"{f.gib} GiB": f.max_batch for f in self.fits},
            "notes": list(self.notes),
        }


def check_batch(batch: object) -> int:
    """``batch`` as a count of samples, or one sentence on what is wrong with it."""
    if isinstance(batch, bool) or not isinstance(batch, int):
        raise VizcoreError(f"batch must be a whole number, not {batch!r}; e.g. batch=32.")
    if batch < 1:
        raise VizcoreError(f"batch {batch} has no samples to train on: use a batch of 1 or more, e.g. 32.")
    if batch > MAX_BATCH:
        raise VizcoreError(f"batch {batch:,} is more than any GPU holds: use at most {MAX_BATCH:,} samples.")
    return batch


def check_optimizer(optimizer: object) -> str:
    if optimizer not in OPTIMIZER_STATE:
        raise VizcoreError(f"unknown optimizer {optimizer!r}: use {' or '.join(map(repr, OPTIMIZER_STATE))}.")
    return str(optimizer)


def measure_training(source: Source, analysis: Analysis, batch: int, optimizer: str = "sgd") -> TrainingCost:
    """What a training step of the model ``source`` builds keeps, on inputs shaped like ``analysis``'s
    (its batch replaced by ``batch``), with ``optimizer`` ("sgd" with momentum, or "adam")."""
    batch, optimizer = check_batch(batch), check_optimizer(optimizer)
    dtype = getattr(torch, analysis.dtype)
    sample = analysis.input_shape[1:]
    module, built_on = source(META)
    try:
        measured = [saved_by_module(module, (n, *sample), dtype, built_on) for n in _MEASURED_BATCHES]
    except Exception:  # the model reads tensor values: measure it for real on the CPU
        module, built_on = source(torch.device("cpu"))
        try:
            measured = [saved_by_module(module, (n, *sample), dtype, "cpu") for n in _MEASURED_BATCHES]
        except Exception as exc:
            first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise VizcoreError(f"{analysis.model} could not run a training step in train mode ({first_line}).") from exc

    state_floats = len(OPTIMIZER_STATE[optimizer])
    owners = _param_owners(module)
    low, high = measured
    rows = []
    types = {name: type(m).__name__ for name, m in module.named_modules()}
    for name in dict.fromkeys([*low, *high, *owners]):  # execution order, then owners that saved nothing
        small, large = low.get(name, 0), high.get(name, 0)
        per_sample = large - small
        fixed = small - per_sample * _MEASURED_BATCHES[0]
        params, param_bytes = owners.get(name, (0, 0))
        rows.append(
            LayerTraining(
                name=name,
                type=types.get(name, "function"),
                params=params,
                saved_bytes=fixed + per_sample * batch,
                saved_per_sample=per_sample,
                gradient_bytes=param_bytes,
                optimizer_bytes=param_bytes * state_floats,
            )
        )
    weights = sum(t.numel() * t.element_size() for t in [*module.parameters(), *module.buffers()])
    gradients = sum(r.gradient_bytes for r in rows)
    per_sample = sum(r.saved_per_sample for r in rows)
    fixed_saved = sum(r.saved_bytes for r in rows) - per_sample * batch
    constant = weights + gradients * (1 + state_floats) + fixed_saved
    return TrainingCost(
        analysis=analysis,
        batch=batch,
        optimizer=optimizer,
        measured_on=built_on,
        layers=tuple(rows),
        weight_bytes=weights,
        gradient_bytes=gradients,
        optimizer_bytes=gradients * state_floats,
        saved_activation_bytes=sum(r.saved_bytes for r in rows),
        saved_per_sample=per_sample,
        param_tensors=sum(1 for p in module.parameters() if p.requires_grad),
        has_dropout=any(isinstance(m, nn.modules.dropout._DropoutNd) for m in module.modules()),
        fits=tuple(Fit(gib, max(0, (gib * 2**30 - constant) // per_sample) if per_sample else 0) for gib in CARD_GIB),
    )


def saved_by_module(module: nn.Module, shape: tuple[int, ...], dtype: torch.dtype, device: str) -> dict[str, int]:
    """Bytes autograd saves for backward during one train-mode forward pass, by module path, each
    storage counted once (in the module that saved it first); parameters and buffers are not counted."""
    weights = {_storage_key(t) for t in [*module.parameters(), *module.buffers()]}
    first_saver: dict[int | None, str] = {}
    saved: dict[str, int] = {}
    running: list[str] = []

    def pack(t: torch.Tensor) -> torch.Tensor:
        key = _storage_key(t)
        if key not in weights and key not in first_saver:
            where = running[-1] if running else ""
            first_saver[key] = where
            saved[where] = saved.get(where, 0) + t.untyped_storage().nbytes()
        return t  # kept, so that no storage is freed and its key reused during the pass

    inputs = torch.zeros(shape, dtype=dtype, device=torch.device(device))
    with (
        _train_mode(module),
        _module_stack(module, running),
        torch.enable_grad(),
        torch.autograd.graph.saved_tensors_hooks(pack, _unpack),
    ):
        output = module(inputs)
    del output  # the graph and what it saved go with it
    return saved


def _unpack(t: torch.Tensor) -> torch.Tensor:
    return t


def _param_owners(module: nn.Module) -> dict[str, tuple[int, int]]:
    """Trainable parameters and their bytes, by the module that owns them (shared ones once)."""
    seen: set[int] = set()
    owners: dict[str, tuple[int, int]] = {}
    for name, sub in module.named_modules():
        own = [p for p in sub.parameters(recurse=False) if p.requires_grad and id(p) not in seen]
        seen.update(id(p) for p in own)
        if own:
            owners[name] = (sum(p.numel() for p in own), sum(p.numel() * p.element_size() for p in own))
    return owners


@contextmanager
def _train_mode(module: nn.Module) -> Iterator[None]:
    was_training = {m: m.training for m in module.modules()}
    module.train()
    try:
        yield
    finally:
        for m, training in was_training.items():
            m.train(training)


@contextmanager
def _module_stack(module: nn.Module, running: list[str]) -> Iterator[None]:
    """Keeps ``running`` as the paths of the modules inside whose forward the pass is."""
    names = {id(m): name for name, m in module.named_modules()}

    def enter(m: nn.Module, args: Any) -> None:
        running.append(names.get(id(m), ""))

    def leave(m: nn.Module, args: Any, output: Any) -> None:
        if running:
            running.pop()

    modules = list(module.modules())
    with forward_hooks([(m, leave) for m in modules], before=[(m, enter) for m in modules]):
        yield
