"""The room stores (in-process and Redis) keep the same rules: only the token moves a room, codes and
answers are bounded, rooms close an hour after the teacher leaves, changes reach listeners."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from tests.support.redis_server import redis_server
from webapp.classroom.redis_store import RedisStore
from webapp.classroom.store import (
    ALPHABET,
    MAX_MEMBERS,
    TEACHER_GONE_S,
    MemoryStore,
    RoomError,
    RoomStore,
    RoomsUnavailable,
    check_code,
    new_member,
)


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> RoomStore:
    if request.param == "memory":
        return MemoryStore()
    return RedisStore(request.getfixturevalue("redis_url"))


def test_codes_are_short_readable_and_hostile_text_is_no_code() -> None:
    assert check_code(" abc234 ") == "ABC234"
    for hostile in ("x" * 10_000, "**BOLD**", "<img src=x onerror=alert(1)>", "ABC10O", "ABCDE", "", "[a](b)"):
        assert check_code(hostile) is None
    code, _ = MemoryStore().open()
    assert len(code) == 6 and set(code) <= set(ALPHABET)


def test_only_the_token_moves_the_room(store: RoomStore) -> None:
    code, token = store.open()
    assert store.publish(code, token, "pages/layer_graph.py", {"model": "vgg16", "depth": "2"}) == 1
    for forged in ("", token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 10_000):
        with pytest.raises(PermissionError, match=f"Only the teacher's browser can change room {code}"):
            store.publish(code, forged, "app.py", {"model": "alexnet"})
        assert not store.is_teacher(code, forged)
    other_code, other_token = store.open()
    with pytest.raises(PermissionError):  # a second teacher's token is no key to the first room
        store.publish(code, other_token, "app.py", {})
    state = store.state(code)
    assert state is not None and state.view == {"page": "pages/layer_graph.py", "params": {"model": "vgg16", "depth": "2"}}
    assert state.view_version == 1 and state.version == 1
    assert store.publish(code, token, "pages/layer_graph.py", {"model": "vgg16", "depth": "2"}) == 1  # no change
    assert store.is_teacher(code, token) and not store.is_teacher(other_code, token)


def test_unknown_rooms_and_views_that_are_no_page(store: RoomStore) -> None:
    assert store.state("ZZZZZZ") is None
    with pytest.raises(LookupError, match="Room ZZZZZZ is not open"):
        store.seen("ZZZZZZ", new_member(), True)
    code, token = store.open()
    for page in ("../../etc/passwd", "pages/x.py; rm", "https://evil.example/app.py"):
        with pytest.raises(ValueError, match="is not a page of this app"):
            store.publish(code, token, page, {})
    with pytest.raises(ValueError, match="20,000 characters"):
        store.publish(code, token, "app.py", {"spec": "x" * 25_000})
    with pytest.raises(ValueError, match="not a member id"):
        store.seen(code, "<b>me</b>", True)


def test_counts_students_here_and_following(store: RoomStore) -> None:
    code, _ = store.open()
    a, b, c = new_member(), new_member(), new_member()
    store.seen(code, a, True)
    store.seen(code, b, True)
    store.seen(code, c, False)
    store.seen(code, b, False)  # b broke away
    store.seen(code, a, None)  # a's stream says a is still here, as a was
    state = store.state(code)
    assert state is not None and (state.students, state.following) == (3, 1)


def test_questions_and_answers(store: RoomStore) -> None:
    code, token = store.open()
    assert store.asked(code) is None
    store.ask(code, token, {"id": "q1", "text": "How many MACs?"})
    assert store.asked(code) == {"id": "q1", "text": "How many MACs?"}
    a, b = new_member(), new_member()
    store.answer(code, a, "q1", "724M")
    store.answer(code, b, "q1", "61M")
    store.answer(code, a, "q1", "714M")  # the last counts
    assert store.answers(code, token, "q1") == {a: "714M", b: "61M"}
    with pytest.raises(PermissionError):
        store.answers(code, "forged", "q1")
    with pytest.raises(PermissionError):
        store.ask(code, "forged", None)
    with pytest.raises(ValueError, match="200 characters"):
        store.answer(code, a, "q1", "x" * 201)
    store.ask(code, token, {"id": "q1", "text": "How many MACs?", "revealed": True})
    assert store.answers(code, token, "q1") == {a: "714M", b: "61M"}  # a reveal keeps the answers
    with pytest.raises(ValueError, match=r"^The answer to that question is out, so it takes no more answers\.$"):
        store.answer(code, new_member(), "q1", "724M")  # a late answer: refused, whoever sends it
    with pytest.raises(ValueError, match="takes no more answers"):
        store.answer(code, b, "q1", "724M")  # nor a change of mind
    assert store.answers(code, token, "q1") == {a: "714M", b: "61M"}
    store.ask(code, token, {"id": "q2", "text": "Params?"})
    with pytest.raises(ValueError, match="That question is closed"):
        store.answer(code, a, "q1", "late")
    assert store.answers(code, token, "q2") == {} and store.answers(code, token, "q1") == {}
    store.ask(code, token, None)
    assert store.asked(code) is None
    with pytest.raises(LookupError):
        store.ask("ZZZZZZ", token, None)
    with pytest.raises(ValueError, match="text id"):
        store.ask(code, token, {"text": "no id"})


def test_at_most_500_answers_a_question(store: RoomStore) -> None:
    code, token = store.open()
    store.ask(code, token, {"id": "q"})
    members = [f"{i:016x}" for i in range(MAX_MEMBERS)]
    for member in members:
        store.answer(code, member, "q", "yes")
    with pytest.raises(ValueError, match="500 students"):
        store.answer(code, new_member(), "q", "yes")
    store.answer(code, members[0], "q", "no")  # one who answered may still change it
    assert len(store.answers(code, token, "q")) == MAX_MEMBERS


def test_changes_reach_listeners(store: RoomStore) -> None:
    heard: list[tuple[str, int]] = []
    got = threading.Event()

    def listener(code: str, version: int) -> None:
        heard.append((code, version))
        got.set()

    store.listen(listener)
    time.sleep(0.2)  # Redis: the relay subscribes
    code, token = store.open()
    store.publish(code, token, "app.py", {"model": "resnet18"})
    assert got.wait(5)
    store.ask(code, token, {"id": "q"})
    deadline = time.monotonic() + 5
    while (code, 2) not in heard and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [v for c, v in heard if c == code] == [1, 2]


def test_a_room_closes_an_hour_after_its_teacher_left_and_rooms_are_bounded() -> None:
    now = [0.0]
    store = MemoryStore(clock=lambda: now[0], max_rooms=2)
    code, token = store.open()
    now[0] = TEACHER_GONE_S - 1
    assert store.is_teacher(code, token)  # the teacher came back: another hour
    now[0] = 2 * TEACHER_GONE_S - 2
    assert store.state(code) is not None
    store.open()
    with pytest.raises(RoomError, match="already has 2 open rooms"):
        store.open()
    now[0] = 2 * TEACHER_GONE_S
    assert store.state(code) is None
    store.open()  # the closed rooms made way


def test_redis_going_away_says_so_and_the_room_comes_back() -> None:
    import redis

    with redis_server() as url:
        store = RedisStore(url)
        code, token = store.open()
        redis.Redis.from_url(url).execute_command("CLIENT", "PAUSE", 2500, "ALL")  # Redis stops answering
        with pytest.raises(RoomsUnavailable, match="does not answer, so the room is paused"):
            store.state(code)
        with pytest.raises(RoomsUnavailable):
            store.publish(code, token, "app.py", {})
        time.sleep(2.6)
        assert store.publish(code, token, "app.py", {"model": "vgg11"}) == 1


def test_redis_going_away_is_one_sentence_on_the_asking_panels() -> None:
    """The panels catch LookupError: the bridge's board turns Redis not answering into one."""
    import redis

    from webapp.classroom.asking_bridge import RoomBoard

    with redis_server() as url:
        store = RedisStore(url)
        code, token = store.open()
        store.ask(code, token, {"id": "q"})
        board = RoomBoard(store)
        redis.Redis.from_url(url).execute_command("CLIENT", "PAUSE", 2500, "ALL")
        with pytest.raises(LookupError, match="does not answer, so the room is paused"):
            board.asked(code)
        with pytest.raises(LookupError, match="does not answer"):
            board.answer(code, new_member(), "q", "1")
        time.sleep(2.6)
        assert board.asked(code) == {"id": "q"}
