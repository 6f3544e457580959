"""Classify a photo: top-5 with a real pretrained network, the input as the network sees it, feature
maps, first-layer filters, attribution maps (why this class) and where the time goes, layer by layer."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st
from PIL import Image

import vizcore
from vizcore.drawing import photo_charts
from vizcore.photos import attribution, channels, images, inference, pictures
from vizcore.photos.batching import Batcher, batch_size_for
from webapp.caching import UPLOADED, SharedResults, default_classifier, is_upload, shareable, upload_name, uploads
from webapp.chrome import file_name, setup
from webapp.photo_collection import SAMPLES, collection_photos
from webapp.url_state import escaped, init_from_url, remember, shared_params, show_url_problems, sync_url
from webapp.widgets import ROOT

TOP5_PX = 44  # the top 5's type in presentation mode: the largest on the screen
SOURCES = {
    "default": "EfficientNet-Lite0, pretrained (works offline)",
    "torchvision": "torchvision weights",
    "file": "your weights file",
    "random": "random weights",
    "onnx": "the file's own weights",
}
ZOO_SOURCES = ("default", "torchvision", "file", "random")
ONNX_PREPROCESSING = (
    "Photos for your file are prepared as most ImageNet models expect: ImageNet's mean and standard deviation, "
    "at the size the file declares. A model trained on other pixels (say, scaled to [-1, 1]) should be exported "
    "with that scaling inside it."
)


def moving(bar: Any, say: Callable[[int, int], str]) -> Callable[[int, int], None]:
    """vizcore's progress callback (done, total) moving ``bar`` (an st.progress), which says ``say(done, total)``."""

    def moved(done: int, total: int) -> None:
        bar.progress(min(done / total, 1.0) if total else 0.0, text=say(done, total))

    return moved


@st.cache_resource(max_entries=3, show_spinner=False)
def torchvision_classifier(name: str, device: str) -> inference.Classifier:
    bar = st.progress(0.0, text=f"Downloading torchvision's weights for {name}…")
    try:
        return inference.load_classifier(
            "torchvision",
            name,
            device,
            on_progress=moving(bar, lambda done, total: f"Downloading {name}: {done / 2**20:.0f} MB"),
        )
    finally:
        bar.empty()


@st.cache_resource(max_entries=2, show_spinner="Converting your file…")
def upload_classifier(model: str, device: str) -> inference.Classifier | str:
    """The uploaded file as a classifier, shared by every session that holds its id, or the sentence
    that says why it cannot classify (kept too: the file behind an id never changes). Named from its
    content, never from a user's file name."""
    data = uploads().open(model.removeprefix(UPLOADED))
    try:
        return inference.load_classifier("onnx", upload_name(model), device, data=data)
    except vizcore.WeightsError as exc:
        return str(exc)


@st.cache_resource(max_entries=3, show_spinner="Building the model…")
def random_classifier(name: str, device: str) -> inference.Classifier:
    return inference.load_classifier("random", name, device)


# -- why this class: attribution maps (vizcore.photos.attribution) ----------------------------------------
@st.cache_resource
def shared() -> SharedResults:
    """What a photo shows with a classifier (top-5, pictures as PNG, figures, maps, patches), computed
    once for every session; bounded: the last 128 results."""
    return SharedResults(128)


def attribution_section(clf: inference.Classifier, classified: inference.Result, photo_id: str) -> None:
    st.subheader("Why this class? Attribution maps")
    labels = [f"{p.label} ({p.prob:.1%})" for p in classified.predictions]
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
        layers = shared().get(
            clf, ("layers", tuple(classified.input.shape)), lambda: attribution.gradcam_layers(clf, classified.input)
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
    target = classified.predictions[chosen].index
    key = ("map", photo_id, method, target, tuple(sorted(settings.items())))

    def explained() -> tuple[Any, str]:  # the map as a figure over the photo, and its one-line reading
        bar = st.progress(0.0, text=f"{attribution.METHODS[method].title}…")
        try:
            found = attribution.explain(
                clf,
                classified.input,
                method,
                target,
                on_progress=moving(bar, lambda done, total: f"{done} of {total} images"),
                **settings,
            )
        finally:
            bar.empty()
        title = f"{attribution.METHODS[method].title} for {found.label}"
        picture = inference.displayable(clf, classified.input)
        units = attribution.METHODS[method].units
        return shareable(photo_charts.attribution_map(picture, found.values, title, units)), found.reading

    try:
        fig, reading = shared().get(clf, key, explained)
    except vizcore.VizcoreError as exc:
        st.error(str(exc))
        return
    st.plotly_chart(fig, key="attribution_map")
    st.caption(reading)


# -- what each channel looks for (Zeiler & Fergus, Fig. 2) ------------------------------------------
def channel_section(
    clf: inference.Classifier, classified: inference.Result, photo_id: str, upload: bytes | None
) -> None:
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
    names = ("offline", *sorted(uploads), tuple(classified.input.shape))

    def compute() -> tuple[list[np.ndarray], dict[str, channels.LayerPatches]]:
        photos = [*collection_photos().values(), *uploads.values()]
        bar = st.progress(0.0, text="Looking for each channel's strongest patches…")
        try:
            inputs = channels.prepared(clf, photos)
            found = channels.strongest_patches(
                clf, inputs, on_progress=moving(bar, lambda done, total: f"{done} of {total} photos")
            )
            return [inference.displayable(clf, x) for x in inputs], found
        finally:
            bar.empty()

    try:
        photos, found = shared().get(clf, ("patches", names), compute)
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
    grid = channels.patch_grid(photos, patches.patches[channel])
    side = 300
    picture = pictures.enlarged(grid, max(1, side // grid.shape[0]))
    maps = shared().call(inference.feature_maps, clf, photo_id, classified.input, layer)[channel]
    activation = pictures.activation_picture(maps, side)
    a, b = st.columns(2)
    field = patches.field
    whole = field.size >= min(classified.input.shape[-2:])
    a.image(
        picture,
        caption=(
            f"{layer}, channel {channel}: the {len(patches.patches[channel])} strongest places in {len(photos)} photos, "
            + (
                f"each its {field.size}x{field.size}-pixel receptive field"
                if not whole
                else f"whole photos (its receptive field, {field.size} pixels, covers all of it)"
            )
        ),
        width=side,
    )
    b.image(
        activation,
        caption=f"Channel {channel}'s activation on this photo ({maps.shape[0]}x{maps.shape[1]}, bright: strong)",
        width=side,
    )


# Under load: photos classified together share one forward pass (a Batcher per shared classifier).
# The entry holds its classifier (the lambda), so the id stays its own while the entry lives.
@st.cache_resource(max_entries=8, ttl="15m", show_spinner=False, on_release=Batcher.close)
def batcher(clf_id: int, _clf: inference.Classifier) -> Batcher[Image.Image, inference.Result]:
    return Batcher(
        lambda batch: inference.classify_batch(_clf, batch, top=5),
        max_batch=batch_size_for(_clf.device.type),
        name=f"batch {_clf.name}",
    )


setup()
model = st.session_state["model"]
device = st.session_state.get("device", "auto")
st.title("Classify a photo")
# an uploaded model: the offline default, and the file itself where it carries weights for ImageNet's classes
offered, uploaded, refusal = list(ZOO_SOURCES), None, ""
if is_upload(model):
    try:
        found = upload_classifier(model, device)
    except vizcore.VizcoreError as exc:  # the upload expired while the page was open
        found = str(exc)
    uploaded = found if isinstance(found, inference.Classifier) else None
    refusal = "" if uploaded else str(found).replace(upload_name(model), file_name(model))
    offered = ["default", "onnx"] if uploaded else ["default"]
init_from_url("classify_source", "weights", "default", lambda v: v if v in offered else None)
if st.session_state["classify_source"] not in offered:  # chosen with another model
    st.session_state["classify_source"] = "default"
init_from_url(
    "classify_sample",
    "sample",
    SAMPLES[0].stem if SAMPLES else "",
    lambda v: v if v in {p.stem for p in SAMPLES} else None,
)
show_url_problems()

labels = {
    s: SOURCES[s] if s == "default" else f"{file_name(model) if s == 'onnx' else model}, {SOURCES[s]}" for s in offered
}
left, right = st.columns([1, 1])
with left:
    source = st.radio(
        "Network",
        offered,
        key="classify_source",
        horizontal=True,
        format_func=labels.__getitem__,
    )
    if refusal:
        st.info(escaped(refusal))
    elif source == "onnx":
        st.caption(ONNX_PREPROCESSING)
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
    elif uploaded is not None and source == "onnx":
        clf = uploaded
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
                st.session_state[key] = inference.load_classifier(
                    "file", model, device, data=data, filename=weights_file.name
                )
        clf = st.session_state[key]
    picture = camera or upload
    raw = (
        picture.getvalue()
        if picture is not None
        else Path(ROOT / "assets" / "samples" / f"{st.session_state['classify_sample']}.jpg").read_bytes()
    )
    photo_id = hashlib.sha256(raw).hexdigest()
    classified = shared().get(
        clf, ("classified", photo_id), lambda: batcher(id(clf), clf).submit(images.load_image(raw))
    )
except vizcore.VizcoreError as exc:
    st.error(str(exc))
    if source != "default":
        st.button(
            "Use EfficientNet-Lite0 (offline) instead",
            on_click=lambda: st.session_state.update(classify_source="default", _classify_source="default"),
        )
    st.stop()

# presentation mode: the top 5 first and in the largest type on the screen (the page title steps down)
present = bool(st.session_state.get("present"))
top5_slot = right.container() if present else st.container()
if present:
    st.html(f"<style>h1 {{ font-size: {TOP5_PX - 2}px !important; }}</style>")
with right:
    st.image(
        shared().get(clf, ("input", photo_id), lambda: pictures.png(inference.displayable(clf, classified.input))),
        caption=f"What {clf.name} sees: {vizcore.format_shape(classified.input.shape[1:])} ({clf.transform.describe()}; normalisation undone here)",
        width=300,
        output_format="PNG",  # as it is: "auto" would re-encode the PNG as JPEG on every rerun
    )
    st.caption(
        f"{clf.weights} on {clf.device}: preprocessing {classified.preprocess_ms:.1f} ms, forward pass {classified.forward_ms:.1f} ms."
    )

if not clf.pretrained:
    st.warning(
        f"{clf.name} has random weights, so its predictions would mean nothing and are not shown. Its feature maps below still show what each layer's shape does to the photo."
    )
else:
    top5 = shared().get(
        clf,
        ("top5", photo_id, present),
        lambda: shareable(
            photo_charts.top_classes(
                [p.label for p in classified.predictions],
                [p.prob for p in classified.predictions],
                TOP5_PX if present else 0,
            )
        ),
    )
    top5_slot.plotly_chart(top5, key="top5")

attribution_section(clf, classified, photo_id)

st.subheader("Feature maps")
layers = inference.conv_layers(clf)
layer = st.select_slider("Layer", layers, value=layers[min(3, len(layers) - 1)])
maps = shared().call(inference.feature_maps, clf, photo_id, classified.input, layer)
st.image(
    shared().get(clf, ("feature grid", photo_id, layer), lambda: pictures.png(pictures.channel_grid(maps))),
    caption=f"{layer}: {vizcore.format_shape(maps.shape)}, the first {min(32, maps.shape[0])} channels",
    width="stretch",
    output_format="PNG",
)
st.image(
    shared().get(clf, ("filters",), lambda: pictures.png(pictures.filter_grid(inference.first_filters(clf)))),
    caption=f"{layers[0]}: the first layer's filters",
    width=480,
    output_format="PNG",
)

channel_section(clf, classified, photo_id, raw if picture is not None else None)

st.subheader("Where the time goes")
latency = shared().get(
    clf,
    ("latency", photo_id),
    lambda: shareable(
        photo_charts.layer_times(
            shared().call(inference.layer_latency, clf, photo_id, classified.input), str(clf.device)
        )
    ),
)
st.plotly_chart(latency, key="latency")
st.caption(
    "The 25 slowest layers for this image, each timed between synchronisations (so the sum exceeds the forward pass)."
)
