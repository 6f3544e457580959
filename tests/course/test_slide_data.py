"""The deck files: every printed figure has its deck file and slide, and those files are the shared decks."""

from __future__ import annotations

from pathlib import Path

import pytest

from vizcore.course import catalog, checker


def _shared_lectures() -> Path | None:
    """../shared/lectures beside the checkout (or beside a folder that holds worktrees), where present."""
    for folder in Path(__file__).resolve().parents[2].parents:
        if (folder / "shared" / "lectures").is_dir():
            return folder / "shared" / "lectures"
    return None


def test_every_figure_has_its_deck_file_and_slide() -> None:
    tables = checker.slide_tables()
    assert set(tables) == set(catalog.table_ids())
    figures = 0
    for t in tables.values():
        assert t.deck in checker.DECK_IDS and t.slide
        for row in t.rows:
            assert row.label and row.slide and row.deck in checker.DECK_IDS
            assert row.file.startswith(f"{row.deck}_") and row.file.endswith(".txt")
            assert all(isinstance(v, str) for v in row.info.values())
            for quantity, printed in row.printed.items():
                assert quantity and printed.strip()
                figures += 1
    assert figures == 310  # every printed figure of the 16 tables


def test_a_row_can_come_from_another_deck() -> None:
    given = checker.slide_table("alexnet-2gpu").row("input")
    assert (given.deck, given.file, given["neurons"]) == ("001", "001_cdceb219043597ce.txt", "150,528")
    assert checker.slide_table("alexnet-2gpu").deck == "002"


def test_deck_files_are_the_shared_decks() -> None:
    lectures = _shared_lectures()
    if lectures is None:
        pytest.skip("no ../shared/lectures beside this checkout")
    named = {checker.read_deck(d)["file"] for d in checker.DECK_IDS}
    assert named == {p.name for p in lectures.glob("*.txt")}
    for d in checker.DECK_IDS:
        data = checker.read_deck(d)
        assert data["course"] in (lectures / "README.md").read_text(encoding="utf-8")


def test_the_check_rounds_at_the_slides_precision() -> None:
    assert not checker.figure("params (M)", "61", 61_100_840, checker.M).differs
    f = checker.figure("flop (M)", "145", 149_520_384, checker.M)
    assert f.differs and f.reason == "149,520,384 / 1,000,000 = 149.5204, which rounds to 150, not 145"
    truncated = checker.figure("GFLOP", "3.6", 3_663_761_408, checker.G)
    assert truncated.differs and truncated.reason.endswith("(the slide truncates instead of rounding)")
    assert checker.figure("params", "124K", 124_000).unit == "K"
