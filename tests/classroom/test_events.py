"""The room's HTTP doors (webapp/classroom/events.py), called as the server calls them: opening a room
puts the token in an HttpOnly cookie only, never in the redirect; the event stream reads and refuses bad
codes with one sentence; a change reaches an open stream at once."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import StreamingResponse

from webapp.classroom import shared_store
from webapp.classroom.events import open_room, room_events


def request(path: str, query: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": path, "query_string": query.encode(), "headers": []})


def test_opening_a_room_gives_the_token_to_the_cookie_only() -> None:
    answer = asyncio.run(open_room(request("/room/new", "page=cost_charts&model=vgg11&room=new")))
    location = answer.headers["location"]
    cookie = answer.headers["set-cookie"]
    code, token = cookie.split(";")[0].removeprefix("vizcore_teacher=").split(".")
    assert answer.status_code == 303 and location == f"/cost_charts?model=vgg11&room={code}"
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and token not in location
    assert shared_store().is_teacher(code, token)
    # a page that is no page of ours (an open redirect) goes to the main page
    answer = asyncio.run(open_room(request("/room/new", "page=//evil.example/x")))
    assert answer.headers["location"].startswith("/?room=")


def test_the_event_stream_refuses_bad_codes_and_pushes_changes() -> None:
    for query, status, sentence in (
        ("code=" + "A" * 10_000, 400, "That is not a room code."),
        ("code=<b>x</b>", 400, "That is not a room code."),
        ("code=ZZZZZZ", 404, "Room ZZZZZZ is not open."),
    ):
        answer = asyncio.run(room_events(request("/room/events", query)))
        assert (answer.status_code, bytes(answer.body).decode()) == (status, sentence)
    store = shared_store()
    code, token = store.open()

    async def listen() -> list[str]:
        answer = await room_events(request("/room/events", f"code={code}&member=0123456789abcdef"))
        assert isinstance(answer, StreamingResponse)
        lines = answer.body_iterator.__aiter__()
        first = await anext(lines)
        await asyncio.to_thread(store.publish, code, token, "app.py", {"model": "vgg16"})
        second = await asyncio.wait_for(anext(lines), 2)
        return [str(first), str(second)]

    assert asyncio.run(listen()) == ["data: 0\n\n", "data: 1\n\n"]
