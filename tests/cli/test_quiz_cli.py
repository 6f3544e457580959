"""``python -m vizcore quiz``: asked in a terminal, or printed as JSON for a course's grader."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import vizcore
from vizcore.cli_quiz import ask
from vizcore.course import quiz

ROOT = Path(__file__).resolve().parents[2]


def test_json_is_the_quiz_with_the_engines_numbers(cli) -> None:
    done = cli("quiz", "alexnet", "--seed", "5", "--count", "6", "--format", "json")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    expected = [q.to_dict() for q in quiz.quiz(vizcore.analyze("alexnet", device="cpu"), 5, 6)]
    assert printed == expected
    for q in printed:
        assert {"question", "kind", "layer", "answer", "working", "mistakes"} <= q.keys()
        assert all(set(m) == {"answer", "mistake"} for m in q["mistakes"])
        assert isinstance(q["answer"], list if q["kind"] == "shape" else (int, list))


def test_asks_checks_and_names_the_mistake() -> None:
    a = vizcore.analyze("vgg16", device="cpu")
    q = quiz.layer_question(a, a.layer("features.0"), "params", "1-1")
    out = io.StringIO()
    score = ask([q, q, q], io.StringIO("1,728\n**x**\n1792\n"), out)
    text = out.getvalue()
    assert "1,728 is what you get if you forgot the bias (one per output channel); the answer is 1,792." in text
    assert "'**x**' is not a number" in text
    assert "Right: 1,792." in text
    assert text.count("= 3×3×3×64 + 64 = 1,792") == 3  # the working after every question
    assert score.strip() == "1 of 3 right (seed 1)."


def test_terminal_session(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "vizcore", "quiz", "lenet5", "--seed", "2", "--count", "2"],
        input="12\n\n",
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("Question ") == 2 and "of 2 right (seed 2)." in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["lenet5", "--seed", "abc"], "seed 'abc' is not a whole number from 0 to 2,147,483,647"),
        (["lenet5", "--count", "0"], "--count '0' must be a whole number of 1 or more"),
        (["lenet5", "--count", "101"], "a quiz has 1 to 100 questions, not 101."),
        (["no_such_net"], "unknown model 'no_such_net'"),
        (["lenet5", "--input", "1x3x2x2"], "lenet5"),
    ],
)
def test_bad_input_is_one_line(cli, args: list[str], message: str) -> None:
    done = cli("quiz", *args)
    assert done.returncode != 0
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
