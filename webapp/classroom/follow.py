"""Following: a student's page takes the teacher's view (a view is a link: page + URL parameters, the
ones ``url_state.sync_url`` writes), and a student who changes anything breaks away.

Called from two places: ``take_view`` at the top of every page (before a widget exists), and
``after_sync`` where a page writes its link (``url_state.sync_url``): the teacher publishes it; a
follower's link is noted the first time it is drawn after taking the teacher's view, and a follower
whose link then changes has changed something, and stops following.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from webapp.classroom import room_context
from webapp.classroom.store import RoomError, RoomState

OVERVIEW = "pages/overview.py"  # the default page (app.py only routes)
PERSONAL = ("present", "room")  # in the link, but each student's own: never published, never followed
KEPT = ("present", "_present", "_upload_names")  # what taking a view keeps of a student's session


def current_page() -> str:
    """This run's page as its script's path from the app's folder: ``pages/overview.py``, ``pages/tour.py``."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return OVERVIEW
    info = ctx.pages_manager.get_pages().get(ctx.page_script_hash)
    if not info:
        return OVERVIEW
    path = Path(info["script_path"])
    root = Path(ctx.main_script_path).parent
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def _view(page: str, params: dict[str, str]) -> dict[str, Any]:
    return {"page": page, "params": {k: v for k, v in params.items() if k not in PERSONAL}}


def take_view(state: RoomState) -> None:
    """A following student's page at the top of a run: if the teacher has moved since this page last
    took a view, open the teacher's link here as if typed (this session's choices dropped, its
    presentation mode kept). Does not return when it moves the page."""
    session = st.session_state
    if not session.get("_room_following") or state.view is None:
        return
    if state.view_version <= session.get("_room_applied", -1):
        return
    session["_room_applied"] = state.view_version
    session["_room_view"] = None  # this page's own link, once drawn, is what a change is measured from
    for key in [k for k in session if not str(k).startswith("_room") and k not in KEPT]:
        del session[key]
    st.switch_page(state.view["page"], query_params={**state.view["params"], "room": state.code})


def after_sync(params: dict[str, str]) -> dict[str, str]:
    """The link a page is about to write, with the room in it; the teacher's is published, a follower
    whose link is not the teacher's has broken away."""
    ctx = room_context()
    if ctx is None:
        return params
    session = st.session_state
    view = _view(current_page(), params)
    broke_away = False
    try:
        if ctx.token is not None:
            if view != session.get("_room_view"):
                ctx.store.publish(ctx.code, ctx.token, view["page"], view["params"])
                session["_room_view"] = view
        elif session.get("_room_following") and session.get("_room_applied", -1) >= 0:
            # the link this page drew for the teacher's view (its defaults filled in), then any change of it
            if session.get("_room_view") is None:
                session["_room_view"] = view
            elif view != session["_room_view"]:
                session["_room_following"] = False
                ctx.store.seen(ctx.code, ctx.member, False)
                broke_away = True
    except (LookupError, PermissionError, RoomError, ValueError) as exc:
        st.warning(str(exc))
    linked = {**params, "room": ctx.code}
    if broke_away:  # the bar at the top still says "following": draw the page again, with Rejoin
        st.query_params.from_dict(linked)
        st.rerun()
    return linked
