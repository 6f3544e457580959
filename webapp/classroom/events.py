"""The room's two HTTP doors, mounted on the app's server (serve.py's ``st.App``):

- ``GET /room/new``: opens a room, gives this browser the teacher's token as an HttpOnly cookie (never
  in a URL or a page), and sends it back to the page it came from, now in the room.
- ``GET /room/events?code=&member=``: a student's page listens here (Server-Sent Events): one line
  per change of the room (its version), pushed the moment the teacher moves or asks. It reads only:
  no request here moves a room.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections import defaultdict
from collections.abc import AsyncIterator
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from webapp.classroom import shared_store
from webapp.classroom.store import (
    MAX_MEMBERS,
    TEACHER_GONE_S,
    RoomError,
    check_code,
    check_member,
    new_member,
)

KEEPALIVE_S = 10  # a comment line this often keeps proxies from closing the stream and the student "here"
MAX_STREAMS = 4000  # per process: each is a socket and a queue
_PATH = re.compile(r"[a-z_]{0,40}")


class Hub:
    """Fans the store's change notices (from any thread, or Redis) out to the open streams of that room."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.streams: dict[str, set[asyncio.Queue[int]]] = defaultdict(set)
        shared_store().listen(self.notify)

    def notify(self, code: str, version: int) -> None:
        if self.loop is not None and code in self.streams:
            self.loop.call_soon_threadsafe(self._fan_out, code, version)

    def _fan_out(self, code: str, version: int) -> None:
        for queue in self.streams.get(code, ()):
            if queue.full():  # a stalled reader needs only the newest version
                queue.get_nowait()
            queue.put_nowait(version)

    def count(self) -> int:
        return sum(map(len, self.streams.values()))


@functools.cache
def hub() -> Hub:
    return Hub()


async def open_room(request: Request) -> Response:
    page = request.query_params.get("page", "")
    if not _PATH.fullmatch(page):
        page = ""
    params = {k: v[:20_000] for k, v in request.query_params.items() if k not in ("page", "room")}
    try:
        code, token = await asyncio.to_thread(shared_store().open)
    except RoomError as exc:
        return PlainTextResponse(str(exc), status_code=503)
    response = RedirectResponse(f"/{page}?" + urlencode({**params, "room": code}), status_code=303)
    response.set_cookie(
        "vizcore_teacher", f"{code}.{token}", max_age=TEACHER_GONE_S * 24, httponly=True, samesite="lax"
    )
    return response


async def room_events(request: Request) -> Response:
    store = shared_store()
    code = check_code(request.query_params.get("code", "")[:40])
    member = request.query_params.get("member", "")
    try:
        check_member(member)
    except ValueError:
        member = new_member()
    if code is None:
        return PlainTextResponse("That is not a room code.", status_code=400)
    state = await asyncio.to_thread(store.state, code)
    if state is None:
        return PlainTextResponse(f"Room {code} is not open.", status_code=404)
    room_hub = hub()
    room_hub.loop = asyncio.get_running_loop()
    if room_hub.count() >= MAX_STREAMS or len(room_hub.streams[code]) >= MAX_MEMBERS * 2:
        return PlainTextResponse("This server is listening to as many pages as it can.", status_code=503)

    async def lines() -> AsyncIterator[str]:
        queue: asyncio.Queue[int] = asyncio.Queue(maxsize=1)
        room_hub.streams[code].add(queue)
        try:
            yield f"data: {state.version}\n\n"  # a page drawn before a change it missed catches up now
            while True:
                try:
                    version = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
                except TimeoutError:
                    try:
                        await asyncio.to_thread(store.seen, code, member, None)
                    except LookupError:
                        return  # the room closed
                    yield ": still here\n\n"
                else:
                    yield f"data: {version}\n\n"
        except RoomError:
            return
        finally:
            room_hub.streams[code].discard(queue)
            if not room_hub.streams[code]:
                del room_hub.streams[code]

    response = StreamingResponse(
        lines(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )
    if request.cookies.get("vizcore_member") != member:
        response.set_cookie("vizcore_member", member, max_age=86_400 * 30, httponly=True, samesite="lax")
    return response


ROUTES = [Route("/room/new", open_room), Route("/room/events", room_events)]
