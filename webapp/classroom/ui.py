"""The room on screen: opening and joining (the ``room`` URL parameter, the teacher's cookie), the
projector's join code, QR code and counts, the student's Follow / Rejoin bar, and the listener that
reruns a student's page when the room changes (pushed by the server's event stream, events.py)."""

from __future__ import annotations

import functools
import io
from urllib.parse import urlencode, urlsplit

import segno
import streamlit as st

from webapp.classroom import RoomContext, room_context, shared_store
from webapp.classroom.follow import OVERVIEW, current_page, take_view
from webapp.classroom.store import (
    NOT_OPEN,
    ROOM_LIFETIME_TEXT,
    RoomState,
    RoomsUnavailable,
    check_code,
    new_member,
)
from webapp.url_state import escaped, quoted, valid_params

TEACHER_COOKIE = "vizcore_teacher"  # "<CODE>.<token>", HttpOnly: set by events.open_room, read here
MEMBER_COOKIE = "vizcore_member"  # the browser's anonymous id, HttpOnly: set by the event stream

# Holds the page's EventSource across reruns (one per browser tab) and reruns the page when the room's
# version passes the one this run drew; data.go instead sends the tab to a URL (opening a room).
LISTENER_JS = """
export default function (component) {
  const { data, setTriggerValue } = component;
  if (data.go) { window.location.assign(data.go); return; }
  const hub = (window.__vizcoreRoom = window.__vizcoreRoom || {});
  hub.data = data; hub.trigger = setTriggerValue; clearTimeout(hub.closing);
  const url = "/room/events?" + new URLSearchParams({ code: data.code, member: data.member });
  if (hub.url !== url) {
    if (hub.source) hub.source.close();
    hub.url = url; hub.source = new EventSource(url);
    hub.source.onmessage = (event) => {
      const version = Number(event.data);
      if (version > hub.data.version && version !== hub.asked) { hub.asked = version; hub.trigger("changed", version); }
    };
  }
  return () => { hub.closing = setTimeout(() => { if (hub.source) hub.source.close(); hub.url = null; }, 3000); };
}
"""
_listener = st.components.v2.component("vizcore_room_listener", js=LISTENER_JS)


def _cookie(name: str) -> str:
    raw = st.context.cookies.get(name)
    return raw if isinstance(raw, str) else ""  # (no browser, as in AppTest: no cookies)


def _cookie_teacher() -> tuple[str, str] | None:
    code, _, token = _cookie(TEACHER_COOKIE).partition(".")
    return (code, token) if check_code(code) and token else None


def _member() -> str:
    raw = _cookie(MEMBER_COOKIE)
    return raw if len(raw) == 16 and all(c in "0123456789abcdef" for c in raw) else new_member()


def url_path(page: str) -> str:
    """The address of a page's script: ``pages/tour.py`` -> ``tour``; the main page ``""``."""
    return "" if page in ("app.py", OVERVIEW) else page.removeprefix("pages/").removesuffix(".py")


def _join(code: str, token: str | None) -> None:
    session = st.session_state
    session.update(
        _room=code,
        _room_member=session.get("_room_member") or _member(),
        _room_following=token is None,
        _room_applied=-1,
        _room_view=None,
    )
    session.pop("_room_token", None)
    if token is not None:
        session["_room_token"] = token


def leave() -> None:
    session = st.session_state
    session["_room_left"] = session.get("_room")
    for key in [k for k in session if str(k).startswith("_room") and k != "_room_left"]:
        del session[key]
    st.query_params.pop("room", None)


def enter() -> RoomContext | None:
    """Where this run stands: join the room the URL names, keep this session's room, or, in the
    teacher's browser, go back to the teacher's room; show the room's controls. At the top of a page,
    before any widget: a following student's page may move here."""
    store, session = shared_store(), st.session_state
    raw = st.query_params.get("room")
    if raw is not None and raw.strip().lower() == "new":
        _open_new()
    if raw is not None:
        code = check_code(raw) if len(raw) <= 40 else None
        if code is None:
            st.warning(
                escaped(
                    f"?room={quoted(raw)} is not a room code: a code is 6 letters and digits, as on the teacher's screen."
                )
            )
            st.query_params.pop("room", None)
        elif code != session.get("_room"):
            teacher = _cookie_teacher()
            _join(code, teacher[1] if teacher and teacher[0] == code else None)
    if not session.get("_room"):
        teacher = _cookie_teacher()  # a link typed in the teacher's browser: still the teacher
        if teacher is None or teacher[0] == session.get("_room_left"):
            return None
        _join(*teacher)
    code = session["_room"]
    try:
        state = store.state(code)
        if state is not None and session.get("_room_token") and not store.is_teacher(code, session["_room_token"]):
            session.pop("_room_token")  # another room took this browser's cookie, or a forged one
            session["_room_following"] = True
    except RoomsUnavailable as exc:
        st.warning(str(exc))
        return None
    if state is None:
        st.warning(NOT_OPEN.format(code=code))
        leave()
        return None
    ctx = room_context()
    assert ctx is not None
    if ctx.role == "student":
        try:
            store.seen(code, ctx.member, bool(session.get("_room_following")))
        except (LookupError, RoomsUnavailable) as exc:  # closed, or Redis gone, since the line above
            st.warning(str(exc))
            return None
        take_view(state)
        _student_bar(ctx, state)
    else:
        _projector(ctx, state)
    return ctx


def _open_new() -> None:
    """``?room=new``: the server opens the room and gives this browser the teacher's cookie
    (events.open_room), then comes back to this page, in the room."""
    target = open_room_link()
    st.info("Opening a room…")
    st.link_button("Open the room", target)
    _listener(key="room_go", data={"go": target}, height=0)
    st.stop()


def open_room_link() -> str:
    """The sidebar's way to open a room from the view on screen."""
    params = valid_params({k: v for k, v in st.query_params.items() if k != "room"})
    return "/room/new?" + urlencode({"page": url_path(current_page()), **params})


@functools.lru_cache(maxsize=64)
def qr_png(link: str) -> bytes:
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=6, border=2)
    return out.getvalue()


def join_link(code: str) -> str:
    base = urlsplit(st.context.url or "")
    origin = f"{base.scheme}://{base.netloc}" if base.netloc else ""
    return f"{origin}/?room={code}"


def _projector(ctx: RoomContext, state: RoomState) -> None:
    """What the class reads off the screen: the code, a QR code of the join link, who is here."""
    link = join_link(ctx.code)
    with st.expander(f"Room {ctx.code}", expanded=True):
        left, right = st.columns([1, 4])
        left.image(qr_png(link), width=240)  # read from the back of a hall
        with right:
            st.markdown(f"## Room {ctx.code}\nJoin at `{link}`")
            _counts(ctx.code, ctx.token or "")
            st.caption(ROOM_LIFETIME_TEXT + " Only this browser moves the room.")


@st.fragment(run_every=1)
def _counts(code: str, token: str) -> None:
    store = shared_store()
    try:
        alive = store.is_teacher(code, token)  # and: the teacher is here, so the room stays open
        state = store.state(code)
    except RoomsUnavailable as exc:
        st.warning(str(exc))
        return
    if not alive or state is None:
        st.warning(NOT_OPEN.format(code=code))
        return
    st.markdown(f"**{state.students}** in the room · **{state.following}** following")


def _student_bar(ctx: RoomContext, state: RoomState) -> None:
    following = bool(st.session_state.get("_room_following"))
    with st.container(horizontal=True, vertical_alignment="center", key="room_bar"):
        if following:
            st.caption(f"Room {ctx.code}: following the teacher.")
            st.button("Stop following", on_click=_stop, key="room_stop")
        else:
            st.caption(f"Room {ctx.code}: you left the teacher's view.")
            st.button("Rejoin", on_click=_rejoin, key="room_rejoin", type="primary")
    _listener(
        key="room_listener",
        data={"code": ctx.code, "member": ctx.member, "version": state.version},
        height=0,
        on_changed_change=lambda: None,
    )


def _stop() -> None:
    st.session_state["_room_following"] = False


def _rejoin() -> None:
    st.session_state["_room_following"] = True
    st.session_state["_room_applied"] = -1


def sidebar() -> None:
    """The sidebar's room control: open one, or the room this page is in and a way out."""
    ctx = room_context()
    if ctx is None:
        st.link_button(
            "Open a room",
            open_room_link(),
            icon=":material/co_present:",
            help="Teach with this view: the class joins by a code and follows your moves.",
        )
        return
    role = "you teach it" if ctx.role == "teacher" else "you are a student"
    st.caption(f"Room {ctx.code}: {role}.")
    st.button("Leave the room", on_click=leave, key="room_leave")
