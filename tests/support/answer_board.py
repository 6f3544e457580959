"""A small in-memory ``webapp.asking.AnswerBoard`` for tests: the rules the rooms' store keeps (the teacher's
token checked, one answer per member, the last counts, none after the reveal, none past 200 characters),
without rooms."""

from __future__ import annotations

import copy
from typing import Any


class MemoryBoard:
    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}
        self.questions: dict[str, dict[str, Any] | None] = {}
        self.given: dict[tuple[str, str], dict[str, str]] = {}

    def open(self, code: str, token: str) -> None:
        self.tokens[code] = token
        self.questions[code] = None

    def _teacher(self, code: str, token: str) -> None:
        if code not in self.tokens:
            raise LookupError(f"no room {code!r}.")
        if token != self.tokens[code]:
            raise PermissionError("only the room's teacher can do that.")

    def ask(self, code: str, token: str, question: dict[str, Any] | None) -> None:
        self._teacher(code, token)
        self.questions[code] = copy.deepcopy(question)

    def asked(self, code: str) -> dict[str, Any] | None:
        if code not in self.questions:
            raise LookupError(f"no room {code!r}.")
        return copy.deepcopy(self.questions[code])

    def answer(self, code: str, member: str, question_id: str, text: str) -> None:
        current = self.asked(code)
        if len(text) > 200:
            raise ValueError("an answer is at most 200 characters.")
        if current is None or current.get("id") != question_id or current.get("revealed"):
            raise ValueError("that question is closed.")
        self.given.setdefault((code, question_id), {})[member] = text

    def answers(self, code: str, token: str, question_id: str) -> dict[str, str]:
        self._teacher(code, token)
        return dict(self.given.get((code, question_id), {}))


BOARD = MemoryBoard()  # shared by the teacher's and the students' AppTests of one test
