"""Ask the class (AppTest): a teacher asks about the model on screen, students answer (right, with known
mistakes, with nonsense), the count and the distribution update, the reveal shows the working and names
each mistake, the answers come as CSV; a student sees only the reveal after it."""

from __future__ import annotations

from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.driver import said
from tests.support.answer_board import BOARD
from vizcore.course import quiz


def teacher_app(code: str, token: str, model: str) -> None:
    import vizcore
    from tests.support.answer_board import BOARD
    from webapp.asking import teacher_panel

    teacher_panel(BOARD, code, token, vizcore.analyze(model, device="cpu"))


def student_app(code: str, member: str) -> None:
    from tests.support.answer_board import BOARD
    from webapp.asking import student_panel

    student_panel(BOARD, code, member)


def teacher(code: str, token: str = "secret", model: str = "vgg16") -> AppTest:
    return AppTest.from_function(teacher_app, args=(code, token, model), default_timeout=120).run()


def student(code: str, member: str) -> AppTest:
    return AppTest.from_function(student_app, args=(code, member), default_timeout=60).run()


def send(at: AppTest, text: str) -> AppTest:
    at.text_input[0].set_value(text)
    return at.button[0].click().run()


def test_ask_answer_reveal(tmp_path: Any) -> None:
    BOARD.open("ROOM1", "secret")
    desk = teacher("ROOM1")
    assert not desk.exception and desk.caption[0].value == "No question asked yet."
    assert student("ROOM1", "ann").info[0].value == "No question yet: it appears here when your teacher asks."
    desk.selectbox(key="asking_kind").set_value("params").run()
    desk.button(key="asking_generate").click().run()
    asked = BOARD.asked("ROOM1")
    assert asked is not None and asked["kind"] == "params"
    question = quiz.Question.from_dict(asked)
    bias = next(m for m in question.mistakes if m.mistake.startswith("forgot the bias"))
    ann, bob, cid, dan = (student("ROOM1", m) for m in ("ann", "bob", "cid", "dan"))
    assert said(ann.subheader[0].value) == question.question
    send(ann, "7")  # changed below: the last answer counts
    send(ann, quiz.shown(question.answer))
    assert said(ann.success[0].value).startswith("Your answer is in:")
    send(bob, quiz.shown(bias.answer))
    send(cid, "12")
    send(dan, "<script>alert(1)</script>")
    assert "is not a number" in said(dan.error[0].value) and not dan.success
    send(dan, "9" * 300)  # the box holds 200 characters; the board refuses more
    desk.run()
    assert desk.metric[0].value == "3"
    bars = said(desk.caption[0].value).split(" · ")
    assert sorted(bars) == sorted([f"{quiz.shown(question.answer)}: 1", f"{quiz.shown(bias.answer)}: 1", "12: 1"])
    desk.button(key="asking_reveal").click().run()
    assert said(desk.success[0].value) == f"The answer: {quiz.shown(question.answer)} parameters"
    assert desk.code[0].value == question.working.rstrip("\n")
    lines = [said(m.value) for m in desk.markdown]
    assert f"1 student answered {quiz.shown(bias.answer)}: {bias.mistake}." in lines
    assert "1 student answered 12: no mistake we know gives it." in lines
    csv_text = BOARD.answers("ROOM1", "secret", question.id)
    assert sorted(csv_text.values()) == sorted([quiz.shown(question.answer), quiz.shown(bias.answer), "12"])
    bob.run()
    assert not bob.text_input and said(bob.success[0].value).startswith("The answer:")
    assert said(bob.warning[0].value).startswith(f"You answered {quiz.shown(bias.answer)}. Not quite:")
    with pytest.raises(ValueError, match="closed"):
        BOARD.answer("ROOM1", "bob", question.id, "1")


def test_own_question_and_a_wrong_token() -> None:
    BOARD.open("ROOM2", "secret")
    desk = teacher("ROOM2")
    desk.text_input(key="asking_text").set_value("How many layers of AlexNet have weights?")
    desk.text_input(key="asking_answer").set_value("about eight")
    desk.button(key="asking_own").click().run()
    assert "'about eight' is not a number" in said(desk.error[0].value)
    desk.text_input(key="asking_answer").set_value("8").run()
    desk.button(key="asking_own").click().run()
    assert BOARD.asked("ROOM2")["answer"] == 8  # type: ignore[index]
    intruder = teacher("ROOM2", token="guess")
    assert not intruder.exception and said(intruder.error[0].value) == "only the room's teacher can do that."
    intruder.button(key="asking_generate").click().run()
    assert not intruder.exception
    assert [said(e.value) for e in intruder.error] == ["only the room's teacher can do that."] * 2
    assert BOARD.asked("ROOM2")["kind"] == "own"  # type: ignore[index]


def test_a_chosen_layer_and_a_layer_without_the_figure() -> None:
    BOARD.open("ROOM3", "secret")
    desk = teacher("ROOM3", model="resnet18")
    desk.selectbox(key="asking_layer").set_value("layer1.0.conv1").run()
    desk.button(key="asking_generate").click().run()
    asked = BOARD.asked("ROOM3")
    assert asked is not None and asked["layer"] == "layer1.0.conv1" and asked["kind"] == "shape"
    assert asked["answer"] == [1, 64, 56, 56]
    desk.selectbox(key="asking_kind").set_value("params").run()
    desk.selectbox(key="asking_layer").set_value("relu").run()
    desk.button(key="asking_generate").click().run()
    assert said(desk.error[0].value) == "relu has no params to ask about; pick another kind or layer."
    assert BOARD.asked("ROOM3")["layer"] == "layer1.0.conv1"  # type: ignore[index]


def test_a_room_that_is_gone_is_one_sentence() -> None:
    at = student("NOPE", "ann")
    assert not at.exception and said(at.error[0].value) == "no room 'NOPE'."


def test_a_teacher_on_a_room_that_is_gone() -> None:
    desk = teacher("GONE")
    assert not desk.exception and said(desk.error[0].value) == "no room 'GONE'."
