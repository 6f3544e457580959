"""The classroom: a teacher opens a room, the class joins by its code and follows the teacher's view.

``room_context()`` says where this page run stands (no room, or which room and as whom);
``shared_store()`` is this process's one room store: in-process, or Redis when ``VIZCORE_REDIS_URL`` is
set (replicas share rooms through it). See docs/classroom.md.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Literal

import streamlit as st

from webapp.classroom.store import MemoryStore, RoomStore


@functools.cache
def shared_store() -> RoomStore:
    """The store every session and the event stream of this process share (a process-wide resource,
    like ``st.cache_resource``, reachable from the server's routes too)."""
    url = os.environ.get("VIZCORE_REDIS_URL")
    if url:
        from webapp.classroom.redis_store import RedisStore

        return RedisStore(url)
    return MemoryStore()


@dataclass(frozen=True)
class RoomContext:
    code: str
    role: Literal["teacher", "student"]
    token: str | None  # the teacher's secret; None for a student
    member: str  # this browser's anonymous id in the room
    store: RoomStore


def room_context() -> RoomContext | None:
    """This page run's room, as the page's setup found it (None: not in a room)."""
    state = st.session_state
    code = state.get("_room")
    if not code:
        return None
    token = state.get("_room_token")
    return RoomContext(code, "teacher" if token else "student", token, state["_room_member"], shared_store())
