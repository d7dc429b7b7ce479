"""Times of day in a zone, as two options hold them (SPEC §17): quiet hours (`22:00-08:00 Europe/Paris`)
and a digest's schedule (`daily@09:00`, `weekly@mon-09:00 Europe/Paris`). Read from their text like every
option's value; the instants they give are computed in the zone's own calendar (the standard library's
zoneinfo, with the tzdata package where the system has no zone files), so a daylight saving change moves
nothing: 08:00 in Paris is 08:00 on both sides of it. Days are counted on the zone's calendar (dates),
never by adding hours to a local time. A time of day the clock shows twice (the hour repeated when it
falls back) is both instants; one it skips (the hour lost when it springs forward) is the instant the
clock jumps past it. A value without a zone uses the bot's DEFAULT_TIMEZONE, given when an instant is
asked for.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
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
    "wall_instant",
    "wall_instants",
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


def wall_instants(day: date, clock: time, zone: ZoneInfo) -> list[datetime]:
    """The UTC instants at which the clock in `zone` shows `clock` on `day`: one, two in the hour repeated
    when the clock falls back, or (in the hour it skips) the one where it jumps past `clock`."""
    wall = datetime.combine(day, clock)
    found: list[datetime] = []
    for fold in (0, 1):
        moment = wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        # A wall time that does not come back from its instant is in the skipped hour.
        if moment.astimezone(zone).replace(tzinfo=None) == wall and moment not in found:
            found.append(moment)
    return sorted(found) or [_jump_past(wall, zone)]


def _jump_past(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first instant whose wall time in `zone` is at or after `wall`, a time the clock skips."""
    # Between the skipped time read with the offset after the change and with the one before it.
    early = int(wall.replace(tzinfo=zone, fold=1).astimezone(UTC).timestamp())
    late = int(wall.replace(tzinfo=zone, fold=0).astimezone(UTC).timestamp())
    while late - early > 1:
        middle = (early + late) // 2
        if datetime.fromtimestamp(middle, zone).replace(tzinfo=None) >= wall:
            late = middle
        else:
            early = middle
    return datetime.fromtimestamp(late, UTC)


def wall_instant(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The first instant the clock in `zone` shows `clock` on `day` (UTC): a schedule fires once; a time
    the clock skips is the instant it jumps past it (a freeze window's ends too)."""
    return wall_instants(day, clock, zone)[0]


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
        clock, today = local.time().replace(tzinfo=None), local.date()
        if self.start < self.end:
            inside, end_day = self.start <= clock < self.end, today
        else:  # 22:00-08:00: tonight's quiet ends tomorrow, this morning's ends today
            inside = clock >= self.start or clock < self.end
            end_day = today + timedelta(days=1) if clock >= self.start else today
        if inside:
            # The end still to come: on the night the clock falls back, the end's second showing may be.
            ends = wall_instants(end_day, self.end, zone)
            return next((end for end in ends if end > now), ends[-1])
        # Begun, and the clock fell back to before the start since: still quiet until the end.
        for day in (today - timedelta(days=1), today):
            begun = wall_instant(day, self.start, zone)
            end = wall_instant(day if self.start < self.end else day + timedelta(days=1), self.end, zone)
            if begun <= now < end:
                return end
        return None


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
        today = now.astimezone(zone).date()
        for back in range(8):
            day = today - timedelta(days=back)
            due = wall_instant(day, self.at, zone)
            if (self.weekday is None or day.weekday() == self.weekday) and due <= now:
                return due
        raise AssertionError("a week always holds a due time")  # pragma: no cover

    def next(self, after: datetime, default_zone: str) -> datetime:
        """The first time the digest is due after `after` (UTC)."""
        zone = ZoneInfo(self.zone or default_zone)
        today = after.astimezone(zone).date()
        for ahead in range(9):
            day = today + timedelta(days=ahead)
            due = wall_instant(day, self.at, zone)
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
