"""A long list in Block Kit: split over sections, each within Slack's limit, no line cut or lost."""

from __future__ import annotations

from bot.blocks import SECTION_LIMIT, sections


def test_lines_are_split_over_sections_never_cut() -> None:
    lines = [f"• *service-{n:03d}*: `{'9' * 150}` → `{'8' * 150}`" for n in range(200)]
    found = sections(lines)
    assert len(found) > 1
    assert all(len(block["text"]["text"]) <= SECTION_LIMIT for block in found)
    assert "\n".join(block["text"]["text"] for block in found).split("\n") == lines


def test_a_line_over_a_section_alone_is_cut_and_nothing_is_empty() -> None:
    found = sections(["short", "x" * 4000, "after"])
    assert [len(block["text"]["text"]) for block in found] == [5, SECTION_LIMIT, 5]
    assert sections([]) == []
