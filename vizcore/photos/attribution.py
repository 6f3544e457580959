"""Why the network decided what it decided: attribution maps computed with Captum, the field's own
library, for a classifier from :mod:`vizcore.photos.inference`; and what each channel looks for, as the image
patches that excite it most (Zeiler & Fergus 2014, Fig. 2).

One table, ``METHODS``, maps each method to the function that computes it:

- ``occlusion`` (Zeiler & Fergus 2014): slide a grey (or blurred) square over the photo and measure how
  much the class probability falls; the map is that fall, in probability, at every pixel.
- ``gradcam`` (Selvaraju et al. 2017): the gradient-weighted activations of one convolution, ReLU'd and
  upsampled to the input.
- ``guided-backprop`` (Springenberg et al. 2015): the input gradient with only positive gradients let
  back through each ReLU; the sharp, deconvnet-like projection of the paper.
- ``saliency`` (Simonyan et al. 2014): the largest absolute input gradient over the colour channels.
- ``integrated-gradients`` (Sundararajan et al. 2017): gradients summed along the path from a grey
  image to the photo.

Every call holds the classifier's lock (a cached classifier is shared by every session), and every
hook Captum or we register is removed before the call returns, also when it fails.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from captum.attr import GuidedBackprop, IntegratedGradients, LayerAttribution, LayerGradCam, Occlusion, Saliency
from torch import nn
from torchvision.transforms.v2 import functional as TF

from ..engine.hooks import forward_hooks
from ..errors import VizcoreError
from .inference import Classifier

Progress = Callable[[int, int], None]  # (images evaluated, images in all)


class AttributionError(VizcoreError, ValueError):
    """A method, layer, class or setting that cannot be explained; the message names the valid choices."""


@dataclass(frozen=True)
class Attribution:
    """One map for one class: ``values`` is HxW at the network's input resolution, in the method's own
    units (occlusion: the fall in probability; the others: gradient magnitudes); ``reading`` says in
    one line what it shows."""

    method: str
    target: int
    label: str
    layer: str | None
    values: np.ndarray
    reading: str

    def normalised(self) -> np.ndarray:
        """The positive evidence scaled to [0, 1] (negative values, e.g. occlusion raising the
        probability, show as 0), for an overlay."""
        positive = np.clip(self.values, 0, None)
        top = float(positive.max())
        scaled: np.ndarray = (positive / top if top > 0 else positive).astype(np.float32)
        return scaled


@dataclass(frozen=True)
class _Settings:
    layer: str | None
    window: int
    stride: int
    baseline: str
    batch: int
    steps: int
    on_progress: Progress | None


@dataclass(frozen=True)
class Method:
    title: str
    compute: Callable[[Classifier, torch.Tensor, int, _Settings], tuple[torch.Tensor, str | None]]
    reading: str  # formatted with label, layer, window, stride, baseline, top
    units: str  # what the map's values measure, for a colour scale


BASELINES = ("grey", "blur")


def explain(
    clf: Classifier,
    x: torch.Tensor,
    method: str,
    target: int,
    *,
    layer: str | None = None,
    window: int = 32,
    stride: int = 16,
    baseline: str = "grey",
    batch: int | None = None,
    steps: int = 32,
    on_progress: Progress | None = None,
) -> Attribution:
    """The ``method`` map for class ``target`` of the preprocessed input ``x`` (1xCxHxW). ``layer`` is
    Grad-CAM's convolution (default: the last with a spatial output); ``window``, ``stride`` and
    ``baseline`` ("grey" or "blur") are occlusion's; ``batch`` images go through the network at once
    (default 64, and 16 on a CPU, where bigger batches cost more: occlusion 1.8 s at 16, 2.9 s at 64);
    ``steps`` is integrated gradients' path length."""
    if method not in METHODS:
        raise AttributionError(f"unknown method {method!r}: choose {_one_of(list(METHODS))}.")
    classes = len(clf.categories)
    if not 0 <= target < classes:
        raise AttributionError(
            f"class index {target} is out of range: {clf.name} has {classes} classes, numbered 0 to {classes - 1}."
        )
    if x.dim() != 4 or x.shape[0] != 1:
        raise AttributionError(f"explain one preprocessed image at a time (1xCxHxW), not {tuple(x.shape)}.")
    side = min(x.shape[-2:])
    if method == "occlusion":
        if not 1 <= window <= side:
            raise AttributionError(f"the occlusion window must be 1 to {side} pixels, not {window}.")
        if not 1 <= stride <= window:
            raise AttributionError(f"the occlusion stride must be 1 to the window ({window}) pixels, not {stride}.")
        if baseline not in BASELINES:
            raise AttributionError(f"unknown occlusion baseline {baseline!r}: choose {_one_of(list(BASELINES))}.")
    settings = _Settings(
        layer,
        window,
        stride,
        baseline,
        batch or (64 if clf.device.type != "cpu" else 16),
        steps,
        on_progress,
    )
    with clf.lock, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Captum announces every hook it sets
        try:
            values, used = METHODS[method].compute(clf, x.detach().to(clf.device), target, settings)
        finally:
            clf.model.zero_grad(set_to_none=True)
    label = clf.categories[target]
    reading = METHODS[method].reading.format(
        label=label, layer=used, window=window, stride=stride, baseline=baseline, top=float(values.max())
    )
    return Attribution(method, target, label, used, values.detach().float().cpu().numpy(), reading)


def _one_of(choices: list[str]) -> str:
    return ", ".join(choices[:-1]) + f" or {choices[-1]}" if len(choices) > 1 else choices[0]


def _counting(model: nn.Module, settings: _Settings, total: int, probabilities: bool = False) -> Callable[..., Any]:
    """The model as Captum's forward function, reporting every batch it evaluates."""
    done = 0

    def forward(batch: torch.Tensor) -> torch.Tensor:
        nonlocal done
        out: torch.Tensor = model(batch)
        done += batch.shape[0]
        if settings.on_progress:
            settings.on_progress(min(done, total), total)
        return out.float().softmax(-1) if probabilities else out

    return forward


def grey(clf: Classifier, x: torch.Tensor) -> torch.Tensor:
    """A mid-grey image (pixels 0.5) in the network's normalised space, shaped like ``x``."""
    mean = torch.tensor(clf.transform.mean, device=x.device).view(1, -1, 1, 1)
    std = torch.tensor(clf.transform.std, device=x.device).view(1, -1, 1, 1)
    return ((0.5 - mean) / std).expand_as(x).contiguous()


def _occlusion(clf: Classifier, x: torch.Tensor, target: int, s: _Settings) -> tuple[torch.Tensor, str | None]:
    if s.baseline == "grey":
        base = grey(clf, x)
    else:  # a blur as wide as the window: the square hides its detail but keeps its colours
        kernel = s.window | 1
        base = TF.gaussian_blur(x, [kernel, kernel], [s.window / 4, s.window / 4])
    height, width = x.shape[-2:]
    # as Captum places them: the last window of a row may overhang the edge and is clipped there
    windows = (-(-(height - s.window) // s.stride) + 1) * (-(-(width - s.window) // s.stride) + 1)
    forward = _counting(clf.model, s, windows + 1, probabilities=True)
    with torch.no_grad(), _channels_last(clf.model):
        attr = Occlusion(forward).attribute(
            x.contiguous(memory_format=torch.channels_last),
            sliding_window_shapes=(x.shape[1], s.window, s.window),
            strides=(x.shape[1], s.stride, s.stride),
            baselines=base,
            target=target,
            perturbations_per_eval=s.batch,
        )
    return attr[0].mean(0), None


def _gradcam(clf: Classifier, x: torch.Tensor, target: int, s: _Settings) -> tuple[torch.Tensor, str | None]:
    choices = gradcam_layers(clf, x)
    name = s.layer if s.layer is not None else choices[-1]
    if name not in choices:
        raise AttributionError(
            f"{clf.name} has no convolution {name!r} with a spatial output for this input: choose one of {', '.join(choices)}."
        )
    module = dict(clf.model.named_modules())[name]
    with _no_inplace(clf.model):  # an in-place activation after the layer would overwrite its output
        cam = LayerGradCam(clf.model, module).attribute(x, target=target, relu_attributions=True)
    up = LayerAttribution.interpolate(cam.detach(), tuple(x.shape[-2:]), "bilinear")
    return up[0, 0], name


def _saliency(clf: Classifier, x: torch.Tensor, target: int, s: _Settings) -> tuple[torch.Tensor, str | None]:
    grads = Saliency(clf.model).attribute(x.clone(), target=target, abs=True)
    return grads[0].amax(0), None


class _GuidedBackprop(GuidedBackprop):  # type: ignore[misc]  # captum ships no type information
    """Captum's guided backpropagation, also through ReLU6 (MobileNets, EfficientNet-Lite): Captum
    hooks only ``nn.ReLU``, and a network of ReLU6 would otherwise give the plain gradient."""

    def _register_hooks(self, module: nn.Module) -> None:
        if isinstance(module, nn.ReLU | nn.ReLU6):
            from captum._utils.common import _register_backward_hook

            self.backward_hooks.extend(_register_backward_hook(module, self._backward_hook, self))


def _guided_backprop(clf: Classifier, x: torch.Tensor, target: int, s: _Settings) -> tuple[torch.Tensor, str | None]:
    if not any(isinstance(m, nn.ReLU | nn.ReLU6) for m in clf.model.modules()):
        raise AttributionError(
            f"guided backpropagation needs ReLU layers and {clf.name} has none: choose saliency or integrated-gradients."
        )
    with _no_inplace(clf.model):  # Captum's ReLU hooks cannot see through an in-place ReLU
        grads = _GuidedBackprop(clf.model).attribute(x.clone(), target=target)
    return grads.detach()[0].abs().amax(0), None


def _integrated_gradients(
    clf: Classifier, x: torch.Tensor, target: int, s: _Settings
) -> tuple[torch.Tensor, str | None]:
    forward = _counting(clf.model, s, s.steps)
    with _channels_last(clf.model):
        attr = IntegratedGradients(forward).attribute(
            x.clone(memory_format=torch.channels_last),
            baselines=grey(clf, x),
            target=target,
            n_steps=s.steps,
            internal_batch_size=s.batch,
        )
    return attr.detach()[0].sum(0).abs(), None


@contextmanager
def _channels_last(model: nn.Module) -> Iterator[None]:
    """The model's 4-D weights in channels-last order for the duration (the caller holds the lock):
    about twice as fast on a CPU for the many passes of occlusion and integrated gradients."""
    model.to(memory_format=torch.channels_last)
    try:
        yield
    finally:
        model.to(memory_format=torch.contiguous_format)


@contextmanager
def _no_inplace(model: nn.Module) -> Iterator[None]:
    """Turn off ``inplace`` on every activation for the duration (the caller holds the lock)."""
    changed = [m for m in model.modules() if getattr(m, "inplace", False) is True]
    for m in changed:
        m.inplace = False  # type: ignore[assignment]
    try:
        yield
    finally:
        for m in changed:
            m.inplace = True  # type: ignore[assignment]


def gradcam_layers(clf: Classifier, x: torch.Tensor) -> list[str]:
    """The convolutions, in execution order, whose output for ``x`` still has a spatial extent (H and W
    above 1): the layers Grad-CAM can explain."""
    sizes: dict[str, tuple[int, ...]] = {}

    def keep(name: str) -> Callable[[nn.Module, Any, torch.Tensor], None]:
        def hook(_m: nn.Module, _i: Any, out: torch.Tensor) -> None:
            sizes.setdefault(name, tuple(out.shape))

        return hook

    with clf.lock:
        convs = [(m, keep(n)) for n, m in clf.model.named_modules() if isinstance(m, nn.Conv2d)]
        with forward_hooks(convs), torch.no_grad():
            clf.model(x.to(clf.device))
    spatial = [n for n, shape in sizes.items() if len(shape) == 4 and shape[-1] > 1 and shape[-2] > 1]
    if not spatial:
        raise AttributionError(f"{clf.name} has no convolution with a spatial output to explain: choose occlusion.")
    return spatial


METHODS: dict[str, Method] = {
    "occlusion": Method(
        "Occlusion (Zeiler & Fergus)",
        _occlusion,
        "Red: covering that area with a {window}-pixel {baseline} square (stride {stride}) lowers p({label}) most, by up to {top:.2f}.",
        "fall in probability",
    ),
    "gradcam": Method(
        "Grad-CAM",
        _gradcam,
        "Red: where {layer}'s features that raise the score of {label} are most active.",
        "gradient-weighted activation",
    ),
    "guided-backprop": Method(
        "Guided backpropagation",
        _guided_backprop,
        "Red: the pixels whose increase would raise the score of {label}, passed back only through positive gradients.",
        "|guided gradient|",
    ),
    "saliency": Method(
        "Saliency (input gradient)",
        _saliency,
        "Red: the pixels where the smallest change moves the score of {label} most.",
        "|gradient|",
    ),
    "integrated-gradients": Method(
        "Integrated gradients",
        _integrated_gradients,
        "Red: how much each pixel added to the score of {label}, on the way from a grey image to this photo.",
        "|attribution|",
    ),
}


# -- what each channel looks for (Zeiler & Fergus, Fig. 2) ------------------------------------------
@dataclass(frozen=True)
class ReceptiveField:
    """Where a layer's units look on the input: ``size`` pixels on a side, neighbouring units ``stride``
    pixels apart, unit (0, 0) centred on input pixel ``start`` (negative: partly in the padding)."""

    size: int
    stride: int
    start: float

    def box(self, y: int, x: int) -> tuple[int, int, int, int]:
        """Unit (y, x)'s window on the input: top, left, bottom, right (exclusive); may reach outside."""
        top = math.floor(self.start + y * self.stride - (self.size - 1) / 2 + 0.5)
        left = math.floor(self.start + x * self.stride - (self.size - 1) / 2 + 0.5)
        return top, left, top + self.size, left + self.size


_WINDOWED = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)


def receptive_field(model: nn.Module, layer: str, x: torch.Tensor) -> ReceptiveField:
    """The receptive field of ``layer``'s units (see ``receptive_fields``)."""
    return receptive_fields(model, [layer], x)[layer]


def receptive_fields(model: nn.Module, layers: Sequence[str], x: torch.Tensor) -> dict[str, ReceptiveField]:
    """The receptive field of each of ``layers``' units, from the kernel, stride, dilation and padding
    of every convolution and pooling that runs before it (one forward pass of ``x`` records the order
    and the sizes; TensorFlow-style "same" padding, as in timm's ``Conv2dSame``, is worked out from them).

    A module's input carries the field of the module that made it; a tensor made by a function the
    hooks cannot see (``+``, ``torch.cat``) gets the largest field reached at its resolution so far,
    fixed by its first reader, so ResNet's parallel 1x1 shortcut and Inception's parallel branches
    each start from their block's input. Sizes and strides equal the engine's graph-based fields
    (``vizcore.engine.receptive``, which has no offsets to crop with) on VGG, ResNet, GoogLeNet, DenseNet and
    MobileNet; a pooling done as a function (Inception-v3's ``F.avg_pool2d`` branch) is not seen, and
    there the field is an upper bound. Square kernels assumed (the height is used). The caller holds
    the model's lock if it is shared."""
    modules = dict(model.named_modules())
    unknown = [n for n in layers if n not in modules]
    if unknown:
        raise AttributionError(f"{type(model).__name__} has no layer {unknown[0]!r}.")
    wanted = set(layers)
    State = tuple[float, float, float]  # size, jump, start
    fields: dict[int, State] = {x.shape[-2]: (1.0, 1.0, 0.0)}  # side -> the largest field there
    made: dict[int, tuple[torch.Tensor, State]] = {id(x): (x, (1.0, 1.0, 0.0))}  # tensors kept: ids stay unique
    found: dict[str, State] = {}

    def field_of(tensor: torch.Tensor) -> State:
        if id(tensor) not in made:
            made[id(tensor)] = (tensor, fields.get(tensor.shape[-2], max(fields.values())))
        return made[id(tensor)][1]

    def hook(name: str, module: nn.Module, leaf: bool) -> Callable[[nn.Module, Any, Any], None]:
        def record(_m: nn.Module, inputs: Any, out: Any) -> None:
            if not (
                isinstance(out, torch.Tensor) and out.dim() == 4 and inputs and isinstance(inputs[0], torch.Tensor)
            ):
                return
            if not leaf:  # a block, after its children ran
                found.setdefault(name, field_of(out))
                return
            before, after = inputs[0].shape[-2], out.shape[-2]
            size, jump, start = field_of(inputs[0])
            if isinstance(module, _WINDOWED):
                k, s, d, pad = _window(module, before)
                size, start, jump = size + (k - 1) * d * jump, start + ((k - 1) * d / 2 - pad) * jump, jump * s
            made[id(out)] = (out, (size, jump, start))
            if after not in fields or size > fields[after][0]:
                fields[after] = (size, jump, start)
            if name in wanted:
                found.setdefault(name, (size, jump, start))

        return record

    hooks = []
    for n, m in modules.items():
        leaf = not list(m.children())
        if n and (leaf or n in wanted):
            hooks.append((m, hook(n, m, leaf)))
    with forward_hooks(hooks), torch.no_grad():
        model(x)
    missing = [n for n in layers if n not in found]
    if missing:
        raise AttributionError(f"{missing[0]!r} has no spatial (NxCxHxW) output, so no receptive field.")
    return {n: ReceptiveField(round(found[n][0]), round(found[n][1]), found[n][2]) for n in layers}


def _window(module: nn.Module, side: int) -> tuple[int, int, int, int]:
    """Kernel, stride, dilation and left padding along the height, for an input ``side`` pixels high."""

    def first(v: Any) -> int:
        return int(v[0] if isinstance(v, tuple | list) else v)

    k, s = first(module.kernel_size), first(module.stride or module.kernel_size)
    d = first(getattr(module, "dilation", 1))
    padding = getattr(module, "padding", 0)
    if type(module).__name__.endswith("Same"):  # timm's TensorFlow "same": padded at run time, more after
        pad = max((math.ceil(side / s) - 1) * s + (k - 1) * d + 1 - side, 0) // 2
    elif padding == "same":
        pad = (k - 1) * d // 2
    elif padding == "valid":
        pad = 0
    else:
        pad = first(padding)
    return k, s, d, pad


@dataclass(frozen=True)
class Patch:
    """One place that excites a channel: unit (y, x) of its map for photo ``image`` of the collection,
    its activation ``value``, and its receptive field's ``box`` on that photo's network input."""

    image: int
    y: int
    x: int
    value: float
    box: tuple[int, int, int, int]


@dataclass(frozen=True)
class LayerPatches:
    """For every channel of one layer, the ``top`` strongest patches over a photo collection."""

    layer: str
    field: ReceptiveField
    patches: tuple[tuple[Patch, ...], ...]  # per channel, strongest first


def strongest_patches(
    clf: Classifier,
    inputs: Sequence[torch.Tensor],
    layers: Sequence[str] | None = None,
    top: int = 9,
    on_progress: Progress | None = None,
) -> dict[str, LayerPatches]:
    """For each convolution in ``layers`` (default: all), each channel's ``top`` strongest activations
    over the preprocessed photos ``inputs`` (each 1xCxHxW, same size), one forward pass per photo. A
    patch is a local maximum of the channel's map (3x3), so one photo can give several distinct
    patches but not nine neighbours of one peak; where a unit sees the whole photo, each photo counts
    once and its box is the whole photo."""
    if not inputs:
        raise AttributionError("the photo collection is empty: add a photo.")
    convs = {n: m for n, m in clf.model.named_modules() if isinstance(m, nn.Conv2d)}
    wanted = list(convs) if layers is None else list(layers)
    unknown = [n for n in wanted if n not in convs]
    if unknown:
        raise AttributionError(f"{clf.name} has no convolution {unknown[0]!r}: choose one of {', '.join(convs)}.")
    side = min(inputs[0].shape[-2:])
    best: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}  # layer -> values, where (image*h*w + unit), per channel
    sides: dict[str, tuple[int, int]] = {}

    def keep(name: str, image: int) -> Callable[[nn.Module, Any, torch.Tensor], None]:
        def hook(_m: nn.Module, _i: Any, out: torch.Tensor) -> None:
            maps = out.detach()[0].float()
            if maps.dim() != 3:
                return
            _, height, width = maps.shape
            sides[name] = (height, width)
            peaks = torch.where(F.max_pool2d(maps[None], 3, 1, 1)[0] == maps, maps, torch.full_like(maps, -torch.inf))
            per_photo = 1 if fields[name].size >= side else top  # a unit that sees all the photo: its best
            values, where = peaks.flatten(1).topk(min(per_photo, height * width), dim=1)
            where = where + image * height * width
            if name in best:
                values, where = torch.cat([best[name][0], values], 1), torch.cat([best[name][1], where], 1)
                values, order = values.topk(min(top, values.shape[1]), dim=1)
                where = where.gather(1, order)
            best[name] = (values, where)

        return hook

    with clf.lock:
        fields = receptive_fields(clf.model, wanted, inputs[0].to(clf.device))
        for i, x in enumerate(inputs):
            with forward_hooks((convs[n], keep(n, i)) for n in wanted), torch.no_grad():
                clf.model(x.to(clf.device))
            if on_progress:
                on_progress(i + 1, len(inputs))
    found = {}
    for name in wanted:
        (height, width), (values, where) = sides[name], best[name]
        channels = []
        for vs, ws in zip(values.cpu().tolist(), where.cpu().tolist(), strict=True):
            picks = []
            for v, w in zip(vs, ws, strict=True):
                if v == -math.inf:
                    continue
                image, unit = divmod(w, height * width)
                y, x = divmod(unit, width)
                box = (0, 0, *inputs[image].shape[-2:]) if fields[name].size >= side else fields[name].box(y, x)
                picks.append(Patch(image, y, x, v, box))
            channels.append(tuple(picks))
        found[name] = LayerPatches(name, fields[name], tuple(channels))
    return found


def crop(picture: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """``box`` of an HxWx3 picture, exactly its size: where it reaches past the edge (the network's
    padding), mid-grey."""
    top, left, bottom, right = box
    out = np.full((bottom - top, right - left, picture.shape[2]), 0.5, dtype=np.float32)
    height, width = picture.shape[:2]
    t, l_, b, r = max(top, 0), max(left, 0), min(bottom, height), min(right, width)
    if t < b and l_ < r:
        out[t - top : b - top, l_ - left : r - left] = picture[t:b, l_:r]
    return out


def patch_grid(pictures: Sequence[np.ndarray], patches: Sequence[Patch], columns: int = 3) -> np.ndarray:
    """The patches cropped from ``pictures`` (each photo as the network sees it, HxWx3 in [0, 1]) as a
    grid, strongest first, with 1-pixel white gaps (Zeiler & Fergus's Fig. 2 layout)."""
    tiles = [crop(pictures[p.image], p.box) for p in patches]
    if not tiles:
        raise AttributionError("no patch excites this channel in the collection.")
    size = tiles[0].shape[0]
    rows = -(-len(tiles) // columns)
    grid = np.ones((rows * (size + 1) - 1, columns * (size + 1) - 1, 3), dtype=np.float32)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, columns)
        grid[r * (size + 1) : r * (size + 1) + size, c * (size + 1) : c * (size + 1) + size] = tile
    return grid
