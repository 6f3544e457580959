"""Why the network decided what it decided: attribution maps computed with Captum, the field's own
library, for a classifier from :mod:`vizcore.photos.inference` (what each channel looks for:
:mod:`vizcore.photos.channels`).

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

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
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
    (default 64, and 16 on a CPU, where bigger batches cost more: benchmarks/README.md);
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
