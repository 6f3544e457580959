"""Models from files: ONNX read, checked and converted to a module the engine traces (``reader``), and the
upload store (``uploads``). The converters load on first use: most analyses never need them."""

from __future__ import annotations

import os


def is_onnx_path(model: object) -> bool:
    """Whether ``model`` names an ONNX file (by its suffix), as opposed to a zoo name or a layer list."""
    return (
        isinstance(model, os.PathLike | str) and str(model).strip().lower().endswith(".onnx") and "\n" not in str(model)
    )


def is_onnx_data(model: object) -> bool:
    """Whether ``model`` is an ONNX model's bytes or a parsed ``onnx.ModelProto``."""
    return isinstance(model, bytes | bytearray | memoryview) or type(model).__name__ == "ModelProto"
