"""Ask the class in a room (AppTest, the real app and the in-process MemoryStore these sessions share): the
teacher asks about the model on screen, two students answer on their own pages (one following, one on
their own), the projector counts them, the reveal names the mistake, and a late answer gets one sentence."""

from __future__ import annotations

import itertools

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.driver import run, said
from tests.app.test_rooms import teacher
from vizcore.course import quiz
from webapp.classroom import shared_store
from webapp.classroom.store import REVEALED_QUESTION


def send(at: AppTest, question_id: str, text: str) -> AppTest:
    at.text_input(key=f"asking_box_{question_id}").set_value(text)
    return next(b for b in at.button if b.label == "Send").click().run()


def test_a_room_is_asked_answers_and_sees_the_reveal() -> None:
    store = shared_store()
    code, token = store.open()
    desk = teacher(code, token, model="vgg16")
    assert not desk.exception and "No question asked yet." in [c.value for c in desk.caption]
    ann, bob = run("app.py", room=code), run("app.py", room=code)
    bob.button(key="room_stop").click().run()  # on their own: still asked
    assert bob.session_state["_room_following"] is False
    for student in (ann, bob):  # no question: nothing of it on a student's page
        assert not [t for t in student.text_input if str(t.key).startswith("asking_box_")]

    desk.selectbox(key="asking_kind").set_value("params").run()
    desk.button(key="asking_generate").click().run()
    asked = store.asked(code)
    assert asked is not None and asked["kind"] == "params"
    question = quiz.Question.from_dict(asked)
    assert question.answer == vgg16_params(question.layer)  # the model on the teacher's screen
    bias = next(m for m in question.mistakes if m.mistake.startswith("forgot the bias"))

    ann.run()  # (in a browser, the room's push reruns the page)
    bob.run()
    assert said(ann.subheader[0].value) == said(bob.subheader[0].value) == question.question
    send(ann, question.id, quiz.shown(question.answer))
    send(bob, question.id, quiz.shown(bias.answer))
    assert (
        said(bob.success[0].value)
        == f"Your answer is in: {quiz.shown(bias.answer)}. You can change it until the reveal."
    )

    desk.run()
    assert desk.metric[0].value == "2"
    bars = [sorted(said(c.value).split(" · ")) for c in desk.caption]  # the bars, in words
    assert sorted([f"{quiz.shown(question.answer)}: 1", f"{quiz.shown(bias.answer)}: 1"]) in bars
    desk.button(key="asking_reveal").click().run()
    assert said(desk.success[0].value) == f"The answer: {quiz.shown(question.answer)} parameters"
    assert question.working.rstrip("\n") in [c.value for c in desk.code]
    assert f"1 student answered {quiz.shown(bias.answer)}: {bias.mistake}." in [said(m.value) for m in desk.markdown]

    cid = run("app.py", room=code)  # joins late
    with pytest.raises(ValueError, match="no more answers"):
        store.answer(code, cid.session_state["_room_member"], question.id, quiz.shown(question.answer))
    ann.text_input(key=f"asking_box_{question.id}").set_value("1")  # ann's box, still on screen from before
    next(b for b in ann.button if b.label == "Send").click().run()
    assert REVEALED_QUESTION in [said(e.value) for e in ann.error]
    assert store.answers(code, token, question.id)[ann.session_state["_room_member"]] == quiz.shown(question.answer)
    assert not [t for t in ann.text_input if str(t.key).startswith("asking_box_")]
    assert said(bob.run().warning[0].value).startswith(f"You answered {quiz.shown(bias.answer)}. Not quite:")


def vgg16_params(layer: str) -> int:
    """VGG-16's parameters per layer, from its paper's configuration D (3x3 convolutions, three FC layers)."""
    channels = [3, 64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512]
    convs = itertools.pairwise(channels)
    features = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28]  # torchvision's indices of the convolutions
    table = {f"features.{i}": 9 * cin * cout + cout for i, (cin, cout) in zip(features, convs, strict=True)}
    table |= {
        "classifier.0": 25088 * 4096 + 4096,
        "classifier.3": 4096 * 4096 + 4096,
        "classifier.6": 4096 * 1000 + 1000,
    }
    return table[layer]
