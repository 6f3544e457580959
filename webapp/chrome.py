"""The frame of every page: config, the pages (``navigation``, which app.py runs), the shared controls (model, input, device, presentation
mode), and the shared analysis with its error and way out.

Widget state does not survive a page switch on its own, so every choice also lives under a
``_``-prefixed key that does (``url_state.remember``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import streamlit as st
from streamlit.navigation.page import StreamlitPage

import vizcore
from vizcore.drawing.projector import page_depth
from webapp.caching import UPLOADED, analysis_for, is_upload, upload_input, upload_name, uploads
from webapp.classroom import ui as room
from webapp.classroom.asking_bridge import student_answers, teacher_asks
from webapp.url_state import check_url, devices, escaped, init_from_url, remember

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
/* the way out sits in the top bar, beside Streamlit's menu, leaving its row to the diagram */
.st-key-leave_presentation { position: fixed; top: 0.45rem; right: 7rem; z-index: 999991; width: auto !important; }
.st-key-leave_presentation button { font-size: 0.8rem; min-height: 0; padding: 0.15rem 0.7rem; }
</style>
"""

# The app's pages in the menu's order, the first the default (the address without a path); each page's
# address is its file's name (pages/layer_graph.py at /layer_graph). app.py routes to them.
PAGES: tuple[tuple[str, str, str], ...] = (
    ("pages/overview.py", "Overview", ":material/table_chart:"),
    ("pages/layer_graph.py", "Layer graph", ":material/account_tree:"),
    ("pages/cost_charts.py", "Cost charts", ":material/bar_chart:"),
    ("pages/compare.py", "Compare", ":material/compare_arrows:"),
    ("pages/branch_diagrams.py", "Branch blocks", ":material/call_split:"),
    ("pages/residual_flows.py", "Residual blocks", ":material/merge_type:"),
    ("pages/paper_figures.py", "Paper figures", ":material/schema:"),
    ("pages/convolution.py", "Convolution", ":material/animation:"),
    ("pages/classify.py", "Classify a photo", ":material/photo_camera:"),
    ("pages/feature_vis.py", "What a channel wants", ":material/auto_awesome:"),
    ("pages/builder.py", "Build your own", ":material/construction:"),
    ("pages/lecture_tables.py", "Lecture tables", ":material/fact_check:"),
    ("pages/ilsvrc.py", "ILSVRC story", ":material/emoji_events:"),
    ("pages/tour.py", "Guided tour", ":material/slideshow:"),
    ("pages/practice.py", "Practice", ":material/quiz:"),
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


def navigation() -> StreamlitPage:
    """The page this run shows, from PAGES; Streamlit draws the sidebar's menu from them."""
    pages = [st.Page(path, title=label, icon=icon, default=not i) for i, (path, label, icon) in enumerate(PAGES)]
    return st.navigation(pages)


def default_depth(analysis: vizcore.Analysis) -> str:
    """The depth picker's default: the layer graph's (vizcore.drawing.projector.page_depth)."""
    depth = page_depth(analysis)
    return "all" if depth is None else str(depth)


def model_label(name: str, files: Mapping[str, str] | None = None) -> str:
    """A model as a picker shows it; an upload by its file name in ``files`` (default: this session's)."""
    if is_upload(name):
        return f"Uploaded · {(files or {}).get(name) or file_name(name)}"
    card = vizcore.get_card(name)
    return f"{card.family} ({card.year}) · {name}"


def file_name(model: str) -> str:
    """An upload's file name as this session uploaded it (other sessions, who came by a link, never
    learn it: they see the name made from its content)."""
    name: str = st.session_state.get("_upload_names", {}).get(model, upload_name(model))
    return name


def own_input(model: str) -> str:
    """The input a model was made for: a zoo card's, or what an uploaded file declares."""
    if not is_upload(model):
        return vizcore.format_shape(vizcore.get_card(model).input_size)
    shape = upload_input(model)
    return vizcore.format_shape(shape[1:] if len(shape) == 4 and shape[0] == 1 else shape)


def model_choices() -> list[str]:
    """The zoo, this session's uploads, and the uploaded model in use (opened from a link)."""
    model = st.session_state.get("model", DEFAULT_MODEL)
    uploaded = [*st.session_state.get("_upload_names", {}), *([model] if is_upload(model) else [])]
    return [*vizcore.list_models(), *dict.fromkeys(uploaded)]


def setup(reads: Collection[str] | None = None) -> None:
    """The top of every page: config, the URL checked (the shared parameters and the page's own
    ``reads``; None: every parameter the app knows), navigation, the shared controls, presentation mode."""
    st.set_page_config(page_title="vizcore", page_icon=":material/hub:", layout="wide")
    in_room = room.enter()  # first: a following student's page may move to the teacher's
    if in_room is not None:
        student_answers()  # the class's open question, following or not (nothing for the teacher)
    check_url(reads)
    init_from_url("model", "model", DEFAULT_MODEL)
    try:
        default_input = own_input(st.session_state["model"])
    except vizcore.VizcoreError as exc:  # this session's upload expired since it was opened
        st.error(escaped(str(exc)))
        use_model(DEFAULT_MODEL)
        default_input = own_input(DEFAULT_MODEL)
    init_from_url("input", "input", default_input)
    init_from_url("device", "device", "auto")
    init_from_url("present", "present", False)
    with st.sidebar:
        room.sidebar()
        files = dict(st.session_state.get("_upload_names", {}))  # the labels hold their own copy
        st.selectbox(
            "Model",
            model_choices(),
            key="model",
            format_func=lambda name: model_label(name, files),
            on_change=_on_model_change,
        )
        st.file_uploader(
            "Or open an ONNX file",
            type=["onnx"],
            key="onnx_file",
            on_change=_on_upload,
            max_upload_size=max(1, uploads().max_file_bytes >> 20),
            help="Export your model with torch.onnx.export (or tf2onnx); the file is kept on this server by its "
            "content, so the page's link opens it for anyone.",
        )
        for message in st.session_state.pop("upload_errors", []):
            st.error(escaped(message))
        st.text_input(
            "Input (CxHxW or NxCxHxW)",
            key="input",
            help=f"{model_label(st.session_state['model'])} was made for {default_input}",
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
        st.button("Leave presentation mode", on_click=_leave_presentation, key="leave_presentation")


def _leave_presentation() -> None:
    st.session_state["present"] = False
    st.session_state["_present"] = False


def _on_upload() -> None:
    """A dropped file: kept by its content's hash, analysed at the input it declares, and then the model
    of every page. A file that cannot be read or traced is named with vizcore's sentence, and the model
    in use stays."""
    file = st.session_state.get("onnx_file")
    if file is None:
        return
    try:
        model = UPLOADED + uploads().store(file.getvalue())
        analysis_for(model, upload_input(model), st.session_state.get("device", "auto"))
    except vizcore.VizcoreError as exc:
        st.session_state["upload_errors"] = [f"{file.name}: {exc}"]
        return
    st.session_state["_upload_names"] = {**st.session_state.get("_upload_names", {}), model: file.name}
    use_model(model)


def _on_model_change() -> None:
    """A new model starts from its own input size and its own graph defaults."""
    set_input(own_input(st.session_state["model"]))
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
        analysis = analysis_for(model, shape, st.session_state.get("device", "auto"))
    except vizcore.InputTooSmallError as exc:
        st.error(escaped(str(exc)))
        if exc.smallest:
            smallest = vizcore.format_shape(exc.smallest[1:])
            st.button(f"Use {smallest}", on_click=set_input, args=(smallest,), type="primary")
    except vizcore.VizcoreError as exc:
        st.error(escaped(str(exc)))
        default = own_input(model)
        st.button(
            f"Use {model_label(model)}'s own input, {default}", on_click=set_input, args=(default,), type="primary"
        )
    else:
        teacher_asks(analysis)  # in a room, the teacher asks the class about the model on screen
        return analysis
    st.stop()
