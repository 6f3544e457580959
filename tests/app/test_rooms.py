"""Rooms in the app (AppTest, with the in-process store these sessions share): a student joins by the
code and lands on the teacher's view, breaks away on a change, rejoins; the teacher's page publishes and
shows the join code; a student's move never moves the room; hostile and unknown codes are one sentence."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.driver import has_link, run, said
from tests.conftest import ROOT
from webapp.classroom import shared_store
from webapp.classroom.store import new_member


def teacher(code: str, token: str, **params: str) -> AppTest:
    """The teacher's session: as the teacher's cookie leaves it (the token server-side, never in the URL)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    for key, value in {**params, "room": code}.items():
        at.query_params[key] = value
    at.session_state["_room"] = code
    at.session_state["_room_token"] = token
    at.session_state["_room_member"] = new_member()
    return at.run()


def texts(at: AppTest) -> list[str]:
    return [said(e.value) for e in (*at.warning, *at.caption, *at.markdown, *at.info)]


def test_a_student_follows_breaks_away_and_rejoins_and_never_moves_the_room() -> None:
    store = shared_store()
    code, token = store.open()
    store.publish(code, token, "pages/cost_charts.py", {"model": "vgg11", "input": "3x224x224", "group": "type"})
    student = run("app.py", room=code.lower())  # typed in any case
    assert not student.exception
    assert dict(student.query_params) == {
        "model": "vgg11",
        "input": "3x224x224",
        "group": "type",
        "scale": "linear",
        "room": code,
    }
    assert f"Room {code}: following the teacher." in texts(student)
    assert [b.label for b in student.button][:1] == ["Stop following"]

    student.selectbox(key="model").set_value("resnet18").run()  # a change: the student is on their own
    assert student.session_state["_room_following"] is False
    assert student.query_params["model"] == "resnet18"
    state = store.state(code)
    assert state is not None and state.view == {
        "page": "pages/cost_charts.py",
        "params": {"model": "vgg11", "input": "3x224x224", "group": "type"},
    }  # the room did not move
    assert state.view_version == 1 and (state.students, state.following) == (1, 0)

    store.publish(code, token, "pages/overview.py", {"model": "googlenet", "input": "3x224x224", "depth": "1"})
    student.run()  # the teacher moved: a student on their own stays where they are
    assert student.query_params["model"] == "resnet18"
    student.button(key="room_rejoin").click().run()
    assert student.session_state["_room_following"] is True
    assert student.query_params["model"] == "googlenet" and student.query_params["depth"] == "1"
    assert student.selectbox(key="overview_depth").value == "1"


def test_the_teacher_publishes_and_the_projector_shows_the_code() -> None:
    store = shared_store()
    code, token = store.open()
    at = teacher(code, token, model="resnet18", depth="1")
    assert not at.exception
    state = store.state(code)
    assert state is not None and state.view is not None
    assert state.view["page"] == "pages/overview.py" and state.view["params"]["model"] == "resnet18"
    assert "room" not in state.view["params"] and "present" not in state.view["params"]
    assert any(e.label == f"Room {code}" for e in at.expander)
    assert any(f"Room {code}" in t and f"/?room={code}" in t for t in texts(at))
    assert "0 in the room · 0 following" in " ".join(texts(at)).replace("*", "")
    assert token not in str(at.query_params) and all(token not in t for t in texts(at))
    at.selectbox(key="overview_depth").set_value("2").run()  # the teacher's move is the room's
    state = store.state(code)
    assert state is not None and state.view is not None and state.view["params"]["depth"] == "2"


def test_a_forged_teacher_is_a_student() -> None:
    store = shared_store()
    code, token = store.open()
    store.publish(code, token, "pages/overview.py", {"model": "alexnet", "input": "3x224x224"})
    at = teacher(code, token[::-1])  # a token that is not the room's
    assert not at.exception and at.session_state["_room_following"] is True
    assert not any(e.label == f"Room {code}" for e in at.expander)
    at.selectbox(key="model").set_value("vgg16").run()
    state = store.state(code)
    assert state is not None and state.view is not None and state.view["params"]["model"] == "alexnet"


def test_hostile_and_unknown_codes_are_one_sentence_each() -> None:
    for hostile in ("A" * 10_000, "**[click](https://evil.example)**", "<script>alert(1)</script>"):
        at = run("app.py", room=hostile)
        assert not at.exception
        warned = [said(w.value) for w in at.warning]
        assert len(warned) == 1 and "is not a room code: a code is 6 letters and digits" in warned[0]
        assert not any(has_link(w.value) for w in at.warning) and len(warned[0]) < 200
        assert "room" not in at.query_params and at.title[0].value == "alexnet"
    at = run("app.py", room="ZZZZZZ")
    assert [said(w.value) for w in at.warning] == [
        "Room ZZZZZZ is not open: it may have closed (rooms close an hour after the teacher leaves); check the code on the screen."
    ]
    assert "room" not in at.query_params and at.title[0].value == "alexnet"


def test_the_open_a_room_link_carries_only_checked_values() -> None:
    """A hostile value the page does not read stays out of the sidebar's "Open a room" link (url_fuzz)."""
    hostile = "[click](https://probe.example/b)"
    at = run("pages/tour.py", table=hostile, models=f"{hostile},vgg11", model="vgg16")
    links = [b.proto.url for b in at.get("link_button")]
    assert links and all("probe" not in link for link in links)
    assert any("page=tour" in link and "model=vgg16" in link for link in links)
