"""The offline photo collection in which pages look for each channel's strongest patches (Classify a
photo, What a channel wants): the app's sample photos, then what ``vizcore.photos.channels.collection``
adds (scikit-image's photos and textures, scikit-learn's)."""

from __future__ import annotations

from vizcore.photos import channels
from webapp.widgets import ROOT

SAMPLES = sorted((ROOT / "assets" / "samples").glob("*.jpg"))


def collection_photos() -> dict[str, channels.Photo]:
    return channels.collection(SAMPLES)
