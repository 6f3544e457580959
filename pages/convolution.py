"""Convolution in motion: a kernel sliding over its padded input, free settings or any zoo layer, the
output size with its formula, and the animation as a GIF or SVG for slides.

The URL holds the settings (``?size=7&kernel=3&stride=2&padding=0&dilation=1``) or a layer
(``?model=googlenet&layer=maxpool1``), and ``?numbers=1`` when the frames show the arithmetic (an example
input's values, the kernel's weights, the products and the sum at the highlighted position). In
presentation mode the animation fills the screen and its own text replaces the caption."""

from __future__ import annotations

import streamlit as st

import vizcore
from vizcore.drawing import convolution
from vizcore.drawing.convolution import ConvSettings
from webapp.chrome import current_analysis, setup
from webapp.components import asset_component
from webapp.url_state import init_from_url, remember, shared_params, show_url_problems, sync_url
from webapp.widgets import download

FREE = {"size": 7, "kernel": 3, "stride": 2, "padding": 0, "dilation": 1, "channels": 1, "groups": 1}
PAGE_BYTES = 3_000_000  # what the player may send to the browser: a big layer plays fewer frames
MS_PER_FRAME = 700


@st.cache_data(max_entries=32, show_spinner=False)
def frames_for(s: ConvSettings, numbers: bool) -> list[str]:
    one = len(convolution.svg(s, numbers=numbers))
    return convolution.frames_svg(s, min(convolution.MAX_FRAMES, max(8, PAGE_BYTES // one)), numbers)


@st.cache_data(max_entries=16, show_spinner="Drawing the GIF…")
def gif_for(s: ConvSettings) -> bytes:
    return convolution.gif(s)


@st.cache_data(max_entries=32, show_spinner=False)
def svg_for(s: ConvSettings) -> bytes:
    return convolution.svg(s).encode("utf-8")


def numbers_param() -> dict[str, str]:
    return {"numbers": "1"} if st.session_state.get("conv_numbers") else {}


setup(reads=("source", "layer", "numbers", *FREE))
st.title("Convolution in motion")
present = bool(st.session_state.get("present"))
init_from_url("conv_numbers", "numbers", False)
from_layer = "layer" in st.query_params or st.session_state.get("conv_source") == "layer"
init_from_url("conv_source", "source", "layer" if from_layer else "free")
# on a projector the settings fold away, leaving the screen to the animation
options = st.expander("Settings") if present else st.container()
options.segmented_control(
    "Settings", ["free", "layer"], key="conv_source", format_func={"free": "Free", "layer": "A zoo layer"}.__getitem__
)
source = st.session_state["conv_source"] or "free"
remember("conv_source")

try:
    if source == "layer":
        result = current_analysis()
        windows = [n.name for n in result.layers if len(n.kernel) == 2]
        if not windows:
            st.error(f"{result.model} has no convolution or pooling layer; pick another model in the sidebar.")
            st.stop()

        def known(name: str) -> str:
            if name not in windows:
                raise vizcore.VizcoreError(f"{result.model} has no convolution or pooling layer named {name!r}.")
            return name

        if st.session_state.get("conv_layer") not in windows:
            st.session_state.pop("conv_layer", None)
            st.session_state.pop("_conv_layer", None)
        init_from_url("conv_layer", "layer", windows[0], known)
        show_url_problems()
        options.selectbox(f"Layer of {result.model}", windows, key="conv_layer")
        remember("conv_layer")
        drawn = convolution.from_layer(result, st.session_state["conv_layer"])
        sync_url({**shared_params(), "layer": st.session_state["conv_layer"], **numbers_param()})
    else:
        for name, default in FREE.items():
            # ?channels= may hold a list of channels (What a channel wants): here only a count will do
            init_from_url(f"conv_{name}", name, default, lambda v: v if isinstance(v, int) else None)
        show_url_problems()
        columns = options.columns(len(FREE))
        for column, name in zip(columns, FREE, strict=True):
            column.number_input(name.capitalize(), key=f"conv_{name}", step=1)
        remember(*(f"conv_{name}" for name in FREE))
        values = {name: int(st.session_state[f"conv_{name}"]) for name in FREE}
        sync_url(
            {
                **{k: v for k, v in shared_params().items() if k in ("present",)},
                **{k: str(v) for k, v in values.items()},
                **numbers_param(),
            }
        )
        drawn = convolution.settings(
            values["size"],
            values["kernel"],
            values["stride"],
            values["padding"],
            values["dilation"],
            values["channels"],
            values["groups"],
        )
except vizcore.VizcoreError as exc:
    st.error(str(exc))
    st.stop()

h, w = drawn.output
top = options.columns([1, 3, 1])
if not present:  # on a projector the frames say it all, large: a caption would repeat it in small type
    top[0].metric("Output size", f"{h}×{w}")
    lines = convolution.caption(drawn)
    top[1].markdown("  \n".join(f"`{line}`" if line.startswith(("H'", "W'")) else line for line in lines))
top[2].toggle(
    "Show the numbers",
    key="conv_numbers",
    help="An example input's values, the kernel's weights, and the products and their sum at the orange "
    "position, in every frame (as CNN Explainer shows them).",
)
remember("conv_numbers")
numbers = bool(st.session_state["conv_numbers"])
frames = frames_for(drawn, numbers)
asset_component("vizcore_convolution_player", "convolution_player")(
    key="conv_player",
    data={"frames": frames, "key": repr((drawn, numbers, present)), "ms": MS_PER_FRAME, "fill": present},
)
shown = convolution.drawn_region(drawn)[1]
if shown != drawn.output:
    st.caption(f"A large layer: drawn is its top-left corner, {shown[0]}×{shown[1]} of {h}×{w} output positions.")
if len(frames) < shown[0] * shown[1]:
    st.caption(
        f"{len(frames)} of {shown[0] * shown[1]} positions, evenly spaced in reading order, first and last included."
    )
stem = drawn.title.split(" (")[0].replace(" ", "_") if drawn.title else f"conv_{drawn.size[0]}_k{drawn.kernel[0]}"
files = {"gif": lambda: gif_for(drawn), "svg": lambda: svg_for(drawn)}  # drawn only when clicked
for column, (fmt, data) in zip(st.columns(2), files.items(), strict=True):
    download(column, fmt, data, stem, key=f"conv_{fmt}", width="stretch")
