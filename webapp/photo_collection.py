"""The offline photo collection in which pages look for each channel's strongest patches (Classify a
photo, What a channel wants): the sample photos, scikit-image's photos and textures, scikit-learn's."""

from __future__ import annotations

import numpy as np

from webapp.widgets import ROOT

SAMPLES = sorted((ROOT / "assets" / "samples").glob("*.jpg"))


def collection_photos() -> dict[str, bytes | np.ndarray]:
    """The offline collection: the sample photos, scikit-image's photos and textures, scikit-learn's."""
    photos: dict[str, bytes | np.ndarray] = {p.stem: p.read_bytes() for p in SAMPLES}
    try:
        from skimage import data
        from sklearn.datasets import load_sample_image
    except ImportError:  # the app without the test extras: the samples alone
        return photos
    for name in ("astronaut", "hubble_deep_field", "immunohistochemistry", "retina", "brick", "grass", "gravel"):
        photos[name] = getattr(data, name)()
    photos["motorcycle"] = data.stereo_motorcycle()[0]  # type: ignore[no-untyped-call]
    photos["flower"] = load_sample_image("flower.jpg")
    return photos
