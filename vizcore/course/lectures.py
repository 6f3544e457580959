"""The lecture decks' tables, reproduced from the models: each figure as the slide prints it, beside ours.

The public door to the course tables; the work lives in the modules named here:
``checker`` (the slides' printed figures from ``decks/*.json``, and the rounding check), ``rows`` (the
records), ``catalog`` (every table by id, with its title), the ``*_tables`` builders, and ``render``.

The decks' conventions, used throughout: their "flop" is a multiply-add (our MAC); pooling counts one
operation per window element (K x K per output); KB is 1024 bytes and MB 1024 KB; memory is
float32 output elements x 4 bytes.
"""

from __future__ import annotations

from .catalog import UnknownTableError, check_table_id, lecture_table, list_tables, memo_getter, table_ids, tables_index
from .checker import Figure, deck_titles, figure
from .googlenet_tables import TableRow, googlenet_table
from .render import (
    FORMATS,
    cell,
    lecture_csv,
    lecture_html,
    lecture_json,
    lecture_latex,
    lecture_markdown,
    lecture_text,
)
from .rows import Getter, LectureTable, Row

__all__ = [
    "FORMATS",
    "Figure",
    "Getter",
    "LectureTable",
    "Row",
    "TableRow",
    "UnknownTableError",
    "cell",
    "check_table_id",
    "deck_titles",
    "figure",
    "googlenet_table",
    "lecture_csv",
    "lecture_html",
    "lecture_json",
    "lecture_latex",
    "lecture_markdown",
    "lecture_table",
    "lecture_text",
    "list_tables",
    "memo_getter",
    "table_ids",
    "tables_index",
]
