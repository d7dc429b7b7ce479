"""Times of day in a zone, as two options hold them (SPEC §17): quiet hours (`22:00-08:00 Europe/Paris`)
and a digest's schedule (`daily@09:00`, `weekly@mon-09:00 Europe/Paris`). Read from their text like every
option's value; the instants they give are computed in the zone's own calendar (the standard library's
zoneinfo, with the tzdata package where the system has no zone files), so a daylight saving change moves
nothing: 08:00 in Paris is 08:00 on both sides of it. A value without a zone uses the bot's
DEFAULT_TIMEZONE, given when an instant is asked for.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import CommandError

__all__ = [
    "DAYS",
    "NO_DIGEST",
    "NO_QUIET",
    "DigestSchedule",
    "QuietHours",
    "digest_schedule",
    "quiet_hours",
    "zone_named",
]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = r"([01]?\d|2[0-3]):([0-5]\d)"
_QUIET = re.compile(rf"{_CLOCK}\s*-\s*{_CLOCK}(?:\s+(\S+))?")
_DIGEST = re.compile(rf"(daily|weekly)@(?:([a-z]{{3}})-)?{_CLOCK}(?:\s+(\S+))?", re.IGNORECASE)
QUIET_FORMS = ("22:00-08:00", "22:00-08:00 Europe/Paris", "off")
DIGEST_FORMS = ("daily@09:00", "weekly@mon-09:00", "daily@09:00 Europe/Paris", "off")


@functools.cache
def _zones() -> dict[str, str]:
    """Every IANA zone this machine knows, by its lower-case name."""
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def zone_named(name: str) -> str:
    """The IANA zone `name` (any case) as the zone database spells it; a CommandError otherwise."""
    found = _zones().get(name.lower()) if len(name) <= 64 else None
    if found is None:
        raise CommandError(
            f"`{name[:64]}` is not a time zone: give an IANA zone such as `Europe/Paris`, `America/New_York` "
            "or `UTC`.",
            word=name[:64],
            accepted=("Europe/Paris", "America/New_York", "UTC"),
        )
    return found


def _at(day: datetime, clock: time, zone: ZoneInfo) -> datetime:
    """`clock` on the local date of `day`, in `zone`, as a UTC instant."""
    return datetime.combine(day.date(), clock, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class QuietHours:
    """From `start` to `end` each day (past midnight when `end` comes first), in `zone`."""

    start: time = time(0)
    end: time = time(0)
    zone: str | None = None  # None: the bot's DEFAULT_TIMEZONE
    off: bool = False  # `--quiet off`: never quiet

    def text(self) -> str:
        if self.off:
            return "off"
        return f"{self.start:%H:%M}-{self.end:%H:%M}" + (f" {self.zone}" if self.zone else "")

    def until(self, now: datetime, default_zone: str) -> datetime | None:
        """When the quiet hours `now` falls in end (a UTC instant); None when `now` is not in them."""
        if self.off:
            return None
        zone = ZoneInfo(self.zone or default_zone)
        local = now.astimezone(zone)
        clock = local.time().replace(tzinfo=None)
        if self.start < self.end:
            inside, end_day = self.start <= clock < self.end, local
        else:  # 22:00-08:00: tonight's quiet ends tomorrow, this morning's ends today
            inside = clock >= self.start or clock < self.end
            end_day = local + timedelta(days=1) if clock >= self.start else local
        return _at(end_day, self.end, zone) if inside else None


@dataclass(frozen=True)
class DigestSchedule:
    """Daily (`weekday` None) or weekly on `weekday` (0 is Monday), at `at` in `zone`."""

    at: time = time(0)
    weekday: int | None = None
    zone: str | None = None
    off: bool = False  # `--digest off`: no digest

    def text(self) -> str:
        if self.off:
            return "off"
        when = "daily@" if self.weekday is None else f"weekly@{DAYS[self.weekday]}-"
        return f"{when}{self.at:%H:%M}" + (f" {self.zone}" if self.zone else "")

    def last(self, now: datetime, default_zone: str) -> datetime:
        """The latest time the digest was due at or before `now` (UTC)."""
        zone = ZoneInfo(self.zone or default_zone)
        local = now.astimezone(zone)
        for back in range(8):
            day = local - timedelta(days=back)
            due = _at(day, self.at, zone)
            if (self.weekday is None or day.weekday() == self.weekday) and due <= now:
                return due
        raise AssertionError("a week always holds a due time")  # pragma: no cover

    def next(self, after: datetime, default_zone: str) -> datetime:
        """The first time the digest is due after `after` (UTC)."""
        zone = ZoneInfo(self.zone or default_zone)
        local = after.astimezone(zone)
        for ahead in range(9):
            day = local + timedelta(days=ahead)
            due = _at(day, self.at, zone)
            if (self.weekday is None or day.weekday() == self.weekday) and due > after:
                return due
        raise AssertionError("a week always holds a due time")  # pragma: no cover

    def previous(self, due: datetime, default_zone: str) -> datetime:
        """The due time before `due`: where the digest due at `due` starts counting."""
        return self.last(due - timedelta(seconds=1), default_zone)


def _zone_of(word: str | None) -> str | None:
    return zone_named(word) if word else None


NO_QUIET = QuietHours(off=True)
NO_DIGEST = DigestSchedule(off=True)


def quiet_hours(value: str) -> QuietHours:
    """`22:00-08:00`, `22:00-08:00 Europe/Paris`; `off` (or nothing) for none."""
    text = value.strip()
    if text.lower() in ("", "off"):
        return NO_QUIET
    found = _QUIET.fullmatch(text)
    if found is None:
        raise CommandError(
            f"`{text[:64]}` is not quiet hours: give a range of 24-hour times and, if you like, a zone.",
            word=text[:64],
            accepted=QUIET_FORMS,
        )
    start = time(int(found.group(1)), int(found.group(2)))
    end = time(int(found.group(3)), int(found.group(4)))
    if start == end:
        raise CommandError(
            f"`{text[:64]}` starts and ends at the same time: give two different times.",
            word=text[:64],
            accepted=QUIET_FORMS,
        )
    return QuietHours(start, end, _zone_of(found.group(5)))


def digest_schedule(value: str) -> DigestSchedule:
    """`daily@09:00`, `weekly@mon-09:00`, either followed by a zone; `off` (or nothing) for none."""
    text = value.strip()
    if text.lower() in ("", "off"):
        return NO_DIGEST
    found = _DIGEST.fullmatch(text)
    daily = found is not None and found.group(1).lower() == "daily"
    day = (found.group(2) or "").lower() if found else ""
    if found is None or daily == bool(day) or (day and day not in DAYS):
        raise CommandError(
            f"`{text[:64]}` is not a digest schedule: daily@HH:MM, or weekly@DAY-HH:MM with DAY one of "
            f"{', '.join(DAYS)}; then a zone if you like.",
            word=text[:64],
            accepted=DIGEST_FORMS,
        )
    at = time(int(found.group(3)), int(found.group(4)))
    return DigestSchedule(at, None if daily else DAYS.index(day), _zone_of(found.group(5)))
