"""The URL as state: read (checked and parsed) once per page, remembered across page switches, written back.

Every URL parameter a page reads is parsed by ``check_url`` in the page setup, by its entry in ``CHECKS``,
which returns the value a page uses (or None, or raises a VizcoreError, for one it cannot use); pages read
that parsed value through ``init_from_url``, never the raw text. A value that fails is answered at once,
on that page, with one sentence, and the default stands in.
User text is never rendered as markdown: a message that quotes it goes through ``escaped``.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any

import streamlit as st

import vizcore
from vizcore.builder import spec
from vizcore.cli_visualize import channel_list
from vizcore.course import lectures, quiz, tour
from vizcore.device import available_devices
from vizcore.drawing.charts import GROUPINGS
from vizcore.drawing.figures import PAPER_KINDS
from vizcore.drawing.graphview import COLOR_METRICS
from vizcore.drawing.projector import FIT
from vizcore.drawing.style import ORIENTATIONS
from vizcore.engine.training import check_batch, check_optimizer
from webapp.caching import UPLOADED, is_upload, upload_input
from webapp.classroom.follow import after_sync
from webapp.classroom.store import check_code

DEPTHS: list[str] = ["all", "1", "2", "3", "4", "5", "6"]
MAX_VALUE = 2000  # characters of a URL value other than a layer list; past it nothing is parsed
_NAMES = re.compile(r"[\w.\-]+")  # a module path or a model name
_ADDRESS = re.compile(r"(?i):/|www\.|@\w")  # where a bare address would begin to be linked
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:@])")  # what could start a link, markup or HTML


def _one_of(options: Collection[str]) -> Callable[[str], str | None]:
    return lambda value: value if value in options else None


def _flag(value: str) -> bool | None:
    return {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False, "": False}.get(value)


def checked_model(value: str) -> str:
    """A zoo model, or ``onnx:<id>``: an upload this server still keeps."""
    if is_upload(value):
        upload_input(value)  # raises: malformed, unknown or expired
        return value
    return vizcore.get_card(value).name  # raises, naming the closest models


def _name(value: str) -> str | None:
    """A name (a module, a model, a photo); whether it exists is the page's to check."""
    return value if _NAMES.fullmatch(value.removeprefix(UPLOADED)) else None


def _names(value: str) -> list[str] | None:
    """A comma list of names (modules, models); whether each exists is the page's to check."""
    names = [n for n in value.split(",") if n]
    return names if all(_name(n) for n in names) else None


def _input(value: str) -> str:
    vizcore.parse_shape(value)  # raises one sentence for malformed, huge or 10,000-digit sizes
    return value


def _whole(value: str) -> int | None:
    """A whole number; whether it makes sense is the page's to say, in vizcore's words."""
    return int(value) if re.fullmatch(r"-?\d{1,9}", value.strip()) else None


def _channels(value: str) -> int | str | None:
    """A whole number (the convolution page's channel count) or the text of a list of channels like 0,5,9
    or 0-15 (What a channel wants), read by the CLI's own parser, which bounds it."""
    whole = _whole(value)
    if whole is not None:
        return whole
    try:
        channel_list(value)
    except argparse.ArgumentTypeError:
        return None
    return value


def _batch(value: str) -> int:
    """A batch size, in vizcore's words when it is no whole number or past what a GPU holds."""
    digits = value.strip()
    if not re.fullmatch(r"[+-]?\d{1,30}", digits):  # int() of a 2,000-digit paste would be slow and say nothing
        return check_batch(value if len(value) <= 40 else value[:37] + "...")  # raises, quoting it short
    return check_batch(int(digits))


def _spec(value: str) -> str:
    return spec.from_link(value)  # the spec's text; raises for a damaged link


def devices() -> list[str]:
    """The device picker's options: auto (the best), then the CPU, then each accelerator this server has."""
    return ["auto", "cpu", *(d for d in available_devices() if d != "cpu")]


def _device(value: str) -> str | None:
    return value if value in devices() else None


# Every parameter the app reads, and what a usable value is. A page names the ones it reads in setup().
CHECKS: Mapping[str, Callable[[str], Any]] = {
    "model": checked_model,
    "input": _input,
    "device": _device,
    "present": _flag,
    "depth": _one_of(DEPTHS),
    "color": _one_of(COLOR_METRICS),
    "orientation": _one_of((*ORIENTATIONS, FIT)),  # fit: the layer graph's largest layout for the screen
    "expand": _names,
    "repeats": _flag,  # the layer graph folds runs of identical blocks into one "x N" box
    "numbers": _flag,  # the Convolution page's frames show the arithmetic
    "block": _name,
    "group": _one_of(GROUPINGS),
    "scale": _one_of(("linear", "log")),
    "cumulative": _flag,
    "models": _names,
    "diff": _names,  # Compare's "What changed": two of ?models, before and after
    "figure": _one_of(PAPER_KINDS),
    "fit": _flag,
    "table": lectures.check_table_id,
    "slide": lambda v: tour.slide_keys()[tour.check_slide(v)],
    "from": _name,
    "spec": _spec,
    "weights": _name,
    "sample": _name,
    "source": _one_of(("free", "layer")),
    "layer": _name,
    "batch": _batch,
    "room": lambda v: "new" if v.strip().lower() == "new" else check_code(v),  # joined in classroom.ui.enter
    "optimizer": check_optimizer,
    "seed": quiz.check_seed,  # practice questions: the same seed, the same questions
    **dict.fromkeys(("size", "kernel", "stride", "padding", "dilation", "groups"), _whole),
    "channels": _channels,
}
SHARED = ("model", "input", "device", "present")


def escaped(text: str) -> str:
    """``text`` as markdown that shows exactly these characters: no link, emphasis or HTML from user text."""
    # Escapes stop links and markup; bare addresses are linked after escapes are read, so a word joiner
    # (invisible) breaks them: "https:⁠//", "www⁠.", "a@⁠b.org" show as typed but are not links.
    text = _ADDRESS.sub(lambda m: f"{m[0][:-1]}\u2060{m[0][-1]}", text)
    return _MARKDOWN.sub(r"\\\1", text)


def quoted(value: str) -> str:
    """A user's value in a message, cut short so that a 10,000-character paste stays one readable sentence."""
    return repr(value if len(value) <= 40 else value[:37] + "...")


def report(param: str, value: str, problem: str = "") -> None:
    """Note that ``?param=value`` is not used (and why, where vizcore said why), for ``show_url_problems``."""
    if problem:
        sentence = f"?{param}: {problem.rstrip('.')}; the default is used instead."
    else:
        sentence = f"?{param}={quoted(value)} is not valid here, so the default is used."
    st.session_state.setdefault("url_problems", []).append(sentence)


def show_url_problems() -> None:
    """Say the URL problems noted so far, each once, as plain text."""
    for sentence in st.session_state.pop("url_problems", []):
        st.warning(escaped(sentence))


def valid_params(params: Mapping[str, str]) -> dict[str, str]:
    """The parameters of ``params`` that the app knows and whose values pass their check, as they are: what
    a link the app writes may carry on (the others would only carry hostile text into it)."""
    kept = {}
    for param, raw in params.items():
        if param not in CHECKS or (len(raw) > MAX_VALUE and param != "spec"):
            continue
        try:
            if CHECKS[param](raw) is not None:
                kept[param] = raw
        except vizcore.VizcoreError:
            continue
    return kept


def check_url(reads: Collection[str] | None = None) -> None:
    """Check every parameter this page reads (the shared ones and ``reads``; None: every one the app
    knows); say what is wrong with each bad one and take it out of the URL, so that the widget that reads
    it starts from its default."""
    wanted = [*SHARED, *(p for p in (CHECKS if reads is None else reads) if p not in SHARED)]
    st.session_state["_url_checked"] = set(wanted)
    parsed: dict[str, tuple[str, Any]] = {}  # param -> (the URL's text, its value), for init_from_url
    for param in wanted:
        raw = st.query_params.get(param)
        if raw is None:
            continue
        value = None
        if len(raw) > MAX_VALUE and param != "spec":
            problem = f"the value is {len(raw):,} characters long, past the {MAX_VALUE:,} any parameter needs"
        else:
            try:
                value = CHECKS[param](raw)
                problem = "" if value is not None else " "
            except vizcore.VizcoreError as exc:
                problem = str(exc)
        if problem:
            report(param, raw, problem.strip())
            del st.query_params[param]
        else:
            parsed[param] = (raw, value)
    st.session_state["_url_values"] = parsed
    show_url_problems()


def url_value(param: str) -> Any:
    """``?param``'s value as CHECKS parsed it this run, or None when the URL does not give a usable one."""
    raw, value = st.session_state.get("_url_values", {}).get(param, (None, None))
    return value if raw is not None and raw == st.query_params.get(param) else None


def init_from_url(key: str, param: str, default: Any, narrow: Callable[[Any], Any] | None = None) -> None:
    """Seed a widget's state: from this session's last choice, else the URL's value as CHECKS parsed it
    (so a bookmarked view reopens as it was), else ``default``. ``narrow`` is what this page adds to the
    check (a block this model has, a choice it offers): it takes the parsed value and returns the one to
    use, or None, or raises VizcoreError, for one this page cannot use; the page then says so at once and
    uses the default."""
    if param not in st.session_state.get("_url_checked", ()):
        raise RuntimeError(f"?{param} is read but not checked: name it in this page's setup()")
    if key in st.session_state:
        # re-assigning marks the value as set by us, so Streamlit keeps it when a page switch
        # re-creates the widget (the documented way to keep widget state across pages)
        st.session_state[key] = st.session_state[key]
        return
    if f"_{key}" in st.session_state:
        st.session_state[key] = st.session_state[f"_{key}"]
        return
    raw, parsed = st.query_params.get(param), url_value(param)
    value = default
    if raw is not None and parsed is not None:
        try:
            narrowed = parsed if narrow is None else narrow(parsed)
        except vizcore.VizcoreError as exc:
            report(param, raw, str(exc))
        else:
            if narrowed is None:
                report(param, raw)
            else:
                value = narrowed
        show_url_problems()
    st.session_state[key] = value


def init_layout(key: str, layouts: Collection[str], presented: str) -> None:
    """Seed a diagram's layout picker from ``?orientation=``. Until the URL or the teacher picks a layout
    (``choose_layout`` is the picker's on_change), it follows the mode: ``presented`` in presentation mode,
    else vertical, as the papers draw."""
    chosen = st.session_state.setdefault(f"_{key}_chosen", "orientation" in st.query_params)
    init_from_url(key, "orientation", "vertical", _one_of(layouts))
    if not chosen:
        st.session_state[key] = presented if st.session_state.get("present") else "vertical"


def choose_layout(key: str) -> None:
    st.session_state[f"_{key}_chosen"] = True


def layout_chosen(key: str) -> bool:
    """Whether the layout was asked for (by the URL or the picker), so the page's link names it."""
    return bool(st.session_state.get(f"_{key}_chosen"))


def remember(*keys: str) -> None:
    """Keep widget choices across page switches (Streamlit drops a widget's state on another page)."""
    for key in keys:
        if key in st.session_state:
            st.session_state[f"_{key}"] = st.session_state[key]


def sync_url(params: Mapping[str, str]) -> None:
    """Make the URL say exactly what is on screen: shared state plus this page's own choices."""
    wanted = after_sync({k: v for k, v in params.items() if v not in ("", None)})  # a room's view, published
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)


def shared_params() -> dict[str, str]:
    params = {"model": st.session_state["model"], "input": st.session_state["input"]}
    if st.session_state.get("device", "auto") != "auto":
        params["device"] = st.session_state["device"]
    if st.session_state.get("present"):
        params["present"] = "1"
    return params
