"""Rooms in Redis, for replicas (deploy/replicas.sh): a teacher on one replica, students on another.

Layout (every key expires with the room, an hour after the teacher's last call):
- ``vizcore:room:<CODE>``: a hash: ``token`` (sha256 of the teacher's token), ``version`` (any change),
  ``view_version``, ``view`` (JSON: {"page", "params"}), ``question`` (JSON, "" for none).
- ``vizcore:room:<CODE>:members``: a hash: member id -> "<unix time last seen> <1 following | 0>".
- ``vizcore:room:<CODE>:answers``: a hash: member id -> answer text, for the current question only
  (emptied when the teacher asks a question with another id; a reveal keeps them).
- ``vizcore:rooms``: a sorted set: code -> when it closes (unix time), to count and bound open rooms.
- channel ``vizcore:room-changes``: "<CODE> <version>" on every change, which every replica's event
  streams fan out to their students.
If Redis stops answering, every call raises ``RoomsUnavailable`` with one sentence: the pages keep
working on their own and the room resumes when Redis is back (its state is Redis's, not a replica's).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import redis

from webapp.classroom.store import (
    CLOSED_QUESTION,
    FULL_QUESTION,
    MAX_MEMBERS,
    MAX_ROOMS,
    NOT_OPEN,
    NOT_TEACHER,
    PRESENT_S,
    REVEALED_QUESTION,
    TEACHER_GONE_S,
    Listener,
    RoomError,
    RoomState,
    RoomsUnavailable,
    check_answer,
    check_member,
    check_question,
    check_view,
    new_code,
    new_token,
    same_hash,
    token_hash,
)

CHANNEL = "vizcore:room-changes"


class RedisStore:
    def __init__(self, url: str, max_rooms: int = MAX_ROOMS) -> None:
        self._url = url
        self._redis = redis.Redis.from_url(url, decode_responses=True, socket_timeout=1, socket_connect_timeout=1)
        self._max_rooms = max_rooms
        self._listeners: list[Listener] = []
        self._thread: threading.Thread | None = None

    @contextmanager
    def _reach(self) -> Iterator[None]:
        try:
            yield
        except redis.RedisError as exc:
            raise RoomsUnavailable(
                "The rooms' shared store (Redis) does not answer, so the room is paused: this page works on its "
                "own, and following resumes when Redis is back."
            ) from exc

    def _keep(self, code: str, pipe: Any) -> None:
        """The teacher is here: the room and its keys live another hour."""
        for key in (f"vizcore:room:{code}", f"vizcore:room:{code}:members", f"vizcore:room:{code}:answers"):
            pipe.expire(key, TEACHER_GONE_S)
        pipe.zadd("vizcore:rooms", {code: time.time() + TEACHER_GONE_S})

    def _teachers(self, code: str, token: str) -> dict[str, str]:
        room = cast(dict[str, str], self._redis.hgetall(f"vizcore:room:{code}"))
        if not room:
            raise LookupError(NOT_OPEN.format(code=code))
        if not same_hash(room["token"], token):
            raise PermissionError(NOT_TEACHER.format(code=code))
        pipe = self._redis.pipeline()
        self._keep(code, pipe)
        pipe.execute()
        return room

    def _changed(self, code: str, pipe: Any) -> int:
        pipe.hincrby(f"vizcore:room:{code}", "version", 1)
        version = int(pipe.execute()[-1])
        self._redis.publish(CHANNEL, f"{code} {version}")
        return version

    def open(self) -> tuple[str, str]:
        with self._reach():
            self._redis.zremrangebyscore("vizcore:rooms", "-inf", time.time())
            if self._redis.zcard("vizcore:rooms") >= self._max_rooms:
                raise RoomError(f"This server already has {self._max_rooms:,} open rooms; try again in an hour.")
            token = new_token()
            while True:
                code = new_code()
                created = self._redis.hsetnx(f"vizcore:room:{code}", "token", token_hash(token))
                if created:
                    break
            pipe = self._redis.pipeline()
            pipe.hset(f"vizcore:room:{code}", mapping={"version": 0, "view_version": 0, "view": "", "question": ""})
            self._keep(code, pipe)
            pipe.execute()
            return code, token

    def state(self, code: str) -> RoomState | None:
        with self._reach():
            pipe = self._redis.pipeline()
            pipe.hgetall(f"vizcore:room:{code}")
            pipe.hvals(f"vizcore:room:{code}:members")
            room, members = pipe.execute()
        if not room or "version" not in room:
            return None
        now = time.time()
        here = [m.split()[1] == "1" for m in members if now - float(m.split()[0]) <= PRESENT_S]
        return RoomState(
            code,
            int(room["version"]),
            int(room["view_version"]),
            json.loads(room["view"]) if room["view"] else None,
            json.loads(room["question"]) if room["question"] else None,
            len(here),
            sum(here),
        )

    def is_teacher(self, code: str, token: str | None) -> bool:
        if token is None:
            return False
        with self._reach():
            try:
                self._teachers(code, token)
            except (LookupError, PermissionError):
                return False
        return True

    def publish(self, code: str, token: str, page: str, params: dict[str, str]) -> int:
        view = check_view(page, params)
        with self._reach():
            room = self._teachers(code, token)
            if room["view"] and json.loads(room["view"]) == view:
                return int(room["view_version"])
            pipe = self._redis.pipeline()
            pipe.hset(f"vizcore:room:{code}", "view", json.dumps(view))
            pipe.hincrby(f"vizcore:room:{code}", "view_version", 1)
            self._changed(code, pipe)
            return int(room["view_version"]) + 1

    def seen(self, code: str, member: str, following: bool | None) -> None:
        check_member(member)
        key = f"vizcore:room:{code}:members"
        with self._reach():
            if not self._redis.exists(f"vizcore:room:{code}"):
                raise LookupError(NOT_OPEN.format(code=code))
            was = self._redis.hget(key, member)
            if was is None and self._redis.hlen(key) >= MAX_MEMBERS:
                everyone = self._redis.hgetall(key)
                self._redis.hdel(key, min(everyone, key=lambda m: float(everyone[m].split()[0])))
            if following is None:
                following = was is None or was.split()[1] == "1"
            self._redis.hset(key, member, f"{time.time():.1f} {int(following)}")
            self._redis.expire(key, TEACHER_GONE_S)

    def ask(self, code: str, token: str, question: dict[str, Any] | None) -> None:
        text = check_question(question)
        with self._reach():
            room = self._teachers(code, token)
            old = json.loads(room["question"])["id"] if room["question"] else None
            pipe = self._redis.pipeline()
            if question is None or question["id"] != old:
                pipe.delete(f"vizcore:room:{code}:answers")
            pipe.hset(f"vizcore:room:{code}", "question", text or "")
            self._changed(code, pipe)

    def asked(self, code: str) -> dict[str, Any] | None:
        state = self.state(code)
        return state.question if state else None

    def answer(self, code: str, member: str, question_id: str, text: str) -> None:
        check_answer(text)
        check_member(member)
        key = f"vizcore:room:{code}:answers"
        with self._reach():
            current = self._redis.hget(f"vizcore:room:{code}", "question")
            if current is None:
                raise LookupError(NOT_OPEN.format(code=code))
            asked = json.loads(current) if current else None
            if asked is None or asked["id"] != question_id:
                raise ValueError(CLOSED_QUESTION)
            if asked.get("revealed"):
                raise ValueError(REVEALED_QUESTION)
            if not self._redis.hexists(key, member) and self._redis.hlen(key) >= MAX_MEMBERS:
                raise ValueError(FULL_QUESTION.format(n=MAX_MEMBERS))
            self._redis.hset(key, member, text)
            self._redis.expire(key, TEACHER_GONE_S)

    def answers(self, code: str, token: str, question_id: str) -> dict[str, str]:
        with self._reach():
            room = self._teachers(code, token)
            current = json.loads(room["question"])["id"] if room["question"] else None
            if current != question_id:
                return {}
            return cast(dict[str, str], self._redis.hgetall(f"vizcore:room:{code}:answers"))

    def listen(self, listener: Listener) -> None:
        """Call ``listener`` on every room change, from any replica (a thread reads Redis's channel)."""
        self._listeners.append(listener)
        if self._thread is None:
            self._thread = threading.Thread(target=self._relay, name="room-changes", daemon=True)
            self._thread.start()

    def _relay(self) -> None:
        while True:  # Redis going away only pauses the relay: it subscribes again when Redis is back
            try:
                pubsub = self._redis.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
                pubsub.subscribe(CHANNEL)
                while True:
                    message = pubsub.get_message(timeout=5)
                    if message:
                        code, _, version = str(message["data"]).partition(" ")
                        for listener in self._listeners:
                            listener(code, int(version))
            except (redis.RedisError, ValueError):
                time.sleep(1)
