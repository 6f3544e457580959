"""The server's caches, shared by every session and bounded: what the server holds grows with the number
of analyses kept (``MAX_ANALYSES``), not with the number of visitors or reruns. Never mutate what they return."""

from __future__ import annotations

import dataclasses
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

import plotly.graph_objects as go
import streamlit as st

import vizcore
from vizcore.drawing import charts
from vizcore.drawing.render import render
from vizcore.engine.training import TrainingCost
from vizcore.files import onnxfile
from vizcore.files.uploads import UploadStore

if TYPE_CHECKING:
    from vizcore.photos import inference

MAX_ANALYSES = 48
MAX_TRAINING = 16  # each holds its own forward analysis
UPLOADED = "onnx:"  # a model named "onnx:<id>" is the upload kept under that id
R = TypeVar("R")


def is_upload(model: str) -> bool:
    return model.startswith(UPLOADED)


def uploads() -> UploadStore:
    """The server's upload folder, as the VIZCORE_UPLOAD_* settings say (read afresh: no hidden state)."""
    return UploadStore.from_env()


def upload_name(model: str) -> str:
    """What an upload is called wherever sessions share it: from its content, never from a user's file name."""
    return f"upload-{model.removeprefix(UPLOADED)[:8]}"


# cache_resource, not cache_data: a rerun gets the very object back instead of unpickling a copy
# (and a copy per session in memory). Bounded, so memory is too.
# The spinner shows only while tracing, never on a cache hit (a spinner costs a thread and a message).
@st.cache_resource(max_entries=MAX_ANALYSES, show_spinner="Building and tracing the model…", show_time=True)
def analysis_for(model: str, shape: tuple[int, ...], device: str) -> vizcore.Analysis:
    """One analysis per (model, input, device), shared by all sessions: never mutate what it returns.
    ``model`` is a zoo name or ``onnx:<id>``, an upload (its content's hash: the same file, the same entry)."""
    if is_upload(model):
        result = vizcore.analyze(uploads().open(model.removeprefix(UPLOADED)), shape, device)
        return dataclasses.replace(result, model=upload_name(model))
    return vizcore.analyze(model, shape, device)


@st.cache_resource(max_entries=MAX_TRAINING, show_spinner=False)
def training_for(model: str, shape: tuple[int, ...], batch: int, optimizer: str) -> TrainingCost:
    """One training step's memory per (model, input, batch, optimizer), shared by all sessions: never
    mutate what it returns. Traced on the meta device (or the CPU), so the sidebar's device plays no part."""
    if is_upload(model):
        return vizcore.training_cost(uploads().open(model.removeprefix(UPLOADED)), batch, optimizer, shape)
    return vizcore.training_cost(model, batch, optimizer, shape)


@st.cache_data(max_entries=MAX_ANALYSES, show_spinner=False)
def upload_input(model: str) -> tuple[int, ...]:
    """The input an upload declares (its symbolic sizes filled as vizcore fills them); refuses, with
    vizcore's sentence, an id that is malformed, unknown or expired."""
    data = uploads().open(model.removeprefix(UPLOADED))
    return tuple(onnxfile.fix_input(onnxfile.parse(data), None).input_shape)


# Here, not in pages/classify.py, so that serve.py's warm-up can load it before the first student does.
@st.cache_resource(max_entries=2, show_spinner="Loading EfficientNet-Lite0…")
def default_classifier(device: str) -> inference.Classifier:
    """The offline classifier, shared by all sessions (every use of it holds its lock)."""
    from vizcore.photos import inference  # timm loads with the first photo, not with every page

    return inference.load_classifier("default", device=device)


class _Slot:
    """One derived value and the analysis it was derived from, held weakly: the slot never keeps an
    analysis alive, and drops its value when the analysis goes (evicted from ``analysis_for``)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.owner: weakref.ref[vizcore.Analysis] | None = None
        self.value: Any = None

    def drop(self) -> None:
        self.owner, self.value = None, None


@st.cache_resource(max_entries=256, show_spinner=False)
def _slot(name: str, analysis_id: int, args: tuple[Hashable, ...]) -> _Slot:
    return _Slot()


def derived(fn: Callable[..., R], analysis: vizcore.Analysis, *args: Hashable) -> R:
    """``fn(analysis, *args)`` computed once and shared by every session (a table, a figure, a download),
    so a rerun with an analysed model only renders. Never mutate what it returns."""
    slot = _slot(f"{fn.__module__}.{fn.__qualname__}", id(analysis), args)
    with slot.lock:
        # a dead owner, or another analysis that got the same id after it: compute afresh
        if slot.owner is None or slot.owner() is not analysis:
            slot.drop()
            value = fn(analysis, *args)
            slot.owner, slot.value = weakref.ref(analysis), value
            weakref.finalize(analysis, slot.drop)
        result: R = slot.value
        return result


@st.cache_data(max_entries=64, show_spinner=False)
def rendered(dot: str, fmt: str = "svg") -> bytes:
    """A DOT text drawn by Graphviz, shared by all sessions (the same DOT always gives the same picture)."""
    return render(dot, fmt)


@st.cache_resource(max_entries=64, show_spinner=False)
def bubble_chart(points: tuple[tuple[str, float, int], ...]) -> go.Figure:
    """The Compare page's accuracy-against-cost chart of zoo models given as (name, GMACs, params), shared
    by every session that compares the same models."""
    return shareable(
        charts.compare_bubbles(
            [vizcore.get_card(name) for name, _, _ in points],
            {name: gmacs for name, gmacs, _ in points},
            {name: params for name, _, params in points},
        )
    )


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
        return value

    def call(self, fn: Callable[..., R], owner: Any, photo_id: str, x: Any, *args: Hashable) -> R:
        """``fn(owner, x, *args)`` for the photo whose digest is ``photo_id`` (``x``: that photo as ``owner``
        takes it); functions are told apart by module and qualified name (two modules' ``render`` are two)."""
        return self.get(owner, (fn.__module__, fn.__qualname__, photo_id, *args), lambda: fn(owner, x, *args))

    def _lookup(self, owner: Any, full: tuple[Hashable, ...]) -> tuple[bool, Any]:
        hit = self._values.get(full)
        if hit is None or hit[0]() is not owner:  # a dead owner's id can be reused by a new object
            return False, None
        self._values.move_to_end(full)
        return True, hit[1]


class _SentFigure(go.Figure):  # type: ignore[misc]
    """A shared chart that is turned into a dict once: ``st.plotly_chart`` calls ``to_dict``, which deep-copies
    every trace, on every rerun of every session. What the caches return is never mutated, so the dict stays true."""

    _sent: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        if self._sent is None:
            self._sent = super().to_dict()
        return self._sent


def shareable(figure: go.Figure) -> go.Figure:
    """``figure`` as a cached, shared chart: give what ``derived`` or ``SharedResults`` keep to ``st.plotly_chart``."""
    return _SentFigure(figure)
