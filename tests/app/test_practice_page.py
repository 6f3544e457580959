"""Practice (AppTest): the seed's questions in order, each answer checked, its mistake named, the working
shown; a bad seed or a hostile answer is one sentence and the practice goes on."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

import vizcore
from tests.app.driver import run as run_page
from tests.app.driver import said
from tests.app.test_upload import SHAPE, model_of
from tests.support.onnx_files import export
from tests.support.toys import tiny_classifier
from vizcore.course import quiz

run = partial(run_page, "pages/practice.py")


def _questions(model: str, seed: int) -> list[quiz.Question]:
    return quiz.quiz(vizcore.analyze(model, device="cpu"), seed, 20)


def test_homework_by_link_checks_names_the_mistake_and_moves_on() -> None:
    expected = _questions("alexnet", 4)
    at = run(model="alexnet", seed="4")
    assert not at.exception and not at.error
    assert said(at.subheader[0].value) == expected[0].question
    assert at.query_params["seed"] == "4"
    first = expected[0]
    wrong = first.mistakes[0]
    at.text_input(key="practice_answer").set_value(quiz.shown(wrong.answer))
    at.button[0].click().run()  # Check
    assert said(at.warning[0].value).startswith(
        f"Not quite: {quiz.shown(wrong.answer)} is what you get if you {wrong.mistake}"
    )
    assert at.code[0].value == first.working.rstrip("\n")
    next_button = next(b for b in at.button if b.label == "Next question")
    next_button.click().run()
    assert said(at.subheader[0].value) == expected[1].question
    at.text_input(key="practice_answer").set_value(quiz.shown(expected[1].answer))
    at.button[0].click().run()
    assert said(at.success[0].value) == f"Right: {quiz.shown(expected[1].answer)}."
    assert "1 of 2 right so far" in at.caption[0].value


def test_hostile_answer_and_bad_seed_are_one_sentence() -> None:
    at = run(model="lenet5", seed="<b>1</b>")
    assert not at.exception
    assert said(at.warning[0].value).startswith("?seed: seed '<b>1</b>' is not a whole number from 0 to 2,147,483,647")
    assert at.number_input(key="practice_seed").value == 1
    first = _questions("lenet5", 1)[0]
    assert said(at.subheader[0].value) == first.question
    at.text_input(key="practice_answer").set_value("**1** <script>" if first.kind != "shape" else "1x2x3x4x5x6x7x8x9")
    at.button[0].click().run()
    assert not at.exception
    assert len(at.error) == 1 and "\n" not in at.error[0].value
    at.number_input(key="practice_seed").set_value(9).run()
    assert at.query_params["seed"] == "9"
    assert said(at.subheader[0].value) == _questions("lenet5", 9)[0].question


def test_practice_on_an_uploaded_onnx_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIZCORE_UPLOAD_DIR", str(tmp_path / "uploads"))
    data = export(tiny_classifier(8), tmp_path / "tiny.onnx", dynamo=False, shape=SHAPE).read_bytes()
    at = run_page("app.py")
    at.file_uploader(key="onnx_file").set_value(("my_net.onnx", data, "application/octet-stream"))
    at.run().switch_page("pages/practice.py").run()
    assert not at.exception and not at.error
    expected = quiz.quiz(vizcore.analyze(tmp_path / "tiny.onnx"), 1, 20)
    assert said(at.subheader[0].value) == expected[0].question
    assert at.query_params["model"] == model_of(data) and at.query_params["seed"] == "1"
