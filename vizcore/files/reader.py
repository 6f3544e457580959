"""``read_onnx``: an ONNX file (path, bytes or parsed model) as a module to trace, its input and notes."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import onnx
import onnxsim
from torch import nn

from ..errors import ModelFileError
from ..shapes import Shape
from . import onnxfile
from .convert import name_layers, split_merged_concats, to_module


@dataclass(frozen=True)
class FileModel:
    module: nn.Module
    input_shape: Shape
    notes: tuple[str, ...]
    graph_only: bool  # weights were stored outside the file: zeros stand in for them


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """A file's bytes, refused before reading when it is past the size limit."""
    file = Path(path)
    try:
        size = file.stat().st_size
        if not file.is_file():
            raise ModelFileError(f"{_shown(file)} is not a file: give the path of an .onnx file.")
        if size > onnxfile.MAX_FILE_BYTES:
            return onnxfile.MAX_FILE_BYTES * b"\0" + b"\0"  # never read; parse() refuses it by its size
        return file.read_bytes()
    except FileNotFoundError as exc:
        raise ModelFileError(f"there is no file {_shown(file)}: check the path.") from exc
    except OSError as exc:
        raise ModelFileError(f"{_shown(file)} cannot be read ({exc.strerror}): check the path.") from exc


def read_onnx(
    source: bytes | bytearray | memoryview | onnx.ModelProto | str | os.PathLike[str], input_shape: Sequence[int] | None
) -> FileModel:
    """Parse, check, fix the input's sizes, name the layers, simplify and convert an ONNX model."""
    data = read_bytes(source) if isinstance(source, str | os.PathLike) else source
    if isinstance(data, bytearray | memoryview):
        data = bytes(data)
    model = onnxfile.parse(data)
    outside = onnxfile.strip_external_data(model)
    checked = onnxfile.fix_input(model, input_shape)
    split_merged_concats(checked.proto)
    name_layers(checked.proto)
    notes = list(checked.notes)
    if outside:
        notes.append(
            f"{outside} weights are stored outside the file and were not read: the analysis uses their declared shapes."
        )
    return FileModel(to_module(simplified(checked.proto)), checked.input_shape, tuple(notes), graph_only=outside > 0)


def simplified(model: onnx.ModelProto) -> onnx.ModelProto:
    """The model simplified: shares folded into each layer (the TorchScript exporter shares weights
    through Identity nodes); nested concatenations kept apart, since each closes a branch block
    (Inception-v3's 3x3 split). Placeholders for outside weights go in as inputs of their shape (the
    simplifier runs what it folds, and they hold no values) and come back out as placeholders."""
    placeholders = {t.name: t for t in model.graph.initializer if onnxfile.holds_no_data(t)}
    work = onnx.ModelProto()
    work.CopyFrom(model)
    if placeholders:
        kept = [t for t in work.graph.initializer if t.name not in placeholders]
        del work.graph.initializer[:]
        work.graph.initializer.extend(kept)
        work.graph.input.extend(
            onnx.helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)) for t in placeholders.values()
        )
    try:
        result: onnx.ModelProto = onnxsim.simplify(work, skipped_optimizers=["fuse_consecutive_concats"])[0]
    except Exception:  # the simplifier is best effort: the converter may still take the file as it is
        return model
    if placeholders:
        inputs = [v for v in result.graph.input if v.name not in placeholders]
        used = {i for n in result.graph.node for i in n.input}
        del result.graph.input[:]
        result.graph.input.extend(inputs)
        result.graph.initializer.extend(t for name, t in placeholders.items() if name in used)
    return result


def _shown(path: Path) -> str:
    text = str(path)
    return repr(text if len(text) <= 60 else "..." + text[-57:])
