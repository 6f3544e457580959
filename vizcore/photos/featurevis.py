"""What a channel wants: feature visualisation by optimisation (Olah, Mordvintsev & Schubert, "Feature
Visualization", Distill 2017), written on torch for a classifier from :mod:`vizcore.photos.inference`.

An image is found by gradient ascent on the mean activation of one channel of a convolution (or on one
class logit). Three things keep it from becoming high-frequency noise that excites the channel but
shows nothing, each as the Distill article describes:

- the image lives in Fourier space, each frequency scaled by 1/frequency, so that the optimiser's
  steps are about as large for coarse structure as for fine detail (a "preconditioned" image);
- its colours live in a decorrelated space (the square root of ImageNet's colour covariance), mapped
  to RGB and squashed into [0, 1] by a sigmoid;
- every step sees it padded, jittered, scaled and rotated at random, so only what survives small
  transformations is kept.

Every channel of a request is one image of one batch, optimised together with Adam; a forward hook on
the target layer stops the pass there (a middle layer does not pay for the rest of the network). Several
images for one channel (``diversity``) are pushed apart by a penalty on the cosine similarity of their
Gram matrices (style), as in the article's diversity section. Random numbers come from one seeded
``torch.Generator``, and the CPU's ops are deterministic: one seed, one image, byte for byte.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from ..engine.hooks import forward_hooks
from ..errors import VizcoreError, WeightsError
from .inference import Classifier, OneByOne, conv_layers

Progress = Callable[[int, int], None]  # (steps done, steps in all)

LOGITS = "logits"  # the layer name that asks for class logits instead of a convolution's channels
# Not Lucid's 512: 16 channels of a middle Lite0 layer must take <= 60 s on 2 cores, with room left for a
# class's other page runs (docs/featurevis.md has the timings).
DEFAULT_STEPS = 256
DEFAULT_SIZE = 128
DEFAULT_DIVERSITY_WEIGHT = 100.0  # Lucid's weight: 1e2 x the summed pairwise similarity over the batch
MAX_IMAGES = 64  # channels x images per channel in one batch: memory and time grow with it
MAX_STEPS = 4096
SIZES = (32, 512)  # smallest and largest image side
LEARNING_RATE = 0.05
PAD, JITTER = 12, 8  # pixels
SCALES = (0.9, 1.1)
ROTATE = 10.0  # degrees, either way

# The square root of ImageNet's colour covariance (Lucid's and Lucent's published constant): an image
# whose three channels are independent in this space has natural colour correlations once mapped to RGB.
_COLOUR = torch.tensor([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]])
_COLOUR = _COLOUR / _COLOUR.norm(dim=0).max()


class FeatureVisError(VizcoreError, ValueError):
    """A layer, channel, seed or setting that cannot be visualised; the message names the valid choices."""


@dataclass(frozen=True)
class Request:
    """What to optimise: ``channels`` of ``layer`` (class indices where ``layer`` is ``LOGITS``),
    ``images`` of each (more than one: pushed apart by the diversity term)."""

    layer: str
    channels: tuple[int, ...]
    images: int = 1
    steps: int = DEFAULT_STEPS
    size: int = DEFAULT_SIZE
    seed: int = 0
    diversity: float = DEFAULT_DIVERSITY_WEIGHT


@dataclass(frozen=True)
class Visualisation:
    """The optimised images, channel by channel (``images[i]`` are ``request.channels[i]``'s), as
    HxWx3 arrays in [0, 1], with the objective's last value for each (mean activation, or logit)."""

    request: Request
    layer_kind: str  # "convolution" or "class logit"
    pictures: tuple[tuple[np.ndarray, ...], ...]
    activations: tuple[tuple[float, ...], ...]

    def images(self) -> list[list[Image.Image]]:
        return [[to_pil(p) for p in row] for row in self.pictures]


def to_pil(picture: np.ndarray) -> Image.Image:
    return Image.fromarray((np.clip(picture, 0, 1) * 255).round().astype(np.uint8), "RGB")


# -- checking a request --------------------------------------------------------------------------
def layer_channels(clf: Classifier, layer: str) -> int:
    """How many channels (classes, for ``LOGITS``) ``layer`` has; a layer that is not a convolution of
    ``clf`` is refused with the names that are."""
    if layer == LOGITS:
        return len(clf.categories)
    convs = conv_layers(clf)
    if layer not in convs:
        shown = layer if len(layer) <= 40 else layer[:37] + "..."
        raise FeatureVisError(
            f"{clf.name} has no convolution {shown!r}: choose {LOGITS} (class logits) or one of {', '.join(convs)}."
        )
    module = dict(clf.model.named_modules())[layer]
    assert isinstance(module, nn.Conv2d)
    return module.out_channels


def check_request(clf: Classifier, request: Request, allow_random: bool = False) -> int:
    """Refuse, in one sentence, what cannot be computed; the number of channels of the layer if all is well."""
    if not clf.pretrained and not allow_random:
        raise WeightsError(
            f"{clf.name} has random weights: what its channels want is noise and means nothing, so it is not "
            "computed (ask for it explicitly to see that noise)."
        )
    count = layer_channels(clf, request.layer)
    what = "class" if request.layer == LOGITS else "channel"
    if not request.channels:
        raise FeatureVisError(f"name at least one {what} of {request.layer}, 0 to {count - 1}.")
    for c in request.channels:
        if not 0 <= c < count:
            raise FeatureVisError(
                f"{what} {c} is out of range: {request.layer} has {count} {what}s, numbered 0 to {count - 1}."
            )
    if not 1 <= request.images <= MAX_IMAGES:
        raise FeatureVisError(f"images per {what} must be 1 to {MAX_IMAGES}, not {request.images}.")
    if len(request.channels) * request.images > MAX_IMAGES:
        raise FeatureVisError(
            f"{len(request.channels)} {what}s x {request.images} images is more than {MAX_IMAGES} images in one batch: "
            "ask for fewer."
        )
    if not 1 <= request.steps <= MAX_STEPS:
        raise FeatureVisError(f"steps must be 1 to {MAX_STEPS}, not {request.steps}.")
    if not SIZES[0] <= request.size <= SIZES[1]:
        raise FeatureVisError(f"the image size must be {SIZES[0]} to {SIZES[1]} pixels, not {request.size}.")
    if not 0 <= request.seed < 2**63:
        raise FeatureVisError(f"the seed must be a whole number from 0 to 2**63 - 1, not {request.seed}.")
    if not (math.isfinite(request.diversity) and 0 <= request.diversity <= 1e6):
        raise FeatureVisError(f"the diversity weight must be 0 to 1e6, not {request.diversity}.")
    return count


# -- the image: Fourier coefficients of decorrelated colour ----------------------------------------
def _frequency_scale(size: int) -> torch.Tensor:
    """1/frequency for each coefficient of a ``size`` x ``size`` real FFT (the lowest nonzero frequency
    standing in for 0), over 4: Lucid's scaling, for an orthonormal inverse FFT."""
    fy = torch.fft.fftfreq(size)[:, None]
    fx = torch.fft.rfftfreq(size)[None, :]
    freq = (fy**2 + fx**2).sqrt()
    scale: torch.Tensor = 1.0 / freq.clamp_min(1.0 / size) / 4  # size x (size // 2 + 1)
    return scale


def _initial_spectrum(count: int, size: int, generator: torch.Generator) -> torch.Tensor:
    """Small random Fourier coefficients (real and imaginary parts) for ``count`` images: mid-grey
    with faint coloured noise, as every run begins."""
    return 0.01 * torch.randn(count, 3, size, size // 2 + 1, 2, generator=generator)


def _pixels(spectrum: torch.Tensor, scale: torch.Tensor, size: int) -> torch.Tensor:
    """The images the coefficients stand for: Nx3xHxW RGB in [0, 1]."""
    decorrelated = torch.fft.irfftn(torch.view_as_complex(spectrum) * scale, s=(size, size), norm="ortho")
    rgb = torch.einsum("nchw,dc->ndhw", decorrelated, _COLOUR.to(spectrum.device))
    return torch.sigmoid(rgb)


# -- robustness: pad, jitter, scale, rotate ---------------------------------------------------------
def _transformed(images: torch.Tensor, generator: torch.Generator, out: int) -> torch.Tensor:
    """Each image padded with grey by ``PAD``, then jittered, scaled and rotated at random (one affine
    resampling, its own draw per image), and read back at ``out`` pixels a side."""
    n, _, size, _ = images.shape
    padded = F.pad(images, (PAD,) * 4, value=0.5)
    side = size + 2 * PAD
    scale = SCALES[0] + (SCALES[1] - SCALES[0]) * torch.rand(n, generator=generator)
    angle = torch.deg2rad(ROTATE * (2 * torch.rand(n, generator=generator) - 1))
    shift = torch.randint(-JITTER, JITTER + 1, (n, 2), generator=generator).float() * 2 / side
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    # the central crop of the padded image, the same size as the image
    theta[:, :, :2] *= size / side
    grid = F.affine_grid(theta.to(images.device), [n, 3, out, out], align_corners=False)
    return F.grid_sample(padded, grid, mode="bilinear", padding_mode="border", align_corners=False)


# -- the objective -----------------------------------------------------------------------------------
class _Reached(Exception):
    """Raised from the target layer's hook: the rest of the network is not needed."""


def _private_copy(clf: Classifier, layer: str, side: int) -> nn.Module:
    """The classifier's network copied for one request, made cheaper to differentiate without changing
    what the target layer computes: the steps run without the shared model's lock (other users' photos
    are never held up, and no hook of ours is ever on the shared model); every batch norm that follows
    a convolution is folded into it (one affine map instead of two, and no batch-norm backward); and the
    weights are in channels-last order. Together: 16 images to a middle layer of Lite0 cost a third of
    the CPU time (benchmarks/bench_featurevis.py)."""
    with clf.lock:
        model = copy.deepcopy(clf.model)
    channels = len(clf.transform.mean)
    try:
        with torch.no_grad():
            _fold_norms(model, layer, torch.zeros(1, channels, side, side, device=clf.device))
    except RuntimeError as exc:  # e.g. a pooling window larger than what is left of a small image
        reason = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
        raise FeatureVisError(
            f"{clf.name} cannot take a {side}-pixel image as far as {layer} ({reason}): ask for a larger size."
        ) from exc
    return model.to(memory_format=torch.channels_last)


class _Activation(nn.Module):
    """What is left of a folded timm ``BatchNormAct2d``: its dropout and activation."""

    def __init__(self, drop: nn.Module, act: nn.Module) -> None:
        super().__init__()
        self.drop, self.act = drop, act

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.act(self.drop(x))
        return out


def _fold_norms(model: nn.Module, keep: str, x: torch.Tensor) -> None:
    """Fold each eval-mode batch norm whose input is a convolution's output (seen on one pass of ``x``)
    into that convolution, except ``keep``'s: its output is what is measured, before its norm."""
    names = {m: n for n, m in model.named_modules()}
    made_by: dict[int, tuple[str, torch.Tensor]] = {}  # the tensor is kept so that its id is not reused
    pairs: list[tuple[str, str]] = []

    def conv_hook(m: nn.Module, _i: Any, out: torch.Tensor) -> None:
        made_by[id(out)] = (names[m], out)

    def norm_hook(m: nn.Module, args: tuple[Any, ...]) -> None:
        found = made_by.get(id(args[0])) if args else None
        if found is not None:
            pairs.append((found[0], names[m]))

    convs = [(m, conv_hook) for m in names if isinstance(m, nn.Conv2d)]
    norms = [(m, norm_hook) for m in names if isinstance(m, nn.BatchNorm2d)]
    with forward_hooks(convs, before=norms):
        activations(model, keep, x)  # as far as the target: the norms after it never run
    modules = dict(model.named_modules())
    for conv_name, norm_name in dict(reversed(pairs)).items():  # a conv's first norm only
        conv, norm = modules[conv_name], modules[norm_name]
        assert isinstance(conv, nn.Conv2d) and isinstance(norm, nn.BatchNorm2d)
        if conv_name == keep or norm.training or norm.running_mean is None or norm.running_var is None:
            continue
        if type(norm) is nn.BatchNorm2d:
            rest: nn.Module = nn.Identity()
        elif isinstance(getattr(norm, "act", None), nn.Module) and isinstance(getattr(norm, "drop", None), nn.Module):
            rest = _Activation(norm.drop, norm.act)  # type: ignore[arg-type]
        else:
            continue  # a norm we do not know the rest of: left as it is
        gain = (norm.weight if norm.weight is not None else 1) / (norm.running_var + norm.eps).sqrt()
        shift = norm.bias if norm.bias is not None else 0
        bias = conv.bias if conv.bias is not None else torch.zeros_like(norm.running_mean)
        conv.weight.copy_(conv.weight * gain.view(-1, 1, 1, 1))
        conv.bias = nn.Parameter((bias - norm.running_mean) * gain + shift, requires_grad=False)
        parent, _, child = norm_name.rpartition(".")
        setattr(modules[parent] if parent else model, child, rest)


def activations(model: nn.Module, layer: str, x: torch.Tensor) -> torch.Tensor:
    """``layer``'s output for the network input ``x`` (NxCxHxW, normalised), the pass stopped there; for
    ``LOGITS``, the logits. Gradients flow; the caller holds the model's lock if it is shared."""
    if layer == LOGITS:
        out: torch.Tensor = model(x)
        return out
    module = dict(model.named_modules())[layer]
    caught: list[torch.Tensor] = []

    def stop(_m: nn.Module, _i: Any, output: torch.Tensor) -> None:
        caught.append(output)
        raise _Reached

    handle = module.register_forward_hook(stop)
    try:
        model(x)
    except _Reached:
        pass
    finally:
        handle.remove()
    if not caught:
        raise FeatureVisError(f"{layer} did not run for this input, so it cannot be visualised.")
    return caught[0]


def _scores(maps: torch.Tensor, channels: torch.Tensor) -> torch.Tensor:
    """Each image's objective: its channel's mean activation (a conv map), or its class logit."""
    picked = maps[torch.arange(len(channels), device=maps.device), channels.to(maps.device)]
    return picked.flatten(1).mean(1) if picked.dim() > 1 else picked


def gram_similarity(maps: torch.Tensor) -> torch.Tensor:
    """The cosine similarity of every pair's Gram matrices (CxC channel co-activations, a layer's
    "style"): NxN, 1 on the diagonal."""
    flat = maps.flatten(2)
    grams = flat @ flat.transpose(1, 2) / flat.shape[2]
    unit = F.normalize(grams.flatten(1), dim=1)
    return unit @ unit.T


def _diversity(maps: torch.Tensor, groups: int, per_group: int) -> torch.Tensor:
    """The mean Gram cosine similarity between images of the same channel (0 if one image each)."""
    if per_group < 2 or maps.dim() != 4:
        return maps.new_zeros(())
    total = maps.new_zeros(())
    for g in range(groups):
        sim = gram_similarity(maps[g * per_group : (g + 1) * per_group])
        total = total + (sim.sum() - sim.diagonal().sum()) / (per_group * (per_group - 1))
    return total / groups


def _network_side(clf: Classifier, size: int) -> int:
    """The side the network is fed at: the image's own, except for a converted file that fixes its input."""
    return clf.transform.crop if isinstance(clf.model, OneByOne) else size


def visualise(
    clf: Classifier,
    request: Request,
    *,
    on_progress: Progress | None = None,
    allow_random: bool = False,
) -> Visualisation:
    """Optimise one image per channel (``request.images`` each) in one batch, ``request.steps`` Adam
    steps; see the module's docstring. The steps run on a private copy of the network (the shared one
    is locked only to copy it). A network with random weights is refused unless ``allow_random``."""
    check_request(clf, request, allow_random)
    generator = torch.Generator().manual_seed(request.seed)
    count = len(request.channels) * request.images
    size = request.size
    device = clf.device
    spectrum = _initial_spectrum(count, size, generator).to(device).requires_grad_(True)
    scale = _frequency_scale(size).to(device)[None, None]
    targets = torch.tensor(request.channels).repeat_interleave(request.images)
    mean = torch.tensor(clf.transform.mean, device=device).view(1, -1, 1, 1)
    std = torch.tensor(clf.transform.std, device=device).view(1, -1, 1, 1)
    grey = len(clf.transform.mean) == 1
    side = _network_side(clf, size)
    model = _private_copy(clf, request.layer, side)
    optimiser = torch.optim.Adam([spectrum], lr=LEARNING_RATE)
    scores = torch.zeros(count)
    for step in range(request.steps):
        optimiser.zero_grad(set_to_none=True)
        seen = _transformed(_pixels(spectrum, scale, size), generator, side)
        if grey:
            seen = seen.mean(1, keepdim=True)
        maps = activations(model, request.layer, ((seen - mean) / std).contiguous(memory_format=torch.channels_last))
        per_image = _scores(maps, targets)
        loss = -per_image.sum()
        if request.diversity and request.images > 1:
            loss = loss + request.diversity * count * _diversity(maps, len(request.channels), request.images)
        torch.autograd.backward(loss)
        optimiser.step()
        scores = per_image.detach().float().cpu()
        if on_progress:
            on_progress(step + 1, request.steps)
    with torch.no_grad():
        final = _pixels(spectrum, scale, size).permute(0, 2, 3, 1).float().cpu().numpy()
    per = request.images
    return Visualisation(
        request,
        "class logit" if request.layer == LOGITS else "convolution",
        tuple(tuple(final[i * per : (i + 1) * per]) for i in range(len(request.channels))),
        tuple(tuple(scores[i * per : (i + 1) * per].tolist()) for i in range(len(request.channels))),
    )


def channel_response(
    clf: Classifier, layer: str, pictures: Sequence[np.ndarray], channels: Sequence[int]
) -> np.ndarray:
    """How much each picture (HxWx3 in [0, 1], any size: each read at its own) excites each of ``channels``
    of ``layer``: a pictures x channels table of mean activations (logits for ``LOGITS``)."""
    layer_channels(clf, layer)
    mean = torch.tensor(clf.transform.mean).view(1, -1, 1, 1)
    std = torch.tensor(clf.transform.std).view(1, -1, 1, 1)
    rows = []
    for picture in pictures:
        x = torch.from_numpy(np.ascontiguousarray(picture, dtype=np.float32)).permute(2, 0, 1)[None]
        if len(clf.transform.mean) == 1:
            x = x.mean(1, keepdim=True)
        if isinstance(clf.model, OneByOne):
            x = F.interpolate(x, size=(clf.transform.crop,) * 2, mode="bilinear", antialias=True, align_corners=False)
        with clf.lock, torch.no_grad():
            maps = activations(clf.model, layer, ((x - mean) / std).to(clf.device))
        chosen = maps[0, list(channels)].float().cpu()
        rows.append((chosen.flatten(1).mean(1) if chosen.dim() > 1 else chosen).numpy())
    return np.stack(rows)


def grid(pictures: Sequence[np.ndarray], columns: int = 4, gap: int = 2) -> np.ndarray:
    """Pictures of one size as a grid with white gaps, row by row: HxWx3 in [0, 1]."""
    if not pictures:
        raise FeatureVisError("nothing to put in a grid.")
    height, width = pictures[0].shape[:2]
    columns = max(1, min(columns, len(pictures)))
    rows = -(-len(pictures) // columns)
    out = np.ones((rows * (height + gap) - gap, columns * (width + gap) - gap, 3), dtype=np.float32)
    for i, picture in enumerate(pictures):
        r, c = divmod(i, columns)
        out[r * (height + gap) : r * (height + gap) + height, c * (width + gap) : c * (width + gap) + width] = picture
    return out


def visualize_channels(
    layer: str,
    channels: Sequence[int],
    clf: Classifier | None = None,
    *,
    images: int = 1,
    steps: int = DEFAULT_STEPS,
    size: int = DEFAULT_SIZE,
    seed: int = 0,
    diversity: float = DEFAULT_DIVERSITY_WEIGHT,
    on_progress: Progress | None = None,
    allow_random: bool = False,
) -> list[Image.Image]:
    """What each of ``channels`` of ``layer`` wants, as RGB images of ``size`` pixels (``images`` per
    channel, channel by channel), for ``clf`` (default: the offline EfficientNet-Lite0). The API's door
    to :func:`visualise`; ``layer`` as ``vizcore explain --layer`` takes it, or ``"logits"``."""
    if clf is None:
        from .inference import default_classifier

        clf = default_classifier("cpu")
    request = Request(layer, tuple(channels), images, steps, size, seed, diversity)
    found = visualise(clf, request, on_progress=on_progress, allow_random=allow_random)
    return [image for row in found.images() for image in row]
