"""Quiet hours and digest schedules in a zone (SPEC §17): read from their text, and the instants they
give on both sides of a daylight saving change."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

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


# New York falls back at 02:00 EDT on Sunday 1 November 2026 (01:00-02:00 is shown twice: 05:00-06:00 UTC
# as EDT, then 06:00-07:00 UTC as EST); Paris falls back at 03:00 CEST on 25 October (02:00-03:00 twice:
# 00:00-01:00 UTC, then 01:00-02:00 UTC) and springs forward at 02:00 CET on 29 March (02:00-03:00 never).
NEW_YORK = "America/New_York"


@pytest.mark.parametrize(
    ("quiet", "now", "end"),
    [
        # 01:10 the first time (EDT): the first 01:30 is still to come.
        ("22:00-01:30 America/New_York", utc(2026, 11, 1, 5, 10), utc(2026, 11, 1, 5, 30)),
        # 01:10 the second time (EST): the first 01:30 is past, the second still to come.
        ("22:00-01:30 America/New_York", utc(2026, 11, 1, 6, 10), utc(2026, 11, 1, 6, 30)),
        ("00:30-01:30 America/New_York", utc(2026, 11, 1, 6, 10), utc(2026, 11, 1, 6, 30)),
        # The evening before: the first 01:30.
        ("22:00-01:30 America/New_York", utc(2026, 11, 1, 2, 0), utc(2026, 11, 1, 5, 30)),
        ("22:00-02:30 Europe/Paris", utc(2026, 10, 25, 0, 10), utc(2026, 10, 25, 0, 30)),  # 02:10 CEST
        ("22:00-02:30 Europe/Paris", utc(2026, 10, 25, 1, 10), utc(2026, 10, 25, 1, 30)),  # 02:10 CET
        ("01:00-01:30 Europe/Paris", utc(2026, 10, 24, 23, 0), utc(2026, 10, 24, 23, 30)),  # none twice
    ],
)
def test_quiet_hours_ending_in_the_repeated_hour_end_still_to_come(
    quiet: str, now: datetime, end: datetime
) -> None:
    until = quiet_hours(quiet).until(now, "UTC")
    assert until == end
    assert end > now


def test_quiet_hours_after_their_first_end_in_the_repeated_hour_are_over_until_it_shows_again() -> None:
    quiet = quiet_hours("22:00-01:30 America/New_York")
    assert quiet.until(utc(2026, 11, 1, 5, 45), "UTC") is None  # 01:45 EDT: over
    assert quiet.until(utc(2026, 11, 1, 6, 45), "UTC") is None  # 01:45 EST: over again


def test_quiet_hours_begun_in_the_repeated_hour_last_while_the_clock_shows_it_again() -> None:
    quiet = quiet_hours("01:30-08:00 America/New_York")
    assert quiet.until(utc(2026, 11, 1, 5, 29), "UTC") is None  # 01:29 EDT: not yet
    assert quiet.until(utc(2026, 11, 1, 5, 30), "UTC") == utc(2026, 11, 1, 13, 0)  # 01:30 EDT: quiet
    # 01:10 EST: the clock is back before 01:30, but the quiet hours began and have not ended.
    assert quiet.until(utc(2026, 11, 1, 6, 10), "UTC") == utc(2026, 11, 1, 13, 0)
    assert quiet.until(utc(2026, 11, 1, 13, 0), "UTC") is None  # 08:00 EST: over


def test_quiet_hours_ending_in_the_skipped_hour_end_when_the_clock_jumps_past() -> None:
    # 29 March 2026 in Paris: 02:00 CET (01:00 UTC) becomes 03:00 CEST; 02:30 is never shown.
    quiet = quiet_hours("22:00-02:30 Europe/Paris")
    assert quiet.until(utc(2026, 3, 29, 0, 59), "UTC") == utc(2026, 3, 29, 1, 0)  # 01:59 CET
    assert quiet.until(utc(2026, 3, 29, 1, 0), "UTC") is None  # 03:00 CEST: over, as its end said
    assert quiet.until(utc(2026, 3, 28, 22, 0), "UTC") == utc(2026, 3, 29, 1, 0)


def test_quiet_hours_starting_in_the_skipped_hour_start_when_the_clock_jumps_past() -> None:
    quiet = quiet_hours("02:30-08:00 Europe/Paris")
    assert quiet.until(utc(2026, 3, 29, 0, 59), "UTC") is None  # 01:59 CET: not yet
    assert quiet.until(utc(2026, 3, 29, 1, 0), "UTC") == utc(2026, 3, 29, 6, 0)  # 03:00 CEST: quiet


@pytest.mark.parametrize(
    ("schedule", "day_before", "due"),
    [
        # In the skipped hour: once, when the clock jumps past it (03:00 CEST).
        ("daily@02:30 Europe/Paris", utc(2026, 3, 28, 12, 0), utc(2026, 3, 29, 1, 0)),
        # In the repeated hour: once, the first time it is shown.
        ("daily@02:30 Europe/Paris", utc(2026, 10, 24, 12, 0), utc(2026, 10, 25, 0, 30)),
        ("daily@01:30 America/New_York", utc(2026, 10, 31, 12, 0), utc(2026, 11, 1, 5, 30)),
        ("weekly@sun-01:30 America/New_York", utc(2026, 10, 31, 12, 0), utc(2026, 11, 1, 5, 30)),
    ],
)
def test_a_digest_due_in_a_skipped_or_repeated_hour_is_due_once(
    schedule: str, day_before: datetime, due: datetime
) -> None:
    digest = digest_schedule(schedule)
    assert digest.next(day_before, "UTC") == due
    # Every minute of the two days around it sees that one due time and no other.
    dues, now = set(), day_before
    while now < day_before + timedelta(days=2):
        dues.add(digest.last(now, "UTC"))
        now += timedelta(minutes=10)
    assert due in dues
    assert [d for d in sorted(dues) if day_before < d <= due + timedelta(hours=12)] == [due]
    assert digest.next(due, "UTC") > due + timedelta(hours=12)
    assert digest.previous(digest.next(due, "UTC"), "UTC") == due
