"""A row id read from a button's value: ASCII digits, within what the tables' INTEGER ids hold."""

from __future__ import annotations

import pytest

from bot.blocks import read_row_id
from tests.slack.test_forged_button_ids import FORGED


@pytest.mark.parametrize("value", [*FORGED, "", "12a", "1" * 11, "\u0660\u0661"])
def test_a_row_id_is_ascii_digits_within_the_tables_range(value: str) -> None:
    assert read_row_id(value) is None
    assert read_row_id("card:" + value, "card:") is None


def test_a_row_id_within_range_is_read() -> None:
    assert read_row_id("action:1", "action:") == 1
    assert read_row_id("2147483647") == 2**31 - 1
    assert read_row_id("request:12", "action:") is None
    assert read_row_id(12) is None
