"""Ask the class, in a room: the teacher's panel under the projector's (on the model on screen), and the
open question on each student's page, following or not. A question that appears or goes changes the
room, so the room's push reruns the students' pages (ui.LISTENER_JS): nothing here polls for it."""

from __future__ import annotations

import vizcore
from webapp.asking import student_panel, teacher_panel
from webapp.classroom import room_context
from webapp.classroom.store import RoomError


def teacher_asks(analysis: vizcore.Analysis) -> None:
    """On a page with an analysis (chrome.current_analysis): the teacher's panel, about that model."""
    ctx = room_context()
    if ctx is not None and ctx.role == "teacher" and ctx.token:
        teacher_panel(ctx.store, ctx.code, ctx.token, analysis)


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
        student_panel(ctx.store, ctx.code, ctx.member)
