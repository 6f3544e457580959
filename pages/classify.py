"""Classify a photo: top-5 with a real pretrained network, the input as the network sees it, feature
maps, first-layer filters, attribution maps (why this class) and where the time goes, layer by layer."""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch
from PIL import Image

import vizcore
from vizcore.photos import attribution, inference
from vizcore.photos.batching import Batcher
from webapp.caching import default_classifier
from webapp.chrome import setup
from webapp.url_state import init_from_url, remember, shared_params, show_url_problems, sync_url
from webapp.widgets import ROOT

R = TypeVar("R")

SAMPLES = sorted((ROOT / "assets" / "samples").glob("*.jpg"))
SOURCES = {
    "default": "EfficientNet-Lite0, pretrained (works offline)",
    "torchvision": "torchvision weights",
    "file": "your weights file",
    "random": "random weights",
}


@st.cache_resource(max_entries=3, show_spinner=False)
def torchvision_classifier(name: str, device: str) -> inference.Classifier:
    bar = st.progress(0.0, text=f"Downloading torchvision's weights for {name}…")
    try:
        return inference.torchvision_classifier(
            name,
            device,
            on_progress=lambda done, total: bar.progress(
                min(done / total, 1.0) if total else 0.0, text=f"Downloading {name}: {done / 2**20:.0f} MB"
            ),
        )
    finally:
        bar.empty()


@st.cache_resource(max_entries=3, show_spinner="Building the model…")
def random_classifier(name: str, device: str) -> inference.Classifier:
    return inference.random_classifier(name, device)


# -- why this class: attribution maps (vizcore.photos.attribution) ----------------------------------------
class MapCache:
    """The last ``size`` maps, shared by sessions: a map is keyed by the photo's pixels, the class, the
    method and its settings, and kept only while the very classifier that made it is alive (a weak
    reference: a reloaded or another session's own weights never get someone else's map)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.maps: OrderedDict[tuple[Any, ...], tuple[weakref.ref[inference.Classifier], Any]] = OrderedDict()

    def get(self, clf: inference.Classifier, key: tuple[Any, ...]) -> Any:
        with self.lock:
            hit = self.maps.get(key)
            if hit is None or hit[0]() is not clf:
                return None
            self.maps.move_to_end(key)
            return hit[1]

    def put(self, clf: inference.Classifier, key: tuple[Any, ...], value: Any) -> None:
        with self.lock:
            self.maps[key] = (weakref.ref(clf), value)
            while len(self.maps) > self.size:
                self.maps.popitem(last=False)


@st.cache_resource
def map_cache() -> MapCache:
    return MapCache(48)


def cached(clf: inference.Classifier, key: tuple[Any, ...], compute: Any) -> Any:
    cache = map_cache()
    value = cache.get(clf, key)
    if value is None:
        value = compute()
        cache.put(clf, key, value)
    return value


def attribution_section(clf: inference.Classifier, result: inference.Result) -> None:
    st.subheader("Why this class? Attribution maps")
    photo = hashlib.sha256(result.input.numpy().tobytes()).hexdigest()
    labels = [f"{p.label} ({p.prob:.1%})" for p in result.predictions]
    left, right = st.columns(2)
    chosen = left.selectbox(
        "Explain", range(len(labels)), format_func=labels.__getitem__, key="classify_explain", help="one of the top 5"
    )
    method = right.selectbox(
        "Method",
        list(attribution.METHODS),
        format_func=lambda m: attribution.METHODS[m].title,
        index=list(attribution.METHODS).index("gradcam"),
        key="classify_method",
    )
    settings: dict[str, Any] = {}
    if method == "gradcam":
        layers = cached(
            clf, ("layers", tuple(result.input.shape)), lambda: attribution.gradcam_layers(clf, result.input)
        )
        settings["layer"] = st.selectbox(
            "Layer",
            layers,
            index=len(layers) - 1,
            key="classify_cam_layer",
            help="any convolution with a spatial output",
        )
    elif method == "occlusion":
        a, b, c = st.columns(3)
        window = a.slider("Window (pixels)", 8, 112, 32, step=8, key="classify_window")
        settings["window"] = window
        settings["stride"] = b.slider("Stride (pixels)", 4, window, min(16, window), step=4, key="classify_stride")
        settings["baseline"] = c.radio("Cover with", attribution.BASELINES, horizontal=True, key="classify_baseline")
    target = result.predictions[chosen].index
    key = ("map", photo, method, target, tuple(sorted(settings.items())))

    def compute() -> attribution.Attribution:
        bar = st.progress(0.0, text=f"{attribution.METHODS[method].title}…")
        try:
            return attribution.explain(
                clf,
                result.input,
                method,
                target,
                on_progress=lambda done, total: bar.progress(done / total, text=f"{done} of {total} images"),
                **settings,
            )
        finally:
            bar.empty()

    try:
        found: attribution.Attribution = cached(clf, key, compute)
    except vizcore.VizcoreError as exc:
        st.error(str(exc))
        return
    picture = inference.displayable(clf, result.input)
    top = max(float(found.values.max()), 1e-12)
    fig = go.Figure(go.Image(z=(picture * 255).round(), hoverinfo="skip"))
    fig.add_trace(
        go.Heatmap(
            z=found.values.clip(0, None),
            zmin=0,
            zmax=top,
            colorscale="Jet",
            opacity=0.45,
            colorbar={"title": {"text": attribution.METHODS[method].units, "side": "right"}},
            hovertemplate="x %{x}, y %{y}: %{z:.3g}<extra></extra>",
        )
    )
    fig.update_layout(
        width=460,
        height=380,
        margin={"l": 0, "r": 0, "t": 30, "b": 0},
        title={"text": f"{attribution.METHODS[method].title} for {found.label}"},
        xaxis={"visible": False},
        yaxis={"visible": False},
    )
    st.plotly_chart(fig, key="attribution_map")
    st.caption(found.reading)


# -- what each channel looks for (Zeiler & Fergus, Fig. 2) ------------------------------------------
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
    photos["motorcycle"] = data.stereo_motorcycle()[0]
    photos["flower"] = load_sample_image("flower.jpg")
    return photos


def channel_section(clf: inference.Classifier, result: inference.Result, upload: bytes | None) -> None:
    st.subheader("What each channel looks for")
    uploads: dict[str, bytes] = st.session_state.setdefault("classify_uploads", {})
    if upload is not None:  # this session's photos join the collection (the last 8)
        uploads[hashlib.sha256(upload).hexdigest()[:12]] = upload
        while len(uploads) > 8:
            uploads.pop(next(iter(uploads)))
    if not st.toggle(
        "Show each channel's 9 strongest patches",
        key="classify_channels",
        help="Zeiler & Fergus's Fig. 2: the places in a small photo collection that excite a channel most",
    ):
        return
    names = ("offline", *sorted(uploads), tuple(result.input.shape))

    def compute() -> tuple[list[np.ndarray], dict[str, attribution.LayerPatches]]:
        photos = [*collection_photos().values(), *uploads.values()]
        bar = st.progress(0.0, text="Looking for each channel's strongest patches…")
        try:
            inputs = []
            for photo in photos:
                image = (
                    inference.load_image(photo) if isinstance(photo, bytes) else Image.fromarray(photo).convert("RGB")
                )
                inputs.append(clf.transform(image).unsqueeze(0))
            found = attribution.strongest_patches(
                clf, inputs, on_progress=lambda d, t: bar.progress(d / t, text=f"{d} of {t} photos")
            )
            return [inference.displayable(clf, x) for x in inputs], found
        finally:
            bar.empty()

    try:
        pictures, found = cached(clf, ("patches", names), compute)
    except vizcore.VizcoreError as exc:
        st.error(str(exc))
        return
    layers = list(found)
    left, right = st.columns(2)
    layer = left.selectbox("Layer", layers, key="classify_patch_layer")
    patches = found[layer]
    channel = right.number_input(
        "Channel", 0, len(patches.patches) - 1, 0, key="classify_patch_channel", help=f"0 to {len(patches.patches) - 1}"
    )
    grid = attribution.patch_grid(pictures, patches.patches[channel])
    side = 300
    scale = max(1, side // grid.shape[0])
    picture = Image.fromarray((grid * 255).round().astype(np.uint8))
    picture = picture.resize((grid.shape[1] * scale, grid.shape[0] * scale), Image.Resampling.NEAREST)
    maps = inference.feature_maps(clf, result.input, layer)[channel]
    low, high = float(maps.min()), float(maps.max())
    activation = ((maps - low) / (high - low) if high > low else maps * 0).numpy()
    activation_picture = Image.fromarray((activation * 255).round().astype(np.uint8)).resize(
        (side, side), Image.Resampling.NEAREST
    )
    a, b = st.columns(2)
    field = patches.field
    whole = field.size >= min(result.input.shape[-2:])
    a.image(
        picture,
        caption=(
            f"{layer}, channel {channel}: the {len(patches.patches[channel])} strongest places in {len(pictures)} photos, "
            + (
                f"each its {field.size}x{field.size}-pixel receptive field"
                if not whole
                else f"whole photos (its receptive field, {field.size} pixels, covers all of it)"
            )
        ),
        width=side,
    )
    b.image(
        activation_picture,
        caption=f"Channel {channel}'s activation on this photo ({maps.shape[0]}x{maps.shape[1]}, bright: strong)",
        width=side,
    )


# Under load: photos classified together share one forward pass (a Batcher per shared classifier),
# and what a photo shows (top-5, feature maps, timings) is computed once per classifier and photo,
# whoever asks. Entries hold their classifier, so its id stays theirs while they live.
@st.cache_resource(max_entries=8, ttl="15m", show_spinner=False, on_release=Batcher.close)
def batcher(clf_id: int, _clf: inference.Classifier) -> Batcher[Image.Image, inference.Result]:
    # On a CPU a forward pass costs the same per photo at any batch size, so big batches only make the
    # first students wait for the last (benchmarks/bench_batching.py); a GPU takes batches of 32.
    size = 32 if _clf.device.type == "cuda" else 4
    return Batcher(
        lambda images: inference.classify_batch(_clf, images, top=5), max_batch=size, name=f"batch {_clf.name}"
    )


@st.cache_resource(max_entries=64, ttl="15m", show_spinner=False)
def _classified(clf_id: int, digest: str, _clf: inference.Classifier, _raw: bytes) -> tuple[object, inference.Result]:
    return _clf, batcher(clf_id, _clf).submit(inference.load_image(_raw))


@st.cache_resource(max_entries=128, ttl="15m", show_spinner=False)
def _seen(
    name: str, clf_id: int, digest: str, args: tuple[Any, ...], _fn: Any, _clf: inference.Classifier, _x: torch.Tensor
) -> tuple[object, Any]:
    return _clf, _fn(_clf, _x, *args)


def classified(clf: inference.Classifier, raw: bytes) -> inference.Result:
    return _classified(id(clf), hashlib.sha256(raw).hexdigest(), clf, raw)[1]


def seen(fn: Callable[..., R], clf: inference.Classifier, raw: bytes, result: inference.Result, *args: Any) -> R:
    """``fn(clf, result.input, *args)``, shared by everyone looking at this photo with this classifier."""
    return _seen(fn.__qualname__, id(clf), hashlib.sha256(raw).hexdigest(), args, fn, clf, result.input)[1]


setup()
model = st.session_state["model"]
device = st.session_state.get("device", "auto")
st.title("Classify a photo")
init_from_url("classify_source", "weights", "default", lambda v: v if v in SOURCES else None)
init_from_url(
    "classify_sample",
    "sample",
    SAMPLES[0].stem if SAMPLES else "",
    lambda v: v if v in {p.stem for p in SAMPLES} else None,
)
show_url_problems()

left, right = st.columns([1, 1])
with left:
    source = st.radio(
        "Network",
        list(SOURCES),
        key="classify_source",
        horizontal=True,
        format_func=lambda s: SOURCES[s] if s == "default" else f"{model}, {SOURCES[s]}",
    )
    upload = st.file_uploader("Drop a photo", type=["jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "webp"])
    camera = st.camera_input("Or take one", label_visibility="collapsed") if st.toggle("Use the camera") else None
    st.selectbox("Or a sample photo", [p.stem for p in SAMPLES], key="classify_sample")
remember("classify_source", "classify_sample")
sync_url({**shared_params(), "weights": source, "sample": st.session_state["classify_sample"]})

try:
    if source == "default":
        clf = default_classifier(device)
    elif source == "torchvision":
        clf = torchvision_classifier(model, device)
    elif source == "random":
        clf = random_classifier(model, device)
    else:
        weights_file = left.file_uploader(
            f"A state_dict for {model} (.pth, .pt or .safetensors)", type=["pth", "pt", "safetensors"]
        )
        if weights_file is None:
            st.info(f"Drop a weights file for {model} to classify with it.")
            st.stop()
        data = weights_file.getvalue()
        key = f"classify_file_{model}_{hashlib.sha256(data).hexdigest()}"
        if key not in st.session_state:  # per session: an upload never reaches another user
            with st.spinner("Loading your weights…"):
                st.session_state[key] = inference.file_classifier(model, data, weights_file.name, device)
        clf = st.session_state[key]
    picture = camera or upload
    raw = (
        picture.getvalue()
        if picture is not None
        else Path(ROOT / "assets" / "samples" / f"{st.session_state['classify_sample']}.jpg").read_bytes()
    )
    result = classified(clf, raw)
except vizcore.VizcoreError as exc:
    st.error(str(exc))
    if source != "default":
        st.button(
            "Use EfficientNet-Lite0 (offline) instead",
            on_click=lambda: st.session_state.update(classify_source="default", _classify_source="default"),
        )
    st.stop()

with right:
    st.image(
        seen(inference.displayable, clf, raw, result),
        caption=f"What {clf.name} sees: {vizcore.format_shape(result.input.shape[1:])} ({clf.transform.describe()}; normalisation undone here)",
        width=300,
    )
    st.caption(
        f"{clf.weights} on {clf.device}: preprocessing {result.preprocess_ms:.1f} ms, forward pass {result.forward_ms:.1f} ms."
    )

if not clf.pretrained:
    st.warning(
        f"{clf.name} has random weights, so its predictions would mean nothing and are not shown. Its feature maps below still show what each layer's shape does to the photo."
    )
else:
    preds = result.predictions
    fig = go.Figure(
        go.Bar(
            x=[p.prob * 100 for p in preds][::-1],
            y=[p.label for p in preds][::-1],
            orientation="h",
            text=[f"{p.prob:.1%}" for p in preds][::-1],
            textposition="auto",
            hovertemplate="%{y}: %{x:.2f}%<extra></extra>",
        )
    )
    fig.update_layout(
        height=260,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={"title": "probability (%)", "range": [0, 100]},
        title={"text": f"Top 5: {preds[0].label} ({preds[0].prob:.1%})"},
    )
    st.plotly_chart(fig, key="top5")

attribution_section(clf, result)

st.subheader("Feature maps")
layers = inference.conv_layers(clf)
layer = st.select_slider("Layer", layers, value=layers[min(3, len(layers) - 1)])
maps = seen(inference.feature_maps, clf, raw, result, layer)
st.image(
    inference.channel_grid(maps),
    caption=f"{layer}: {vizcore.format_shape(maps.shape)}, the first {min(32, maps.shape[0])} channels",
    clamp=True,
    width="stretch",
)
st.image(
    inference.filter_grid(inference.first_filters(clf)),
    caption=f"{layers[0]}: the first layer's filters",
    clamp=True,
    width=480,
)

channel_section(clf, result, raw if picture is not None else None)

st.subheader("Where the time goes")
times = sorted(seen(inference.layer_latency, clf, raw, result), key=lambda t: -t[2])[:25]
fig = go.Figure(
    go.Bar(x=[t[0] for t in times], y=[t[2] for t in times], hovertemplate="%{x}: %{y:.3f} ms<extra></extra>")
)
fig.update_layout(
    height=320,
    margin={"l": 10, "r": 10, "t": 10, "b": 10},
    yaxis={"title": f"ms on {clf.device}"},
    xaxis={"tickangle": -60},
)
st.plotly_chart(fig, key="latency")
st.caption(
    "The 25 slowest layers for this image, each timed between synchronisations (so the sum exceeds the forward pass)."
)
