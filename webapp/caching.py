"""The server's caches, shared by every session and bounded: what the server holds grows with the number
of analyses kept (``MAX_ANALYSES``), not with the number of visitors or reruns. Never mutate what they return."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

import streamlit as st

import vizcore
from vizcore.drawing.render import render

if TYPE_CHECKING:
    from vizcore.photos import inference

MAX_ANALYSES = 48
R = TypeVar("R")


# cache_resource, not cache_data: a rerun gets the very object back instead of unpickling a copy
# (and a copy per session in memory). Bounded, so memory is too.
@st.cache_resource(max_entries=MAX_ANALYSES, show_spinner=False)
def analysis_for(model: str, shape: tuple[int, ...], device: str) -> vizcore.Analysis:
    """One analysis per (model, input, device), shared by all sessions: never mutate what it returns."""
    return vizcore.analyze(model, shape, device)


# Here, not in pages/classify.py, so that serve.py's warm-up can load it before the first student does.
@st.cache_resource(max_entries=2, show_spinner="Loading EfficientNet-Lite0…")
def default_classifier(device: str) -> inference.Classifier:
    """The offline classifier, shared by all sessions (every use of it holds its lock)."""
    from vizcore.photos import inference  # timm loads with the first photo, not with every page

    return inference.default_classifier(device)


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
