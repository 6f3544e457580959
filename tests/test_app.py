"""The app runs with no exception and shows the default model's numbers."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def test_app_shows_alexnet_summary() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    assert at.metric[0].value == "61,100,840"
    at.text_input[0].set_value("3x8x8").run()
    assert not at.exception and "too small" in at.error[0].value
