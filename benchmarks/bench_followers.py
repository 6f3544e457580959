"""How long until the last of N followers has the teacher's view: one server (``streamlit run serve.py``),
a teacher's session (with the teacher's cookie, as ``/room/new`` gives it) and N students' sessions over
the app's websocket, each with the room's event stream open (what the page's listener component does in
a browser: on an event it asks its session for a run, and the run takes the teacher's view).

For each move (the teacher's link to a page and a model), it prints the seconds from the teacher's
request: to the end of the teacher's own run (the move is published where its page writes its link, so
before that end), to the push reaching the first and the last follower, and to the followers' runs
having drawn the teacher's view (median, p95, last). The runs share one process's GIL: 60 of them end
together, about 60 page runs after the push.
Target: within 1 s at p95 for 60 followers. Measured with the machine's other load: say so.

Run from the repository root: ``.venv/bin/python -m benchmarks.bench_followers [--followers 60]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import parse_qsl, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from websockets.asyncio.client import ClientConnection, connect  # noqa: E402

from tests.support.browser import streamlit_server  # noqa: E402

# (page, link) the teacher moves to, in turn: pages and models the class has not opened yet
MOVES = [
    ("cost_charts", "model=vgg11&input=3x224x224&group=type"),
    ("", "model=resnet18&input=3x224x224&depth=1"),
    ("cost_charts", "model=mobilenet_v2&input=3x224x224"),
    ("", "model=alexnet&input=3x224x224&depth=all"),
    ("cost_charts", "model=resnet18&input=3x224x224&scale=log"),
]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def open_room(base: str) -> tuple[str, str]:
    """``/room/new`` as the teacher's browser opens it: the code (in the redirect) and the cookie."""
    try:
        urllib.request.build_opener(NoRedirect).open(f"{base}/room/new")
    except HTTPError as answer:
        location = answer.headers["Location"]
        cookie = answer.headers["Set-Cookie"].split(";")[0]
        return dict(parse_qsl(urlsplit(location).query))["room"], cookie
    raise RuntimeError("/room/new did not redirect")


async def run_until(ws: ClientConnection, page: str, query: str) -> str:
    """Ask for a page run and read until a run finishes (after any move to another page); its link."""
    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.page_name = page
    await ws.send(msg.SerializeToString())
    link = query
    while True:
        fm = ForwardMsg()
        fm.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=300))
        kind = fm.WhichOneof("type")
        if kind == "page_info_changed":
            link = fm.page_info_changed.query_string
        elif kind == "script_finished" and fm.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
            return link


async def events(base: str, code: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = urlsplit(base).hostname or "", urlsplit(base).port or 80
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET /room/events?code={code}&member={os.urandom(8).hex()} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    await writer.drain()
    return reader, writer  # (a writer no one holds closes its connection)


async def next_event(reader: asyncio.StreamReader) -> int:
    while True:
        line = (await reader.readline()).decode()
        if line.startswith("data: "):
            return int(line[6:])


@dataclass
class Follower:
    times: list[float] = field(default_factory=list)  # per move: when its run with the view finished
    pushed: list[float] = field(default_factory=list)  # per move: when the move's event reached it


async def follower(base: str, code: str, me: Follower, go: asyncio.Event, ready: asyncio.Barrier) -> None:
    socket = base.replace("http", "ws") + "/_stcore/stream"
    async with connect(socket, subprotocols=["streamlit"], max_size=2**28, open_timeout=300) as ws:
        await run_until(ws, "", f"room={code}")
        reader, _writer = await events(base, code)
        await next_event(reader)
        await ready.wait()
        here = ""  # the page this student is on: their run moves them to the teacher's
        for page, link in MOVES:
            model = dict(parse_qsl(link))["model"]
            while True:  # until the event of this move arrives and the run it asks for shows the view
                await next_event(reader)
                if len(me.pushed) == len(me.times):
                    me.pushed.append(time.perf_counter())
                if f"model={model}" in await run_until(ws, here, f"room={code}"):
                    me.times.append(time.perf_counter())
                    here = page
                    break
            await go.wait()


async def lecture(base: str, followers: int) -> list[tuple[str, float, float, float, list[float]]]:
    code, cookie = open_room(base)
    socket = base.replace("http", "ws") + "/_stcore/stream"
    headers = {"Cookie": cookie}
    async with connect(socket, subprotocols=["streamlit"], max_size=2**28, additional_headers=headers) as teacher:
        await run_until(teacher, "", f"model=squeezenet1_0&room={code}")
        everyone = [Follower() for _ in range(followers)]
        ready = asyncio.Barrier(followers + 1)
        go = asyncio.Event()
        tasks = [asyncio.create_task(follower(base, code, f, go, ready)) for f in everyone]
        await ready.wait()
        await asyncio.sleep(1)
        results = []
        print(f"room {code}: {followers} followers in", file=sys.stderr)
        for i, (page, link) in enumerate(MOVES):
            go.clear()
            start = time.perf_counter()
            async with connect(socket, subprotocols=["streamlit"], max_size=2**28, additional_headers=headers) as typed:
                await run_until(typed, page, f"{link}&room={code}")  # the teacher types the move's link
            published = time.perf_counter()
            print(f"move {i} published after {published - start:.2f} s", file=sys.stderr)
            while sum(len(f.times) > i for f in everyone) < followers:
                await asyncio.sleep(0.005)
            arrived = [f.times[i] - start for f in everyone]
            pushed = [f.pushed[i] - start for f in everyone]
            results.append((f"{page or 'overview'}?{link}", published - start, min(pushed), max(pushed), arrived))
            go.set()
            await asyncio.sleep(2)
        await asyncio.gather(*tasks)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=60)
    args = parser.parse_args()
    with streamlit_server(timeout=180) as base:
        time.sleep(20)  # the server's warm-up (serve.py) done, as in a lecture
        results = asyncio.run(lecture(base, args.followers))
    print(f"{args.followers} followers, push (event stream), load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("seconds from the teacher's request: the event's first and last arrival, the followers' views drawn")
    print(f"{'move':52} {'teacher run':>11} {'pushed':>13} {'median':>7} {'p95':>7} {'last':>7}")
    for move, teacher_s, first, last, arrived in results:
        p95 = statistics.quantiles(arrived, n=20)[-1] if len(arrived) > 1 else arrived[0]
        print(
            f"{move[:52]:52} {teacher_s:11.2f} {first:6.2f}-{last:<6.2f} {statistics.median(arrived):7.2f} {p95:7.2f}"
            f" {max(arrived):7.2f}"
        )


if __name__ == "__main__":
    main()
