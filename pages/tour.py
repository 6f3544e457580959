"""Guided tour for the lecture: LeNet-5 → AlexNet → ZFNet → VGG → NiN → GoogLeNet → ResNet.

One slide per architecture (``?slide=zfnet``): its key idea, its figure, its numbers and what changed
from the previous slide, computed from the two models. ← and → (or the buttons) move between
slides; presentation mode is on when the tour opens.
"""

from __future__ import annotations

import streamlit as st

from vizcore import Analysis, get_card
from vizcore.course import tour
from vizcore.drawing.diagrams import branch_dot, chain_dot, residual_dot
from webapp.caching import analysis_for
from webapp.chrome import setup
from webapp.url_state import CHECKS, init_from_url, remember, shared_params, sync_url

KEYS = tour.slide_keys()
# Sized by the window's height, so a slide fits 1280x720 and 1920x1080 alike without scrolling.
TOUR_CSS = """
<style>
[data-testid="stMainBlockContainer"], .block-container { padding-top: 3.4rem !important; padding-bottom: 0 !important; }
[data-testid="stMain"] h1 { font-size: min(3rem, 6vh) !important; padding: 0 !important; }
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] .stCaption,
[data-testid="stMain"] [data-testid="stCaptionContainer"] { font-size: clamp(0.95rem, 2.3vh, 1.7rem) !important; line-height: 1.35 !important; }
[data-testid="stMain"] li { margin-bottom: 0.2rem !important; }
[data-testid="stGraphVizChart"] svg { height: 42vh !important; max-width: 100%; }
</style>
"""


def _get(model: str, shape: tuple[int, ...]) -> Analysis:
    return analysis_for(model, shape, "auto")


@st.cache_data(max_entries=8, show_spinner="Tracing this slide's models…", show_time=True)
def slide_for(index: int) -> tour.Slide:
    return tour.slide(index, _get)


def figure(slide: tour.Slide, analysis: Analysis) -> str:
    """The slide's drawing as DOT: the one place to swap in another viewer."""
    if slide.key == "googlenet":
        return branch_dot(analysis, analysis.block("inception3a"))
    if slide.key == "resnet":
        return residual_dot(analysis, analysis.block("layer2.0"))
    return chain_dot(analysis)


def _go(step: int) -> None:
    i = KEYS.index(st.session_state["tour_slide"]) + step
    st.session_state["tour_slide"] = st.session_state["_tour_slide"] = KEYS[max(0, min(len(KEYS) - 1, i))]


if "tour_opened" not in st.session_state:  # presentation mode is the tour's default, once per session
    st.session_state["tour_opened"] = True
    if CHECKS["present"](st.query_params.get("present", "1")) is not False:  # ?present=0 (or false, no) opts out
        st.session_state["present"] = st.session_state["_present"] = True
setup(reads=("slide",))
init_from_url("tour_slide", "slide", KEYS[0])
remember("tour_slide")
key = st.session_state["tour_slide"]
index = KEYS.index(key)
sync_url({**shared_params(), "slide": key})
st.html(TOUR_CSS)

slide = slide_for(index)
analysis = _get(slide.model, (1, *get_card(slide.model).input_size))
st.title(slide.title)
st.markdown(f"**{slide.idea}**")
st.caption(" · ".join(f"{label}: {value}" for label, value in slide.numbers) + f" · `{slide.model}`")
left, right = st.columns([3, 2])
with left:
    st.graphviz_chart(figure(slide, analysis), width="stretch")
with right:
    st.markdown("**What changed**" if index else "**Where it starts**")
    st.markdown("\n".join(f"- {line}" for line in slide.changes))
nav = st.columns([1, 3, 1])
nav[0].button(
    "← Previous", on_click=_go, args=(-1,), disabled=index == 0, shortcut="Left", key="tour_prev", width="stretch"
)
nav[1].caption(f"Slide {index + 1} of {len(KEYS)}: " + " → ".join(f"**{k}**" if k == key else k for k in KEYS))
nav[2].button(
    "Next →",
    on_click=_go,
    args=(1,),
    disabled=index == len(KEYS) - 1,
    shortcut="Right",
    key="tour_next",
    width="stretch",
)
