"""Choosing the device: CUDA, then MPS, then CPU, unless the caller says otherwise."""

from __future__ import annotations

import torch

from .errors import VizcoreError


def available_devices() -> list[str]:
    """The kinds of device this machine can run on, best first: CUDA, then MPS, then the CPU."""
    mps = getattr(torch.backends, "mps", None)
    found = {"cuda": torch.cuda.is_available(), "mps": bool(mps is not None and mps.is_available()), "cpu": True}
    return [name for name, present in found.items() if present]


def best_device() -> torch.device:
    return torch.device(available_devices()[0])


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``None`` or ``"auto"`` picks the best device; anything else must exist on this machine."""
    if device is None or device == "auto":
        return best_device()
    try:
        chosen = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise VizcoreError(f"device {device!r} is not a device name: use auto, cpu, cuda or mps.") from exc
    if chosen.type not in available_devices():
        raise VizcoreError(f"device {device!r} is not available on this machine: use auto or cpu.")
    return chosen


def synchronize(device: torch.device) -> None:
    """Wait for queued kernels, so a wall-clock reading covers the work it claims to."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()
