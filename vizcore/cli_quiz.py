"""``python -m vizcore quiz MODEL --seed N --count K``: questions from a model's exact numbers, asked in the
terminal (each answer checked, its mistake named, the working shown), or as JSON for a course's own grader."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from .api import analyze
from .course import quiz
from .course.answers import AnswerError
from .errors import VizcoreError
from .shapes import parse_shape

TRIES = 3  # unreadable answers in a row before the question is shown answered


def _seed(text: str) -> int:
    try:
        return quiz.check_seed(text)
    except VizcoreError as exc:
        raise argparse.ArgumentTypeError(str(exc).rstrip(".")) from exc


def add_parser(sub: Any, count: Any) -> None:
    """``quiz``'s options on the CLI's subparsers; ``count`` is the CLI's whole-number type."""
    cmd = sub.add_parser("quiz", help="questions from a model's exact numbers, each wrong answer's mistake named")
    cmd.add_argument("model", help="a zoo name, e.g. alexnet (see `models`), or an .onnx file")
    cmd.add_argument("--seed", type=_seed, default=1, help="the same seed gives the same questions (default 1)")
    cmd.add_argument("--count", type=count, default=5, help=f"how many questions, up to {quiz.MAX_COUNT} (default 5)")
    cmd.add_argument("--kind", action="append", choices=quiz.KINDS, help="only these kinds (repeat to add more)")
    cmd.add_argument("--format", choices=["text", "json"], default="text", help="ask here, or print the questions")
    cmd.add_argument("--input", metavar="SHAPE", help="CxHxW or NxCxHxW, e.g. 3x224x224 (default: the model's own)")


def run(args: argparse.Namespace) -> str:
    if args.count > quiz.MAX_COUNT:
        raise quiz.QuizError(f"a quiz has 1 to {quiz.MAX_COUNT} questions, not {args.count}.")
    shape = parse_shape(args.input) if args.input else None
    questions = quiz.quiz(analyze(args.model, shape, "cpu"), args.seed, args.count, args.kind or quiz.KINDS)
    if not questions:
        raise quiz.QuizError(f"{args.model} has no layer with a figure to ask about.")
    if args.format == "json":
        return json.dumps([q.to_dict() for q in questions], indent=2, ensure_ascii=False)
    return ask(questions, sys.stdin, sys.stdout)


def ask(questions: list[quiz.Question], answers: TextIO, out: TextIO) -> str:
    """Ask each question, read one line per answer, say right or the mistake, show the working."""
    right = 0
    for number, q in enumerate(questions, 1):
        out.write(f"\nQuestion {number} of {len(questions)} ({q.kind}): {q.question}\n")
        verdict = None
        for _ in range(TRIES):
            out.write("> ")
            out.flush()
            line = answers.readline()
            if not line.strip():  # an empty line skips, the end of input stops
                break
            try:
                verdict = quiz.check(q, line.strip())
                break
            except AnswerError as exc:
                out.write(f"{exc}\n")
        if verdict is None:
            out.write(f"The answer is {quiz.shown(q.answer)}.\n")
        else:
            right += verdict.correct
            out.write(verdict.sentence + "\n")
        out.write(q.working)
        if not line:
            break
    return f"\n{right} of {len(questions)} right (seed {questions[0].id.split('-')[0]})."
