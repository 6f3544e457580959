"""What a channel wants: for channels of one of EfficientNet-Lite0's convolutions, the image optimised to
excite each (Distill's "Feature Visualization", 2017) beside the nine patches of the offline photo
collection that excite it most (Zeiler & Fergus 2014, Fig. 2).

The URL holds the view (``?layer=blocks.3.1.conv_pw&channels=0-15``); a link that names channels shows
them at once, a visit without one waits for the button (a minute of CPU is not spent on every visit of
the page). Results are shared by every session and computed once (a class that opens the same link waits for one computation, not sixty); the
computation runs on a private copy of the network, so other students' pages keep answering.
"""

from __future__ import annotations

import argparse

import numpy as np
import streamlit as st
from PIL import Image

import vizcore
from vizcore.cli_visualize import channel_list
from vizcore.photos import channels, featurevis, inference
from webapp.caching import SharedResults, default_classifier
from webapp.chrome import setup
from webapp.photo_collection import collection_photos
from webapp.url_state import escaped, init_from_url, quoted, remember, shared_params, sync_url

MAX_PAGE_CHANNELS = 16  # one batch of 16 at a middle layer: about a minute on two cores
DEFAULT_LAYER = "blocks.3.1.conv_pw"
DEFAULT_CHANNELS = "0-7"
TILE = 240  # pixels a side of each optimised image and of each 3x3 patch grid: readable on a projector


@st.cache_resource
def shared() -> SharedResults:
    """Optimised images and strongest patches, per layer and channels, for every session; the last 24."""
    return SharedResults(24)


def parsed_channels(text: str) -> tuple[int, ...]:
    """The channel list a student typed, or one sentence (vizcore's error) saying what is wrong with it."""
    try:
        found = channel_list(text)
    except argparse.ArgumentTypeError as exc:
        raise featurevis.FeatureVisError(f"{exc}.") from exc
    if len(found) > MAX_PAGE_CHANNELS:
        raise featurevis.FeatureVisError(
            f"{len(found)} channels is more than this page computes at once ({MAX_PAGE_CHANNELS}); "
            "use `python -m vizcore visualize` for more."
        )
    return found


def optimised(clf: inference.Classifier, layer: str, chosen: tuple[int, ...]) -> list[np.ndarray]:
    request = featurevis.Request(layer, chosen)
    bar = st.progress(0.0, text=f"Optimising {len(chosen)} images…")

    def progress(done: int, total: int) -> None:
        if done % 4 == 0 or done == total:  # a message to the browser every 4 steps is enough
            bar.progress(done / total, text=f"Step {done} of {total} ({len(chosen)} images in one batch)")

    try:
        found = featurevis.visualise(clf, request, on_progress=progress)
    finally:
        bar.empty()
    return [row[0] for row in found.pictures]


def strongest(clf: inference.Classifier, layer: str) -> tuple[list[np.ndarray], channels.LayerPatches]:
    bar = st.progress(0.0, text="Looking for each channel's strongest patches…")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total, text=f"{done} of {total} photos")

    try:
        inputs = channels.prepared(clf, list(collection_photos().values()))
        found = channels.strongest_patches(clf, inputs, [layer], on_progress=progress)
        return [inference.displayable(clf, x) for x in inputs], found[layer]
    finally:
        bar.empty()


def figure(picture: np.ndarray, patches: np.ndarray) -> Image.Image:
    """The optimised image beside its 3x3 patches, both ``TILE`` pixels high, a white gap between."""
    left = featurevis.to_pil(picture).resize((TILE, TILE), Image.Resampling.LANCZOS)
    right = featurevis.to_pil(patches).resize((TILE, TILE), Image.Resampling.LANCZOS)
    out = Image.new("RGB", (2 * TILE + 12, TILE), "white")
    out.paste(left, (0, 0))
    out.paste(right, (TILE + 12, 0))
    return out


setup(reads=("layer", "channels"))
st.title("What a channel wants")
st.caption(
    "Left: an image optimised to excite the channel most (its mean activation), found from noise by gradient "
    "ascent in Fourier space with decorrelated colour and small random shifts, scales and rotations "
    "(Olah et al., Distill 2017). Right: the nine patches of the sample photos that excite it most "
    "(Zeiler & Fergus 2014, Fig. 2)."
)
device = st.session_state.get("device", "auto")
try:
    clf = default_classifier(device)
except vizcore.VizcoreError as exc:
    st.error(escaped(str(exc)))
    st.stop()
layers = inference.conv_layers(clf)
st.session_state.setdefault("fv_go", "channels" in st.query_params)  # a link with channels: compute at once
init_from_url("fv_layer", "layer", DEFAULT_LAYER, lambda v: v if v in layers else None)
init_from_url("fv_channels", "channels", DEFAULT_CHANNELS, lambda v: str(v) if parsed_channels(str(v)) else None)
left, right = st.columns([2, 1])
layer = left.selectbox("Layer of EfficientNet-Lite0", layers, key="fv_layer", help="as `vizcore explain --layer`")
text = right.text_input("Channels", key="fv_channels", help=f"e.g. 0,5,9 or 0-15; at most {MAX_PAGE_CHANNELS}")
remember("fv_layer", "fv_channels")
sync_url({**shared_params(), "layer": layer, "channels": text})

try:
    chosen = parsed_channels(text)
    featurevis.check_request(clf, featurevis.Request(layer, chosen))
except vizcore.VizcoreError as exc:
    st.error(escaped(str(exc)) if len(text) <= 40 else f"Channels {escaped(quoted(text))}: {escaped(str(exc))}")
    st.stop()

if not st.session_state["fv_go"]:
    st.button("Find what these channels want", type="primary", on_click=lambda: st.session_state.update(fv_go=True))
    st.stop()
st.caption(
    f"{len(chosen)} images of {featurevis.DEFAULT_SIZE} px, {featurevis.DEFAULT_STEPS} steps, one batch; computed "
    "once for everyone who opens this layer and these channels."
)
try:
    with st.spinner("Waiting for the images (someone else may have started them)…"):
        pictures = shared().get(clf, ("optimised", layer, chosen), lambda: optimised(clf, layer, chosen))
        photos, patches = shared().get(clf, ("patches", layer), lambda: strongest(clf, layer))
except vizcore.VizcoreError as exc:
    st.error(escaped(str(exc)))
    st.stop()

per_row = 2 if st.session_state.get("present") else 3
for start in range(0, len(chosen), per_row):
    for column, i in zip(st.columns(per_row), range(start, min(start + per_row, len(chosen))), strict=False):
        channel = chosen[i]
        try:
            grid = channels.patch_grid(photos, patches.patches[channel])
        except vizcore.VizcoreError:
            grid = np.full((3, 3, 3), 0.5, dtype=np.float32)  # no patch excites it: grey
        column.image(
            figure(pictures[i], grid), caption=f"{layer}, channel {channel}", width="stretch", output_format="PNG"
        )
