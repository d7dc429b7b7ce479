"""Freeze windows in a zone: weekly and nightly, read from their text, and when they hold on both sides
of a daylight saving change (the clock moved, never slept through)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.commands.parser import parse
from bot.commands.typed import AddFreeze, FreezesOff, ListFreezes, RemoveFreeze
from bot.errors import CommandError
from bot.freezes import Freeze, Span, Window, read_duration, read_window
from bot.qovery import EnvironmentType

PARIS = "Europe/Paris"


def utc(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_a_weekend_window_holds_from_friday_afternoon_to_monday_morning_in_its_zone() -> None:
    window = read_window("FRI 16:00-mon 08:00 europe/paris")
    assert window == Window(time(16), time(8), 4, 0, PARIS)
    assert window.text() == "fri 16:00-mon 08:00 Europe/Paris"
    # Friday 4 December 2026: Paris is UTC+1.
    assert window.current(utc(12, 4, 14, 59), "UTC") is None
    assert window.current(utc(12, 4, 15, 0), "UTC") == Span(utc(12, 4, 15), utc(12, 7, 7))
    assert window.current(utc(12, 6, 23, 0), "UTC") == Span(utc(12, 4, 15), utc(12, 7, 7))
    assert window.current(utc(12, 7, 7, 0), "UTC") is None
    assert window.next(utc(12, 7, 7, 0), "UTC") == Span(utc(12, 11, 15), utc(12, 14, 7))


def test_a_window_across_the_clocks_going_back_ends_at_its_local_time() -> None:
    """Paris falls back on Sunday 25 October 2026 at 03:00: the weekend is an hour longer, and Monday's
    08:00 is 07:00 UTC, not 06:00."""
    window = read_window("fri 16:00-mon 08:00 Europe/Paris")
    friday = utc(10, 23, 14, 0)  # 16:00 in Paris, summer time
    assert window.current(friday, "UTC") == Span(friday, utc(10, 26, 7, 0))
    assert window.current(utc(10, 26, 6, 30), "UTC") is not None  # 07:30 in Paris: still frozen
    assert window.current(utc(10, 26, 7, 0), "UTC") is None


def test_a_nightly_window_across_the_clocks_going_forward() -> None:
    """Paris springs forward on Sunday 29 March 2026 at 02:00: that night is an hour shorter."""
    nightly = read_window("22:00-08:00 Europe/Paris")
    assert nightly.current(utc(3, 28, 21, 0), "UTC") == Span(utc(3, 28, 21, 0), utc(3, 29, 6, 0))
    assert nightly.current(utc(3, 29, 6, 0), "UTC") is None
    assert nightly.current(utc(3, 29, 12, 0), "UTC") is None
    assert nightly.next(utc(3, 29, 12, 0), "UTC") == Span(utc(3, 29, 20, 0), utc(3, 30, 6, 0))


def test_a_window_without_a_zone_is_read_in_the_default_one() -> None:
    nightly = read_window("22:00-06:00")
    assert nightly.current(utc(7, 1, 21, 0), "UTC") is None
    assert nightly.current(utc(7, 1, 21, 0), PARIS) is not None  # 23:00 in Paris


@pytest.mark.parametrize(
    "text",
    ["fri 16:00", "fri 16:00-08:00", "fry 16:00-mon 08:00", "25:00-08:00", "08:00-08:00",
     "22:00-08:00 Mars/Olympus", "x" * 5000, "22:00-08:00 Europe/Paris extra"],
)  # fmt: skip
def test_bad_windows_are_refused_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(CommandError) as refused:
        read_window(text)
    assert refused.value.accepted
    assert len(str(refused.value)) < 400


@pytest.mark.parametrize("text", ["0h", "4", "31d", "-1h", "4 hours", "99999h"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(CommandError):
        read_duration(text)
    assert read_duration("90m") == timedelta(minutes=90)


def test_the_freeze_commands_read_their_window_types_and_reason() -> None:
    added = parse(
        'policy freeze add "fri 16:00-mon 08:00 Europe/Paris" production,staging --reason "launch week"'
    )
    assert isinstance(added, AddFreeze)
    assert added.freeze.window == Window(time(16), time(8), 4, 0, PARIS)
    assert added.freeze.environment_types == (EnvironmentType.PRODUCTION, EnvironmentType.STAGING)
    assert added.freeze.reason == "launch week"
    unquoted = parse("policy freeze add 22:00-08:00 Europe/Paris --reason nights are for sleeping")
    assert isinstance(unquoted, AddFreeze)
    assert unquoted.freeze.window == Window(time(22), time(8), zone=PARIS)
    assert unquoted.freeze.environment_types == (EnvironmentType.PRODUCTION,)
    assert unquoted.freeze.reason == "nights are for sleeping"
    now = parse('policy freeze now 4h --reason "incident 42"')
    assert isinstance(now, AddFreeze)
    assert now.freeze.lasting == timedelta(hours=4)
    assert parse("policy freeze list") == ListFreezes()
    assert parse("policy freeze remove 2") == RemoveFreeze(2)
    assert parse("policy freeze off") == FreezesOff()


@pytest.mark.parametrize(
    ("text", "word"),
    [("policy freeze add 22:00-08:00", "--reason"), ("policy freeze now 4h --reason ''", "--reason"),
     ("policy freeze remove two", "two"), ("policy freeze remove", None), ("policy freeze melt", "melt"),
     (f"policy freeze now 4h --reason {'x' * 400}", "--reason")],
)  # fmt: skip
def test_bad_freeze_commands_name_the_word(text: str, word: str | None) -> None:
    with pytest.raises(CommandError) as refused:
        parse(text)
    if word is not None:
        assert refused.value.word == word


def test_a_stored_freeze_reads_back_and_an_unreadable_one_is_none() -> None:
    freeze = Freeze("launch", (EnvironmentType.PRODUCTION,), read_window("fri 16:00-mon 08:00 Europe/Paris"))
    assert Freeze.from_json(freeze.to_json(), 7, "U1") == Freeze(
        "launch", (EnvironmentType.PRODUCTION,), freeze.window, None, "U1", 7
    )
    span = Freeze("now", (EnvironmentType.STAGING,), span=Span(utc(1, 1, 0), utc(1, 1, 4)))
    assert Freeze.from_json(span.to_json(), 1, "U1") is not None
    naive = '{"reason": "x", "environment_types": [], "span": ["2026-01-01T00:00", "2026-01-02T00:00"]}'
    for stored in ("null", "{}", '{"reason": "x", "environment_types": ["NOPE"], "window": [0]}', naive):
        assert Freeze.from_json(stored, 1, "U1") is None


@pytest.mark.parametrize("text", ["100000h", "99999999d", "45000m"])
def test_a_freeze_too_long_is_answered_with_its_limit_not_as_no_duration(text: str) -> None:
    with pytest.raises(CommandError) as refused:
        read_duration(text)
    assert "between a minute and 30 days" in str(refused.value)
