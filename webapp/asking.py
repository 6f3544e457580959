"""Ask the class: the teacher's panel (ask a question about the model on screen, or one of their own; the
answers' count and distribution, live; reveal the answer, its working and the mistake behind each wrong
answer; the answers as CSV) and the student's panel (the question, an answer box, then the reveal).

Both talk to a room's store through ``AnswerBoard``. The question a room holds is ``Question.to_dict()``
plus ``"revealed": True`` once the teacher reveals it (the store then refuses answers to it). Reading,
counting and labelling answers is vizcore's (``vizcore.course.poll``); this module only renders.
"""

from __future__ import annotations

import secrets
from typing import Any, Protocol

import pandas as pd
import streamlit as st

import vizcore
from vizcore.course import poll, quiz
from vizcore.course.answers import MAX_ANSWER, AnswerError, parse_answer
from webapp.url_state import escaped

LIVE_SECONDS = 2.0  # how often the teacher's panel looks for new answers
ANY = "any kind"
ANY_LAYER = "any layer"


class AnswerBoard(Protocol):
    """What a room's store offers to asking: one current question per room, one answer per member."""

    def ask(self, code: str, token: str, question: dict[str, Any] | None) -> None: ...
    def asked(self, code: str) -> dict[str, Any] | None: ...
    def answer(self, code: str, member: str, question_id: str, text: str) -> None: ...
    def answers(self, code: str, token: str, question_id: str) -> dict[str, str]: ...


def _asking(board: AnswerBoard, code: str, token: str, question: quiz.Question) -> None:
    """Put ``question`` to the room under a fresh id, so a question asked again starts with no answers."""
    _put(board, code, token, {**question.to_dict(), "id": f"{question.id}-{secrets.token_hex(3)}"})


def _ask_generated(board: AnswerBoard, code: str, token: str, analysis: vizcore.Analysis) -> None:
    """A question of the chosen kind about the chosen layer; either left open, one drawn at random."""
    draws = st.session_state.get("asking_draws", 0) + 1
    st.session_state["asking_draws"] = draws
    kind = st.session_state.get("asking_kind", ANY)
    layer = st.session_state.get("asking_layer", ANY_LAYER)
    kinds = [k for k in quiz.KINDS if k != "block"] if kind == ANY else [kind]
    if layer == ANY_LAYER:
        found = quiz.quiz(analysis, draws, 1, quiz.KINDS if kind == ANY else kinds)
    else:
        found = []
        for k in kinds:
            try:
                found = [quiz.layer_question(analysis, analysis.layer(layer), k, f"{draws}-1")]
                break
            except (vizcore.VizcoreError, KeyError):
                continue
    if not found:
        where = analysis.model if layer == ANY_LAYER else layer
        st.session_state["asking_problem"] = f"{where} has no {kind} to ask about; pick another kind or layer."
        return
    _asking(board, code, token, found[0])


def _ask_own(board: AnswerBoard, code: str, token: str) -> None:
    try:
        question = quiz.own_question(st.session_state.get("asking_text", ""), st.session_state.get("asking_answer", ""))
    except vizcore.VizcoreError as exc:
        st.session_state["asking_problem"] = str(exc)
        return
    _asking(board, code, token, question)


def _reveal(board: AnswerBoard, code: str, token: str, current: dict[str, Any]) -> None:
    _put(board, code, token, {**current, "revealed": True})


def _clear(board: AnswerBoard, code: str, token: str) -> None:
    _put(board, code, token, None)


def _put(board: AnswerBoard, code: str, token: str, question: dict[str, Any] | None) -> None:
    try:
        board.ask(code, token, question)
    except (PermissionError, LookupError) as exc:
        st.session_state["asking_problem"] = str(exc)


def teacher_panel(board: AnswerBoard, code: str, token: str, analysis: vizcore.Analysis) -> None:
    """The projector's panel: ask, watch the answers come in, reveal."""
    with st.expander("Ask the class", expanded=False):  # folded: the projector is for the lecture
        left, right = st.columns(2)
        with left:
            st.selectbox(f"A question about {analysis.model}", [ANY, *quiz.KINDS], key="asking_kind")
            names = list(dict.fromkeys(n.name for n in analysis.layers))
            st.selectbox("About the layer", [ANY_LAYER, *names], key="asking_layer")
            st.button(
                "Ask a question", on_click=_ask_generated, args=(board, code, token, analysis), key="asking_generate"
            )
        with right:
            st.text_input("Or your own question", key="asking_text", max_chars=500)
            st.text_input("Its answer (a whole number)", key="asking_answer", max_chars=MAX_ANSWER)
            st.button("Ask my question", on_click=_ask_own, args=(board, code, token), key="asking_own")
    problem = st.session_state.pop("asking_problem", "")
    if problem:
        st.error(escaped(problem))
    st.fragment(_teacher_live, run_every=LIVE_SECONDS)(board, code, token)


def _teacher_live(board: AnswerBoard, code: str, token: str) -> None:
    try:
        current = board.asked(code)
        given = board.answers(code, token, str(current["id"])) if current is not None else {}
    except (PermissionError, LookupError) as exc:  # a room that is gone, or a token that is not the teacher's
        st.error(escaped(str(exc)))
        return
    if current is None:
        st.caption("No question asked yet.")
        return
    question = quiz.Question.from_dict(current)
    revealed = bool(current.get("revealed"))
    groups = poll.tally(question, given)
    st.subheader(escaped(question.question))
    left, right = st.columns([3, 2]) if revealed else (st.container(), st.container())
    with left:
        st.metric("Answered", len(given))
        if groups:
            # before the reveal one colour, after it right and wrong (the order never gives it away)
            series = {"right": [g.correct for g in groups], "wrong": [not g.correct for g in groups]}
            shown_as = series if revealed else {"students": [True] * len(groups)}
            rows = pd.DataFrame(
                {
                    name: [g.count if on else 0 for g, on in zip(groups, flags, strict=True)]
                    for name, flags in shown_as.items()
                },
                index=pd.Index([g.answer for g in groups], name="answer"),
            )
            st.bar_chart(
                rows,
                y=list(shown_as),
                x_label="answer",
                y_label="students",
                color=["#2e7d32", "#c62828"] if revealed else ["#1565c0"],  # green right, red wrong; blue before
                horizontal=True,
                sort=False,
                height=260,
            )
            st.caption(escaped(" · ".join(f"{g.answer}: {g.count}" for g in groups)))  # the bars, in words
        if revealed:  # for each wrong answer given, the mistake that produces it
            for g in groups:
                if not g.correct:
                    because = f": {g.mistake}" if g.mistake else ": no mistake we know gives it"
                    students = "student" if g.count == 1 else "students"
                    st.markdown(escaped(f"{g.count} {students} answered {g.answer}{because}."))
    if not revealed:
        st.button("Reveal", type="primary", on_click=_reveal, args=(board, code, token, current), key="asking_reveal")
        return
    with right:
        st.success(escaped(f"The answer: {quiz.shown(question.answer)} {question.unit}".strip()))
        st.code(question.working, language=None)
    buttons = st.columns(4)
    buttons[0].download_button(
        "Download the answers (CSV)",
        poll.answers_csv(question, given),
        file_name=f"answers-{question.id}.csv",
        mime="text/csv",
        key="asking_csv",
    )
    buttons[1].button("Clear the question", on_click=_clear, args=(board, code, token), key="asking_clear")


# -- the student's side -------------------------------------------------------------------------------
def _send(board: AnswerBoard, code: str, member: str, question: quiz.Question) -> None:
    key = f"asking_box_{question.id}"
    text = st.session_state.get(key, "")
    try:
        parse_answer(text, question.kind)  # a sentence now, rather than a silent bar nobody can read
        board.answer(code, member, question.id, text)
    except (AnswerError, ValueError, LookupError) as exc:
        st.session_state["asking_problem"] = str(exc)
        return
    st.session_state[f"asking_mine_{question.id}"] = text


def student_panel(board: AnswerBoard, code: str, member: str) -> None:
    """A student's laptop: the current question and an answer box; after the reveal, only the reveal."""
    # No polling: a question asked, revealed or cleared changes the room, whose push reruns every
    # student's page; the fragment keeps a sent answer from rerunning the whole page.
    st.fragment(_student_live)(board, code, member)


def _student_live(board: AnswerBoard, code: str, member: str) -> None:
    try:
        current = board.asked(code)
    except LookupError as exc:
        st.error(escaped(str(exc)))
        return
    if current is None:
        st.info("No question yet: it appears here when your teacher asks.")
        return
    question = quiz.Question.from_dict(current)
    mine = st.session_state.get(f"asking_mine_{question.id}")
    st.subheader(escaped(question.question))
    problem = st.session_state.pop("asking_problem", "")
    if current.get("revealed"):
        if problem:  # an answer sent as the teacher revealed: the store's sentence
            st.error(escaped(problem))
        st.success(escaped(f"The answer: {quiz.shown(question.answer)} {question.unit}".strip()))
        if mine is not None:
            verdict = quiz.check(question, mine)
            (st.info if verdict.correct else st.warning)(escaped(f"You answered {mine}. {verdict.sentence}"))
        st.code(question.working, language=None)
        return
    with st.form(f"asking_form_{question.id}", border=False):
        st.text_input(
            "Your answer",
            key=f"asking_box_{question.id}",
            max_chars=MAX_ANSWER,
            placeholder="a shape like 64x56x56" if question.kind == "shape" else "a number like 1,728",
        )
        st.form_submit_button("Send", type="primary", on_click=_send, args=(board, code, member, question))
    if problem:
        st.error(escaped(problem))
    elif mine is not None:
        st.success(escaped(f"Your answer is in: {mine}. You can change it until the reveal."))
