"""Paper figures: the architecture diagrams lectures are built around, generated for any models: ResNet's
Figure 3 columns, LeNet-5/AlexNet feature-map volumes, GoogLeNet's long whole-network figure; each fitted
to the screen and downloadable as SVG, PNG (at least 1920 px wide) or PDF for a slide."""

from __future__ import annotations

import functools

import streamlit as st

import vizcore
from vizcore.drawing.figures import FIGURE_KINDS, PAPER_KINDS, DrawnFigure, FigureOptions
from vizcore.drawing.style import ORIENTATIONS
from webapp.caching import analysis_for
from webapp.chrome import current_analysis, setup, use_model
from webapp.url_state import (
    choose_layout,
    escaped,
    init_from_url,
    init_layout,
    layout_chosen,
    remember,
    shared_params,
    sync_url,
)
from webapp.widgets import download

# The figure fills the page's width, but never more than the screen's height unless asked to; in
# presentation mode, no more than the height left under the title and the folded options.
FIT_CSS = """
<style>
.paper-figure { overflow: auto; text-align: center; }
.paper-figure.fit svg { width: 100%; height: auto; max-height: calc(100vh - 5rem); }
.paper-figure.fit.present svg { max-height: calc(100vh - 300px); }
@media (max-height: 800px) { .paper-figure.fit.present svg { max-height: calc(100vh - 250px); } }
</style>
"""


@st.cache_data(max_entries=16, show_spinner=False)
def figure_svg(
    kind: str, models: tuple[str, ...], shapes: tuple[tuple[int, ...], ...], device: str, orientation: str
) -> str:
    analyses = [analysis_for(m, s, device) for m, s in zip(models, shapes, strict=True)]
    return FIGURE_KINDS[kind].draw(analyses, FigureOptions(orientation=orientation)).svg


@st.cache_data(max_entries=8, show_spinner=False)
def figure_file(svg: str, fmt: str) -> bytes:
    return DrawnFigure(svg=svg).to_bytes(fmt)


setup(reads=("figure", "models", "fit", "orientation"))
result = current_analysis()  # the sidebar's model and input: checked, and the first column
names = vizcore.list_models()
init_from_url("paper_kind", "figure", "columns")
init_from_url("paper_models", "models", [], lambda v: v if all(m in names for m in v) else None)
init_from_url("paper_fit", "fit", True)
# Presentation mode folds a tall figure into side-by-side panels to fill the screen, unless the URL or
# the teacher chose a layout.
present = bool(st.session_state.get("present"))
init_layout("paper_orientation", ORIENTATIONS, "folded")

st.title("Paper figures")
# in presentation mode the controls fold away, leaving the screen to the figure
controls = (st.expander("Figure options") if present else st.container()).columns([2, 3, 1])
kind = controls[0].radio("Figure", PAPER_KINDS, key="paper_kind", format_func=lambda k: FIGURE_KINDS[k].title)
model = st.session_state["model"]  # a zoo name or an upload's onnx:<id>, as the analyses are cached
choices = [n for n in names if n != model]
st.session_state["paper_models"] = [m for m in st.session_state["paper_models"] if m in choices]
controls[1].multiselect(
    "Beside the sidebar's model",
    choices,
    key="paper_models",
    help="Each at its own input size; the sidebar's model first, at the sidebar's input.",
)


def figure3() -> None:
    """ResNet's Figure 3: VGG-19, the 34-layer plain network and ResNet-34, side by side."""
    use_model("vgg19")
    st.session_state.update(paper_kind="columns", paper_models=["plain34", "resnet34"])


controls[2].button("ResNet Figure 3", on_click=figure3, help="vgg19, plain34 and resnet34, as in the paper")
controls[2].toggle("Fit to screen", key="paper_fit")
controls[2].selectbox(
    "Layout",
    list(ORIENTATIONS),
    key="paper_orientation",
    disabled=kind == "volumes",
    on_change=choose_layout,
    args=("paper_orientation",),
    help="Horizontal: a tall figure turned a quarter left. Folded: cut between output sizes into panels side "
    "by side, to fill a wide screen (volumes always run left to right).",
)
remember("paper_kind", "paper_models", "paper_fit", "paper_orientation")
orientation = st.session_state["paper_orientation"] if kind != "volumes" else "vertical"
others = [m for m in st.session_state["paper_models"] if m != model]
sync_url(
    {
        **shared_params(),
        "figure": kind,
        "models": ",".join(others),
        "fit": "" if st.session_state["paper_fit"] else "0",
        "orientation": orientation if layout_chosen("paper_orientation") else "",
    }
)

models = (model, *others)
shapes = (result.input_shape, *((1, *vizcore.get_card(m).input_size) for m in others))
device = st.session_state.get("device", "auto")
try:
    with st.spinner("Drawing…", show_time=True):
        svg = figure_svg(kind, models, shapes, device, orientation)
except vizcore.VizcoreError as exc:
    st.error(escaped(f"{exc} Remove that model, or change its input in the sidebar."))
    st.stop()

# st.html's sanitiser keeps HTML only (no SVG); markdown's raw HTML keeps the SVG as text in the page.
fit = (" fit" if st.session_state["paper_fit"] else "") + (" present" if present else "")
st.html(FIT_CSS)
st.markdown(f'<div class="paper-figure{fit}">{svg}</div>', unsafe_allow_html=True)
st.caption(FIGURE_KINDS[kind].caption)

stem = "_".join((result.model, *others)) + f"_{kind}"
for column, fmt in zip(st.columns(3), ("svg", "png", "pdf"), strict=True):
    data = svg if fmt == "svg" else functools.partial(figure_file, svg, fmt)
    download(column, fmt, data, stem, help="At least 1920 px wide, drawn from the SVG" if fmt == "png" else None)
