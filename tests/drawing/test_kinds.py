"""One registry of figure kinds: the CLI's --kind choices and the Paper figures page's menu are the
drawing registry's, so a kind added there shows up in both."""

from __future__ import annotations

import argparse

from vizcore.cli import _parser
from vizcore.drawing.figures import FIGURE_KINDS, PAPER_KINDS


def cli_kind_choices() -> list[str]:
    commands = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    figure = commands.choices["figure"]
    kind = next(a for a in figure._actions if a.dest == "kind")
    return list(kind.choices or [])


def test_registry_cli_and_page_agree() -> None:
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    assert list(FIGURE_KINDS) == ["graph", "columns", "volumes", "network"]
    assert cli_kind_choices() == [*FIGURE_KINDS, "convolution"]  # one layer's window, drawn from its settings
    assert PAPER_KINDS == ("columns", "volumes", "network")  # the layer graph has its own page
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update(model="lenet5", figure="network")
    at.switch_page("pages/paper_figures.py")
    at.run()
    assert not at.exception and not at.error
    menu = at.radio(key="paper_kind")
    assert menu.value == "network"
    assert list(menu.options) == [FIGURE_KINDS[k].title for k in PAPER_KINDS]
    assert FIGURE_KINDS["network"].caption in [c.value for c in at.caption]  # the caption comes with the kind
