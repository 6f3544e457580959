"""Practice: questions about the model in the sidebar (a zoo model or an uploaded ONNX file), one at a time;
each answer checked, the working shown, a wrong answer's mistake named, then the next question.

``?model=resnet18&seed=42`` gives everyone the same questions in the same order: homework by link."""

from __future__ import annotations

from typing import Any

import streamlit as st

import vizcore
from vizcore.course import quiz
from vizcore.course.answers import MAX_ANSWER, AnswerError
from webapp.caching import analysis_for
from webapp.chrome import current_analysis, setup
from webapp.url_state import escaped, init_from_url, remember, shared_params, sync_url

QUESTIONS = 20  # per seed; then the practice starts again with the next seed


@st.cache_data(max_entries=64, show_spinner="Writing the questions…")
def questions_for(model: str, shape: tuple[int, ...], device: str, seed: int) -> list[dict[str, Any]]:
    """The questions of one (model, input, seed), as data: shared by every student who opens the link."""
    return [q.to_dict() for q in quiz.quiz(analysis_for(model, shape, device), seed, QUESTIONS)]


def _restart() -> None:
    st.session_state["practice_at"] = 0
    st.session_state.pop("practice_verdict", None)
    st.session_state["practice_answer"] = ""


def _check(question: quiz.Question) -> None:
    text = st.session_state.get("practice_answer", "")
    try:
        verdict = quiz.check(question, text)
    except AnswerError as exc:
        st.session_state["practice_verdict"] = {"error": str(exc)}
        return
    st.session_state["practice_verdict"] = {"correct": verdict.correct, "sentence": verdict.sentence}
    score = st.session_state.setdefault("practice_score", [0, 0])
    score[0] += verdict.correct
    score[1] += 1


def _next(last: bool) -> None:
    if last:  # the next seed's questions, so the practice never runs dry
        st.session_state["practice_seed"] = min(st.session_state["practice_seed"] + 1, quiz.MAX_SEED)
        st.session_state["practice_at"] = 0
    else:
        st.session_state["practice_at"] = st.session_state.get("practice_at", 0) + 1
    st.session_state.pop("practice_verdict", None)
    st.session_state["practice_answer"] = ""


setup(reads=("seed",))
st.title("Practice")
analysis = current_analysis()
init_from_url("practice_seed", "seed", 1)
st.number_input("Seed (the same seed, the same questions)", 0, quiz.MAX_SEED, key="practice_seed", on_change=_restart)
remember("practice_seed")
seed = int(st.session_state["practice_seed"])
sync_url({**shared_params(), "seed": str(seed)})

try:
    shape = vizcore.parse_shape(st.session_state["input"])
    questions = [
        quiz.Question.from_dict(q)
        for q in questions_for(st.session_state["model"], shape, st.session_state.get("device", "auto"), seed)
    ]
except vizcore.VizcoreError as exc:
    st.error(escaped(str(exc)))
    st.stop()
if not questions:
    st.error(escaped(f"{analysis.model} has no layer with a figure to ask about; pick another model in the sidebar."))
    st.stop()

practising = (st.session_state["model"], shape, seed)
if st.session_state.get("practice_for") != practising:  # another model or seed: from its first question
    st.session_state["practice_for"] = practising
    _restart()
at = min(st.session_state.get("practice_at", 0), len(questions) - 1)
question = questions[at]
right, asked = st.session_state.get("practice_score", [0, 0])
st.caption(f"{analysis.model} · seed {seed} · question {at + 1} of {len(questions)} · {right} of {asked} right so far")
st.subheader(escaped(question.question))
verdict = st.session_state.get("practice_verdict")
answered = verdict is not None and "error" not in verdict
with st.form("practice_form", clear_on_submit=False, border=False):
    st.text_input(
        "Your answer",
        key="practice_answer",
        max_chars=MAX_ANSWER,
        disabled=answered,
        placeholder="a shape like 64x56x56" if question.kind == "shape" else "a number like 1,728 or 23.5k",
    )
    st.form_submit_button("Check", type="primary", disabled=answered, on_click=_check, args=(question,))
if verdict is not None and "error" in verdict:
    st.error(escaped(verdict["error"]))
elif verdict is not None:
    (st.success if verdict["correct"] else st.warning)(escaped(verdict["sentence"]))
    st.code(question.working, language=None)
    last = at + 1 == len(questions)
    st.button("Next question" if not last else "Next seed's questions", on_click=_next, args=(last,), type="primary")
