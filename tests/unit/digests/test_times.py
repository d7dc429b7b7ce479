"""Quiet hours and digest schedules in a zone (SPEC §17): read from their text, and the instants they
give on both sides of a daylight saving change."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.errors import CommandError
from bot.subscriptions.times import (
    NO_DIGEST,
    NO_QUIET,
    DigestSchedule,
    QuietHours,
    digest_schedule,
    quiet_hours,
)

PARIS = "Europe/Paris"


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_quiet_hours_past_midnight_end_the_next_morning_in_their_zone() -> None:
    quiet = quiet_hours("22:00-08:00 europe/paris")
    assert quiet == QuietHours(time(22), time(8), PARIS)
    assert quiet.text() == "22:00-08:00 Europe/Paris"
    assert quiet.until(utc(2026, 12, 3, 20, 59), "UTC") is None  # 21:59 in Paris
    assert quiet.until(utc(2026, 12, 3, 21, 0), "UTC") == utc(2026, 12, 4, 7, 0)  # 22:00 → 08:00 next day
    assert quiet.until(utc(2026, 12, 4, 6, 59), "UTC") == utc(2026, 12, 4, 7, 0)  # 07:59: this morning's
    assert quiet.until(utc(2026, 12, 4, 7, 0), "UTC") is None  # 08:00: over


def test_quiet_hours_within_a_day_and_without_a_zone_use_the_default_one() -> None:
    quiet = quiet_hours("12:00-14:30")
    assert quiet.text() == "12:00-14:30"
    assert quiet.until(utc(2026, 7, 1, 12, 0), "UTC") == utc(2026, 7, 1, 14, 30)
    assert quiet.until(utc(2026, 7, 1, 12, 0), "America/New_York") is None  # 08:00 there
    assert quiet.until(utc(2026, 7, 1, 16, 0), "America/New_York") == utc(2026, 7, 1, 18, 30)


def test_the_night_summer_time_ends_quiet_hours_still_end_at_eight_in_paris() -> None:
    # 25 October 2026, 03:00 CEST becomes 02:00 CET: 22:00 the night before is 20:00 UTC, 08:00 is 07:00 UTC.
    quiet = quiet_hours("22:00-08:00 Europe/Paris")
    assert quiet.until(utc(2026, 10, 24, 20, 0), "UTC") == utc(2026, 10, 25, 7, 0)
    assert quiet.until(utc(2026, 10, 25, 6, 30), "UTC") == utc(2026, 10, 25, 7, 0)  # 07:30 CET
    # And the night it begins (29 March 2026): 08:00 CEST is 06:00 UTC.
    assert quiet.until(utc(2026, 3, 28, 22, 0), "UTC") == utc(2026, 3, 29, 6, 0)


def test_a_daily_digest_is_due_at_the_same_local_time_across_the_change() -> None:
    daily = digest_schedule("daily@09:00 Europe/Paris")
    assert daily == DigestSchedule(time(9), None, PARIS)
    assert daily.next(utc(2026, 10, 24, 7, 0), "UTC") == utc(2026, 10, 25, 8, 0)
    assert daily.last(utc(2026, 10, 25, 7, 59), "UTC") == utc(2026, 10, 24, 7, 0)
    assert daily.previous(utc(2026, 10, 25, 8, 0), "UTC") == utc(2026, 10, 24, 7, 0)  # a 25-hour day


def test_a_weekly_digest_is_due_on_its_day() -> None:
    weekly = digest_schedule("WEEKLY@Mon-09:30")
    assert weekly.text() == "weekly@mon-09:30"
    thursday = utc(2026, 12, 3, 12, 0)
    assert weekly.next(thursday, "UTC") == utc(2026, 12, 7, 9, 30)
    assert weekly.last(thursday, "UTC") == utc(2026, 11, 30, 9, 30)
    assert weekly.previous(utc(2026, 11, 30, 9, 30), "UTC") == utc(2026, 11, 23, 9, 30)
    assert weekly.next(utc(2026, 12, 7, 9, 30), "UTC") == utc(2026, 12, 14, 9, 30)  # after, not at


def test_off_and_nothing_turn_them_off() -> None:
    assert quiet_hours("off") is NO_QUIET
    assert quiet_hours("") is NO_QUIET
    assert NO_QUIET.until(utc(2026, 12, 3, 23, 0), "UTC") is None
    assert NO_QUIET.text() == "off"
    assert digest_schedule("OFF") is NO_DIGEST
    assert NO_DIGEST.text() == "off"


@pytest.mark.parametrize(
    "value",
    ["25:00-08:00", "22:00", "22:00-08:00 Mars/Olympus", "22:00-08:00 ../../etc/passwd", "22:00-22:00",
     "22h-8h", "22:00-08:00 Europe/Paris extra", "x" * 10_000, "22:00-08:00 " + "A/" * 100],
)  # fmt: skip
def test_bad_quiet_hours_are_refused_naming_them_and_the_accepted_forms(value: str) -> None:
    with pytest.raises(CommandError) as refused:
        quiet_hours(value)
    assert refused.value.accepted
    assert len(refused.value.message) < 300


@pytest.mark.parametrize(
    "value",
    ["hourly", "daily", "daily@25:00", "daily@mon-09:00", "weekly@09:00", "weekly@funday-09:00",
     "monthly@1-09:00", "daily@09:00 Nowhere/City", "weekly@mon-9:60"],
)  # fmt: skip
def test_bad_digest_schedules_are_refused(value: str) -> None:
    with pytest.raises(CommandError) as refused:
        digest_schedule(value)
    assert "daily@09:00" in refused.value.accepted or "Europe/Paris" in refused.value.accepted
