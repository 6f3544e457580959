"""What each channel looks for (Zeiler & Fergus 2014, Fig. 2): the places in a photo collection that
excite a convolution's channels most, each cropped to the receptive field of its unit. The fields,
with where they sit on the input, come from the engine (:mod:`vizcore.engine.receptive`), over one
traced pass of the photo size.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from ..engine import receptive
from ..engine.hooks import forward_hooks
from ..engine.trace import Tracer
from ..errors import VizcoreError
from .images import load_image
from .inference import Classifier

Progress = Callable[[int, int], None]  # (photos done, photos in all)


class ChannelError(VizcoreError, ValueError):
    """A layer or photo collection that cannot be shown; the message names the valid choices."""


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


def receptive_field(model: nn.Module, layer: str, x: torch.Tensor) -> ReceptiveField:
    """The receptive field of ``layer``'s units (see ``receptive_fields``)."""
    return receptive_fields(model, [layer], x)[layer]


def receptive_fields(model: nn.Module, layers: Sequence[str], x: torch.Tensor) -> dict[str, ReceptiveField]:
    """The receptive field of each of ``layers``' units for inputs shaped like ``x``, along the height
    (square kernels assumed): the engine's fields over one traced pass, for a block those of the last
    layer that runs in it. The caller holds the model's lock if it is shared."""
    modules = dict(model.named_modules())
    unknown = [n for n in layers if n not in modules]
    if unknown:
        raise ChannelError(f"{type(model).__name__} has no layer {unknown[0]!r}.")
    traced = Tracer(model, device=x.device).run(x)
    found = receptive.fields(traced.nodes, traced.edges, tuple(x.shape))
    out = {}
    for layer in layers:
        inside = [n for n in traced.nodes if n.name == layer or n.name.startswith(layer + ".")]
        node = next((n for n in inside if n.name == layer), inside[-1] if inside else None)
        field = found[node.id] if node is not None and len(node.output_shape) == 4 else None
        if node is None or field is None or field.whole:
            raise ChannelError(f"{layer!r} has no spatial (NxCxHxW) output, so no receptive field.")
        # the unit's own window: a squeeze-excitation gate's span (its ``reach``, the whole image) crops nothing
        out[layer] = ReceptiveField(round(field.size[0]), round(field.jump[0]), float(field.start[0]))
    return out


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
        raise ChannelError("the photo collection is empty: add a photo.")
    convs = {n: m for n, m in clf.model.named_modules() if isinstance(m, nn.Conv2d)}
    wanted = list(convs) if layers is None else list(layers)
    unknown = [n for n in wanted if n not in convs]
    if unknown:
        raise ChannelError(f"{clf.name} has no convolution {unknown[0]!r}: choose one of {', '.join(convs)}.")
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
        raise ChannelError("no patch excites this channel in the collection.")
    size = tiles[0].shape[0]
    rows = -(-len(tiles) // columns)
    grid = np.ones((rows * (size + 1) - 1, columns * (size + 1) - 1, 3), dtype=np.float32)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, columns)
        grid[r * (size + 1) : r * (size + 1) + size, c * (size + 1) : c * (size + 1) + size] = tile
    return grid


# -- the photo collection the channels are searched in ------------------------------------------
Photo = bytes | np.ndarray  # a file's bytes (untrusted, read by images.load_image) or an RGB array


def collection(samples: Sequence[Path] = ()) -> dict[str, Photo]:
    """The offline collection: ``samples`` (photo files, by their stem), then scikit-image's photos and
    textures and scikit-learn's flower, where those packages are installed."""
    photos: dict[str, Photo] = {p.stem: p.read_bytes() for p in samples}
    try:
        from skimage import data
        from sklearn.datasets import load_sample_image
    except ImportError:  # installed without the test extras: the samples alone
        return photos
    for name in ("astronaut", "hubble_deep_field", "immunohistochemistry", "retina", "brick", "grass", "gravel"):
        photos[name] = getattr(data, name)()
    photos["motorcycle"] = data.stereo_motorcycle()[0]  # type: ignore[no-untyped-call]
    photos["flower"] = np.asarray(load_sample_image("flower.jpg"))
    return photos


def prepared(clf: Classifier, photos: Sequence[Photo]) -> list[torch.Tensor]:
    """Each photo as ``clf`` takes it: a 1xCxHxW tensor, prepared as its weights expect."""
    inputs = []
    for photo in photos:
        image = load_image(photo) if isinstance(photo, bytes) else Image.fromarray(photo).convert("RGB")
        inputs.append(clf.transform(image).unsqueeze(0))
    return inputs
