"""Streamlit sessions without a browser, for the load tests and benchmarks/bench_load.py: each is a real
session over the app's websocket that asks for page runs as the browser does (as
../shared/tools/load_sessions.py does) and records what each run sent back."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection, connect


@dataclass
class Run:
    """What one page run sent to its browser: texts by element type, the URL it settled on, its time."""

    seconds: float = 0.0
    texts: dict[str, list[str]] = field(default_factory=dict)
    query: str = ""

    def all(self, kind: str) -> str:
        return "\n".join(self.texts.get(kind, []))


async def page_run(ws: ClientConnection, page: str, query: str) -> Run:
    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.page_name = page
    run = Run()
    start = time.perf_counter()
    await ws.send(msg.SerializeToString())
    while True:
        fm = ForwardMsg()
        fm.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=180))
        kind = fm.WhichOneof("type")
        if kind == "script_finished":
            run.seconds = time.perf_counter() - start
            return run
        if kind == "page_info_changed":
            run.query = fm.page_info_changed.query_string
        if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
            element = fm.delta.new_element
            name = element.WhichOneof("type")
            body = {"heading": "body", "metric": "body", "alert": "body", "exception": "message"}.get(name or "")
            if name and body:
                run.texts.setdefault(name, []).append(getattr(getattr(element, name), body))


async def session(base: str, visits: list[tuple[str, str]]) -> list[Run]:
    async with connect(
        base.replace("http", "ws") + "/_stcore/stream", subprotocols=["streamlit"], max_size=2**28, open_timeout=120
    ) as ws:
        return [await page_run(ws, page, query) for page, query in visits]


def gather(base: str, plans: list[list[tuple[str, str]]]) -> list[list[Run]]:
    async def everyone() -> list[list[Run]]:
        return list(await asyncio.gather(*(session(base, plan) for plan in plans)))

    return asyncio.run(everyone())
