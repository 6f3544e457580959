"""Exporting a module to ONNX for tests, as a user would (weights left random: only shapes matter)."""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from torch import nn

SMALL = (1, 3, 64, 64)


def export(model: nn.Module, path: Path, *, dynamo: bool, shape: tuple[int, ...] = SMALL, **options: object) -> Path:
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), (torch.zeros(shape),), str(path), dynamo=dynamo, **options)  # type: ignore[arg-type]
    return path
