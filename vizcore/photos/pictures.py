"""Pictures for people: feature maps and filters as grids, a heat map over a photo, and any of them
as PNG bytes (encoded once, then shown as often as asked)."""

from __future__ import annotations

import io

import numpy as np
import torch
from PIL import Image


def png(picture: np.ndarray) -> bytes:
    """An HxW (grey) or HxWx3 picture with values in [0, 1] as PNG bytes (values outside are clipped)."""
    pixels = (np.clip(picture, 0, 1) * 255).round().astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels, "L" if pixels.ndim == 2 else "RGB").save(out, format="PNG")
    return out.getvalue()


def channel_grid(maps: torch.Tensor, limit: int = 32, columns: int = 8) -> np.ndarray:
    """The first ``limit`` channels of a CxHxW tensor as one grayscale grid image (each channel
    scaled to its own range), with a 1-pixel gap; values in [0, 1]."""
    maps = maps[:limit].float()
    count, height, width = maps.shape
    rows = -(-count // columns)
    grid = np.ones((rows * (height + 1) - 1, min(count, columns) * (width + 1) - 1), dtype=np.float32)
    for i, channel in enumerate(maps):
        low, high = float(channel.min()), float(channel.max())
        scaled = ((channel - low) / (high - low)).numpy() if high > low else np.zeros((height, width), np.float32)
        r, c = divmod(i, columns)
        grid[r * (height + 1) : r * (height + 1) + height, c * (width + 1) : c * (width + 1) + width] = scaled
    return grid


def filter_grid(filters: torch.Tensor, limit: int = 64, columns: int = 16) -> np.ndarray:
    """First-layer filters (out x 3 x k x k) as small RGB tiles, each scaled to its own range."""
    filters = filters[:limit]
    if filters.shape[1] != 3:
        return channel_grid(filters[:, 0], limit, columns)
    count, _, k, _ = filters.shape
    rows = -(-count // columns)
    grid = np.ones((rows * (k + 1) - 1, min(count, columns) * (k + 1) - 1, 3), dtype=np.float32)
    for i, f in enumerate(filters):
        low, high = float(f.min()), float(f.max())
        tile = ((f - low) / (high - low) if high > low else torch.zeros_like(f)).permute(1, 2, 0).numpy()
        r, c = divmod(i, columns)
        grid[r * (k + 1) : r * (k + 1) + k, c * (k + 1) : c * (k + 1) + k] = tile
    return grid


def overlay(picture: np.ndarray, cam: np.ndarray, alpha: float = 0.45) -> np.ndarray:
    """A heat map (blue, low, to red, high) of ``cam`` laid over ``picture`` (HxWx3 in [0, 1])."""
    x = cam[..., None]
    heat = np.concatenate(
        [
            np.clip(1.5 - np.abs(4 * x - 3), 0, 1),
            np.clip(1.5 - np.abs(4 * x - 2), 0, 1),
            np.clip(1.5 - np.abs(4 * x - 1), 0, 1),
        ],
        axis=-1,
    )
    blended: np.ndarray = np.clip((1 - alpha) * picture + alpha * heat, 0, 1)
    return blended


def enlarged(picture: np.ndarray, scale: int) -> Image.Image:
    """A picture in [0, 1] (HxW grey or HxWx3) ``scale`` times larger, each pixel a hard-edged square."""
    image = Image.fromarray((np.clip(picture, 0, 1) * 255).round().astype(np.uint8))
    return image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)


def activation_picture(activation: torch.Tensor, side: int) -> Image.Image:
    """One channel's activation (HxW), scaled to its own range (bright: strong), as a ``side`` x ``side``
    grey picture with hard-edged pixels."""
    low, high = float(activation.min()), float(activation.max())
    scaled = ((activation - low) / (high - low) if high > low else activation * 0).float().numpy()
    image = Image.fromarray((scaled * 255).round().astype(np.uint8))
    return image.resize((side, side), Image.Resampling.NEAREST)
