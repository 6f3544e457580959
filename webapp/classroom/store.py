"""Rooms: what a room holds, the rules every store keeps, and the in-process store (one server's default).

A room has a public code (on the projector) and a secret teacher token (in the teacher's browser only,
as an HttpOnly cookie). Only the token moves the room: ``publish`` and ``ask`` check it every time.
No Streamlit here: the stores are plain objects, tested as such, and shared by the page runs and the
server's event stream (``events.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read off a projector at the back of a hall
CODE_LENGTH = 6
TEACHER_GONE_S = 3600  # a room closes an hour after the teacher's page was last open
PRESENT_S = 30  # a student counts as in the room for this long after their page or stream was last seen
MAX_ROOMS = 1000  # per store: past it, opening a room says so
MAX_MEMBERS = 500  # per room (and per question's answers)
MAX_VIEW_CHARS = 20_000  # a view is a link: page + URL parameters (a builder's spec is the longest)
MAX_QUESTION_CHARS = 10_000
MAX_ANSWER_CHARS = 200
ROOM_LIFETIME_TEXT = "This room closes 1 hour after the teacher's page was last open."

Listener = Callable[[str, int], None]  # (room code, its new version): something in the room changed


class RoomError(Exception):
    """A sentence for the person who asked (a room that does not exist, a full server)."""


class RoomsUnavailable(RoomError):
    """The shared store (Redis) cannot be reached: rooms pause, pages keep working."""


def check_code(value: str) -> str | None:
    """A room code as typed (any case, spaces around), or None for anything else; never echoes a long paste."""
    code = value.strip().upper()
    return code if len(code) == CODE_LENGTH and all(c in ALPHABET for c in code) else None


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def new_token() -> str:
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    """What a store keeps of a token: a leaked store (or a Redis dump) moves no room."""
    return hashlib.sha256(token.encode()).hexdigest()


def same_hash(stored: str, token: str | None) -> bool:
    return token is not None and hmac.compare_digest(stored, token_hash(token))


_MEMBER = re.compile(r"[0-9a-f]{16}")
_PAGE = re.compile(r"(app|pages/\w{1,40})\.py")


def check_view(page: str, params: dict[str, str]) -> dict[str, Any]:
    """A view as a store keeps it: the page's script and its link's parameters, bounded."""
    if not _PAGE.fullmatch(page):
        raise ValueError(f"{page[:40]!r} is not a page of this app.")
    view = {"page": page, "params": {str(k): str(v) for k, v in params.items()}}
    if len(json.dumps(view)) > MAX_VIEW_CHARS:
        raise ValueError(f"This view's link is longer than the {MAX_VIEW_CHARS:,} characters a room passes on.")
    return view


def check_question(question: dict[str, Any] | None) -> str | None:
    """The question as JSON (None clears it), bounded and with a string id."""
    if question is None:
        return None
    if not isinstance(question.get("id"), str):
        raise ValueError("A question needs a text id.")
    text = json.dumps(question)
    if len(text) > MAX_QUESTION_CHARS:
        raise ValueError(f"A question is at most {MAX_QUESTION_CHARS:,} characters of JSON.")
    return text


def check_member(member: str) -> None:
    """A student's anonymous id, as this app makes them (``new_member``); anything else is refused."""
    if not _MEMBER.fullmatch(member):
        raise ValueError("That is not a member id of this app.")


def new_member() -> str:
    return secrets.token_hex(8)


def check_answer(text: str) -> None:
    if len(text) > MAX_ANSWER_CHARS:
        raise ValueError(f"An answer is at most {MAX_ANSWER_CHARS} characters.")


NOT_OPEN = "Room {code} is not open: it may have closed (rooms close an hour after the teacher leaves); check the code on the screen."
NOT_TEACHER = "Only the teacher's browser can change room {code}."
CLOSED_QUESTION = "That question is closed."
REVEALED_QUESTION = "The answer to that question is out, so it takes no more answers."
FULL_QUESTION = "This question already has answers from {n} students, the most a room takes."


@dataclass
class RoomState:
    """One room, as a page run reads it: ``version`` moves on every change (view or question),
    ``view_version`` only when the teacher's view does."""

    code: str
    version: int
    view_version: int
    view: dict[str, Any] | None
    question: dict[str, Any] | None
    students: int
    following: int


class RoomStore(Protocol):
    """What the app needs of a store; ``MemoryStore`` (one process) and ``RedisStore`` (replicas) keep it."""

    def open(self) -> tuple[str, str]: ...  # (code, token)
    def state(self, code: str) -> RoomState | None: ...  # None: no such room (or it closed)
    def is_teacher(self, code: str, token: str | None) -> bool: ...  # and: the teacher is here now
    def publish(self, code: str, token: str, page: str, params: dict[str, str]) -> int: ...
    def seen(self, code: str, member: str, following: bool | None) -> None: ...
    def listen(self, listener: Listener) -> None: ...
    def ask(self, code: str, token: str, question: dict[str, Any] | None) -> None: ...
    def asked(self, code: str) -> dict[str, Any] | None: ...
    def answer(self, code: str, member: str, question_id: str, text: str) -> None: ...
    def answers(self, code: str, token: str, question_id: str) -> dict[str, str]: ...


@dataclass
class _Room:
    token_hash: str
    teacher_seen: float
    version: int = 0
    view_version: int = 0
    view: dict[str, Any] | None = None
    question: str | None = None  # JSON
    members: dict[str, tuple[float, bool]] = field(default_factory=dict)  # member -> (last seen, following)
    answers: dict[str, str] = field(default_factory=dict)  # member -> text, for the current question


class MemoryStore:
    """Rooms in this process: fast, no service to run; a restart closes every room."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_rooms: int = MAX_ROOMS) -> None:
        self._clock = clock
        self._max_rooms = max_rooms
        self._rooms: dict[str, _Room] = {}
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []

    def listen(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _changed(self, code: str, room: _Room) -> None:
        room.version += 1
        for listener in self._listeners:
            listener(code, room.version)

    def _expire(self) -> None:
        now = self._clock()
        for code in [c for c, r in self._rooms.items() if now - r.teacher_seen > TEACHER_GONE_S]:
            del self._rooms[code]

    def _room(self, code: str) -> _Room:
        room = self._rooms.get(code)
        if room is None or self._clock() - room.teacher_seen > TEACHER_GONE_S:
            raise LookupError(NOT_OPEN.format(code=code))
        return room

    def _teachers(self, code: str, token: str) -> _Room:
        room = self._room(code)
        if not same_hash(room.token_hash, token):
            raise PermissionError(NOT_TEACHER.format(code=code))
        room.teacher_seen = self._clock()
        return room

    def open(self) -> tuple[str, str]:
        with self._lock:
            self._expire()
            if len(self._rooms) >= self._max_rooms:
                raise RoomError(f"This server already has {self._max_rooms:,} open rooms; try again in an hour.")
            code = new_code()
            while code in self._rooms:
                code = new_code()
            token = new_token()
            self._rooms[code] = _Room(token_hash(token), self._clock())
            return code, token

    def state(self, code: str) -> RoomState | None:
        with self._lock:
            try:
                room = self._room(code)
            except LookupError:
                return None
            now = self._clock()
            here = [following for seen, following in room.members.values() if now - seen <= PRESENT_S]
            return RoomState(
                code,
                room.version,
                room.view_version,
                room.view,
                json.loads(room.question) if room.question else None,
                len(here),
                sum(here),
            )

    def is_teacher(self, code: str, token: str | None) -> bool:
        with self._lock:
            try:
                return token is not None and self._teachers(code, token) is not None
            except (LookupError, PermissionError):
                return False

    def publish(self, code: str, token: str, page: str, params: dict[str, str]) -> int:
        view = check_view(page, params)
        with self._lock:
            room = self._teachers(code, token)
            if view != room.view:
                room.view = view
                room.view_version += 1
                self._changed(code, room)
            return room.view_version

    def seen(self, code: str, member: str, following: bool | None) -> None:
        """A student is here (following or not; None: as they were)."""
        check_member(member)
        with self._lock:
            room = self._room(code)
            if member not in room.members and len(room.members) >= MAX_MEMBERS:
                oldest = min(room.members, key=lambda m: room.members[m][0])
                del room.members[oldest]  # the longest gone makes way
            was = room.members.get(member, (0.0, True))[1]
            room.members[member] = (self._clock(), was if following is None else following)

    def ask(self, code: str, token: str, question: dict[str, Any] | None) -> None:
        text = check_question(question)
        with self._lock:
            room = self._teachers(code, token)
            old = json.loads(room.question)["id"] if room.question else None
            if question is None or question["id"] != old:
                room.answers = {}  # a new question starts with no answers; a reveal keeps them
            room.question = text
            self._changed(code, room)

    def asked(self, code: str) -> dict[str, Any] | None:
        state = self.state(code)
        return state.question if state else None

    def answer(self, code: str, member: str, question_id: str, text: str) -> None:
        check_answer(text)
        check_member(member)
        with self._lock:
            room = self._room(code)
            current = json.loads(room.question) if room.question else None
            if current is None or current["id"] != question_id:
                raise ValueError(CLOSED_QUESTION)
            if current.get("revealed"):
                raise ValueError(REVEALED_QUESTION)
            if member not in room.answers and len(room.answers) >= MAX_MEMBERS:
                raise ValueError(FULL_QUESTION.format(n=MAX_MEMBERS))
            room.answers[member] = text

    def answers(self, code: str, token: str, question_id: str) -> dict[str, str]:
        with self._lock:
            room = self._teachers(code, token)
            current = json.loads(room.question)["id"] if room.question else None
            return dict(room.answers) if current == question_id else {}
