"""Taking a network away: a layer list as standalone PyTorch source, and a zoo model as a layer list.

``python_source`` writes a file that imports only ``torch`` and defines ``class Net(nn.Module)``, with
the spec's layer names as attributes and the source of any block it uses (``vizcore/builder/layers.py``)
copied in, so it analyses to the same numbers. ``spec_of`` writes a zoo model that is a plain chain
(LeNet-5, AlexNet, ZFNet, NiN, VGG, SqueezeNet, the paper's GoogLeNet, ResNets through their residual
rows) as a layer list, and checks that the list analyses to the model's own parameters and MACs.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torchvision.models.resnet import BasicBlock, Bottleneck
from torchvision.models.squeezenet import Fire

from ..engine.analysis import Analysis
from ..engine.measure import measure, module_source
from ..engine.node import Node
from ..errors import VizcoreError
from ..shapes import format_shape
from ..zoo import classics, get_card, get_model
from . import layers, spec

# the zoo models that are plain chains of layer-list lines (each checked by spec_of and the tests)
CHAIN_MODELS: tuple[str, ...] = (
    "lenet5",
    "alexnet",
    "alexnet2012",
    "zfnet",
    "nin",
    "vgg11",
    "vgg11_bn",
    "vgg13",
    "vgg13_bn",
    "vgg16",
    "vgg16_bn",
    "vgg19",
    "vgg19_bn",
    "googlenet_paper",
    "squeezenet1_0",
    "squeezenet1_1",
    "resnet18",
    "resnet34",
    "resnet50",
    "resnet101",
    "resnet152",
    "plain34",
)


def python_source(text: str | spec.Spec, class_name: str = "Net") -> str:
    """Standalone PyTorch source for a spec (only ``torch`` imported)."""
    parsed = spec.parse(text) if isinstance(text, str) else text
    used = list(dict.fromkeys(layer.call.cls for layer in parsed.layers if not layer.call.cls.startswith("nn.")))
    lines = [
        '"""A network written with vizcore\'s layer list (python -m vizcore build SPEC --format python).',
        "",
        "Run it to print the output shape; import it to train it.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "import torch",
        "from torch import nn",
        "",
    ]
    for cls in used:
        lines += ["", inspect.getsource(getattr(layers, cls)).rstrip(), ""]
    lines += [
        "",
        f"class {class_name}(nn.Module):",
        "    # the layer list:",
        f"    #   input {format_shape(parsed.input_shape[1:])}",
        *(f"    #   {layer.text}" for layer in parsed.layers),
        "",
        "    def __init__(self) -> None:",
        "        super().__init__()",
        *(f"        self.{layer.name} = {layer.call.source()}" for layer in parsed.layers),
        "",
        "    def forward(self, x: torch.Tensor) -> torch.Tensor:",
        *(f"        x = self.{layer.name}(x)" for layer in parsed.layers),
        "        return x",
        "",
        "",
        'if __name__ == "__main__":',
        f"    print({class_name}().eval()(torch.zeros({', '.join(map(str, parsed.input_shape))})).shape)",
    ]
    return "\n".join(lines) + "\n"


def spec_text(parsed: spec.Spec) -> str:
    """A parsed spec written back as text: its input, then its lines as written (comments dropped)."""
    return "\n".join([f"input {format_shape(parsed.input_shape[1:])}", *(x.text for x in parsed.layers)]) + "\n"


def spec_of(model: str, input_shape: Sequence[int] | None = None) -> str:
    """A zoo model as a layer list, if it is a plain chain of lines; else a VizcoreError saying which
    layer is not. The list is checked: it analyses to the model's parameters and MACs."""
    card = get_card(model)
    try:
        with torch.device("meta"):
            module = get_model(model)
    except (RuntimeError, NotImplementedError) as exc:
        raise VizcoreError(f"{model} cannot be written as a layer list: it does not build on meta.") from exc
    shape = card.input_size if input_shape is None else input_shape
    original = measure(module_source(module), shape, "cpu", name=model, card=card)
    modules = dict(module.named_modules())
    preds: dict[int, set[int]] = {}
    for src, dst in original.edges:
        preds.setdefault(dst, set()).add(src)
    lines = [f"input {format_shape(original.input_shape[1:])}"]
    done: set[str] = set()
    last = 0
    for node in original.layers:
        block = _block_of(node.name, modules)
        if block is not None and block in done:
            last = node.id
            continue
        if preds.get(node.id, set()) - {last}:
            raise _not_a_chain(model, node, "branches off the main line, in a block the layer list has no line for")
        line = _block_line(modules[block]) if block is not None else _leaf_line(node, modules.get(node.name))
        if line is None:
            raise _not_a_chain(model, node, "has no line in the layer list")
        if block is not None:
            done.add(block)
        if line:
            lines.append(line)
        last = node.id
    text = "\n".join(lines) + "\n"
    _check(model, original, text)
    return text


def _not_a_chain(model: str, node: Node, why: str) -> VizcoreError:
    return VizcoreError(f"{model} cannot be written as a layer list: {node.name} ({node.type}) {why}.")


def _check(model: str, original: Analysis, text: str) -> None:
    parsed = spec.parse(text)
    rebuilt = measure(spec.source(parsed), parsed.input_shape, "cpu", name="spec")
    a, b = original.totals, rebuilt.totals
    if (a.params, a.macs, original.output_shapes) != (b.params, b.macs, rebuilt.output_shapes):
        raise VizcoreError(
            f"{model} cannot be written as a layer list exactly: the list gives {b.params:,} params and "
            f"{b.macs:,} MACs, the model {a.params:,} and {a.macs:,}."
        )


def _block_of(name: str, modules: dict[str, nn.Module]) -> str | None:
    parts = name.split(".")
    for i in range(1, len(parts)):
        prefix = ".".join(parts[:i])
        if _block_line(modules.get(prefix)) is not None:
            return prefix
    return None


def _pair(value: int | tuple[int, ...]) -> tuple[int, int]:
    if isinstance(value, int):
        return value, value
    return int(value[0]), int(value[-1])


def _size(value: int | tuple[int, ...]) -> str:
    h, w = _pair(value)
    return f"{h}x{w}"


def _one(value: int | tuple[int, ...]) -> str:
    h, w = _pair(value)
    return str(h) if h == w else f"{h}x{w}"


def _block_line(m: nn.Module | None) -> str | None:
    """The line for a block the language has; None for anything else."""
    b: Any = m  # torchvision's blocks type their submodules loosely
    if type(m) is BasicBlock and b.conv1.groups == 1:
        stride = _pair(b.conv1.stride)[0]
        return f"residual basic {b.conv2.out_channels}" + (f"/{stride}" if stride != 1 else "")
    if type(m) is Bottleneck and _pair(b.conv1.stride) == (1, 1) and b.conv2.groups == 1:
        out = b.conv3.out_channels
        if b.conv2.out_channels * 4 != out:
            return None  # a wide or ResNeXt bottleneck: not the language's
        stride = _pair(b.conv2.stride)[0]
        return f"residual bottleneck {out}" + (f"/{stride}" if stride != 1 else "")
    if type(m) is classics.PaperInception:
        numbers = (
            b.branch1.conv.out_channels,
            b.branch2[0].conv.out_channels,
            b.branch2[1].conv.out_channels,
            b.branch3[0].conv.out_channels,
            b.branch3[1].conv.out_channels,
            b.branch4[1].conv.out_channels,
        )
        return "inception " + " ".join(map(str, numbers))
    if type(m) is Fire:
        return f"fire {b.squeeze.out_channels} {b.expand1x1.out_channels} {b.expand3x3.out_channels}"
    return None


def _leaf_line(node: Node, m: nn.Module | None) -> str | None:
    """The line for one layer; "" for one that computes nothing worth a line; None if there is none."""
    if m is None:  # a function called in forward
        return {"flatten": "flatten", "relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid"}.get(node.op)
    if isinstance(m, nn.Conv2d) and m.padding_mode == "zeros" and not isinstance(m.padding, str):
        stride = _pair(m.stride)
        line = f"conv {_size(m.kernel_size)}" + (f"/{_one(m.stride)}" if stride != (1, 1) else "")
        line += f" {m.out_channels}"
        if _pair(m.padding) != (0, 0):
            line += f" pad {_one(m.padding)}"
        if m.groups != 1:
            line += f" groups {m.groups}"
        if _pair(m.dilation) != (1, 1):
            line += f" dilation {_one(m.dilation)}"
        return line + ("" if m.bias is not None else " nobias")
    if isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)) and (isinstance(m, nn.AvgPool2d) or _pair(m.dilation) == (1, 1)):
        kind = "maxpool" if isinstance(m, nn.MaxPool2d) else "avgpool"
        line = f"{kind} {_size(m.kernel_size)}/{_one(m.stride or m.kernel_size)}"
        if _pair(m.padding) != (0, 0):
            line += f" pad {_one(m.padding)}"
        return line + (" ceil" if m.ceil_mode else "")
    if isinstance(m, nn.AdaptiveAvgPool2d) and all(isinstance(s, int) for s in _as_tuple(m.output_size)):
        size = _pair(m.output_size)  # type: ignore[arg-type]
        return "gap" if size == (1, 1) else f"adaptivepool {_one(size)}"
    if isinstance(m, nn.Linear):
        return f"fc {m.out_features}" + ("" if m.bias is not None else " nobias")
    if isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
        return "bn"
    if isinstance(m, nn.LocalResponseNorm):
        return f"lrn {m.size}"
    if isinstance(m, nn.Dropout):
        return f"dropout {m.p:g}"
    if isinstance(m, nn.Flatten) and m.start_dim == 1:
        return "flatten"
    simple = {nn.ReLU: "relu", nn.Tanh: "tanh", nn.Sigmoid: "sigmoid", nn.Identity: ""}
    return simple.get(type(m))


def _as_tuple(value: object) -> tuple[object, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)
