"""``analyze`` and ``training_cost``, the front door: it decides whether it was given a zoo name, a layer
list, a module or an ONNX file, and hands the engine a source that builds it."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

if TYPE_CHECKING:
    import onnx

from .builder import spec
from .cards import ModelCard
from .engine.analysis import Analysis
from .engine.diff import Diff, match
from .engine.measure import META, SkipInit, Source, copy_to, measure, module_source
from .engine.training import TrainingCost, check_batch, check_optimizer, measure_training
from .errors import InputShapeError, VizcoreError, missing_extra
from .files import is_onnx_data, is_onnx_path
from .shapes import normalize_shape
from .zoo import get_card, get_model


def analyze(
    model: str | os.PathLike[str] | bytes | nn.Module | onnx.ModelProto,
    input_shape: Sequence[int] | None = None,
    device: str | torch.device | None = None,
    *,
    timings: bool = False,
    dtype: torch.dtype | None = None,
    **cfg: Any,
) -> Analysis:
    """Trace ``model`` (a zoo name, a layer list as text, see ``vizcore.builder.spec``, an ``nn.Module``, or an
    ONNX model: a path ending in ``.onnx``, the file's bytes or an ``onnx.ModelProto``) on an input of ``input_shape``.

    ``input_shape`` is (N, C, H, W), or (C, H, W) for a batch of one; a zoo model defaults to its card's
    size, a layer list to its ``input`` line. ``device`` defaults to the best available (CUDA, MPS, CPU).
    ``timings=True`` also runs the model for real on that device and times every layer (synchronised).
    ``cfg`` goes to the zoo builder. An ONNX file's fixed input sizes win over ``input_shape``; its symbolic
    ones (a batch ``N``) are taken from ``input_shape``, or from 1x3x224x224; the analysis notes say which.
    """
    source, shape, name, card, notes = _resolve(model, input_shape, cfg)
    return measure(source, shape, device, name=name, card=card, timings=timings, dtype=dtype, notes=notes)


def diff(
    before: str | os.PathLike[str] | bytes | nn.Module | onnx.ModelProto,
    after: str | os.PathLike[str] | bytes | nn.Module | onnx.ModelProto,
    input_shape: Sequence[int] | None = None,
    device: str | torch.device | None = None,
) -> Diff:
    """What changed from ``before`` to ``after`` (each anything ``analyze`` takes), matched along the two
    traced graphs, block by block and layer by layer: ``Diff.added``, ``removed``, ``changed`` (what: kernel,
    stride, padding, channels, groups, the op) and every matched part with both sides' costs and receptive
    fields (``vizcore.engine.diff`` says how). ``input_shape`` goes to both; by default each model gets its own."""
    first = _analysed("first", before, input_shape, device)
    second = first if after is before else _analysed("second", after, input_shape, device)
    return match(first, second)


def _analysed(
    side: str, model: object, input_shape: Sequence[int] | None, device: str | torch.device | None
) -> Analysis:
    try:
        return analyze(model, input_shape, device)  # type: ignore[arg-type]
    except VizcoreError as exc:
        raise VizcoreError(f"The {side} model, {_shown(model)}, could not be analysed: {exc}") from exc


def _shown(model: object) -> str:
    """A model as a message names it: a name or a path (shortened), else what it is."""
    if isinstance(model, (str, os.PathLike)):
        text = str(model)
        return repr(text if len(text) <= 60 else text[:57] + "...")
    return "ONNX bytes" if isinstance(model, bytes) else f"a {type(model).__name__}"


def training_cost(
    model: str | os.PathLike[str] | bytes | nn.Module | onnx.ModelProto,
    batch: int,
    optimizer: str = "sgd",
    input_shape: Sequence[int] | None = None,
    **cfg: Any,
) -> TrainingCost:
    """What one training step of ``model`` (as for ``analyze``) keeps in memory at ``batch`` samples, per
    layer: activations saved for backward, gradients, and ``optimizer``'s state ("sgd" with momentum, or
    "adam"); and the largest batch that fits 16, 24, 40 and 80 GB. ``input_shape``'s batch is replaced."""
    batch, optimizer = check_batch(batch), check_optimizer(optimizer)
    source, shape, name, card, notes = _resolve(model, input_shape, cfg)
    forward = measure(source, shape, "cpu", name=name, card=card, notes=notes)
    return measure_training(source, forward, batch, optimizer)


def _resolve(
    model: object, input_shape: Sequence[int] | None, cfg: dict[str, Any]
) -> tuple[Source, Sequence[int], str, ModelCard | None, tuple[str, ...]]:
    """What ``model`` names: a source that builds it, the input shape, its name, its card and notes."""
    if is_onnx_path(model) or is_onnx_data(model):
        try:
            from .files.reader import read_onnx  # onnx2torch and onnxsim load here, for the analyses that need them
        except ImportError as exc:
            raise missing_extra(exc) from exc

        found = read_onnx(model, input_shape)  # type: ignore[arg-type]
        name = Path(str(model)).name if is_onnx_path(model) else "model.onnx"
        return module_source(found.module), found.input_shape, name, None, tuple(found.notes)
    if isinstance(model, nn.Module):
        if input_shape is None:
            raise InputShapeError("input_shape is required for a custom module, e.g. input_shape=(1, 3, 224, 224).")
        return module_source(model), input_shape, type(model).__name__, None, ()
    if not isinstance(model, str):
        raise VizcoreError(f"model must be a zoo name, a torch.nn.Module or an ONNX file, not {type(model).__name__}.")
    if spec.is_spec(model):  # a layer list, not a zoo name
        parsed = spec.parse(model, normalize_shape(input_shape) if input_shape is not None else None)
        return spec.source(parsed), parsed.input_shape, "spec", None, ()
    card = get_card(model)
    return _zoo_source(model, cfg), card.input_size if input_shape is None else input_shape, model, card, ()


def _zoo_source(model: str, cfg: dict[str, Any]) -> Source:
    def build(device: torch.device) -> tuple[nn.Module, str]:
        try:
            with device, SkipInit() if device == META else contextlib.nullcontext():
                return get_model(model, **cfg), device.type
        except TypeError as exc:
            raise VizcoreError(f"{model} does not take those options ({exc}).") from exc
        except (RuntimeError, NotImplementedError):
            if device != META:
                raise
        # A few constructors read tensor values (RegNet's widths): build on the CPU, allocated but
        # never filled (initialising regnet_y_128gf's 644 M weights would cost more than the trace), then copy to meta.
        with SkipInit():
            return copy_to(get_model(model, **cfg), META), "meta"

    return build
