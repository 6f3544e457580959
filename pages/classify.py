"""Classify a photo: top-5 with a real pretrained network, the input as the network sees it, feature
maps, first-layer filters, a class activation map and where the time goes, layer by layer."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import plotly.graph_objects as go
import streamlit as st
import torch
from PIL import Image

import vizcore
from pages import ROOT, init_from_url, remember, setup, shared_params, show_url_problems, sync_url
from vizcore import inference
from vizcore.batching import Batcher

R = TypeVar("R")

SAMPLES = sorted((ROOT / "assets" / "samples").glob("*.jpg"))
SOURCES = {
    "default": "EfficientNet-Lite0, pretrained (works offline)",
    "torchvision": "torchvision weights",
    "file": "your weights file",
    "random": "random weights",
}


@st.cache_resource(max_entries=2, show_spinner="Loading EfficientNet-Lite0…")
def default_classifier(device: str) -> inference.Classifier:
    return inference.default_classifier(device)


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


# Under load: photos classified together share one forward pass (a Batcher per shared classifier),
# and what a photo shows (top-5, Grad-CAM, feature maps, timings) is computed once per classifier and
# photo, whoever asks. Entries hold their classifier, so its id stays theirs while they live.
@st.cache_resource(max_entries=8, ttl="15m", show_spinner=False, on_release=Batcher.close)
def batcher(clf_id: int, _clf: inference.Classifier) -> Batcher[Image.Image, inference.Result]:
    # On a CPU a forward pass costs the same per photo at any batch size, so big batches only make the
    # first students wait for the last (benchmarks/bench_batching.py); a GPU serves a batch of 32
    # in about the time of one.
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

st.subheader("Class activation map (Grad-CAM)")
labels = [f"{p.label} ({p.prob:.1%})" for p in result.predictions]
chosen = st.selectbox(
    "Explain", range(len(labels)), format_func=labels.__getitem__, help="Where the network looked for this class."
)
cam = seen(inference.grad_cam, clf, raw, result, result.predictions[chosen].index)
st.image(
    inference.overlay(seen(inference.displayable, clf, raw, result), cam),
    caption=f"Grad-CAM for {result.predictions[chosen].label}",
    width=300,
)

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
