"""The ILSVRC story: each year's winner by top-5 error, its depth on the bar, and the decks' recap table."""

from __future__ import annotations

import streamlit as st

from vizcore import get_card
from vizcore.course import lectures, tour
from webapp.caching import analysis_for
from webapp.chrome import setup, use_model
from webapp.url_state import shared_params, sync_url


@st.cache_data(max_entries=1, show_spinner="Counting each network's layers…", show_time=True)
def depths() -> dict[str, int]:
    """Each zoo model's depth (conv and fc layers on its deepest path), counted from its trace."""
    return {
        w.model: tour.weight_depth(analysis_for(w.model, (1, *get_card(w.model).input_size), "auto"))
        for w in tour.ILSVRC
        if w.model
    }


@st.cache_data(max_entries=1, show_spinner=False)
def recap_table() -> lectures.LectureTable:
    return lectures.lecture_table("recap", lambda model, shape: analysis_for(model, shape, "auto"))


setup(reads=())
sync_url(shared_params())
st.title("ImageNet (ILSVRC) classification winners")
found = depths()


def _open_picked() -> None:
    """A click on a bar picks its network for every page; the script then opens the Overview."""
    points = st.session_state["ilsvrc_chart"]["selection"]["points"]
    picked = [p["point_index"] for p in points if p["point_index"] < len(tour.ILSVRC)]
    if picked and tour.ILSVRC[picked[0]].model:
        use_model(tour.ILSVRC[picked[0]].model)
        st.session_state["ilsvrc_open"] = True


st.plotly_chart(
    tour.ilsvrc_figure(found, lambda model: f"./?model={model}"),
    key="ilsvrc_chart",
    config={"displaylogo": False},
    on_select=_open_picked,
    selection_mode="points",
)
if st.session_state.pop("ilsvrc_open", False):
    st.switch_page("pages/overview.py")
st.caption(tour.ILSVRC_SOURCE + " Click a bar (or its label) to open that network in the app.")
st.subheader("The decks' recap, with our parameter counts")
recap = recap_table()
st.html(lectures.lecture_html(recap))
st.caption(f"Deck {recap.deck}, {lectures.deck_titles()[recap.deck]}. {recap.convention}")
for n, (r, f) in enumerate(recap.flagged, 1):
    st.markdown(f"{n}. *{r.label}, {f.quantity}*: {f.reason}")
