"""Lecture tables: each quantitative table of the teachers' decks, the slide's figure beside ours.

One table at a time (``?table=alexnet-227``); a figure no rounding of ours explains is highlighted,
with the reason on hover and listed below; CSV, Markdown, LaTeX and JSON downloads.
"""

from __future__ import annotations

import streamlit as st

import vizcore
from vizcore.course import lectures
from vizcore.shapes import Shape
from webapp.caching import analysis_for
from webapp.chrome import setup
from webapp.url_state import init_from_url, remember, shared_params, sync_url
from webapp.widgets import download, show_working


@st.cache_data(max_entries=16, show_spinner="Tracing the models behind this table…", show_time=True)
def table_for(table_id: str) -> tuple[lectures.LectureTable, dict[str, list[Shape]]]:
    """Built from the shared analysis cache, so the models traced here serve the other pages too; with
    the inputs each model was traced at (a flagged row's working needs its row's analysis)."""
    inputs: dict[str, list[Shape]] = {}

    def traced(model: str, shape: Shape) -> vizcore.Analysis:
        inputs.setdefault(model, []).append(tuple(shape))
        return analysis_for(model, tuple(shape), "auto")

    return lectures.lecture_table(table_id, traced), inputs


setup(reads=("table",))
ids = lectures.table_ids()
titles = {i: f"{title} (deck {deck})" for i, title, deck in lectures.list_tables()}
init_from_url("lecture_table", "table", ids[0])
st.title("Lecture tables")
choice = st.selectbox("Table", ids, key="lecture_table", format_func=titles.__getitem__)
remember("lecture_table")
sync_url({**shared_params(), "table": choice})

table, inputs = table_for(choice)
st.caption(f"Deck {table.deck}, {lectures.deck_titles()[table.deck]}: {table.where}. {table.convention}")
st.html(lectures.lecture_html(table))
st.caption(
    "Each cell: the slide's figure → ours, in the slide's unit (just one number where they print the same). "
    "Highlighted: no rounding at the slide's precision gets from ours to the slide; hover for why. "
    "Our figures are all computed from the traced models; the decks' flop is a multiply-add, KB = 1024 bytes."
)
if table.flagged:
    st.markdown("**Where the slide cannot be right to its own precision**")
    st.markdown("\n".join(f"{n}. *{r.label}, {f.quantity}*: {f.reason}" for n, (r, f) in enumerate(table.flagged, 1)))
    for n, (row, fig) in enumerate(table.flagged, 1):
        layer = dict(row.info).get("layer")
        shapes = set(inputs.get(row.model, ()))
        if layer is None or len(shapes) != 1:  # no layer behind the row, or no one analysis to work it from
            continue
        with st.expander(f"{n}. {row.label}, {fig.quantity}: the slide's working beside ours ({row.model}, {layer})"):
            slide, ours = st.columns(2)
            slide.markdown(f"**The slide**: {fig.reason}")
            with ours:
                show_working(analysis_for(row.model, shapes.pop(), "auto"), layer, key=f"lecture_see_it_move_{n}")
else:
    st.markdown("Every figure on this slide is ours, rounded.")
for column, fmt in zip(st.columns(4), ("csv", "markdown", "latex", "json"), strict=True):
    download(column, fmt, lectures.FORMATS[fmt](table), table.id, key=f"dl_{fmt}")
