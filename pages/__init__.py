"""What every page shares: page setup and navigation, the cached analysis, the model picker, URL
state and error display. App layer only: caching lives here (bounded, per the conventions), never in
vizcore.

The app uses Streamlit's ``pages/`` folder (the design card's layout), with ``app.py`` as the main page;
this file is the package's ``__init__``, which Streamlit does not list as a page. Widget state does not
survive a page switch on its own, so every choice also lives under a ``_``-prefixed key that does.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import streamlit as st
import torch

import vizcore
import vizcore.engine.blocks
from vizcore.drawing.render import render

if TYPE_CHECKING:
    from vizcore.photos import inference

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = "alexnet"
DEPTHS: list[str] = ["all", "1", "2", "3", "4", "5", "6"]


def default_depth(analysis: vizcore.Analysis) -> str:
    """Every layer for a small network; blocks two levels down for a big one, so it stays readable."""
    return "all" if len(analysis.layers) <= 60 else "2"


# cache_resource, not cache_data: a rerun gets the very object back instead of unpickling a copy
# (tens of ms for a big model, and a copy per session in memory). Bounded, so memory is too.
@st.cache_resource(max_entries=48, show_spinner=False)
def analysis_for(model: str, shape: tuple[int, ...], device: str) -> vizcore.Analysis:
    """One analysis per (model, input, device), shared by all sessions: never mutate what it returns."""
    return vizcore.analyze(model, shape, device)


# Here, not in pages/classify.py, so that serve.py's warm-up can load it before the first student does.
@st.cache_resource(max_entries=2, show_spinner="Loading EfficientNet-Lite0…")
def default_classifier(device: str) -> inference.Classifier:
    """The offline classifier, shared by all sessions (every use of it holds its lock)."""
    from vizcore.photos import inference  # timm loads with the first photo, not with every page

    return inference.default_classifier(device)


R = TypeVar("R")


def derived(fn: Callable[..., R], analysis: vizcore.Analysis, *args: Hashable) -> R:
    """``fn(analysis, *args)`` computed once and shared by every session (a table, a figure, a download),
    so a rerun with an analysed model only renders. Never mutate what it returns."""
    return _derived(f"{fn.__module__}.{fn.__qualname__}", id(analysis), args, fn, analysis)[1]


@st.cache_resource(max_entries=256, show_spinner=False)
def _derived(
    name: str, analysis_id: int, args: tuple[Hashable, ...], _fn: Callable[..., R], _analysis: vizcore.Analysis
) -> tuple[vizcore.Analysis, R]:
    # The entry holds the analysis itself, so its id cannot be reused by another while the entry lives.
    return _analysis, _fn(_analysis, *args)


class SharedResults:
    """The last ``size`` results about a model, shared by all sessions. A result is computed once: who
    asks for a key being computed waits for it (a lock per key: thirty students opening a page on a cold
    server cost one computation, not thirty). An entry is kept only while the very model object that
    made it is alive, so a reloaded model, or another session's own weights, never gets it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._values: OrderedDict[tuple[Hashable, ...], tuple[weakref.ref[Any], Any]] = OrderedDict()
        self._computing: dict[tuple[Hashable, ...], threading.Lock] = {}

    def get(self, owner: Any, key: tuple[Hashable, ...], compute: Callable[[], R]) -> R:
        """The result for ``key`` made with ``owner``: from the cache, or ``compute()`` (once, whoever asks)."""
        full = (id(owner), *key)
        with self._lock:
            found, value = self._lookup(owner, full)
            if found:
                return value  # type: ignore[no-any-return]
            flight = self._computing.setdefault(full, threading.Lock())
        with flight:
            with self._lock:
                found, value = self._lookup(owner, full)
            if found:
                return value  # type: ignore[no-any-return]
            try:
                value = compute()
                with self._lock:
                    self._values[full] = (weakref.ref(owner), value)
                    while len(self._values) > self.size:
                        self._values.popitem(last=False)
            finally:
                with self._lock:
                    if self._computing.get(full) is flight:
                        del self._computing[full]
        return value  # type: ignore[no-any-return]

    def call(self, fn: Callable[..., R], owner: Any, photo: str, x: Any, *args: Hashable) -> R:
        """``fn(owner, x, *args)`` for the photo whose digest is ``photo`` (``x``: that photo as ``owner``
        takes it); functions are told apart by module and qualified name (two modules' ``render`` are two)."""
        return self.get(owner, (fn.__module__, fn.__qualname__, photo, *args), lambda: fn(owner, x, *args))

    def _lookup(self, owner: Any, full: tuple[Hashable, ...]) -> tuple[bool, Any]:
        hit = self._values.get(full)
        if hit is None or hit[0]() is not owner:  # a dead owner's id can be reused by a new object
            return False, None
        self._values.move_to_end(full)
        return True, hit[1]


def devices() -> list[str]:
    options = ["auto", "cpu"]
    if torch.cuda.is_available():
        options.append("cuda")
    if torch.backends.mps.is_available():
        options.append("mps")
    return options


def model_label(name: str) -> str:
    card = vizcore.get_card(name)
    return f"{card.family} ({card.year}) · {name}"


def init_from_url(key: str, param: str, default: Any, parse: Callable[[str], Any] = str) -> None:
    """Seed a widget's state: from this session's last choice, else the URL (so a bookmarked view
    reopens as it was), else ``default``. ``parse`` returns None, or raises VizcoreError, for a value
    it does not accept; the page then says so and uses the default."""
    if key in st.session_state:
        # re-assigning marks the value as set by us, so Streamlit keeps it when a page switch
        # re-creates the widget (the documented way to keep widget state across pages)
        st.session_state[key] = st.session_state[key]
        return
    if f"_{key}" in st.session_state:
        st.session_state[key] = st.session_state[f"_{key}"]
        return
    raw = st.query_params.get(param)
    value, problem = default, ""
    if raw is not None:
        try:
            value = parse(raw)
        except vizcore.VizcoreError as exc:
            value, problem = None, f"{exc} "
        if value is None:
            st.session_state.setdefault("url_problems", []).append(
                f"{problem}?{param}={raw} is not valid here, so the default is used."
            )
            value = default
    st.session_state[key] = value


def remember(*keys: str) -> None:
    """Keep widget choices across page switches (Streamlit drops a widget's state on another page)."""
    for key in keys:
        if key in st.session_state:
            st.session_state[f"_{key}"] = st.session_state[key]


def sync_url(params: Mapping[str, str]) -> None:
    """Make the URL say exactly what is on screen: shared state plus this page's own choices."""
    wanted = {k: v for k, v in params.items() if v not in ("", None)}
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)


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
    ("pages/classify.py", "Classify a photo", ":material/photo_camera:"),
    ("pages/builder.py", "Build your own", ":material/construction:"),
    ("pages/lecture_tables.py", "Lecture tables", ":material/fact_check:"),
    ("pages/ilsvrc.py", "ILSVRC story", ":material/emoji_events:"),
    ("pages/tour.py", "Guided tour", ":material/slideshow:"),
)


def setup() -> None:
    """The top of every page: config, navigation, the shared controls, presentation mode."""
    st.set_page_config(page_title="vizcore", page_icon=":material/hub:", layout="wide")
    names = vizcore.list_models()
    init_from_url("model", "model", DEFAULT_MODEL, lambda v: vizcore.get_card(v).name)
    card = vizcore.get_card(st.session_state["model"])
    init_from_url("input", "input", vizcore.format_shape(card.input_size))
    init_from_url("device", "device", "auto", lambda v: v if v in devices() else None)
    init_from_url("present", "present", False, lambda v: v in ("1", "true", "yes"))
    with st.sidebar:
        for path, label, icon in PAGES:
            st.page_link(path, label=label, icon=icon)
        st.divider()
        st.selectbox("Model", names, key="model", format_func=model_label, on_change=_on_model_change)
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


# Page choices that only make sense for one model (block names, a depth suited to its size).
# key -> URL param
MODEL_SPECIFIC: Mapping[str, str] = {
    "graph_depth": "depth",
    "overview_depth": "depth",
    "graph_expanded": "expand",
    "branch_block": "block",
    "residual_block": "block",
}


def _on_model_change() -> None:
    """A new model starts from its own input size and its own graph defaults."""
    _set_input(vizcore.format_shape(vizcore.get_card(st.session_state["model"]).input_size))
    for key, param in MODEL_SPECIFIC.items():
        st.session_state.pop(key, None)
        st.session_state.pop(f"_{key}", None)
        st.query_params.pop(param, None)


def shared_params() -> dict[str, str]:
    params = {"model": st.session_state["model"], "input": st.session_state["input"]}
    if st.session_state.get("device", "auto") != "auto":
        params["device"] = st.session_state["device"]
    if st.session_state.get("present"):
        params["present"] = "1"
    return params


def show_url_problems() -> None:
    """Say once which values in the URL were not usable (and that the defaults stand in)."""
    for problem in st.session_state.pop("url_problems", []):
        st.warning(problem)


def current_analysis() -> vizcore.Analysis:
    """The analysis of the sidebar's model and input, or a clear error and a way out (then stop)."""
    show_url_problems()
    model = st.session_state["model"]
    try:
        shape = vizcore.parse_shape(st.session_state["input"])
        with st.spinner(f"Building and tracing {model}…", show_time=True):
            return analysis_for(model, shape, st.session_state.get("device", "auto"))
    except vizcore.InputTooSmallError as exc:
        st.error(str(exc))
        if exc.smallest:
            smallest = vizcore.format_shape(exc.smallest[1:])
            st.button(f"Use {smallest}", on_click=_set_input, args=(smallest,), type="primary")
    except vizcore.VizcoreError as exc:
        st.error(str(exc))
        default = vizcore.format_shape(vizcore.get_card(model).input_size)
        st.button(f"Use {model}'s own input, {default}", on_click=_set_input, args=(default,), type="primary")
    st.stop()


def _set_input(value: str) -> None:
    st.session_state["input"] = value
    st.session_state["_input"] = value


def use_model(name: str) -> None:
    """Switch the shared model (a button's callback), as if picked in the sidebar."""
    st.session_state["model"] = name
    st.session_state["_model"] = name
    _on_model_change()


def block_label(block: vizcore.engine.blocks.Block, blocks: list[vizcore.engine.blocks.Block]) -> str:
    """A block's module name, with its join where several blocks share the module (nested splits)."""
    shared = sum(b.name == block.name for b in blocks) > 1
    return f"{block.name or '(model)'} [{block.join}]" if shared else block.name or "(model)"


def choose_block(blocks: list[vizcore.engine.blocks.Block], key: str) -> vizcore.engine.blocks.Block:
    """A block picker seeded from ``?block=`` (a module or join name); an unknown name is reported."""
    joins = [b.join for b in blocks]

    def parse(value: str) -> str | None:
        return next((b.join for b in blocks if value in (b.join, b.name)), None)

    init_from_url(key, "block", joins[0], parse)
    if st.session_state[key] not in joins:  # the model changed under a remembered choice
        st.session_state[key] = joins[0]
    show_url_problems()
    labels = {b.join: block_label(b, blocks) for b in blocks}
    chosen = st.selectbox("Block", joins, key=key, format_func=labels.__getitem__)
    remember(key)
    return blocks[joins.index(chosen)]


def blocks_of_kind(result: vizcore.Analysis, kind: str, examples: tuple[str, ...]) -> list[vizcore.engine.blocks.Block]:
    """The model's blocks of ``kind``; where it has none, say so, offer models that do, and stop."""
    blocks = [b for b in result.blocks if b.kind == kind]
    if blocks:
        return blocks
    join = "a concatenation" if kind == "branch" else "an addition"
    st.info(f"{result.model} has no {kind} blocks: no fork in its graph meets again in {join}. Try one of these:")
    for column, name in zip(st.columns(len(examples)), examples, strict=True):
        column.button(name, on_click=use_model, args=(name,), key=f"try_{name}")
    sync_url(shared_params())
    st.stop()


# -- diagrams: server-laid-out SVG in a small zoom/pan viewer (assets/svg_viewer.js) ---------------
_SVG_VIEWER = st.components.v2.component(
    "vizcore_svg_viewer",
    js=(ROOT / "assets" / "svg_viewer.js").read_text(encoding="utf-8"),
    css=(ROOT / "assets" / "svg_viewer.css").read_text(encoding="utf-8"),
)


@st.cache_data(max_entries=64, show_spinner=False)
def rendered(dot: str, fmt: str = "svg") -> bytes:
    """A DOT text drawn by Graphviz, shared by all sessions (the same DOT always gives the same picture)."""
    return render(dot, fmt)


def show_diagram(
    dot: str, *, key: str, title: str = "", details: Mapping[str, Mapping[str, str]] | None = None
) -> str | None:
    """Draw ``dot`` fitted to the window (zoom, pan, click a box); returns the id of the box last
    clicked (``node5``), or None."""
    svg = rendered(dot).decode("utf-8")
    svg = svg[svg.index("<svg") :]
    result = _SVG_VIEWER(
        key=key,
        data={"svg": svg, "key": str(hash(dot)), "title": title, "details": dict(details or {})},
        on_selected_change=lambda: None,
    )
    selected = result.get("selected") if result else None
    return selected if isinstance(selected, str) else None


def diagram_columns() -> tuple[Any, Any]:
    """Where a diagram and its explanation go: side by side, or in presentation mode the diagram the
    full width of the screen and the words below it (a projector needs the size)."""
    if st.session_state.get("present"):
        return st.container(), st.container()
    left, right = st.columns([3, 2])
    return left, right


def diagram_downloads(dot: str, stem: str) -> None:
    """SVG, PNG (at least 1920 px wide) and PDF of exactly the diagram on screen, drawn by Graphviz."""
    columns = st.columns(3)
    for column, (fmt, mime) in zip(
        columns, (("svg", "image/svg+xml"), ("png", "image/png"), ("pdf", "application/pdf")), strict=True
    ):
        column.download_button(
            f"Download {fmt.upper()}",
            lambda fmt=fmt: rendered(dot, fmt),
            f"{stem}.{fmt}",
            mime,
            key=f"download_{stem}_{fmt}",
            on_click="ignore",  # a download needs no rerun, and a rerun could swallow the next click
            width="stretch",
        )
