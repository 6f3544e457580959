"""Reading untrusted photos: any file a student drops becomes an RGB image of bounded size, or one
sentence saying what is wrong with it."""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import VizcoreError

MAX_FILE_BYTES = 50 * 2**20  # uploads and files above this are refused before decoding
MAX_SIDE = 2048  # larger photos are downscaled (not refused) before preprocessing


class ImageError(VizcoreError, ValueError):
    """A file that is not an image we can classify; the message says what is wrong with it."""


def load_image(source: bytes | str | Path, max_side: int = MAX_SIDE) -> Image.Image:
    """An untrusted file as an RGB image, oriented as the camera meant, at most ``max_side`` pixels a
    side. Pillow's decompression-bomb limit is kept; every failure is one ImageError sentence."""
    name = "the image" if isinstance(source, bytes) else os.path.basename(str(source))
    if not isinstance(source, bytes):
        try:
            if os.path.getsize(source) > MAX_FILE_BYTES:
                raise ImageError(f"{name} is larger than {MAX_FILE_BYTES // 2**20} MB: use a smaller photo.")
            source = Path(source).read_bytes()
        except OSError as exc:
            raise ImageError(f"{name} cannot be read ({exc.strerror or exc}).") from exc
    if not source:
        raise ImageError(f"{name} is empty.")
    if len(source) > MAX_FILE_BYTES:
        raise ImageError(f"{name} is larger than {MAX_FILE_BYTES // 2**20} MB: use a smaller photo.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(source))
            image.seek(0)  # an animation: its first frame
            image.draft("RGB", (max_side, max_side))  # JPEG: decode at a reduced size, fast
            image.load()
            image = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError(
            f"{name} has more pixels than Pillow's safety limit ({Image.MAX_IMAGE_PIXELS:,}): it looks like a decompression bomb."
        ) from exc
    except UnidentifiedImageError as exc:
        raise ImageError(
            f"{name} is not an image Pillow can read: use a JPEG, PNG, GIF, BMP, TIFF or WebP photo."
        ) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageError(f"{name} is damaged or truncated and cannot be decoded ({str(exc)[:80]}).") from exc
    image = _to_rgb(image)
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return image


def _to_rgb(image: Image.Image) -> Image.Image:
    """Any mode as 8-bit RGB: 16-bit and float scaled down, palette and alpha over white, CMYK converted."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        array = np.asarray(image, dtype=np.float64)
        low, high = float(array.min()), float(array.max())
        scaled = (array - low) / (high - low) * 255 if high > low else np.zeros_like(array)
        image = Image.fromarray(scaled.astype(np.uint8), "L")
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")
