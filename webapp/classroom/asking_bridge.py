"""Ask the class, in a room: the teacher's panel under the projector's (on the model on screen), and the
open question on each student's page, following or not. A question that appears or goes changes the
room, so the room's push reruns the students' pages (ui.LISTENER_JS): nothing here polls for it."""

from __future__ import annotations

from typing import Any

import vizcore
from webapp.asking import student_panel, teacher_panel
from webapp.classroom import room_context
from webapp.classroom.store import RoomError, RoomStore


class RoomBoard:
    """A room's store as asking's ``AnswerBoard``: Redis not answering (``RoomsUnavailable``) reads as a room
    out of reach (``LookupError``), which the panels say in one sentence while the page keeps working."""

    def __init__(self, store: RoomStore) -> None:
        self._store = store

    def ask(self, code: str, token: str, question: dict[str, Any] | None) -> None:
        try:
            self._store.ask(code, token, question)
        except RoomError as exc:
            raise LookupError(str(exc)) from exc

    def asked(self, code: str) -> dict[str, Any] | None:
        try:
            return self._store.asked(code)
        except RoomError as exc:
            raise LookupError(str(exc)) from exc

    def answer(self, code: str, member: str, question_id: str, text: str) -> None:
        try:
            self._store.answer(code, member, question_id, text)
        except RoomError as exc:
            raise LookupError(str(exc)) from exc

    def answers(self, code: str, token: str, question_id: str) -> dict[str, str]:
        try:
            return self._store.answers(code, token, question_id)
        except RoomError as exc:
            raise LookupError(str(exc)) from exc


def teacher_asks(analysis: vizcore.Analysis) -> None:
    """On a page with an analysis (chrome.current_analysis): the teacher's panel, about that model."""
    ctx = room_context()
    if ctx is not None and ctx.role == "teacher" and ctx.token:
        teacher_panel(RoomBoard(ctx.store), ctx.code, ctx.token, analysis)


def student_answers() -> None:
    """On every page of a student in a room: the question while one is asked; nothing otherwise."""
    ctx = room_context()
    if ctx is None or ctx.role != "student":
        return
    try:
        asked = ctx.store.asked(ctx.code)
    except (LookupError, RoomError):  # a room that closed or a store that went: the room's bar says so
        return
    if asked is not None:
        student_panel(RoomBoard(ctx.store), ctx.code, ctx.member)
