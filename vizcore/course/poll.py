"""A class's answers to one question: who answered is dropped, what they answered is read (a number or a
shape), grouped by what it means (``1,728``, ``1728`` and ``1.728e3`` are one answer), counted, and each
wrong group labelled with the mistake that produces it, when a variant of the rule does."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass

from .answers import AnswerError, Number, parse_answer
from .quiz import Question, diagnose, shown

UNREADABLE = "(not a number or shape)"


@dataclass(frozen=True)
class Group:
    """Answers that mean the same, as one bar of the distribution."""

    answer: str  # as the class sees it: 1,728 or 1×64×56×56; UNREADABLE for text that is neither
    count: int
    correct: bool
    mistake: str  # the mistake that gives it, "" when right or when none of the rule's variants does


def _meaning(question: Question, text: str) -> tuple[str, bool, str]:
    """How one answer is shown and judged: (shown as, right, mistake)."""
    try:
        given = parse_answer(text, question.kind)
    except AnswerError:
        return UNREADABLE, False, ""
    verdict = diagnose(question, given)
    if verdict.correct:
        return shown(question.answer), True, ""
    match = next((m for m in question.mistakes if m.mistake == verdict.mistake), None)
    if match is not None:
        return shown(match.answer), False, match.mistake
    if isinstance(given, Number):
        exact = given.step == 1 and given.value.denominator == 1
        return (f"{int(given.value):,}" if exact else " ".join(text.split())[:30]), False, ""
    return "×".join(map(str, given)), False, ""


def tally(question: Question, answers: Mapping[str, str]) -> list[Group]:
    """Every member's last answer, grouped by meaning; most given first, then in reading order (never the
    right one first: the projector shows the order before the reveal)."""
    counts: dict[tuple[str, bool, str], int] = {}
    for text in answers.values():
        key = _meaning(question, text)
        counts[key] = counts.get(key, 0) + 1
    groups = [Group(answer, count, correct, mistake) for (answer, correct, mistake), count in counts.items()]
    return sorted(groups, key=lambda g: (-g.count, g.answer == UNREADABLE, g.answer))


def _cell(text: str) -> str:
    """A value a spreadsheet shows as text, never runs as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def answers_csv(question: Question, answers: Mapping[str, str]) -> str:
    """The answers without who gave them, sorted: what was typed, how it reads, right or not, the mistake."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["question", "answer", "read as", "right", "mistake"])
    for text in sorted(answers.values()):
        read, correct, mistake = _meaning(question, text)
        writer.writerow([_cell(question.question), _cell(text), read, "yes" if correct else "no", mistake])
    return out.getvalue()
