"""A test-only Streamlit app around the asking panels (the rooms wire them in their own pages): one room,
DEMO, on an in-memory board shared by every session of this server. ``?role=teacher&model=vgg16`` is the
projector; ``?member=ann`` a student's laptop."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # `streamlit run` puts only this folder on the path

import streamlit as st

import vizcore
from tests.support.answer_board import MemoryBoard
from webapp.asking import student_panel, teacher_panel

ROOM, TOKEN = "DEMO", "secret"


@st.cache_resource
def board() -> MemoryBoard:
    found = MemoryBoard()
    found.open(ROOM, TOKEN)
    return found


st.set_page_config(page_title="asking", layout="wide")
if st.query_params.get("role") == "teacher":
    teacher_panel(board(), ROOM, TOKEN, vizcore.analyze(st.query_params.get("model", "alexnet"), device="cpu"))
else:
    student_panel(board(), ROOM, st.query_params.get("member", "anonymous"))
