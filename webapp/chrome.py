"""The frame of every page: config, navigation, the shared controls (model, input, device, presentation
mode), and the shared analysis with its error and way out.

Widget state does not survive a page switch on its own, so every choice also lives under a
``_``-prefixed key that does (``url_state.remember``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import streamlit as st

import vizcore
from webapp.caching import analysis_for
from webapp.url_state import check_url, devices, init_from_url, plain, remember

DEFAULT_MODEL = "alexnet"

PRESENTATION_CSS = """
<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] { display: none; }
.block-container { max-width: 100% !important; padding-left: 2rem; padding-right: 2rem; padding-top: 3rem !important; }
html, body, .stMarkdown, .stMarkdown p, label, .stCaption, [data-testid="stMetricValue"] { font-size: 1.35rem !important; }
h1 { font-size: 3rem !important; } h2 { font-size: 2.3rem !important; } h3 { font-size: 1.8rem !important; }
[data-testid="stMetricValue"] { font-size: 2.6rem !important; font-weight: 700; }
.stMarkdown, label, p { color: var(--text-color); font-weight: 500; }
@media (max-height: 800px) { h1 { font-size: 2rem !important; } }  /* a 720p projector: room for the diagram */
</style>
"""

PAGES: tuple[tuple[str, str, str], ...] = (
    ("app.py", "Overview", ":material/table_chart:"),
    ("pages/layer_graph.py", "Layer graph", ":material/account_tree:"),
    ("pages/cost_charts.py", "Cost charts", ":material/bar_chart:"),
    ("pages/compare.py", "Compare", ":material/compare_arrows:"),
    ("pages/branch_diagrams.py", "Branch blocks", ":material/call_split:"),
    ("pages/residual_flows.py", "Residual blocks", ":material/merge_type:"),
    ("pages/paper_figures.py", "Paper figures", ":material/schema:"),
    ("pages/convolution.py", "Convolution", ":material/animation:"),
    ("pages/classify.py", "Classify a photo", ":material/photo_camera:"),
    ("pages/builder.py", "Build your own", ":material/construction:"),
    ("pages/lecture_tables.py", "Lecture tables", ":material/fact_check:"),
    ("pages/ilsvrc.py", "ILSVRC story", ":material/emoji_events:"),
    ("pages/tour.py", "Guided tour", ":material/slideshow:"),
)

# Page choices that only make sense for one model (block names, a depth suited to its size).
# key -> URL param
MODEL_SPECIFIC: Mapping[str, str] = {
    "graph_depth": "depth",
    "overview_depth": "depth",
    "graph_expanded": "expand",
    "branch_block": "block",
    "residual_block": "block",
}


def default_depth(analysis: vizcore.Analysis) -> str:
    """Every layer for a small network; blocks two levels down for a big one, so it stays readable."""
    return "all" if len(analysis.layers) <= 60 else "2"


def model_label(name: str) -> str:
    card = vizcore.get_card(name)
    return f"{card.family} ({card.year}) · {name}"


def setup(reads: Collection[str] | None = None) -> None:
    """The top of every page: config, the URL checked (the shared parameters and the page's own
    ``reads``; None: every parameter the app knows), navigation, the shared controls, presentation mode."""
    st.set_page_config(page_title="vizcore", page_icon=":material/hub:", layout="wide")
    check_url(reads)
    init_from_url("model", "model", DEFAULT_MODEL, lambda v: vizcore.get_card(v).name)
    card = vizcore.get_card(st.session_state["model"])
    init_from_url("input", "input", vizcore.format_shape(card.input_size))
    init_from_url("device", "device", "auto")
    init_from_url("present", "present", False, lambda v: v in ("1", "true", "yes"))
    with st.sidebar:
        for path, label, icon in PAGES:
            st.page_link(path, label=label, icon=icon)
        st.divider()
        st.selectbox("Model", vizcore.list_models(), key="model", format_func=model_label, on_change=_on_model_change)
        card = vizcore.get_card(st.session_state["model"])
        st.text_input(
            "Input (CxHxW or NxCxHxW)",
            key="input",
            help=f"{card.name} was designed for {vizcore.format_shape(card.input_size)}",
        )
        st.selectbox(
            "Device",
            devices(),
            key="device",
            help="Where real tensors run (timings, value-dependent models); shapes and costs are traced on PyTorch's meta device.",
        )
        st.toggle(
            "Presentation mode", key="present", help="Large type, wide layout, no sidebar: for projecting in a lecture."
        )
        st.caption("Light or dark theme: the ⋮ menu → Settings.")
    remember("model", "input", "device", "present")
    if st.session_state.get("present"):
        st.html(PRESENTATION_CSS)
        st.button("Leave presentation mode", on_click=_leave_presentation)


def _leave_presentation() -> None:
    st.session_state["present"] = False
    st.session_state["_present"] = False


def _on_model_change() -> None:
    """A new model starts from its own input size and its own graph defaults."""
    set_input(vizcore.format_shape(vizcore.get_card(st.session_state["model"]).input_size))
    for key, param in MODEL_SPECIFIC.items():
        st.session_state.pop(key, None)
        st.session_state.pop(f"_{key}", None)
        st.query_params.pop(param, None)


def set_input(value: str) -> None:
    st.session_state["input"] = value
    st.session_state["_input"] = value


def use_model(name: str) -> None:
    """Switch the shared model (a button's callback), as if picked in the sidebar."""
    st.session_state["model"] = name
    st.session_state["_model"] = name
    _on_model_change()


def current_analysis() -> vizcore.Analysis:
    """The analysis of the sidebar's model and input, or a clear error and a way out (then stop)."""
    model = st.session_state["model"]
    try:
        shape = vizcore.parse_shape(st.session_state["input"])
        with st.spinner(f"Building and tracing {model}…", show_time=True):
            return analysis_for(model, shape, st.session_state.get("device", "auto"))
    except vizcore.InputTooSmallError as exc:
        st.error(plain(str(exc)))
        if exc.smallest:
            smallest = vizcore.format_shape(exc.smallest[1:])
            st.button(f"Use {smallest}", on_click=set_input, args=(smallest,), type="primary")
    except vizcore.VizcoreError as exc:
        st.error(plain(str(exc)))
        default = vizcore.format_shape(vizcore.get_card(model).input_size)
        st.button(f"Use {model}'s own input, {default}", on_click=set_input, args=(default,), type="primary")
    st.stop()
